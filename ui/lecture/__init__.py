"""The Lecture page's chapters, in the video's order. Each is a module of this package with TITLE
and render(ctx) (ctx: ui.lecture.common.Context), and optionally an ID (default: its module name).
To add a chapter, append its module's name below: one line."""
import importlib

CHAPTER_MODULES = [
    "ch01_start",
    "ch02_softmax",
    "ch03_tanh",
    "ch04_kaiming",
    "ch05_batchnorm",
    "ch06_loss_log",
    "ch07_pytorchify",
    "ch08_diagnostics",
    "ch09_after",
    "ch10_bonus",
    "ch11_coupling",        # chapters 11-15: the video's other beats and learners' questions (issue 27)
    "ch12_bn_details",
    "ch13_nonlinearities",
    "ch14_torch_nn",
    "ch15_closing",
    "exercises",       # the video's exercises E01 and E02, after the lecture
]
CHAPTERS = [importlib.import_module(f"ui.lecture.{name}") for name in CHAPTER_MODULES]


def chapter_id(chapter) -> str:
    """A chapter's id: its ID, else its module's name (e.g. exercises)."""
    return getattr(chapter, "ID", chapter.__name__.rsplit(".", 1)[-1])


def warm_constants():
    """Compute the chapters' figures that depend on no data set (each cached once per server by
    st.cache_data) at the server's start (ui/warm.py), not on some visitor's first view of the chapter:
    chapter 13's flat-region family alone took 1 to 5 s here under load."""
    from . import beats_compute, ch04_kaiming, ch10_bonus, ch13_nonlinearities, ch14_torch_nn
    for family in (ch04_kaiming.fan_in_family, ch10_bonus.five_values_family, beats_compute.flat_family,
                   ch13_nonlinearities.curves, ch13_nonlinearities.gain_numbers, ch14_torch_nn.numbers):
        family()
