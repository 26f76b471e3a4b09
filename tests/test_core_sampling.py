"""Sampling: seeded and deterministic, the notebook's loop, temperature / top-k / top-p, trace, beam."""
import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from makemore_core import sampling
from makemore_core.data import Dataset
from makemore_core.device import configure_threads
from makemore_core.evaluation import word_nll
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

configure_threads()


@pytest.fixture(scope="module")
def trained(default_names):
    dataset = Dataset.from_path(default_names)
    model = MLP(ModelConfig())
    Trainer(model, dataset.tensors(3), TrainConfig(steps=400, lr_milestones=[300])).run()
    return model, dataset.vocab


def test_same_seed_same_names_other_seed_other_names(trained):
    model, vocab = trained
    a = sampling.sample(model, vocab, n=10, seed=7)
    assert a == sampling.sample(model, vocab, n=10, seed=7)
    assert a != sampling.sample(model, vocab, n=10, seed=8)
    assert len(a) == 10 and all(set(name) <= set(vocab.itos[1:]) for name in a)
    assert sampling.SAMPLE_SEED == 2147483647 + 10
    assert sampling.sample(model, vocab, n=3) == sampling.sample(model, vocab, n=3, seed=2147483657)


def test_sampling_is_the_notebook_loop(trained):
    """Unfiltered sampling draws exactly what the lecture's sampling cell draws."""
    model, vocab = trained
    model.eval()
    g = torch.Generator().manual_seed(2147483647 + 10)
    expected = []
    for _ in range(20):
        out, context = [], [0] * model.config.block_size
        while len(out) < 1000:
            x = model.C[torch.tensor([context])]
            x = x.view(x.shape[0], -1)
            for layer in model.layers:
                x = layer(x)
            probs = F.softmax(x, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            out.append(ix)
            if ix == 0:
                break
        expected.append("".join(vocab.itos[i] for i in out[:-1]))
    model.train()
    assert sampling.sample(model, vocab, n=20) == expected
    assert model.training                                   # the caller's mode comes back


def test_trace_is_the_first_sampled_name_step_by_step(trained):
    model, vocab = trained
    name, steps = sampling.trace(model, vocab, seed=3)
    assert name == sampling.sample(model, vocab, n=1, seed=3)[0]
    assert len(steps) == len(name) + 1
    assert steps[0]["context"] == "..." and steps[-1]["char"] == "." and steps[-1]["chosen"] == 0
    assert "".join(s["char"] for s in steps[:-1]) == name
    for i, s in enumerate(steps):
        assert len(s["probs"]) == len(vocab) and sum(s["probs"]) == pytest.approx(1, abs=1e-5)
        assert s["probs"][s["chosen"]] > 0
        if i > 0:
            assert s["context"] == (steps[i - 1]["context"] + steps[i - 1]["char"])[1:]


def test_trace_of_the_kth_name_is_the_kth_sampled_name(trained):
    """What the Sampling page's "Follow the name" shows: the same generator draws the names before it."""
    model, vocab = trained
    names = sampling.sample(model, vocab, n=6, seed=5, temperature=1.5, top_k=20)
    for k in (1, 5):
        name, steps = sampling.trace(model, vocab, seed=5, temperature=1.5, top_k=20, index=k)
        assert name == names[k] and "".join(s["char"] for s in steps[:-1]) == name


def test_next_char_probs_uses_eval_mode_and_restores_it(trained):
    model, vocab = trained
    model.train()
    probs = sampling.next_char_probs(model, [0, 0, 0])
    assert torch.isfinite(probs).all() and model.training
    model.eval()
    expected = F.softmax(model(torch.tensor([[0, 0, 0]])), dim=1)[0]
    model.train()
    assert torch.allclose(probs, expected, rtol=0, atol=1e-7)


def test_temperature(trained):
    model, _ = trained
    base = sampling.next_char_probs(model, [0, 0, 0])
    cold = sampling.next_char_probs(model, [0, 0, 0], temperature=0.5)
    hot = sampling.next_char_probs(model, [0, 0, 0], temperature=2.0)
    expected_cold = base**2 / (base**2).sum()        # softmax(z / 0.5) is proportional to softmax(z)^2
    assert torch.allclose(cold, expected_cold, rtol=1e-4, atol=1e-6)
    entropy = lambda p: float(-(p[p > 0] * p[p > 0].log()).sum())  # noqa: E731
    assert entropy(cold) < entropy(base) < entropy(hot)


def test_top_k_keeps_the_k_most_likely(trained):
    model, _ = trained
    base = sampling.next_char_probs(model, [0, 0, 0])
    top3 = sampling.next_char_probs(model, [0, 0, 0], top_k=3)
    kept = set(torch.nonzero(top3).flatten().tolist())
    assert kept == set(torch.topk(base, 3).indices.tolist())
    assert float(top3.sum()) == pytest.approx(1, abs=1e-6)
    assert torch.allclose(top3[list(kept)], base[list(kept)] / base[list(kept)].sum(), rtol=1e-5)
    assert torch.equal(sampling.next_char_probs(model, [0, 0, 0], top_k=100), base)


def test_top_p_keeps_the_smallest_set_reaching_p(trained):
    model, _ = trained
    base = sampling.next_char_probs(model, [0, 0, 0])
    filtered = sampling.next_char_probs(model, [0, 0, 0], top_p=0.5)
    ordered = torch.sort(base, descending=True).values
    needed = int((torch.cumsum(ordered, 0) < 0.5).sum()) + 1
    assert int((filtered > 0).sum()) == needed
    assert float(base[filtered > 0].sum()) >= 0.5
    assert int((sampling.next_char_probs(model, [0, 0, 0], top_p=1e-9) > 0).sum()) == 1


def greedy_name(model, vocab, max_length=sampling.MAX_LENGTH):
    context, out = [0] * model.config.block_size, []
    while len(out) < max_length:
        ix = int(torch.argmax(sampling.next_char_probs(model, context)))
        if ix == 0:
            break
        out.append(ix)
        context = context[1:] + [ix]
    return vocab.decode(out)


def test_top_k_1_and_tiny_top_p_are_greedy(trained):
    model, vocab = trained
    greedy = greedy_name(model, vocab)
    assert sampling.sample(model, vocab, n=3, top_k=1) == [greedy] * 3
    assert sampling.sample(model, vocab, n=3, top_p=1e-9) == [greedy] * 3


def test_max_length_caps_a_name():
    dataset = Dataset.from_words(["ab", "ba", "aab"])
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab)))      # untrained: '.' is rarely drawn
    names = sampling.sample(model, dataset.vocab, n=20, max_length=4)
    assert all(len(name) <= 4 for name in names)


@pytest.mark.parametrize("kw, message", [({"temperature": 0}, "temperature"), ({"temperature": float("inf")}, "temperature"),
                                         ({"top_k": 0}, "top-k"), ({"top_p": 0}, "top-p"), ({"top_p": 1.5}, "top-p"),
                                         ({"seed": -1}, "seed")])
def test_bad_options(trained, kw, message):
    model, vocab = trained
    with pytest.raises(ValueError, match=message):
        sampling.sample(model, vocab, **kw)


# ---------------------------------------------------------------- beam search

def all_names_by_likelihood(model, vocab, max_length):
    """Brute force: the log-probability of every name of 1..max_length characters."""
    scored = []
    for length in range(1, max_length + 1):
        for chars in itertools.product(vocab.itos[1:], repeat=length):
            name = "".join(chars)
            scored.append((name, -sum(r["nll"] for r in word_nll(model, vocab, name, model.config.block_size))))
    return sorted(scored, key=lambda s: -s[1])


def test_beam_search_finds_the_most_likely_names():
    dataset = Dataset.from_words(["ab", "abba", "b", "ba", "aab", "bab"])
    vocab = dataset.vocab
    model = MLP(ModelConfig(vocab_size=len(vocab), block_size=2, n_hidden=16, hidden_layers=2, soften_last=1.0,
                            seed=5))
    Trainer(model, dataset.tensors(2), TrainConfig(steps=30, lr=0.05)).run()   # make the running stats real
    expected = all_names_by_likelihood(model, vocab, max_length=6)[:5]
    # wide enough to keep every partial name (2^6): beam search is then exact
    found = sampling.beam_search(model, vocab, width=64, n=5, max_length=6)
    assert [name for name, _ in found] == [name for name, _ in expected]
    for (_, lp), (_, lp_expected) in zip(found, expected):
        assert lp == pytest.approx(lp_expected, abs=1e-4)


def test_beam_search_on_a_trained_model(trained):
    model, vocab = trained
    found = sampling.beam_search(model, vocab, width=5)
    assert len(found) == 5 and [lp for _, lp in found] == sorted((lp for _, lp in found), reverse=True)
    for name, lp in found:
        nll = sum(r["nll"] for r in word_nll(model, vocab, name, 3))
        assert lp == pytest.approx(-nll, abs=1e-3)
    # the most likely names are more likely than what sampling draws, on average
    sampled = sampling.sample(model, vocab, n=20)
    mean_sampled = sum(-sum(r["nll"] for r in word_nll(model, vocab, s, 3)) for s in sampled if s) / 20
    assert found[-1][1] > mean_sampled
    with pytest.raises(ValueError, match="beam width"):
        sampling.beam_search(model, vocab, width=0)


def test_beam_search_log_probs_are_probabilities(trained):
    model, vocab = trained
    assert all(lp < 0 and math.exp(lp) < 1 for _, lp in sampling.beam_search(model, vocab, width=3))


def test_sample_batch_stats(trained):
    """Train-mode BatchNorm while sampling: each name depends on its batchmates; one alone is undefined."""
    model, vocab = trained
    names = sampling.sample_batch_stats(model, vocab, batch_size=32, seed=1)
    assert len(names) == 32 and all(isinstance(n, str) for n in names)
    assert names == sampling.sample_batch_stats(model, vocab, batch_size=32, seed=1)
    assert sampling.sample_batch_stats(model, vocab, batch_size=1) == [None]
    before = [bn.running_mean.clone() for bn in model.batchnorms()]
    sampling.sample_batch_stats(model, vocab, batch_size=8)
    assert all(torch.equal(a, bn.running_mean) for a, bn in zip(before, model.batchnorms()))
