"""Everything the Lecture page shows that takes time to compute, without Streamlit, kept on disk.

Each result is a JSON file (E02's trained net: a checkpoint) under the cache the server reads:

    $MAKEMORE_CACHE_DIR (default ~/.cache/makemore_lab) / lecture / v<DISK_VERSION>-<name>.json
    ... / lossbook / <data sha256[:16]>-<stage>-<steps>.json   (the loss log: makemore_core.lossbook)

so a result computed once, by the page or by `python -m makemore_core prepare --data names.txt` before a
class, is read by every server on that directory. Writes are atomic (a temporary file, then a rename):
two servers, or a crash mid-write, never leave half a file to be read.
"""
import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from . import atomic, checkpoint, evaluation, fold, lossbook, sampling
from . import lecture_demos as demos
from .device import configure_threads
from .model import MLP, ModelConfig
from .stages import STAGES, stage_configs
from .training import TrainConfig, Trainer
from .zero_init import train_watched, unigram_loss

DISK_VERSION = 1           # bump when what a result holds changes: old files are then ignored
FIRST_HALF = [s for s in STAGES if s != "deep"]   # the loss log's stages
CURVE_STEPS = 3_000        # chapter 2: the first steps, where the hockey stick is
CURVE_STAGES = ("original", "softmax-fix")   # chapter 2's two nets
SOFTMAX_STEPS = 1_000      # chapter 2's scrubber: each of the first steps, the loss and the softmax's spread
CALIBRATION_STEPS = 3_000  # chapter 5: the running statistics after this many steps, against calibration
MOMENTUM_STEPS, MOMENTUM_EVERY = 2_000, 100   # chapter 12: BatchNorm's running mean, followed over training
DEEP_RUNS = {  # chapter 8's runs: run shown -> (lr, batchnorm, gain, fan_in_scaling); chapter 9 reads the first
    "the notebook's net (BatchNorm, lr 0.1)": (0.1, True, 1.0, True),
    "no BatchNorm, gain 5/3": (0.1, False, 5 / 3, True),
    "a learning rate too low (0.001)": (0.001, True, 1.0, True),
    "no BatchNorm, no fan-in scaling": (0.1, False, 5 / 3, False),
}
E01_STEPS = [1000, 2000, 5000]
FOLD_NET = dict(hidden_layers=2, n_hidden=100)   # E02's own net: 3 Linear layers, each followed by BatchNorm
FOLD_STEPS = 2000
SAMPLES = 10


# ---------------------------------------------------------------- the disk cache

def path_of(name: str, suffix: str = ".json"):
    return lossbook.cache_root() / "lecture" / f"v{DISK_VERSION}-{name}{suffix}"


def read(name: str):
    """The stored result, or None when it is absent or unreadable (then it is computed again)."""
    try:
        return json.loads(path_of(name).read_text())
    except (OSError, ValueError):
        return None


def read_bytes(path):
    try:
        return path.read_bytes()
    except OSError:
        return None


def on_disk(name: str, compute):
    """compute()'s JSON-able result, read from disk when there, else computed and stored; a result that
    cannot be written (a read-only disk) is still returned."""
    found = read(name)
    if found is not None:
        return found
    result = compute()
    try:
        lossbook.write_atomically(path_of(name), result)
    except (OSError, TypeError, ValueError):
        pass
    return result


def short(digest: str) -> str:
    return digest[:16]


# ---------------------------------------------------------------- the computations (name, then value)

def curves_name(digest, stages=CURVE_STAGES, steps=CURVE_STEPS):
    return f"curves-{short(digest)}-{'+'.join(stages)}-{steps}"


def early_curves(dataset, data, stages=CURVE_STAGES, steps=CURVE_STEPS, report=None) -> dict:
    """{stage: [loss of each of the first `steps` steps]}."""
    curves = {}
    for k, stage in enumerate(stages):
        if report:
            report(k / len(stages), f"first {steps:,} steps of {stage}")
        model, train = stage_configs(stage, len(dataset.vocab))
        curves[stage] = demos.early_losses(model, train, data, steps)
    return curves


def softmax_name(digest, steps=SOFTMAX_STEPS):
    return f"softmax-steps-{short(digest)}-{steps}"


def softmax_steps(dataset, data, steps=SOFTMAX_STEPS) -> dict:
    """{stage: {"loss", "logits_std", "max_prob": [one a step]}} for chapter 2's two nets."""
    out = {}
    for stage in CURVE_STAGES:
        model, train = stage_configs(stage, len(dataset.vocab))
        out[stage] = demos.early_softmax(model, train, data, steps)
    return out


def calibration_name(digest, steps=CALIBRATION_STEPS):
    return f"calibration-{short(digest)}-{steps}"


def calibration(dataset, data, steps=CALIBRATION_STEPS) -> dict:
    """The batchnorm stage after `steps` steps: its val loss with the running statistics and with
    the statistics measured over the whole training split, and how far the two are apart."""
    model_config, train = stage_configs("batchnorm", len(dataset.vocab))
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


def momentum_name(digest):
    return f"momentum-{short(digest)}-{MOMENTUM_STEPS}"


def momentum_trace(dataset, data) -> dict:
    """Chapter 12: the batchnorm stage trained MOMENTUM_STEPS steps, one neuron's running mean at momentum
    0.1 and 0.001 against its true mean, every MOMENTUM_EVERY steps."""
    config, train = stage_configs("batchnorm", len(dataset.vocab))
    trace = demos.running_mean_trace(MLP(config), data, steps=MOMENTUM_STEPS, every=MOMENTUM_EVERY, lr=train.lr)
    trace["running"] = {str(m): v for m, v in trace["running"].items()}   # JSON keys are text
    return trace


def fine_print_name(digest):
    return f"fine-print-{short(digest)}"


def fine_print(dataset, data) -> dict:
    """Chapter 12: the notebook's deep net after its 1,001 steps, evaluated with the unbiased and the biased
    running variance, and with BatchNorm left in training mode."""
    model = demos.deep_net_after(ModelConfig(vocab_size=len(dataset.vocab)), data, stats_every=0).model
    return {"variance": demos.variance_eval_gap(model, data), "slip": demos.train_mode_slip(model, data)}


def deep_name(digest, lr, batchnorm, gain, fan_in_scaling=True):
    # "deep2": the result holds every statistics step's histograms (chapter 8's step scrubber); older files lack them
    return f"deep2-{short(digest)}-{lr!r}-{int(batchnorm)}-{gain!r}" + ("" if fan_in_scaling else "-randn")


def deep_after(dataset, data, lr, batchnorm, gain, fan_in_scaling=True) -> dict:
    """The notebook's debugging run of the deep net: 1,001 steps, diagnostics every 25 and at the
    last step (each kept in `history`: chapter 8 scrubs them); then the split losses in eval mode and 20
    names from the sampling seed."""
    config = ModelConfig(vocab_size=len(dataset.vocab), batchnorm=batchnorm, gain=gain, fan_in_scaling=fan_in_scaling)
    trainer = demos.deep_net_after(config, data, lr=lr, stats_every=25)
    steps = [step for step, _ in trainer.stats]
    weights = [p["name"] for p in trainer.stats[-1][1]["params"] if p["ndim"] == 2]
    ratios = {name: [next((p.get("update_to_data") for p in s["params"] if p["name"] == name), None)
                     for _, s in trainer.stats] for name in weights}
    with torch.no_grad():
        names = sampling.sample(trainer.model, dataset.vocab, 20, seed=sampling.SAMPLE_SEED)
    return {"last": trainer.stats[-1][1], "steps": steps, "update_to_data": ratios,
            "history": [deep_step(step, s) for step, s in trainer.stats],
            "losses": trainer.losses, "split": evaluation.all_split_losses(trainer.model, data), "names": names,
            "params": trainer.model.num_parameters()}


def deep_step(step: int, stats: dict) -> dict:
    """What chapter 8's scrubber shows of one statistics step: the loss, each tanh layer's numbers and its
    activation and gradient histograms (5 significant digits: what the chart draws; `last` keeps them whole)."""
    def hist(h):
        return {"x": h["x"], "density": [float(f"{v:.5g}") for v in h["density"]]}
    keep = ("label", "mean", "std", "saturation_pct", "grad_std")
    return {"step": step, "loss": stats["loss"],
            "layers": [{**{k: r.get(k) for k in keep}, "hist": hist(r["hist"]), "grad_hist": hist(r["grad_hist"])}
                       for r in stats["layers"]]}


def e01_name(digest, steps):
    return f"e01-{short(digest)}-{steps}"


def e01(dataset, data, steps, report=None, device="cpu") -> dict:
    """Exercise E01: the deep net trained from its normal init and from all zeros on the same minibatches."""
    config = ModelConfig(vocab_size=len(dataset.vocab))
    runs = {}
    for k, init in enumerate(("normal", "zeros")):
        def progress(fraction, k=k, init=init):
            if report:
                report((k + fraction) / 2, f"training the {init} init: {fraction:.0%}")
        runs[init] = train_watched(ModelConfig(**{**config.to_dict(), "init": init}), data, dataset.vocab,
                                   steps=steps, on_progress=progress, n_samples=SAMPLES, device=device)
    runs["unigram"] = unigram_loss(data["train"][1], len(dataset.vocab))
    return runs


def e02_name(digest, steps=FOLD_STEPS):
    return f"e02-{short(digest)}-{steps}"


def e02_model_bytes(dataset, data, device="cpu", steps=FOLD_STEPS) -> bytes:
    """Exercise E02's own net (3 Linear layers with BatchNorm, trained `steps` steps) as checkpoint bytes,
    read from disk when there."""
    path = path_of(e02_name(dataset.digest, steps), ".pt")
    found = read_bytes(path)
    if found is not None:
        return found
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab), **FOLD_NET), device)
    Trainer(model, data, TrainConfig(steps=steps, lr_milestones=[]), engine="fast-uncompiled").run()
    raw = checkpoint.to_bytes(model, dataset.vocab)
    try:
        atomic.write_atomically(path, raw)
    except OSError:
        pass
    return raw


def e02_report_name(digest, steps=FOLD_STEPS):
    return f"e02report-{short(digest)}-{steps}"


def e02_report(dataset, data, device="cpu", steps=FOLD_STEPS) -> dict:
    """What E02 shows of its own net and the net's fold (fold.report), on the validation split."""
    model, vocab, _ = checkpoint.from_bytes(e02_model_bytes(dataset, data, device, steps), device)
    return fold.report(model, vocab, data["val"][0], SAMPLES)


# ---------------------------------------------------------------- prepare: all of it, once

@dataclass
class Task:
    name: str             # its key: the file it is kept in (a server computes it as the job of that name)
    label: str
    seconds: float        # a rough estimate on a 2-core machine: the progress bar's weights
    done: Callable        # () -> bool: already on disk
    run: Callable         # (report) -> None


def tasks(dataset, loss_log_steps=lossbook.STEPS, device="cpu", data=None) -> list[Task]:
    """What the Lecture shows that takes time, in the chapters' order. `data`: () -> the data set's
    tensors at block size 3 (made once, when first needed). Estimates from this project's 2-core machine:
    small nets about 1,000 steps/s, the deep net's debugging run about 300 steps/s, E01's watched steps
    about 150 steps/s, the loss log's compiled fast engine about 1,200 steps/s."""
    digest = dataset.digest
    data = data or functools.cache(lambda: dataset.tensors(3, device))

    def json_task(name, label, seconds, compute):
        return Task(name, label, seconds, lambda: path_of(name).exists(),
                    lambda report: on_disk(name, lambda: compute(report)))

    out = [json_task(curves_name(digest, CURVE_STAGES, CURVE_STEPS), "chapter 2: the first steps of both nets", 6,
                     lambda r: early_curves(dataset, data(), CURVE_STAGES, CURVE_STEPS, r)),
           json_task(softmax_name(digest, SOFTMAX_STEPS), "chapter 2: the softmax's spread at each first step", 3,
                     lambda r: softmax_steps(dataset, data(), SOFTMAX_STEPS)),
           json_task(calibration_name(digest, CALIBRATION_STEPS), "chapter 5: calibration", 3,
                     lambda r: calibration(dataset, data(), CALIBRATION_STEPS))]
    for stage in FIRST_HALF:
        out.append(Task(f"lossbook-{short(digest)}-{stage}-{loss_log_steps}",
                        f"chapter 6: the loss log, {stage} ({loss_log_steps:,} steps)", loss_log_steps / 1200,
                        lambda s=stage: lossbook.cached_stage_losses(dataset, s, loss_log_steps) is not None,
                        lambda report, s=stage: lossbook.stage_losses(
                            dataset, s, steps=loss_log_steps, device=device,
                            progress=lambda done, total: report(done / max(total, 1), f"step {done:,}"))))
    for label, run in DEEP_RUNS.items():
        out.append(json_task(deep_name(digest, *run), f"chapter 8: {label}", 4,
                             lambda r, a=run: deep_after(dataset, data(), *a)))
    out.append(json_task(momentum_name(digest), "chapter 12: BatchNorm's running mean over training", 8,
                         lambda r: momentum_trace(dataset, data())))
    out.append(json_task(fine_print_name(digest), "chapter 12: the deep net's eval losses, BatchNorm's fine print",
                         5, lambda r: fine_print(dataset, data())))
    for steps in E01_STEPS:
        out.append(json_task(e01_name(digest, steps), f"exercise E01, {steps:,} steps", 2 * steps / 150,
                             lambda r, n=steps: e01(dataset, data(), n, r, device)))
    out.append(Task(e02_name(digest, FOLD_STEPS), "exercise E02: the 3-layer net", 3,
                    lambda: path_of(e02_name(digest, FOLD_STEPS), ".pt").exists(),
                    lambda report: e02_model_bytes(dataset, data(), device, FOLD_STEPS)))
    out.append(json_task(e02_report_name(digest, FOLD_STEPS), "exercise E02: the fold against the net", 2,
                         lambda r: e02_report(dataset, data(), device, FOLD_STEPS)))
    return out


def prepare(dataset, report=None, loss_log_steps=lossbook.STEPS, device="cpu", data=None,
            run=None) -> list[tuple[str, float]]:
    """Compute every task not on disk yet, one after another. report(fraction, text) as it goes, the text
    with an estimate of the time left (the tasks' estimates, scaled by how fast the finished ones went).
    run(task, progress): how a task is run (a server runs each as a job of its own); default, here.
    Returns [(label, seconds it took)]; 0 for one that was on disk already."""
    configure_threads()   # one thread: faster for these small nets, and a core left for the server
    every = tasks(dataset, loss_log_steps, device, data)
    todo = [t for t in every if not t.done()]
    timings = [(t.label, 0.0) for t in every if t not in todo]
    total = sum(t.seconds for t in todo) or 1.0
    expected_done, start = 0.0, time.perf_counter()
    run = run or (lambda task, progress: task.run(progress))

    def left(fraction_of_task, task):
        done = expected_done + fraction_of_task * task.seconds
        elapsed = time.perf_counter() - start
        speed = elapsed / done if done > 0 and elapsed > 1 else 1.0   # measured seconds per estimated second
        return done / total, (total - done) * speed

    for task in todo:
        began = time.perf_counter()

        def progress(fraction, text="", task=task):
            if report:
                overall, seconds = left(min(fraction, 1.0), task)
                report(overall, f"{task.label}{': ' + text if text else ''} (about {seconds:,.0f} s left)")
        progress(0.0)
        run(task, progress)
        timings.append((task.label, time.perf_counter() - began))
        expected_done += task.seconds
    if report:
        report(1.0, f"everything the Lecture shows is ready ({time.perf_counter() - start:,.0f} s)")
    return timings
