"""The lecture's stages: configs, generator order, and exactness on the lecture's names.txt.

The exactness tests replay the notebook's own recipe literally (its cells 6-7 for the first half,
with each stage's scaling written as the notebook writes it) and compare with the core and with
the numbers the notebook prints.
"""
import random

import pytest
import torch
import torch.nn.functional as F

from makemore_core.checkpoint import from_bytes, to_bytes
from makemore_core.data import Dataset
from makemore_core.device import configure_threads
from makemore_core.layers import LectureBatchNorm, Linear, Tanh
from makemore_core.model import LECTURE_SEED, MLP, ModelConfig
from makemore_core.stages import STAGE_DESCRIPTIONS, STAGES, stage_configs, stage_of

configure_threads()

FIRST_HALF = ("original", "softmax-fix", "tanh-fix", "kaiming", "batchnorm")


# ---------------------------------------------------------------- the API

def test_six_stages_in_the_lecture_order_each_described():
    assert STAGES == ("original", "softmax-fix", "tanh-fix", "kaiming", "batchnorm", "deep")
    assert set(STAGE_DESCRIPTIONS) == set(STAGES)
    assert all(isinstance(d, str) and d and "\n" not in d for d in STAGE_DESCRIPTIONS.values())


def test_unknown_stage_lists_the_stages():
    with pytest.raises(ValueError, match="original, softmax-fix, tanh-fix, kaiming, batchnorm, deep"):
        stage_configs("fixed")
    with pytest.raises(ValueError, match="not a model or training option: colour"):
        stage_configs("original", colour="red")


@pytest.mark.parametrize("stage, params, layers", [
    ("original", 11_897, ["Linear(30, 200, bias=True)", "Tanh()", "Linear(200, 27, bias=True)"]),
    ("kaiming", 11_897, ["Linear(30, 200, bias=True)", "Tanh()", "Linear(200, 27, bias=True)"]),
    ("batchnorm", 12_097, ["Linear(30, 200, bias=False)", "LectureBatchNorm(200)", "Tanh()",
                           "Linear(200, 27, bias=True)"]),
    ("deep", 47_024, None),
])
def test_stage_nets_and_parameter_counts(stage, params, layers):
    config, _ = stage_configs(stage)
    model = MLP(config)
    assert model.num_parameters() == config.num_parameters() == params
    if layers:
        assert [repr(layer) for layer in model.layers] == layers


def test_schedules():
    for stage in FIRST_HALF:
        _, train = stage_configs(stage)
        assert (train.steps, train.batch_size, train.lr, train.lr_milestones, train.lr_factor, train.optimizer) == (
            200_000, 32, 0.1, [100_000], 0.1, "sgd")
    _, deep = stage_configs("deep")
    assert deep.steps == 200_000 and deep.lr_milestones == [150_000]
    assert stage_configs("deep")[0] == ModelConfig()                     # the deep net is the default


def test_overrides_win_and_scales_follow_the_layers():
    model, train = stage_configs("kaiming", vocab_size=30, steps=1000, n_embd=4, lr=0.05)
    assert (model.vocab_size, model.n_embd, train.steps, train.lr, train.lr_milestones) == (30, 4, 1000, 0.05, [100_000])
    assert model.init_scales == (("kaiming", 0.01), (0.01, 0.0))
    assert float(MLP(model).layers[0].weight.std()) == pytest.approx((5 / 3) / 12**0.5, rel=0.15)   # fan_in 4 * 3
    deeper, _ = stage_configs("tanh-fix", hidden_layers=3)
    assert deeper.init_scales == ((0.2, 0.01),) * 3 + ((0.01, 0.0),)
    assert stage_configs("deep", n_hidden=50)[0].n_hidden == 50


def test_stage_of_names_a_config():
    for stage in STAGES:
        assert stage_of(stage_configs(stage)[0]) == stage
        assert stage_of(stage_configs(stage, vocab_size=40)[0]) == stage
    assert stage_of(ModelConfig(n_hidden=64)) is None


def notebook_first_half(stage, vocab_size=27):
    """C, W1, b1, W2, b2 as the notebook draws and scales them for a stage (its cell 6, edited
    the way the lecture edits it): the same float32 operations."""
    g = torch.Generator().manual_seed(LECTURE_SEED)
    C = torch.randn((vocab_size, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g)
    b1 = None if stage == "batchnorm" else torch.randn(200, generator=g)
    W2 = torch.randn((200, vocab_size), generator=g)
    b2 = torch.randn(vocab_size, generator=g)
    if stage != "original":
        W2, b2 = W2 * 0.01, b2 * 0
    if stage == "tanh-fix":
        W1, b1 = W1 * 0.2, b1 * 0.01
    if stage in ("kaiming", "batchnorm"):
        W1 = W1 * (5/3)/((10 * 3)**0.5)  # noqa: E226 - the notebook's expression
        b1 = None if b1 is None else b1 * 0.01
    return g, C, W1, b1, W2, b2


@pytest.mark.parametrize("stage", FIRST_HALF)
def test_generator_order_and_scales_are_the_notebooks(stage):
    """C, W1, (b1), W2, b2, then the minibatches: the same numbers from the same generator."""
    g, C, W1, b1, W2, b2 = notebook_first_half(stage)
    model = MLP(stage_configs(stage)[0])
    first, last = model.layers[0], model.layers[-1]
    assert torch.equal(model.C, C) and torch.equal(first.weight, W1) and torch.equal(last.weight, W2)
    assert torch.equal(last.bias, b2)
    assert (first.bias is None) == (b1 is None) and (b1 is None or torch.equal(first.bias, b1))
    assert torch.equal(torch.randint(0, 1000, (32,), generator=model.generator),
                       torch.randint(0, 1000, (32,), generator=g))


def test_a_stage_checkpoint_rebuilds_the_same_model():
    from makemore_core.data import Vocab
    config, _ = stage_configs("batchnorm")
    model = MLP(config)
    model.layers[1].running_std += 0.5
    loaded, _, _ = from_bytes(to_bytes(model, Vocab("abcdefghijklmnopqrstuvwxyz")))
    assert loaded.config == config and isinstance(loaded.layers[1], LectureBatchNorm)
    for (name, a), (_, b) in zip(model.named_parameters(), loaded.named_parameters()):
        assert torch.equal(a, b), name
    assert torch.equal(loaded.layers[1].running_std, model.layers[1].running_std)


def test_an_old_checkpoint_config_without_the_new_fields_still_loads():
    old = {k: v for k, v in ModelConfig().to_dict().items() if k not in ("init_scales", "batchnorm_kind")}
    assert ModelConfig.from_dict(old) == ModelConfig()


@pytest.mark.parametrize("kw, message", [({"init_scales": ((1.0, 1.0),)}, "one \\(weight, bias\\) scale pair"),
                                         ({"init_scales": ((float("nan"), 1.0), (1.0, 1.0))}, "finite"),
                                         ({"init_scales": (("he", 1.0), (1.0, 1.0))}, "finite"),
                                         ({"batchnorm_kind": "layer"}, "batchnorm_kind")])
def test_bad_stage_fields_are_refused(kw, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(n_hidden=200, hidden_layers=1, **kw)
