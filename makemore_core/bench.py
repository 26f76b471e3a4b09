"""Benchmark: `python -m makemore_core bench [--quick] [--json] [--data PATH] [--long-steps N]`.

In one process, on the same data, config (the lecture's deep net, batch 32) and seed, it times
  (1) the baseline: the lecture notebook's loop, written as the notebook writes it;
  (2) our engine with statistics every 100 steps;  (3) our engine with no statistics;
plus, for context, the notebook loop without its per-step statistics, the eager Trainer, and the
uncompiled hand-written step. The contenders run in interleaved blocks (the CPU is shared with
other work), and each figure is the median over the blocks. It checks that the first 100 losses
agree, and times the Initialization lab's recompute and each page's first render.
"""
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from .data import Dataset
from .device import configure_threads
from .layers import BatchNorm1d, Linear, Tanh
from .model import LECTURE_SEED, MLP, ModelConfig
from .training import Trainer, TrainConfig

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["home", "data", "context", "embeddings", "init", "training", "evaluation", "sampling"]
BATCH = 32
TOLERANCE = 1e-4


# ---------------------------------------------------------------- (1) the baseline, notebook style

class NotebookLoop:
    """The lecture notebook's training loop, kept as close to the notebook's text as a class allows.

    `per_step_stats`: retain_grad on every layer output and update:data of every parameter at
    every step, as the notebook does to draw its plots.
    """

    def __init__(self, Xtr, Ytr, per_step_stats=True, vocab_size=27, n_embd=10, n_hidden=100, block_size=3):
        self.Xtr, self.Ytr, self.per_step_stats = Xtr, Ytr, per_step_stats
        g = torch.Generator().manual_seed(LECTURE_SEED)
        self.g = g
        self.C = torch.randn((vocab_size, n_embd), generator=g)
        self.layers = [
            Linear(n_embd * block_size, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, vocab_size, bias=False, generator=g), BatchNorm1d(vocab_size),
        ]
        with torch.no_grad():
            self.layers[-1].gamma *= 0.1
        self.parameters = [self.C] + [p for layer in self.layers for p in layer.parameters()]
        for p in self.parameters:
            p.requires_grad = True
        self.i = 0
        self.lossi, self.ud, self.losses = [], [], []

    def run(self, steps):
        Xtr, Ytr, g, C, layers, parameters = self.Xtr, self.Ytr, self.g, self.C, self.layers, self.parameters
        for _ in range(steps):
            i = self.i
            # minibatch construct
            ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
            Xb, Yb = Xtr[ix], Ytr[ix]
            # forward pass
            emb = C[Xb]
            x = emb.view(emb.shape[0], -1)
            for layer in layers:
                x = layer(x)
            loss = F.cross_entropy(x, Yb)
            # backward pass
            if self.per_step_stats:
                for layer in layers:
                    layer.out.retain_grad()
            for p in parameters:
                p.grad = None
            loss.backward()
            # update
            lr = 0.1 if i < 150000 else 0.01
            for p in parameters:
                p.data += -lr * p.grad
            # track stats
            self.losses.append(loss.item())
            self.lossi.append(loss.log10().item())
            if self.per_step_stats:
                with torch.no_grad():
                    self.ud.append([((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters])
            self.i += 1


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
        config = TrainConfig(steps=steps, batch_size=BATCH, lr_milestones=[int(0.75 * steps)], stats_every=100)
        trainer = Trainer(model, data, config, engine=engine)
        start = time.perf_counter()
        trainer.run()
        seconds = time.perf_counter() - start
        out[f"{key}_s"] = round(seconds, 1)
        out[f"{key}_200k_s"] = round(seconds * 200_000 / steps, 1)
        out[f"{key}_last_loss"] = trainer.losses[-1]
    out["speedup"] = round(out["eager_s"] / out["engine_s"], 2)
    return out


# ---------------------------------------------------------------- the Initialization lab and the pages

def time_init_stats(dataset, repeats):
    """Slider change -> new init statistics, in the core: build the model, gather the minibatch,
    one diagnosed forward + backward (makemore_core.stats.diagnose). Median seconds."""
    from .stats import diagnose
    Xtr, Ytr = dataset.tensors(3, "cpu")["train"]
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        model = MLP(ModelConfig(seed=LECTURE_SEED + r), "cpu")
        ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=model.generator)
        diagnose(model, Xtr[ix], Ytr[ix])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_pages(repeats):
    """AppTest (headless, in this process): first render of each page, then the Initialization
    lab's rerun after a slider change. 'First' means a fresh AppTest session; Python modules and
    st.cache_* stay warm after the first page, as on a running server."""
    try:
        from streamlit.testing.v1 import AppTest
    except Exception as e:  # the core runs without streamlit
        return {"error": f"streamlit unavailable: {e}"}
    app = str(ROOT / "app.py")
    result = {"method": "streamlit AppTest, in-process (server-side script time, no browser)", "first_render_s": {}}
    for page in PAGES:
        times = []
        for _ in range(repeats):
            at = AppTest.from_file(app, default_timeout=120)
            start = time.perf_counter()
            at.run()
            if page != "home":
                at.switch_page(f"pages/{page}.py").run()
            times.append(time.perf_counter() - start)
            if at.exception:
                result.setdefault("errors", {})[page] = str(at.exception[0].value)[:200]
        result["first_render_s"][page] = round(statistics.median(times), 3)
    result["init_slider_rerun_s"] = _init_slider_rerun(AppTest, app, repeats)
    return result


def _init_slider_rerun(AppTest, app, repeats):
    at = AppTest.from_file(app, default_timeout=120)
    at.run()
    at.switch_page("pages/init.py").run()
    try:
        at.slider(key="init_depth")
    except Exception:  # the page changed: no such slider
        return None
    times = []
    for r in range(repeats):
        value = [3, 5, 7, 4, 6][r % 5]
        start = time.perf_counter()
        at.slider(key="init_depth").set_value(value).run()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def time_pages_browser():
    """A real server and headless Chromium: for each page, a fresh browser context (a new session)
    opens its URL; the time until the script has finished and the page title is drawn. The first
    page also pays the server's first session (imports, caches)."""
    import subprocess
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app
        from playwright.sync_api import sync_playwright
    except Exception as e:
        return {"error": f"browser tooling unavailable: {e}"}
    if chromium_path() is None:
        return {"error": "Chromium is not installed"}
    proc, url = start_app_server()
    result = {"method": "fresh streamlit server + headless Chromium, one new session per page", "first_render_s": {}}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            for page_name in PAGES:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(f"{url}/{'' if page_name == 'home' else page_name}")
                wait_for_app(page, timeout=120_000)
                result["first_render_s"][page_name] = round(time.perf_counter() - start, 3)
                context.close()
            browser.close()
    except Exception as e:
        result["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return result


# ---------------------------------------------------------------- report

def environment():
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "python": sys.version.split()[0],
            "device": "cpu", "cuda_available": torch.cuda.is_available()}


def run(data_path=None, quick=False, compile_step=True, long_steps=None, pages=True, block=None, rounds=None,
        browser=False):
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
    if pages:
        result["pages"] = time_pages(1 if quick else 3)
    if browser:
        result["pages_browser"] = time_pages_browser()
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
    pages = result.get("pages")
    if pages and "first_render_s" in pages:
        lines.append(f"page first render ({pages['method']}):")
        lines += [f"  /{p:<12}{s * 1000:>8.0f} ms" for p, s in pages["first_render_s"].items()]
        if pages.get("init_slider_rerun_s") is not None:
            lines.append(f"  /init rerun after a slider change: {pages['init_slider_rerun_s'] * 1000:.0f} ms")
        for page, err in pages.get("errors", {}).items():
            lines.append(f"  /{page}: exception {err}")
    elif pages:
        lines.append(f"pages: {pages.get('error')}")
    real = result.get("pages_browser")
    if real:
        lines.append(f"page first render ({real.get('method', 'browser')}):")
        lines += [f"  /{p:<12}{s * 1000:>8.0f} ms" for p, s in real.get("first_render_s", {}).items()]
        if real.get("error"):
            lines.append(f"  browser: {real['error']}")
    long = result.get("long_run")
    if long:
        how = f"extrapolated from {long['steps_timed']:,} steps" if long["extrapolated"] else "measured"
        lines.append(f"200,000-step lecture run, statistics every 100 ({how}): eager {long['eager_200k_s']:,.0f} s, "
                     f"engine {long['engine_200k_s']:,.0f} s ({long['speedup']:.2f}x)")
    return "\n".join(lines)


def main(args):
    result = run(args.data, quick=args.quick, compile_step=not args.no_compile, long_steps=args.long_steps,
                 pages=not args.no_pages, browser=args.browser)
    print(json.dumps(result) if args.json else table(result))
    return 0 if result["losses_agree"] else 1


def add_parser(sub):
    b = sub.add_parser("bench", help="time the training engines, init statistics and page renders")
    b.add_argument("--data", default=None, help="word list (default: data/names.txt)")
    b.add_argument("--quick", action="store_true", help="a run of under a minute")
    b.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    b.add_argument("--no-compile", action="store_true", help="time the hand-written step uncompiled")
    b.add_argument("--no-pages", action="store_true", help="skip the AppTest page renders")
    b.add_argument("--browser", action="store_true",
                   help="also time each page's first render on a real server in headless Chromium")
    b.add_argument("--long-steps", type=int, default=None,
                   help="steps of the eager-vs-engine long run (default 20,000; --quick 1,000; 0 skips)")
    return b


if __name__ == "__main__":  # python -m makemore_core.bench
    import argparse
    parser = argparse.ArgumentParser(prog="python -m makemore_core.bench")
    add_parser(parser.add_subparsers(dest="command", required=True))
    sys.exit(main(parser.parse_args(["bench"] + sys.argv[1:])))
