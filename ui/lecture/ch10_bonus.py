"""Chapter 10: the notebook's bonus cells. The BatchNorm widget, and the statistics of a Linear
with and without a BatchNorm behind it."""
import pandas as pd
import streamlit as st

from makemore_core import lecture_demos as demos
from ui import classroom
from ui.figures.lecture import normalize_chart, normalize_reach
from ui.lecture import notebook, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "bonus"
TITLE = "Bonus: BatchNorm's widget and statistics"


def stats_table(ours: dict, lecture: dict) -> pd.DataFrame:
    """Our stds beside the notebook's printout, at its precision (lecture: {name: Printed})."""
    return pd.DataFrame({"tensor": list(ours), "notebook prints": [lecture[k].text for k in ours],
                         "here": [lecture[k].fmt(v) for k, v in ours.items()],
                         "vs notebook": [lecture[k].verdict(v) for k, v in ours.items()]})


@st.fragment   # its slider reruns only this picture, not the page (issue 13)
def five_values():
    x0 = st.slider("x0: the first of the five values", -30.0, 30.0, 0.0, 0.5, key="lecture_widget_x0")
    result = demos.normalize_five(x0)
    st.markdown(f"**the five inputs: mean {result['mu']:.2f}, std {result['sigma']:.2f}** → normalized: mean 0, std 1")
    st.vega_lite_chart(*normalize_chart(result["x"], result["y"], result["mu"], result["sigma"], classroom.projecting(),
                                        reach=normalize_reach(x0)),
                       width="stretch", key="lecture_widget_chart")


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
