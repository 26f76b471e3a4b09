"""The Context windows page's sliding-window picture."""
import numpy as np

from makemore_core.data import Vocab, context_windows
from ui.figures.context import CONTEXT, OUTSIDE, PADDING, TARGET, sliding_window_figure, window_grid

VOCAB = Vocab("abcdefghijklmnopqrstuvwxyz")


def test_window_grid_emma_block_3():
    sequence, kinds = window_grid("emma", 3)
    assert sequence == list("...emma.")
    assert kinds.shape == (5, 8)  # len + 1 examples, block_size + len + 1 positions
    assert list(kinds[0]) == [PADDING] * 3 + [TARGET] + [OUTSIDE] * 4
    assert list(kinds[1]) == [OUTSIDE, PADDING, PADDING, CONTEXT, TARGET, OUTSIDE, OUTSIDE, OUTSIDE]
    assert list(kinds[4]) == [OUTSIDE] * 4 + [CONTEXT] * 3 + [TARGET]
    assert ((kinds == TARGET).sum(axis=1) == 1).all()
    assert (((kinds == CONTEXT) | (kinds == PADDING)).sum(axis=1) == 3).all()


def test_window_grid_long_context_is_all_padding_at_first():
    _, kinds = window_grid("ab", 10)
    assert (kinds[0, :10] == PADDING).all()
    assert (kinds[2] == PADDING).sum() == 8 and (kinds[2] == CONTEXT).sum() == 2


def test_figure_rows_match_context_windows():
    pairs = context_windows("emma", VOCAB, 3)
    fig = sliding_window_figure("emma", 3, pairs, VOCAB.itos)
    heat = fig.data[0]
    assert np.asarray(heat.z).shape == (5, 8)
    assert list(fig.layout.yaxis.ticktext) == ["... → e", "..e → m", ".em → m", "emm → a", "mma → ."]
    letters = fig.data[1]
    assert list(letters.text[:8]) == list("...emma.")
    assert "index 13" in heat.customdata[1][4]  # the target of row 2 is 'm' = 13
    names = {t.name for t in fig.data[2:]}
    assert names == {"context (input)", "context: '.' padding", "target"}


def test_figure_grows_with_the_name():
    short = sliding_window_figure("al", 2, context_windows("al", VOCAB, 2), VOCAB.itos)
    long = sliding_window_figure("alexandria", 2, context_windows("alexandria", VOCAB, 2), VOCAB.itos)
    assert long.layout.height > short.layout.height
