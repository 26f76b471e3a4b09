"""Chapter 3: tanh saturation. The hidden layer's pre-activations are too wide; tanh is flat there."""
import streamlit as st

from ui import classroom
from ui.figures import init_lab as figs
from ui.figures.lines import flat_image_chart, preactivation_chart
from ui.hints import plural
from ui.lecture import compute, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "tanh"
TITLE = "tanh saturation: white neurons, dead neurons"
STAGES = ("softmax-fix", "tanh-fix")


def hidden_view(result):
    return result["views"][0]   # the first half has one hidden layer


def render(ctx):
    look_at("With the softmax fixed, look inside: the pre-activations W1·x + b1 are spread over ±15, so "
            "most tanh outputs are ±1. Where |tanh| is 1 its slope is 0, and no gradient flows back through "
            "that unit. In the image (rows: the 32 examples of the first minibatch, columns: the 200 neurons) "
            "white marks |h| > 0.99; a column white for every example is a dead neuron: it never learns. "
            "`tanh-fix` multiplies W1 by 0.2 and b1 by 0.01.")
    columns, big = st.columns(2), classroom.projecting()
    for column, stage in zip(columns, STAGES):
        result = compute.stage_step0(ctx.digest, stage, ctx)
        view = hidden_view(result)
        layer = result["stats"]["layers"][0]
        with column:
            st.markdown(f"### {stage}")
            st.vega_lite_chart(*preactivation_chart(view, f"lecture_pre_{stage}", figs.TANH_FLAT, big), width="stretch",
                               key=f"lecture_pre_{stage}")   # Vega-Lite, as every chart here: no plotly to load
            st.markdown("**h = tanh(pre-activation)**")
            st.vega_lite_chart(*figs.histogram_chart([("", [layer], False)], key=f"lecture_h_{stage}"),
                               width="stretch", key=f"lecture_h_{stage}")
            st.vega_lite_chart(*flat_image_chart(view["image"], f"|h| > 0.99 (white): {stage}", f"lecture_sat_{stage}",
                                                 big=big), width="stretch", key=f"lecture_sat_{stage}")
            st.markdown(f"**{view['flat_pct']:.1f}%** of the cells white · {plural(view['dead'], 'dead neuron', bold=True)} of "
                        f"{view['image'].shape[1]} · pre-activation std **{view['pre_std']:.2f}** · "
                        f"step-0 loss **{result['stats']['loss']:.4f}**")
    change_one_thing("In the Initialization lab (stage tanh-fix), widen the net to 500 neurons: the spread and "
                     "the saturation stay the same, since the input of W1 is still 30 wide.",
                     "Choose the stage original there: the loss is 27.88 *and* the image is mostly white.")
    try_it.button(ID, ctx.vocab_size)
