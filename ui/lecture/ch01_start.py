"""Chapter 1: the starting point. A loss of 27.88 where a uniform guess scores 3.30."""
import streamlit as st

from makemore_core import lecture_demos as demos
from ui import classroom
from ui.figures.lecture import softmax_toy_chart
from ui.lecture import compute, notebook, try_it
from ui.lecture.common import change_one_thing, lecture_number, look_at

ID = "start"
TITLE = "The starting point: a loss of 27.88"


@st.fragment   # its sliders rerun only the toy, not the page (issue 13)
def softmax_toy():
    columns = st.columns(5)
    logits = [columns[i].slider(f"logit {i}", -10.0, 10.0, 0.0, 0.5, key=f"lecture_toy_{i}") for i in range(4)]
    target = columns[4].radio("correct character", [0, 1, 2, 3], index=2, key="lecture_toy_target",
                              format_func=lambda i: f"logit {i}")
    toy = demos.softmax_toy(logits, target)
    left, right = st.columns([2, 1])
    left.vega_lite_chart(*softmax_toy_chart(logits, toy["probs"], target, classroom.projecting()), width="stretch",
                         key="lecture_toy_chart")
    gap = toy["loss"] - toy["uniform_loss"]
    level = abs(gap) < 0.0005   # "+0.000" is neither better nor worse: no red, no arrow
    right.metric("loss = −log p(correct)", f"{toy['loss']:.4f}",
                 delta="same as uniform" if level else f"{gap:+.3f} vs uniform",
                 delta_color="off" if level else "inverse", delta_arrow="off" if level else "auto")
    right.caption("Large logits are fine when the right one is large. When a wrong one is large instead, "
                  "the probability of the right one is tiny and −log of it explodes.")


def render(ctx):
    look_at("Before it has seen any data the net should be unsure: every character equally likely, a loss "
            f"of −ln(1/{ctx.vocab_size}). The lecture's net starts far above that. Its logits are large and "
            "spread out, so it is *confidently wrong*, and its first thousand steps only undo that.")
    result = compute.stage_step0(ctx.digest, "original", ctx)
    stats = result["stats"]
    a, b, c = st.columns(3)
    a.metric("Step-0 loss (stage original)", f"{stats['loss']:.4f}",
             help="One forward pass of the lecture's first minibatch of 32, before any update.")
    b.metric("A uniform guess", f"{stats['uniform_loss']:.4f}", help=f"−ln(1/{ctx.vocab_size})")
    c.metric("Parameters", f"{result['params']:,}")
    st.markdown(f"Step-0 loss: **{lecture_number(ctx, stats['loss'], notebook.STEP0_LOSS['original'])}**; "
                f"the logits' std is {stats['logits_std']:.1f} (near 0 would be unsure).")
    if ctx.lecture_data:
        st.caption(f"27.8817 and {result['params']:,} parameters are the video's numbers: the notebook holds the "
                   "lecture's final code, its cells rerun after every fix, so it prints neither "
                   f"({notebook.STEP0_LOSS['batchnorm'].source} the fixed net's {notebook.STEP0_LOSS['batchnorm'].text}).")

    st.subheader("Why confident wrong logits cost so much: four characters")
    st.caption("Four logits go through softmax; the loss is −log of the probability of the correct one "
               "(green). Equal logits give the uniform loss ln 4 = 1.386.")
    softmax_toy()
    change_one_thing("Set the correct logit to 5 and the others to 0: the loss drops well below ln 4. Now move "
                     "the 5 to a wrong logit: the loss jumps to about 5.",
                     "Spread all four logits to ±10 at random (as a randn init does to 27 logits): the loss is "
                     "usually far above the uniform guess, like the lecture's 27.88.")
    try_it.button(ID, ctx.vocab_size)
