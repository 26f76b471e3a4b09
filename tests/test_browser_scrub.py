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
    wait_for_rerun(page)        # the page settled: no script run left to draw the chart anew under the thumb
    thumb.scroll_into_view_if_needed()
    return thumb


def note(page, box):
    return page.evaluate(NOTE, box)


def wait_note(page, box, start):
    page.wait_for_function(f"(s) => ({NOTE})('{box}')?.startsWith(s)", arg=start, timeout=30_000)
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
        page.wait_for_function(f"(old) => ({NOTE})('{LAB}') !== old", arg=seen[-1], timeout=30_000)
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
    for tab, box in (("Softening", SOFTEN), ("BatchNorm explained", BN)):   # the tabs' scrubbers too
        page.get_by_role("tab", name=tab, exact=True).click()
        label = page.locator(f"{box} .vega-bind label")
        label.wait_for(timeout=60_000)
        assert label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 19
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


SOFTEN = ".st-key-init_soften_box"
BN = ".st-key-init_bn_box"


def open_tab_scrubber(page, url, tab, box, prefix):
    """The lab at `url`, its tab `tab` open, the scrubber in `box` drawn with its text mark naming the member."""
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("tab", name=tab, exact=True).click()
    thumb = page.locator(f"{box} .vega-bind input[type=range]")
    thumb.wait_for(timeout=60_000)
    page.wait_for_function(f"() => ({NOTE.replace('gain ', prefix)})('{box}') !== null", timeout=30_000)
    thumb.scroll_into_view_if_needed()
    return thumb, lambda: page.evaluate(NOTE.replace("gain ", prefix), box)


def wait_changed(page, box, prefix, old):
    page.wait_for_function(f"(old) => ({NOTE.replace('gain ', prefix)})('{box}') !== old", arg=old, timeout=30_000)


def drag_right(page, thumb, read, box, prefix, at, last, steps):
    """Press on the thumb (member `at` of 0..last), move right a member-width at a time reading the chart at each
    step, let go past the end; what the chart said on the way."""
    bounds = thumb.bounding_box()
    y = bounds["y"] + bounds["height"] / 2
    page.mouse.move(bounds["x"] + bounds["width"] * at / last, y)
    page.mouse.down()
    seen = [read()]
    for x in steps:
        page.mouse.move(bounds["x"] + bounds["width"] * x / last, y)
        wait_changed(page, box, prefix, seen[-1])
        seen.append(read())
    page.mouse.move(bounds["x"] + bounds["width"] + 20, y)
    page.mouse.up()
    return seen


def test_lab_softening_scrubber_keys_and_mouse_commit_to_the_address(page, app_url):
    thumb, read = open_tab_scrubber(page, f"{app_url}/init?batchnorm=0", "Softening", SOFTEN, "softening ")
    assert page.get_by_role("slider", name=re.compile("Last-layer softening \\(drag\\)")).count() == 1
    assert read().startswith("softening 0.1 ·")
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'softening ')})('{SOFTEN}').startsWith('softening 0.13 ·')",
                           timeout=30_000)
    shown = read()
    page.wait_for_function("() => new URL(location.href).searchParams.get('soften_last') === '0.13'", timeout=30_000)
    wait_for_rerun(page)
    page.wait_for_function("(v) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText === v",
                           arg=f"{loss_in(shown):.4f}", timeout=30_000)   # the server's loss at 0.13
    assert "0.13" in page.locator(".st-key-init_soften_last").inner_text()   # the lab's own slider went there
    values = lab.family_softenings(0.1)
    seen = drag_right(page, thumb, read, SOFTEN, "softening ", values.index(0.13), len(values) - 1,
                      [values.index(0.13) + 8 * k for k in range(1, 9)])
    shown = [float(re.match(r"softening ([\d.]+)", t).group(1)) for t in seen]
    assert shown[0] == 0.13 and shown[-1] > 0.7 and sorted(set(shown)) == shown   # it followed the thumb
    stds = [float(re.search(r"logits std ([\d.]+)", t).group(1)) for t in seen]
    assert stds == sorted(stds) and stds[-1] > 2 * stds[0]   # a less softened last layer: wider logits
    page.wait_for_function("() => new URL(location.href).searchParams.get('soften_last') === '1.0'", timeout=30_000)
    wait_for_rerun(page)
    assert read().startswith("softening 1 ·") and thumb.input_value() == str(len(values) - 1)


def test_batchnorm_explainer_scrubber_keys_and_mouse(page, app_url):
    thumb, read = open_tab_scrubber(page, f"{app_url}/init", "BatchNorm explained", BN, "x = ")
    assert page.get_by_role("slider", name=re.compile("The orange value \\(drag\\)")).count() == 1
    assert read().startswith("x = +1.6 · batch mean +0.283")
    thumb.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'x = ')})('{BN}').startsWith('x = +2.0 ·')", timeout=30_000)
    assert "batch mean +0.350" in read()   # (-1 - 0.4 + 0.1 + 0.5 + 0.9 + 2) / 6
    page.get_by_text("batch mean +0.350, batch std").wait_for(timeout=30_000)   # committed: the server's line
    wait_for_rerun(page)
    seen = drag_right(page, thumb, read, BN, "x = ", lab.BN_MOVED.index(2.0), len(lab.BN_MOVED) - 1,
                      [lab.BN_MOVED.index(2.0) + 5 * k for k in range(1, 7)])
    moved = [float(re.match(r"x = ([+\-\d.]+)", t).group(1)) for t in seen]
    assert moved[0] == 2.0 and moved[-1] >= 4.5 and sorted(set(moved)) == moved
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'x = ')})('{BN}').startsWith('x = +6.0 ·')", timeout=30_000)
    page.get_by_text("batch mean +1.017, batch std").wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


SAMPLING = ".st-key-sampling_scrub"


@pytest.fixture(scope="module")
def checkpoint_file(tmp_path_factory, default_names):
    """A small trained model's checkpoint, to upload on the Sampling page."""
    from makemore_core import checkpoint
    from makemore_core.data import Dataset
    from makemore_core.model import MLP, ModelConfig
    from makemore_core.training import TrainConfig, Trainer
    dataset = Dataset.from_path(default_names)
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab), n_embd=8, n_hidden=48, hidden_layers=2))
    Trainer(model, dataset.tensors(3), TrainConfig(steps=300, lr_milestones=[200])).run()
    path = tmp_path_factory.mktemp("ckpt") / "small.pt"
    path.write_bytes(checkpoint.to_bytes(model, dataset.vocab))
    return path


def test_sampling_temperature_scrubber_keys_and_mouse(page, app_url, checkpoint_file):
    page.goto(f"{app_url}/sampling")
    wait_for_app(page)
    page.locator('[data-testid="stMain"] [data-testid="stFileUploader"] input[type=file]').first.set_input_files(str(checkpoint_file))
    thumb = page.locator(f"{SAMPLING} .vega-bind input[type=range]")
    thumb.wait_for(timeout=120_000)
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'temperature ')})('{SAMPLING}') !== null", timeout=60_000)
    thumb.scroll_into_view_if_needed()
    read = lambda: page.evaluate(NOTE.replace("gain ", "temperature "), SAMPLING)   # noqa: E731
    assert read().startswith("temperature 0.5 ·")
    assert page.get_by_role("slider", name=re.compile("Temperature \\(drag\\)")).count() == 1
    thumb.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'temperature ')})('{SAMPLING}').startsWith('temperature 0.6 ·')",
                           timeout=30_000)
    spread = lambda t: float(re.search(r"spread ([\d.]+) bits", t).group(1))   # noqa: E731
    low = spread(read())
    box = thumb.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 10 / 58, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'temperature ')})('{SAMPLING}').startsWith('temperature 3 ·')",
                           timeout=30_000)
    assert spread(read()) > low   # hotter: flatter
    page.wait_for_function("() => new URL(location.href).searchParams.get('compare_temperature') === '3.0'",
                           timeout=30_000)   # on release it became the compared temperature


FAN_IN = '.st-key-lecture_fan_in_demo'


def test_lecture_fan_in_demo_answers_in_the_browser(page, app_url):
    """Chapter 4: the fan_in range, the w / √fan_in checkbox and the gain radio are bound inside the chart."""
    page.goto(f"{app_url}/lecture?chapter=kaiming")
    wait_for_app(page)
    thumb = page.locator(f"{FAN_IN} .vega-bind input[type=range]")
    thumb.wait_for(timeout=120_000)
    read = lambda: page.evaluate(NOTE.replace("gain ", "fan_in "), FAN_IN)   # noqa: E731
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'fan_in ')})('{FAN_IN}') !== null", timeout=60_000)
    thumb.scroll_into_view_if_needed()
    assert read().startswith("fan_in 10 ·") and "std(x @ w) 0.9" in read() or "std(x @ w) 1.0" in read()
    page.get_by_label("w / √fan_in").uncheck()   # not divided: std grows like √fan_in
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'fan_in ')})('{FAN_IN}').includes('√fan_in = 3.16')",
                           timeout=30_000)
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")   # 10 -> 30 -> 50 -> 100
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'fan_in ')})('{FAN_IN}').startsWith('fan_in 100 ·')",
                           timeout=30_000)
    assert re.search(r"std\(x @ w\) (9\.|10\.)", read())
    box = thumb.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 6 / 9, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2, steps=6)
    page.mouse.up()
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'fan_in ')})('{FAN_IN}').startsWith('fan_in 1 ·')",
                           timeout=30_000)
    page.get_by_label("w / √fan_in").check()
    page.get_by_label("5/3 (tanh)").check()
    page.wait_for_function(f"() => ({NOTE.replace('gain ', 'fan_in ')})('{FAN_IN}').includes('gain = 1.667')",
                           timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
