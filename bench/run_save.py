"""What saving a run costs (ui.saved_runs): the time of one save and the size of its file.

    python bench/run_save.py [--repeat 5]

Runs of the Training page's settings (the lecture's net, statistics every 100 steps), their history
filled as a run of that many steps would have it (every step's loss, one statistics step per 100 steps:
the over-time series and the snapshots), saved into a temporary cache folder. The time is split into the part under the
run's lock (what the training thread waits for) and the whole save (encode, write, fsync, rename).
Medians of --repeat saves. Then the time a restarted server takes to bring them all back.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["MAKEMORE_CACHE_DIR"] = tempfile.mkdtemp(prefix="makemore-bench-save-")
os.environ["MAKEMORE_SAVE_RUNS"] = "1"

from makemore_core import run_store, snapshots  # noqa: E402
from makemore_core.data import Dataset  # noqa: E402
from makemore_core.device import configure_threads  # noqa: E402
from makemore_core.model import ModelConfig  # noqa: E402
from makemore_core.training import TrainConfig  # noqa: E402
from ui import run_series, saved_runs  # noqa: E402
from ui.training_run import Run  # noqa: E402

CASES = [   # (name, model, steps trained, optimizer)
    ("Quick look, 5,000 steps", ModelConfig(), 5_000, "sgd"),
    ("Lecture run, 200,000 steps", ModelConfig(), 200_000, "sgd"),
    ("Lecture net, Adam, 200,000 steps", ModelConfig(), 200_000, "adam"),
    ("12 layers x 1,024, 20,000 steps", ModelConfig(n_hidden=1024, hidden_layers=12), 20_000, "sgd"),
]


def filled_run(dataset, data, model, steps, optimizer):
    """A run whose history is that of `steps` steps (one real statistics step copied every 100 steps)."""
    run = Run("bench", dataset, data, model, TrainConfig(steps=steps * 2, stats_every=100, optimizer=optimizer), "cpu")
    t = run.trainer
    t.stats_step() if optimizer == "sgd" else t.eager_step()   # one real step: real statistics, Adam's state
    _, stats = t.stats[-1] if t.stats else (0, None)
    t.losses = [2.0 + 1e-6 * i for i in range(steps)]
    t.lrs, t.step_num = [0.1] * steps, steps
    t.val_losses = [(s, 2.1) for s in range(1000, steps + 1, 1000)]
    if stats is not None:
        for s in range(0, steps, 100):
            run_series.record(run.series, s, stats)
            snapshots.add(run.snapshots, snapshots.snapshot(s, stats, t.model.C))
        run.latest_stats = (steps - 100, stats)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    configure_threads()
    dataset = Dataset.from_path(Path(__file__).resolve().parent.parent / "data" / "names.txt")
    data = dataset.tensors(3)
    print(f"{'run':36} {'params':>10} {'file':>9} {'under lock':>11} {'whole save':>11}")
    for name, model, steps, optimizer in CASES:
        run = filled_run(dataset, data, model, steps, optimizer)
        locked, whole, size = [], [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            with run.lock:
                saved_runs.record(run)
            locked.append(time.perf_counter() - start)
            start = time.perf_counter()
            size = saved_runs.save(run)
            whole.append(time.perf_counter() - start)
        loaded = time.perf_counter()
        run_store.load_all(saved_runs.folder())
        loaded = time.perf_counter() - loaded
        print(f"{name:36} {model.num_parameters():>10,} {size / 2**20:>7.2f} MB {statistics.median(locked) * 1e3:>8.0f} ms "
              f"{statistics.median(whole) * 1e3:>8.0f} ms   (reading every file so far: {loaded * 1e3:.0f} ms)")
    start = time.perf_counter()
    back = saved_runs.restore()
    print(f"a restart brings the {len(back)} runs back (read, checked, rebuilt, paused) in "
          f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
