"""The Lecture's scrubbers in headless Chromium (issue 25, item 3): drag each with the mouse and with the arrow
keys, and read the chart at the chosen member (the text mark that names it)."""
import re

import pytest
from conftest import start_app_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser
READ = """(a) => [...document.querySelectorAll(a.box + ' svg text')].map(e => e.textContent)
    .find(t => t.startsWith(a.prefix)) ?? null"""


class Scrubber:
    """A chapter's range input bound inside its chart, and the chart's text mark that names the member."""

    def __init__(self, page, app_url, chapter, box, prefix, name):
        self.page, self.args = page, {"box": box, "prefix": prefix}
        page.goto(f"{app_url}/lecture?chapter={chapter}")
        wait_for_app(page)
        self.thumb = page.locator(f"{box} .vega-bind input[type=range]").filter(visible=True)
        self.thumb.wait_for(timeout=180_000)   # the chapter's family may be computed first
        page.wait_for_function(f"(a) => ({READ})(a) !== null", arg=self.args, timeout=60_000)
        self.thumb.scroll_into_view_if_needed()
        assert page.get_by_role("slider", name=name).filter(visible=True).count() == 1   # its accessible name

    def read(self):
        return self.page.evaluate(READ, self.args)

    def wait(self, start):
        self.page.wait_for_function(f"(a) => ({READ})(a)?.startsWith(a.start)", arg={**self.args, "start": start},
                                    timeout=30_000)
        return self.read()

    def keys(self, key, times):
        self.thumb.focus()
        for _ in range(times):
            self.page.keyboard.press(key)

    def drag(self, to_fraction, moves=8):
        """Press on the thumb, move to `to_fraction` of the track in `moves` steps, reading the chart after each
        move: returns what it named along the way (it follows the thumb, not only the release)."""
        box = self.thumb.bounding_box()
        y = box["y"] + box["height"] / 2
        value, low, top = (float(v) for v in (self.thumb.input_value(), self.thumb.get_attribute("min"),
                                              self.thumb.get_attribute("max")))
        start = box["x"] + box["width"] * (value - low) / (top - low)
        self.page.mouse.move(start, y)
        self.page.mouse.down()
        seen = [self.read()]
        for k in range(1, moves + 1):
            self.page.mouse.move(start + (box["x"] + box["width"] * to_fraction - start) * k / moves, y)
            self.page.wait_for_function(f"(a) => ({READ})(a) !== a.old", arg={**self.args, "old": seen[-1]},
                                        timeout=30_000)
            seen.append(self.read())
        self.page.mouse.up()
        return seen


def step_of(text):
    return int(re.match(r"step ([\d,]+)", text).group(1).replace(",", ""))


def test_chapter_8_scrubs_the_deep_nets_statistics_steps(page, app_url):
    ch8 = Scrubber(page, app_url, "diagnostics", ".st-key-lecture_diag_scrub", "step ",
                   re.compile("Statistics step \\(drag\\)"))
    assert ch8.read().startswith("step 1,000 · minibatch loss ")
    ch8.keys("ArrowLeft", 2)
    assert step_of(ch8.wait("step 950 ·")) == 950
    ch8.keys("ArrowRight", 1)
    ch8.wait("step 975 ·")
    seen = ch8.drag(0.0)
    steps = [step_of(t) for t in seen]
    assert steps[0] == 975 and steps[-1] == 0 and sorted(set(steps), reverse=True) == steps   # followed the thumb
    assert page.locator('[data-testid="stException"]').count() == 0
    ch8.keys("End", 1)
    before = ch8.wait("step 1,000 ·")
    page.get_by_text("a learning rate too low (0.001)").click()   # another run: its own family, the same chart
    page.wait_for_function(f"(a) => ({READ})(a) !== a.old", arg={**ch8.args, "old": before}, timeout=180_000)
    assert step_of(ch8.read()) == 1000   # (step 0 is the same net and minibatch in both runs)


def loss_log_curve(k):
    """A made-up stored run (stage k of the loss log): 200 slices of 1,000 steps, each stage a little higher."""
    return {"step": [499.5 + 1000 * m for m in range(200)], "loss": [2 + 0.1 * k + 1 / (m + 1) for m in range(200)]}


@pytest.fixture(scope="module")
def loss_log_url(tmp_path_factory, dataset):
    """A server whose disk cache holds the five loss-log runs of the default data set (as lossbook stores them)."""
    from makemore_core import lossbook, prepare
    cache = tmp_path_factory.mktemp("cache")
    for k, stage in enumerate(prepare.FIRST_HALF):
        lossbook.write_atomically(lossbook.cache_path(dataset, stage, cache_dir=cache),
                                  {"stage": stage, "steps": 200_000, "train": 2.0, "val": 2.1, "seconds": 1.0,
                                   "curve": loss_log_curve(k), "dataset": dataset.digest})
    proc, url = start_app_server({"MAKEMORE_CACHE_DIR": str(cache)})
    yield url
    stop_server(proc)


def reading(text):
    """'steps 3,000–3,999original 2.2500softmax-fix ...' (the lines of the text mark) -> (first step, {stage: loss})."""
    first = int(re.match(r"steps ([\d,]+)", text).group(1).replace(",", ""))
    return first, {s: float(v) for s, v in re.findall(r"([a-z-]+) (\d\.\d{4})", text)}


def test_chapter_6_step_cursor_reads_each_stages_loss(page, loss_log_url):
    from makemore_core import prepare
    ch6 = Scrubber(page, loss_log_url, "loss-log", ".st-key-lecture_log_scrub", "steps ",
                   re.compile("Step cursor \\(drag\\)"))
    first, losses = reading(ch6.read())
    assert first == 199_000 and list(losses) == prepare.FIRST_HALF   # at the end: the losses the table gives
    ch6.keys("Home", 1)
    ch6.keys("ArrowRight", 3)
    first, losses = reading(ch6.wait("steps 3,000–3,999"))
    assert losses == {s: round(loss_log_curve(k)["loss"][3], 4) for k, s in enumerate(prepare.FIRST_HALF)}
    seen = ch6.drag(0.5)
    firsts = [reading(t)[0] for t in seen]
    assert firsts[0] == 3000 and 95_000 <= firsts[-1] <= 105_000 and sorted(set(firsts)) == firsts
    first, losses = reading(ch6.read())
    assert losses["batchnorm"] == round(loss_log_curve(4)["loss"][first // 1000], 4)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_chapter_2_scrubs_the_first_steps_of_both_nets_side_by_side(page, app_url):
    ch2 = Scrubber(page, app_url, "softmax", ".st-key-lecture_softmax_scrub", "step ", re.compile("Step \\(drag\\)"))
    notes = lambda: page.evaluate(  # noqa: E731 - both nets' text marks: (step, loss, logits std) each
        "(box) => [...document.querySelectorAll(box + ' svg text')].map(e => e.textContent)"
        ".filter(t => t.startsWith('step '))", ch2.args["box"])
    parse = lambda t: tuple(float(v.replace(",", "")) for v in re.match(  # noqa: E731
        r"step ([\d,]+) · loss ([\d.]+)logits std ([\d.]+)", t).groups())
    start = [parse(t) for t in notes()]
    assert [s[0] for s in start] == [0, 0] and start[0][1] > 10 > 4 > start[1][1]   # original's hockey stick
    assert start[0][2] > 5 > 1 > start[1][2]   # its logits are spread wide, softmax-fix's near 0
    ch2.keys("ArrowRight", 5)
    ch2.wait("step 5 ·")
    page.wait_for_function("(box) => [...document.querySelectorAll(box + ' svg text')]"
                           ".filter(e => e.textContent.startsWith('step 5 ·')).length === 2", arg=ch2.args["box"])
    seen = ch2.drag(1.0)
    steps = [int(parse(t)[0]) for t in seen]
    assert steps[0] == 5 and steps[-1] > 900 and sorted(set(steps)) == steps   # followed the thumb
    end = [parse(t) for t in notes()]
    assert end[0][0] == end[1][0] == steps[-1] and end[0][1] < start[0][1] / 2   # both at the step; original fell
    assert page.locator('[data-testid="stException"]').count() == 0


def test_chapter_10_batchnorm_widget_answers_in_the_browser(page, app_url):
    ch10 = Scrubber(page, app_url, "bonus", ".st-key-lecture_widget_scrub", "x0 = ",
                    re.compile("x0: the first of the five values \\(drag\\)"))
    assert ch10.read().startswith("x0 = 0 · the five inputs: mean 1.56, std 2.39")
    ch10.keys("ArrowRight", 3)
    assert ch10.wait("x0 = 1.5 ·").endswith("normalized: mean 0, std 1")
    seen = ch10.drag(1.0)
    values = [float(re.match(r"x0 = (-?[\d.]+)", t).group(1)) for t in seen]
    assert values[0] == 1.5 and values[-1] == 30 and sorted(set(values)) == values   # followed the thumb
    ticks = page.evaluate("(box) => [...document.querySelectorAll(box + ' svg text')].map(e => e.textContent)",
                          ch10.args["box"])
    assert "30" in ticks or "20" in ticks   # the axis widened for the outlier
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("chapter, box", [("diagnostics", ".st-key-lecture_diag_scrub"),
                                          ("softmax", ".st-key-lecture_softmax_scrub"),
                                          ("bonus", ".st-key-lecture_widget_scrub")])
def test_lecture_scrubbers_are_readable_in_projector_mode_and_fit_at_1280(page, app_url, chapter, box):
    page.goto(f"{app_url}/lecture?chapter={chapter}&projector=1")
    wait_for_app(page)
    page.locator(f"{box} .vega-bind input[type=range]").filter(visible=True).wait_for(timeout=180_000)
    page.wait_for_function(f"() => document.querySelectorAll('{box} svg text').length > 5", timeout=60_000)
    label = page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('{box} .vega-bind label')).fontSize)")
    assert label >= 19   # the label and thumb readable from the back of a room (the lab's scrubber's rule)
    right = page.evaluate(f"() => Math.max(...[...document.querySelectorAll('{box} svg')].map(s => s.getBoundingClientRect().right))")
    assert right <= 1280, "the chart runs off the page at 1280 px"
