"""The lecture's small side experiments, as plain functions: the numbers the Lecture page shows.

    softmax_toy          4 logits -> softmax -> loss: why confident wrong logits cost so much
    fan_in_demo          x @ w: the output's std grows like sqrt(fan_in) unless w / sqrt(fan_in)
    normalize_five       the notebook's BatchNorm widget: five values, one on a slider
    linear_statistics    the notebook's bonus cell: forward/backward std through b @ a
    linear_batchnorm_statistics   the same with a BatchNorm after the Linear
    early_losses         the first steps of a training run (the "hockey stick")
    deep_net_after       the deep net after the notebook's 1,001 debugging steps

Each draws from its own torch.Generator seeded as the notebook does, so the numbers are the
notebook's wherever the operations are the same.
"""
import math

import torch
import torch.nn.functional as F

from . import diagnostics
from .model import LECTURE_SEED, MLP
from .training import TrainConfig, Trainer

DEBUG_STEPS = 1_001   # the notebook's deep net breaks out of its loop after step i = 1000


def softmax_toy(logits, target: int) -> dict:
    """probs = softmax(logits); loss = -log(probs[target]), as the lecture's 4-logit example."""
    x = torch.tensor([float(v) for v in logits], dtype=torch.float64)
    probs = F.softmax(x, dim=0)
    return {"probs": probs.tolist(), "loss": float(-probs[int(target)].log()),
            "uniform_loss": math.log(len(logits))}


def fan_in_demo(fan_in: int, divide: bool, gain: float = 1.0, fan_out: int = 200, n: int = 1000,
                seed: int = LECTURE_SEED) -> dict:
    """x (n, fan_in) ~ N(0, 1); w (fan_in, fan_out) ~ N(0, 1), optionally x gain / sqrt(fan_in).
    Returns the stds of x and of y = x @ w, and histograms of both on one range."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, fan_in, generator=g)
    w = torch.randn(fan_in, fan_out, generator=g)
    if divide:
        w = w * gain / fan_in**0.5
    y = x @ w
    span = max(5.0, diagnostics.symmetric_range(y))
    return {"x_std": float(x.std()), "y_std": float(y.std()), "y_mean": float(y.mean()),
            "expected_std": gain if divide else math.sqrt(fan_in),
            "x_hist": diagnostics.histogram(x, -span, span), "y_hist": diagnostics.histogram(y, -span, span)}


def five_values(seed: int = LECTURE_SEED + 1) -> list[float]:
    """The widget's five values: randn(5) * 5 from the notebook's generator."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(5, generator=g) * 5).tolist()


def normalize_five(x0: float) -> dict:
    """The notebook's BatchNorm widget: the first of five values replaced by x0, then (x - mu) / sigma
    with the unbiased std (no eps, as the widget writes it)."""
    x = torch.tensor(five_values())
    x[0] = float(x0)
    mu, sig = x.mean(), x.std()
    return {"x": x.tolist(), "y": ((x - mu) / sig).tolist(), "mu": float(mu), "sigma": float(sig)}


def linear_statistics(n: int = 1000, seed: int = LECTURE_SEED) -> dict:
    """c = b @ a with everything N(0, 1), then a random readout loss: the forward std grows by
    sqrt(n), and so does the gradient flowing back into a."""
    g = torch.Generator().manual_seed(seed)
    a = torch.randn((n, 1), requires_grad=True, generator=g)
    b = torch.randn((n, n), requires_grad=True, generator=g)
    c = b @ a
    loss = torch.randn(n, generator=g) @ c
    c.retain_grad()
    loss.backward()
    return {"a std": a.std().item(), "b std": b.std().item(), "c std": c.std().item(),
            "c grad std": c.grad.std().item(), "a grad std": a.grad.std().item(),
            "b grad std": b.grad.std().item()}


def linear_batchnorm_statistics(n: int = 1000, seed: int = LECTURE_SEED) -> dict:
    """The same Linear, followed by a BatchNorm over its n outputs: the output is back to std 1
    and the gradient into the input too, without any care in the init."""
    g = torch.Generator().manual_seed(seed)
    inp = torch.randn(n, requires_grad=True, generator=g)
    w = torch.randn((n, n), requires_grad=True, generator=g)
    x = w @ inp
    out = (x - x.mean()) / torch.sqrt(x.var() + 1e-5)
    loss = out @ torch.randn(n, generator=g)
    x.retain_grad()
    out.retain_grad()
    loss.backward()
    return {"inp std": inp.std().item(), "w std": w.std().item(), "x std": x.std().item(),
            "out std": out.std().item(), "out grad std": out.grad.std().item(),
            "x grad std": x.grad.std().item(), "w grad std": w.grad.std().item(),
            "inp grad std": inp.grad.std().item()}


def early_losses(model_config, train_config: TrainConfig, data, steps: int, device="cpu") -> list[float]:
    """The loss of each of the first `steps` steps of a run (the lecture's exact step)."""
    model = MLP(model_config, device)
    trainer = Trainer(model, data, train_config)
    trainer.run(steps=steps)
    return list(trainer.losses)


def deep_net_after(model_config, data, steps: int = DEBUG_STEPS, lr: float = 0.1, stats_every: int = 10,
                   device="cpu"):
    """The notebook's debugging run: train `steps` steps (lr 0.1), diagnostics every `stats_every`
    steps and at the last one (cells 15-18 read the last step's forward and backward pass).
    Returns the Trainer: .model, .stats [(step, diagnostics)], .losses."""
    config = TrainConfig(steps=steps, lr=lr, lr_milestones=[150_000], stats_every=stats_every)
    trainer = Trainer(MLP(model_config, device), data, config)
    last = steps - 1
    if stats_every <= 0 or last % stats_every:   # make sure the last step is diagnosed
        trainer.wants_stats = lambda step: step == last or (stats_every > 0 and step % stats_every == 0)
    trainer.run()
    return trainer
