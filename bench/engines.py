"""Benchmark: `python bench/engines.py [--quick] [--json] [--data PATH] [--long-steps N] [--no-compile]`.

In one process, on the same data, config (the lecture's deep net, batch 32) and seed, it times
  (1) the baseline: the lecture notebook's loop, written as the notebook writes it;
  (2) our engine with statistics every 100 steps;  (3) our engine with no statistics;
plus, for context, the notebook loop without its per-step statistics, the eager Trainer, and the
uncompiled hand-written step. The contenders run in interleaved blocks (the CPU is shared with
other work), and each figure is the median over the blocks. It checks that the first 100 losses
agree, and times the Initialization lab's recompute in the core. (The pages' own timings need
Streamlit, which the core never imports: `python bench/pages.py`.) The notebook's loop itself lives in
makemore_core/notebook.py, where a learner finds it; this file, a benchmark, is kept out of the package.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # `python bench/engines.py` from anywhere

from makemore_core.data import DataError, Dataset  # noqa: E402
from makemore_core.device import configure_threads  # noqa: E402
from makemore_core.model import LECTURE_SEED, MLP, ModelConfig  # noqa: E402
from makemore_core.notebook import BATCH, NotebookLoop  # noqa: E402
from makemore_core.training import TrainConfig, Trainer  # noqa: E402

TOLERANCE = 1e-4


# ---------------------------------------------------------------- (1) the baseline: makemore_core/notebook.py

# ---------------------------------------------------------------- (2), (3) and context: our trainers

class TrainerLoop:
    def __init__(self, data, engine, stats_every):
        model = MLP(ModelConfig(), "cpu")
        config = TrainConfig(steps=10**9, batch_size=BATCH, lr_milestones=[150_000], stats_every=stats_every)
        start = time.perf_counter()
        self.trainer = Trainer(model, data, config, engine=engine)
        self.setup_s = time.perf_counter() - start   # the compile, for "fast-compiled"
        self.losses = self.trainer.losses

    def run(self, steps):
        self.trainer.run(steps=steps)
        if self.trainer.status == "diverged":
            raise RuntimeError(self.trainer.message)


def contenders(data, compile_step):
    Xtr, Ytr = data["train"]
    fast = "fast-compiled" if compile_step else "fast-uncompiled"
    return {
        "baseline": ("notebook loop, per-step retain_grad + update:data + .item()", lambda: NotebookLoop(Xtr, Ytr)),
        "engine_stats100": (f"our engine ({fast}), statistics every 100 steps",
                            lambda: TrainerLoop(data, fast, 100)),
        "engine_nostats": (f"our engine ({fast}), no statistics", lambda: TrainerLoop(data, fast, 0)),
        "notebook_nostats": ("notebook loop without per-step statistics",
                             lambda: NotebookLoop(Xtr, Ytr, per_step_stats=False)),
        "eager_stats100": ("eager Trainer (the reference), statistics every 100", lambda: TrainerLoop(data, "eager", 100)),
        "uncompiled_stats100": ("hand-written step, not compiled, statistics every 100",
                                lambda: TrainerLoop(data, "fast-uncompiled", 100)),
    }


def time_training(data, block, rounds, compile_step):
    """steps/s of every contender: a 100-step warm-up (its losses are compared), then `rounds`
    interleaved blocks of `block` steps; the median block."""
    runs, rates, labels, setup = {}, {}, {}, {}
    for name, (label, make) in contenders(data, compile_step).items():
        if name == "uncompiled_stats100" and not compile_step:
            continue  # the same as engine_stats100
        runs[name], labels[name], rates[name] = make(), label, []
        setup[name] = round(getattr(runs[name], "setup_s", 0.0), 2)
        runs[name].run(100)
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run.run(block)
            rates[name].append(block / (time.perf_counter() - start))
    reference = runs["baseline"].losses[:100]
    rows = {}
    for name, run in runs.items():
        diff = max(abs(a - b) for a, b in zip(reference, run.losses[:100]))
        rows[name] = {"label": labels[name], "steps_per_s": round(statistics.median(rates[name]), 1),
                      "blocks": [round(r, 1) for r in rates[name]], "setup_s": setup[name],
                      "first100_max_abs_diff": diff, "losses_agree": diff <= TOLERANCE}
        if hasattr(run, "trainer"):
            rows[name]["engine_status"] = run.trainer.engine_status
    base = rows["baseline"]["steps_per_s"]
    for row in rows.values():
        row["ratio_to_baseline"] = round(row["steps_per_s"] / base, 2)
    return rows


# ---------------------------------------------------------------- the 200,000-step lecture run

def time_long_run(data, steps, compile_step):
    """Wall time of `steps` lecture steps (statistics every 100, as the Training page records them)
    with the eager Trainer and with the engine; extrapolated to 200,000 when shorter."""
    out = {"steps_timed": steps, "extrapolated": steps < 200_000}
    engines = {"eager": "eager", "engine": "fast-compiled" if compile_step else "fast-uncompiled"}
    for key, engine in engines.items():
        model = MLP(ModelConfig(), "cpu")
        config = TrainConfig.decayed_at(steps, batch_size=BATCH, stats_every=100)
        trainer = Trainer(model, data, config, engine=engine)
        start = time.perf_counter()
        trainer.run()
        seconds = time.perf_counter() - start
        out[f"{key}_s"] = round(seconds, 1)
        out[f"{key}_200k_s"] = round(seconds * 200_000 / steps, 1)
        out[f"{key}_last_loss"] = trainer.losses[-1]
    out["speedup"] = round(out["eager_s"] / out["engine_s"], 2)
    return out


# ---------------------------------------------------------------- the Initialization lab

def time_init_stats(dataset, repeats):
    """Slider change -> new init statistics, in the core: build the model, gather the minibatch,
    one diagnosed forward + backward (makemore_core.diagnostics.diagnose). Median seconds."""
    from makemore_core.diagnostics import diagnose
    Xtr, Ytr = dataset.tensors(3, "cpu")["train"]
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        model = MLP(ModelConfig(seed=LECTURE_SEED + r), "cpu")
        ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=model.generator)
        diagnose(model, Xtr[ix], Ytr[ix])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------- report

def environment():
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "python": sys.version.split()[0],
            "device": "cpu", "cuda_available": torch.cuda.is_available()}


def run(data_path=None, quick=False, compile_step=True, long_steps=None, block=None, rounds=None):
    configure_threads()
    dataset = Dataset.from_path(data_path or ROOT / "data" / "names.txt")
    data = dataset.tensors(3, "cpu")
    block = block or (200 if quick else 1000)
    rounds = rounds or (3 if quick else 5)
    result = {"data": str(data_path or "data/names.txt"), "config": "lecture deep net (6 Linear + 6 BatchNorm), batch 32",
              "environment": environment(), "block_steps": block, "rounds": rounds}
    result["training"] = time_training(data, block, rounds, compile_step)
    rows = result["training"]
    result["goal_ratio"] = rows["engine_stats100"]["ratio_to_baseline"]
    result["losses_agree"] = all(r["losses_agree"] for r in rows.values())
    result["init_stats_s"] = round(time_init_stats(dataset, 3 if quick else 9), 4)
    if long_steps is None:
        long_steps = 1_000 if quick else 20_000
    if long_steps:
        result["long_run"] = time_long_run(data, long_steps, compile_step)
    return result


def table(result):
    lines = [f"makemore lab benchmark  ({result['config']}; torch {result['environment']['torch']}, "
             f"{result['environment']['threads']} thread(s); median of {result['rounds']} interleaved blocks "
             f"of {result['block_steps']} steps)", ""]
    lines.append(f"{'':<22}{'steps/s':>9}{'x base':>8}{'setup s':>9}  {'first 100 losses':<20} what")
    for name, r in result["training"].items():
        agree = f"{'ok' if r['losses_agree'] else 'DIFFER'} ({r['first100_max_abs_diff']:.1e})"
        lines.append(f"{name:<22}{r['steps_per_s']:>9,.0f}{r['ratio_to_baseline']:>8.2f}{r['setup_s']:>9.1f}  "
                     f"{agree:<20} {r['label']}")
    lines += ["", f"goal: engine with statistics every 100 >= 3x baseline: {result['goal_ratio']:.2f}x "
                  f"({'met' if result['goal_ratio'] >= 3 else 'NOT met'}; stretch 5x)",
              f"init statistics (build model + minibatch + diagnose): {result['init_stats_s'] * 1000:.1f} ms"]
    long = result.get("long_run")
    if long:
        how = f"extrapolated from {long['steps_timed']:,} steps" if long["extrapolated"] else "measured"
        lines.append(f"200,000-step lecture run, statistics every 100 ({how}): eager {long['eager_200k_s']:,.0f} s, "
                     f"engine {long['engine_200k_s']:,.0f} s ({long['speedup']:.2f}x)")
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python bench/engines.py",
                                description="time the training engines and the init statistics, side by side")
    p.add_argument("--data", default=None, help="word list (default: data/names.txt)")
    p.add_argument("--quick", action="store_true", help="a run of under a minute")
    p.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    p.add_argument("--no-compile", action="store_true", help="time the hand-written step uncompiled")
    p.add_argument("--long-steps", type=int, default=None,
                   help="steps of the eager-vs-engine long run (default 20,000; --quick 1,000; 0 skips)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        result = run(args.data, quick=args.quick, compile_step=not args.no_compile, long_steps=args.long_steps)
    except (DataError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else table(result))
    if not result["losses_agree"]:
        print("error: the engines' first 100 losses disagree (see the table)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
