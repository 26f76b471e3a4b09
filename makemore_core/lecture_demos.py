"""The lecture's small side experiments, as plain functions: the numbers the Lecture page shows.

    softmax_toy          4 logits -> softmax -> loss: why confident wrong logits cost so much
    fan_in_demo          x @ w: the output's std grows like sqrt(fan_in) unless w / sqrt(fan_in)
    normalize_five       the notebook's BatchNorm widget: five values, one on a slider
    linear_statistics    the notebook's bonus cell: forward/backward std through b @ a
    linear_batchnorm_statistics   the same with a BatchNorm after the Linear
    early_losses         the first steps of a training run (the "hockey stick")
    early_softmax        the same steps' loss and the softmax's spread at each (chapter 2's scrubber)
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


def early_softmax(model_config, train_config: TrainConfig, data, steps: int) -> dict:
    """Each of the first `steps` steps of a run (the lecture's exact steps): its loss, and how spread the
    softmax was going into it: the std of the logits and the mean probability of each example's most likely
    character (the hockey stick of `original`: huge logits, confidently wrong). The minibatch is read ahead
    from a copy of the run's generator, so the run itself draws exactly what it would. Nets without
    BatchNorm (a forward in training mode would move its running statistics)."""
    model = MLP(model_config)
    if model.batchnorms():
        raise ValueError("early_softmax reads nets without BatchNorm")
    trainer = Trainer(model, data, train_config)
    X = data["train"][0]
    out = {"loss": [], "logits_std": [], "max_prob": []}
    for _ in range(steps):
        ahead = torch.Generator().set_state(trainer.g.get_state())
        ix = torch.randint(0, X.shape[0], (train_config.batch_size,), generator=ahead)
        with torch.no_grad():
            logits = model(X[ix])
        out["logits_std"].append(float(logits.std()))
        out["max_prob"].append(float(logits.softmax(1).max(1).values.mean()))
        out["loss"].append(trainer.step())
    return out


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


# ---------------------------------------------------------------- issue 27: the video's missing beats and
# the questions learners ask (the Lecture's chapters 11 to 15)

def tanh_gain(n: int = 1_000_000, seed: int = LECTURE_SEED) -> dict:
    """Where 5/3 comes from, measured: x ~ N(0, 1), the std of tanh(x), and the gain that brings a
    unit spread back (1 / that std), beside torch.nn.init.calculate_gain('tanh') = 5/3."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=g, dtype=torch.float64)
    out = float(torch.tanh(x).std())
    return {"tanh_std": out, "restoring_gain": 1 / out, "conventional": 5 / 3,
            "torch": torch.nn.init.calculate_gain("tanh")}


def deep_spread(gain: float, depth: int = 10, width: int = 100, n: int = 1000, seed: int = LECTURE_SEED) -> list:
    """std of the pre-activations of each of `depth` tanh layers, weights randn / sqrt(width) x gain,
    for n unit-Gaussian inputs: where the spread settles for a gain (no data: the lab's deep stack)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, width, generator=g, dtype=torch.float64)
    stds = []
    for _ in range(depth):
        pre = x @ (torch.randn(width, width, generator=g, dtype=torch.float64) * gain / width**0.5)
        stds.append(float(pre.std()))
        x = torch.tanh(pre)
    return stds


ACTIVATIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "elu": F.elu}
FLAT_SLOPE = 0.01   # where a nonlinearity's slope is below this, almost no gradient passes


def activation_curves(span: float = 5.0, points: int = 201) -> dict:
    """{name: {"x", "y", "slope"}}: each nonlinearity and its derivative (by autograd) on [-span, span]."""
    curves = {}
    for name, f in ACTIVATIONS.items():
        x = torch.linspace(-span, span, points, dtype=torch.float64, requires_grad=True)
        y = f(x)
        (slope,) = torch.autograd.grad(y.sum(), x)
        curves[name] = {"x": x.detach().tolist(), "y": y.detach().tolist(), "slope": slope.tolist()}
    return curves


def flat_fraction(name: str, std: float, n: int = 200_000, seed: int = LECTURE_SEED) -> float:
    """The share of pre-activations x ~ N(0, std^2) where the nonlinearity's slope is below FLAT_SLOPE:
    no gradient flows back through those. ReLU's is exactly 0 for x < 0; a neuron whose input is
    negative for every example is dead for good."""
    g = torch.Generator().manual_seed(seed)
    x = (torch.randn(n, generator=g, dtype=torch.float64) * std).requires_grad_(True)
    (slope,) = torch.autograd.grad(ACTIVATIONS[name](x).sum(), x)
    return float((slope < FLAT_SLOPE).double().mean())


def batch_coupling(X, C, W, example: int = 0, draws: int = 40, batch: int = 32, neurons: int = 8,
                   seed: int = LECTURE_SEED) -> dict:
    """One example's normalized pre-activations when the other batch - 1 examples are drawn anew:
    BatchNorm (over the batch) moves with them, LayerNorm (over the features) does not.
    X: contexts (n, block); C, W: an embedding and a first Linear. Returns per draw the example's
    first `neurons` values under each, and the jitter (std over draws, mean over neurons)."""
    g = torch.Generator().manual_seed(seed)
    C, W = C.detach(), W.detach()
    h = lambda rows: C[rows].view(len(rows), -1).double() @ W.double()   # noqa: E731 - the first Linear
    mine = X[example:example + 1]
    bn, ln = [], []
    for _ in range(draws):
        others = X[torch.randint(0, len(X), (batch - 1,), generator=g)]
        pre = h(torch.cat([mine, others]))
        bn.append(F.batch_norm(pre, None, None, training=True, eps=1e-5)[0, :neurons])
        ln.append(F.layer_norm(pre, pre.shape[1:], eps=1e-5)[0, :neurons])
    bn, ln = torch.stack(bn), torch.stack(ln)
    return {"batchnorm": bn.tolist(), "layernorm": ln.tolist(),
            "bn_jitter": float(bn.std(0).mean()), "ln_jitter": float(ln.std(0).mean())}


def running_average(values, momentum: float, start: float = 0.0) -> list:
    """BatchNorm's running estimate of a stream of batch statistics: r = (1 - m) r + m v."""
    out, r = [], start
    for v in values:
        r = (1 - momentum) * r + momentum * v
        out.append(r)
    return out


def running_mean_trace(model, data, steps: int = 2_000, every: int = 50, neuron: int = 0, lr: float = 0.1,
                       momenta=(0.1, 0.001)) -> dict:
    """Train `model` (its first BatchNorm watched) and follow one neuron's mean: the batch's at each step,
    the true one over the whole training split every `every` steps, and what a running average of the
    batch means gives for each momentum. 'momentum' weighs the newest batch: 0.1 forgets in about 10
    steps, 0.001 in about 1,000."""
    Xtr, Ytr = data["train"]
    bn = model.batchnorms()[0]
    batch_means, true_steps, true_means = [], [], []
    original = bn.batch_stats

    def watched(x):   # the batch statistics of every training step pass through here
        mean, spread = original(x)
        batch_means.append(float(mean.detach().flatten()[neuron]))
        return mean, spread
    bn.batch_stats = watched
    trainer = Trainer(model, data, TrainConfig(steps=steps, lr=lr, lr_milestones=[]))
    try:
        for step in range(0, steps, every):
            true_steps.append(step)
            true_means.append(_split_mean(model, bn, Xtr, neuron))
            trainer.run(steps=every)
    finally:
        bn.batch_stats = original
    return {"batch_means": batch_means, "true_steps": true_steps, "true_means": true_means,
            "running": {m: running_average(batch_means, m) for m in momenta}}


@torch.no_grad()
def _split_mean(model, bn, X, neuron):
    """The mean of `bn`'s input over all of X: the model's layers up to it, applied to every row."""
    emb = model.C[X]
    x = emb.view(len(X), -1)
    for layer in model.layers:
        if layer is bn:
            return float(x[:, neuron].mean())
        x = layer(x) if not hasattr(layer, "running") else layer.normalize(x, *layer.running)
    raise ValueError("the BatchNorm is not in the model")


def variance_gap(batch: int = 32, n: int = 200_000, seed: int = LECTURE_SEED) -> dict:
    """Biased (/ n) against unbiased (/ (n - 1)) variance of batches of unit Gaussians: the unbiased one
    is larger by n / (n - 1) on average; in std, by sqrt(32/31) = 1.016 at batch 32."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n // batch, batch, generator=g, dtype=torch.float64)
    biased, unbiased = x.var(1, unbiased=False).mean(), x.var(1, unbiased=True).mean()
    return {"biased": float(biased), "unbiased": float(unbiased), "ratio": float(unbiased / biased),
            "expected_ratio": batch / (batch - 1)}


def batchnorm_vs_torch(batch: int = 32, features: int = 100, seed: int = LECTURE_SEED) -> dict:
    """Our BatchNorm1d (the notebook's: normalizes with x.var(0), unbiased) against torch.nn.BatchNorm1d
    (normalizes with the biased variance, keeps the unbiased one in running_var), one training step on
    the same batch in float64: how far the outputs are apart, and that the running buffers agree."""
    from .layers import BatchNorm1d
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, features, generator=g, dtype=torch.float64) * 2 + 0.5
    ours = BatchNorm1d(features)
    ours.gamma, ours.beta = ours.gamma.double(), ours.beta.double()
    ours.running = ours.running[0].double(), ours.running[1].double()
    theirs = torch.nn.BatchNorm1d(features, dtype=torch.float64)
    with torch.no_grad():
        a, b = ours(x), theirs(x)
    return {"output_ratio": float(a.std() / b.std()), "expected_ratio": math.sqrt((batch - 1) / batch),
            "max_output_diff": float((a - b).abs().max()),
            "running_mean_diff": float((ours.running[0] - theirs.running_mean).abs().max()),
            "running_var_diff": float((ours.running[1] - theirs.running_var).abs().max())}


def layer_defaults() -> list[dict]:
    """Our layers' arguments beside torch.nn's, read from their signatures (never typed in):
    [{"layer", "argument", "ours", "torch.nn"}]; "-" where one side has no such argument."""
    import inspect

    from .layers import BatchNorm1d, LectureBatchNorm, Linear

    def defaults(cls, *args):
        """{argument: default}: the signature's, else the attribute a fresh layer has (LectureBatchNorm's eps)."""
        found = {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
                 if name != "self" and p.default is not inspect.Parameter.empty}
        layer = cls(*args)
        return found | {n: getattr(layer, n) for n in ("eps", "momentum") if n not in found and hasattr(layer, n)}
    rows = []
    for label, ours, theirs, args in (("Linear", Linear, torch.nn.Linear, (4, 4)),
                                      ("BatchNorm1d", BatchNorm1d, torch.nn.BatchNorm1d, (4,)),
                                      ("the lecture's own BatchNorm", LectureBatchNorm, torch.nn.BatchNorm1d, (4,))):
        mine, torch_args = defaults(ours, *args), defaults(theirs, *args)
        for name in [n for n in torch_args if n not in ("device", "dtype")] + [n for n in mine if n not in torch_args]:
            rows.append({"layer": label, "argument": name, "ours": repr(mine[name]) if name in mine else "-",
                         "torch.nn": repr(torch_args[name]) if name in torch_args else "-"})
    return rows


@torch.no_grad()
def variance_eval_gap(model, data, batch: int = 32) -> dict:
    """Eval-mode split losses with the running variance as kept (unbiased, as torch keeps it) and scaled
    to the biased one (x (batch - 1) / batch), the spread a torch BatchNorm normalized with in training:
    what the choice does to eval losses."""
    from . import evaluation
    kept = evaluation.running_stats(model)
    scale = (batch - 1) / batch if model.batchnorms()[0].spread_name == "running_var" else math.sqrt((batch - 1) / batch)
    biased = [(mean, spread * scale) for mean, spread in kept]
    return {split: (evaluation.loss_with_stats(model, *data[split], kept),
                    evaluation.loss_with_stats(model, *data[split], biased))
            for split in ("train", "val") if len(data[split][0])}


@torch.no_grad()
def train_mode_slip(model, data, split: str = "val") -> dict:
    """Evaluating or sampling with BatchNorm left in training mode: the split's loss in eval mode, with
    the whole split as one batch, in batches of 32, and a batch of one (NaN: the variance of one example
    is undefined; torch.nn.BatchNorm1d refuses it with an error, quoted)."""
    from . import evaluation
    X, Y = data[split]
    try:
        torch.nn.BatchNorm1d(4).train()(torch.zeros(1, 4))
        refusal = ""
    except ValueError as e:
        refusal = str(e)
    return {"eval": evaluation.split_loss(model, X, Y), "whole_split": evaluation.batch_stats_loss(model, X, Y, len(X)),
            "batch_32": evaluation.batch_stats_loss(model, X, Y, 32),
            "batch_1": evaluation.batch_stats_loss(model, X[:256], Y[:256], 1), "torch_refusal": refusal}


def torch_linear_gain(fan_in: int = 1000, fan_out: int = 1000, seed: int = LECTURE_SEED) -> float:
    """torch.nn.Linear's own default init, measured: the std of its weight times sqrt(fan_in) (the
    gain it amounts to; kaiming_uniform_ with a = sqrt(5) gives sqrt(1/3))."""
    with torch.random.fork_rng(devices=[]):   # nn.Linear draws from the global generator: leave it as it was
        torch.manual_seed(seed)
        return float(torch.nn.Linear(fan_in, fan_out, dtype=torch.float64).weight.detach().std()) * fan_in**0.5
