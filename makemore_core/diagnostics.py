"""Diagnostics of one forward + backward pass: the lecture's activation, gradient and ratio plots.

Per nonlinearity output (or per hidden Linear output when there is no nonlinearity): mean, std,
saturation % and a fixed-bin density histogram, for the values and for their gradients.
Per parameter: grad mean/std, grad:data = grad.std() / data.std(), and update:data =
log10(std(update) / std(data)), where the update of SGD is lr * grad ("about -3 is healthy").
"""
import math

import torch
import torch.nn.functional as F

from .layers import Linear, ReLU, Tanh

BINS = 50
SATURATION = 0.97   # the lecture's threshold for a saturated tanh unit


def watched_layers(model):
    """[(index, layer)]: the outputs the lecture plots."""
    nonlinear = [(i, l) for i, l in enumerate(model.layers) if isinstance(l, (Tanh, ReLU))]
    if nonlinear:
        return nonlinear
    linears = [(i, l) for i, l in enumerate(model.layers) if isinstance(l, Linear)]
    return linears[:-1]  # the hidden Linears; the output Linear makes the logits


def layer_kind(layer) -> str:
    return type(layer).__name__.lower()


def layer_label(index, layer) -> str:
    return f"layer {index} ({type(layer).__name__})"


def finite_span(m: float) -> float:
    """A histogram's half-width: m, or 1 where m is 0 or not finite."""
    return m if m > 0 and math.isfinite(m) else 1.0


def symmetric_range(t: torch.Tensor) -> float:
    return finite_span(float(t.detach().abs().max())) if t.numel() else 1.0


def output_range(layer, span: float):
    """(lo, hi) of a watched output's histogram: tanh's own [-1, 1], a ReLU's [0, span], else +-span."""
    hi = 1.0 if isinstance(layer, Tanh) else span
    return (0.0 if isinstance(layer, ReLU) else -hi), hi


def histogram_range(lo: float, hi: float):
    return (lo - 1e-3, hi + 1e-3) if hi <= lo else (lo, hi)   # an all-equal tensor still gets bins


def densities(t: torch.Tensor, lo: float, hi: float, bins: int = BINS) -> torch.Tensor:
    """Density of each fixed bin on [lo, hi] (a histogram_range), like plt.hist(density=True)."""
    counts = torch.histc(t.detach().float().flatten(), bins=bins, min=lo, max=hi)
    return counts / (max(t.numel(), 1) * ((hi - lo) / bins))


def binned(lo: float, hi: float, density: list, bins: int = BINS):
    width = (hi - lo) / bins
    return {"x": [lo + (k + 0.5) * width for k in range(bins)], "density": density}


def histogram(t: torch.Tensor, lo: float, hi: float, bins: int = BINS):
    """Density histogram on fixed bins: (bin centres, density)."""
    lo, hi = histogram_range(lo, hi)
    return binned(lo, hi, densities(t, lo, hi, bins).tolist(), bins)


def saturation(layer, out: torch.Tensor) -> torch.Tensor:
    """% of a nonlinearity's outputs on its flat part (0-d tensor): |tanh| > 0.97, or a ReLU's zeros."""
    if isinstance(layer, Tanh):
        return (out.abs() > SATURATION).float().mean() * 100
    if isinstance(layer, ReLU):
        return (out == 0).float().mean() * 100  # a ReLU's "flat" side: zero output, zero gradient
    return out.new_zeros(())


def saturation_pct(layer, out: torch.Tensor) -> float:
    return float(saturation(layer, out))


def layer_statistics(model, bins: int = BINS):
    """Statistics of each watched output and of its gradient (needs retain_grad before backward)."""
    rows = []
    for i, layer in watched_layers(model):
        out = layer.out.detach()
        lo, hi = output_range(layer, symmetric_range(out))
        row = {
            "index": i, "kind": layer_kind(layer), "label": layer_label(i, layer),
            "mean": float(out.mean()), "std": float(out.std()),
            "saturation_pct": saturation_pct(layer, out),
            "hist": histogram(out, lo, hi, bins),
        }
        grad = layer.out.grad
        if grad is not None:
            g_span = symmetric_range(grad)
            row.update(grad_mean=float(grad.mean()), grad_std=float(grad.std()),
                       grad_hist=histogram(grad, -g_span, g_span, bins))
        rows.append(row)
    return rows


def parameter_statistics(model, updates=None, bins: int = BINS):
    """grad mean/std and grad:data of each parameter; update:data when `updates` (name -> tensor) is given."""
    rows = []
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        grad, data = p.grad.detach(), p.detach()
        data_std = float(data.std()) if data.numel() > 1 else 0.0
        row = {
            "name": name, "shape": list(p.shape), "ndim": p.ndim,
            "grad_mean": float(grad.mean()), "grad_std": float(grad.std()) if grad.numel() > 1 else 0.0,
            "grad_to_data": float(grad.std() / data_std) if data_std > 0 and grad.numel() > 1 else None,
        }
        if updates is not None and name in updates:
            row["update_to_data"] = update_to_data(updates[name], data_std)
        if p.ndim == 2:
            g_span = symmetric_range(grad)
            row["grad_hist"] = histogram(grad, -g_span, g_span, bins)
        rows.append(row)
    return rows


def update_to_data(update: torch.Tensor, data_std: float):
    """log10(std(update) / std(data)); None where it is undefined (e.g. beta starts all zeros)."""
    return log_ratio(float(update.std()) if update.numel() > 1 else 0.0, data_std)


def log_ratio(u_std: float, data_std: float):
    if u_std <= 0 or data_std <= 0 or not math.isfinite(u_std):
        return None
    return math.log10(u_std / data_std)


def retain_layer_grads(model):
    for _, layer in watched_layers(model):
        layer.out.retain_grad()


def parameter_slots(model):
    """[(name, index in model.named_tensors())] of the parameters, in model.named_parameters() order."""
    return [(name, k) for k, (name, _, trainable) in enumerate(model.named_tensors()) if trainable]


def collected_statistics(model, collect, bins=BINS):
    """The rows of layer_statistics and parameter_statistics (with update:data), from what the fast
    engine's statistics step collected: each layer's output and the gradient into it, each parameter's
    gradient, the model's tensors after the update and `before` it. The same numbers and the same histc
    histograms, read back in two transfers (the scalars, then the histograms whose ranges they give)
    instead of about 150."""
    watched = watched_layers(model)
    slots = parameter_slots(model)
    tensors, before = collect["tensors"], collect["before"]
    scalars = []
    for i, layer in watched:
        out, grad = collect["outs"][i], collect["into"][i]
        scalars += [out.mean(), out.std(), saturation(layer, out), out.abs().max(),
                    grad.mean(), grad.std(), grad.abs().max()]
    for _, k in slots:
        grad, data = collect["grads"][k], tensors[k]
        if data.numel() > 1:
            scalars += [grad.mean(), grad.std(), data.std(), (data - before[k]).std(), grad.abs().max()]
        else:
            scalars += [grad.mean(), grad.new_zeros(()), grad.new_zeros(()), grad.new_zeros(()), grad.abs().max()]
    values = iter(torch.stack(scalars).tolist())                 # transfer 1

    hists = []  # (tensor, lo, hi), in the order the rows below refer to them
    layers = []
    for i, layer in watched:
        mean, std, saturated, out_max, g_mean, g_std, g_max = (next(values) for _ in range(7))
        lo, hi = output_range(layer, finite_span(out_max))
        hists += [(collect["outs"][i], lo, hi), (collect["into"][i], -finite_span(g_max), finite_span(g_max))]
        layers.append({"index": i, "kind": layer_kind(layer), "label": layer_label(i, layer),
                       "mean": mean, "std": std, "saturation_pct": saturated, "hist": len(hists) - 2,
                       "grad_mean": g_mean, "grad_std": g_std, "grad_hist": len(hists) - 1})
    params = []
    for name, k in slots:
        g_mean, g_std, data_std, u_std, g_max = (next(values) for _ in range(5))
        data = tensors[k]
        several = data.numel() > 1
        row = {"name": name, "shape": list(data.shape), "ndim": data.ndim, "grad_mean": g_mean, "grad_std": g_std,
               "grad_to_data": g_std / data_std if data_std > 0 and several else None,
               "update_to_data": log_ratio(u_std, data_std)}
        if data.ndim == 2:
            hists.append((collect["grads"][k], -finite_span(g_max), finite_span(g_max)))
            row["grad_hist"] = len(hists) - 1
        params.append(row)

    ranges = [histogram_range(lo, hi) for _, lo, hi in hists]
    dens = torch.stack([densities(t, lo, hi, bins)
                        for (t, _, _), (lo, hi) in zip(hists, ranges)]).tolist()  # transfer 2

    def hist_of(j):
        return binned(*ranges[j], dens[j], bins)
    for row in layers:
        row["hist"], row["grad_hist"] = hist_of(row["hist"]), hist_of(row["grad_hist"])
    for row in params:
        if "grad_hist" in row:
            row["grad_hist"] = hist_of(row["grad_hist"])
    return layers, params


def diagnose(model, Xb, Yb, bins: int = BINS, params: bool = True):
    """One forward + backward of a minibatch, no update: what the Initialization lab and the
    `stats` command show. The gradients are left on the parameters. `params=False` leaves out the
    parameters' rows (a quarter of the time; the lab's gain scrubber computes 62 of these)."""
    for p in model.parameters():
        p.grad = None
    logits = model(Xb)
    loss = F.cross_entropy(logits, Yb)
    retain_layer_grads(model)
    loss.backward()
    logits = logits.detach()
    span = symmetric_range(logits)
    return {
        "loss": loss.item(),
        "uniform_loss": math.log(model.config.vocab_size),
        "logits_std": float(logits.std()),
        "logits_hist": histogram(logits, -span, span, bins),
        "layers": layer_statistics(model, bins),
        "params": parameter_statistics(model, bins=bins) if params else [],
        "params_total": model.num_parameters(),
    }


def without_histograms(stats: dict) -> dict:
    """The numbers only (what `stats --json` prints)."""
    def strip(row):
        return {k: v for k, v in row.items() if not k.endswith("hist") and k not in ("label", "ndim")}
    return {
        "loss": stats["loss"],
        "layers": [strip(r) for r in stats["layers"]],
        "params": [strip(r) for r in stats["params"] if r["ndim"] == 2],
        "params_total": stats["params_total"],
    }
