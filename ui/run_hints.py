"""Hints that read a training run's numbers (a Run.snapshot) and say what they mean."""


def hints(snap) -> list[tuple[str, str]]:
    """[(level, text)] about the run as it is now; level is error | warning | success | info."""
    out = []
    if snap["state"] == "diverged":
        return [("error", f"Diverged. {snap['message']}")]
    if snap["message"] and snap["state"] == "stopped":
        out.append(("error", f"The run stopped: {snap['message']}"))
    uniform = snap["uniform_loss"]
    if snap["loss"] is not None and snap["step"] > 50 and len(snap["loss_smooth"]):
        recent = 10 ** snap["loss_smooth"][-1]
        if recent > 1.5 * uniform:
            out.append(("warning", f"The smoothed loss ({recent:.2f}) is far above a uniform guess ({uniform:.2f}): "
                                   "the steps overshoot. Lower the learning rate."))
    stats = snap["stats"]
    if stats is None:
        return out
    step, s = stats
    ratios = [p["update_to_data"] for p in s["params"] if p["ndim"] == 2 and p.get("update_to_data") is not None]
    if ratios:
        typical = sorted(ratios)[len(ratios) // 2]
        times = 10 ** (typical + 3)   # how many times the lecture's guide of 10^-3
        if typical > -2.2:
            out.append(("warning", f"update:data is about 10^{typical:.1f}, {times:.0f} times the 10^-3 guide: each "
                                   "step changes the weights by a lot. The learning rate is probably too high."))
        elif typical > -2.6:
            out.append(("info", f"update:data is about 10^{typical:.1f}, {times:.1f} times the 10^-3 guide: fast "
                                "learning; if the loss stays noisy, a lower learning rate (or the decay) helps."))
        elif typical >= -3.5:
            out.append(("success", f"update:data is about 10^{typical:.1f}, near the 10^-3 guide: a healthy "
                                   "learning rate for these weights."))
        else:
            out.append(("info", f"update:data is about 10^{typical:.1f}, below the 10^-3 guide: the weights "
                                "barely move. The learning rate is probably low, or the schedule decayed it."))
    has_batchnorm = any(p["name"].endswith("gamma") for p in s["params"])
    remedy = "A smaller learning rate" if has_batchnorm else "A smaller gain or BatchNorm"
    saturated = [(layer["label"], layer["saturation_pct"]) for layer in s["layers"]
                 if layer["kind"] == "tanh" and layer["saturation_pct"] > 10]
    for label, pct in saturated[:2]:
        out.append(("warning", f"{label}: {pct:.0f}% of its tanh outputs are saturated (|t| > 0.97), where the "
                               f"gradient is nearly zero. {remedy} keeps them in the active range."))
    dead = [(layer["label"], layer["saturation_pct"]) for layer in s["layers"]
            if layer["kind"] == "relu" and layer["saturation_pct"] > 80]
    for label, pct in dead[:1]:
        out.append(("warning", f"{label}: {pct:.0f}% of its ReLU outputs are zero, and pass no gradient back."))
    if snap["val"] and len(snap["loss_smooth"]):
        val = snap["val"][-1][1]
        train = 10 ** snap["loss_smooth"][-1]
        if val - train > 0.15:
            out.append(("info", f"val loss {val:.3f} is above the training loss {train:.3f}: the net starts to "
                                "memorize the training names (overfitting)."))
    return out
