"""Chapter 10: the notebook's bonus cells. The BatchNorm widget, and the statistics of a Linear
with and without a BatchNorm behind it."""
import pandas as pd
import streamlit as st

from makemore_core import lecture_demos as demos
from ui import classroom
from ui.figures.lecture import normalize_chart
from ui.lecture import notebook, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "bonus"
TITLE = "Bonus: BatchNorm's widget and statistics"


def stats_table(ours: dict, lecture: dict) -> pd.DataFrame:
    """Our stds beside the notebook's printout, at its precision (lecture: {name: Printed})."""
    return pd.DataFrame({"tensor": list(ours), "notebook prints": [lecture[k].text for k in ours],
                         "here": [lecture[k].fmt(v) for k, v in ours.items()],
                         "vs notebook": [lecture[k].verdict(v) for k, v in ours.items()]})


X0S = [k / 2 for k in range(-60, 61)]   # the widget's slider: -30 to 30 in steps of 0.5


@st.cache_data(show_spinner=False)
def five_values_family():
    """Every place of the widget's slider, computed once (121 normalizations of five numbers: milliseconds)."""
    return [(x0, demos.normalize_five(x0)) for x0 in X0S]


def five_values():
    """Answered in the browser: the slider is bound inside the chart (issue 25)."""
    with st.container(key="lecture_widget_scrub"):
        st.vega_lite_chart(*normalize_chart(five_values_family(), classroom.projecting()), width="stretch",
                           key="lecture_widget_chart")


def render(ctx):
    look_at("Five numbers, one of them on a slider. BatchNorm subtracts their mean and divides by their std: "
            "whatever you do to one value, the outputs (red) stay centred with std 1, and all of them move, "
            "because they share the mean and the std. Then two experiments with no data at all: a Linear of "
            "1000 unit Gaussians multiplies the forward *and* the backward std by about √1000 ≈ 31; with a "
            "BatchNorm behind it the output is back to std 1, and the gradient into the input too.")
    five_values()
    st.markdown("**Linear: c = b @ a** (cell 23)")
    st.dataframe(stats_table(demos.linear_statistics(), notebook.LINEAR), hide_index=True, width="stretch",
                 key="lecture_linear_table")
    st.markdown("**Linear + BatchNorm** (cell 24)")
    st.dataframe(stats_table(demos.linear_batchnorm_statistics(), notebook.LINEAR_BATCHNORM), hide_index=True,
                 width="stretch", key="lecture_linear_bn_table")
    st.caption("These use no data set, so they compare with the notebook on any word list. The notebook prints "
               "full float precision; float rounding: within "
               f"{notebook.ROUNDING:.0e} of it (the sums ran in another order).")
    change_one_thing("Drag x0 to 30: the other four outputs bunch together, since one outlier now sets the std.",
                     "In the Initialization lab's 'BatchNorm explained' tab, change γ and β: the normalized "
                     "values are scaled and shifted back, as bngain and bnbias do.")
    try_it.button(ID, ctx.vocab_size)
