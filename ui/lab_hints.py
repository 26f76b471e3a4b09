"""What the Initialization lab's numbers say: the verdict on the net at step 0 and the hints below it,
as named rules (ui.hints), each true of what the lab shows and agreeing with the lecture.
Also the scales a lecture stage really applies, which the lab's gain and fan-in controls do not show."""
import math

import numpy as np

from makemore_core.stages import stage_configs
from ui.hints import SATURATED, SATURATED_BAD_PCT, SATURATED_PCT, SOME_SATURATION_PCT, Rule, plural, read

LEVELS = ["good", "info", "warn", "bad"]   # from best to worst


def loss_verdict(loss: float, uniform: float) -> tuple[str, str]:
    """(level, sentence) about the initial loss next to a uniform guess's -ln(1/vocab)."""
    if not math.isfinite(loss):
        return "bad", "not a number: the logits overflowed. Turn on fan-in scaling or lower the gain."
    ratio = loss / uniform
    if ratio <= 1.05:
        return "good", "about right: the net starts out unsure of every character, as it should."
    if ratio <= 1.5:
        return "warn", "a bit high: the net starts with opinions it has not earned."
    return "bad", (f"confidently wrong: {ratio:.1f}x the loss of a uniform guess. The first steps of "
                   "training would only squash the logits back.")


def verdict(result: dict, hint_list) -> tuple[str, str]:
    """(level, sentence) about the net at step 0: the loss's verdict, unless a hint is worse. A good
    initial loss next to a 48 % saturated layer is not "fine"."""
    level, text = loss_verdict(result["stats"]["loss"], result["stats"]["uniform_loss"])
    worst = max((lvl for lvl, _ in hint_list), key=LEVELS.index, default="good")
    if LEVELS.index(worst) > LEVELS.index(level) and worst in ("warn", "bad"):
        return worst, f"the loss starts {'about right' if level == 'good' else 'high'}, but the layers are not " \
                      "healthy: see what the numbers say below."
    return level, text


def facts(result: dict) -> dict:
    """The numbers the rules read, derived once from a lab result."""
    s, stats = result["settings"], result["stats"]
    layers = stats["layers"]
    grads = [r.get("grad_std") for r in layers if r.get("grad_std")]
    weights = [p["grad_to_data"] for p in stats["params"] if p["ndim"] == 2 and p["grad_to_data"]]
    return {
        **s, "stats": stats, "layers": layers, "tanh": s["nonlinearity"] == "tanh",
        "loss_level": loss_verdict(stats["loss"], stats["uniform_loss"])[0],
        "worst": max(layers, key=lambda r: r["saturation_pct"], default=None),
        "dead": max(result["views"], key=lambda v: v["dead"] or 0, default=None),
        "stds": [r["std"] for r in layers],
        "grad_spread": max(grads) / min(grads) if len(grads) >= 2 else 1.0,
        "last_grad_to_data": weights[-1] / float(np.median(weights)) if len(weights) >= 3 else 0.0,
        # what a remedy that moves a control the stage fixes costs: say so
        "leaves": "; that leaves the stage" if s["stage"] else "",
    }


def _saturation(f) -> float:
    return f["worst"]["saturation_pct"] if f["worst"] is not None else 0.0


def _monotone(stds, factor, grows):
    pairs = list(zip(stds, stds[1:]))
    if grows:
        return stds[-1] > factor * stds[0] and all(b >= a * 0.98 for a, b in pairs)
    return stds[-1] < factor * stds[0] and all(b <= a * 1.02 for a, b in pairs)


def _saturated(f):
    pct = _saturation(f)
    remedy = ("With BatchNorm the gain does not reach the tanh: BatchNorm's γ sets the spread." if f["batchnorm"]
              else f"Lower the gain, or turn on BatchNorm{f['leaves']}.")
    return ("bad" if pct > SATURATED_BAD_PCT else "warn",
            f"{f['worst']['label']} is {pct:.0f}% saturated ({SATURATED}): its gradients barely flow. {remedy}")


def _shrinks(f):
    why = ("the gain is too small for tanh (try 5/3)" if f["tanh"] else
           "raise the gain (√2 ≈ 1.4 suits ReLU)" if f["nonlinearity"] == "relu" else "raise the gain")
    return "warn", f"The activations shrink layer by layer (std {f['stds'][0]:.2f} -> {f['stds'][-1]:.2f}): {why}."


def _dead(f):
    n = f["dead"]["dead"]
    one = n == 1
    return "warn", (f"{plural(n, 'neuron')} of {f['dead']['label']} {'is' if one else 'are'} dead: flat for every "
                    f"example of the batch, so no gradient reaches {'it' if one else 'them'} and "
                    f"{'it' if one else 'they'} would never learn.")


RULES = [
    Rule("overconfident logits", lambda f: f["stats"]["logits_std"] > 2, lambda f: (
        "bad", f"The std of the logits is {f['stats']['logits_std']:.1f}: the net is sure of itself before it has "
               f"learned anything. Soften the last layer (lower its factor){f['leaves']}.")),
    # said first and alone: the all-zero activations below are its doing, not the gain's
    Rule("all-zero init", lambda f: f["init"] == "zeros", last=True, says=lambda f: (
        "bad", "Every weight and bias is zero: every hidden activation is 0, so no gradient reaches any weight; "
               "only the output bias (the last BatchNorm's beta) can learn. Exercise E01 on the Lecture page "
               "trains it and shows what happens.")),
    Rule("no signal", lambda f: bool(f["stds"]) and max(f["stds"]) < 1e-6, last=True, says=lambda f: (
        "bad", "Every activation is exactly 0: with gain 0 the hidden weights are all zero, so no signal passes "
               "forward and none of them gets a gradient to learn from. Raise the gain.")),
    Rule("saturated tanh", lambda f: f["tanh"] and _saturation(f) > SATURATED_PCT, _saturated),
    Rule("some saturation, as in the lecture",
         lambda f: f["tanh"] and SOME_SATURATION_PCT < _saturation(f) <= SATURATED_PCT, lambda f: (
             "info", f"{f['worst']['label']} is {_saturation(f):.0f}% saturated ({SATURATED}): a little saturation "
                     "is expected. The lecture's gain-5/3 net starts the same: 20% in its first layer, 5-9% "
                     "deeper.")),
    Rule("mostly-zero ReLU", lambda f: f["nonlinearity"] == "relu" and _saturation(f) > 70, lambda f: (
        "warn", f"{_saturation(f):.0f}% of the outputs of {f['worst']['label']} are 0 (about half is normal for "
                "ReLU): no gradient flows through those.")),
    Rule("dead neurons", lambda f: f["dead"] is not None and bool(f["dead"]["dead"]), _dead),
    Rule("shrinking activations", lambda f: len(f["stds"]) >= 3 and not f["batchnorm"]
         and _monotone(f["stds"], 0.6, grows=False), _shrinks),
    Rule("growing activations", lambda f: len(f["stds"]) >= 3 and not f["batchnorm"]
         and _monotone(f["stds"], 1.6, grows=True), lambda f: (
             "warn", f"The activations grow layer by layer (std {f['stds'][0]:.2f} -> {f['stds'][-1]:.2f}): the "
                     "gain is too large for these layers.")),
    Rule("uneven gradients", lambda f: f["grad_spread"] > 3, lambda f: (
        "warn", f"The gradient std differs {f['grad_spread']:.0f}-fold between layers: some layers would learn "
                "much faster than others.")),
    Rule("the last layer's grad:data outlier", lambda f: f["last_grad_to_data"] > 3, lambda f: (
        "info", f"The last layer's grad:data is {f['last_grad_to_data']:.0f}x the median: its weights are small "
                "(softened), so the same gradient moves them relatively more. The lecture's outlier; it fades "
                "after the first steps.")),
    Rule("linear only", lambda f: f["nonlinearity"] == "none", lambda f: (
        "info", "No nonlinearity: the whole stack is one linear map, however deep. It keeps the spread at gain 1, "
                "but cannot learn more than a linear model.")),
    # a first-half stage scales its randn draws itself (see stage_scales)
    Rule("plain randn", lambda f: not f["fan_in_scaling"] and not f["stage"] and not f["batchnorm"], lambda f: (
        "warn", "Weights are plain randn (std 1): each layer's output spread grows by about "
                f"sqrt(fan_in) = {math.sqrt(f['n_hidden']):.0f}x. Turn on fan-in scaling.")),
    Rule("plain randn under BatchNorm", lambda f: not f["fan_in_scaling"] and not f["stage"] and f["batchnorm"], lambda f: (
        "info", "Weights are plain randn (std 1), about "
                f"{math.sqrt(f['n_hidden']):.0f}x wider than with fan-in scaling, but each BatchNorm divides by the "
                "batch's std right after: the layers look the same as with it. The lecture's point: BatchNorm makes "
                "the weights' scale irrelevant.")),
    Rule("BatchNorm keeps it healthy", lambda f: f["batchnorm"] and f["loss_level"] == "good", otherwise=True,
         says=lambda f: ("good", "BatchNorm re-centres and re-scales every layer, so the gain hardly matters: every "
                                 "layer looks alike. This is why BatchNorm made deep nets easy to start.")),
    Rule("healthy", lambda f: True, otherwise=True, says=lambda f: (
        "good", "Healthy: a steady spread through the layers, little saturation, and the loss starts near the "
                "uniform guess.")),
]


def hints(result: dict) -> list[tuple[str, str]]:
    """[(level, sentence)] that read the numbers: what looks wrong and which control helps."""
    return read(RULES, facts(result))


def stage_scales(stage: str | None, vocab_size: int, depth: int = 1) -> str:
    """What a first-half stage multiplies its plain randn draws by (W1 x0.2, ...), which the gain and
    fan-in controls do not show; "" for no stage or the deep net (the controls describe it)."""
    if not stage:
        return ""
    config, _ = stage_configs(stage, vocab_size, hidden_layers=depth)
    if config.init_scales is None:
        return ""
    fan_ins = [config.n_embd * config.block_size] + [config.n_hidden] * (len(config.init_scales) - 1)
    parts = []
    for k, ((w, b), fan_in) in enumerate(zip(config.init_scales, fan_ins), start=1):
        w_text = f"x{(5 / 3) / math.sqrt(fan_in):.3g} ((5/3)/√{fan_in})" if w == "kaiming" else f"x{w:g}"
        has_bias = not (config.batchnorm and k <= config.hidden_layers)   # BatchNorm follows: no bias drawn
        parts.append(f"W{k} {w_text}" + (f", b{k} x{b:g}" if has_bias else f", no b{k}"))
    return "; ".join(parts)
