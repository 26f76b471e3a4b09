"""Exercise E01: initialize all weights and biases to zero, train, and see which part learns.

The reasoning the tests check, for a stack of Linear -> (BatchNorm) -> tanh blocks:
- forward: C is 0, so the input is 0; every Linear gives x @ 0 + 0 = 0. BatchNorm of a column of
  zeros is gamma * (0 - 0) / sqrt(0 + eps) + beta = beta = 0, and tanh(0) = 0. Every hidden
  activation is exactly 0, and the logits are the output bias (the last BatchNorm's beta): all 0,
  so the first loss is exactly ln(vocab).
- backward: a Linear's weight gradient is x.T @ dout, zero because its input x is 0 (C for the first
  one, a tanh output of 0 for the others); the gradient it passes back is dout @ W.T, zero because
  W is 0. So the gradient stops at the output Linear, and every earlier bias, gamma and beta (whose
  gradients are sums of that zero dout, or of dout * x-hat with x-hat 0) gets exactly 0.
- the exception: the output bias (the last BatchNorm's beta with BatchNorm), whose gradient is the
  sum of dlogits = softmax - onehot, never zero. It learns the log-frequencies of the characters
  (a unigram model), and its updates never reach the rest: the last activation stays 0, so W of
  the output layer stays 0, and so on up the stack. Nothing else ever moves, however long it trains.
The last BatchNorm's gamma gets sum(dout * x-hat) = 0 too, x-hat being 0.
"""
import json
import math

import pytest
import torch

from makemore_core import MLP, Dataset, ModelConfig, TrainConfig, Trainer
from makemore_core.cli import main
from makemore_core.device import configure_threads
from makemore_core.evaluation import split_loss

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

configure_threads()  # one intra-op thread: two, on a busy 2-core machine, were 40x slower here

STEPS = 200


@pytest.fixture(scope="module")
def data(default_names):
    dataset = Dataset.from_path(default_names)
    return dataset, dataset.tensors(3)


def train_zero_init(data, steps=STEPS, engine="eager", **config):
    dataset, tensors = data
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab), init="zeros", **config))
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    trainer = Trainer(model, tensors, TrainConfig(steps=steps, lr_milestones=[]), engine=engine)
    trainer.run()
    moved = {name for name, p in model.named_parameters() if not torch.equal(p.detach(), before[name])}
    return model, trainer, before, moved


def output_bias_name(model):
    last = len(model.layers) - 1
    return f"layers.{last}.beta" if model.batchnorms() else f"layers.{last}.bias"


def test_zero_init_zeroes_C_and_every_linear_but_keeps_batchnorm_identity():
    model = MLP(ModelConfig(init="zeros"))
    for name, p in model.named_parameters():
        if name.endswith("gamma"):
            assert (p != 0).all(), name   # 1, or 0.1 for the softened last one
        else:
            assert (p == 0).all(), name
    # the random draws happened first: the generator is where a normal init leaves it (same minibatches)
    normal = MLP(ModelConfig())
    assert torch.equal(torch.randint(0, 1000, (32,), generator=model.generator),
                       torch.randint(0, 1000, (32,), generator=normal.generator))


@pytest.mark.parametrize("batchnorm", [True, False], ids=["deep-batchnorm", "deep-no-batchnorm"])
@pytest.mark.parametrize("engine", ["eager", "fast-uncompiled"])
def test_only_the_output_bias_trains(data, batchnorm, engine):
    model, trainer, before, moved = train_zero_init(data, engine=engine, batchnorm=batchnorm)
    assert trainer.losses[0] == pytest.approx(math.log(model.config.vocab_size), abs=1e-6)  # logits all 0
    assert moved == {output_bias_name(model)}
    for name, p in model.named_parameters():
        if name != output_bias_name(model):
            assert torch.equal(p.detach(), before[name]), name  # not even a rounding error
    # every hidden activation is still exactly 0 after training
    model(data[1]["train"][0][:64])
    for layer in model.layers[:-1]:
        assert (layer.out == 0).all()
    # it learns something (the character frequencies), but stays far from a trained net
    assert trainer.losses[-1] < trainer.losses[0] - 0.2


def test_with_and_without_batchnorm_the_output_bias_learns_the_same_thing(data):
    """With BatchNorm the logits are exactly the last beta, without it exactly the output bias; both get
    the gradient sum(dlogits) from the same minibatches, so the two runs are one and the same."""
    bn, bn_trainer, _, _ = train_zero_init(data, batchnorm=True)
    plain, plain_trainer, _, _ = train_zero_init(data, batchnorm=False)
    assert bn_trainer.losses == plain_trainer.losses
    assert torch.equal(bn.layers[-1].beta, plain.layers[-1].bias)


def test_the_output_bias_learns_the_character_frequencies(data):
    """A net whose logits do not depend on the input can at best learn the frequency of each next
    character: its loss tends to the entropy of that (unigram) distribution, far above a trained net."""
    dataset, tensors = data
    # only the output bias learns, the same way in any net (the test above): the smallest net will do
    model, trainer, _, _ = train_zero_init(data, steps=3000, hidden_layers=0, batchnorm=False)
    Ytr = tensors["train"][1]
    freq = torch.bincount(Ytr, minlength=len(dataset.vocab)).double() / len(Ytr)
    unigram_loss = float(-(freq * freq.log()).sum())
    val = split_loss(model, *tensors["val"])
    assert unigram_loss < val < unigram_loss + 0.05
    probs = torch.softmax(model.layers[-1].bias.double(), 0)
    assert torch.allclose(probs, freq, atol=0.02)


def test_relu_and_a_shallow_net_behave_the_same(data):
    """ReLU(0) = 0 and its gradient at 0 is 0: the same story. One hidden layer: the same."""
    for config in ({"nonlinearity": "relu"}, {"hidden_layers": 1}, {"hidden_layers": 0, "batchnorm": False}):
        model, _, _, moved = train_zero_init(data, steps=50, **config)
        assert moved == {output_bias_name(model)}, config


def test_cli_init_zeros(capsys, default_names):
    assert main(["stats", "--data", str(default_names), "--init", "zeros", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["loss"] == pytest.approx(math.log(27), abs=1e-6)
    assert all(r["std"] == 0 and r["grad_std"] == 0 for r in result["layers"])
    assert main(["train", "--data", str(default_names), "--steps", "1", "--init", "zero"]) == 2
    assert "--init" in capsys.readouterr().err


def test_init_is_checked_and_survives_a_checkpoint():
    with pytest.raises(ValueError, match="init must be"):
        ModelConfig(init="ones")
    assert ModelConfig.from_dict(ModelConfig(init="zeros").to_dict()).init == "zeros"
    assert ModelConfig.from_dict({"n_hidden": 10}).init == "normal"   # checkpoints from before E01


def test_train_watched_records_gradients_and_moves(data):
    """What the exercise chapter draws: per parameter, the largest |grad| of the run and how far it moved."""
    from makemore_core.zero_init import train_watched, unigram_loss
    dataset, tensors = data
    config = ModelConfig(vocab_size=len(dataset.vocab), hidden_layers=2, n_hidden=32)
    zeros = train_watched(ModelConfig(**{**config.to_dict(), "init": "zeros"}), tensors, dataset.vocab, steps=60,
                          snapshots=6, n_samples=3)
    normal = train_watched(config, tensors, dataset.vocab, steps=60, snapshots=6, n_samples=3)
    got_gradient = [p["name"] for p in zeros["params"] if p["grad_max"] > 0]
    moved = [p["name"] for p in zeros["params"] if p["update_max"] > 0]
    assert got_gradient == moved == ["layers.7.beta"]
    assert all(p["grad_max"] > 0 and p["update_mean"] > 0 for p in normal["params"])
    assert zeros["heat_steps"] == [10, 20, 30, 40, 50, 60] and len(zeros["heat"][0]) == len(zeros["params"])
    assert all(r["std"] == 0 and r["grad_std"] == 0 for r in zeros["layers"])
    assert len(zeros["samples"]) == 3 and len(zeros["losses"]) == 60
    assert unigram_loss(tensors["train"][1], len(dataset.vocab)) < zeros["val_loss"]
