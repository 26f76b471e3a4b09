"""Evaluation: loss on a whole split, with BatchNorm in eval mode and no gradients.

BatchNorm normalizes with batch statistics while training. To judge one example at a time it
needs fixed statistics instead: the running averages kept during training, or ("calibration")
the mean and variance measured once over the whole training split.

Whole splits go through in chunks of PASS_CHUNK rows with the layers as pure functions (no
`layer.out` written, no mode switched): a chunk's activations stay in the CPU's cache, and two
threads can evaluate the same model at once (`evaluate`).
"""
import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .layers import BatchNorm1d, LectureBatchNorm, Linear, ReLU, Tanh

PASS_CHUNK = 2_048   # rows per step of a pure pass: measured 1.7x faster than 65,536 over the training split
RUNNING = "running statistics (eval mode)"
CALIBRATED = "calibrated on the whole training split"


def _apply(layer, x, stats):
    """layer(x) without touching the layer; a BatchNorm normalizes by `stats` (mean, spread)."""
    if isinstance(layer, Linear):
        out = x @ layer.weight
        return out if layer.bias is None else out + layer.bias
    if isinstance(layer, BatchNorm1d):
        return layer.normalize(x, *stats)
    if isinstance(layer, Tanh):
        return torch.tanh(x)
    if isinstance(layer, ReLU):
        return torch.relu(x)
    return layer(x)


def _embed(model, X):
    emb = model.C[X]
    return emb.view(emb.shape[0], -1)


def _pass(model, x, layers, stats):
    """x through `layers`, each BatchNorm with its (mean, spread) from the iterator `stats`."""
    for layer in layers:
        x = _apply(layer, x, next(stats) if isinstance(layer, BatchNorm1d) else None)
    return x


def running_stats(model):
    """[(mean, spread)] of every BatchNorm as eval mode uses them (its running buffers)."""
    return [bn.running for bn in model.batchnorms()]


@torch.no_grad()
def loss_with_stats(model, X, Y, stats):
    """Mean cross-entropy over X, every BatchNorm normalizing by fixed `stats`; thread-safe."""
    total = 0.0
    for start in range(0, len(X), PASS_CHUNK):
        logits = _pass(model, _embed(model, X[start:start + PASS_CHUNK]), model.layers, iter(stats))
        total += F.cross_entropy(logits, Y[start:start + PASS_CHUNK], reduction="sum").item()
    return total / max(len(X), 1)


def split_loss(model, X, Y):
    """Mean cross-entropy over a whole split with BatchNorm in eval mode (running statistics)."""
    return loss_with_stats(model, X, Y, running_stats(model))


def _segments(model):
    """The layers cut just before each BatchNorm: [layers up to BN 1), [BN 1 .. BN 2), ..., [last BN ..]."""
    cuts = [i for i, layer in enumerate(model.layers) if isinstance(layer, BatchNorm1d)]
    bounds = [0] + cuts + [len(model.layers)]
    return [model.layers[a:b] for a, b in zip(bounds, bounds[1:])]


class _ColumnStats:
    """Mean and unbiased variance of each column over chunks of rows: each chunk's own mean and sum
    of squared deviations (float32, in the cache), merged in float64 (Chan et al.'s pairwise rule)."""

    def __init__(self):
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, x):
        mean = x.mean(0)
        d = x - mean
        n, m2, mean = len(x), (d * d).sum(0).double(), mean.double()
        delta, total = mean - self.mean, self.n + n
        self.m2 = self.m2 + m2 + delta * delta * (self.n * n / total)
        self.mean = self.mean + delta * (n / total)
        self.n = total

    def result(self, dtype):
        var = self.m2 / (self.n - 1) if self.n > 1 else self.m2 * math.nan
        return self.mean.to(dtype), var.to(dtype)


@torch.no_grad()
def calibrated_stats(model, X):
    """Each BatchNorm's input mean and spread over all of X (the lecture's calibration pass, its
    cell 9): [(mean, var)] for BatchNorm1d, [(mean, std)] for LectureBatchNorm, as their running
    buffers hold them. Unbiased, as `batch_stats`, but gathered chunk by chunk so that the pass
    stays in the cache (x.var(0) over the whole split took 10x x.mean(0))."""
    if not len(X):
        return [(torch.full_like(bn.gamma, math.nan),) * 2 for bn in model.batchnorms()]
    stats, inputs = [], None     # inputs: what the next segment reads, for every row of X
    for bn, segment in zip(model.batchnorms(), _segments(model)):
        outputs, columns = None, _ColumnStats()
        for start in range(0, len(X), PASS_CHUNK):
            x = _embed(model, X[start:start + PASS_CHUNK]) if inputs is None else inputs[start:start + PASS_CHUNK]
            x = _pass(model, x, segment, iter(stats[-1:]))    # a leading BatchNorm: the one just calibrated
            if outputs is None:
                outputs = x.new_empty((len(X), x.shape[1]))
            outputs[start:start + len(x)] = x
            columns.add(x)
        mean, var = columns.result(outputs.dtype)
        stats.append((mean, var.sqrt() if isinstance(bn, LectureBatchNorm) else var))
        inputs = outputs
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
    the loop. len(X) must be a multiple of batch_size. Pure: no layer's state is touched."""
    groups = len(X) // batch_size
    emb = model.C[X]
    x = emb.view(emb.shape[0], -1)
    for layer in model.layers:
        if isinstance(layer, BatchNorm1d):   # its own batch_stats / normalize, over dim 0 of each batch
            xb = x.view(groups, batch_size, -1).transpose(0, 1)          # (batch, groups, features)
            mean, spread = layer.batch_stats(xb)
            x = layer.normalize(xb, mean, spread).transpose(0, 1).reshape(len(X), -1)
        else:
            x = _apply(layer, x, None)
    return x


@torch.no_grad()
def batch_stats_loss(model, X, Y, batch_size, max_examples=None):
    """Loss when BatchNorm uses the statistics of each batch of `batch_size` examples (train-mode
    normalization, running buffers left alone). With a batch of 1 the (unbiased) variance of a
    single example is undefined: the loss is NaN, which is why eval mode exists. The whole batches
    go through in passes of about PASS_CHUNK examples (grouped_forward); a last, shorter batch on its
    own. Thread-safe, as the passes of `loss_with_stats`."""
    if max_examples is not None:
        X, Y = X[:max_examples], Y[:max_examples]
    whole = len(X) // batch_size * batch_size
    step = max(PASS_CHUNK // batch_size, 1) * batch_size   # whole batches per pass, about PASS_CHUNK examples
    total = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: var() of one example is undefined
        for start in range(0, whole, step):
            stop = min(start + step, whole)
            logits = grouped_forward(model, X[start:stop], batch_size)
            total += F.cross_entropy(logits, Y[start:stop], reduction="sum").item()
        if whole < len(X):
            logits = grouped_forward(model, X[whole:], len(X) - whole)
            total += F.cross_entropy(logits, Y[whole:], reduction="sum").item()
    return total / len(X) if len(X) else math.nan


BATCH_OF_32, BATCH_OF_1 = "batch statistics, batch of 32", "batch statistics, batch of 1"


def batchnorm_mode_losses(model, data, split="val", max_examples=2048, known=None, calibrated=None):
    """Loss of one split under each way BatchNorm can get its statistics (the Evaluation page's
    table): {mode: loss}. `known`: rows already computed; `calibrated`: calibrated_stats already
    measured over the training split."""
    X, Y = data[split]
    known = known or {}
    rows = {RUNNING: known[RUNNING] if RUNNING in known else split_loss(model, X, Y)}
    if model.batchnorms():
        if CALIBRATED in known:
            rows[CALIBRATED] = known[CALIBRATED]
        else:
            calibrated = calibrated_stats(model, data["train"][0]) if calibrated is None else calibrated
            rows[CALIBRATED] = loss_with_stats(model, X, Y, calibrated)
        rows[BATCH_OF_32] = known[BATCH_OF_32] if BATCH_OF_32 in known else batch_stats_loss(model, X, Y, 32)
        rows[BATCH_OF_1] = known[BATCH_OF_1] if BATCH_OF_1 in known else \
            batch_stats_loss(model, X, Y, 1, max_examples)
    return rows


def all_split_losses(model, data, stats=None):
    """{split: eval-mode loss} of every non-empty split; `stats` in place of the running buffers."""
    stats = running_stats(model) if stats is None else stats
    return {split: loss_with_stats(model, *data[split], stats) for split in data if len(data[split][0])}


@dataclass
class Report:
    splits: dict          # {split: eval-mode loss}, non-empty splits only
    modes: dict           # {BatchNorm mode: loss on the split asked for}; only RUNNING without BatchNorm
    calibrated: list      # calibrated_stats over the training split ([] without BatchNorm)


def evaluate(model, data, split="val", max_examples=2048):
    """All the Evaluation page's numbers for one model, in two threads at once (on two cores about
    half the wall time): the split losses and batch-statistics losses in a second thread (pure
    passes, the running buffers read up front) while this one calibrates over the training split."""
    X, Y = data[split]
    has_bn = bool(model.batchnorms())

    def pure_passes():
        splits = all_split_losses(model, data, running_stats(model))
        known = {RUNNING: splits.get(split, math.nan)}
        if has_bn:
            known[BATCH_OF_32] = batch_stats_loss(model, X, Y, 32)
            known[BATCH_OF_1] = batch_stats_loss(model, X, Y, 1, max_examples)
        return splits, known

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(pure_passes)
        calibrated = calibrated_stats(model, data["train"][0]) if has_bn else []
        splits, known = future.result()
    return Report(splits, batchnorm_mode_losses(model, data, split, max_examples, known, calibrated), calibrated)


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
