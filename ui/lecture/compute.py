"""The Lecture page's numbers: computed by makemore_core, once per data set for the whole server.

The ones that train (chapter 2's curves, chapter 5's calibration, chapter 8's deep runs, the
exercises) are makemore_core.prepare's: read from the disk cache every server on the directory
shares (and `python -m makemore_core prepare` fills before a class), else computed as a job of
ui.jobs (once per key however many browsers ask, within the server's one bound) while the page
shows its progress. The one-minibatch numbers take milliseconds: st.cache_data keeps them per
process (the arguments starting with "_" are not hashed; the digest stands for the data set).
"""
import copy

import streamlit as st

from makemore_core import prepare
from makemore_core.prepare import CALIBRATION_STEPS, CURVE_STEPS, FIRST_HALF, SOFTMAX_STEPS  # noqa: F401 - the chapters read them
from makemore_core.stages import stage_configs
from ui import init_lab, jobs
from ui.lecture.common import Context

WAIT_S = 0.25   # how often the progress bar is redrawn while a job runs


def lecture_job(name: str, compute, text: str):
    """The result stored under `name`: from disk, else from the job that computes it (started now or
    by another browser), its progress drawn here until it ends. Each caller gets its own copy."""
    found = prepare.read(name)
    if found is not None:
        return found
    job = jobs.submit(("lecture", name), lambda job: prepare.on_disk(name, lambda: compute(job.report)), label=text)
    show_progress(job, text)
    return copy.deepcopy(job.result())   # kept in memory when the disk cannot be written


def show_progress(job: jobs.Job, text: str):
    """A progress bar for `job` until it ends (it goes on if this page is left)."""
    if job.done():
        return
    bar = st.progress(job.fraction, text=text)
    while not job.wait(WAIT_S):
        place = job.position()
        bar.progress(job.fraction, text=f"{text}: waiting for a free slot ({place} in line; the server runs "
                                        f"{jobs.MAX_SLOTS} at once)" if place else f"{text} {job.text}")
    bar.empty()


@st.cache_data(show_spinner="Drawing the stage's network and one minibatch ...", max_entries=32)
def stage_step0(digest: str, stage: str, _ctx: Context) -> dict:
    """A stage at step 0: one forward + backward of the lecture's first minibatch (what
    `stats --stage S --steps 0` prints), and the hidden layer's views (histograms, saturation image)."""
    config, _ = stage_configs(stage, _ctx.vocab_size)
    X, Y = _ctx.tensors(config.block_size)["train"]
    model, stats, _ = init_lab.diagnose_minibatch(config, X, Y, 32)
    return {"stats": stats, "views": init_lab.layer_views(model), "params": model.num_parameters(),
            "config": config}


def early_curves(digest: str, stages: tuple, steps: int, ctx: Context) -> dict:
    """{stage: [loss of each of the first `steps` steps]}."""
    return lecture_job(prepare.curves_name(digest, tuple(stages), steps),
                       lambda report: prepare.early_curves(ctx.dataset, ctx.tensors(), tuple(stages), steps, report),
                       "Training the first steps of both nets")


def softmax_steps(digest: str, steps: int, ctx: Context) -> dict:
    """Chapter 2's scrubber: each of the first `steps` steps of both nets, the loss and the softmax's spread."""
    return lecture_job(prepare.softmax_name(digest, steps),
                       lambda report: prepare.softmax_steps(ctx.dataset, ctx.tensors(), steps),
                       "Training the first steps of both nets, reading the softmax at each")


def calibration(digest: str, steps: int, ctx: Context) -> dict:
    """The batchnorm stage after `steps` steps, its running statistics against calibrated ones."""
    return lecture_job(prepare.calibration_name(digest, steps),
                       lambda report: prepare.calibration(ctx.dataset, ctx.tensors(), steps),
                       "Training the batchnorm stage, then calibrating")


def deep_after(digest: str, lr: float, batchnorm: bool, gain: float, ctx: Context, fan_in_scaling=True) -> dict:
    """The notebook's debugging run of the deep net (1,001 steps, diagnostics every 25)."""
    run = (lr, batchnorm, gain, fan_in_scaling)
    return lecture_job(prepare.deep_name(digest, *run),
                       lambda report: prepare.deep_after(ctx.dataset, ctx.tensors(), *run),
                       "Training the deep net for 1,001 steps (once per data set)")


@st.cache_data(show_spinner=False, max_entries=8)
def b1_gradient(digest: str, _ctx: Context) -> float:
    """The batchnorm stage with b1 put back: the std of b1's gradient at step 0 (BatchNorm subtracts
    the batch mean, b1 with it, so the loss does not depend on b1 at all: float rounding only)."""
    config, _ = stage_configs("batchnorm", _ctx.vocab_size, bias=True)
    X, Y = _ctx.tensors(config.block_size)["train"]
    _, stats, _ = init_lab.diagnose_minibatch(config, X, Y, 32)
    return next(p["grad_std"] for p in stats["params"] if p["name"] == "layers.0.bias")
