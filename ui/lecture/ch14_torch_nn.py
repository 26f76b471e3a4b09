"""Chapter 14: our Linear and BatchNorm1d next to torch.nn's: defaults, and PyTorch's default init."""
import streamlit as st

from makemore_core import lecture_demos as demos
from ui import classroom
from ui.figures.lecture_beats import spread_chart
from ui.lecture import try_it
from ui.lecture.common import change_one_thing, look_at

ID = "torch-nn"
TITLE = "torch.nn: our layers and PyTorch's, side by side"
MEANING = {
    "bias": "add a learned bias; after a BatchNorm a bias is wasted (chapter 5).",
    ("BatchNorm1d", "bias"): "torch 2.x: learn β (with affine); ours always learns γ and β.",
    "generator": "the random generator the weights are drawn from: the lecture's one seeded generator.",
    "gain": "times every weight (5/3 for tanh); torch: nn.init.kaiming_normal_ / calculate_gain do it.",
    "fan_in_scaling": "divide the weights by √fan_in (Kaiming); torch's default init does this too, with a "
                      "smaller gain.",
    "bias_init": "how a bias starts: zeros, or randn as the lecture's un-fixed start.",
    "eps": "added to the variance before the square root: no division by 0 for a constant column.",
    "momentum": "the weight of the newest batch in the running mean and variance (chapter 12).",
    "affine": "learn γ and β (bngain and bnbias); off: the output stays N(0, 1).",
    "track_running_stats": "keep running mean and variance for eval mode; off: batch statistics even in eval.",
}


@st.cache_data(show_spinner=False)
def numbers():
    gain = demos.torch_linear_gain()
    return (demos.layer_defaults(), demos.batchnorm_vs_torch(), gain,
            {"PyTorch's default (√(1/3))": demos.deep_spread(gain), "5/3 (Kaiming for tanh)": demos.deep_spread(5 / 3)})


def render(ctx):
    look_at("The lecture's layers mimic torch.nn's API, and where they differ matters when you switch to the real "
            "thing. Every default below is read from the classes' own signatures, ours and the installed "
            "torch's.")
    rows, check, gain, spreads = numbers()
    lines = ["| layer | argument | ours | torch.nn | what it means |", "|---|---|---|---|---|"]
    for r in rows:
        meaning = MEANING.get((r["layer"].replace("the lecture's own BatchNorm", "BatchNorm1d"), r["argument"]),
                              MEANING.get(r["argument"], ""))
        lines.append(f"| {r['layer']} | `{r['argument']}` | {r['ours']} | {r['torch.nn']} | {meaning} |")
    st.markdown("\n".join(lines))   # a markdown table: its last column wraps, where a dataframe's is clipped
    st.markdown(f"""**One training step on the same batch of 32, float64:** our BatchNorm1d's running mean and
variance equal torch's to {max(check['running_mean_diff'], check['running_var_diff']):.0e}; the outputs differ by
up to {check['max_output_diff']:.3f}, a ratio of {check['output_ratio']:.5f} = √(31/32): we normalize with the
unbiased variance, torch with the biased one (chapter 12). And the lecture's own first BatchNorm uses momentum
0.001 and no eps where torch uses 0.1 and 1e-5.""")
    st.subheader("What PyTorch does by default: nn.Linear's init")
    st.markdown(f"Unless told otherwise, `torch.nn.Linear` draws its weights (and bias) uniform in ±1/√fan_in. "
                f"Measured on nn.Linear(1000, 1000): std × √fan_in = **{gain:.3f}**, i.e. √(1/3) = 0.577. Next to "
                "Kaiming's 5/3 for tanh that is a gain almost 3 times too small: without BatchNorm a deep tanh net "
                "shrinks its activations layer by layer.")
    st.vega_lite_chart(*spread_chart(spreads, "lecture_torch_spread", classroom.projecting()), width="stretch",
                       key="lecture_torch_spread")
    change_one_thing("Open the lab with PyTorch's default init and turn BatchNorm on: the shrinking is gone.",
                     "Compare it with the preset No BN, gain 5/3 (pin one as A).")
    try_it.button(ID, ctx.vocab_size)
