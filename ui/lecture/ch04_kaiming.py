"""Chapter 4: Kaiming init. Divide by sqrt(fan_in), times a gain (5/3 for tanh)."""
import math

import streamlit as st

from makemore_core import lecture_demos as demos
from ui import classroom
from ui.figures.lecture import fan_in_chart
from ui.lecture import compute, notebook, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "kaiming"
TITLE = "Kaiming init: std 1 in, std 1 out"
GAINS = {"1 (linear)": 1.0, "5/3 (tanh)": 5 / 3, "√2 (ReLU)": math.sqrt(2)}


FAN_INS = [1, 2, 5, 10, 30, 50, 100, 200, 500, 1000]


@st.cache_data(show_spinner=False)
def fan_in_family():
    """Every setting of the demo, computed once: each fan_in undivided, and divided at each gain."""
    return [(f, g, demos.fan_in_demo(fan_in, g >= 0, list(GAINS.values())[g] if g >= 0 else 1.0))
            for f, fan_in in enumerate(FAN_INS) for g in range(-1, len(GAINS))]


def fan_in_demo():
    """Answered in the browser: its inputs are bound inside the chart (issue 25)."""
    with st.container(key="lecture_fan_in_demo"):
        st.vega_lite_chart(*fan_in_chart(fan_in_family(), FAN_INS, list(GAINS), classroom.projecting()),
                           width="stretch", key="lecture_fan_in_chart")
    st.caption("Drag fan_in, tick w / √fan_in, pick a gain: the chart and the stds above it follow at once.")


def render(ctx):
    look_at("Multiply a 1000 x fan_in matrix of unit Gaussians x by a weight matrix w of unit Gaussians: "
            "each output sums fan_in products, so its std is √fan_in. Divide w by √fan_in and the output "
            "keeps std 1, however wide the layer. tanh squashes, so it needs a little more: the gain 5/3 "
            "(Kaiming He et al., 2015; torch.nn.init.kaiming_normal_). 0.2 in the last chapter was a guess; "
            f"(5/3)/√30 = {5 / 3 / math.sqrt(30):.4f} is the principled number.")
    fan_in_demo()
    st.subheader("On the lecture's net")
    rows = [compute.stage_step0(ctx.digest, stage, ctx) for stage in ("tanh-fix", "kaiming")]
    spread = {}
    for stage, result in zip(("tanh-fix (W1 x 0.2)", "kaiming (W1 x (5/3)/√30)"), rows):
        view, out = result["views"][0], result["stats"]["layers"][0]["std"]
        spread[stage] = (view["pre_std"], out, view["flat_pct"])
        st.markdown(f"- **{stage}**: pre-activation std {view['pre_std']:.2f} → tanh output std **{out:.2f}**; "
                    f"{view['flat_pct']:.1f}% of the outputs saturated (|h| > 0.99); step-0 loss "
                    f"{result['stats']['loss']:.4f}")
    (pre_a, out_a, sat_a), (pre_b, out_b, sat_b) = spread.values()
    st.markdown(f"**Why the principled init saturates more ({sat_b:.1f}% against {sat_a:.1f}%).** (5/3)/√30 = "
                f"{5 / 3 / math.sqrt(30):.3f} is larger than 0.2 on purpose: tanh squashes its input, so the gain "
                f"overshoots the pre-activations (std {pre_b:.2f} instead of {pre_a:.2f}) for the tanh *output* to "
                f"keep its spread (std {out_b:.2f} instead of {out_a:.2f}). Stacked, each layer then passes on the "
                "spread it got (the lab's 'No BN, gain 5/3'), where with gain 1 every tanh shrinks it a little more "
                "('No BN, gain 1'). The price on one layer is a few more units near ±1; 0.2 was picked by eye for "
                "this one layer only.")
    log = notebook.LOSS_LOG
    st.caption(f"The notebook's loss log (the markdown cell after cell 10), train / val: tanh-fix "
               f"{log['tanh-fix'][0].text} / {log['tanh-fix'][1].text}, kaiming {log['kaiming'][0].text} / "
               f"{log['kaiming'][1].text}. The same result, without a hand-tuned number.")
    change_one_thing("Turn the division off and slide fan_in from 10 to 1000: the output std grows like √fan_in.",
                     "In the Initialization lab (preset No BN, gain 5/3), change the gain to 1 or 3: the "
                     "activations shrink or saturate layer after layer.")
    try_it.button(ID, ctx.vocab_size)
