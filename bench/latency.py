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

`--pages`: every page against the same bare app, two figures each, interleaved page / bare:
- first view: a new browser context opens the page's address; until its script has finished and
  its title is drawn (goal: within 2x the bare app's first view);
- control: ArrowRight / ArrowLeft on the page's first slider in the main area; from the key press
  (in the page's clock) until the page shows its last change: the frame after the last change to the
  page, or the end of the last frame the browser was late for (a canvas drawn), whichever is later,
  once 500 ms have passed with neither (goal: within 3x the bare app's slider). The end of the rerun
  (the script state) is too early: a plotly chart is drawn after it.

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
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

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


PAGES = ["home", "data", "context", "embeddings", "init", "training", "evaluation", "sampling", "lecture"]
SETTLE_CLOCK = """() => {   // key press -> the page has stopped changing, in the page's clock
  window.__settle?.stop();   // the last press's clock: its frame loop and observer would run on beside this one
  const t = window.__settle = {down: null, changed: null, busy: null, ticks: [], stopped: false};
  // The last change to the page, not counting the hidden accessibility table a data grid keeps inside its
  // canvas (glide redraws it about 200 ms after the grid itself).
  const seen = new MutationObserver((ms) => {
    if (t.down !== null && ms.some(m => !(m.target.closest ? m.target : m.target.parentElement)?.closest('canvas')))
      t.changed = performance.now();
  });
  seen.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  t.stop = () => { t.stopped = true; seen.disconnect(); };
  document.addEventListener('keydown', () => {
    t.down = performance.now();
    let previous = t.down;
    const tick = () => {   // a frame late by more than 25 ms: the main thread was busy (drawing a canvas, say)
      const now = performance.now();
      if (now - previous > 25) t.busy = now;
      previous = now; t.ticks.push(now);
      if (!t.stopped && now - t.down < 10000) requestAnimationFrame(tick); else t.stop();
    };
    requestAnimationFrame(tick);
  }, {capture: true, once: true});
}"""
SETTLED = """() => { const t = window.__settle;   // 500 ms with no change and no busy frame
  return t.down !== null && t.changed !== null && performance.now() - Math.max(t.changed, t.busy ?? 0) > 500; }"""
SETTLED_AT = """() => { const t = window.__settle;   // the frame that showed the last change, or the last busy frame
  const shown = t.ticks.find(x => x > t.changed) ?? t.changed;
  return (Math.max(shown, t.busy ?? 0) - t.down) / 1000; }"""


SCRIPT_DONE = "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"


def first_view(browser, url) -> float:
    """Seconds from opening `url` in a new context (a new session) until its script has finished."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    wait_for_app(page, timeout=120_000)
    page.wait_for_function(SCRIPT_DONE, timeout=120_000)
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed


class PageTab:
    """A page's first slider in the main area, timed until the page settles after a key press."""

    def __init__(self, browser, url):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.page.goto(url)
        wait_for_app(self.page, timeout=120_000)
        self.page.wait_for_function(SCRIPT_DONE, timeout=120_000)
        slider = self.page.locator('[data-testid="stMainBlockContainer"] [data-testid="stSlider"]:visible').first
        try:   # a fragment (the lab) draws after the page's title
            slider.wait_for(timeout=20_000)
            self.thumb = slider.locator('input[type="range"]').first
        except PlaywrightTimeout:
            self.thumb = None   # a page without a slider
        self.presses = 0

    def press(self, timeout=60_000) -> float:
        """Seconds from the key press until the page showed its last change (see SETTLE_CLOCK). A slider
        at one end does not move: after 5 s without a change the other arrow is pressed, on a fresh clock."""
        self.page.bring_to_front()
        for attempt in range(2):
            self.thumb.focus()
            self.page.evaluate(SETTLE_CLOCK)
            self.page.keyboard.press("ArrowRight" if self.presses % 2 == 0 else "ArrowLeft")
            self.presses += 1
            try:
                self.page.wait_for_function(SETTLED, polling=50, timeout=5_000 if attempt == 0 else timeout)
                break
            except PlaywrightTimeout:
                if attempt == 1:
                    raise
        wait_for_app(self.page)
        return self.page.evaluate(SETTLED_AT)

    def close(self):
        self.context.close()


def every_page(browser, lab_url, bare_url, rounds, quiet, pages=PAGES, before_url=None):
    """{page: {first view and control medians, ratios to the bare app}}, each page interleaved with it
    (and with the same page of `before_url`, another checkout, when given)."""
    bare = PageTab(browser, bare_url)
    results = {}
    for name in pages:
        path = '' if name == 'home' else name
        apps = {"page": f"{lab_url}/{path}"} | ({"before": f"{before_url}/{path}"} if before_url else {})
        views = {label: [] for label in [*apps, "bare"]}
        for _ in range(rounds):
            for label, url in apps.items():
                views[label].append(first_view(browser, url))
            views["bare"].append(first_view(browser, bare_url))
        result = {"first_view": summary(views, "bare")}
        tabs = {label: PageTab(browser, url) for label, url in apps.items()}
        try:
            if all(tab.thumb is not None for tab in tabs.values()):
                for tab in tabs.values():
                    tab.press()
                result["control"] = summary(interleaved(tabs | {"bare": bare}, rounds), "bare")
        except PlaywrightTimeout as e:
            result["control_error"] = f"a slider press started no rerun (in a form?): {str(e).splitlines()[0]}"
        for tab in tabs.values():
            tab.close()
        results[name] = result
        if not quiet:
            for what, r in result.items():
                if isinstance(r, dict):
                    report(f"{name} {what}", r, False)
                else:
                    print(f"{name} {what}: {r}", flush=True)
    bare.close()
    return results


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


def lab_scenarios(browser, lab_url, bare_url, before_url, args):
    """{scenario: medians and ratios}: the lab's gain slider (and `before`'s) against the bare app."""
    results = {}
    bare = Tab(browser, bare_url)
    for name, query in SCENARIOS.items():
        tabs = {"lab": Tab(browser, f"{lab_url}/init?{query}")}
        if before_url:
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
    return results


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--used", type=int, default=200, help="presses before the 'used tab' round (0: skip)")
    p.add_argument("--baseline", metavar="DIR", help="another checkout of the app (e.g. `git worktree add "
                   "/tmp/before <commit>`): its lab (with --pages: its pages) is timed too, interleaved, as `before`")
    p.add_argument("--pages", action="store_true", help="every page's first view and first slider instead "
                   "of the lab's scenarios")
    p.add_argument("--only", nargs="+", choices=PAGES, default=PAGES, help="with --pages: these pages only")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    lab_server, lab_url = start_app_server()
    bare_server, bare_url = start_app_server(script="bench/bare_app.py")
    servers, before_url = [lab_server, bare_server], None
    if args.baseline:
        before_server, before_url = start_app_server(script=str(Path(args.baseline).resolve() / "app.py"))
        servers.append(before_server)
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    results = {}
    try:
        for url in filter(None, (lab_url, before_url)):
            Tab(browser, f"{url}/init").close()   # each server's first session: imports, caches
        if args.pages:
            results = every_page(browser, lab_url, bare_url, args.rounds, args.json, args.only, before_url)
        else:
            results = lab_scenarios(browser, lab_url, bare_url, before_url, args)
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
    print(f"{name:18s} load {result['load_average']:5.2f}  "
          + "  ".join(f"{k} {v:7.1f} ms" for k, v in result["median_ms"].items())
          + "  ratio " + "  ".join(f"{k}/bare {v:.2f}" for k, v in result["ratio"].items())
          + (f"  used/fresh {result['used_vs_fresh']:.2f}" if "used_vs_fresh" in result else ""), flush=True)


if __name__ == "__main__":
    main()
