"""The scrubbers in headless Chromium (issue 25): drag each with the mouse and with the arrow keys, read the
chart at the chosen member (the text mark that says it), and see the member reach the server on release."""
import re

import pytest

from conftest import wait_for_app, wait_for_rerun
from ui import init_lab as lab

pytestmark = pytest.mark.browser
LAB = ".st-key-init_scrub"
NOTE = """(box) => [...document.querySelectorAll(box + ' svg text')].map(e => e.textContent)
    .find(t => t.startsWith('gain ')) ?? null"""


def open_scrubber(page, url, box):
    page.goto(url)
    wait_for_app(page)
    thumb = page.locator(f"{box} .vega-bind input[type=range]")
    thumb.wait_for(timeout=60_000)
    page.wait_for_function(f"() => ({NOTE})('{box}') !== null", timeout=30_000)
    thumb.scroll_into_view_if_needed()
    return thumb


def note(page, box):
    return page.evaluate(NOTE, box)


def wait_note(page, box, start):
    page.wait_for_function(f"(s) => ({NOTE})('{box}')?.startsWith(s)", arg=start, timeout=10_000)
    return note(page, box)


def committed(page, gain: str):
    """The server took the scrubber's gain: the address and the lab's own gain slider say it."""
    page.wait_for_function("(g) => new URL(location.href).searchParams.get('gain') === g", arg=gain, timeout=30_000)
    wait_for_rerun(page)
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Gain (×")
    page.wait_for_function("(g) => document.querySelector('.st-key-init_gain [data-testid=\"stSliderThumbValue\"]')"
                           "?.textContent === g", arg=gain.rstrip("0").rstrip(".") if "." in gain else gain,
                           timeout=30_000)
    return slider


def loss_in(text):
    return float(re.search(r"initial loss ([\d.]+)", text).group(1))


def test_lab_gain_scrubber_follows_the_arrow_keys_and_commits_on_rest(page, app_url):
    thumb = open_scrubber(page, f"{app_url}/init?batchnorm=0", LAB)
    assert page.get_by_role("slider", name=re.compile("Gain \\(drag\\)")).count() == 1   # its accessible name
    assert note(page, LAB).startswith("gain 1 ·")
    thumb.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    shown = wait_note(page, LAB, "gain 1.2 ·")
    page.keyboard.press("ArrowLeft")
    shown = wait_note(page, LAB, "gain 1.15 ·")
    committed(page, "1.15")
    metric = page.locator('[data-testid="stMetricValue"]').first
    page.wait_for_function("(v) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText === v",
                           arg=f"{loss_in(shown):.4f}", timeout=30_000)   # the server's number for that gain
    assert float(metric.inner_text()) == pytest.approx(loss_in(shown), abs=1e-4)
    assert thumb.input_value() == str(lab.family_gains(1.0).index(1.15))   # not drawn anew: the thumb stayed


def test_lab_gain_scrubber_follows_a_mouse_drag_and_survives_f5(page, app_url):
    thumb = open_scrubber(page, f"{app_url}/init?batchnorm=0&n_hidden=50", LAB)
    box = thumb.bounding_box()
    y = box["y"] + box["height"] / 2
    gains = lab.family_gains(1.0)
    at, last = gains.index(1.0), len(gains) - 1
    page.mouse.move(box["x"] + box["width"] * at / last, y)   # on the thumb (gain 1)
    page.mouse.down()
    seen = [note(page, LAB)]
    for k in range(1, 11):   # towards the right end, reading the chart on the way: it moves at every step
        page.mouse.move(box["x"] + box["width"] * (at + 4 * k) / last, y)
        page.wait_for_function(f"(old) => ({NOTE})('{LAB}') !== old", arg=seen[-1], timeout=10_000)
        seen.append(note(page, LAB))
    page.mouse.move(box["x"] + box["width"] + 20, y)
    page.mouse.up()
    shown = [float(re.match(r"gain ([\d./]+)", t).group(1).replace("5/3", "1.6667")) for t in seen]
    assert shown[0] == 1 and shown[-1] > 2.5 and sorted(set(shown)) == shown   # it followed the thumb
    high = wait_note(page, LAB, "gain 3 ·")
    committed(page, "3.0")
    page.reload()
    wait_for_app(page)
    thumb.wait_for(timeout=60_000)
    assert wait_note(page, LAB, "gain 3 ·") == high
    assert thumb.input_value() == str(last)


def test_scrubber_is_readable_in_projector_mode(page, app_url):
    open_scrubber(page, f"{app_url}/init?projector=1", LAB)
    size = page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('{LAB} .vega-bind label')).fontSize)")
    assert size >= 19
    page.set_viewport_size({"width": 1280, "height": 800})


def test_lab_pin_survives_f5(page, app_url):
    from playwright.sync_api import expect
    open_scrubber(page, f"{app_url}/init?batchnorm=0", LAB)
    page.get_by_role("button", name="Pin these settings as A", exact=True).click()
    expect(page.get_by_role("button", name="Unpin A", exact=True)).to_be_visible(timeout=30_000)
    page.wait_for_function("() => new URL(location.href).searchParams.get('pin') !== null", timeout=30_000)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Unpin A", exact=True)).to_be_visible(timeout=60_000)
    assert "A: No BN, gain 1" in page.inner_text("body").replace("\n", " ")
