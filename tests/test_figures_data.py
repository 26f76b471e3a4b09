"""Counts behind the Data & Context pages (ui.data_stats) and the Data page's figures."""
import json

import numpy as np
import pytest

from makemore_core.data import Dataset, build_examples
from ui.data_stats import bigram_counts, char_counts, examples_per_split, find_word, length_counts, name_sample
from ui.figures.data import bigram_heatmap, char_frequency, length_histogram

WORDS = ["emma", "ava", "bob", "ava", "eve"]


@pytest.fixture(scope="module")
def small():
    return Dataset.from_words(WORDS, name="small")


@pytest.fixture(scope="module")
def default(default_names):
    return Dataset.from_path(default_names)


def test_length_counts_fill_gaps():
    assert length_counts(["ab", "abcde", "xy"]) == {2: 2, 3: 0, 4: 0, 5: 1}


def test_char_counts_end_marker_once_per_word(small):
    counts = char_counts(small.words, small.vocab)
    assert small.vocab.itos == [".", "a", "b", "e", "m", "o", "v"]
    assert counts == [5, 5, 2, 3, 2, 1, 3]


def test_bigram_counts_by_hand(small):
    N = bigram_counts(small.words, small.vocab)
    s = small.vocab.stoi
    assert N[s["."], s["a"]] == 2          # ava twice starts with a
    assert N[s["a"], s["."]] == 3          # emma, ava, ava end with a
    assert N[s["m"], s["m"]] == 1
    assert N[s["."], s["."]] == 0
    assert N.sum() == sum(len(w) + 1 for w in WORDS)  # one pair per example
    assert (N.sum(axis=1) == np.array(char_counts(small.words, small.vocab))).all()  # each char is followed once


def test_examples_per_split_is_the_identity(default):
    splits = examples_per_split(default)
    for split, (X, Y) in default.tensors(2).items():
        s = splits[split]
        assert s["examples"] == len(Y) == sum(len(w) + 1 for w in default.splits[split])
        assert s["examples"] == s["letters"] + s["words"]


def test_lecture_split_numbers(lecture_names):
    data = Dataset.from_path(lecture_names)
    splits = examples_per_split(data)
    assert [splits[s]["examples"] for s in ("train", "val", "test")] == [182_625, 22_655, 22_866]
    X, _ = build_examples(data.splits["train"], data.vocab, 3)
    assert tuple(X.shape) == (182_625, 3)


def test_find_word(small):
    assert find_word(small, "ava")["total"] == 2
    assert sum(find_word(small, "ava")["splits"].values()) == 2
    assert find_word(small, "zed") == {"total": 0, "splits": {}}


def test_name_sample_is_fixed_distinct_and_short_to_long(default):
    a, b = name_sample(default.words), name_sample(default.words)
    assert a == b and len(a) == 40 == len(set(a))
    assert [len(w) for w in a] == sorted(len(w) for w in a)
    assert name_sample(["x", "y"]) == ["x", "y"]


def test_length_histogram_bars_add_up(default):
    lengths = length_counts(default.words)
    fig = length_histogram(lengths)
    assert int(np.sum(fig.data[0].y)) == len(default.words)
    assert list(fig.data[0].x) == list(lengths)


def test_char_frequency_orders_and_marks_end(small):
    counts = char_counts(small.words, small.vocab)
    by_index = char_frequency(small.vocab.itos, counts, "index")
    assert list(by_index.data[0].x) == small.vocab.itos
    assert by_index.data[0].marker.color[0] != by_index.data[0].marker.color[1]  # '.' stands out
    by_count = char_frequency(small.vocab.itos, counts, "count")
    assert list(by_count.data[0].y) == sorted(counts, reverse=True)
    assert list(by_count.layout.xaxis.tickvals) == list(by_count.data[0].x)  # every label drawn


def test_bigram_heatmap_hover_has_pair_and_count(small):
    N = bigram_counts(small.words, small.vocab)
    fig = bigram_heatmap(small.vocab.itos, N, log_scale=True)
    heat = fig.data[0]
    assert np.asarray(heat.z).shape == (7, 7)
    assert np.allclose(np.asarray(heat.z, dtype=float), np.log10(1 + N))
    custom = np.asarray(heat.customdata)
    s = small.vocab.stoi
    assert custom[s["a"], s["."], 1] == "a." and int(custom[s["a"], s["."], 0]) == 3
    assert "customdata[0]" in heat.hovertemplate and "customdata[1]" in heat.hovertemplate
    plain = bigram_heatmap(small.vocab.itos, N, log_scale=False, show_numbers=True).data[0]
    assert np.array_equal(np.asarray(plain.z), N) and plain.texttemplate
    json.loads(fig.to_json())  # serializable as the page sends it
