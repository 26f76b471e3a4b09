"""The live Training view holds still: its charts are updated in place (never blank between two
refreshes), and at 1280x800 the controls, the progress line and the four main charts fit one screen."""
import pytest
from conftest import wait_for_app

pytestmark = pytest.mark.browser
MAIN_CHARTS = ["tr_loss_chart", "tr_act_hist", "tr_ud_chart", "tr_sat_chart"]
LINES = "(key) => document.querySelectorAll('.st-key-' + key + ' svg.marks .mark-line path').length"
MARK_NODES = "(keys) => keys.forEach(k => { document.querySelector('.st-key-' + k + ' svg.marks').dataset.mark = 'first'; })"
SAME_NODES = "(keys) => keys.map(k => document.querySelector('.st-key-' + k + ' svg.marks')?.dataset.mark === 'first')"
SMOOTHED = """() => [...document.querySelectorAll('.st-key-tr_loss_chart svg.marks .mark-line path')]
    .find(p => (p.getAttribute('aria-label') || '').includes('series: smoothed'))?.getAttribute('d')"""


def box(page, key):
    return page.locator(f".st-key-{key}").first.bounding_box()


@pytest.fixture(scope="module")
def live_url():
    """A server of their own for these tests: on the shared one, runs that earlier tests left training (they
    keep training after their tab has gone) take the cores and the training slots this layout depends on."""
    from conftest import start_app_server
    proc, url = start_app_server()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def running(page, live_url):
    """The Training page with the lecture's run started (stopped at the end)."""
    page.goto(f"{live_url}/training")
    wait_for_app(page)
    page.get_by_role("button", name="Start a new run", exact=True).click()
    page.wait_for_function(f"() => ({LINES})('tr_act_hist') >= 3", timeout=60_000)   # the first statistics step
    yield page
    page.get_by_role("button", name="Stop & reset", exact=True).click()


def test_live_charts_are_updated_in_place_never_blank(running):
    page = running
    page.evaluate(MARK_NODES, MAIN_CHARTS)
    before = page.evaluate(SMOOTHED)
    blank = {key: 0 for key in MAIN_CHARTS}
    for _ in range(30):                       # about 6 s: three chart refreshes or more
        for key in MAIN_CHARTS:
            blank[key] += page.evaluate(LINES, key) == 0
        page.wait_for_timeout(150)
    page.wait_for_function(f"() => ({SMOOTHED})() !== {before!r}", timeout=20_000)   # the loss did move on
    assert blank == {key: 0 for key in MAIN_CHARTS}, f"frames with a blank chart: {blank}"
    assert page.evaluate(SAME_NODES, MAIN_CHARTS) == [True] * 4, "a chart was redrawn from scratch"
    assert page.locator('[data-testid="stException"]').count() == 0


def test_controls_progress_and_four_charts_fit_one_screen_and_controls_stay(running):
    page = running
    height = page.viewport_size["height"]
    # after Start the page scrolls to the live view by itself (until the charts below are drawn and the
    # controls stay put); the layout is what this test checks, so it brings the view there too, as a learner
    # would, in case a busy machine drew the charts after the page stopped trying
    page.wait_for_function("() => [...document.querySelectorAll('*')].some(e => e.scrollTop > 0)", timeout=30_000)
    page.wait_for_function("(keys) => keys.every(k => document.querySelector('.st-key-' + k + ' svg.marks'))",
                           arg=MAIN_CHARTS, timeout=30_000)
    controls, first = box(page, "tr_live_top"), box(page, "tr_loss_chart")   # the wheel, as a learner scrolls
    page.mouse.move(controls["x"] + 10, 700)
    page.mouse.wheel(0, first["y"] - (controls["y"] + controls["height"] + 16))
    fits = """(keys) => {
        const rect = (key) => document.querySelector('.st-key-' + key).getBoundingClientRect();
        const top = rect('tr_live_top');
        return top.top >= 0 && keys.every(k => top.bottom <= rect(k).top && rect(k).bottom <= window.innerHeight);
    }"""
    try:
        page.wait_for_function(fits, arg=MAIN_CHARTS, timeout=30_000)
    except Exception:   # say where everything was
        where = {k: box(page, k) for k in ["tr_live_top", *MAIN_CHARTS]}
        raise AssertionError(f"the live view does not fit: {where}\n{page.inner_text('.st-key-tr_live_top')}")
    top = box(page, "tr_live_top")                            # Pause ... Download, the status and progress line
    assert top["y"] >= 0 and top["y"] + top["height"] <= height
    assert page.get_by_role("button", name="Pause", exact=True).is_visible()
    assert page.locator('[data-testid="stProgress"]').first.is_visible()
    for key in MAIN_CHARTS:
        chart = box(page, key)
        assert top["y"] + top["height"] <= chart["y"] and chart["y"] + chart["height"] <= height, (key, chart)
    page.mouse.move(800, 500)
    page.mouse.wheel(0, 900)                                  # down to the gradient charts: the controls stay
    page.wait_for_function("() => document.querySelector('.st-key-tr_grad_hist').getBoundingClientRect().top < 500")
    top = box(page, "tr_live_top")
    assert top["y"] >= 0 and top["y"] + top["height"] <= height
    page.get_by_role("button", name="Pause", exact=True).click()   # and they work from there
    page.wait_for_function("() => document.body.innerText.includes('paused')", timeout=10_000)
