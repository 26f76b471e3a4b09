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
                                    timeout=10_000)
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
        value, top = int(self.thumb.input_value()), int(self.thumb.get_attribute("max"))
        start = box["x"] + box["width"] * value / top
        self.page.mouse.move(start, y)
        self.page.mouse.down()
        seen = [self.read()]
        for k in range(1, moves + 1):
            self.page.mouse.move(start + (box["x"] + box["width"] * to_fraction - start) * k / moves, y)
            self.page.wait_for_function(f"(a) => ({READ})(a) !== a.old", arg={**self.args, "old": seen[-1]},
                                        timeout=10_000)
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
