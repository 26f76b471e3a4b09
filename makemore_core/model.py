"""The model: embedding table C, then blocks of Linear -> BatchNorm1d -> nonlinearity.

With the defaults this is the lecture's deep net (47,024 parameters):
    C (27, 10)
    Linear(30, 100) BatchNorm1d(100) Tanh()     \
    Linear(100, 100) BatchNorm1d(100) Tanh()     } 5 hidden blocks
    ...                                         /
    Linear(100, 27) BatchNorm1d(27)               output; its gamma x 0.1 ("softened")
"""
import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F

from .layers import NONLINEARITIES, BatchNorm1d, LectureBatchNorm, Linear

LECTURE_SEED = 2147483647
BATCHNORMS = {"torch": BatchNorm1d, "lecture": LectureBatchNorm}   # ModelConfig.batchnorm_kind


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

    def widths(self):
        """Input and output width of each Linear, in order: [(fan_in, fan_out)]."""
        w = [self.n_embd * self.block_size] + [self.n_hidden] * self.hidden_layers + [self.vocab_size]
        return list(zip(w[:-1], w[1:]))

    def num_parameters(self):
        """The parameter count an MLP of this config has, worked out without building it
        (lets a checkpoint be checked before any memory is spent on it)."""
        total = self.vocab_size * self.n_embd
        for i, (fan_in, fan_out) in enumerate(self.widths()):
            is_output = i == self.hidden_layers
            with_bn = self.batchnorm and (self.batchnorm_output or not is_output)
            bias = (not with_bn) if self.bias is None else self.bias
            total += fan_in * fan_out + (fan_out if bias else 0) + (2 * fan_out if with_bn else 0)
        return total

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
        self.layers = []
        widths = [c.n_embd * c.block_size] + [c.n_hidden] * c.hidden_layers + [c.vocab_size]
        plain_randn = c.init_scales is not None   # scaled afterwards, as the notebook's `randn(...) * s`
        for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
            is_output = i == len(widths) - 2
            with_bn = c.batchnorm and (c.batchnorm_output or not is_output)
            bias = (not with_bn) if c.bias is None else c.bias
            self.layers.append(Linear(fan_in, fan_out, bias=bias, generator=g,
                                      fan_in_scaling=c.fan_in_scaling and not plain_randn,
                                      bias_init="randn" if plain_randn else c.bias_init, device=self.device))
            if with_bn:
                self.layers.append(BATCHNORMS[c.batchnorm_kind](fan_out, device=self.device))
            if not is_output and NONLINEARITIES[c.nonlinearity] is not None:
                self.layers.append(NONLINEARITIES[c.nonlinearity]())
        self._apply_init_scales()
        for p in self.parameters():
            p.requires_grad = True

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

    def named_parameters(self):
        named = [("C", self.C)]
        for i, layer in enumerate(self.layers):
            for attr in ("weight", "bias", "gamma", "beta"):
                p = getattr(layer, attr, None)
                if p is not None:
                    named.append((f"layers.{i}.{attr}", p))
        return named

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

    # ------------------------------------------------------------ state

    def state_dict(self):
        state = {name: p.detach().cpu().clone() for name, p in self.named_parameters()}
        for i, layer in enumerate(self.layers):
            if isinstance(layer, BatchNorm1d):
                for key, buf in layer.buffers().items():
                    state[f"layers.{i}.{key}"] = buf.detach().cpu().clone()
        return state

    @torch.no_grad()
    def load_state_dict(self, state):
        expected = self.state_dict()
        missing = sorted(set(expected) - set(state))
        if missing:
            raise KeyError(f"missing tensors: {', '.join(missing[:3])}")
        for key, ref in expected.items():
            if tuple(state[key].shape) != tuple(ref.shape):
                raise ValueError(f"{key} has shape {tuple(state[key].shape)}, expected {tuple(ref.shape)}")
        self.C.copy_(state["C"])
        for i, layer in enumerate(self.layers):
            for attr in ("weight", "bias", "gamma", "beta"):
                if getattr(layer, attr, None) is not None:
                    getattr(layer, attr).copy_(state[f"layers.{i}.{attr}"])
            if isinstance(layer, BatchNorm1d):
                layer.running = tuple(state[f"layers.{i}.{key}"].to(self.device).clone() for key in layer.buffers())

    def copy(self):
        """An independent copy (e.g. a snapshot of a model that keeps training)."""
        clone = MLP(self.config, self.device)
        clone.load_state_dict(self.state_dict())
        clone.train(self.training)
        return clone
