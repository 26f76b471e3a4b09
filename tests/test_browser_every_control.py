"""Every control on every page, as a class would use them: each visible slider to both ends and back
(keyboard), each checkbox and toggle both ways, each radio and select option (at most MAX_OPTIONS),
each safe button — in one tab that walks all pages (so each page meets the state the others left) and
on each page in a fresh tab. Any Streamlit exception box fails the test, naming the action that made it."""
import re
import time

import pytest
from conftest import wait_for_app, wait_for_rerun
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAX_OPTIONS = 8
# Buttons that download, leave the page or start training (a long run, or minutes of CPU under load).
UNSAFE_BUTTON = re.compile(r"download|try it on|start a new run|train a quick model|train both nets|"
                           r"run the \d+ missing|continue training|^step |→|←|browse files", re.I)
PAGES = ["", "lecture", "data", "context", "embeddings", "init",
         "training", "evaluation", "sampling"]
ERROR = '[data-testid="stException"]'
# A control inside the sidebar or the page, never a hidden copy.
SCOPE = '[data-testid="stSidebar"], [data-testid="stMain"]'
# Streamlit's slider is an <input type="range"> (role "slider" only implicitly: a CSS [role=slider] finds none).
SLIDER = '[data-testid="stSlider"] input[type="range"]'
moved = {"sliders": 0}   # how many slider presses changed a value: the test fails if none did


def visible(page, selector):
    return page.locator(SCOPE).locator(selector).filter(visible=True)


def nth_or_none(page, selector, i):
    controls = visible(page, selector)
    return controls.nth(i) if i < controls.count() else None


def check(page, where, action, failures):
    if page.locator(ERROR).count() or "Traceback" in page.inner_text("body"):
        text = page.locator(ERROR).first.inner_text()[:300] if page.locator(ERROR).count() else "Traceback"
        failures.append(f"{where}: {action}: {text}")
        return False
    return True


def drag_sliders(page, where, failures):
    i = 0
    while (slider := nth_or_none(page, SLIDER, i)) is not None:
        label = slider.get_attribute("aria-label") or f"slider {i}"
        for key in ("End", "Home", "End", "Home", "ArrowRight"):
            before = slider.input_value()
            slider.focus()
            slider.press(key)
            if slider.input_value() != before:
                moved["sliders"] += 1
                wait_for_rerun(page)
            if not check(page, where, f"slider {label!r} {key}", failures):
                return
            if (slider := nth_or_none(page, SLIDER, i)) is None:
                break
        i += 1


def toggle_checkboxes(page, where, failures):
    i = 0
    while (box := nth_or_none(page, '[data-testid="stCheckbox"] label', i)) is not None:
        name = box.inner_text()[:40]
        for _ in range(2):
            if box.locator("input").is_disabled():
                break
            box.click()
            wait_for_rerun(page)
            if not check(page, where, f"checkbox {name!r}", failures):
                return
            if (box := nth_or_none(page, '[data-testid="stCheckbox"] label', i)) is None:
                break
        i += 1


def pick_radios(page, where, failures):
    i = 0
    while (group := nth_or_none(page, '[data-testid="stRadio"]', i)) is not None:
        options = group.locator('label:has(input[type="radio"])')
        n = min(options.count(), MAX_OPTIONS if "lecture" not in page.url else 2)   # chapter 1 and 2 only
        for j in list(range(1, n)) + [0]:
            option = options.nth(j)
            if option.locator("input").is_disabled() or option.locator("input").is_checked():
                continue
            name = option.inner_text()[:40]
            option.click()
            wait_for_rerun(page)
            if not check(page, where, f"radio option {name!r}", failures):
                return
            if (group := nth_or_none(page, '[data-testid="stRadio"]', i)) is None:
                break
        i += 1


def pick_selects(page, where, failures):
    i = 0
    while (select := nth_or_none(page, '[data-testid="stSelectbox"]', i)) is not None:
        for j in list(range(1, MAX_OPTIONS)) + [0]:
            select.locator('[role="combobox"], input').first.click()
            options = page.locator('[role="listbox"] [role="option"]').filter(visible=True)
            try:
                options.first.wait_for(timeout=10_000)
            except PlaywrightTimeout:
                break   # disabled, or nothing to pick
            if j >= options.count():
                page.keyboard.press("Escape")
                continue
            name = options.nth(j).inner_text()[:40]
            options.nth(j).click()
            wait_for_rerun(page)
            if not check(page, where, f"select option {name!r}", failures):
                return
            if (select := nth_or_none(page, '[data-testid="stSelectbox"]', i)) is None:
                break
        i += 1


def click_buttons(page, where, failures):
    i = 0
    while (button := nth_or_none(page, '[data-testid="stButton"] button, [data-testid="stBaseButton-secondary"], '
                                       '[data-testid="stBaseButton-primary"]', i)) is not None:
        name = button.inner_text().strip()
        if UNSAFE_BUTTON.search(name) or button.is_disabled():
            i += 1
            continue
        for _ in range(2):
            button.click()
            wait_for_rerun(page)
            if not check(page, where, f"button {name!r}", failures):
                return
            button = visible(page, "button").filter(has_text=name).first
            if button.count() == 0 or button.is_disabled():
                break
        i += 1


ALL_STEPS = (drag_sliders, toggle_checkboxes, pick_radios, pick_selects, click_buttons)


def exercise(page, url, where, failures, steps=ALL_STEPS):
    started = time.perf_counter()
    page.goto(url)
    wait_for_app(page, timeout=90_000)
    wait_for_rerun(page)
    # a fresh tab draws its widgets as skeletons until their code has loaded (seconds under load):
    # the controls are counted once they are there
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    if not check(page, where, "open", failures):
        return
    for step in steps:
        try:
            step(page, where, failures)
        except PlaywrightTimeout as e:   # a control that never became usable: say what covered it
            dialog = page.locator('[role="dialog"]').filter(visible=True)
            covered = dialog.first.inner_text()[:200] if dialog.count() else "no dialog"
            failures.append(f"{where}: {step.__name__}: {str(e).splitlines()[0]} ({covered})")
        if failures and failures[-1].startswith(where):
            break
    print(f"{where}: {time.perf_counter() - started:.0f} s")


@pytest.mark.timeout(600)   # every control of nine pages, twice: about 220 s on a quiet machine, past 300 s loaded
def test_every_control_on_every_page_in_one_tab_then_in_fresh_tabs(browser, app_url):
    failures = []
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:   # one tab: each page meets what the pages before it left in the session
        tab = context.new_page()
        for path in PAGES:
            exercise(tab, f"{app_url}/{path}", f"/{path} (same tab)", failures)
    finally:
        context.close()
    for path in PAGES:   # a fresh tab per page, nothing set before it: sliders and checkboxes (bounded time)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            exercise(context.new_page(), f"{app_url}/{path}", f"/{path} (fresh tab)", failures,
                     (drag_sliders, toggle_checkboxes))
        finally:
            context.close()
    assert not failures, "\n".join(failures)
    assert moved["sliders"] > 100, f"only {moved['sliders']} slider presses changed a value"
