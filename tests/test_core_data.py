"""Data: validation of word lists, vocabulary, context windows, the lecture split, tensors."""
import random

import pytest
import torch

from makemore_core.data import (
    MAX_BYTES,
    DataError,
    Dataset,
    Vocab,
    build_examples,
    check_indices,
    context_windows,
    load_words,
    split_words,
    words_from_bytes,
)

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

# ---------------------------------------------------------------- validation: every error the issue lists

@pytest.mark.parametrize("raw, message", [
    (b"", "is empty"),
    (b"\n\n  \n", "no words"),
    (b"anna\n\xff\xfebob\n", "not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"anna\nmary jane\n", "whitespace inside"),
    (b"anna\nmary\tjane\n", "whitespace inside"),
    (b"anna\njr.\n", "'.'"),
    (b"anna\nbo\x07b\n", "control character"),
])
def test_invalid_word_lists_say_what_is_wrong(raw, message):
    with pytest.raises(DataError, match=message):
        words_from_bytes(raw, "list.txt")


def test_error_names_the_file_and_line():
    with pytest.raises(DataError) as e:
        words_from_bytes(b"anna\nbob\nmary jane\n", "mine.txt")
    assert "mine.txt, line 3" in str(e.value)


def test_too_large():
    with pytest.raises(DataError, match="5 MB"):
        words_from_bytes(b"a\n" * (MAX_BYTES // 2 + 1))


def test_too_many_lines():
    with pytest.raises(DataError, match="500,000"):
        words_from_bytes(b"ab\n" * 500_001)
    assert len(words_from_bytes(b"ab\n" * 500_000)) == 500_000       # the limit itself is fine


def test_too_many_distinct_characters():
    chars = [chr(0x4E00 + i) for i in range(101)]
    with pytest.raises(DataError, match="101 distinct characters"):
        words_from_bytes("\n".join(chars).encode())
    assert len(words_from_bytes("\n".join(chars[:100]).encode())) == 100


def test_tolerated_forms():
    # CRLF line ends, a byte-order mark, blank lines, surrounding spaces; any characters (not just a-z)
    assert words_from_bytes("\ufeffzoë\r\n\r\n  José \r\nAnne-Marie\n".encode()) == ["zoë", "José", "Anne-Marie"]


def test_load_words_from_path(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("emma\nolivia\n")
    assert load_words(path) == ["emma", "olivia"]
    with pytest.raises(DataError, match="no such file"):
        load_words(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="no such file"):
        load_words(tmp_path)                                  # a folder is not a word list
    big = tmp_path / "big.txt"
    big.write_bytes(b"a\n" * (MAX_BYTES // 2 + 1))
    with pytest.raises(DataError, match="limit is 5 MB"):
        load_words(big)


def test_dataset_needs_a_non_empty_training_split():
    with pytest.raises(DataError, match="at least 2"):
        Dataset.from_words(["solo"])
    assert len(Dataset.from_words(["ann", "bob"]).splits["train"]) == 1


# ---------------------------------------------------------------- vocabulary

def test_vocab_dot_is_zero_then_sorted():
    vocab = Vocab.from_words(["bob", "anna", "zoë"])
    assert vocab.itos == [".", "a", "b", "n", "o", "z", "ë"]
    assert vocab.stoi["."] == 0 and vocab.stoi["a"] == 1 and len(vocab) == 7
    assert vocab.encode("anna") == [1, 3, 3, 1]
    assert vocab.decode([2, 4, 2, 0]) == "bob."
    assert vocab.decode(torch.tensor([1, 3])) == "an"
    with pytest.raises(DataError, match="not in the vocabulary"):
        vocab.encode("anx")


def test_default_data_vocab(default_names):
    dataset = Dataset.from_path(default_names)
    assert dataset.vocab.itos == ["."] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    summary = dataset.summary()
    assert summary["words"] == 32_952 and summary["vocab_size"] == 27 and summary["name"] == "names.txt"
    assert summary["shortest"] >= 1 and summary["longest"] >= summary["shortest"]


# ---------------------------------------------------------------- context windows

def test_context_windows_as_the_lecture_prints_them():
    vocab = Vocab.from_words(["emma"])
    pairs = context_windows("emma", vocab, 3)
    shown = [(vocab.decode(c), vocab.itos[t]) for c, t in pairs]
    assert shown == [("...", "e"), ("..e", "m"), (".em", "m"), ("emm", "a"), ("mma", ".")]


@pytest.mark.parametrize("block_size", [1, 2, 8, 16])
def test_context_windows_any_block_size(block_size):
    vocab = Vocab.from_words(["olivia"])
    pairs = context_windows("olivia", vocab, block_size)
    assert len(pairs) == len("olivia") + 1
    assert all(len(c) == block_size for c, _ in pairs)
    assert pairs[0][0] == [0] * block_size
    # each window is the previous one shifted left by one, plus the previous target
    for (c0, t0), (c1, _) in zip(pairs, pairs[1:]):
        assert c1 == c0[1:] + [t0]


@pytest.mark.parametrize("block_size", [0, 17, -1])
def test_block_size_out_of_range(block_size):
    vocab = Vocab.from_words(["ann"])
    with pytest.raises(DataError, match="between 1 and 16"):
        build_examples(["ann"], vocab, block_size)


def test_build_examples_shapes_and_dtype():
    vocab = Vocab.from_words(["ann", "bo"])
    X, Y = build_examples(["ann", "bo"], vocab, 4)
    assert X.shape == (7, 4) and Y.shape == (7,)
    assert X.dtype == Y.dtype == torch.long
    assert Y.tolist() == vocab.encode("ann") + [0] + vocab.encode("bo") + [0]
    X0, Y0 = build_examples([], vocab, 3)
    assert X0.shape == (0, 3) and Y0.shape == (0,)


# ---------------------------------------------------------------- the lecture split

def test_split_is_the_lecture_split():
    words = [f"w{i}" for i in range(1000)]
    expected = list(words)
    random.seed(42)
    random.shuffle(expected)
    splits = split_words(words)
    assert splits["train"] == expected[:800] and splits["val"] == expected[800:900] and splits["test"] == expected[900:]
    assert words == [f"w{i}" for i in range(1000)]              # the caller's list is left alone


def test_split_sizes_use_int_truncation():
    splits = split_words([str(i) for i in range(7)])
    assert [len(splits[s]) for s in ("train", "val", "test")] == [5, 1, 1]   # int(5.6), int(6.3) - 5


def test_tensors_on_the_device_with_indices_checked():
    dataset = Dataset.from_words(["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella", "zoe", "lu"])
    data = dataset.tensors(3, "cpu")
    assert set(data) == {"train", "val", "test"}
    for split, (X, Y) in data.items():
        assert X.device.type == "cpu" and X.shape[1] == 3
        assert X.shape[0] == sum(len(w) + 1 for w in dataset.splits[split]) == Y.shape[0]
        assert int(X.max()) < len(dataset.vocab) and int(Y.max()) < len(dataset.vocab)


def test_check_indices():
    check_indices(torch.tensor([0, 26]), 27)
    with pytest.raises(DataError, match="outside the vocabulary"):
        check_indices(torch.tensor([0, 27]), 27)
    with pytest.raises(DataError, match="outside the vocabulary"):
        check_indices(torch.tensor([-1]), 27)


def test_from_bytes_and_from_path_agree(tmp_path, default_names):
    raw = default_names.read_bytes()
    a, b = Dataset.from_bytes(raw, "names.txt"), Dataset.from_path(default_names)
    assert a.words == b.words and a.splits == b.splits and a.vocab.itos == b.vocab.itos


def test_dataset_digest_is_the_words_in_order():
    a = Dataset.from_words(["emma", "olivia", "ava"], name="a")
    assert a.digest == Dataset.from_words(["emma", "olivia", "ava"], name="b").digest   # the name is not data
    assert a.digest != Dataset.from_words(["olivia", "emma", "ava"]).digest
    assert len(a.digest) == 64 and int(a.digest, 16) >= 0
