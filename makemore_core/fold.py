"""Exercise E02: fold BatchNorm into the Linear layer before it, so that it disappears at inference.

In eval mode a BatchNorm is a fixed affine map of each column: its running statistics no longer
depend on the batch. A Linear followed by it is one affine map, and so is a single Linear with
other weights and a bias. The folded model has the same layers minus every BatchNorm and gives the
same logits: the same function, rounded differently.
"""
import time
from dataclasses import replace

import torch

from .layers import BatchNorm1d
from .model import MLP
from .sampling import sample


@torch.no_grad()
def folded_linear(weight, bias, bn: BatchNorm1d):
    """The (W', b') of one Linear (W, b) followed by an eval-mode BatchNorm, per output column j:

        s_j  = gamma_j / sqrt(running_var_j + eps)      (the lecture's own BatchNorm: gamma_j / running_std_j)
        W'_ij = W_ij * s_j
        b'_j  = (b_j - running_mean_j) * s_j + beta_j          (b = 0 for a Linear without bias)

    since gamma * ((x @ W + b) - mean) / sqrt(var + eps) + beta = x @ (W * s) + (b - mean) * s + beta.
    Worked out in float64 and rounded once to the weight's dtype.
    """
    dtype = weight.dtype
    b = torch.zeros(weight.shape[1], dtype=torch.float64, device=weight.device) if bias is None else bias.double()
    mean, spread = (t.double() for t in bn.running)
    s = bn.gamma.double() / bn.divisor(spread)
    w_folded = weight.double() * s                               # scales column j of W by s_j
    b_folded = (b - mean) * s + bn.beta.double()
    return w_folded.to(dtype), b_folded.to(dtype)


def linear_pairs(model: MLP):
    """[(Linear, the BatchNorm right after it, or None)] in layer order, read from the layer plan."""
    kinds = [spec.kind for spec in model.config.layer_plan()] + [None]
    return [(layer, model.layers[i + 1] if kinds[i + 1] == "batchnorm" else None)
            for i, layer in enumerate(model.layers) if kinds[i] == "linear"]


@torch.no_grad()
def fold_batchnorm(model: MLP) -> MLP:
    """A new MLP without BatchNorm that computes what `model` computes in eval mode.

    Its config is the model's with batchnorm=False and bias=True, so that a checkpoint of it
    rebuilds the same layer list (every Linear with a bias, then the nonlinearity) anywhere.
    The model itself is left as it was. Raises ValueError when it has no BatchNorm to fold.
    """
    if not model.batchnorms():
        raise ValueError("the model has no BatchNorm layer: there is nothing to fold")
    folded = with_dtype(MLP(replace(model.config, batchnorm=False, bias=True), model.device),
                        model.C.dtype)
    folded.C.copy_(model.C)
    sources, targets = linear_pairs(model), [linear for linear, _ in linear_pairs(folded)]
    assert len(sources) == len(targets)
    for (linear, bn), target in zip(sources, targets):
        if bn is not None:
            weight, bias = folded_linear(linear.weight, linear.bias, bn)
        else:  # a Linear no BatchNorm follows keeps its weights (and gets a zero bias if it had none)
            weight, bias = linear.weight, linear.bias if linear.bias is not None else 0.0
        target.weight.copy_(weight)
        target.bias.copy_(bias)
    return folded


@torch.no_grad()
def with_dtype(model: MLP, dtype) -> MLP:
    """A copy of the model whose tensors are all of `dtype` (float64 to see rounding apart from math)."""
    clone = MLP(model.config, model.device)
    source = {name: t for name, t, _ in model.named_tensors()}
    for spec, owner in clone.tensor_slots():
        setattr(owner, spec.attr, source[spec.name].detach().to(dtype).clone().requires_grad_(spec.trainable))
    return clone.train(model.training)


@torch.no_grad()
def logits_eval(model: MLP, X):
    """Logits of every example of X with BatchNorm (if any) in eval mode."""
    with model.eval_mode():
        return model(X)


def max_difference(model: MLP, folded: MLP, X, dtype=torch.float32) -> float:
    """The largest |logit difference| between the model (eval mode) and its folded copy on X, both
    computed in `dtype` (folded again from the model in that dtype, so the fold's rounding is the
    dtype's too)."""
    model_d = with_dtype(model, dtype)
    folded_d = fold_batchnorm(model_d) if dtype != folded.C.dtype else folded
    return float((logits_eval(model_d, X) - logits_eval(folded_d, X)).abs().max())


def forward_seconds(model: MLP, X, repeats=5) -> float:
    """Median wall time of one eval-mode forward pass over all of X (after one warm-up pass)."""
    logits_eval(model, X)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        logits_eval(model, X)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def report(model: MLP, vocab, X, n_samples: int, repeats=3) -> dict:
    """What exercise E02 shows of a model and its fold, as JSON-able numbers: the largest |logit difference|
    on X in float32 and float64, the sizes, one forward pass's time, the layers, and n_samples names from
    each with one seed. `prepare` keeps it for the chapter's own net, so its first view computes nothing."""
    model.eval()
    folded = fold_batchnorm(model)
    return {"diff32": max_difference(model, folded, X, torch.float32),
            "diff64": max_difference(model, folded, X, torch.float64),
            "params": model.num_parameters(), "folded_params": folded.num_parameters(),
            "seconds": forward_seconds(model, X, repeats), "folded_seconds": forward_seconds(folded, X, repeats),
            "layers": [f"{i}: {layer!r}" for i, layer in enumerate(model.layers)],
            "folded_layers": [f"{i}: {layer!r}" for i, layer in enumerate(folded.layers)],
            "samples": sample(model, vocab, n=n_samples), "folded_samples": sample(folded, vocab, n=n_samples),
            "largest_logit": float(logits_eval(model, X).abs().max()), "examples": len(X)}
