"""Sampling: start from '.' x block_size, predict a character, slide the window, stop at '.'.

    context = [0] * block_size
    while True:
        probs = softmax(model(context) / temperature)   # filtered by top-k / top-p
        ix = multinomial(probs, generator=g)
        context = context[1:] + [ix]
        if ix == 0: break
"""
import math

import torch
import torch.nn.functional as F

SAMPLE_SEED = 2147483647 + 10   # the lecture's sampling generator
MAX_LENGTH = 50                 # a cap, so an untrained model cannot run forever


def check_seed(seed):
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be between 0 and 2**64 - 1, got {seed}")


def check_options(temperature=1.0, top_k=None, top_p=None):
    if not (temperature > 0 and math.isfinite(temperature)):
        raise ValueError("temperature must be a positive number")
    if top_k is not None and top_k < 1:
        raise ValueError("top-k must be at least 1")
    if top_p is not None and not (0 < top_p <= 1):
        raise ValueError("top-p must be in (0, 1]")


@torch.no_grad()
def next_char_probs(model, context, temperature=1.0, top_k=None, top_p=None):
    """Probabilities of the next character (eval-mode BatchNorm), after temperature and filtering."""
    x = torch.tensor([context], dtype=torch.long, device=model.device)
    with model.eval_mode():   # one example: BatchNorm must use its running statistics
        logits = model(x)[0] / temperature
    probs = F.softmax(logits, dim=0)
    filtered = False
    if top_k is not None and top_k < len(probs):
        cutoff = torch.topk(probs, top_k).values[-1]
        probs = torch.where(probs >= cutoff, probs, torch.zeros_like(probs))
        filtered = True
    if top_p is not None and top_p < 1:
        sorted_p, order = torch.sort(probs, descending=True)
        keep_sorted = torch.cumsum(sorted_p, 0) - sorted_p < top_p   # smallest set whose mass reaches p
        keep = torch.zeros_like(probs, dtype=torch.bool)
        keep[order[keep_sorted]] = True
        probs = torch.where(keep, probs, torch.zeros_like(probs))
        filtered = True
    # renormalize only what was filtered: unfiltered, the draws match the notebook's exactly
    return probs / probs.sum() if filtered else probs


@torch.no_grad()
def sample_one(model, vocab, g, temperature=1.0, top_k=None, top_p=None, max_length=MAX_LENGTH, trace=False):
    """One name; with trace=True also every step's context, probabilities and chosen character."""
    block_size = model.config.block_size
    context, out, steps = [0] * block_size, [], []
    while len(out) < max_length:
        probs = next_char_probs(model, context, temperature, top_k, top_p)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        if trace:
            steps.append({"context": vocab.decode(context), "probs": probs.tolist(), "chosen": ix,
                          "char": vocab.itos[ix]})
        context = context[1:] + [ix]
        if ix == 0:
            break
        out.append(ix)
    name = vocab.decode(out)
    return (name, steps) if trace else name


@torch.no_grad()
def sample(model, vocab, n=20, seed=SAMPLE_SEED, temperature=1.0, top_k=None, top_p=None,
           max_length=MAX_LENGTH):
    """n names from a seeded generator on the model's device: the same seed gives the same names."""
    check_options(temperature, top_k, top_p)
    check_seed(seed)
    g = torch.Generator(device=model.device).manual_seed(seed)
    with model.eval_mode():
        return [sample_one(model, vocab, g, temperature, top_k, top_p, max_length) for _ in range(n)]


@torch.no_grad()
def trace(model, vocab, seed=SAMPLE_SEED, temperature=1.0, top_k=None, top_p=None, max_length=MAX_LENGTH,
          index=0):
    """(name, steps) of the index-th name the seed gives (the first by default), step by step: the
    same generator draws the names before it, so it is the index-th name `sample` gives."""
    check_options(temperature, top_k, top_p)
    check_seed(seed)
    g = torch.Generator(device=model.device).manual_seed(seed)
    with model.eval_mode():
        for _ in range(index):
            sample_one(model, vocab, g, temperature, top_k, top_p, max_length)
        return sample_one(model, vocab, g, temperature, top_k, top_p, max_length, trace=True)


@torch.no_grad()
def beam_search(model, vocab, width=5, n=None, max_length=MAX_LENGTH):
    """The most likely names: keep the `width` best partial names by total log-probability.
    Returns up to n (default: width) finished names as (name, log-prob), best first."""
    if width < 1:
        raise ValueError("beam width must be at least 1")
    n = width if n is None else n
    with model.eval_mode():
        block_size = model.config.block_size
        beams = [([0] * block_size, [], 0.0)]   # (context, characters so far, log-prob)
        finished = []
        for _ in range(max_length + 1):  # a name of max_length characters still gets its closing '.'
            if not beams:
                break
            contexts = torch.tensor([b[0] for b in beams], dtype=torch.long, device=model.device)
            logp = F.log_softmax(model(contexts), dim=1)
            candidates = []
            for (context, chars, score), row in zip(beams, logp.tolist()):
                for ix, lp in enumerate(row):
                    candidates.append((score + lp, context, chars, ix))
            candidates.sort(key=lambda c: -c[0])
            beams = []
            for score, context, chars, ix in candidates[:max(width, n)]:
                if ix == 0:
                    if chars:
                        finished.append((vocab.decode(chars), score))
                else:
                    beams.append((context[1:] + [ix], chars + [ix], score))
            beams = beams[:width]
            # log-probabilities only fall as a name grows: once n finished names beat the best live
            # beam, no live beam can enter the top n
            finished.sort(key=lambda f: -f[1])
            if len(finished) >= n and (not beams or finished[n - 1][1] >= beams[0][2]):
                break
    finished.sort(key=lambda f: -f[1])
    return finished[:n]


@torch.no_grad()
def sample_batch_stats(model, vocab, batch_size=32, seed=SAMPLE_SEED, max_length=MAX_LENGTH):
    """batch_size names sampled side by side with BatchNorm normalizing by the statistics of the
    batch (train-mode normalization; running buffers left alone). Each name then depends on its
    batchmates. A name whose probabilities are not finite (a batch of 1 has no variance) is None."""
    import warnings
    g = torch.Generator(device=model.device).manual_seed(seed)
    context = torch.zeros((batch_size, model.config.block_size), dtype=torch.long, device=model.device)
    chars, done, broken = [[] for _ in range(batch_size)], [False] * batch_size, [False] * batch_size
    with model.batch_stats_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: var() of one example is undefined
        for _ in range(max_length):
            probs = F.softmax(model(context), dim=1)
            finite = torch.isfinite(probs).all(dim=1)
            probs[~finite] = 1.0   # a stand-in so multinomial can draw; those names are marked broken
            ix = torch.multinomial(probs, num_samples=1, generator=g)[:, 0]
            for i in range(batch_size):
                if done[i]:
                    continue   # a finished name's row stays in the batch: it still shapes the statistics
                if not finite[i]:
                    broken[i] = done[i] = True
                elif ix[i] == 0:
                    done[i] = True
                else:
                    chars[i].append(int(ix[i]))
            context = torch.cat([context[:, 1:], ix[:, None]], dim=1)
            if all(done):
                break
    return [None if broken[i] else vocab.decode(chars[i]) for i in range(batch_size)]
