"""Evaluation and Sampling in a real browser: train a quick model from the Evaluation page, read
its BatchNorm table, then sample names with it (one browser session throughout)."""
import re

import pytest
from conftest import wait_for_app
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MAIN = '[data-testid="stMainBlockContainer"]'


def no_exception(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")


def go(page, title):
    page.get_by_role("link", name=re.compile(f"^{title}$")).first.click()
    wait_for_app(page)
    page.wait_for_selector(f'{MAIN} h1:has-text("{title}")')


def test_quick_model_then_evaluation_and_sampling(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    go(page, "Evaluation")
    page.get_by_text("gibberish").filter(visible=True).first.wait_for()
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("ArrowLeft")
    slider.press("ArrowLeft")   # 5,000 -> 1,000 steps
    page.get_by_text("1,000").filter(visible=True).first.wait_for()
    page.get_by_role("button", name="Train a quick model").click()
    page.get_by_text("Training a quick model").filter(visible=True).first.wait_for(timeout=30_000)

    page.wait_for_selector(f'{MAIN} h2:has-text("Loss on train, val and test")', timeout=180_000)
    page.wait_for_selector(f'{MAIN} [data-testid="stDataFrame"]', timeout=180_000)
    wait_for_app(page, timeout=180_000)
    no_exception(page)
    text = page.inner_text(MAIN)
    assert "train loss" in text and "val loss" in text and "test loss" in text
    assert "batch statistics, batch of 1" in text and "NaN" in text
    expect(page.locator(f'{MAIN} [data-testid="stPlotlyChart"]').nth(2)).to_be_attached(timeout=60_000)  # modes, strip, history

    box = page.get_by_label("Type a name")
    box.fill("Zoë")
    box.press("Enter")
    page.get_by_text("not in its vocabulary").filter(visible=True).first.wait_for(timeout=30_000)

    go(page, "Sampling")
    page.wait_for_selector(f'{MAIN} [data-testid="stPlotlyChart"]', timeout=60_000)
    no_exception(page)
    assert "quick model" in page.inner_text(MAIN)   # the same session's model
    # the first chart can come before the names above it are drawn (seen under load): wait for them
    page.get_by_role("button", name="Download the names").wait_for(timeout=60_000)
    wait_for_app(page, timeout=60_000)
    before = page.inner_text(MAIN)
    assert "in the training set" in before and "Download the names" in before
    page.get_by_role("button", name="Another seed").click()
    wait_for_app(page)
    page.wait_for_function("(old) => document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
                           ".innerText !== old", arg=before, timeout=30_000)
    no_exception(page)
