"""What a training run's numbers say (a Run.snapshot), as named rules (ui.hints): each true of what the
Training page shows, and agreeing with the lecture. Advice to lower the learning rate is given only while
the run trains at its starting rate (not after the schedule decayed it, nor once it ended), and a stage
run is never told to change the gain or BatchNorm, which the page fixes for it."""
from ui.hints import SATURATED, SATURATED_PCT, UPDATE_GUIDE, Rule, read, times_guide, weight_name

ENDED = ("finished", "diverged", "stopped")
STAGE_FIX = {"original": "Stage tanh-fix (W1 x0.2) is the lecture's fix for it.",
             "softmax-fix": "Stage tanh-fix (W1 x0.2) is the lecture's fix for it."}


def facts(snap: dict) -> dict:
    """The numbers the rules read, derived once from a snapshot."""
    step, stats = snap["stats"] or (None, {"layers": [], "params": []})
    weights = [(weight_name(p["name"]), p["update_to_data"]) for p in stats["params"]
               if p["ndim"] == 2 and p.get("update_to_data") is not None]
    typical = sorted(r for _, r in weights)[len(weights) // 2] if weights else None
    lr, lr_start = snap.get("lr"), snap.get("lr_start")
    decayed = lr is not None and lr_start is not None and lr < lr_start * (1 - 1e-9)
    return {
        **snap, "weights": weights, "typical": typical, "band": band(typical),
        "smoothed": 10 ** snap["loss_smooth"][-1] if len(snap["loss_smooth"]) else None,
        "decayed": decayed, "lr_advice": snap["state"] not in ENDED and not decayed,
        "batchnorm": any(p["name"].endswith("gamma") for p in stats["params"]), "stage": snap.get("stage"),
        "saturated": [layer for layer in stats["layers"]
                      if layer["kind"] == "tanh" and layer["saturation_pct"] > SATURATED_PCT][:2],
        "dead": [layer for layer in stats["layers"] if layer["kind"] == "relu" and layer["saturation_pct"] > 80][:1],
        "last_weight": weights[-1][0] if weights else None,
    }


def _rate(f) -> str:
    return "" if f.get("lr") is None else f" ({f['lr']:g})"


def band(typical) -> str | None:
    """Where the median update:data sits against the 10^-3 guide (log10 bands)."""
    if typical is None:
        return None
    return "high" if typical > -2.2 else "fast" if typical > -2.6 else "healthy" if typical >= -3.5 else "low"


def _low(f):
    why = (f"the schedule has decayed the rate to {f['lr']:g}, as it should late in a run" if f["decayed"]
           else "the learning rate is probably low")
    return "info", (f"update:data is about 10^{f['typical']:.1f} (the median weight matrix), below the 10^-3 "
                    f"guide: the weights barely move. Here {why}.")


def outliers(f) -> list:
    """Weight matrices 10x above the guide and 10x above the median: named, not averaged away."""
    return [(name, r) for name, r in f["weights"] if r > UPDATE_GUIDE + 1 and r > f["typical"] + 1]


def _outliers(f):
    said = []
    for name, r in outliers(f)[:3]:
        why = (" It is the output layer, shrunk at init: the lecture's outlier, which settles as its weights grow."
               if name == f["last_weight"] else "")
        said.append(("warning" if r > UPDATE_GUIDE + 1.5 else "info",
                     f"{name}: update:data 10^{r:.1f}, {times_guide(r):.0f} times the 10^-3 guide, while the median "
                     f"weight matrix sits at {times_guide(f['typical']):.1f} times: each step changes it far more "
                     f"than the others.{why}"))
    return said


def _saturated(f):
    if f["stage"]:
        remedy = STAGE_FIX.get(f["stage"], "")
    elif not f["batchnorm"]:
        remedy = "A smaller gain or BatchNorm keeps them in the active range."
    else:
        remedy = "A smaller learning rate keeps them in the active range." if f["lr_advice"] else ""
    return [("warning", f"{layer['label']}: {layer['saturation_pct']:.0f}% of its tanh outputs are saturated "
                        f"({SATURATED}), where the gradient is nearly zero. {remedy}".rstrip())
            for layer in f["saturated"]]


RULES = [
    Rule("diverged", lambda f: f["state"] == "diverged", last=True, says=lambda f: ("error", f"Diverged. {f['message']}")),
    Rule("stopped by an error", lambda f: bool(f["message"]) and f["state"] == "stopped", lambda f: (
        "error", f"The run stopped: {f['message']}")),
    Rule("overshooting", lambda f: f["loss"] is not None and f["step"] > 50 and f["smoothed"] is not None
         and f["smoothed"] > 1.5 * f["uniform_loss"], lambda f: (
             "warning", f"The smoothed loss ({f['smoothed']:.2f}) is far above a uniform guess "
                        f"({f['uniform_loss']:.2f}): the steps overshoot."
                        + (" Lower the learning rate." if f["lr_advice"] else ""))),
    Rule("update:data too high", lambda f: f["band"] == "high", lambda f: (
        "warning", f"update:data is about 10^{f['typical']:.1f} (the median weight matrix), "
                   f"{times_guide(f['typical']):.0f} times the 10^-3 guide: each step changes the weights by a lot. "
                   f"The learning rate{_rate(f)} is probably too high.")),
    Rule("update:data fast", lambda f: f["band"] == "fast", lambda f: (
        "info", f"update:data is about 10^{f['typical']:.1f} (the median weight matrix), "
                f"{times_guide(f['typical']):.1f} times the 10^-3 guide: fast learning"
                + ("; if the loss stays noisy, a lower learning rate (or the decay) helps." if f["lr_advice"] else "."))),
    Rule("update:data healthy", lambda f: f["band"] == "healthy", lambda f: (
        "success", f"update:data is about 10^{f['typical']:.1f} (the median weight matrix), near the 10^-3 guide: "
                   "a healthy learning rate for these weights.")),
    Rule("update:data low", lambda f: f["band"] == "low", _low),
    Rule("update:data outliers", lambda f: bool(f["weights"]) and bool(outliers(f)), _outliers),
    Rule("saturated tanh", lambda f: bool(f["saturated"]), _saturated),
    Rule("dead ReLU", lambda f: bool(f["dead"]), lambda f: (
        "warning", f"{f['dead'][0]['label']}: {f['dead'][0]['saturation_pct']:.0f}% of its ReLU outputs are zero, "
                   "and pass no gradient back.")),
    Rule("overfitting", lambda f: bool(f["val"]) and f["smoothed"] is not None
         and f["val"][-1][1] - f["smoothed"] > 0.15, lambda f: (
             "info", f"val loss {f['val'][-1][1]:.3f} is above the training loss {f['smoothed']:.3f}: the net starts "
                     "to memorize the training names (overfitting).")),
]


def hints(snap) -> list[tuple[str, str]]:
    """[(level, text)] about the run as it is now; level is error | warning | success | info."""
    return read(RULES, facts(snap))
