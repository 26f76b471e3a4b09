"""Browser latency of the Initialization lab against a bare Streamlit app, side by side.

    nice -n 10 python bench/latency.py --rounds 15 [--used 200] [--json]

Two servers (`app.py` and `bench/bare_app.py`), one headless Chromium. One action, timed the same
way on both: focus the gain slider's thumb, press ArrowRight (or ArrowLeft, alternating, so the
value moves back and forth), and stop the clock when the "Initial loss" metric shows a new value.
The contenders run interleaved, one press each in turn, and the figure is the median. Scenarios:

- `default`: the lab's defaults without BatchNorm (with BatchNorm the gain hardly moves the loss, so
  its 4 digits would not change: the same page, the same figures, a visible new number);
- `depth10`: the same at depth 10, width 500 (set through the address, as a shared link does);
- `fresh` / `used`: a tab that has already served `--used` presses against a freshly opened one.

The machine is shared: the load average is printed with each result, and the ratio lab / bare
(measured in the same minutes) is what counts.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app  # noqa: E402

METRIC = '[data-testid="stMetric"] [data-testid="stMetricValue"]'   # the first metric: "Initial loss" on both
SCENARIOS = {"default": "batchnorm=0", "depth10": "batchnorm=0&hidden_layers=10&n_hidden=500"}


class Tab:
    """One browser tab on one app, ready to press its gain slider."""

    def __init__(self, browser, url, label="Gain"):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.page.goto(url)
        wait_for_app(self.page, timeout=90_000)
        self.metric = self.page.locator(METRIC).first
        self.metric.wait_for(timeout=90_000)
        slider = self.page.locator('[data-testid="stSlider"]').filter(has_text=label).first
        self.thumb = slider.locator('input[type="range"]').first   # react-aria's thumb: a hidden range input
        self.presses = 0

    def press(self, timeout=60_000) -> float:
        """Seconds from the key press until the metric shows another value."""
        before = self.metric.inner_text()
        key = "ArrowRight" if self.presses % 2 == 0 else "ArrowLeft"
        self.page.bring_to_front()   # a background tab's timers are throttled
        self.thumb.focus()
        start = time.perf_counter()
        self.page.keyboard.press(key)
        self.page.wait_for_function(
            "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
            arg=[METRIC, before], polling=10, timeout=timeout)
        elapsed = time.perf_counter() - start
        self.presses += 1
        wait_for_app(self.page)  # let the rest of the rerun finish before the next press
        return elapsed

    def close(self):
        self.context.close()


def interleaved(tabs: dict, rounds: int) -> dict:
    """{name: [seconds]}: one press on each tab in turn, `rounds` times."""
    times = {name: [] for name in tabs}
    for _ in range(rounds):
        for name, tab in tabs.items():
            times[name].append(tab.press())
    return times


def summary(times: dict, floor: str) -> dict:
    medians = {name: statistics.median(t) * 1000 for name, t in times.items()}
    return {"load_average": round(os.getloadavg()[0], 2),
            "median_ms": {name: round(m, 1) for name, m in medians.items()},
            "ratio": {name: round(m / medians[floor], 2) for name, m in medians.items() if name != floor}}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--used", type=int, default=200, help="presses before the 'used tab' round (0: skip)")
    p.add_argument("--baseline", metavar="DIR", help="another checkout of the app (e.g. `git worktree add "
                   "/tmp/before <commit>`): its lab is timed too, interleaved, as `before`")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    lab_server, lab_url = start_app_server()
    bare_server, bare_url = start_app_server(script="bench/bare_app.py")
    servers = [lab_server, bare_server]
    if args.baseline:
        before_server, before_url = start_app_server(script=str(Path(args.baseline).resolve() / "app.py"))
        servers.append(before_server)
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    results = {}
    try:
        Tab(browser, f"{lab_url}/init").close()   # the server's first session: imports, caches
        if args.baseline:
            Tab(browser, f"{before_url}/init").close()
        bare = Tab(browser, bare_url)
        for name, query in SCENARIOS.items():
            tabs = {"lab": Tab(browser, f"{lab_url}/init?{query}")}
            if args.baseline:
                tabs["before"] = Tab(browser, f"{before_url}/init?{query}")
            tabs["bare"] = bare
            for tab in tabs.values():
                tab.press()  # one warm-up press each
            results[name] = summary(interleaved(tabs, args.rounds), "bare")
            for tab in tabs.values():
                if tab is not bare:
                    tab.close()
            report(name, results[name], args.json)
        if args.used:
            used = Tab(browser, f"{lab_url}/init?{SCENARIOS['default']}")
            for _ in range(args.used):
                used.press()
            fresh = Tab(browser, f"{lab_url}/init?{SCENARIOS['default']}")
            fresh.press()
            times = interleaved({"used": used, "fresh": fresh, "bare": bare}, args.rounds)
            results["used"] = {**summary(times, "bare"), "presses_before": args.used,
                               "used_vs_fresh": round(statistics.median(times["used"])
                                                      / statistics.median(times["fresh"]), 2)}
            report("used", results["used"], args.json)
    finally:
        browser.close()
        pw.stop()
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    if args.json:
        print(json.dumps(results, indent=1))


def report(name, result, quiet):
    if quiet:
        return
    print(f"{name:8s} load {result['load_average']:5.2f}  "
          + "  ".join(f"{k} {v:7.1f} ms" for k, v in result["median_ms"].items())
          + "  ratio " + "  ".join(f"{k}/bare {v:.2f}" for k, v in result["ratio"].items())
          + (f"  used/fresh {result['used_vs_fresh']:.2f}" if "used_vs_fresh" in result else ""), flush=True)


if __name__ == "__main__":
    main()
