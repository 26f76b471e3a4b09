"""The numbers of the Lecture's chapters 11-14, computed by makemore_core on the data in use and cached
as ui/lecture/compute.py caches its own: per data set (its digest), the trained ones also on disk."""
import pandas as pd
import streamlit as st

from makemore_core import lecture_demos as demos
from makemore_core.model import MLP, ModelConfig
from makemore_core.prepare import on_disk
from makemore_core.stages import stage_configs
from ui.lecture.common import Context

MOMENTUM_STEPS, MOMENTUM_EVERY = 2_000, 100
FLAT_STDS = [0.5 * k for k in range(1, 13)]     # 0.5 .. 6: the slider of chapter 12's flat-region chart


@st.cache_data(show_spinner=False, max_entries=8)
def coupling(digest: str, _ctx: Context) -> dict:
    """Example 0 of the training split in 40 batches of 32, through the batchnorm stage's C and W1 at
    step 0: BatchNorm's and LayerNorm's normalized values of its first 8 neurons."""
    config, _ = stage_configs("batchnorm", _ctx.vocab_size)
    model = MLP(config)
    X = _ctx.tensors(config.block_size)["train"][0]
    return demos.batch_coupling(X, model.C, model.layers[0].weight)


@st.cache_data(show_spinner="Training the batchnorm stage and following one neuron's mean ...", max_entries=8)
def momentum(digest: str, _ctx: Context) -> dict:
    return on_disk(f"momentum-{digest[:16]}-{MOMENTUM_STEPS}", lambda: _momentum(_ctx))


def _momentum(ctx) -> dict:
    config, train = stage_configs("batchnorm", ctx.vocab_size)
    trace = demos.running_mean_trace(MLP(config), ctx.tensors(config.block_size), steps=MOMENTUM_STEPS,
                                     every=MOMENTUM_EVERY, lr=train.lr)
    trace["running"] = {str(m): v for m, v in trace["running"].items()}   # JSON keys are text
    return trace


@st.cache_data(show_spinner="Training the deep net for 1,001 steps, then evaluating it ...", max_entries=8)
def fine_print(digest: str, _ctx: Context) -> dict:
    """The notebook's deep net after its 1,001 steps (chapter 9's): eval losses with the unbiased and the
    biased running variance, and BatchNorm left in training mode."""
    return on_disk(f"fine-print-{digest[:16]}", lambda: _fine_print(_ctx))


def _fine_print(ctx) -> dict:
    config = ModelConfig(vocab_size=ctx.vocab_size)
    data = ctx.tensors(config.block_size)
    model = demos.deep_net_after(config, data, stats_every=0).model
    return {"variance": demos.variance_eval_gap(model, data), "slip": demos.train_mode_slip(model, data)}


@st.cache_data(show_spinner=False)
def flat_family() -> pd.DataFrame:
    """(name, std, flat) for every nonlinearity and every std of the slider: sent once with the chart."""
    return pd.DataFrame([{"name": name, "std": std, "flat": demos.flat_fraction(name, std, n=50_000)}
                         for std in FLAT_STDS for name in demos.ACTIVATIONS])
