"""Counts the Data and Context pages show: lengths, characters, bigrams, examples per split.

Plain functions of a Dataset, plus one cached bundle per data set, so a slider change never
recounts 30,000 words.
"""
import random
from collections import Counter

import numpy as np
import streamlit as st

from makemore_core.data import END, SPLITS, Dataset


def length_counts(words) -> dict[int, int]:
    """{word length: how many words have it}, every length from shortest to longest present."""
    counts = Counter(len(w) for w in words)
    return {n: counts.get(n, 0) for n in range(min(counts), max(counts) + 1)}


def char_counts(words, vocab) -> list[int]:
    """How often each vocabulary character occurs, in index order; '.' counts one end marker per word."""
    counts = Counter("".join(words))
    return [len(words) if ch == END else counts.get(ch, 0) for ch in vocab.itos]


def bigram_counts(words, vocab) -> np.ndarray:
    """N[i, j] = how often character j follows character i, with '.' before and after every word."""
    n = np.zeros((len(vocab), len(vocab)), dtype=np.int64)
    stoi = vocab.stoi
    pairs = Counter()
    for w in words:
        chars = END + w + END
        pairs.update(zip(chars, chars[1:]))
    for (a, b), count in pairs.items():
        n[stoi[a], stoi[b]] = count
    return n


def examples_per_split(dataset: Dataset) -> dict[str, dict]:
    """Per split: words, letters (Σ len), and examples = Σ (len(word) + 1): one per letter plus the end '.'."""
    out = {}
    for split in SPLITS:
        words = dataset.splits[split]
        letters = sum(len(w) for w in words)
        out[split] = {"words": len(words), "letters": letters, "examples": letters + len(words)}
    return out


def find_word(dataset: Dataset, word: str) -> dict:
    """How often a word occurs in the data and in which splits (duplicates can land in several)."""
    per_split = {s: dataset.splits[s].count(word) for s in SPLITS}
    return {"total": sum(per_split.values()), "splits": {s: n for s, n in per_split.items() if n}}


def name_sample(words, k=40, seed=0) -> list[str]:
    """A fixed handful of distinct words, short to long: something to pick from without typing."""
    distinct = sorted(set(words))
    return sorted(random.Random(seed).sample(distinct, min(k, len(distinct))), key=lambda w: (len(w), w))


def digest(dataset: Dataset) -> str:
    return dataset.digest


@st.cache_resource(show_spinner=False, max_entries=8)
def _stats(key: str, _dataset: Dataset) -> dict:
    d = _dataset
    return {
        "key": key,
        "summary": d.summary(),
        "lengths": length_counts(d.words),
        "chars": char_counts(d.words, d.vocab),
        "bigrams": bigram_counts(d.words, d.vocab),
        "splits": examples_per_split(d),
        "sample": name_sample(d.words),
    }


def dataset_stats(dataset: Dataset) -> dict:
    """Cached counts for this data set: key (a digest), summary, lengths, chars, bigrams, splits, sample."""
    return _stats(digest(dataset), dataset)
