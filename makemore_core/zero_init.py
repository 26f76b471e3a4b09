"""Exercise E01 watched: train a net and record, per parameter, whether it ever got a gradient and
how far it moved. With every weight and bias zero (ModelConfig(init="zeros")), only the output bias
moves: the Lecture page's exercise chapter puts that run beside a normal one.
"""
import math

import torch

from . import diagnostics, sampling
from .evaluation import split_loss
from .model import MLP, ModelConfig
from .training import TrainConfig, Trainer


def unigram_loss(Y, vocab_size) -> float:
    """The best loss of a net whose logits ignore the input: the entropy of the next-character
    frequencies (what a lone output bias can learn)."""
    freq = torch.bincount(Y.cpu(), minlength=vocab_size).double() / max(len(Y), 1)
    freq = freq[freq > 0]
    return float(-(freq * freq.log()).sum())


def train_watched(config: ModelConfig, data, vocab, steps=2000, lr=0.1, snapshots=20, on_progress=None,
                  n_samples=10, device="cpu") -> dict:
    """Train `steps` SGD steps (the exact, autograd step) and return plain data for the page:

    params: [{name, shape, grad_max (largest |grad| over the run), update_max, update_mean (|p - p0|)}]
    heat:   mean |p - p0| per parameter (rows) after each of `snapshots` points of the run (columns)
    layers: stats.layer_statistics of one minibatch after training (activations and their gradients)
    losses, train_loss, val_loss, samples.
    """
    model = MLP(config, device)
    trainer = Trainer(model, data, TrainConfig(steps=steps, lr=lr, lr_milestones=[]))
    named = model.named_parameters()
    start = [p.detach().clone() for _, p in named]
    grad_max = [torch.zeros((), device=model.device) for _ in named]
    every = max(steps // snapshots, 1)
    heat, heat_steps = [], []
    for _ in range(steps):
        if trainer.step() is None:
            break
        for k, (_, p) in enumerate(named):   # the gradient of the step just taken (kept on p.grad)
            grad_max[k] = torch.maximum(grad_max[k], p.grad.detach().abs().max())
        if trainer.step_num % every == 0 or trainer.step_num == steps:
            heat.append([float((p.detach() - s).abs().mean()) for (_, p), s in zip(named, start)])
            heat_steps.append(trainer.step_num)
            if on_progress is not None:
                on_progress(trainer.step_num / steps)
    Xtr, Ytr = data["train"]
    ix = torch.randint(0, Xtr.shape[0], (32,), generator=trainer.g, device=Xtr.device)
    after = diagnostics.diagnose(model, Xtr[ix], Ytr[ix])
    params = []
    for k, (name, p) in enumerate(named):
        update = (p.detach() - start[k]).abs()
        params.append({"name": name, "shape": list(p.shape), "grad_max": float(grad_max[k]),
                       "update_max": float(update.max()), "update_mean": float(update.mean())})
    return {
        "config": config.to_dict(), "steps": trainer.step_num, "params": params,
        "heat": heat, "heat_steps": heat_steps, "layers": after["layers"],
        "losses": [math.log10(v) for v in trainer.losses],
        "train_loss": split_loss(model, *data["train"]), "val_loss": split_loss(model, *data["val"]),
        "samples": sampling.sample(model, vocab, n=n_samples),
        "output_bias": None if output_bias(model) is None else output_bias(model).detach().cpu().tolist(),
    }


def output_bias(model: MLP):
    """The parameter that is added straight to the logits: the last BatchNorm's beta, or the output bias."""
    last = model.layers[-1]
    return last.beta if hasattr(last, "beta") else last.bias
