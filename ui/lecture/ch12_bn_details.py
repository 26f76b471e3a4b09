"""Chapter 12: BatchNorm's fine print: "momentum", biased or unbiased variance, and training mode left on."""
import pandas as pd
import streamlit as st

from makemore_core import lecture_demos as demos
from ui import classroom
from ui.figures.lecture_beats import momentum_chart
from ui.lecture import beats_compute, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "bn-details"
TITLE = "BatchNorm's fine print: momentum, variance, eval mode"


def momentum_section(ctx):
    st.subheader("\"momentum\" is a running-average weight")
    trace = beats_compute.momentum(ctx.digest, ctx)
    st.vega_lite_chart(*momentum_chart(trace, classroom.projecting()), width="stretch", key="lecture_momentum_chart")
    fast, slow = trace["running"]["0.1"][-1], trace["running"]["0.001"][-1]
    true = trace["true_means"][-1]
    st.markdown(f"BatchNorm's `momentum` is not the optimizer's: it is the weight of the newest batch in the running "
                f"estimate, r ← (1 − m)·r + m·(batch mean). With **0.1** (torch's default) the estimate forgets in "
                f"about 10 steps and follows the batches' noise; with **0.001** (the lecture's own layer) it "
                f"averages about 1,000 batches but starts from 0 and lags: after {len(trace['batch_means']):,} steps "
                f"of the batchnorm stage, one neuron's true mean over the training split is **{true:+.3f}**, the "
                f"running estimates **{fast:+.3f}** (0.1) and **{slow:+.3f}** (0.001).")


def variance_section(fine):
    st.subheader("Biased or unbiased variance?")
    gap = demos.variance_gap()
    st.markdown(f"torch.nn.BatchNorm1d normalizes a batch with the **biased** variance (÷ n) and keeps the "
                f"**unbiased** one (÷ (n − 1)) in its running estimate; the lecture's layers use `x.var(0)` and "
                f"`x.std(0)`, unbiased both times. At batch 32 the unbiased variance is larger by 32/31 = "
                f"{gap['expected_ratio']:.4f} (measured on 6,250 batches of unit Gaussians: {gap['ratio']:.4f}), "
                f"the std by {gap['expected_ratio'] ** 0.5:.4f}: a training-time output 1.6% smaller than torch's. "
                "What it does to the eval losses of chapter 9's net (1,001 steps):")
    rows = [{"split": split, "running variance as kept (unbiased)": kept, "scaled to the biased one (x 31/32)": biased,
             "difference": biased - kept} for split, (kept, biased) in fine["variance"].items()]
    number = st.column_config.NumberColumn(format="%.4f")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="lecture_variance_table",
                 column_config={"running variance as kept (unbiased)": number,
                                "scaled to the biased one (x 31/32)": number,
                                "difference": st.column_config.NumberColumn(format="%+.4f")})
    st.caption("A few thousandths: the choice is a convention, not a bug. It matters at small batches (n/(n−1) is "
               "2 at batch 2).")


def slip_section(fine):
    st.subheader("Evaluating or sampling with BatchNorm left in training mode")
    slip = fine["slip"]
    rows = [("eval mode (running statistics)", slip["eval"]),
            ("training mode, the whole val split as one batch", slip["whole_split"]),
            ("training mode, batches of 32", slip["batch_32"]),
            ("training mode, a batch of one (sampling does this)", slip["batch_1"])]
    st.dataframe(pd.DataFrame({"how the val split is evaluated": [r[0] for r in rows],
                               "loss": [f"{r[1]:.4f}" for r in rows]}),
                 hide_index=True, width="stretch", key="lecture_slip_table")
    st.markdown("A slip learners keep reporting: forgetting `layer.training = False` (or `model.eval()`). On a "
                "whole split it hides, since the split is one huge batch and its own statistics are good ones. In "
                "batches of 32 each example's loss depends on its batch. Sampling feeds **one** example at a time: "
                "its variance is undefined, the lecture's layer gives NaN, and torch.nn.BatchNorm1d refuses: "
                f"*\"{slip['torch_refusal']}\"*. Eval mode is what makes BatchNorm a function of one example.")


def render(ctx):
    look_at("Three details of BatchNorm that trip learners up, each measured on the data in use: what its "
            "\"momentum\" is, which variance it divides by, and what happens when it is left in training mode "
            "for evaluation or sampling.")
    momentum_section(ctx)
    fine = beats_compute.fine_print(ctx.digest, ctx)
    variance_section(fine)
    slip_section(fine)
    change_one_thing("On the Evaluation page, compare running, calibrated and batch statistics for a model you "
                     "trained: the batch of one is NaN there too.",
                     "In the Initialization lab (stage batchnorm), the hand-written layer with momentum 0.001: "
                     "its running estimate needs thousands of steps.")
    try_it.button(ID, ctx.vocab_size)
