"""Screenshots of app pages in headless Chromium, to look at what a user sees.

    python scripts/screenshot.py data init --out screenshots --width 1280 --height 800

Starts its own server unless --url is given. Waits for each page to settle before shooting.
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pages", nargs="*", default=["home"])
    parser.add_argument("--url")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--full", action="store_true", help="the whole page, not only the first screen")
    parser.add_argument("--wait", type=float, default=1.5, help="extra seconds for charts to draw")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright
    proc, url = (None, args.url) if args.url else start_app_server()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            for name in args.pages:
                page.goto(f"{url}/{'' if name == 'home' else name}")
                wait_for_app(page)
                time.sleep(args.wait)
                path = out / f"{name}-{args.width}x{args.height}.png"
                page.screenshot(path=str(path), full_page=args.full)
                print(path)
            browser.close()
    finally:
        if proc:
            proc.terminate()


if __name__ == "__main__":
    main()
