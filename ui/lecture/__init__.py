"""The Lecture page's chapters, in the video's order. Each is a module with ID, TITLE and
render(ctx); the page shows them in this order. To add a chapter, append its module here."""
from ui.lecture import (ch01_start, ch02_softmax, ch03_tanh, ch04_kaiming, ch05_batchnorm, ch06_loss_log,
                        ch07_pytorchify, ch08_diagnostics, ch09_after, ch10_bonus)

CHAPTERS = [
    ch01_start,
    ch02_softmax,
    ch03_tanh,
    ch04_kaiming,
    ch05_batchnorm,
    ch06_loss_log,
    ch07_pytorchify,
    ch08_diagnostics,
    ch09_after,
    ch10_bonus,
]


def chapter_id(chapter) -> str:
    """A chapter's id: its ID, else its module's name (e.g. exercises)."""
    return getattr(chapter, "ID", chapter.__name__.rsplit(".", 1)[-1])
