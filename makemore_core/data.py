"""Data: a word list -> vocabulary -> context windows -> train/val/test tensors.

Follows makemore part 3: '.' is token 0 (it marks both the start padding and the end of a
name), the other characters are sorted and numbered from 1, and the words are shuffled with
seed 42 and split 80/10/10.
"""
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 500_000
MAX_CHARS = 100
MAX_BLOCK_SIZE = 16
END = "."  # the reserved token: start padding and end of a name


class DataError(ValueError):
    """A word list that cannot be used, with a message meant for the user."""


# ---------------------------------------------------------------- loading & validation

def words_from_bytes(raw: bytes, name: str = "upload") -> list[str]:
    """Decode and validate a word list (one word a line). Raises DataError saying what is wrong."""
    if len(raw) == 0:
        raise DataError(f"{name} is empty.")
    if len(raw) > MAX_BYTES:
        raise DataError(f"{name} is {len(raw) / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB.")
    if b"\x00" in raw:
        raise DataError(f"{name} looks like a binary file, not a text word list.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{name} is not UTF-8 text (bad byte at position {e.start}).") from None
    text = text.lstrip("\ufeff")  # a byte-order mark is not part of the first word
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise DataError(f"{name} has {len(lines):,} lines; the limit is {MAX_LINES:,}.")
    words = []
    for number, line in enumerate(lines, start=1):
        word = line.strip()
        if not word:
            continue  # blank lines are skipped
        if any(c.isspace() for c in word):
            raise DataError(f"{name}, line {number}: {word[:30]!r} has whitespace inside; put one word on each line.")
        if END in word:
            raise DataError(f"{name}, line {number}: {word[:30]!r} contains '.', which is reserved as the start/end token.")
        if any(not c.isprintable() for c in word):
            raise DataError(f"{name}, line {number}: {word[:30]!r} contains a control character.")
        words.append(word)
    if not words:
        raise DataError(f"{name} has no words (only blank lines).")
    n_chars = len(set("".join(words)))
    if n_chars > MAX_CHARS:
        raise DataError(f"{name} uses {n_chars} distinct characters; the limit is {MAX_CHARS}.")
    return words


def load_words(path) -> list[str]:
    """Read and validate a word list from a file path."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise DataError(f"{path.name} is {path.stat().st_size / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB.")
    return words_from_bytes(path.read_bytes(), path.name)


# ---------------------------------------------------------------- vocabulary

class Vocab:
    """Character <-> index. '.' is 0; the data's characters follow, sorted, from 1."""

    def __init__(self, chars):
        chars = sorted(set(chars) - {END})
        self.itos = [END] + chars
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def from_words(cls, words):
        return cls("".join(words))

    def __len__(self):
        return len(self.itos)

    def encode(self, word: str) -> list[int]:
        unknown = sorted(set(word) - set(self.stoi))
        if unknown:
            raise DataError(f"{word!r} has characters not in the vocabulary: {''.join(unknown)!r}")
        return [self.stoi[c] for c in word]

    def decode(self, indices) -> str:
        return "".join(self.itos[int(i)] for i in indices)


# ---------------------------------------------------------------- context windows

def context_windows(word: str, vocab: Vocab, block_size: int):
    """Every (context, target) pair of one word: len(word) + 1 of them, '.'-padded on the left."""
    context = [0] * block_size
    pairs = []
    for ix in vocab.encode(word) + [0]:
        pairs.append((list(context), ix))
        context = context[1:] + [ix]
    return pairs


def build_examples(words, vocab: Vocab, block_size: int, device="cpu"):
    """Stack the context windows of many words into X (N, block_size) and Y (N,): the pairs of
    context_windows, word after word, computed as arrays (a Python loop over a 5 MB list held the
    interpreter lock for seconds, which starved every training thread of the server)."""
    check_block_size(block_size)
    words = list(words)
    ids = _char_ids("".join(words), words, vocab)
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    # each word becomes [0] * block_size + its ids + [0] in one flat sequence; an example is a window of it
    spans = block_size + lengths + 1
    starts = np.cumsum(spans) - spans
    seq = np.zeros(int(spans.sum()), dtype=np.int64)
    seq[_ranges(starts + block_size, lengths)] = ids
    first = _ranges(starts, lengths + 1)
    X = torch.from_numpy(seq[first[:, None] + np.arange(block_size)])
    Y = torch.from_numpy(seq[first + block_size])
    return X.to(device), Y.to(device)


def _ranges(starts, counts):
    """starts[i], starts[i] + 1, ..., starts[i] + counts[i] - 1 for every i, concatenated."""
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + offsets


def _char_ids(text: str, words, vocab: Vocab):
    """The vocabulary index of every character of `text`; a character outside it raises encode's error."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    table = np.full(max([int(codes.max()) if len(codes) else 0] + [ord(c) for c in vocab.stoi]) + 1, -1)
    for c, i in vocab.stoi.items():
        table[ord(c)] = i
    ids = table[codes]
    if np.any(ids < 0):
        for w in words:
            vocab.encode(w)   # raises DataError naming the first word with an unknown character
    return ids


def check_indices(t: torch.Tensor, vocab_size: int):
    """Every index must pick a row of the embedding table (0 .. vocab_size - 1)."""
    if t.numel() and not (0 <= int(t.min()) and int(t.max()) < vocab_size):
        raise DataError(f"an index lies outside the vocabulary of {vocab_size} tokens "
                        f"(found {int(t.min())} .. {int(t.max())})")


def check_block_size(block_size: int):
    if not (1 <= int(block_size) <= MAX_BLOCK_SIZE):
        raise DataError(f"block_size (context length) must be between 1 and {MAX_BLOCK_SIZE}, got {block_size}.")


# ---------------------------------------------------------------- splits

SPLITS = ("train", "val", "test")


def split_words(words, seed: int = 42):
    """The lecture's split: shuffle with random.seed(42), then 80% / 10% / 10%."""
    words = list(words)
    random.Random(seed).shuffle(words)  # same sequence as random.seed(seed); random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return {"train": words[:n1], "val": words[n1:n2], "test": words[n2:]}


@dataclass
class Dataset:
    """A validated word list with its vocabulary and its lecture split."""
    name: str
    words: list
    vocab: Vocab
    splits: dict

    @classmethod
    def from_words(cls, words, name="words", seed=42):
        words = list(words)
        splits = split_words(words, seed)
        if not splits["train"]:
            raise DataError(f"{name} has {len(words)} word{'s' * (len(words) != 1)}; at least 2 are needed "
                            "so that the training split (80%) is not empty.")
        return cls(name=name, words=words, vocab=Vocab.from_words(words), splits=splits)

    @classmethod
    def from_path(cls, path):
        return cls.from_words(load_words(path), name=Path(path).name)

    @property
    def digest(self) -> str:
        """SHA-256 of the words, in order: the data set's identity (the key of every cache of results)."""
        return hashlib.sha256("\n".join(self.words).encode()).hexdigest()

    @classmethod
    def from_bytes(cls, raw: bytes, name="upload"):
        return cls.from_words(words_from_bytes(raw, name), name=name)

    def tensors(self, block_size: int, device="cpu"):
        """{'train': (X, Y), 'val': (X, Y), 'test': (X, Y)} at this block_size, on the device."""
        out = {}
        for split in SPLITS:
            X, Y = build_examples(self.splits[split], self.vocab, block_size, device)
            check_indices(X, len(self.vocab))
            check_indices(Y, len(self.vocab))
            out[split] = (X, Y)
        return out

    def summary(self):
        lengths = [len(w) for w in self.words]
        return {
            "name": self.name,
            "words": len(self.words),
            "distinct": len(set(self.words)),
            "shortest": min(lengths),
            "longest": max(lengths),
            "mean_length": sum(lengths) / len(lengths),
            "vocab_size": len(self.vocab),
        }
