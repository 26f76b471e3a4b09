"""The Initialization lab in headless Chromium: a deep link, presets, Compare, the projector layout."""
import pytest

from conftest import wait_for_app

pytestmark = pytest.mark.browser


def open_lab(page, url):
    page.goto(f"{url}/init")
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .legendtext", timeout=30_000)


def settle(page):
    page.wait_for_timeout(300)
    wait_for_app(page)
    page.wait_for_timeout(700)


def legends(page):
    return page.locator(".js-plotly-plot .legendtext").evaluate_all("els => els.map(e => e.textContent)")


def test_lab_deep_link_presets_and_compare(page, app_url):
    open_lab(page, app_url)
    body = page.inner_text("body")
    assert "Initialization lab" in page.locator("h1").first.inner_text()
    assert "Data set:" in body  # the app's sidebar: the page ran inside st.navigation
    assert "about right" in body and "layer 2 (Tanh)" in legends(page)
    assert page.locator('[data-testid="stException"]').count() == 0

    page.get_by_role("button", name="Original init", exact=True).click()
    settle(page)
    assert "confidently wrong" in page.inner_text("body")

    page.get_by_role("button", name="Pin these settings as A", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Lecture's final net", exact=True).click()
    settle(page)
    names = legends(page)
    assert "A · layer 1 (Tanh)" in names and "B · layer 2 (Tanh)" in names
    assert "A: Original init" in page.inner_text("body").replace("\n", " ")
    page.get_by_role("button", name="Unpin A", exact=True).click()
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_projector_layout_fits_1920x1080(browser, app_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        open_lab(page, app_url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        charts = page.locator(".js-plotly-plot").all()
        visible = [c.bounding_box() for c in charts if c.is_visible()]
        assert len(visible) >= 3  # loss, logits, activations
        assert all(box["x"] >= 0 and box["x"] + box["width"] <= 1920 for box in visible)
        assert page.get_by_text("Initial loss", exact=True).is_visible()  # above the fold
    finally:
        context.close()
