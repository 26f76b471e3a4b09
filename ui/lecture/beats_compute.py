"""The numbers of the Lecture's chapters 11-14, computed by makemore_core on the data in use and cached
as ui/lecture/compute.py caches its own: per data set (its digest), the trained ones also on disk."""
import pandas as pd
import streamlit as st

from makemore_core import lecture_demos as demos
from makemore_core import prepare
from makemore_core.model import MLP
from makemore_core.prepare import on_disk
from makemore_core.stages import stage_configs
from ui.lecture.common import Context

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
    return on_disk(prepare.momentum_name(digest), lambda: prepare.momentum_trace(_ctx.dataset, _ctx.tensors(3)))


@st.cache_data(show_spinner="Training the deep net for 1,001 steps, then evaluating it ...", max_entries=8)
def fine_print(digest: str, _ctx: Context) -> dict:
    """The notebook's deep net after its 1,001 steps (chapter 9's): eval losses with the unbiased and the
    biased running variance, and BatchNorm left in training mode (`prepare` computes it before a class)."""
    return on_disk(prepare.fine_print_name(digest), lambda: prepare.fine_print(_ctx.dataset, _ctx.tensors(3)))


@st.cache_data(show_spinner=False)
def flat_family() -> pd.DataFrame:
    """(name, std, flat) for every nonlinearity and every std of the slider: sent once with the chart."""
    return pd.DataFrame([{"name": name, "std": std, "flat": demos.flat_fraction(name, std, n=50_000)}
                         for std in FLAT_STDS for name in demos.ACTIVATIONS])
