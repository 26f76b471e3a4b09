"""build_examples: the lecture's context windows for a whole list as arrays, without a Python call per word
(a 5 MB list's Start held the interpreter lock for seconds and starved every trainer: issue 30 item 8)."""
import pytest
import torch

from makemore_core import data
from makemore_core.data import DataError, Vocab, build_examples, context_windows

WORDS = ["emma", "", "héllo", "日本", "x", "olivia"]
VOCAB = Vocab.from_words(WORDS)


def windows(words, block_size):
    pairs = [p for w in words for p in context_windows(w, VOCAB, block_size)]
    return (torch.tensor([c for c, _ in pairs], dtype=torch.long).reshape(-1, block_size),
            torch.tensor([t for _, t in pairs], dtype=torch.long))


@pytest.mark.parametrize("block_size", [1, 3, 8])
def test_the_arrays_are_the_context_windows_word_after_word(block_size):
    X, Y = build_examples(WORDS, VOCAB, block_size)
    X_ref, Y_ref = windows(WORDS, block_size)
    assert X.dtype == Y.dtype == torch.long and torch.equal(X, X_ref) and torch.equal(Y, Y_ref)
    assert build_examples([], VOCAB, block_size)[0].shape == (0, block_size)


def test_no_python_call_per_word(monkeypatch):
    calls = []
    monkeypatch.setattr(Vocab, "encode", lambda self, w: calls.append(w) or [self.stoi[c] for c in w])
    monkeypatch.setattr(data, "context_windows", lambda *a: calls.append(a) or [])
    X, _ = build_examples(WORDS * 100, VOCAB, 3)
    assert calls == [] and len(X) == 100 * sum(len(w) + 1 for w in WORDS)


def test_an_unknown_character_names_its_word():
    with pytest.raises(DataError, match="'emma!' has characters not in the vocabulary: '!'"):
        build_examples(["emma", "emma!"], VOCAB, 3)
