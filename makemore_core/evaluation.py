"""Evaluation: loss on a whole split, with BatchNorm in eval mode and no gradients.

BatchNorm normalizes with batch statistics while training. To judge one example at a time it
needs fixed statistics instead: the running averages kept during training, or ("calibration")
the mean and variance measured once over the whole training split.
"""
import math
import warnings

import torch
import torch.nn.functional as F

from .layers import BatchNorm1d

CHUNK = 65_536  # examples per forward pass when a whole split is evaluated


@torch.no_grad()
def split_loss(model, X, Y):
    """Mean cross-entropy over a whole split with BatchNorm in eval mode (running statistics)."""
    total = 0.0
    with model.eval_mode():
        for start in range(0, len(X), CHUNK):
            logits = model(X[start:start + CHUNK])
            total += F.cross_entropy(logits, Y[start:start + CHUNK], reduction="sum").item()
    return total / max(len(X), 1)


@torch.no_grad()
def calibrated_stats(model, X):
    """Each BatchNorm's input mean and spread over all of X (the lecture's calibration pass, its
    cell 9): [(mean, var)] for BatchNorm1d, [(mean, std)] for LectureBatchNorm, as their running
    buffers hold them."""
    emb = model.C[X]
    x = emb.view(emb.shape[0], -1)
    stats = []
    for layer in model.layers:
        if isinstance(layer, BatchNorm1d):
            mean, spread = (s.squeeze(0) for s in layer.batch_stats(x))
            stats.append((mean, spread))
            x = layer.normalize(x, mean, spread)
        else:
            x = layer(x)
            layer.out = None  # keep one layer's activations alive at a time, not all of them
    return stats


class batchnorm_stats:
    """Context manager: evaluate with these (mean, spread) pairs in place of the running buffers."""

    def __init__(self, model, stats):
        self.bns, self.stats = model.batchnorms(), stats

    def __enter__(self):
        self.saved = [bn.running for bn in self.bns]
        for bn, pair in zip(self.bns, self.stats):
            bn.running = pair

    def __exit__(self, *_exc):
        for bn, pair in zip(self.bns, self.saved):
            bn.running = pair


def calibrated_split_losses(model, data, splits=("train", "val")):
    """Split losses with every BatchNorm calibrated over the whole training split (the notebook's
    cell 9 then cell 10 with bnmean/bnstd) instead of its running statistics."""
    with batchnorm_stats(model, calibrated_stats(model, data["train"][0])):
        return {split: split_loss(model, *data[split]) for split in splits if len(data[split][0])}


@torch.no_grad()
def grouped_forward(model, X, batch_size):
    """Logits of X cut into consecutive batches of `batch_size`, every BatchNorm normalizing each
    batch by that batch's own statistics (train-mode normalization, running buffers left alone),
    all batches in one pass: what a loop of `model(X[k*b:(k+1)*b])` in train mode gives, without
    the loop. len(X) must be a multiple of batch_size."""
    groups = len(X) // batch_size
    emb = model.C[X]
    x = emb.view(emb.shape[0], -1)
    for layer in model.layers:
        if isinstance(layer, BatchNorm1d):   # its own batch_stats / normalize, over dim 0 of each batch
            xb = x.view(groups, batch_size, -1).transpose(0, 1)          # (batch, groups, features)
            mean, spread = layer.batch_stats(xb)
            x = layer.normalize(xb, mean, spread).transpose(0, 1).reshape(len(X), -1)
        else:
            x = layer(x)
        layer.out = None  # keep one layer's activations alive at a time
    return x


@torch.no_grad()
def batch_stats_loss(model, X, Y, batch_size, max_examples=None):
    """Loss when BatchNorm uses the statistics of each batch of `batch_size` examples (train-mode
    normalization, running buffers left alone). With a batch of 1 the (unbiased) variance of a
    single example is undefined: the loss is NaN, which is why eval mode exists. The whole batches
    go through in one pass (grouped_forward); a last, shorter batch on its own."""
    if max_examples is not None:
        X, Y = X[:max_examples], Y[:max_examples]
    whole = len(X) // batch_size * batch_size
    step = max(CHUNK // batch_size, 1) * batch_size   # whole batches per pass, about CHUNK examples
    total = 0.0
    with model.batch_stats_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: var() of one example is undefined
        for start in range(0, whole, step):
            stop = min(start + step, whole)
            logits = grouped_forward(model, X[start:stop], batch_size)
            total += F.cross_entropy(logits, Y[start:stop], reduction="sum").item()
        if whole < len(X):
            total += F.cross_entropy(model(X[whole:]), Y[whole:], reduction="sum").item()
    return total / len(X) if len(X) else math.nan


def batchnorm_mode_losses(model, data, split="val", max_examples=2048):
    """Loss of one split under each way BatchNorm can get its statistics (the Evaluation page's table)."""
    X, Y = data[split]
    rows = {"running statistics (eval mode)": split_loss(model, X, Y)}
    if model.batchnorms():
        with batchnorm_stats(model, calibrated_stats(model, data["train"][0])):
            rows["calibrated on the whole training split"] = split_loss(model, X, Y)
        rows["batch statistics, batch of 32"] = batch_stats_loss(model, X, Y, 32)
        rows["batch statistics, batch of 1"] = batch_stats_loss(model, X, Y, 1, max_examples)
    return rows


def all_split_losses(model, data):
    return {split: split_loss(model, *data[split]) for split in data if len(data[split][0])}


@torch.no_grad()
def word_nll(model, vocab, word, block_size):
    """Per-character probability and negative log-likelihood of a word (its end '.' included)."""
    from .data import context_windows
    pairs = context_windows(word, vocab, block_size)
    X = torch.tensor([c for c, _ in pairs], dtype=torch.long, device=model.device)
    Y = torch.tensor([t for _, t in pairs], dtype=torch.long, device=model.device)
    with model.eval_mode():
        probs = F.softmax(model(X), dim=1)
    p = probs[torch.arange(len(Y), device=model.device), Y]
    nll = -torch.log(p)
    return [{"context": vocab.decode(c), "char": vocab.itos[t], "prob": float(pi), "nll": float(ni)}
            for (c, t), pi, ni in zip(pairs, p, nll)]
