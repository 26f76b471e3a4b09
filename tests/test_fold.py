"""Exercise E02: folding BatchNorm into the Linear before it gives the same logits, without BatchNorm.

Tolerance. The folded and the unfolded model compute the same function with differently rounded
arithmetic. A dot product of n terms in floating point is off by about sqrt(n) rounding units
(u = eps / 2) of its scale, typically, and each of the L Linear layers adds such an error, carried
to the logits through tanh (slope <= 1) and BatchNorm's scale s = gamma / sqrt(var + eps) (about 2
at most here). So the logits differ by about L * sqrt(n) * eps * max|logit| times a small factor:
we allow 8 (measured here: the deep net 2.4e-6 against a bound of 2.6e-5 in float32; 3e-15
against 5e-13 in float64). A wrong fold (a forgotten beta, the batch statistics instead of the
running ones) is off by 0.01 or more.
"""
import math

import pytest
import torch

from makemore_core import (
    MLP,
    BatchNorm1d,
    Dataset,
    Linear,
    ModelConfig,
    TrainConfig,
    Trainer,
    Vocab,
    checkpoint,
    sampling,
)
from makemore_core.cli import main
from makemore_core.device import configure_threads
from makemore_core.fold import fold_batchnorm, folded_linear, logits_eval, max_difference, with_dtype
from makemore_core.layers import LectureBatchNorm
from makemore_core.stages import stage_configs

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

configure_threads()  # one intra-op thread: two, on a busy 2-core machine, were 40x slower here

STEPS = 300
SAFETY = 8


@pytest.fixture(scope="module")
def dataset(default_names):
    d = Dataset.from_path(default_names)
    return d, d.tensors(3)


def trained(dataset, steps=STEPS, **config):
    """Trained a few hundred steps, so the running statistics and gamma/beta are far from 0 and 1."""
    d, data = dataset
    model = MLP(ModelConfig(vocab_size=len(d.vocab), **config))
    Trainer(model, data, TrainConfig(steps=steps, lr_milestones=[]), engine="fast-uncompiled").run()
    return model.eval()


@pytest.fixture(scope="module")
def deep(dataset):
    return trained(dataset)                      # the lecture's deep net: 6 Linear + 6 BatchNorm


@pytest.fixture(scope="module")
def three_layer(dataset):
    return trained(dataset, hidden_layers=2)     # 3 Linear layers, each followed by BatchNorm


@pytest.fixture(scope="module")
def lecture_bn(dataset):
    """The lecture's own BatchNorm (running std, no eps; the batchnorm stage): 1,000 steps at its momentum
    0.001 move the running statistics well away from their start (mean 0, std 1)."""
    d, data = dataset
    model = MLP(stage_configs("batchnorm", len(d.vocab))[0])
    Trainer(model, data, TrainConfig(steps=1000, lr_milestones=[]), engine="fast-uncompiled").run()
    return model.eval()


def tolerance(model, X, dtype):
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    fan_in = max(layer.weight.shape[0] for layer in linears)
    scale = float(logits_eval(model, X).abs().max())
    return len(linears) * math.sqrt(fan_in) * torch.finfo(dtype).eps * max(scale, 1.0) * SAFETY


def test_the_nets_have_learned_something_to_fold(deep):
    for bn in deep.batchnorms():
        assert (bn.running_mean.abs().max() > 0.01 and (bn.running_var - 1).abs().max() > 0.05
                and (bn.gamma - bn.gamma.mean()).abs().max() > 1e-3 and bn.beta.abs().max() > 1e-3)


@pytest.mark.parametrize("net", ["deep", "three_layer", "lecture_bn"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_folded_logits_equal_eval_mode_logits(dataset, net, dtype, request):
    model = request.getfixturevalue(net)
    X = dataset[1]["val"][0]
    folded = fold_batchnorm(model)
    diff = max_difference(model, folded, X, dtype)
    assert diff <= tolerance(model, X, dtype), diff
    assert diff > 0 or dtype == torch.float64  # float32 paths round differently: an exact match would be luck


def test_float64_fold_by_hand_against_the_formula(three_layer):
    """folded_linear against the formula, one column at a time, in float64."""
    linear, bn = three_layer.layers[0], three_layer.layers[1]
    W, b = folded_linear(linear.weight.double(), None, bn)
    for j in (0, 7, 99):
        gamma, beta, mean, var = (float(t[j].detach()) for t in (bn.gamma, bn.beta, bn.running_mean, bn.running_var))
        s = gamma / math.sqrt(var + bn.eps)
        assert torch.allclose(W[:, j], linear.weight[:, j].detach().double() * s, rtol=1e-12, atol=0)
        assert float(b[j]) == pytest.approx((0 - mean) * s + beta, rel=1e-12)


def test_float64_fold_of_the_lectures_batchnorm_divides_by_its_running_std(lecture_bn):
    """The lecture's layer normalizes by its running std itself, no eps: s = gamma / std."""
    linear, bn = lecture_bn.layers[0], lecture_bn.layers[1]
    assert isinstance(bn, LectureBatchNorm) and (bn.running_std - 1).abs().max() > 0.05   # a fold that can fail
    W, b = folded_linear(linear.weight.double(), None, bn)
    for j in (0, 7, 199):
        gamma, beta, mean, std = (float(t[j].detach()) for t in (bn.gamma, bn.beta, bn.running_mean, bn.running_std))
        assert torch.allclose(W[:, j], linear.weight[:, j].detach().double() * gamma / std, rtol=1e-12, atol=0)
        assert float(b[j]) == pytest.approx(-mean * gamma / std + beta, rel=1e-12)


def test_folded_model_has_no_batchnorm_and_biases_everywhere(deep):
    folded = fold_batchnorm(deep)
    assert not any(isinstance(layer, BatchNorm1d) for layer in folded.layers)
    assert [type(layer).__name__ for layer in folded.layers] == \
        [type(layer).__name__ for layer in deep.layers if not isinstance(layer, BatchNorm1d)]
    assert all(layer.bias is not None for layer in folded.layers if isinstance(layer, Linear))
    assert folded.num_parameters() == 46_497 == deep.num_parameters() - 2 * (5 * 100 + 27) + (5 * 100 + 27)
    assert torch.equal(folded.C, deep.C)
    # the config rebuilds the same layer list: what a checkpoint needs
    assert [repr(layer) for layer in MLP(folded.config).layers] == [repr(layer) for layer in folded.layers]


def test_the_model_is_left_alone_and_a_wrong_fold_is_caught(dataset, three_layer):
    X = dataset[1]["val"][0]
    before = {k: v.clone() for k, v in three_layer.state_dict().items()}
    folded = fold_batchnorm(three_layer)
    assert all(torch.equal(before[k], v) for k, v in three_layer.state_dict().items())
    assert not three_layer.training   # the fixture's eval mode survives logits_eval
    # the test can fail: a fold that forgets beta is far outside the tolerance
    with torch.no_grad():
        folded.layers[-1].bias -= three_layer.layers[-1].beta
    wrong = float((logits_eval(three_layer, X) - logits_eval(folded, X)).abs().max())
    assert wrong > 100 * tolerance(three_layer, X, torch.float32)


def test_no_batchnorm_is_refused():
    with pytest.raises(ValueError, match="no BatchNorm"):
        fold_batchnorm(MLP(ModelConfig(batchnorm=False)))


def test_batchnorm_only_in_hidden_layers(dataset):
    """Without an output BatchNorm the output Linear has its own bias: it is kept as it is."""
    model = trained(dataset, steps=50, hidden_layers=2, batchnorm_output=False)
    X = dataset[1]["val"][0][:2000]
    folded = fold_batchnorm(model)
    assert torch.equal(folded.layers[-1].weight, model.layers[-1].weight)
    assert max_difference(model, folded, X) <= tolerance(model, X, torch.float32)


def test_with_dtype_keeps_float64(three_layer):
    m64 = with_dtype(three_layer, torch.float64)
    with torch.no_grad():
        m64.C[0, 0] = 1 / 3
    assert with_dtype(m64, torch.float64).C[0, 0].item() == 1 / 3   # no trip through float32


def test_cli_fold_round_trip(tmp_path, deep, dataset, capsys):
    d, data = dataset
    src, out = tmp_path / "model.pt", tmp_path / "folded.pt"
    checkpoint.save(src, deep, d.vocab, {"label": "deep"})
    assert main(["fold", "--checkpoint", str(src), "--out", str(out)]) == 0
    folded, vocab, extra = checkpoint.load(out)
    assert not folded.batchnorms() and vocab.itos == d.vocab.itos and extra["label"] == "deep"
    X = data["val"][0]
    assert max_difference(deep, folded, X) <= tolerance(deep, X, torch.float32)
    # The same seed draws the same uniform numbers; a name could differ only if one fell within
    # about 1e-6 (the probability difference) of a boundary of the cumulative distribution:
    # for a few hundred draws, a chance of about 1e-4.
    capsys.readouterr()
    names = []
    for path in (src, out):
        assert main(["sample", "--checkpoint", str(path), "-n", "30", "--seed", "7", "--device", "cpu"]) == 0
        names.append(capsys.readouterr().out.split("\n"))
    assert names[0] == names[1] and len(names[0]) == 31
    assert sampling.sample(folded, vocab, n=30, seed=7) == names[1][:30]


def test_cli_train_batchnorm_stage_then_fold(tmp_path, dataset, default_names, capsys):
    """`train --stage batchnorm --out bn.pt` then `fold`: the lecture's own BatchNorm folds too."""
    bn, out = tmp_path / "bn.pt", tmp_path / "folded.pt"
    assert main(["train", "--stage", "batchnorm", "--data", str(default_names), "--steps", "300", "--engine", "eager",
                 "--device", "cpu", "--json", "--out", str(bn)]) == 0
    assert main(["fold", "--checkpoint", str(bn), "--out", str(out)]) == 0
    assert "folded 1 BatchNorm layers" in capsys.readouterr().out
    model, folded = checkpoint.load(bn)[0], checkpoint.load(out)[0]
    assert isinstance(model.layers[1], LectureBatchNorm) and not folded.batchnorms()
    X = dataset[1]["val"][0]
    assert max_difference(model, folded, X) <= tolerance(model, X, torch.float32)


def test_cli_fold_errors(tmp_path, capsys):
    plain = tmp_path / "plain.pt"
    checkpoint.save(plain, MLP(ModelConfig(batchnorm=False, vocab_size=27)), Vocab("abcdefghijklmnopqrstuvwxyz"))
    junk = tmp_path / "junk.pt"
    junk.write_text("not a checkpoint")
    cases = [
        (["fold", "--checkpoint", str(plain), "--out", str(tmp_path / "o.pt")], "no BatchNorm"),
        (["fold", "--checkpoint", str(junk), "--out", str(tmp_path / "o.pt")], "not a makemore lab checkpoint"),
        (["fold", "--checkpoint", str(tmp_path / "missing.pt"), "--out", str(tmp_path / "o.pt")], "cannot read"),
        (["fold", "--checkpoint", str(plain), "--out", str(tmp_path / "nodir" / "o.pt")], "does not exist"),
        (["fold", "--checkpoint", str(plain)], "--out"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "o.pt").exists()
