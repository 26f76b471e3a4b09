"""Chapter 2: fixing the softmax. Shrink the output layer and the hockey stick goes."""
import streamlit as st

from ui import classroom
from ui.figures.lecture import loss_curves_chart, softmax_scrub_chart
from ui.lecture import compute, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "softmax"
TITLE = "Fixing the softmax: no more hockey stick"
STAGES = ("original", "softmax-fix")


def render(ctx):
    look_at("The loss of the `original` net falls off a cliff in the first few hundred steps: the "
            "hockey stick. Those steps teach nothing about names; they only squash the huge logits. "
            "`softmax-fix` multiplies W2 by 0.01 and b2 by 0 (b2 is still drawn, so every later random "
            "number is the lecture's): the logits start near 0 and the loss starts at the uniform guess.")
    curves = compute.early_curves(ctx.digest, STAGES, compute.CURVE_STEPS, ctx)
    uniform = compute.stage_step0(ctx.digest, "original", ctx)["stats"]["uniform_loss"]
    left, right = st.columns(2)
    with left:
        st.markdown("**original**")
        st.vega_lite_chart(*loss_curves_chart({"original": curves["original"]}, uniform, "lecture_curve_original", 30,
                                              classroom.projecting()), width="stretch", key="lecture_curve_original")
    with right:
        st.markdown("**softmax-fix**")
        st.vega_lite_chart(*loss_curves_chart({"softmax-fix": curves["softmax-fix"]}, uniform, "lecture_curve_fixed", 30,
                                              classroom.projecting()), width="stretch", key="lecture_curve_fixed")
    st.markdown(f"**Step by step: the first {compute.SOFTMAX_STEPS:,} steps, side by side**")
    steps = compute.softmax_steps(ctx.digest, compute.SOFTMAX_STEPS, ctx)
    with st.container(key="lecture_softmax_scrub"):   # answered in the browser: every step travels with the chart
        st.vega_lite_chart(*softmax_scrub_chart(steps, uniform, classroom.projecting()), width="content",
                           key="lecture_softmax_chart")
    st.caption("Drag the step (or focus it and use the arrow keys). `original` starts with logits of std about 12: "
               "the softmax puts most of its probability on one character (top p: the mean probability of each "
               "example's most likely character), usually the wrong one, so the loss is huge; its first steps only "
               "shrink the logits. `softmax-fix` starts near std 0, every character about equally likely (top p near "
               "1/27), at the uniform guess's loss, and learns from step 1.")
    tail = 500
    rows = {stage: (losses[0], sum(losses[-tail:]) / tail) for stage, losses in curves.items()}
    st.markdown(" · ".join(f"**{stage}**: step 0 loss {first:.4f}, mean of the last {tail} steps {last:.4f}"
                           for stage, (first, last) in rows.items()))
    st.caption(f"The first {compute.CURVE_STEPS:,} steps of each stage, with the lecture's generator, batch 32 and "
               "lr 0.1 (same y axis on both). The lecture's loss log puts the whole fix at "
               "train 2.1245 → 2.07 after 200,000 steps: the steps no longer wasted on squashing logits are used "
               "for learning.")
    change_one_thing("On the Training page, train `original` and `softmax-fix` for 5,000 steps each and overlay "
                     "the two runs (Runs in this browser → Overlay two runs, at the bottom of the page).",
                     "In the Initialization lab, move the last-layer softening from 1 to 0.01 and watch the "
                     "initial loss fall to the uniform guess.")
    try_it.button(ID, ctx.vocab_size)
