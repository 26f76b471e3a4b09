"""The hand-written layers against torch.nn / torch.nn.functional: forward, backward, buffers.

Math checks run in float64 (tolerance 1e-10), so a wrong formula cannot hide in float32 noise;
one float32 check per layer uses 1e-6.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from makemore_core.layers import NONLINEARITIES, BatchNorm1d, LectureBatchNorm, Linear, ReLU, Tanh

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

TIGHT = dict(rtol=0, atol=1e-10)


@pytest.fixture
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def g(seed=0):
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- Linear

def test_linear_weight_layout_and_init():
    layer = Linear(30, 100, generator=g(1))
    assert layer.weight.shape == (30, 100)                     # (fan_in, fan_out): x @ W
    reference = torch.randn((30, 100), generator=g(1)) / 30**0.5
    assert torch.equal(layer.weight, reference)                 # randn / sqrt(fan_in), bit for bit
    assert torch.equal(layer.bias, torch.zeros(100))
    assert layer.parameters() == [layer.weight, layer.bias]


def test_linear_gain_scaling_and_options():
    base = Linear(10, 4, generator=g(2)).weight
    assert torch.allclose(Linear(10, 4, generator=g(2), gain=5 / 3).weight, base * 5 / 3, rtol=0, atol=1e-6)
    plain = Linear(10, 4, generator=g(2), fan_in_scaling=False).weight
    assert torch.equal(plain, torch.randn((10, 4), generator=g(2)))
    no_bias = Linear(10, 4, bias=False, generator=g(2))
    assert no_bias.bias is None and no_bias.parameters() == [no_bias.weight]
    randn_bias = Linear(10, 4, generator=g(2), bias_init="randn")
    assert randn_bias.bias.abs().sum() > 0      # the lecture's original, un-fixed init


@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_and_backward_match_nn_linear(float64, bias):
    ours = Linear(7, 5, bias=bias, generator=g(3))
    if bias:
        ours.bias = torch.randn(5, generator=g(4))
    ref = torch.nn.Linear(7, 5, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(ours.weight.T)        # nn.Linear keeps (fan_out, fan_in)
        if bias:
            ref.bias.copy_(ours.bias)
    for p in ours.parameters():
        p.requires_grad = True
    x = torch.randn(11, 7, generator=g(5), requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    y, y_ref = ours(x), ref(x_ref)
    assert torch.allclose(y, y_ref, **TIGHT)
    assert torch.allclose(y, F.linear(x, ours.weight.T, ours.bias), **TIGHT)
    assert ours.out is y                        # kept for the diagnostics
    upstream = torch.randn(11, 5, generator=g(6))
    (y * upstream).sum().backward()
    (y_ref * upstream).sum().backward()
    assert torch.allclose(ours.weight.grad, ref.weight.grad.T, **TIGHT)
    assert torch.allclose(x.grad, x_ref.grad, **TIGHT)
    if bias:
        assert torch.allclose(ours.bias.grad, ref.bias.grad, **TIGHT)


def test_linear_float32_matches_f_linear():
    layer = Linear(30, 100, generator=g(7))
    x = torch.randn(32, 30, generator=g(8))
    assert torch.allclose(layer(x), F.linear(x, layer.weight.T, layer.bias), rtol=0, atol=1e-6)


# ---------------------------------------------------------------- BatchNorm1d
# The lecture normalizes with x.var(0), the UNBIASED variance (divide by n - 1), while
# torch.nn.BatchNorm1d / F.batch_norm normalize with the BIASED one (divide by n) and keep the
# unbiased one only in running_var. Since var_unbiased = var_biased * n / (n - 1),
#     (x - m) / sqrt(var_unbiased + eps) = sqrt((n-1)/n) * (x - m) / sqrt(var_biased + eps (n-1)/n),
# so ours equals F.batch_norm with weight gamma * sqrt((n-1)/n) and eps * (n-1)/n, exactly, in value
# and in gradient. The running buffers follow the same rule in both (momentum 0.1, unbiased var).

def reference_batchnorm(x, gamma, beta, eps, running_mean=None, running_var=None, momentum=0.1):
    n = x.shape[0]
    shrink = (n - 1) / n
    return F.batch_norm(x, running_mean, running_var, weight=gamma * math.sqrt(shrink), bias=beta,
                        training=True, momentum=momentum, eps=eps * shrink)


def randomized_bn(dim, seed=9):
    bn = BatchNorm1d(dim)
    bn.gamma = torch.randn(dim, generator=g(seed)).abs() + 0.5
    bn.beta = torch.randn(dim, generator=g(seed + 1))
    return bn


def test_batchnorm_defaults():
    bn = BatchNorm1d(100)
    assert bn.eps == 1e-5 and bn.momentum == 0.1 and bn.training
    assert torch.equal(bn.gamma, torch.ones(100)) and torch.equal(bn.beta, torch.zeros(100))
    assert torch.equal(bn.running_mean, torch.zeros(100)) and torch.equal(bn.running_var, torch.ones(100))
    assert bn.parameters() == [bn.gamma, bn.beta]
    assert bn.spread_name == "running_var" and bn.running[0] is bn.running_mean and bn.running[1] is bn.running_var


def test_batchnorm_train_mode_is_the_lecture_formula(float64):
    bn = randomized_bn(6)
    x = torch.randn(32, 6, generator=g(10)) * 3 + 1
    lecture = bn.gamma * (x - x.mean(0, keepdim=True)) / torch.sqrt(x.var(0, keepdim=True) + 1e-5) + bn.beta
    out = bn(x)
    assert torch.allclose(out, lecture, **TIGHT)
    assert bn.out is out
    # and it is NOT torch's biased-variance normalization (the difference the comment above explains)
    torch_default = F.batch_norm(x, None, None, bn.gamma, bn.beta, training=True, eps=1e-5)
    assert (out - torch_default).abs().max() > 1e-3


def test_batchnorm_train_mode_matches_f_batch_norm_values_and_gradients(float64):
    bn = randomized_bn(6)
    gamma_ref = bn.gamma.clone().requires_grad_(True)
    beta_ref = bn.beta.clone().requires_grad_(True)
    bn.gamma.requires_grad = True
    bn.beta.requires_grad = True
    x = (torch.randn(32, 6, generator=g(11)) * 2 - 0.5).requires_grad_(True)
    x_ref = x.detach().clone().requires_grad_(True)
    out = bn(x)
    ref = reference_batchnorm(x_ref, gamma_ref, beta_ref, bn.eps)
    assert torch.allclose(out, ref, **TIGHT)
    upstream = torch.randn(32, 6, generator=g(12))
    (out * upstream).sum().backward()
    (ref * upstream).sum().backward()
    assert torch.allclose(x.grad, x_ref.grad, **TIGHT)            # through the batch mean and variance
    assert torch.allclose(bn.gamma.grad, gamma_ref.grad, **TIGHT)
    assert torch.allclose(bn.beta.grad, beta_ref.grad, **TIGHT)


def test_batchnorm_running_buffers_match_nn_batchnorm_over_several_steps(float64):
    bn = BatchNorm1d(8)
    ref = torch.nn.BatchNorm1d(8, eps=1e-5, momentum=0.1, dtype=torch.float64)
    for step in range(7):
        x = torch.randn(32, 8, generator=g(20 + step)) * (step + 1) + step
        bn(x)
        ref(x)
    assert torch.allclose(bn.running_mean, ref.running_mean, **TIGHT)
    assert torch.allclose(bn.running_var, ref.running_var, **TIGHT)   # both unbiased
    assert bn.running_mean.shape == (8,)


def test_batchnorm_eval_mode_matches_f_batch_norm_and_leaves_buffers(float64):
    bn = randomized_bn(5)
    for step in range(3):
        bn(torch.randn(32, 5, generator=g(30 + step)) * 2 + 1)
    bn.training = False
    mean, var = bn.running_mean.clone(), bn.running_var.clone()
    x = torch.randn(4, 5, generator=g(40))
    out = bn(x)
    ref = F.batch_norm(x, mean.clone(), var.clone(), bn.gamma, bn.beta, training=False, eps=1e-5)
    assert torch.allclose(out, ref, **TIGHT)
    assert torch.equal(bn.running_mean, mean) and torch.equal(bn.running_var, var)
    one = bn(x[:1])                      # eval mode works on a single example
    assert torch.allclose(one, ref[:1], **TIGHT)


def test_batchnorm_eval_mode_gradients_match_nn_batchnorm(float64):
    bn = randomized_bn(5)
    ref = torch.nn.BatchNorm1d(5, dtype=torch.float64)
    for step in range(3):
        x = torch.randn(32, 5, generator=g(50 + step))
        bn(x)
        ref(x)
    with torch.no_grad():
        ref.weight.copy_(bn.gamma)
        ref.bias.copy_(bn.beta)
    bn.training = False
    ref.eval()
    bn.gamma.requires_grad = True
    x = torch.randn(6, 5, generator=g(60), requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    bn(x).sum().backward()
    ref(x_ref).sum().backward()
    assert torch.allclose(x.grad, x_ref.grad, **TIGHT)
    assert torch.allclose(bn.gamma.grad, ref.weight.grad, **TIGHT)


def test_batchnorm_update_running_off_keeps_buffers():
    bn = BatchNorm1d(4)
    bn.update_running = False
    bn(torch.randn(32, 4, generator=g(70)) + 5)
    assert torch.equal(bn.running_mean, torch.zeros(4)) and torch.equal(bn.running_var, torch.ones(4))


def test_batchnorm_float32_matches_reference():
    bn = randomized_bn(100)
    x = torch.randn(32, 100, generator=g(80))
    ref = reference_batchnorm(x, bn.gamma, bn.beta, bn.eps)
    assert torch.allclose(bn(x), ref, rtol=0, atol=1e-5)


# ---------------------------------------------------------------- LectureBatchNorm (the notebook's cells 6-10)

def lecture_formula(x, gamma, beta):
    """The lecture's BatchNorm written out element by element: mean, unbiased std, no eps."""
    B = x.shape[0]
    mean = x.sum(0) / B
    std = (((x - mean) ** 2).sum(0) / (B - 1)).sqrt()
    return gamma * (x - mean) / std + beta, mean, std


def randomized_lecture_bn(dim, seed=0):
    bn = LectureBatchNorm(dim)
    bn.gamma = torch.randn(dim, generator=g(seed)).abs() + 0.5
    bn.beta = torch.randn(dim, generator=g(seed + 1))
    return bn


def test_lecture_batchnorm_defaults():
    bn = LectureBatchNorm(200)
    assert bn.eps == 0.0 and bn.momentum == 0.001 and bn.training and bn.update_running
    assert torch.equal(bn.gamma, torch.ones(200)) and torch.equal(bn.beta, torch.zeros(200))
    assert torch.equal(bn.running_mean, torch.zeros(200)) and torch.equal(bn.running_std, torch.ones(200))
    assert bn.parameters() == [bn.gamma, bn.beta]
    assert bn.spread_name == "running_std" and bn.running[0] is bn.running_mean and bn.running[1] is bn.running_std
    assert repr(bn) == "LectureBatchNorm(200)"


def test_lecture_batchnorm_train_mode_is_the_formula(float64):
    bn = randomized_lecture_bn(6)
    x = torch.randn(32, 6, generator=g(10)) * 3 + 1
    expected, _, _ = lecture_formula(x, bn.gamma, bn.beta)
    out = bn(x)
    assert torch.allclose(out, expected, **TIGHT) and bn.out is out
    # std without eps is not torch's var + eps: the two layers differ measurably on a small spread
    small = x * 1e-3
    assert (bn(small) - randomized_bn(6)(small)).abs().max() > 1e-3


def test_lecture_batchnorm_running_mean_and_std_over_several_steps(float64):
    bn = randomized_lecture_bn(5)
    mean_ref, std_ref = torch.zeros(5), torch.ones(5)
    for step in range(4):
        x = torch.randn(32, 5, generator=g(20 + step)) * (step + 1) - step
        bn(x)
        _, mean, std = lecture_formula(x, bn.gamma, bn.beta)
        mean_ref = 0.999 * mean_ref + 0.001 * mean
        std_ref = 0.999 * std_ref + 0.001 * std
    assert bn.running_mean.shape == (5,) and bn.running_std.shape == (5,)
    assert torch.allclose(bn.running_mean, mean_ref, **TIGHT) and torch.allclose(bn.running_std, std_ref, **TIGHT)


def test_lecture_batchnorm_eval_mode_uses_the_running_mean_and_std(float64):
    bn = randomized_lecture_bn(4)
    bn.running_mean = torch.randn(4, generator=g(3))
    bn.running_std = torch.rand(4, generator=g(4)) + 0.5
    bn.training = False
    before = [t.clone() for t in bn.running]
    x = torch.randn(7, 4, generator=g(5))
    expected = bn.gamma * (x - bn.running_mean) / bn.running_std + bn.beta
    assert torch.allclose(bn(x), expected, **TIGHT)
    assert torch.allclose(bn(x[:1]), expected[:1], **TIGHT)          # one example is fine in eval mode
    assert all(torch.equal(t, b) for t, b in zip(bn.running, before))


def test_lecture_batchnorm_gradients_are_the_formula(float64):
    """Autograd through the layer against the derivative written out: with std = sqrt(var) and
    no eps it is BatchNorm's, dx = gamma/std/B * (B*dout - sum(dout) - B/(B-1) * xhat * sum(dout*xhat))."""
    B = 16
    bn = randomized_lecture_bn(6)
    bn.gamma.requires_grad_(True)
    bn.beta.requires_grad_(True)
    x = (torch.randn(B, 6, generator=g(30)) * 2 + 0.5).requires_grad_(True)
    dout = torch.randn(B, 6, generator=g(31))
    (bn(x) * dout).sum().backward()
    with torch.no_grad():
        _, mean, std = lecture_formula(x, bn.gamma, bn.beta)
        xhat = (x - mean) / std
        dx = bn.gamma / std / B * (B * dout - dout.sum(0) - B / (B - 1) * xhat * (dout * xhat).sum(0))
    assert torch.allclose(x.grad, dx, **TIGHT)
    assert torch.allclose(bn.gamma.grad, (dout * xhat).sum(0), **TIGHT)
    assert torch.allclose(bn.beta.grad, dout.sum(0), **TIGHT)


def test_lecture_batchnorm_float32_is_the_notebook_expression():
    bn = LectureBatchNorm(200)
    x = torch.randn(32, 200, generator=g(40)) * 4
    out = bn(x)
    bnmeani, bnstdi = x.mean(0, keepdim=True), x.std(0, keepdim=True)
    assert torch.equal(out, bn.gamma * (x - bnmeani) / bnstdi + bn.beta)      # the same operations
    assert torch.equal(bn.running_std, (0.999 * torch.ones(1, 200) + 0.001 * bnstdi).squeeze(0))


# ---------------------------------------------------------------- nonlinearities

@pytest.mark.parametrize("layer, fn", [(Tanh(), torch.tanh), (ReLU(), F.relu)])
def test_nonlinearities_match_torch_and_keep_output(float64, layer, fn):
    x = torch.randn(9, 4, generator=g(90), requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    out = layer(x)
    assert torch.allclose(out, fn(x_ref), **TIGHT) and layer.out is out
    assert layer.parameters() == []
    out.sum().backward()
    fn(x_ref).sum().backward()
    assert torch.allclose(x.grad, x_ref.grad, **TIGHT)


def test_nonlinearity_table():
    assert NONLINEARITIES["tanh"] is Tanh and NONLINEARITIES["relu"] is ReLU and NONLINEARITIES["none"] is None
    assert repr(Linear(3, 2, bias=False)) == "Linear(3, 2, bias=False)"
    assert repr(BatchNorm1d(7)) == "BatchNorm1d(7)" and repr(Tanh()) == "Tanh()"
