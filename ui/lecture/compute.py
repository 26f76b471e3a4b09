"""The Lecture page's numbers: computed by makemore_core, cached per data set (its sha256) and stage.

st.cache_data keeps one copy per server process, so a whole class shares them; the arguments
starting with "_" are not hashed (the digest stands for the data set). The two that train (chapter
5's calibration, chapter 8's deep run: 12-17 s on a first visit) are also kept on disk, as the
loss log is, so a restarted server or a second one on the same machine reads them at once.
"""
import json

import streamlit as st
import torch

from makemore_core import evaluation, lossbook, sampling
from makemore_core import lecture_demos as demos
from makemore_core.model import MLP, ModelConfig
from makemore_core.stages import STAGES, stage_configs
from makemore_core.training import Trainer
from ui import init_lab
from ui.lecture.common import Context

FIRST_HALF = [s for s in STAGES if s != "deep"]
CURVE_STEPS = 3_000        # chapter 2: the first steps, where the hockey stick is
CALIBRATION_STEPS = 3_000  # chapter 5: the running statistics after this many steps, against calibration
DISK_VERSION = 1           # bump when what `calibration` or `deep_after` compute changes: old files are ignored


def on_disk(name: str, compute):
    """compute()'s JSON-able result, kept under $MAKEMORE_CACHE_DIR/lecture/<name>.json; a missing or
    unreadable file is computed again, and a result that cannot be written is still returned."""
    path = lossbook.cache_root() / "lecture" / f"v{DISK_VERSION}-{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    result = compute()
    try:
        lossbook.write_atomically(path, result)
    except (OSError, TypeError, ValueError):   # a read-only disk, or a value JSON cannot hold
        pass
    return result


@st.cache_data(show_spinner="Drawing the stage's network and one minibatch ...", max_entries=32)
def stage_step0(digest: str, stage: str, _ctx: Context) -> dict:
    """A stage at step 0: one forward + backward of the lecture's first minibatch (what
    `stats --stage S --steps 0` prints), and the hidden layer's views (histograms, saturation image)."""
    config, _ = stage_configs(stage, _ctx.vocab_size)
    X, Y = _ctx.tensors(config.block_size)["train"]
    model, stats, _ = init_lab.diagnose_minibatch(config, X, Y, 32)
    return {"stats": stats, "views": init_lab.layer_views(model), "params": model.num_parameters(),
            "config": config}


@st.cache_data(show_spinner="Training the first steps of both nets ...", max_entries=16)
def early_curves(digest: str, stages: tuple, steps: int, _ctx: Context) -> dict:
    """{stage: [loss of each of the first `steps` steps]}."""
    curves = {}
    for stage in stages:
        model, train = stage_configs(stage, _ctx.vocab_size)
        curves[stage] = demos.early_losses(model, train, _ctx.tensors(model.block_size), steps)
    return curves


@st.cache_data(show_spinner="Training the batchnorm stage, then calibrating ...", max_entries=8)
def calibration(digest: str, steps: int, _ctx: Context) -> dict:
    """The batchnorm stage after `steps` steps: its val loss with the running statistics and with
    the statistics measured over the whole training split, and how far the two are apart."""
    return on_disk(f"calibration-{digest[:16]}-{steps}", lambda: _calibration(steps, _ctx))


def _calibration(steps: int, _ctx: Context) -> dict:
    model_config, train = stage_configs("batchnorm", _ctx.vocab_size)
    data = _ctx.tensors(model_config.block_size)
    model = MLP(model_config)
    Trainer(model, data, train).run(steps=steps)
    bn = model.batchnorms()[0]
    running = [t.clone() for t in bn.running]   # (mean, std): the lecture's buffers
    calibrated = evaluation.calibrated_stats(model, data["train"][0])[0]
    X, Y = data["val"]
    with evaluation.batchnorm_stats(model, [calibrated]):
        val_calibrated = evaluation.split_loss(model, X, Y)
    return {"steps": steps, "val_running": evaluation.split_loss(model, X, Y), "val_calibrated": val_calibrated,
            "running_mean": running[0].flatten().tolist(), "calibrated_mean": calibrated[0].flatten().tolist(),
            "running_spread": running[1].flatten().tolist(), "calibrated_spread": calibrated[1].flatten().tolist()}


@st.cache_data(show_spinner="Training the deep net for 1,001 steps (about half a minute, once per data set) ...",
               max_entries=8)
def deep_after(digest: str, lr: float, batchnorm: bool, gain: float, _ctx: Context, fan_in: bool = True) -> dict:
    """The notebook's debugging run of the deep net: 1,001 steps, diagnostics every 25 and at the
    last step; then the split losses in eval mode and 20 names from the sampling seed. fan_in False:
    plain randn weights (chapter 8's fourth run)."""
    name = f"deep-{digest[:16]}-{lr!r}-{int(batchnorm)}-{gain!r}" + ("" if fan_in else "-nofanin")
    return on_disk(name, lambda: _deep_after(lr, batchnorm, gain, _ctx, fan_in))


def _deep_after(lr: float, batchnorm: bool, gain: float, _ctx: Context, fan_in: bool = True) -> dict:
    config = ModelConfig(vocab_size=_ctx.vocab_size, batchnorm=batchnorm, gain=gain, fan_in_scaling=fan_in)
    data = _ctx.tensors(config.block_size)
    trainer = demos.deep_net_after(config, data, lr=lr, stats_every=25)
    steps = [step for step, _ in trainer.stats]
    weights = [p["name"] for p in trainer.stats[-1][1]["params"] if p["ndim"] == 2]
    ratios = {name: [next((p.get("update_to_data") for p in s["params"] if p["name"] == name), None)
                     for _, s in trainer.stats] for name in weights}
    with torch.no_grad():
        names = sampling.sample(trainer.model, _ctx.dataset.vocab, 20, seed=sampling.SAMPLE_SEED)
    return {"last": trainer.stats[-1][1], "steps": steps, "update_to_data": ratios,
            "losses": trainer.losses, "split": evaluation.all_split_losses(trainer.model, data), "names": names,
            "params": trainer.model.num_parameters()}


@st.cache_data(show_spinner=False, max_entries=8)
def b1_gradient(digest: str, _ctx: Context) -> float:
    """The batchnorm stage with b1 put back: the std of b1's gradient at step 0 (BatchNorm subtracts
    the batch mean, b1 with it, so the loss does not depend on b1 at all: float rounding only)."""
    config, _ = stage_configs("batchnorm", _ctx.vocab_size, bias=True)
    X, Y = _ctx.tensors(config.block_size)["train"]
    _, stats, _ = init_lab.diagnose_minibatch(config, X, Y, 32)
    return next(p["grad_std"] for p in stats["params"] if p["name"] == "layers.0.bias")
