"""A large word list's Start against the runs already training (issue 30 item 8).

    python bench/start_build.py [--copies 5] [--seconds 3]

A Training-page run (ui.training_run.Run, the lecture's deep net) trains in its thread while this
process builds the tensors of a large list (data/names.txt repeated --copies times, as a class's
largest legal upload), once with the per-word loop build_examples used before (kept here as the
reference) and once with build_examples. Prints the trainer's steps/s alone and during each build,
and their ratio, measured side by side in one run; the load average with them (the machine is shared).
"""
import argparse
import os
import sys
import threading
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from makemore_core.data import Dataset, build_examples, context_windows  # noqa: E402
from makemore_core.device import configure_threads  # noqa: E402
from makemore_core.model import ModelConfig  # noqa: E402
from makemore_core.training import TrainConfig  # noqa: E402
from ui.training_run import Run  # noqa: E402


def per_word_loop(words, vocab, block_size):
    """build_examples as it was: a Python loop over every word's windows."""
    X, Y = [], []
    for w in words:
        for context, target in context_windows(w, vocab, block_size):
            X.append(context)
            Y.append(target)
    return torch.tensor(X, dtype=torch.long).reshape(-1, block_size), torch.tensor(Y, dtype=torch.long)


def rate_while(run, work=None, seconds=3.0):
    """The run's steps/s while `work` runs in this thread (or for `seconds` with nothing else)."""
    start, t0 = run.trainer.step_num, time.perf_counter()
    if work is None:
        time.sleep(seconds)
    else:
        work()
    return (run.trainer.step_num - start) / (time.perf_counter() - t0), time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--copies", type=int, default=5)
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()
    configure_threads()
    dataset = Dataset.from_path(ROOT / "data" / "names.txt")
    words = dataset.words * args.copies
    run = Run("bench", dataset, dataset.tensors(3), ModelConfig(vocab_size=len(dataset.vocab)),
              TrainConfig(steps=10_000_000, stats_every=100, eval_every=0), "cpu")
    run.start()
    run.wait_until(lambda r: r.trainer.step_num > 50, 60)
    try:
        alone, _ = rate_while(run, seconds=args.seconds)
        loop, loop_s = rate_while(run, lambda: per_word_loop(words, dataset.vocab, 3))
        arrays, arrays_s = rate_while(run, lambda: build_examples(words, dataset.vocab, 3))
        after, _ = rate_while(run, seconds=args.seconds)
    finally:
        run.stop()
        run.wait(10)
    print(f"{len(words):,} words; trainer alone {alone:.0f} steps/s (after: {after:.0f})")
    print(f"per-word loop (before): build {loop_s:.1f} s, trainer {loop:.0f} steps/s = {loop / alone:.0%} of alone")
    print(f"build_examples (now):   build {arrays_s:.1f} s, trainer {arrays:.0f} steps/s = {arrays / alone:.0%} of alone")
    print(f"load average {os.getloadavg()[0]:.1f}, threads {threading.active_count()}")


if __name__ == "__main__":
    main()
