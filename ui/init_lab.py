"""The Initialization lab's logic: settings, presets, the cached step-0 diagnosis, A/B pinning (its hints:
ui.lab_hints).

Settings are a plain dict of the controls' values. They persist under a non-widget session_state
key (Streamlit deletes widget values when a page is left), and the Training page reads them
through `lab_model_config()`.

The numbers come from the same code path as `python -m makemore_core stats --steps 0`: build the
model from the seed's generator, draw the minibatch from that same generator, then
`makemore_core.diagnostics.diagnose`.
"""
import functools
import math

import numpy as np
import streamlit as st
import torch

from makemore_core import diagnostics
from makemore_core.layers import ReLU, Tanh
from makemore_core.model import LECTURE_SEED, MLP, ModelConfig
from makemore_core.stages import STAGE_DESCRIPTIONS, STAGES, stage_configs  # noqa: F401 - pages/init.py reads them here

SETTINGS_KEY = "init_lab_settings"   # the lab's controls, persisted across page switches
PINNED_KEY = "init_lab_pinned"       # settings pinned as A for Compare, or absent
PRESET_KEY = "init_lab_preset"       # the preset last applied (its note shows until a control moves)
WIDGETS = {  # setting -> widget key
    "hidden_layers": "init_hidden_layers", "n_hidden": "init_n_hidden", "gain": "init_gain", "fan_in_scaling": "init_fan_in_scaling",
    "batchnorm": "init_batchnorm", "bias": "init_bias", "nonlinearity": "init_nonlinearity", "soften_last": "init_soften_last",
    "batch_size": "init_batch_size", "seed": "init_seed", "n_embd": "init_n_embd", "block_size": "init_block_size",
    "stage": "init_stage", "init": "init_init",
}

TANH_GAIN = 5 / 3
TORCH_GAIN = (1 / 3) ** 0.5   # torch.nn.Linear's default: uniform in ±1/√fan_in, a std of √(1/3)/√fan_in
SATURATED = 0.99                     # the lecture's saturation image: white where |h| > 0.99
MAX_IMAGE_ROWS = 128                 # examples drawn in the saturation image (the count uses all)

DEFAULTS = {
    "hidden_layers": 5,               # hidden blocks (Linear -> [BatchNorm] -> nonlinearity)
    "n_hidden": 100,             # neurons per hidden layer
    "gain": 1.0,              # times every Linear weight but the last
    "fan_in_scaling": True,           # weights / sqrt(fan_in)
    "batchnorm": True,
    "bias": "auto",           # auto | zeros | randn | off
    "nonlinearity": "tanh",   # tanh | relu | none
    "soften_last": 0.1,            # last BatchNorm's gamma x s, or without BatchNorm the last weight x s
    "batch_size": 32,
    "seed": LECTURE_SEED,
    "n_embd": 10,
    "block_size": 3,
    "stage": None,            # a lecture stage (makemore_core.stages) whose init the model follows, or None
    "init": "normal",         # normal | zeros (exercise E01: every weight and bias zero)
}

GAINS = sorted({round(0.05 * k, 2) for k in range(101)} | {TANH_GAIN, TORCH_GAIN})
WIDTHS = [10, 25, 50, 100, 200, 300, 500]
BATCH_SIZES = [8, 16, 32, 64, 128, 256, 512]
BIAS_CHOICES = {
    "auto": "auto",
    "zeros": "on, zeros",
    "randn": "on, randn (original)",
    "off": "off",
}
NONLINEARITIES = {"tanh": "tanh", "relu": "ReLU", "none": "none (linear layers only)"}
INITS = {"normal": "normal (randn, scaled)", "zeros": "all zeros (exercise E01)"}


def gain_label(g: float) -> str:
    if abs(g - TORCH_GAIN) < 1e-9:
        return "√(1/3)"
    return "5/3" if abs(g - TANH_GAIN) < 1e-9 else f"{g:g}"


# ---------------------------------------------------------------- presets: the lecture's experiments

def _preset(description, **changes):
    return {"description": description, "settings": {**DEFAULTS, **changes}}


PRESETS = {
    "Lecture's final net": _preset(
        "BatchNorm after every Linear, gain 1, last BatchNorm's gamma x 0.1: the notebook's final state. "
        "Every layer looks alike and the loss starts at the uniform guess.", batchnorm=True, gain=1.0),
    "No BN, gain 5/3": _preset(
        "Kaiming init for tanh: the gain 5/3 makes up for tanh squashing its input, so the activations "
        "keep a steady spread through all layers.", batchnorm=False, gain=TANH_GAIN),
    "No BN, gain 1": _preset(
        "Without the 5/3 boost each tanh squashes a little more: the activations shrink layer by layer.",
        batchnorm=False, gain=1.0),
    "No BN, gain 0.5": _preset(
        "Too small: the activations shrink towards zero as they go deeper, and so do the gradients.",
        batchnorm=False, gain=0.5),
    "No BN, gain 3": _preset(
        "Too large: the pre-activations are wide, tanh saturates at +-1 and the gradients through it vanish.",
        batchnorm=False, gain=3.0),
    "Linear only, gain 5/3": _preset(
        "No nonlinearity: nothing squashes, so the 5/3 gain makes the activations grow layer by layer.",
        batchnorm=False, nonlinearity="none", gain=TANH_GAIN),
    "Linear only, gain 1": _preset(
        "No nonlinearity, gain 1: the spread stays the same through every layer (but the whole stack is "
        "just one linear map).", batchnorm=False, nonlinearity="none", gain=1.0),
    "nn.Linear's default": _preset(
        "What torch.nn.Linear does unless told otherwise: weights uniform in ±1/√fan_in, a std of √(1/3)/√fan_in "
        "(drawn here as Gaussians of that std): a gain of 0.577 where tanh wants 5/3. Without BatchNorm the "
        "activations shrink layer by layer.", batchnorm=False, gain=TORCH_GAIN),
    "Original init": _preset(
        "The un-fixed start of the lecture: plain randn weights and biases, no 1/sqrt(fan_in), no softened "
        "last layer, no BatchNorm. The net is confidently wrong: a huge initial loss.",
        batchnorm=False, fan_in_scaling=False, bias="randn", soften_last=1.0, gain=1.0),
}


# ---------------------------------------------------------------- settings <-> ModelConfig

def clean(settings: dict) -> dict:
    """A complete settings dict with the keys the lab knows, missing ones from DEFAULTS."""
    return {k: settings.get(k, v) for k, v in DEFAULTS.items()}


# ---------------------------------------------------------------- the lecture's stages

# A stage fixes these controls; moving one of them leaves the stage (the controls then build the model).
# The others (sizes, seed, batch) still apply to a stage, as overrides of its config.
STAGE_FIXED = ("gain", "fan_in_scaling", "bias", "soften_last", "batchnorm", "nonlinearity")


def stage_settings(stage: str, vocab_size: int) -> dict:
    """The lab's controls filled from a stage's config: its sizes, and the init controls nearest to
    its init (a first-half stage scales plain randn draws; the model follows the stage itself)."""
    config, _ = stage_configs(stage, vocab_size)
    settings = {**DEFAULTS, "stage": stage, "hidden_layers": config.hidden_layers, "n_hidden": config.n_hidden,
                "n_embd": config.n_embd, "block_size": config.block_size, "seed": config.seed,
                "batchnorm": config.batchnorm, "nonlinearity": config.nonlinearity}
    if config.init_scales is not None:   # first half: W x scale; the output layer's scale is the softening
        settings.update(gain=1.0, fan_in_scaling=False, bias="auto" if config.batchnorm else "randn",
                        soften_last=config.init_scales[-1][0])
    return settings


def keeps_stage(settings: dict, vocab_size: int) -> bool:
    """True while no control that the stage fixes has been moved away from it."""
    stage = settings.get("stage")
    if not stage:
        return False
    filled = stage_settings(stage, vocab_size)
    return all(settings[k] == filled[k] for k in STAGE_FIXED)


def model_config(settings: dict, vocab_size: int) -> ModelConfig:
    s = clean(settings)
    if s["stage"]:
        config, _ = stage_configs(s["stage"], int(vocab_size), hidden_layers=int(s["hidden_layers"]), n_hidden=int(s["n_hidden"]),
                                  n_embd=int(s["n_embd"]), block_size=int(s["block_size"]), seed=int(s["seed"]))
        return config
    bias = {"auto": None, "zeros": True, "randn": True, "off": False}[s["bias"]]
    return ModelConfig(
        vocab_size=int(vocab_size), block_size=int(s["block_size"]), n_embd=int(s["n_embd"]),
        n_hidden=int(s["n_hidden"]), hidden_layers=int(s["hidden_layers"]), batchnorm=bool(s["batchnorm"]),
        bias=bias, gain=float(s["gain"]), fan_in_scaling=bool(s["fan_in_scaling"]),
        bias_init="randn" if s["bias"] == "randn" else "zeros", nonlinearity=s["nonlinearity"],
        soften_last=float(s["soften_last"]), seed=int(s["seed"]), init=s["init"],
    )


def lab_model_config(vocab_size: int) -> ModelConfig | None:
    """The model the lab shows, for a data set of this vocabulary; None when the lab was never opened."""
    saved = st.session_state.get(SETTINGS_KEY)
    return None if saved is None else model_config(saved, vocab_size)


def save_settings(settings: dict):
    st.session_state[SETTINGS_KEY] = clean(settings)


def apply_settings(settings: dict, preset: str | None = None):
    """Make these the lab's settings and its controls' values (from a preset button or another page)."""
    s = clean(settings)
    for setting, key in WIDGETS.items():
        st.session_state[key] = s[setting]
    save_settings(s)
    st.session_state[PRESET_KEY] = preset


def describe(settings: dict) -> str:
    """A short name for a set of settings: its preset's, else what sets it apart."""
    s = clean(settings)
    if s["stage"]:
        return f"stage {s['stage']}"
    for name, p in PRESETS.items():
        if p["settings"] == s:
            return name
    parts = [f"gain {gain_label(s['gain'])}", f"depth {s['hidden_layers']}", f"width {s['n_hidden']}",
             "BatchNorm" if s["batchnorm"] else "no BatchNorm", NONLINEARITIES[s["nonlinearity"]].split(" ")[0]]
    if not s["fan_in_scaling"]:
        parts.append("no fan-in scaling")
    if s["bias"] != "auto":
        parts.append(f"bias {s['bias']}")
    if s["soften_last"] != DEFAULTS["soften_last"]:
        parts.append(f"softening {s['soften_last']:g}")
    if s["init"] != "normal":
        parts.append(f"init {s['init']}")
    return ", ".join(parts)


def pinned() -> dict | None:
    return st.session_state.get(PINNED_KEY)


def pin(settings: dict):
    st.session_state[PINNED_KEY] = clean(settings)


def unpin():
    st.session_state.pop(PINNED_KEY, None)


def compared_settings(current: dict, pinned_settings: dict) -> dict:
    """B shares A's seed and minibatch, so a difference comes from the settings alone."""
    return {**current, "seed": pinned_settings["seed"], "batch_size": pinned_settings["batch_size"]}


def cli_args(settings: dict, data_path: str) -> list[str]:
    """`python -m makemore_core stats` arguments that print the same numbers as the lab."""
    s = clean(settings)
    if s["stage"]:
        return ["stats", "--data", data_path, "--stage", s["stage"], "--hidden-layers", str(s["hidden_layers"]),
                "--n-hidden", str(s["n_hidden"]), "--batch-size", str(s["batch_size"]), "--seed", str(s["seed"]),
                "--n-embd", str(s["n_embd"]), "--block-size", str(s["block_size"])]
    args = ["stats", "--data", data_path, "--hidden-layers", str(s["hidden_layers"]), "--n-hidden", str(s["n_hidden"]),
            "--gain", repr(float(s["gain"])), "--nonlinearity", s["nonlinearity"],
            "--soften-last", repr(float(s["soften_last"])), "--batch-size", str(s["batch_size"]),
            "--seed", str(s["seed"]), "--n-embd", str(s["n_embd"]), "--block-size", str(s["block_size"]),
            "--batchnorm" if s["batchnorm"] else "--no-batchnorm"]
    if not s["fan_in_scaling"]:
        args.append("--no-fan-in-scaling")
    if s["bias"] != "auto":
        args.append("--no-bias" if s["bias"] == "off" else "--bias")
    if s["bias"] == "randn":
        args += ["--bias-init", "randn"]
    if s["init"] != "normal":
        args += ["--init", s["init"]]
    return args


# ---------------------------------------------------------------- the computation (one code path)

def diagnose_minibatch(config: ModelConfig, Xtr, Ytr, batch_size: int, device="cpu", ix=None, params=True):
    """The model at init and one forward + backward of a minibatch: (model, stats, ix).

    Exactly what `stats --steps 0` does: the model draws its weights from the seed's generator and
    the minibatch is the next `randint` from that same generator. `ix` overrides the minibatch
    (Compare: B on A's examples)."""
    model = MLP(config, device)
    drawn = torch.randint(0, Xtr.shape[0], (batch_size,), generator=model.generator, device=Xtr.device)
    ix = drawn if ix is None else ix.to(Xtr.device)
    stats = diagnostics.diagnose(model, Xtr[ix], Ytr[ix], params=params)
    return model, stats, ix


def layer_views(model):
    """For each watched layer: its saturation image (examples x neurons), dead-neuron count and the
    histogram of its pre-activation (the input of the nonlinearity)."""
    views = []
    for block, (i, layer) in enumerate(diagnostics.watched_layers(model), start=1):
        h = layer.out.detach()
        if isinstance(layer, Tanh):
            flat = h.abs() > SATURATED
        elif isinstance(layer, ReLU):
            flat = h == 0
        else:
            flat = None  # a Linear output never saturates
        pre = model.layers[i - 1].out.detach() if isinstance(layer, (Tanh, ReLU)) else h
        span = diagnostics.symmetric_range(pre)
        views.append({
            "block": block, "index": i, "label": diagnostics.layer_label(i, layer),
            "image": None if flat is None else flat[:MAX_IMAGE_ROWS].cpu().numpy().astype(np.uint8),
            "examples": h.shape[0],
            "dead": None if flat is None else int(flat.all(dim=0).sum()),
            "flat_pct": None if flat is None else float(flat.float().mean() * 100),
            "pre_mean": float(pre.mean()), "pre_std": float(pre.std()),
            "pre_hist": diagnostics.histogram(pre, -span, span),
        })
    return views


def compute(settings: dict, Xtr, Ytr, vocab_size: int, device="cpu", ix=None) -> dict:
    """Everything the page draws for one set of settings (plain data, cacheable)."""
    config = model_config(settings, vocab_size)
    model, stats, ix = diagnose_minibatch(config, Xtr, Ytr, int(settings["batch_size"]), device, ix)
    return {"settings": clean(settings), "stats": stats, "views": layer_views(model),
            "ix": ix.cpu().numpy(), "vocab_size": vocab_size}


# ---------------------------------------------------------------- the scrubbers' families (gain, softening)

SCRUB_GAINS = tuple(g for g in GAINS if g <= 3)   # what the scrubber offers: 0 to 3 by 0.05, and 5/3
SOFTENINGS = tuple(round(0.01 * k, 2) for k in range(101))   # the softening scrubber's: 0 to 1 by 0.01, the slider's


def family_gains(start: float) -> tuple:
    """The scrubber's gains: SCRUB_GAINS, and the gain it starts at when that lies beyond them (up to 5)."""
    return SCRUB_GAINS if start in SCRUB_GAINS else tuple(sorted(SCRUB_GAINS + (float(start),)))


def family_softenings(start: float) -> tuple:
    """The softening scrubber's values: SOFTENINGS, and the one it starts at when a link set it off the grid."""
    return SOFTENINGS if start in SOFTENINGS else tuple(sorted(SOFTENINGS + (float(start),)))


def setting_family(settings: dict, setting: str, values, Xtr, Ytr, vocab_size: int, device="cpu", ix=None) -> list[dict]:
    """The step-0 statistics of the lab's net at each of `values` of one setting (the gain, the softening), all
    else as `settings`: each member is what compute() gives there (the same model, minibatch and diagnose),
    without the saturation images and the parameters' rows, which the scrubbers do not draw. The browser then
    picks a member as the thumb moves."""
    members = []
    for value in values:
        config = model_config({**settings, setting: value}, vocab_size)
        _, stats, _ = diagnose_minibatch(config, Xtr, Ytr, int(settings["batch_size"]), device, ix, params=False)
        members.append(stats)
    return members


@st.cache_resource(show_spinner=False, max_entries=16)
def cached_family(settings_items: tuple, setting: str, values: tuple, key: str, batch_from: tuple | None,
                  _dataset) -> list[dict]:
    """setting_family(), cached on everything but the scrubbed setting. Shared by every session: read it,
    never change it."""
    from ui import state  # late import: keeps this module importable in plain tests
    settings = dict(settings_items)
    X, Y = state.dataset_tensors(_dataset, int(settings["block_size"]))["train"]
    ix = None if batch_from is None else torch.as_tensor(cached_result(batch_from, key, None, _dataset)["ix"])
    return setting_family(settings, setting, values, X, Y, len(_dataset.vocab), state.device(), ix)


def family_for(settings: dict, values, dataset, batch_from: dict | None = None, setting="gain") -> list[dict]:
    items = tuple(sorted({**clean(settings), setting: None}.items(), key=lambda kv: kv[0]))
    source = None if batch_from is None else tuple(sorted(clean(batch_from).items()))
    return cached_family(items, setting, tuple(values), data_key(dataset), source, dataset)


def data_key(dataset) -> str:
    """The data set's digest, kept on it: hashing every word took 3 ms of each slider step."""
    if getattr(dataset, "_lab_digest", None) is None:
        dataset._lab_digest = dataset.digest
    return dataset._lab_digest


# cache_resource, not cache_data: the page only reads a result, and cache_data's copy of it on
# every hit cost 4 ms of each slider step (issue 13)
@st.cache_resource(show_spinner=False, max_entries=64)
def cached_result(settings_items: tuple, key: str, batch_from: tuple | None, _dataset) -> dict:
    """compute(), cached on (settings, data set, whose minibatch). `batch_from`: A's settings, whose
    minibatch B is evaluated on. Shared by every session: read it, never change it."""
    from ui import state  # late import: keeps this module importable in plain tests
    settings = dict(settings_items)
    X, Y = state.dataset_tensors(_dataset, int(settings["block_size"]))["train"]
    ix = None
    if batch_from is not None:
        ix = torch.as_tensor(cached_result(batch_from, key, None, _dataset)["ix"])
    return compute(settings, X, Y, len(_dataset.vocab), state.device(), ix)


def result_for(settings: dict, dataset, batch_from: dict | None = None) -> dict:
    items = tuple(sorted(clean(settings).items()))
    source = None if batch_from is None else tuple(sorted(clean(batch_from).items()))
    return cached_result(items, data_key(dataset), source, dataset)


# ---------------------------------------------------------------- the BatchNorm explainer

BN_VALUES = (-1.0, -0.4, 0.1, 0.5, 0.9, 1.6)   # one neuron's pre-activations over a tiny batch of 6; the last moves
BN_MOVED = tuple(round(-6 + 0.1 * k, 1) for k in range(121))   # where the moved one may go: -6 to 6 by 0.1

def batchnorm_demo(values, gamma: float, beta: float):
    """What one BatchNorm unit does to a handful of values: (normalized, output, mean, std)."""
    from makemore_core.layers import BatchNorm1d
    bn = BatchNorm1d(1)
    bn.gamma = torch.tensor([float(gamma)])
    bn.beta = torch.tensor([float(beta)])
    x = torch.tensor(values, dtype=torch.float32).view(-1, 1)
    out = bn(x).view(-1)
    mean, var = float(x.mean()), float(x.var())  # unbiased, as BatchNorm1d uses
    xhat = (x.view(-1) - mean) / math.sqrt(var + bn.eps)
    return xhat.tolist(), out.tolist(), mean, math.sqrt(var)


@functools.lru_cache(maxsize=32)
def batchnorm_family(gamma: float, beta: float) -> list[dict]:
    """batchnorm_demo() with the last value at each of BN_MOVED: the explainer's scrubber picks one in the
    browser. Each member: the batch's values, x̂, γ·x̂ + β, the batch mean and std. Cached: read it, never
    change it."""
    members = []
    for moved in BN_MOVED:
        values = [*BN_VALUES[:-1], moved]
        xhat, out, mean, std = batchnorm_demo(values, gamma, beta)
        members.append({"values": values, "xhat": xhat, "out": out, "mean": mean, "std": std})
    return members
