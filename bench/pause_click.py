"""Pause on the page: from a click on Pause to the page saying "paused" (issue 12: within 0.3 s).

    nice -n 10 python bench/pause_click.py [--rounds 10]

bench/pause_latency.py times the run alone (request -> thread idle); this adds what a learner waits
for: the click, the fragment's rerun and the browser drawing it. A fresh `streamlit run app.py`, the
Training page in headless Chromium at 1280x800, the lecture's run started; each round trains a random
1 to 2 s, clicks Pause, and times until the status line reads "paused"; then Resume. Median and
maximum, with the load average (the machine is shared). The time is taken in the page, from the click
event to the change of the status line (a MutationObserver): Playwright's own waits are not in it.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app  # noqa: E402

# In the page: the time of the click on Pause, and of the first change of the status line that says "paused".
WATCH = """() => {
    window.pauseTimes = {};
    document.addEventListener('click', e => {
        if (e.target.closest('button')?.innerText.trim() === 'Pause') window.pauseTimes = {clicked: performance.now()};
    }, true);
    new MutationObserver(() => {
        const times = window.pauseTimes, line = document.querySelector('.st-key-tr_live_top')?.innerText || '';
        if (times.clicked && !times.shown && /· paused\\b/.test(line)) times.shown = performance.now();
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
SAYS = "(state) => new RegExp('· ' + state + '\\\\b').test(document.querySelector('.st-key-tr_live_top')?.innerText || '')"


def click_latencies(rounds):
    from playwright.sync_api import sync_playwright
    proc, url = start_app_server()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{url}/training")
            wait_for_app(page)
            page.get_by_role("button", name="Start a new run", exact=True).click()
            page.wait_for_function(SAYS, arg="training", timeout=60_000)
            page.evaluate(WATCH)
            latencies = []
            for _ in range(rounds):
                time.sleep(random.uniform(1.0, 2.0))       # let it train (and the live view refresh) a while
                page.get_by_role("button", name="Pause", exact=True).click()
                page.wait_for_function("() => window.pauseTimes.shown", timeout=30_000)
                latencies.append(page.evaluate("() => (window.pauseTimes.shown - window.pauseTimes.clicked) / 1000"))
                page.get_by_role("button", name="Resume", exact=True).click()
                page.wait_for_function(SAYS, arg="training", timeout=30_000)
            browser.close()
        return latencies
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=10)
    args = p.parse_args(argv)
    ms = [1000 * s for s in click_latencies(args.rounds)]
    print(f"click on Pause -> 'paused' on the page: median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms "
          f"({len(ms)} rounds, load average {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
