"""The Lecture's scrubbers (chapters 2, 6, 8 and 10) for bench/scrub.py: how each page gets ready and what its
family costs on the server. A chapter's family comes from `prepare` (computed once per data set, kept on disk):
the figure is that computation, done here in this process, and the chart built from it."""
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(compute, times=3):
    import torch
    torch.set_num_threads(1)   # as the app computes
    seconds, result = [], None
    for _ in range(times):
        start = time.perf_counter()
        result = compute()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def _dataset(lecture=False):
    from makemore_core.data import Dataset
    return Dataset.from_path(ROOT.parent / "shared" / "data" / "names.txt" if lecture else ROOT / "data" / "names.txt")


def deep_family():
    """Chapter 8: the notebook's 1,001 debugging steps (statistics every 25), then the chart of its 41 steps."""
    from makemore_core import prepare
    from ui.figures.lecture import deep_scrub_chart
    dataset = _dataset()
    data = dataset.tensors(3)
    return _timed(lambda: deep_scrub_chart(prepare.deep_after(dataset, data, 0.1, True, 1.0))[0], times=1)


def softmax_family():
    """Chapter 2: the first 1,000 steps of both nets with the softmax read at each, then the chart."""
    from makemore_core import prepare
    from ui.figures.lecture import softmax_scrub_chart
    dataset = _dataset()
    data = dataset.tensors(3)
    return _timed(lambda: softmax_scrub_chart(prepare.softmax_steps(dataset, data), 3.2958)[0], times=1)


def loss_log_family():
    """Chapter 6: the loss log's stored runs (200,000 steps each, trained by `prepare`), read and drawn."""
    from makemore_core import lossbook, prepare
    from ui.figures.lecture import loss_log_curves_chart
    dataset = _dataset(lecture=True)

    def build():
        found = {s: lossbook.cached_stage_losses(dataset, s) for s in prepare.FIRST_HALF}
        return loss_log_curves_chart({s: r["curve"] for s, r in found.items() if r})[0]
    return _timed(build)


def widget_family():
    """Chapter 10: the BatchNorm widget at its 121 slider places."""
    from makemore_core import lecture_demos as demos
    from ui.figures.lecture import normalize_chart
    from ui.lecture.ch10_bonus import X0S
    return _timed(lambda: normalize_chart([(x0, demos.normalize_five(x0)) for x0 in X0S])[0])


def step_back(box):
    """A chapter whose scrubber starts at its last member: one step back, so the bench's first press moves it."""
    def ready(page):
        thumb = page.locator(f"{box} .vega-bind input[type=range]").filter(visible=True)
        thumb.wait_for(timeout=180_000)
        thumb.focus()
        page.keyboard.press("ArrowLeft")
    return ready


def lecture_names_then_step_back(box):
    """Chapter 6 reads the loss log stored for the lecture's names.txt (run `prepare` with it first)."""
    def ready(page):
        page.get_by_role("button", name="Use the lecture's names.txt").click()
        step_back(box)(page)
    return ready
