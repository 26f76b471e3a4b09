"""The loss log: each stage's 200,000-step train and val loss for a data set, computed once.

The notebook keeps a "loss log" in a markdown cell (its cell 11): the final train/val loss of each
fix. Here a stage's run goes through the fast engine (a couple of minutes on a CPU) and its result
is kept as JSON on disk, keyed by the data set's content and the stage, so a second learner (or a
restarted server) gets it at once:

    $MAKEMORE_CACHE_DIR (default ~/.cache/makemore_lab) / lossbook / <data sha256[:16]>-<stage>-<steps>.json
"""
import json
import os
import threading
import time
from pathlib import Path

from . import atomic
from .engine import COMPILE_PAYS_OFF_AT
from .evaluation import batch_stats_loss, calibrated_split_losses, split_loss
from .model import MLP
from .stages import check_stage, stage_configs
from .training import Trainer

STEPS = 200_000
CURVE_POINTS = 200     # the loss curve kept: the mean loss of each of this many equal slices of the run
HEAD = 1_000           # and the first steps' losses as they are (the hockey stick of `original`)

_locks = {}
_locks_guard = threading.Lock()
_unsaved = {}          # path -> a result the disk refused (full or read-only): kept for this process


def cache_root(path=None) -> Path:
    if path is not None:
        return Path(path)
    return Path(os.environ.get("MAKEMORE_CACHE_DIR") or Path.home() / ".cache" / "makemore_lab")


def cache_path(dataset, stage, steps=STEPS, cache_dir=None) -> Path:
    return cache_root(cache_dir) / "lossbook" / f"{dataset.digest[:16]}-{stage}-{steps}.json"


def cached_stage_losses(dataset, stage, steps=STEPS, cache_dir=None):
    """The stored result of a stage's run on this data set, or None when it has not been run yet."""
    check_stage(stage)
    path = cache_path(dataset, stage, steps, cache_dir)
    if str(path) in _unsaved:
        return _unsaved[str(path)]
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):   # absent, or unreadable: run it again
        return None


def stage_losses(dataset, stage, progress=None, cache_dir=None, steps=STEPS, device="cpu"):
    """A stage's train/val losses after `steps` steps on `dataset`: from the cache, or trained now
    with the fast engine (progress(done, total) every 0.5% of the steps) and then stored.
    One run per data set and stage at a time: a second caller waits for the first and reads its result."""
    check_stage(stage)
    key = cache_path(dataset, stage, steps, cache_dir)
    with _locks_guard:
        lock = _locks.setdefault(str(key), threading.Lock())
    with lock:
        cached = cached_stage_losses(dataset, stage, steps, cache_dir)
        if cached is not None:
            return cached
        result = run_stage(dataset, stage, steps, progress, device)
        result["dataset"] = dataset.digest
        try:
            write_atomically(key, result)
        except OSError:                 # a full or read-only disk: minutes of training are not thrown away
            _unsaved[str(key)] = result
        return result


def run_stage(dataset, stage, steps, progress=None, device="cpu"):
    model_config, train_config = stage_configs(stage, vocab_size=len(dataset.vocab), steps=steps)
    data = dataset.tensors(model_config.block_size, device)
    model = MLP(model_config, device)
    engine = "fast" if steps >= COMPILE_PAYS_OFF_AT else "fast-uncompiled"
    trainer = Trainer(model, data, train_config, engine=engine)
    start = time.perf_counter()
    report = None if progress is None else (lambda t: progress(t.step_num, steps))
    trainer.run(on_progress=report, progress_every=max(steps // 200, 1))
    seconds = time.perf_counter() - start
    losses = trainer.losses
    result = {
        "stage": stage, "steps": trainer.step_num, "status": trainer.status, "seconds": round(seconds, 1),
        "params": model.num_parameters(), "init_loss": losses[0] if losses else None,
        "train": split_loss(model, *data["train"]),
        "val": split_loss(model, *data["val"]) if len(data["val"][0]) else None,
        "curve": loss_curve(losses), "head": losses[:HEAD],
    }
    if model.batchnorms():
        # next to the running statistics: the notebook's calibration pass (its cell 9), and each split
        # normalized by its own statistics (cell 10's commented-out line; what its loss log's
        # batchnorm row holds, measured with b1 still in the net)
        result["calibrated"] = calibrated_split_losses(model, data)
        result["split_statistics"] = {split: batch_stats_loss(model, *data[split], len(data[split][0]))
                                      for split in ("train", "val") if len(data[split][0])}
    return result


def loss_curve(losses, points=CURVE_POINTS):
    """{"step": [...], "loss": [...]}: the mean loss of each of `points` equal slices (at the slice's middle)."""
    n = len(losses)
    if n == 0:
        return {"step": [], "loss": []}
    edges = [round(i * n / min(points, n)) for i in range(min(points, n) + 1)]
    steps, means = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        steps.append((lo + hi - 1) / 2)
        means.append(sum(losses[lo:hi]) / (hi - lo))
    return {"step": steps, "loss": means}


def write_atomically(path: Path, result: dict):
    """`result` as JSON, whole or not at all (see makemore_core.atomic); raises OSError when the disk refuses."""
    atomic.write_atomically(path, json.dumps(result).encode())
