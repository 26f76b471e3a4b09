"""The Context windows page's sliding-window picture."""
from makemore_core.data import Vocab, context_windows
from ui.figures.context import CONTEXT, KIND_NAMES, OUTSIDE, PADDING, TARGET, window_chart, window_grid

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


def chart(word, block_size):
    return window_chart(word, block_size, context_windows(word, VOCAB, block_size), VOCAB.itos)


def test_chart_rows_match_context_windows():
    data, spec = chart("emma", 3)
    assert len(data) == 5 * 8   # a cell per example and position
    labels = list(dict.fromkeys(data.sort_values(["row", "position"])["example"]))
    assert [label.split(maxsplit=1)[1] for label in labels] == ["... → e", "..e → m", ".em → m", "emm → a", "mma → ."]
    first = data[data["row"] == 0].sort_values("position")
    assert "".join(first["character"]) == "...emma." and list(first["position"]) == list(range(-3, 5))
    target = data[(data["row"] == 1) & (data["kind"] == KIND_NAMES[TARGET])]
    assert list(target["character"]) == ["m"] and "index 13" in target["hover"].iloc[0]   # 'm' = 13
    legend = spec["layer"][0]["encoding"]["color"]["legend"]["values"]
    assert legend == ["context (input)", "context: '.' padding", "target"]


def test_repeated_examples_keep_a_row_each():
    """'nana' at block_size 1 reads 'n → a' twice: the example's number keeps the rows apart."""
    data, _ = chart("nana", 1)
    assert data["example"].nunique() == 5 and data.groupby("example")["row"].nunique().eq(1).all()


def test_a_slider_step_changes_the_data_not_the_spec():
    """The browser then swaps the data into the drawn chart instead of drawing it anew (issue 13)."""
    (short, spec_short), (long, spec_long) = chart("al", 2), chart("alexandria", 5)
    assert spec_short == spec_long
    assert len(long) > len(short) and spec_long["height"] == {"step": 34}   # the height grows with the rows
