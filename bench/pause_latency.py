"""Pause latency of a background run: from run.pause() to the run standing still (issue 12).

    nice -n 10 python bench/pause_latency.py [--rounds 15] [--engine eager fast-uncompiled] [--json]

A Training-page run (ui.training_run.Run) of the lecture's deep net, statistics every 100 steps, while a
second thread reads run.snapshot() four times a second, as the page's live view does. Each round:
let it train for a random 0.3 to 0.8 s, request the pause, and time until the run's state is
"paused" (its thread has left the training loop and holds no lock); then resume. Median and
maximum per engine. The machine is shared: the load average is printed with the result.
"""
import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from makemore_core.data import Dataset  # noqa: E402
from makemore_core.device import configure_threads  # noqa: E402
from makemore_core.model import ModelConfig  # noqa: E402
from makemore_core.training import TrainConfig  # noqa: E402
from ui.training_run import Run  # noqa: E402


def pause_latencies(dataset, data, engine, rounds):
    run = Run("bench", dataset, data, ModelConfig(vocab_size=len(dataset.vocab)),
              TrainConfig(steps=10_000_000, stats_every=100, eval_every=0), "cpu", engine=engine)
    reading = threading.Event()

    def reader():                     # the page's live view: a snapshot every 0.25 s
        while not reading.is_set():
            run.snapshot()
            time.sleep(0.25)
    threading.Thread(target=reader, daemon=True).start()
    run.start()
    latencies = []
    try:
        for _ in range(rounds):
            time.sleep(random.uniform(0.3, 0.8))
            if run.state != "running":
                raise RuntimeError(f"the run is {run.state}, not running")
            asked = time.perf_counter()
            run.pause()
            while run.state != "paused":
                time.sleep(0.001)
            latencies.append(time.perf_counter() - asked)
            run.unpause()
            while run.state != "running":
                time.sleep(0.001)
    finally:
        reading.set()
        run.stop()
        run.wait(10)
    return latencies


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT / "data" / "names.txt"))
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--engine", nargs="+", default=["eager", "fast-uncompiled"])
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    configure_threads()
    dataset = Dataset.from_path(args.data)
    data = dataset.tensors(3, "cpu")
    result = {}
    for engine in args.engine:
        ms = [1000 * s for s in pause_latencies(dataset, data, engine, args.rounds)]
        result[engine] = {"median_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1),
                          "rounds": len(ms), "load": round(os.getloadavg()[0], 2)}
    if args.json:
        print(json.dumps(result))
    else:
        for engine, r in result.items():
            print(f"{engine:>16}: pause latency median {r['median_ms']} ms, max {r['max_ms']} ms "
                  f"({r['rounds']} rounds, load average {r['load']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
