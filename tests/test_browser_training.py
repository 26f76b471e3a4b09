"""The Training page in a real browser: start, watch it advance, leave and come back, pause, resume, stop."""
import re
import time

import pytest
from conftest import wait_for_app

pytestmark = pytest.mark.browser

STEP = re.compile(r"step ([\d,]+) / ([\d,]+)")
TRAINING_URL = re.compile(r"/training(\?run=\d+-[0-9a-f]+)?$")   # the address carries the shown run


def main_text(page):
    return page.inner_text('[data-testid="stMainBlockContainer"]')


def steps_shown(page):
    match = STEP.search(main_text(page))
    return int(match.group(1).replace(",", "")) if match else None


def wait_for_steps_above(page, n, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        shown = steps_shown(page)
        if shown is not None and shown > n:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"the step counter did not pass {n} (shows {steps_shown(page)})")


# The loss chart's smoothed line as drawn (its SVG path): it changes when the chart gets new steps.
SMOOTHED_PATH = """() => [...document.querySelectorAll('.st-key-tr_loss_chart svg.marks .mark-line path')]
    .find(p => (p.getAttribute('aria-label') || '').includes('series: smoothed'))?.getAttribute('d') || ''"""


def click(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def assert_no_error(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")


def test_training_runs_live_across_page_switches(page, app_url):
    page.goto(app_url)       # from Home, through the navigation, as a learner gets there
    wait_for_app(page)
    page.get_by_role("link", name="Training").first.click()
    page.wait_for_url(TRAINING_URL)
    wait_for_app(page)
    click(page, "Start a new run")
    first = wait_for_steps_above(page, 0)
    assert "/ 200,000" in main_text(page)                    # the lecture's run, from the page's defaults
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stVegaLiteChart] svg.marks').length >= 6",
                           timeout=30_000)
    line = page.evaluate(SMOOTHED_PATH)
    assert line.count("L") > 0                               # a drawn line, more than one point
    later = wait_for_steps_above(page, first + 50)           # the counter and the charts advance by themselves
    # (the line's point count is no measure: it halves whenever its buckets double)
    page.wait_for_function(f"() => ({SMOOTHED_PATH})() !== {line!r}", timeout=30_000)

    page.get_by_role("link", name="Data & vocabulary").first.click()   # leave the page ...
    page.wait_for_url("**/data")
    wait_for_app(page)
    time.sleep(1.0)
    page.get_by_role("link", name="Training").first.click()        # ... and come back: still running
    page.wait_for_url(TRAINING_URL)
    wait_for_app(page)
    back = wait_for_steps_above(page, later + 50)
    assert "training" in main_text(page)

    click(page, "Pause")
    page.wait_for_function("() => document.body.innerText.includes('paused')", timeout=10_000)
    paused_at = steps_shown(page)
    time.sleep(1.5)
    assert steps_shown(page) == paused_at >= back

    click(page, "Resume")
    wait_for_steps_above(page, paused_at + 20)

    click(page, "Stop & reset")
    page.wait_for_function("() => document.body.innerText.includes('No run shown')", timeout=10_000)
    # the run list keeps it (every run's settings wait, folded, in a second table below)
    assert page.locator('[data-testid="stDataFrame"]').filter(visible=True).count() == 1
    assert_no_error(page)


def test_server_cap_queues_a_second_tab_and_a_closed_tab_frees_its_slot(browser):
    """One training slot: tab B is told the server is busy while tab A trains; closing tab A
    releases its run (after the disconnected-session TTL and the time runs are kept for their
    browser, both shortened here) and B's run starts."""
    from conftest import start_app_server
    proc, url = start_app_server({"MAKEMORE_MAX_TRAINERS": "1", "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "2",
                                  "MAKEMORE_KEEP_RUNS_S": "2"})
    tabs = []
    try:
        for _ in range(2):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            tab = context.new_page()
            tab.goto(url)
            wait_for_app(tab)
            tab.get_by_role("link", name="Training").first.click()
            tab.wait_for_url(TRAINING_URL)
            wait_for_app(tab)
            tabs.append((context, tab))
        (context_a, tab_a), (context_b, tab_b) = tabs
        click(tab_a, "Start a new run")
        wait_for_steps_above(tab_a, 0)
        click(tab_b, "Start a new run")
        tab_b.wait_for_function("() => ['Server busy', 'queued', 'step 0 /'].every("
                                "t => document.body.innerText.includes(t))", timeout=20_000)
        time.sleep(1.0)
        assert steps_shown(tab_b) == 0                      # it waits: no step trained
        context_a.close()                                   # closing the tab releases its run
        wait_for_steps_above(tab_b, 0, timeout=60)
        # the status line shows the steps first; the rest of the page redraws after it (the old warning
        # stays, faded, until that redraw ends)
        tab_b.wait_for_function("() => !document.querySelector('[data-testid=stMainBlockContainer]')"
                                ".innerText.includes('Server busy')", timeout=20_000)
        assert_no_error(tab_b)
    finally:
        for context, _ in tabs:
            try:
                context.close()
            except Exception:  # noqa: BLE001 - already closed
                pass
        proc.terminate()
        proc.wait(timeout=10)


def test_a_run_survives_a_reload_and_its_link_shows_it_read_only_in_another_browser(page, app_url, browser):
    """F5 during a run: the page finds the same run, still training, with its controls. The same
    address in another browser (another context: other cookies) shows it live and read-only."""
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("link", name="Training").first.click()
    page.wait_for_url(TRAINING_URL)
    wait_for_app(page)
    click(page, "Start a new run")
    first = wait_for_steps_above(page, 0)
    page.wait_for_url(re.compile(r"[?&]run=\d+-[0-9a-f]+"))
    link = page.url
    page.reload()
    wait_for_app(page)
    again = wait_for_steps_above(page, first)                 # the same run kept training through the reload
    assert page.get_by_role("button", name="Pause", exact=True).is_visible()
    assert "Watching" not in main_text(page)
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        tab = other.new_page()
        tab.goto(link)
        wait_for_app(tab)
        tab.get_by_text("Watching run").filter(visible=True).first.wait_for(timeout=30_000)
        wait_for_steps_above(tab, again)                      # live
        assert tab.get_by_role("button", name="Pause", exact=True).count() == 0
        assert tab.get_by_role("button", name="Stop & reset", exact=True).count() == 0
        assert_no_error(tab)
    finally:
        other.close()
    click(page, "Stop & reset")
    page.wait_for_function("() => document.body.innerText.includes('No run shown')", timeout=10_000)
    assert_no_error(page)
