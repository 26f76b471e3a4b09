"""Each Lecture chapter's first view on a freshly started server, in headless Chromium (issue 28 item 1).

    python -m makemore_core prepare --data data/names.txt          # once, into $MAKEMORE_CACHE_DIR
    MAKEMORE_CACHE_DIR=... python bench/lecture_first_view.py [--json]

One server, started on the cache directory given; each chapter opened once, in a browser context of
its own, in the chapters' order: the time from the address to the chapter drawn (the script run ended,
its header on screen). The server's first chapter also pays what every chapter shares (the word list's
tensors). Without a prepared cache, the chapters that train compute on this first view instead.
"""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app, wait_for_rerun  # noqa: E402

from ui.lecture import CHAPTERS, chapter_id  # noqa: E402


def first_views(url) -> dict:
    from playwright.sync_api import sync_playwright
    seconds = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        warm = browser.new_page()               # the app's own first page: not a chapter's cost
        warm.goto(url)
        wait_for_app(warm, timeout=120_000)
        warm.close()
        for chapter in CHAPTERS:
            cid = chapter_id(chapter)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{url}/lecture?chapter={cid}")
            wait_for_app(page, timeout=600_000)
            wait_for_rerun(page, timeout=600_000)
            page.locator('[data-testid="stMain"] h2').first.wait_for(timeout=600_000)
            seconds[cid] = round(time.perf_counter() - start, 2)
            context.close()
        browser.close()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    proc, url = start_app_server(timeout=180)
    try:
        seconds = first_views(url)
    finally:
        proc.terminate()
        proc.wait(30)
    if args.json:
        print(json.dumps(seconds))
    else:
        for cid, s in seconds.items():
            print(f"{s:6.2f} s  {cid}")
        print(f"slowest {max(seconds.values()):.2f} s")


if __name__ == "__main__":
    main()
