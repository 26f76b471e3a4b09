"""A small class on one server, on this machine only (loopback): N browser contexts open the app at
once, go to Training and each start a short run; then they close. Prints first-render times, the
server's peak memory (RSS) and threads, trainers at once, and how many runs finished.

    python bench/load.py --students 8 --steps 2000

Bounded: every wait has a timeout, the server is started on 127.0.0.1 and stopped at the end.
"""
import argparse
import re
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app  # noqa: E402

STEP = re.compile(r"step ([\d,]+) / ([\d,]+)")


def rss_and_threads(pid):
    """(RSS in MB, threads) of a process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--students", type=int, default=8)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--timeout", type=float, default=300)
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    proc, url = start_app_server({"MAKEMORE_KEEP_RUNS_S": "5", "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "2"})
    peak = {"rss": 0.0, "threads": 0}
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            rss, threads = rss_and_threads(proc.pid)
            peak["rss"], peak["threads"] = max(peak["rss"], rss), max(peak["threads"], threads)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    idle_rss, idle_threads = rss_and_threads(proc.pid)
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        tabs, renders = [], []
        for _ in range(args.students):          # open every tab first: they load at the same time
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            tab = context.new_page()
            tab.goto(f"{url}/training", wait_until="commit")
            tabs.append((context, tab, time.perf_counter()))
        for _, tab, started in tabs:
            wait_for_app(tab, timeout=args.timeout * 1000)
            tab.get_by_role("button", name="Start a new run").wait_for(timeout=args.timeout * 1000)
            renders.append(time.perf_counter() - started)
        for _, tab, _ in tabs:
            steps = tab.get_by_label("Steps", exact=True)   # the settings are open while no run is shown
            steps.fill(str(args.steps))
            steps.press("Enter")
            wait_for_app(tab)
            tab.get_by_role("button", name="Start a new run").click()
        finished, deadline = 0, time.time() + args.timeout
        while time.time() < deadline:
            texts = [tab.inner_text('[data-testid="stMainBlockContainer"]') for _, tab, _ in tabs]
            finished = sum(1 for t in texts for m in [STEP.search(t)] if m and m.group(1) == m.group(2))
            if finished == len(tabs):
                break
            time.sleep(1.0)
        during_rss, during_threads = peak["rss"], peak["threads"]
        for context, _, _ in tabs:
            context.close()
        time.sleep(10)                          # the disconnect TTL and the keep time, both shortened here
        after_rss, after_threads = rss_and_threads(proc.pid)
    finally:
        stop.set()
        browser.close()
        pw.stop()
        proc.terminate()
        proc.wait(timeout=10)
    renders.sort()
    print(f"students {args.students}, steps per run {args.steps}")
    print(f"first render: median {renders[len(renders) // 2]:.1f} s, slowest {renders[-1]:.1f} s")
    print(f"runs finished: {finished} of {args.students}")
    print(f"server RSS: idle {idle_rss:.0f} MB, peak {during_rss:.0f} MB "
          f"(~{(during_rss - idle_rss) / args.students:.0f} MB per student); after closing {after_rss:.0f} MB")
    print(f"server threads: idle {idle_threads}, peak {during_threads}, after closing {after_threads}")


if __name__ == "__main__":
    main()
