"""The model: embedding table C, then blocks of Linear -> BatchNorm1d -> nonlinearity.

With the defaults this is the lecture's deep net (47,024 parameters):
    C (27, 10)
    Linear(30, 100) BatchNorm1d(100) Tanh()     \
    Linear(100, 100) BatchNorm1d(100) Tanh()     } 5 hidden blocks
    ...                                         /
    Linear(100, 27) BatchNorm1d(27)               output; its gamma x 0.1 ("softened")
"""
import math
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

import torch
import torch.nn.functional as F

from .layers import NONLINEARITIES, BatchNorm1d, LectureBatchNorm, Linear

LECTURE_SEED = 2147483647
INITS = ("normal", "zeros")   # normal: the lecture's randn draws; zeros: exercise E01
BATCHNORMS = {"torch": BatchNorm1d, "lecture": LectureBatchNorm}   # ModelConfig.batchnorm_kind


class LayerSpec(NamedTuple):
    """One layer of ModelConfig.layer_plan(), before any tensor exists."""
    kind: str       # linear | batchnorm | nonlinearity
    fan_in: int
    fan_out: int
    bias: bool      # a Linear's bias

    def tensors(self, spread="running_var"):
        """[(attribute, shape, trainable)] of the layer: the one list of what each kind holds
        (`spread`: the name of a BatchNorm's second running buffer, its class's spread_name)."""
        if self.kind == "linear":
            return [("weight", (self.fan_in, self.fan_out), True)] + ([("bias", (self.fan_out,), True)] if self.bias else [])
        if self.kind == "batchnorm":
            return [(attr, (self.fan_out,), trainable)
                    for attr, trainable in (("gamma", True), ("beta", True), ("running_mean", False), (spread, False))]
        return []

    def num_parameters(self):
        return sum(math.prod(shape) for _, shape, trainable in self.tensors() if trainable)


class TensorSpec(NamedTuple):
    """One tensor of ModelConfig.tensor_plan(): its state_dict name, where the MLP keeps it, its shape."""
    name: str           # "C" | "layers.{layer}.{attr}"
    layer: int | None   # index into MLP.layers; None for C
    attr: str
    shape: tuple
    trainable: bool     # a parameter; else a buffer (BatchNorm's running statistics)


@dataclass
class ModelConfig:
    vocab_size: int = 27
    block_size: int = 3
    n_embd: int = 10
    n_hidden: int = 100
    hidden_layers: int = 5
    batchnorm: bool = True
    batchnorm_output: bool = True   # BatchNorm1d after the output Linear too (the lecture's deep net)
    bias: bool | None = None        # None: a Linear has a bias exactly when no BatchNorm follows it
    gain: float = 1.0               # times every Linear in layers[:-1], as the notebook (5/3 suits tanh)
    fan_in_scaling: bool = True     # weights / sqrt(fan_in); off: plain randn
    bias_init: str = "zeros"        # "randn" only for the lecture's original, un-fixed init
    init: str = "normal"            # "zeros": exercise E01, every weight and bias zero (see MLP.zero_init)
    nonlinearity: str = "tanh"      # tanh | relu | none
    soften_last: float = 0.1        # last BatchNorm gamma x s, or, without it, last weight x s
    seed: int = LECTURE_SEED
    # The lecture's first half (stages.py): every Linear's W (then b, where it has one) drawn as
    # plain randn and multiplied by its (weight scale, bias scale); replaces fan_in_scaling, gain,
    # bias_init and soften_last. A weight scale "kaiming" is (5/3) / sqrt(fan_in). A bias scale of
    # 0 still draws the bias: the generator's sequence stays the notebook's. None: the rules above.
    init_scales: tuple | None = None
    batchnorm_kind: str = "torch"   # torch: BatchNorm1d (var, eps, momentum 0.1) | lecture: LectureBatchNorm

    def __post_init__(self):
        c = self
        checks = [
            (c.vocab_size >= 2, f"vocab_size must be at least 2, got {c.vocab_size}"),
            (1 <= c.block_size <= 16, f"block_size (context length) must be between 1 and 16, got {c.block_size}"),
            (1 <= c.n_embd <= 512, f"n_embd (embedding size) must be between 1 and 512, got {c.n_embd}"),
            (1 <= c.n_hidden <= 4096, f"n_hidden (neurons per hidden layer) must be between 1 and 4096, "
                                      f"got {c.n_hidden}"),
            (0 <= c.hidden_layers <= 32, f"hidden_layers must be between 0 and 32, got {c.hidden_layers}"),
            (math.isfinite(c.gain) and c.gain >= 0, f"gain must be a number >= 0, got {c.gain}"),
            (math.isfinite(c.soften_last) and c.soften_last >= 0,
             f"soften_last must be a number >= 0, got {c.soften_last}"),
            (c.nonlinearity in NONLINEARITIES, f"nonlinearity must be tanh, relu or none, got {c.nonlinearity!r}"),
            (c.bias_init in ("zeros", "randn"), f"bias_init must be zeros or randn, got {c.bias_init!r}"),
            (c.init in INITS, f"init must be normal or zeros, got {c.init!r}"),
            (0 <= c.seed < 2**64, f"seed must be between 0 and 2**64 - 1, got {c.seed}"),
            (c.batchnorm_kind in BATCHNORMS, f"batchnorm_kind must be torch or lecture, got {c.batchnorm_kind!r}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        if c.init_scales is not None:
            self.init_scales = tuple(tuple(pair) for pair in c.init_scales)  # a checkpoint may hold lists
            if len(self.init_scales) != c.hidden_layers + 1 or any(len(p) != 2 for p in self.init_scales):
                raise ValueError(f"init_scales needs one (weight, bias) scale pair per Linear "
                                 f"({c.hidden_layers + 1}), got {self.init_scales}")
            scales = [s for pair in self.init_scales for s in pair if s != "kaiming"]
            if not all(isinstance(s, (int, float)) and math.isfinite(s) for s in scales):
                raise ValueError(f"init_scales must be finite numbers (or 'kaiming' for a weight), "
                                 f"got {self.init_scales}")

    def layer_plan(self):
        """The layer stack, in order: [LayerSpec(kind, fan_in, fan_out, bias)], kind linear | batchnorm |
        nonlinearity. The one description of the net: MLP builds it, num_parameters counts it, and
        shapes.py traces it."""
        w = [self.n_embd * self.block_size] + [self.n_hidden] * self.hidden_layers + [self.vocab_size]
        plan = []
        for i, (fan_in, fan_out) in enumerate(zip(w[:-1], w[1:])):
            is_output = i == self.hidden_layers
            with_bn = self.batchnorm and (self.batchnorm_output or not is_output)
            bias = (not with_bn) if self.bias is None else self.bias   # BatchNorm's beta does a bias's job
            plan.append(LayerSpec("linear", fan_in, fan_out, bias))
            if with_bn:
                plan.append(LayerSpec("batchnorm", fan_out, fan_out, False))
            if not is_output and NONLINEARITIES[self.nonlinearity] is not None:
                plan.append(LayerSpec("nonlinearity", fan_out, fan_out, False))
        return plan

    def tensor_plan(self):
        """[TensorSpec] of C and every layer's tensors, in layer order: the names, places and shapes of
        everything an MLP of this config holds, worked out without building it. named_tensors,
        state_dict, load_state_dict and the checkpoint's checks all read it."""
        spread = BATCHNORMS[self.batchnorm_kind].spread_name
        plan = [TensorSpec("C", None, "C", (self.vocab_size, self.n_embd), True)]
        for i, spec in enumerate(self.layer_plan()):
            plan += [TensorSpec(f"layers.{i}.{attr}", i, attr, shape, trainable)
                     for attr, shape, trainable in spec.tensors(spread)]
        return plan

    def num_parameters(self):
        """The parameter count an MLP of this config has, worked out without building it
        (lets a checkpoint be checked before any memory is spent on it)."""
        return sum(math.prod(t.shape) for t in self.tensor_plan() if t.trainable)

    @classmethod
    def from_dict(cls, d):
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    def to_dict(self):
        return asdict(self)


class MLP:
    """C + a list of layers, built in the lecture's generator order (C, then each Linear)."""

    def __init__(self, config: ModelConfig, device="cpu"):
        self.config = config
        self.device = torch.device(device)
        g = torch.Generator(device=self.device).manual_seed(config.seed)
        self.generator = g  # the lecture goes on drawing minibatches from this same generator
        c = config
        self.C = torch.randn((c.vocab_size, c.n_embd), generator=g, device=self.device)
        plain_randn = c.init_scales is not None   # scaled afterwards, as the notebook's `randn(...) * s`
        self.layers = [self._build(spec, g, plain_randn) for spec in c.layer_plan()]
        self._apply_init_scales()
        if c.init == "zeros":
            self.zero_init()
        for p in self.parameters():
            p.requires_grad = True

    def _build(self, spec, g, plain_randn):
        c = self.config
        if spec.kind == "linear":
            return Linear(spec.fan_in, spec.fan_out, bias=spec.bias, generator=g,
                          fan_in_scaling=c.fan_in_scaling and not plain_randn,
                          bias_init="randn" if plain_randn else c.bias_init, device=self.device)
        if spec.kind == "batchnorm":
            return BATCHNORMS[c.batchnorm_kind](spec.fan_out, device=self.device)
        return NONLINEARITIES[c.nonlinearity]()

    @torch.no_grad()
    def _apply_init_scales(self):
        if self.config.init_scales is not None:    # the first half: W x w_scale, b x b_scale
            linears = [layer for layer in self.layers if isinstance(layer, Linear)]
            for layer, (w_scale, b_scale) in zip(linears, self.config.init_scales):
                if w_scale == "kaiming":  # as the notebook writes it: randn(...) * (5/3)/((fan_in)**0.5)
                    layer.weight *= 5 / 3
                    layer.weight /= layer.weight.shape[0] ** 0.5
                else:
                    layer.weight *= w_scale
                if layer.bias is not None:
                    layer.bias *= b_scale
            return
        # The lecture: soften the last layer so the initial predictions are near uniform, and
        # multiply every other Linear by the gain that keeps activations from shrinking.
        last = self.layers[-1]
        if isinstance(last, BatchNorm1d):
            last.gamma *= self.config.soften_last
        else:
            last.weight *= self.config.soften_last
        for layer in self.layers[:-1]:
            if isinstance(layer, Linear):
                layer.weight *= self.config.gain

    @torch.no_grad()
    def zero_init(self):
        """Exercise E01, "initialize all weights and biases to zero": C and every Linear weight and bias.

        C counts as a weight (it is the embedding layer's weight, nn.Embedding.weight in torch).
        BatchNorm keeps gamma 1 (the last one softened) and beta 0: those are BatchNorm's own identity
        start, not drawn weights, and zeroing gamma would change nothing here (x-hat is 0 anyway).
        The random draws were made first, so the generator goes on to the same minibatches as a
        normal init: the two runs see the same examples.
        """
        self.C.zero_()
        for layer in self.layers:
            if isinstance(layer, Linear):
                layer.weight.zero_()
                if layer.bias is not None:
                    layer.bias.zero_()

    # ------------------------------------------------------------ forward

    def __call__(self, X):
        """X (B, block_size) of indices -> logits (B, vocab_size)."""
        emb = self.C[X]                        # (B, T, n_embd)
        x = emb.view(emb.shape[0], -1)         # (B, T * n_embd)
        for layer in self.layers:
            x = layer(x)
        return x

    def loss(self, X, Y):
        return F.cross_entropy(self(X), Y)

    # ------------------------------------------------------------ parameters

    def parameters(self):
        return [self.C] + [p for layer in self.layers for p in layer.parameters()]

    def tensor_slots(self):
        """[(TensorSpec, owner)]: each tensor of the config's tensor_plan with the object (the model
        or one of its layers) that holds it as the attribute spec.attr."""
        return [(t, self if t.layer is None else self.layers[t.layer]) for t in self.config.tensor_plan()]

    def named_tensors(self):
        """[(name, tensor, trainable)] for C and each layer in order: W (b) | gamma beta running_mean
        running_var (or running_std). Named_parameters, state_dict and the fast engine's flat tensor
        list all read it."""
        return [(t.name, getattr(owner, t.attr), t.trainable) for t, owner in self.tensor_slots()]

    def named_parameters(self):
        return [(name, t) for name, t, trainable in self.named_tensors() if trainable]

    def num_parameters(self):
        return sum(p.nelement() for p in self.parameters())

    def parameter_counts(self):
        """[(label, count)] for C and each layer: what the shape tracer and the pie chart show."""
        rows = [("C (embedding)", self.C.nelement())]
        for i, layer in enumerate(self.layers):
            rows.append((f"{i}: {layer!r}", sum(p.nelement() for p in layer.parameters())))
        return rows

    def batchnorms(self):
        return [layer for layer in self.layers if isinstance(layer, BatchNorm1d)]

    def train(self, mode=True):
        for bn in self.batchnorms():
            bn.training = mode
        return self

    def eval(self):
        return self.train(False)

    @property
    def training(self):
        bns = self.batchnorms()
        return bns[0].training if bns else True

    @contextmanager
    def eval_mode(self):
        """BatchNorm on its running statistics inside the block (one example at a time works);
        the model's mode is restored after, whatever happens inside."""
        was_training = self.training
        self.eval()
        try:
            yield self
        finally:
            self.train(was_training)

    @contextmanager
    def batch_stats_mode(self):
        """BatchNorm on each batch's own statistics inside the block, its running buffers left alone."""
        was_training = self.training
        bns = self.batchnorms()
        self.train()
        for bn in bns:
            bn.update_running = False
        try:
            yield self
        finally:
            for bn in bns:
                bn.update_running = True
            self.train(was_training)

    # ------------------------------------------------------------ state

    def state_dict(self):
        named = self.named_tensors()    # parameters first, then the buffers (the order checkpoints hash)
        return {name: t.detach().cpu().clone()
                for name, t, _ in [n for n in named if n[2]] + [n for n in named if not n[2]]}

    @torch.no_grad()
    def load_state_dict(self, state):
        slots = self.tensor_slots()
        missing = sorted({t.name for t, _ in slots} - set(state))
        if missing:
            raise KeyError(f"missing tensors: {', '.join(missing[:3])}")
        for t, _ in slots:
            if tuple(state[t.name].shape) != t.shape:
                raise ValueError(f"{t.name} has shape {tuple(state[t.name].shape)}, expected {t.shape}")
        for t, owner in slots:
            if t.trainable:
                getattr(owner, t.attr).copy_(state[t.name])
            else:   # fresh buffers: a copy shares none with its source
                setattr(owner, t.attr, state[t.name].to(self.device).clone())

    def copy(self):
        """An independent copy (e.g. a snapshot of a model that keeps training)."""
        clone = MLP(self.config, self.device)
        clone.load_state_dict(self.state_dict())
        clone.train(self.training)
        return clone
