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


def open_training_run(browser, url):
    """A tab on the Training page with the lecture's run started, then paused; the clock script installed."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{url}/training")
    wait_for_app(page)
    page.get_by_role("button", name="Start a new run", exact=True).click()
    page.wait_for_function(SAYS, arg="training", timeout=60_000)
    page.evaluate(WATCH)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function(SAYS, arg="paused", timeout=30_000)
    return page


def one_pause(page):
    """Resume, let it train (and the live view refresh) a while, Pause: seconds from the click to 'paused'."""
    page.get_by_role("button", name="Resume", exact=True).click()
    page.wait_for_function(SAYS, arg="training", timeout=30_000)
    time.sleep(random.uniform(1.0, 2.0))
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("() => window.pauseTimes.shown", timeout=30_000)
    return page.evaluate("() => (window.pauseTimes.shown - window.pauseTimes.clicked) / 1000")


def click_latencies(rounds, checkouts):
    """{checkout: [seconds, ...]}: the checkouts take turns, one pause each, only one run training at a time."""
    from playwright.sync_api import sync_playwright
    servers = {name: start_app_server(script=str(Path(root) / "app.py")) for name, root in checkouts.items()}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            pages = {name: open_training_run(browser, url) for name, (_, url) in servers.items()}
            latencies = {name: [] for name in checkouts}
            for _ in range(rounds):
                for name, page in pages.items():
                    latencies[name].append(one_pause(page))
            browser.close()
        return latencies
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=10)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--baseline", metavar="DIR", help="another checkout of the app (e.g. `git worktree add "
                                                     "/tmp/before <commit>`), timed in turns with this one")
    args = p.parse_args(argv)
    checkouts = {"this checkout": ROOT, **({"baseline": Path(args.baseline).resolve()} if args.baseline else {})}
    for name, seconds in click_latencies(args.rounds, checkouts).items():
        ms = sorted(1000 * s for s in seconds)
        within = sum(m <= 300 for m in ms)
        print(f"{name}: click on Pause -> 'paused' on the page: median {statistics.median(ms):.0f} ms, "
              f"max {ms[-1]:.0f} ms, {within} of {len(ms)} within 300 ms")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
