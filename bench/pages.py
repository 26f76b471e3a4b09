"""Page timings: each page's first render, and the Initialization lab's rerun after a slider change.

    python bench/pages.py [--repeats 3] [--browser] [--json]

AppTest runs the app in this process (server-side script time, no browser); --browser also opens
each page on a freshly started server in headless Chromium (what a person waits for). Kept out of
makemore_core, which never imports Streamlit; `python bench/engines.py` times the engines.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, stop_server, wait_for_app  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = ["home", "data", "context", "embeddings", "init", "training", "evaluation", "sampling"]


def time_pages(repeats):
    """AppTest (headless, in this process): first render of each page, then the Initialization
    lab's rerun after a slider change. 'First' means a fresh AppTest session; Python modules and
    st.cache_* stay warm after the first page, as on a running server."""
    app = str(ROOT / "app.py")
    result = {"method": "streamlit AppTest, in-process (server-side script time, no browser)", "first_render_s": {}}
    for page in PAGES:
        times = []
        for _ in range(repeats):
            at = AppTest.from_file(app, default_timeout=120)
            start = time.perf_counter()
            at.run()
            if page != "home":
                at.switch_page(f"pages/{page}.py").run()
            times.append(time.perf_counter() - start)
            if at.exception:
                result.setdefault("errors", {})[page] = str(at.exception[0].value)[:200]
        result["first_render_s"][page] = round(statistics.median(times), 3)
    result["init_slider_rerun_s"] = _init_slider_rerun(app, repeats)
    return result


def _init_slider_rerun(app, repeats):
    at = AppTest.from_file(app, default_timeout=120)
    at.run()
    at.switch_page("pages/init.py").run()
    try:
        at.slider(key="init_hidden_layers")
    except Exception:  # the page changed: no such slider
        return None
    times = []
    for r in range(repeats):
        value = [3, 5, 7, 4, 6][r % 5]
        start = time.perf_counter()
        at.slider(key="init_hidden_layers").set_value(value).run()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def time_pages_browser():
    """A real server and headless Chromium: for each page, a fresh browser context (a new session)
    opens its URL; the time until the script has finished and the page title is drawn. The first
    page also pays the server's first session (imports, caches)."""
    from playwright.sync_api import sync_playwright
    if chromium_path() is None:
        return {"error": "Chromium is not installed"}
    proc, url = start_app_server()
    result = {"method": "fresh streamlit server + headless Chromium, one new session per page", "first_render_s": {}}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            for page_name in PAGES:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(f"{url}/{'' if page_name == 'home' else page_name}")
                wait_for_app(page, timeout=120_000)
                result["first_render_s"][page_name] = round(time.perf_counter() - start, 3)
                context.close()
            browser.close()
    except Exception as e:
        result["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    finally:
        stop_server(proc)
    return result


def table(result):
    lines = []
    for key in ("apptest", "browser"):
        timing = result.get(key)
        if not timing:
            continue
        lines.append(f"page first render ({timing.get('method', key)}):")
        lines += [f"  /{p:<12}{s * 1000:>8.0f} ms" for p, s in timing.get("first_render_s", {}).items()]
        if timing.get("init_slider_rerun_s") is not None:
            lines.append(f"  /init rerun after a slider change: {timing['init_slider_rerun_s'] * 1000:.0f} ms")
        for page, err in timing.get("errors", {}).items():
            lines.append(f"  /{page}: exception {err}")
        if timing.get("error"):
            lines.append(f"  error: {timing['error']}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(prog="python bench/pages.py")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also a real server + headless Chromium")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = {"apptest": time_pages(args.repeats)}
    if args.browser:
        result["browser"] = time_pages_browser()
    print(json.dumps(result) if args.json else table(result))


if __name__ == "__main__":
    main()
