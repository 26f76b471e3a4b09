"""A small class on one server, on this machine only (loopback): N sessions open the Training page at
once on a just-started server, each starts a short run and watches it; then they close. Prints first
render times, trainers at once, runs finished, the server's peak memory (RSS) and its threads after.

    python bench/load.py --students 30 --steps 300              # N headless Chromium tabs
    python bench/load.py --students 30 --steps 300 --no-browser  # N WebSocket sessions: the server alone

With browsers on the same 2 cores, the browsers' own drawing is most of what is measured; --no-browser
sessions (tests/streamlit_client.py) speak the app's protocol without drawing, which is what a class
costs the server when the students' browsers run on their own machines.
Bounded: every wait has a timeout, the server is started on 127.0.0.1 and stopped at the end.
"""
import argparse
import asyncio
import os
import re
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app  # noqa: E402
from streamlit_client import process_figures, simulate_class  # noqa: E402

STEP = re.compile(r"step ([\d,]+) / ([\d,]+)")
TRAINING = re.compile(r"Run \d+ · .* · training\b")     # a run's status line, as the browser shows it
SERVER_ENV = {"MAKEMORE_KEEP_RUNS_S": "5", "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "2"}


def in_browsers(url, pid, students, steps, timeout):
    """The class in headless Chromium tabs; returns the same figures as simulate_class."""
    from playwright.sync_api import sync_playwright

    idle = process_figures(pid)
    peak = list(idle)
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            rss, threads = process_figures(pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], threads)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    figures = {"students": students, "steps": steps, "trainers_at_once": 0, "runs_finished": 0}
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        tabs, renders = [], []
        for _ in range(students):          # open every tab first: they load at the same time
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            tab = context.new_page()
            tab.goto(f"{url}/training", wait_until="commit")
            tabs.append((context, tab, time.perf_counter()))
        for _, tab, started in tabs:
            wait_for_app(tab, timeout=timeout * 1000)
            tab.get_by_role("button", name="Start a new run").wait_for(timeout=timeout * 1000)
            renders.append(time.perf_counter() - started)
        figures["first_render_s"] = sorted(renders)
        for _, tab, _ in tabs:
            steps_box = tab.get_by_label("Steps", exact=True)   # the settings are open while no run is shown
            steps_box.fill(str(steps))
            steps_box.press("Enter")
            wait_for_app(tab)
            tab.get_by_role("button", name="Start a new run").click()
        deadline = time.time() + timeout
        while time.time() < deadline:
            texts = [tab.inner_text('[data-testid="stMainBlockContainer"]') for _, tab, _ in tabs]
            figures["trainers_at_once"] = max(figures["trainers_at_once"], sum(bool(TRAINING.search(t)) for t in texts))
            figures["runs_finished"] = sum(1 for t in texts for m in [STEP.search(t)] if m and m.group(1) == m.group(2))
            if figures["runs_finished"] == students:
                break
            time.sleep(1.0)
        figures["rss_mb"] = {"idle": idle[0], "peak": peak[0]}
        figures["threads"] = {"idle": idle[1], "peak": peak[1]}
        for context, _, _ in tabs:
            context.close()
        time.sleep(10)                      # the disconnect TTL and the keep time, both shortened here
        figures["rss_mb"]["after"], figures["threads"]["after"] = process_figures(pid)
    finally:
        stop.set()
        browser.close()
        pw.stop()
    return figures


def report(figures, load_before):
    renders = figures["first_render_s"]
    rss, threads = figures["rss_mb"], figures["threads"]
    print(f"students {figures['students']}, steps per run {figures['steps']}")
    print(f"first render: median {renders[len(renders) // 2]:.1f} s, slowest {renders[-1]:.1f} s")
    seen = figures["trainers_at_once"] or "none seen at a sample (every run was shorter than a sampling round)"
    print(f"trainers at once: {seen} (cap MAKEMORE_MAX_TRAINERS)")
    print(f"runs finished: {figures['runs_finished']} of {figures['students']}")
    print(f"server RSS: idle {rss['idle']:.0f} MB, peak {rss['peak']:.0f} MB "
          f"(~{(rss['peak'] - rss['idle']) / figures['students']:.0f} MB per student); after closing {rss['after']:.0f} MB")
    print(f"server threads: idle {threads['idle']}, peak {threads['peak']}, after closing {threads['after']}")
    print(f"load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--students", type=int, default=8)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--no-browser", action="store_true", help="WebSocket sessions instead of Chromium tabs")
    args = p.parse_args()
    load_before = os.getloadavg()[0]
    proc, url = start_app_server(SERVER_ENV)
    try:
        if args.no_browser:
            figures = asyncio.run(simulate_class(url, proc.pid, args.students, args.steps, args.timeout))
        else:
            figures = in_browsers(url, proc.pid, args.students, args.steps, args.timeout)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    report(figures, load_before)


if __name__ == "__main__":
    main()
