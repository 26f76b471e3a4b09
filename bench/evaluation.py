"""Server time of the Evaluation page for a new model (issue 13: at most 1.5 s), side by side:

    nice -n 10 python bench/evaluation.py [--rounds 3] [--baseline DIR] [--data data/names.txt] [--delay S]

`page`: the page's script in AppTest (server side, no browser). Each round is one fresh process per
checkout: the page is first opened on one finished run (imports, caches and figures warm), then a
second run finishes (a new model: the page chooses the newest; runs train in their own thread, as
on the Training page, so whatever a finished run starts in the background starts), `--delay` seconds
pass (the learner moving from the Training page to this one; 0: at once), and the rerun that shows it is
timed, wall clock and CPU time of the process (all threads; on a loaded machine the wall clock
includes waiting for a core); then a name is typed (a rerun on a model already evaluated). With `--baseline DIR` (another
checkout, e.g. `git worktree add /tmp/before <commit>`) both run in turn, interleaved; medians.

`core`: the parts of `makemore_core.evaluation.evaluate` one at a time in this process (what the
second thread overlaps). The runs are the lecture's deep net (6 BatchNorms), 200 steps. The load
average is printed with each figure: the machine is shared.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/evaluation.py"


def page_once(root, data_path, delay):
    """In a fresh process with `root` first on the path: (new model's rerun s, typed name's rerun s)."""
    sys.path.insert(0, str(root))
    os.chdir(root)
    from streamlit.testing.v1 import AppTest

    import ui.runs
    from makemore_core.data import Dataset
    from makemore_core.model import ModelConfig
    from makemore_core.training import TrainConfig
    dataset = Dataset.from_path(data_path)
    data = dataset.tensors(3)
    manager = ui.runs.RunManager()

    def add_run(seed):
        run = manager.new_run(f"bench {seed}", dataset, data, ModelConfig(vocab_size=len(dataset.vocab), seed=seed),
                              TrainConfig(steps=200, eval_every=0), "cpu")
        run.start()
        run.wait(timeout=300)
        assert run.state == "finished", run.state
        run.created = time.time()

    ui.runs.session_runs = lambda: manager
    add_run(1)
    at = AppTest.from_file(str(Path(root) / "app.py"), default_timeout=300)
    at.run()
    at.switch_page(PAGE).run()            # warm: imports, the first model, the figures
    add_run(2)
    time.sleep(delay)
    start, cpu = time.perf_counter(), time.process_time()
    at.run()                              # the newest run is chosen: a new model
    new_model, new_model_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert not at.exception, [e.value for e in at.exception]
    start = time.perf_counter()
    at.text_input(key="eval_word").set_value("andrej").run()
    typed = time.perf_counter() - start
    assert len(at.dataframe) == 1, "the BatchNorm table is missing"
    return new_model, typed, new_model_cpu


def core_parts(data_path):
    """{part: seconds} of evaluate()'s work, one part at a time, and evaluate() itself."""
    sys.path.insert(0, str(ROOT))
    from makemore_core import evaluation as ev
    from makemore_core.data import Dataset
    from makemore_core.device import configure_threads
    from makemore_core.model import MLP, ModelConfig
    configure_threads()
    dataset = Dataset.from_path(data_path)
    data = dataset.tensors(3)
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab)))
    X, Y = data["val"]
    calibrated = ev.calibrated_stats(model, data["train"][0])
    parts = {"split losses (train, val, test)": lambda: ev.all_split_losses(model, data),
             "batch of 32 + batch of 1": lambda: (ev.batch_stats_loss(model, X, Y, 32),
                                                  ev.batch_stats_loss(model, X, Y, 1, 2048)),
             "calibration pass over train": lambda: ev.calibrated_stats(model, data["train"][0]),
             "val loss, calibrated": lambda: ev.loss_with_stats(model, X, Y, calibrated),
             "evaluate() (two threads)": lambda: ev.evaluate(model, data)}
    timings = {}
    for name, f in parts.items():
        start = time.perf_counter()
        f()
        timings[name] = time.perf_counter() - start
    return timings


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT / "data" / "names.txt"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--baseline", metavar="DIR", help="another checkout of the app, timed in turn")
    p.add_argument("--delay", type=float, default=0.0, help="seconds between the run finishing and the page's rerun")
    p.add_argument("--page-once", metavar="ROOT", help=argparse.SUPPRESS)   # the child process
    args = p.parse_args()
    if args.page_once:
        print(json.dumps(page_once(args.page_once, str(Path(args.data).resolve()), args.delay)))
        return
    checkouts = {"after": ROOT} | ({"before": Path(args.baseline).resolve()} if args.baseline else {})
    results = {name: [] for name in checkouts}
    for _ in range(args.rounds):
        for name, root in checkouts.items():
            out = subprocess.run([sys.executable, __file__, "--page-once", str(root), "--data", args.data,
                                  "--delay", str(args.delay)],
                                 capture_output=True, text=True, check=True)
            results[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
            wall, typed, cpu = results[name][-1]
            print(f"  {name}: new model {wall * 1000:,.0f} ms (CPU {cpu * 1000:,.0f} ms, all threads), typed name "
                  f"{typed * 1000:,.0f} ms (load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"\npage (AppTest, server time), medians of {args.rounds}, load average {os.getloadavg()[0]:.1f}:")
    for name, rows in results.items():
        print(f"  {name:7s} new model {statistics.median(r[0] for r in rows) * 1000:8,.0f} ms wall, "
              f"{statistics.median(r[2] for r in rows) * 1000:8,.0f} ms CPU   "
              f"typed name {statistics.median(r[1] for r in rows) * 1000:6,.0f} ms")
    print(f"\ncore parts, one at a time (ms), load average {os.getloadavg()[0]:.1f}:")
    for name, seconds in core_parts(args.data).items():
        print(f"  {name:34s} {seconds * 1000:8,.0f}")


if __name__ == "__main__":
    main()
