"""Training throughput with the Training page open in a browser vs the headless engine.

    python bench/ui_throughput.py [--seconds 20] [--rounds 1] [--engine eager|fast-uncompiled] [--json]

One run measures both, side by side, on the lecture's config (deep MLP with BatchNorm, batch 32,
SGD lr 0.1, statistics every 100 steps, val loss every 1,000 steps: the page's defaults):

1. headless: the core Trainer in this process, one torch thread (what `python -m makemore_core
   train` does), for --seconds;
2. page: a fresh `streamlit run app.py`, the Training page open in headless Chromium (1280x800),
   Start pressed; the live view refreshes itself while we read the step counter the page shows
   every 0.1 s, over --seconds after a short warm-up: the rate is taken between the first and the
   last redraw seen;
3. headless again, so that drift on a shared machine shows up as a difference between 1 and 3.

The goal is page >= 90% of headless (issue 13; it was 80% before).
"""
import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app  # noqa: E402

from makemore_core.data import Dataset  # noqa: E402
from makemore_core.device import configure_threads  # noqa: E402
from makemore_core.model import MLP, ModelConfig  # noqa: E402
from makemore_core.training import ENGINES, TrainConfig, Trainer  # noqa: E402

WARMUP_S = 5.0
STEP_TEXT = re.compile(r"step ([\d,]+) / ([\d,]+)")


def lecture_configs(vocab_size):
    return (ModelConfig(vocab_size=vocab_size),
            TrainConfig(steps=200_000, lr_milestones=[150_000], stats_every=100, eval_every=1000))


def headless(seconds, engine="eager"):
    """Steps per second of the core Trainer on the page's default settings."""
    configure_threads()
    dataset = Dataset.from_path(ROOT / "data" / "names.txt")
    model_config, train_config = lecture_configs(len(dataset.vocab))
    if engine == "fast":                        # compare steady states: compiled on both sides
        engine = "fast-compiled"
    trainer = Trainer(MLP(model_config), dataset.tensors(model_config.block_size, "cpu"), train_config, engine=engine)
    trainer.run(steps=200)                      # warm-up: allocator, first-call costs
    start, first = time.perf_counter(), trainer.step_num
    while time.perf_counter() - start < seconds:
        trainer.run(steps=100)
    return (trainer.step_num - first) / (time.perf_counter() - start)


def _cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _descendants(root):
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            out.append(child)
            todo.append(child)
    return out


def cpu_by_side(server_pid):
    """CPU seconds used so far by the app server and by the browser (Chromium + Playwright's driver)."""
    server = _cpu_seconds(server_pid)
    browser = sum(_cpu_seconds(p) for p in _descendants(os.getpid()) if p != server_pid)
    return server, browser


def page_steps(page):
    match = STEP_TEXT.search(page.inner_text('[data-testid="stMainBlockContainer"]'))
    return int(match.group(1).replace(",", "")) if match else None


def redraw_rate(redraws):
    """Steps per second between the first and the last redraw seen. The count on the page is as old as
    its last redraw: read at fixed times, it would be up to one refresh stale at each end of the window
    (up to 7% of a 15 s window at one redraw a second, either way)."""
    if len(redraws) < 2:
        raise RuntimeError("the page redrew its step count less than twice: no rate to measure")
    (start, first), (end, last) = redraws[0], redraws[-1]
    return (last - first) / (end - start)


def with_page(seconds, engine="eager"):
    """Steps per second of a run started from the Training page while it refreshes in Chromium.
    Also counts how often the page redrew (distinct step counts seen when polling every 0.1 s)."""
    from playwright.sync_api import sync_playwright
    proc, url = start_app_server()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{url}/training")
            wait_for_app(page)
            if engine != "eager":
                select = page.locator('[data-testid="stSelectbox"]').filter(has_text="Engine")
                option = page.get_by_role("option", name=engine, exact=True)   # the core's names
                for _ in range(5):             # the first click after a load may only focus it
                    select.click()
                    time.sleep(0.5)
                    if option.count():
                        break
                option.click()
                time.sleep(1.0)
            page.get_by_role("button", name="Start a new run").click()
            if engine != "eager":
                page.wait_for_function("() => document.body.innerText.includes('engine: ')", timeout=30_000)
            if engine == "fast":                   # measure once compiled (the compile runs in the background)
                page.wait_for_function("() => document.body.innerText.includes('engine: compiled')", timeout=120_000)
            page.wait_for_function("() => /step [\\d,]+ \\/ /.test(document.body.innerText)", timeout=60_000)
            time.sleep(WARMUP_S)
            t0, c0 = time.perf_counter(), cpu_by_side(proc.pid)
            redraws, last = [], page_steps(page)   # (when the page showed a new count, the count)
            while time.perf_counter() - t0 < seconds:
                time.sleep(0.1)
                s = page_steps(page)
                if s != last:
                    redraws.append((time.perf_counter(), s))
                    last = s
            t1, c1 = time.perf_counter(), cpu_by_side(proc.pid)
            page.get_by_role("button", name="Stop & reset").click()
            browser.close()
        dt = t1 - t0
        return {"steps_per_s": redraw_rate(redraws), "redraws_per_s": len(redraws) / dt,
                "server_cores": (c1[0] - c0[0]) / dt, "browser_cores": (c1[1] - c0[1]) / dt}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window of each part")
    parser.add_argument("--rounds", type=int, default=1, help="headless/page pairs; medians are reported")
    parser.add_argument("--engine", choices=list(ENGINES), default="eager")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    heads, pages = [headless(args.seconds, args.engine)], []
    for _ in range(args.rounds):
        pages.append(with_page(args.seconds, args.engine))
        heads.append(headless(args.seconds, args.engine))
    base = statistics.median(heads)
    ui = statistics.median(p["steps_per_s"] for p in pages)
    med = {k: statistics.median(p[k] for p in pages) for k in ("redraws_per_s", "server_cores", "browser_cores")}
    result = {"engine": args.engine, "headless_steps_per_s": round(base, 1),
              "headless_each": [round(h, 1) for h in heads], "page_steps_per_s": round(ui, 1),
              "page_each": [round(p["steps_per_s"], 1) for p in pages], "ratio": round(ui / base, 3),
              "page_redraws_per_s": round(med["redraws_per_s"], 2), "server_cores": round(med["server_cores"], 2),
              "browser_cores": round(med["browser_cores"], 2), "seconds": args.seconds,
              "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"engine          : {args.engine}")
        print(f"headless engine : {base:8.1f} steps/s  (each: {', '.join(f'{h:.0f}' for h in heads)})")
        each = ", ".join(f"{p['steps_per_s']:.0f}" for p in pages)
        print(f"page in Chromium: {ui:8.1f} steps/s  (each: {each}; "
              f"page redrew {med['redraws_per_s']:.1f} times/s; server used {med['server_cores']:.2f} cores, "
              f"browser {med['browser_cores']:.2f})")
        print(f"ratio           : {ui / base:8.1%}  (goal >= 90%)")
        print(f"machine         : {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work skews this)")


if __name__ == "__main__":
    main()
