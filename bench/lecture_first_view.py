"""Each Lecture chapter's first view on a freshly started server, in headless Chromium (issue 28 item 1),
beside a bare Streamlit app's first view measured the same way in the same run.

    python -m makemore_core prepare --data data/names.txt          # once, into $MAKEMORE_CACHE_DIR
    MAKEMORE_CACHE_DIR=... python bench/lecture_first_view.py [--rounds 1] [--json]

Two servers (app.py and bench/bare_app.py: one slider, one metric) and one Chromium. Each chapter is
opened once per round in a browser context of its own, in the chapters' order, each right after a first
view of the bare app (so each figure has a yardstick measured seconds apart). Every time is in the page's
own clock, from the navigation's start:
- load: the HTML and the JavaScript bundle ready (DOMContentLoaded): the same for every Streamlit app;
- first / last frame: the server's first and last WebSocket message (the script's run, on the server);
- finished: the browser has handled the script-finished message;
- drawn: the chapter's header is on screen, no element is still a skeleton (Streamlit loads the code of
  most elements on first use: plotly's is 4.7 MB, Vega-Lite's 0.8 MB), and every chart is drawn
  (Vega-Lite's and plotly's axes, the dataframes' canvas), after the view's last script run. This is
  the chapter's first view, in a browser that has not seen the app before (a fresh context: no cache);
- settled: the page's last change (any DOM mutation: late layout, a chart's resize) before it stayed
  quiet for 0.7 s, an upper bound.
The run's load average is printed before and after. The server's first chapter also pays what every
chapter shares (the word list's tensors): the app's own first page is opened once before the chapters.
"""
import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, stop_server, wait_for_app  # noqa: E402

from ui.lecture import CHAPTERS, chapter_id  # noqa: E402

# Installed before the page's own scripts: timestamps (performance.now(), ms from the navigation's start)
# of the WebSocket messages, the script-state changes, and the first animation frame at which the view
# is drawn after the last run.
MARKS = """
(() => {
  const m = window.__view = {frames: 0, bytes: 0, first: null, last: null, runs: 0, finished: null,
                             drawn: null, changed: performance.now()};
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', (e) => {
      const now = performance.now();
      m.frames += 1; m.first = m.first ?? now; m.last = now;
      m.bytes += e.data.byteLength ?? e.data.size ?? e.data.length;
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
  new MutationObserver(() => { m.changed = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  const drawn = (heading) => {
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || !main.querySelector(heading)) return false;
    const all = (sel, inner) => [...main.querySelectorAll(sel)].every(el => el.querySelector(inner));
    return !main.querySelector('[data-testid="stSkeleton"]')     // an element whose code is still loading
      && all('[data-testid="stVegaLiteChart"]', 'svg.marks .role-axis, canvas')
      && all('[data-testid="stPlotlyChart"]', '.main-svg .xtick')
      && all('[data-testid="stDataFrame"]', 'canvas');
  };
  const tick = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running' && m.state !== 'running') { m.runs += 1; m.finished = null; m.drawn = null; }
    if (state === 'notRunning' && m.state === 'running') m.finished = performance.now();
    m.state = state;
    if (m.finished !== null && m.drawn === null && drawn(window.__heading)) m.drawn = performance.now();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""
# The view is over when it is drawn and nothing has changed in the page for QUIET ms since (a later rerun
# would reset `drawn`); the wait is not part of the figure, which is the drawn timestamp.
QUIET = 700
SETTLED = f"() => window.__view && window.__view.drawn !== null && performance.now() - window.__view.changed > {QUIET}"


def first_view(browser, address, heading, timeout=120_000) -> dict:
    """One first view in a fresh browser context: the timestamps above, in seconds, and the page's size."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(f"window.__heading = {json.dumps(heading)};" + MARKS)
    page = context.new_page()
    page.goto(address)
    page.wait_for_function(SETTLED, timeout=timeout, polling=100)
    view = page.evaluate("window.__view")
    load = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    charts = page.locator('[data-testid="stMain"] :is([data-testid="stVegaLiteChart"], [data-testid="stPlotlyChart"])')
    result = {"load": load / 1000, "first": view["first"] / 1000, "last": view["last"] / 1000,
              "finished": view["finished"] / 1000, "drawn": view["drawn"] / 1000, "settled": view["changed"] / 1000,
              "runs": view["runs"],
              "kb": view["bytes"] / 1000, "elements": page.locator('[data-testid="stElementContainer"]').count(),
              "charts": charts.count()}
    context.close()
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}


def first_views(url, bare_url, rounds) -> list[dict]:
    from playwright.sync_api import sync_playwright
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for warm in (url, bare_url):            # each server's own first page: not a chapter's cost
            page = browser.new_page()
            page.goto(warm)
            wait_for_app(page, timeout=120_000)
            page.close()
        for _ in range(rounds):
            for chapter in CHAPTERS:
                cid = chapter_id(chapter)
                bare = first_view(browser, bare_url, "h1")
                view = first_view(browser, f"{url}/lecture?chapter={cid}", "h2")
                rows.append({"chapter": cid, **view, "bare": bare["drawn"], "bare_load": bare["load"]})
        browser.close()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="chapters opened this many times each")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    proc, url = start_app_server(timeout=180)
    bare, bare_url = start_app_server(timeout=180, script="bench/bare_app.py")
    try:
        rows = first_views(url, bare_url, args.rounds)
    finally:
        stop_server(proc)
        stop_server(bare)
    loads = {"before": [round(x, 1) for x in load_before], "after": [round(x, 1) for x in os.getloadavg()]}
    if args.json:
        print(json.dumps({"load_average": loads, "views": rows}))
        return
    print(f"load average (1, 5, 15 min) before {loads['before']}, after {loads['after']}; times in s from the navigation")
    print(f"{'chapter':16} {'load':>5} {'first':>6} {'last':>6} {'finish':>6} {'drawn':>6} {'bare':>5} {'ratio':>5}"
          f" {'settle':>6} {'KB':>6} {'elem':>4} {'charts':>6}")
    for r in rows:
        print(f"{r['chapter']:16} {r['load']:5.2f} {r['first']:6.2f} {r['last']:6.2f} {r['finished']:6.2f} "
              f"{r['drawn']:6.2f} {r['bare']:5.2f} {r['drawn'] / r['bare']:5.1f} {r['settled']:6.2f} {r['kb']:6.0f} {r['elements']:4d} "
              f"{r['charts']:6d}" + (f"  ({r['runs']} runs)" if r["runs"] != 1 else ""))
    drawn = [r["drawn"] for r in rows]
    print(f"slowest {max(drawn):.2f} s, median {statistics.median(drawn):.2f} s; "
          f"bare app median {statistics.median(r['bare'] for r in rows):.2f} s")


if __name__ == "__main__":
    main()
