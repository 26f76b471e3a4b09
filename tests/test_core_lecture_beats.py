"""makemore_core.lecture_demos, issue 27's functions (the video's missing beats and the learners'
questions), each against a direct formula in float64 or against torch.nn itself."""
import math

import numpy as np
import pytest
import torch

from makemore_core import evaluation
from makemore_core import lecture_demos as demos
from makemore_core.device import configure_threads
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer

configure_threads()


def normal_tail(z: float) -> float:
    """P(|x| > z) for x ~ N(0, 1)."""
    return math.erfc(z / math.sqrt(2))


def test_tanh_gain_is_one_over_the_std_of_tanh_of_a_unit_gaussian():
    x = np.linspace(-12, 12, 400_001)
    density = np.exp(-x**2 / 2) / math.sqrt(2 * math.pi)
    direct = math.sqrt(np.trapezoid(np.tanh(x) ** 2 * density, x))     # E[tanh(x)^2], tanh(x) has mean 0
    got = demos.tanh_gain()
    assert got["tanh_std"] == pytest.approx(direct, abs=2e-3)          # a sample of a million
    assert got["restoring_gain"] == pytest.approx(1 / direct, abs=5e-3) and 1.58 < got["restoring_gain"] < 1.61
    assert got["torch"] == pytest.approx(5 / 3)


def test_deep_spread_starts_at_the_gain_and_shrinks_without_one():
    assert demos.deep_spread(5 / 3)[0] == pytest.approx(5 / 3, rel=0.05)
    shrinking = demos.deep_spread(1.0)
    assert shrinking[-1] < shrinking[0] / 2


def test_activation_slopes_are_their_derivatives():
    curves = demos.activation_curves(span=4, points=81)
    x = np.array(curves["tanh"]["x"])
    s = 1 / (1 + np.exp(-x))
    expected = {"tanh": 1 - np.tanh(x) ** 2, "sigmoid": s * (1 - s), "relu": (x > 0).astype(float),
                "elu": np.where(x > 0, 1.0, np.exp(x))}
    off_zero = np.abs(x) > 1e-9                                         # ReLU's and ELU's kink
    for name, slope in expected.items():
        assert np.allclose(np.array(curves[name]["slope"])[off_zero], slope[off_zero], atol=1e-12), name


def test_flat_fraction_matches_the_gaussian_tails():
    a_tanh = math.atanh(math.sqrt(1 - demos.FLAT_SLOPE))                # 1 - tanh^2 < 0.01
    s = (1 - math.sqrt(1 - 4 * demos.FLAT_SLOPE)) / 2                   # sigmoid': s(1 - s) < 0.01
    a_sigmoid = math.log((1 - s) / s)
    for std in (1.0, 3.0):
        assert demos.flat_fraction("tanh", std) == pytest.approx(normal_tail(a_tanh / std), abs=4e-3)
        assert demos.flat_fraction("sigmoid", std) == pytest.approx(normal_tail(a_sigmoid / std), abs=4e-3)
        assert demos.flat_fraction("relu", std) == pytest.approx(0.5, abs=4e-3)
    a_elu = -math.log(demos.FLAT_SLOPE)                                 # exp(x) < 0.01 for x < -4.6
    assert demos.flat_fraction("elu", 3.0) == pytest.approx(normal_tail(a_elu / 3.0) / 2, abs=4e-3)


def test_layernorm_does_not_couple_the_batch_and_batchnorm_does():
    g = torch.Generator().manual_seed(1)
    X = torch.randint(0, 27, (500, 3), generator=g)
    C, W = torch.randn(27, 10, generator=g), torch.randn(30, 100, generator=g) / 30**0.5
    got = demos.batch_coupling(X, C, W, draws=10, neurons=5)
    h = (C[X[:1]].view(1, -1).double() @ W.double())[0]
    direct = ((h - h.mean()) / torch.sqrt(h.var(unbiased=False) + 1e-5))[:5]
    for row in got["layernorm"]:
        assert np.allclose(row, direct.numpy(), atol=1e-12)
    assert got["ln_jitter"] < 1e-12 and got["bn_jitter"] > 0.01


def test_running_average_of_a_constant_closes_in_as_one_minus_decay():
    for m in (0.1, 0.001):
        out = demos.running_average([2.0] * 300, m)
        assert out[-1] == pytest.approx(2.0 * (1 - (1 - m) ** 300), rel=1e-12)


def small_bn_net():
    return MLP(ModelConfig(vocab_size=27, n_hidden=20, hidden_layers=1))


def test_running_mean_trace_follows_the_batch_and_the_whole_split(data):
    model = small_bn_net()
    X = data["train"][0]
    with torch.no_grad():
        direct = float((model.C[X].view(len(X), -1) @ model.layers[0].weight)[:, 0].mean())
    trace = demos.running_mean_trace(model, data, steps=60, every=20)
    assert len(trace["batch_means"]) == 60 and trace["true_steps"] == [0, 20, 40]
    assert trace["true_means"][0] == pytest.approx(direct, abs=1e-5)
    assert trace["running"][0.1] == demos.running_average(trace["batch_means"], 0.1)
    bn = model.batchnorms()[0]      # the layer's own running mean (momentum 0.1) saw the same batches
    assert float(bn.running_mean[0]) == pytest.approx(trace["running"][0.1][-1], abs=1e-5)


def test_variance_gap_is_n_over_n_minus_one():
    got = demos.variance_gap(batch=32)
    assert got["ratio"] == pytest.approx(32 / 31, rel=1e-12) and got["unbiased"] == pytest.approx(1.0, abs=0.01)


def test_our_batchnorm_against_torch_nn():
    got = demos.batchnorm_vs_torch()
    assert got["running_mean_diff"] < 1e-12 and got["running_var_diff"] < 1e-12
    assert got["output_ratio"] == pytest.approx(math.sqrt(31 / 32), rel=1e-6)   # eps 1e-5 against a var near 4


def test_layer_defaults_are_read_from_the_layers():
    rows = {(r["layer"], r["argument"]): (r["ours"], r["torch.nn"]) for r in demos.layer_defaults()}
    torch_bn = torch.nn.BatchNorm1d(4)
    assert rows[("BatchNorm1d", "momentum")] == ("0.1", repr(torch_bn.momentum))
    assert rows[("the lecture's own BatchNorm", "momentum")] == ("0.001", "0.1")
    assert rows[("the lecture's own BatchNorm", "eps")] == ("0.0", repr(torch_bn.eps))
    assert rows[("BatchNorm1d", "affine")] == ("-", "True") and rows[("Linear", "bias")] == ("True", "True")


def test_variance_eval_gap_and_train_mode_slip(data):
    model = small_bn_net()
    Trainer(model, data, TrainConfig(steps=50, lr_milestones=[])).run()
    gap = demos.variance_eval_gap(model, data)
    assert gap["val"][0] == pytest.approx(evaluation.split_loss(model, *data["val"]), abs=1e-9)
    scaled = [(m, v * 31 / 32) for m, v in evaluation.running_stats(model)]
    assert gap["val"][1] == pytest.approx(evaluation.loss_with_stats(model, *data["val"], scaled), abs=1e-9)
    slip = demos.train_mode_slip(model, data)
    assert math.isnan(slip["batch_1"]) and "more than 1 value" in slip["torch_refusal"]
    assert slip["eval"] == pytest.approx(gap["val"][0], abs=1e-9) and math.isfinite(slip["whole_split"])


def test_torch_linear_gain_is_root_one_third():
    assert demos.torch_linear_gain() == pytest.approx(math.sqrt(1 / 3), rel=0.01)   # a million draws
