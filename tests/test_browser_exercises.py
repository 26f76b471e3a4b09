"""The exercise chapter in headless Chromium, as the Lecture page's last chapter: guess, train E01,
read which parameter moved; E02's fold of its own net."""
import re

import pytest
from conftest import start_app_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """A server of its own on an empty cache: E01's runs are trained by this test's click, not found on the
    disk from an earlier run (a result already there shows without the "Train both nets" button)."""
    proc, url = start_app_server({"MAKEMORE_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})
    yield url
    stop_server(proc)


def metric_value(page, label):
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_guess_train_and_fold(page, app_url):
    page.goto(f"{app_url}/lecture")
    wait_for_app(page, 240_000)
    page.locator('[data-testid="stRadioOption"]', has_text="Exercises").first.click()
    wait_for_app(page, 240_000)
    page.get_by_text("Make your guess first", exact=False).wait_for(state="visible", timeout=60_000)
    assert page.get_by_role("button", name="Train both nets").count() == 0

    # E02 runs without a guess: its own 3-layer net, folded
    page.get_by_text("Largest |logit difference|, float32").wait_for(state="visible", timeout=300_000)
    assert float(metric_value(page, "Largest |logit difference|, float32")) < 1e-4
    page.get_by_text("the same names from both", exact=False).wait_for(state="visible", timeout=120_000)

    page.get_by_text("It trains only partly", exact=False).click()
    train = page.get_by_role("button", name="Train both nets")
    train.wait_for(state="visible", timeout=30_000)
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("ArrowLeft")            # 1,000 steps: the shortest run
    wait_for_app(page)
    page.get_by_role("button", name="Train both nets").click()
    moved = page.locator('[data-testid="stMetric"]', has_text="Parameters that moved (zeros)")
    moved.wait_for(state="visible", timeout=600_000)
    assert metric_value(page, "Parameters that moved (zeros)") == "1 of 19"
    page.get_by_text("What happened.", exact=False).wait_for(state="visible", timeout=120_000)
    wait_for_app(page)
    body = page.inner_text("body")
    assert "You were right" in body and re.search(r"Only layers\.16\.beta", body)
    page.locator(".js-plotly-plot").nth(2).wait_for(state="visible", timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
