"""Chapter 15: what the lecture established, what it left for later, and the habits to keep."""
import pandas as pd
import streamlit as st

from makemore_core import lecture_demos as demos
from ui.lecture import compute, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "closing"
TITLE = "Closing: what the lecture established, and what comes next"


def established(ctx) -> tuple[list[str], pd.DataFrame]:
    """One line per result, with its number on the data in use (each computed in its own chapter), and the
    numbers as a table."""
    start = compute.stage_step0(ctx.digest, "original", ctx)["stats"]
    fixed = compute.stage_step0(ctx.digest, "softmax-fix", ctx)["views"][0]
    tanh_fix = compute.stage_step0(ctx.digest, "tanh-fix", ctx)["views"][0]
    deep = compute.deep_after(ctx.digest, 0.1, True, 1.0, ctx)
    saturation = [layer["saturation_pct"] for layer in deep["last"]["layers"]]
    ratios = [series[-1] for series in deep["update_to_data"].values() if series[-1] is not None]
    gain = demos.tanh_gain()["restoring_gain"]
    return [
        f"**The loss at init** tells whether the net starts unsure: {start['loss']:.2f} here against "
        f"−ln(1/{ctx.vocab_size}) = {start['uniform_loss']:.2f}. Small output weights fix it (chapters 1-2).",
        f"**Saturation**: {fixed['flat_pct']:.0f}% of the tanh outputs beyond ±0.99 with the softmax fixed, "
        f"{tanh_fix['flat_pct']:.1f}% once W1 is scaled down (chapter 3).",
        f"**The gain**: weights / √fan_in keep the spread; tanh needs a gain ({gain:.2f} measured, 5/3 by "
        "convention; chapters 4 and 13).",
        f"**BatchNorm** makes the scale irrelevant: the deep net trains at gain 1, {min(saturation):.1f}-"
        f"{max(saturation):.1f}% saturated per layer after 1,001 steps; it couples the batch and needs eval mode "
        "(chapters 5, 11, 12).",
        f"**The diagnostics**: activation and gradient histograms per layer, grad:data, and update:data over time "
        f"(here {min(ratios):+.1f} to {max(ratios):+.1f} on a log10 scale at step 1,000; chapter 8).",
    ], pd.DataFrame([
        {"measured here": "step-0 loss of the original net", "value": f"{start['loss']:.4f}", "chapter": "1"},
        {"measured here": f"−ln(1/{ctx.vocab_size}): knowing nothing", "value": f"{start['uniform_loss']:.4f}",
         "chapter": "1"},
        {"measured here": "tanh outputs beyond ±0.99, softmax-fix → tanh-fix",
         "value": f"{fixed['flat_pct']:.1f}% → {tanh_fix['flat_pct']:.1f}%", "chapter": "3"},
        {"measured here": "gain restoring a unit spread after tanh (5/3 by convention)", "value": f"{gain:.3f}",
         "chapter": "13"},
        {"measured here": "deep net, saturated per layer after 1,001 steps (|t| > 0.97)",
         "value": f"{min(saturation):.1f}-{max(saturation):.1f}%", "chapter": "8"},
        {"measured here": "update:data at step 1,000, log10", "value": f"{min(ratios):+.2f} to {max(ratios):+.2f}",
         "chapter": "8"},
    ])


def render(ctx):
    look_at("A one-layer net that started at a loss of 27.88, then a deep one: the lecture was about understanding "
            "what happens inside before tuning anything. Here is what it showed, with this data's numbers.")
    st.subheader("Established")
    lines, numbers = established(ctx)
    st.markdown("\n".join(f"- {line}" for line in lines))
    st.dataframe(numbers, hide_index=True, width="stretch", key="lecture_closing_table")
    st.subheader("Left for later")
    st.markdown("- **Residual connections**: a path around each block that gradients take unchanged; with them very "
                "deep nets train (the lecture's next parts, and every transformer).\n"
                "- **Better optimizers**: Adam adapts each parameter's step, which makes the init and the learning "
                "rate less touchy than plain SGD (the Training page has it).\n"
                "- **LayerNorm in transformers**: no coupling across the batch and no eval mode (chapter 11); "
                "where BatchNorm's batches are awkward, it is what is used.\n"
                "- **Scale**: the MLP stops improving near 2.0-2.1 on names; the bottleneck is the model, not "
                "the init any more.")
    st.subheader("Habits to keep")
    st.markdown("1. Before training, check the loss at init against the uniform guess.\n"
                "2. Look at the histograms of every layer's activations and gradients: alike across layers, a few "
                "percent saturated.\n"
                "3. Watch update:data per weight early on: about −3 (a guide, not a target), no layer far apart.\n"
                "4. Then tune the learning rate and the model, not before.\n"
                "5. Evaluate and sample in eval mode.")
    change_one_thing("Train the lecture's deep net the whole 200,000 steps (the try-it below) and go through the "
                     "habits on its charts: histograms, saturation, update:data.")
    try_it.button(ID, ctx.vocab_size)
