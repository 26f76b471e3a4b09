"""Server time of the Evaluation page's work for a new model, in the core (no Streamlit):

    nice -n 10 python bench/evaluation.py [--data data/names.txt] [--repeats 3]

What the page computes once per model (its st.cache_data functions): the three split losses, the
four BatchNorm modes on the val split (running, calibrated on the whole training split, batch
statistics of 32 and of 1) with a few sampled names each, and a name's likelihood. The batch
statistics rows are timed both ways, interleaved: the per-batch loop the page used before
(`loop`) and the grouped pass (`evaluation.batch_stats_loss`). Medians; the load average is printed.
"""
import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from makemore_core import evaluation, sampling  # noqa: E402
from makemore_core.data import Dataset  # noqa: E402
from makemore_core.device import configure_threads  # noqa: E402
from makemore_core.model import MLP, ModelConfig  # noqa: E402

BATCH_OF_ONE_EXAMPLES = 2048   # as pages/evaluation.py
SAMPLES_PER_MODE = 5


@torch.no_grad()
def loop(model, X, Y, batch_size, max_examples=None):
    """Before: one train-mode forward per batch."""
    X, Y = (X, Y) if max_examples is None else (X[:max_examples], Y[:max_examples])
    for bn in model.batchnorms():
        bn.update_running = False
    warnings.simplefilter("ignore", UserWarning)  # torch: var() of one example is undefined (NaN, as meant)
    total = sum(F.cross_entropy(model(X[s:s + batch_size]), Y[s:s + batch_size], reduction="sum").item()
                for s in range(0, len(X), batch_size))
    for bn in model.batchnorms():
        bn.update_running = True
    return total / len(X)


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def page_work(model, data, vocab, batch_loss):
    """{part: seconds} of what the page computes for one new model."""
    X, Y = data["val"]
    parts = {"split losses": lambda: evaluation.all_split_losses(model, data),
             "running: names": lambda: sampling.sample(model, vocab, SAMPLES_PER_MODE)}

    def calibrated():
        with evaluation.batchnorm_stats(model, evaluation.calibrated_stats(model, data["train"][0])):
            evaluation.split_loss(model, X, Y)
            sampling.sample(model, vocab, SAMPLES_PER_MODE)
    parts["calibrated (pass over train)"] = calibrated
    parts["batch of 32"] = lambda: (batch_loss(model, X, Y, 32), sampling.sample_batch_stats(model, vocab, 32))
    parts["batch of 1"] = lambda: (batch_loss(model, X, Y, 1, BATCH_OF_ONE_EXAMPLES),
                                   sampling.sample_batch_stats(model, vocab, 1))
    parts["a name's likelihood"] = lambda: evaluation.word_nll(model, vocab, "andrej", model.config.block_size)
    return {name: timed(f) for name, f in parts.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT / "data" / "names.txt"))
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    configure_threads()
    dataset = Dataset.from_path(args.data)
    data = dataset.tensors(3)
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab)))
    runs = {"loop (before)": [], "grouped (after)": []}
    for _ in range(args.repeats):
        runs["loop (before)"].append(page_work(model, data, dataset.vocab, loop))
        runs["grouped (after)"].append(page_work(model, data, dataset.vocab, evaluation.batch_stats_loss))
    print(f"load average {os.getloadavg()[0]:.2f}, {len(dataset.words):,} words, torch threads "
          f"{torch.get_num_threads()}; medians of {args.repeats} (ms)")
    parts = list(runs["loop (before)"][0])
    print(f"{'':30s}" + "".join(f"{name:>18s}" for name in runs))
    for part in parts + ["total"]:
        cells = []
        for name, rows in runs.items():
            values = [sum(r.values()) if part == "total" else r[part] for r in rows]
            cells.append(f"{statistics.median(values) * 1000:18.0f}")
        print(f"{part:30s}" + "".join(cells))


if __name__ == "__main__":
    main()
