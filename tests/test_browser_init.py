"""The Initialization lab in headless Chromium: a deep link, presets, Compare, the projector layout."""
import pytest
from conftest import wait_for_app

pytestmark = pytest.mark.browser
ACTIVATIONS = '.st-key-init_tab [data-testid="stVegaLiteChart"]'   # the open tab's chart: Activations


def open_lab(page, url):
    page.goto(f"{url}/init")
    wait_for_app(page)
    page.wait_for_selector(f"{ACTIVATIONS} .role-legend-label text", timeout=30_000)


def legends(page):
    return page.locator(f"{ACTIVATIONS} .role-legend-label text").evaluate_all(
        "els => els.map(e => e.textContent)")


DASHES = f"""() => [...document.querySelectorAll('{ACTIVATIONS} svg .mark-line path')]
    .map(e => e.getAttribute('stroke-dasharray'))"""


def test_lab_deep_link_presets_and_compare(page, app_url):
    from playwright.sync_api import expect
    open_lab(page, app_url)
    body = page.inner_text("body")
    assert "Initialization lab" in page.locator("h1").first.inner_text()
    assert "Data set:" in body  # the app's sidebar: the page ran inside st.navigation
    assert "about right" in body and "layer 2 (Tanh)" in legends(page)
    assert page.locator('[data-testid="stException"]').count() == 0

    page.get_by_role("button", name="Original init", exact=True).click()
    expect(page.get_by_text("confidently wrong", exact=False).first).to_be_visible(timeout=30_000)

    page.get_by_role("button", name="Pin these settings as A", exact=True).click()
    expect(page.get_by_role("button", name="Unpin A", exact=True)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Lecture's final net", exact=True).click()
    # B has BatchNorm now: its tanh layers are 2, 5, ... (A's, without, 1, 3, ...)
    page.wait_for_function(f"""() => [...document.querySelectorAll('{ACTIVATIONS} .role-legend-label text')]
        .some(e => e.textContent == 'layer 2 (Tanh)')""", timeout=30_000)
    # A dashed and B solid, one colour per layer: ten lines, the legend names the layers once
    page.wait_for_function(f"() => ({DASHES})().length == 10", timeout=30_000)
    dashes = page.evaluate(DASHES)
    assert dashes.count("6,4") == 5 and len(set(dashes)) == 2   # the other five: solid ("1,0")
    assert "layer 1 (Tanh)" in legends(page) and "layer 2 (Tanh)" in legends(page)
    assert "A: Original init" in page.inner_text("body").replace("\n", " ")
    page.get_by_role("button", name="Unpin A", exact=True).click()
    expect(page.get_by_role("button", name="Pin these settings as A", exact=True)).to_be_visible(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


DRAWN_CHARTS = """(n) => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.querySelector('svg .mark-rect, svg .mark-line') && c.getBoundingClientRect().height > 0).length >= n"""


def test_projector_layout_fits_1920x1080(browser, app_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        open_lab(page, app_url)
        page.wait_for_function(DRAWN_CHARTS, arg=3, timeout=30_000)   # loss, logits, activations
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        charts = page.locator('[data-testid="stVegaLiteChart"]').all()
        visible = [c.bounding_box() for c in charts if c.is_visible()]
        assert len(visible) >= 3  # loss, logits, activations
        assert all(box["x"] >= 0 and box["x"] + box["width"] <= 1920 for box in visible)
        assert page.get_by_text("Initial loss", exact=True).is_visible()  # above the fold
    finally:
        context.close()


def loss_text(page):
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


def press(page, label, key):
    """A key press on a slider's thumb, as a learner's arrow key; returns the loss shown before it."""
    before = loss_text(page)
    slider = page.locator('[data-testid="stSlider"]:visible').filter(has_text=label).first
    slider.locator('input[type="range"]').first.focus()
    page.keyboard.press(key)
    return before


def wait_for_new_loss(page, before):
    page.wait_for_function("([old]) => document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText !== old",
                           arg=[before], timeout=30_000)


def wait_for_address(page, part):
    page.wait_for_function("([part]) => location.search.includes(part)", arg=[part], timeout=30_000)


def test_a_control_step_keeps_notes_address_and_compare_in_step(page, app_url):
    """A control step redraws the results; what else it changes (a preset's note, the address, the
    settings Pin takes, a stage left) must follow all the same."""
    from playwright.sync_api import expect
    page.goto(f"{app_url}/init?batchnorm=0")
    wait_for_app(page)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=30_000)
    page.get_by_role("button", name="No BN, gain 1", exact=True).click()
    note = page.get_by_text("Without the 5/3 boost", exact=False)
    expect(note).to_be_visible(timeout=30_000)
    wait_for_app(page)

    start = press(page, "Gain", "ArrowRight")   # away from the preset: the note goes
    wait_for_new_loss(page, start)
    wait_for_address(page, "gain=1.05")
    expect(note).to_have_count(0, timeout=30_000)
    wait_for_app(page)
    moved = press(page, "Gain", "ArrowLeft")     # back to it: the note again, the loss as before
    wait_for_new_loss(page, moved)
    expect(note).to_be_visible(timeout=30_000)
    assert loss_text(page) == start

    wait_for_app(page)
    wait_for_new_loss(page, press(page, "Depth", "ArrowRight"))
    wait_for_address(page, "hidden_layers=6")
    wait_for_app(page)
    page.get_by_role("button", name="Pin these settings as A", exact=True).click()
    expect(page.get_by_text("A: gain 1, depth 6", exact=False)).to_be_visible(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0

    stage = page.get_by_role("combobox", name="Lecture stage")   # a stage, then a control it fixes: it is left
    stage.click()
    page.get_by_role("option", name="kaiming", exact=True).click()
    expect(stage).to_have_value("kaiming", timeout=30_000)
    wait_for_address(page, "stage=kaiming")
    wait_for_app(page)
    wait_for_new_loss(page, press(page, "Gain", "ArrowRight"))
    expect(stage).to_have_value("", timeout=30_000)   # no stage: the placeholder "none: the controls below"
    page.wait_for_function("() => !location.search.includes('stage=')", timeout=30_000)
