"""Predict, then reveal, in headless Chromium as a learner does it: answer a chapter's question, see the
answer beside the guess, press F5 and find the guess, the chapters seen and E01's guess still there;
a teacher's link (ask=1) asks the question again."""
import re

import pytest
from conftest import wait_for_app, wait_for_rerun

from ui.lecture.questions import all_questions

pytestmark = pytest.mark.browser
TOTAL = len(all_questions())
SLOW = 300_000   # a chapter's first visit on a fresh server computes its numbers


def metric_value(page, label):
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    box.wait_for(state="visible", timeout=SLOW)
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def record(page) -> str:
    line = page.get_by_text(re.compile(r"Predictions · \d+ of \d+ predicted")).first
    line.wait_for(state="visible", timeout=SLOW)
    return page.locator('[data-testid="stMarkdownContainer"]', has_text="Predictions ·").first.inner_text()


def open_address(page, address):
    page.goto(address)
    wait_for_app(page, SLOW)


def no_exception(page):
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")[:2000]


def test_answer_reveal_reload_keeps_it_and_a_teachers_link_asks_again(page, app_url):
    open_address(page, f"{app_url}/lecture?chapter=kaiming")
    page.get_by_text("Predict first.").wait_for(state="visible", timeout=SLOW)
    slider = page.locator('[data-testid="stSlider"]', has_text="Your guess").get_by_role("slider")
    slider.focus()
    for _ in range(4):                       # 1.0 -> 3.0 in steps of 0.5, as a learner taps the arrow key
        slider.press("ArrowRight")
    wait_for_rerun(page)
    page.get_by_role("button", name="Lock in my guess").click()
    wait_for_rerun(page, SLOW)
    assert metric_value(page, "Your guess") == "3"
    assert float(metric_value(page, "The answer here")) == pytest.approx(31.6, abs=1.0)
    assert "Off" in page.inner_text("body") and f"1 of {TOTAL} predicted, 0 close" in record(page)
    page.wait_for_url(re.compile(r"guess=kaiming_3_f"), timeout=30_000)

    page.locator('[data-testid="stRadioOption"]', has_text="1. The starting point").first.click()
    page.wait_for_url(re.compile(r"seen=[^&]*start"), timeout=SLOW)
    wait_for_app(page, SLOW)
    page.locator('[data-testid="stRadioOption"]', has_text="4. Kaiming").first.click()
    page.wait_for_url(re.compile(r"chapter=kaiming"), timeout=SLOW)
    wait_for_app(page, SLOW)

    page.reload()                            # F5: a new session, the address is all that is left
    wait_for_app(page, SLOW)
    assert metric_value(page, "Your guess") == "3"
    assert "2 of" in page.locator('[data-testid="stMarkdownContainer"]', has_text="Chapters ·").first.inner_text()
    assert f"1 of {TOTAL} predicted, 0 close" in record(page)
    assert page.get_by_role("button", name="Lock in my guess").count() == 0
    no_exception(page)

    open_address(page, page.url + "&ask=1")  # the teacher's link: the question, unanswered
    page.get_by_role("button", name="Lock in my guess").wait_for(state="visible", timeout=SLOW)
    assert f"0 of {TOTAL} predicted" in record(page)
    page.wait_for_function("() => !location.search.includes('ask=')", timeout=30_000)
    no_exception(page)


def test_the_exercises_guess_survives_a_reload(page, app_url):
    open_address(page, f"{app_url}/lecture?chapter=exercises")
    page.get_by_text("Make your guess first", exact=False).wait_for(state="visible", timeout=SLOW)
    page.get_by_text("It trains only partly", exact=False).first.click()
    page.wait_for_url(re.compile(r"guess=[^&]*e01_part"), timeout=SLOW)
    wait_for_app(page, SLOW)
    page.reload()
    wait_for_app(page, SLOW)
    page.get_by_role("button", name="Train both nets").wait_for(state="visible", timeout=SLOW)   # past the guess
    assert page.get_by_role("radio", name=re.compile("It trains only partly")).is_checked()
    no_exception(page)
