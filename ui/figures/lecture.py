"""Figures of the Lecture page: plain numbers in (from makemore_core), plotly figures out. The demos a
slider redraws (chapters 1, 4 and 10) are Vega-Lite instead: (data, spec), the spec fixed.

The chapters also reuse the Initialization lab's and the Training page's figures (histograms,
saturation image, update:data over time); only what those do not draw is here.
"""
import math

import numpy as np
import pandas as pd

from . import vega
from .common import BLUE, FONT_SIZE, GREEN, ORANGE, VERMILLION
from .lines import against_chart, grouped_bars_chart, line_chart

NO_TOOLBAR = {"displayModeBar": False}


def softmax_toy_chart(logits, probs, target: int, big=False):
    """(data, spec): four logits and the probabilities softmax makes of them, the correct one in green.
    Vega-Lite: a slider step changes the data only, and the browser swaps it into the drawn chart."""
    data = pd.DataFrame({"logit": [f"logit {i}" for i in range(len(logits))], "probability": list(probs),
                         "label": [f"{p:.3f}" for p in probs],
                         "role": ["correct" if i == target else "wrong" for i in range(len(logits))]})
    x = {"field": "logit", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}}
    y = {"field": "probability", "type": "quantitative", "scale": {"domain": [0, 1.15]},
         "axis": {"values": [0, 0.25, 0.5, 0.75, 1], "format": ".2~f"}}
    colour = {"field": "role", "type": "nominal", "legend": None,
              "scale": {"domain": ["correct", "wrong"], "range": [GREEN, BLUE]}}
    tooltip = [{"field": "logit"}, {"field": "probability", "format": ".4f"}]
    layers = [{"mark": {"type": "bar"}, "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip}},
              {"mark": {"type": "text", "dy": -10, "fontSize": FONT_SIZE + (5 if big else 0)},
               "encoding": {"x": x, "y": y, "text": {"field": "label"}}}]
    spec = vega.spec(layers, 240, big, key="lecture_toy")
    spec["title"] = "softmax(logits): the probability of each character"
    return data, spec


def loss_curves_chart(curves: dict, uniform: float, key: str, clip: float | None = None, big=False):
    """(data, spec) of {label: [loss per step]}: the first steps of each run on one chart, a uniform guess
    dashed; `clip`: the y axis's top (a loss of 27 would flatten the rest)."""
    top = clip if clip is not None else max(max(v) for v in curves.values() if len(v))
    return line_chart({label: (np.arange(len(losses)), losses) for label, losses in curves.items()},
                      "loss of each step (one minibatch of 32)", "step", "loss", key, height=280, big=big,
                      guide=uniform, guide_label=f"uniform guess {uniform:.2f}", y_domain=(0, top * 1.05))


FAN_IN_SERIES = ["x", "y = x @ w"]


def fan_in_chart(members, fan_ins, gain_names, big=False):
    """(data, spec): the densities of x and of y = x @ w on one axis, for every fan_in, with or without
    w / √fan_in, at every gain: the whole family travels with the chart and three inputs bound inside it
    (a range over fan_in, a checkbox, a radio for the gain) pick the member in the browser. members:
    [(fan_in index, gain index or -1 when not divided, lecture_demos.fan_in_demo's result)]. The text mark
    above says the stds."""
    rows = []
    for f, g, result in members:
        for part, name in zip(("x_hist", "y_hist"), FAN_IN_SERIES):
            rows.append({"f": f, "g": g, "series": name, "note": "", **vega.packed(result[part]["x"], result[part]["density"])})
        expected = f"gain = {result['expected_std']:.3f}" if g >= 0 else f"√fan_in = {result['expected_std']:.2f}"
        rows.append({"f": f, "g": g, "series": "note", "note": f"fan_in {fan_ins[f]} · std(x) {result['x_std']:.3f} → "
                                                               f"std(x @ w) {result['y_std']:.3f} (expected about {expected})"})
    data = pd.DataFrame(rows, columns=["f", "g", "series", "note", *vega.PACKED])
    font = FONT_SIZE + (5 if big else 0)
    pick = "datum.f == fan && datum.g == (divide ? gain : -1)"
    encoding = {"x": {"field": "x", "type": "quantitative", "title": "value"},
                "y": {"field": "y", "type": "quantitative", "title": "density"},
                "color": vega.color(FAN_IN_SERIES, legend_columns=2)}
    layers = [
        {"transform": [{"filter": f"datum.series != 'note' && {pick}"}, *vega.unpacked(["series"])],
         "mark": {"type": "line", "strokeWidth": 2.2, "interpolate": "step"}, "encoding": encoding},
        {"transform": [{"filter": f"datum.series == 'note' && {pick}"}],
         "mark": {"type": "text", "align": "left", "baseline": "bottom", "x": 0, "y": -6, "fontSize": font,
                  "fontWeight": "bold"}, "encoding": {"text": {"field": "note"}}},
    ]
    spec = vega.spec(layers, 260, big, key="lecture_fan_in")
    spec["params"] = [
        {"name": "fan", "value": fan_ins.index(10), "bind": {"input": "range", "min": 0, "max": len(fan_ins) - 1,
                                                            "step": 1, "name": "fan_in (width of x)"}},
        {"name": "divide", "value": True, "bind": {"input": "checkbox", "name": "w / √fan_in"}},
        {"name": "gain", "value": 0, "bind": {"input": "radio", "options": list(range(len(gain_names))),
                                              "labels": list(gain_names), "name": "gain (when divided)"}},
    ]
    return data, spec


NORMALIZE_SERIES = ["inputs: N(mean, std)", "normalized: N(0, 1)"]


NORMALIZE_REACH = (6.5, 31.0)   # the widget's x axis: near 0, or the whole slider (x0 up to ±30)


def normalize_chart(members, big=False):
    """(data, spec): the notebook's BatchNorm widget, for every place of its slider at once: a range input bound
    inside the chart picks x0 in the browser. Five inputs (top row) joined to their normalized values (bottom
    row), with the Gaussian of the inputs' mean and std and the unit Gaussian, and a text mark with the mean and
    std. members: [(x0, lecture_demos.normalize_five(x0))] on the slider's even steps. The x axis is the near
    one while x0 fits on it, else the whole slider's (every input is on it). The spec depends on the slider's
    range only."""
    xs = np.linspace(-NORMALIZE_REACH[1], NORMALIZE_REACH[1], 125)   # 0.5 apart, drawn smooth (monotone)
    pdf = lambda m, s: np.exp(-0.5 * ((xs - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))  # noqa: E731
    # the unit Gaussian once, for every x0 (no `at`); the inputs' Gaussian per x0, at 4 digits: the family < 1 MB
    rows = [{"part": "curve", "series": NORMALIZE_SERIES[1], **vega.packed(xs, pdf(0.0, 1.0), digits=4)}]
    for x0, r in members:
        x, y = r["x"], r["y"]
        rows.append({"at": x0, "part": "curve", "series": NORMALIZE_SERIES[0],
                     **vega.packed(xs, pdf(r["mu"], max(r["sigma"], 1e-6)), digits=4)})
        rows += [{"at": x0, "part": "point", "point": p, "value": v, "height": h}
                 for v, h, p in zip([*x, *y], [1.0] * len(x) + [0.0] * len(y),
                                    ["the moved input"] + ["input"] * (len(x) - 1) + ["normalized"] * len(y))]
        rows += [{"at": x0, "part": "link", "value": a, "to": b, "height": 1.0, "bottom": 0.0} for a, b in zip(x, y)]
        rows.append({"at": x0, "part": "note", "note": f"x0 = {x0:g} · the five inputs: mean {r['mu']:.2f}, std "
                                                       f"{r['sigma']:.2f} → normalized: mean 0, std 1"})
    data = pd.DataFrame(rows, columns=["at", "part", "series", "point", "value", "to", "height", "bottom", "note",
                                       *vega.PACKED])
    near, far = NORMALIZE_REACH
    domain = {"expr": f"abs(x0) <= {near - 0.5} ? [-{near}, {near}] : [-{far}, {far}]"}
    x_axis = {"field": "value", "type": "quantitative", "title": "value", "scale": {"domain": domain}}
    y_axis = {"field": "height", "type": "quantitative", "title": None, "scale": {"domain": [-0.1, 1.1]},
              "axis": {"values": [0, 1], "labelExpr": "datum.value == 1 ? 'x' : '(x − μ) / σ'"}}
    only = lambda part: [{"filter": f"datum.part == '{part}'"}]   # noqa: E731 - of the member's rows (below)
    curve_x = {**x_axis, "field": "x"}
    layers = [
        {"transform": only("link"), "mark": {"type": "rule", "color": "black", "opacity": 0.25, "clip": True},
         "encoding": {"x": x_axis, "x2": {"field": "to"}, "y": y_axis, "y2": {"field": "bottom"}}},
        {"transform": only("curve") + vega.unpacked(["series"]),
         "mark": {"type": "line", "strokeWidth": 2, "clip": True, "interpolate": "monotone"},
         "encoding": {"x": curve_x, "y": {**y_axis, "field": "y"}, "color": {**vega.color(NORMALIZE_SERIES), "scale": {
             "domain": NORMALIZE_SERIES, "range": [BLUE, VERMILLION]}}}},   # the outputs red, as the text says
        {"transform": only("point"), "mark": {"type": "circle", "size": 180, "opacity": 1},
         "encoding": {"x": x_axis, "y": y_axis, "tooltip": [{"field": "point"}, {"field": "value", "format": ".2f"}],
                      "fill": {"field": "point", "type": "nominal", "legend": None,
                               "scale": {"domain": ["the moved input", "input", "normalized"],
                                         "range": [ORANGE, BLUE, VERMILLION]}}}},
        {"transform": only("note"), "mark": {"type": "text", "align": "left", "baseline": "bottom", "x": 0, "y": -8,
                                             "fontSize": FONT_SIZE + (5 if big else 0), "fontWeight": "bold"},
         "encoding": {"text": {"field": "note"}}},
    ]
    spec = vega.spec(layers, 300, big, key="lecture_widget")
    # the member's rows (and the unit Gaussian's, which has no `at`) once, for every layer: 2,000 tests a move
    spec["transform"] = [{"filter": "!isValid(datum.at) || abs(datum.at - x0) < 1e-6"}]
    values = [x0 for x0, _ in members]
    spec["params"] = [{"name": "x0", "value": 0.0, "bind": {   # a variable, at the top; the value is x0 itself
        "input": "range", "min": min(values), "max": max(values), "step": values[1] - values[0],
        "name": "x0: the first of the five values (drag)"}}]
    return data, spec


def loss_log_chart(rows, big=False):
    """(data, spec) of rows [{"stage", "train", "val"}]: grouped bars of each stage's train and val loss
    (None: not run yet), from 0: a bar's length is the loss, so 2.07 against 2.12 looks like the 2% it is
    (the labels give the digits)."""
    bars = [{"x": r["stage"], "group": split, "y": r[split]} for r in rows for split in ("train", "val")
            if r.get(split) is not None]
    top = max([b["y"] for b in bars] or [2.0]) * 1.15
    return grouped_bars_chart(bars, ["train", "val"], "loss after 200,000 steps, per stage", "stage", "loss",
                              "lecture_log_bars", big, top)


def running_vs_calibrated_chart(calibrated, running, steps: int, big=False):
    """(data, spec): one dot per neuron, its mean over the whole training split against BatchNorm's running
    mean; on the dashed line they would agree."""
    return against_chart(calibrated, running, f"each neuron's mean: running (after {steps:,} steps) against calibrated",
                         "mean over the whole training split", "running mean", "lecture_calibration", big)


# ---------------------------------------------------------------- chapter 8: the deep net's steps, scrubbed

DEEP_SCRUB = "at"   # the step scrubber's variable: the member (statistics step) index picked in the browser


def deep_scrub_chart(run: dict, big=False, width=None):
    """(data, spec): chapter 8's debugging run at each of its statistics steps (prepare.deep_after's
    `history`), picked by a range input bound inside the chart: the activation and gradient histograms of
    each tanh layer at that step, and update:data of each weight over the 1,001 steps with a cursor on it.
    The spec depends on the number of steps, the layers' and weights' names and the axes' ranges over the
    run (the same on every rerun); it starts at the last step (the notebook's cells 15-18)."""
    history = run["history"]
    width = width or (215 if big else 245)   # two views and their axes in the Lecture's column at 1280 px
    rows = []
    for m, h in enumerate(history):
        layers = h["layers"]
        saturated = ", ".join(f"{r['saturation_pct']:.1f}" for r in layers)
        rows.append({"view": "note", "m": m, "note": f"step {h['step']:,} · minibatch loss {h['loss']:.4f}\n"
                                                     f"saturated % per layer {saturated}"})
        for r in layers:
            rows.append({"view": "act", "m": m, "line": r["label"], **vega.packed(r["hist"]["x"], r["hist"]["density"])})
            rows.append({"view": "grad", "m": m, "line": r["label"],
                         **vega.packed(r["grad_hist"]["x"], r["grad_hist"]["density"])})
    for name, series in run["update_to_data"].items():
        rows += [{"view": "ud", "m": m, "weight": name, "x": float(step), "y": v}
                 for m, (step, v) in enumerate(zip(run["steps"], series)) if v is not None]
    data = pd.DataFrame(rows, columns=["view", "m", "line", "weight", "note", "x", "y", *vega.PACKED])
    data["m"] = data["m"].astype(np.int16)
    labels = [r["label"] for r in history[-1]["layers"]]
    ratios = data["y"].dropna()
    domains = {"act": _hist_domains(history, "hist"),
               "ud": [float(ratios.min()) - 0.2, float(ratios.max()) + 0.2] if len(ratios) else [-6, 0]}
    return data, _deep_scrub_spec(len(history), labels, list(run["update_to_data"]), domains, big, width)


def _hist_domains(history, field):
    """(x, y) axes that hold every step's histograms: fixed, so a move redraws the lines and not the axes
    (a scale whose domain follows the picked member is recomputed, and its axis redrawn, on every move)."""
    hists = [r[field] for h in history for r in h["layers"]]
    half = [(h["x"][1] - h["x"][0]) / 2 for h in hists]
    return ([min(h["x"][0] - w for h, w in zip(hists, half)), max(h["x"][-1] + w for h, w in zip(hists, half))],
            [0, max(max(h["density"]) for h in hists) * 1.05])


def _deep_scrub_spec(count, labels, weights, domains, big, width):
    font = FONT_SIZE + (5 if big else 0)
    at = f"datum.m == {DEEP_SCRUB}"
    only = lambda view: [{"filter": f"datum.view == '{view}' && {at}"}]   # noqa: E731
    layer_color = vega.color(labels, legend_columns=3, field="line")

    def curves(view, title, x_title, x_format=None):
        # the activations' axes fixed over the run (tanh's [-1, 1]); the gradients' follow the step, as the
        # notebook plots each: they start narrow and tall and spread out (a fixed axis squashed step 1,000's)
        fixed = view in domains
        x = {"field": "x", "type": "quantitative", "title": x_title,
             "scale": {"domain": domains[view][0], "nice": False} if fixed else {"zero": False, "nice": False}}
        if x_format:
            x["axis"] = {"format": x_format, "tickCount": 5}
        y = {"field": "y", "type": "quantitative", "title": "density"}
        if fixed:
            y["scale"] = {"domain": domains[view][1]}
        return {"height": 190, "title": {"text": title, "fontSize": font},
                "transform": only(view) + vega.unpacked(["line"]),
                "mark": {"type": "line", "interpolate": "step", "strokeWidth": 2, "clip": True},
                "encoding": {"x": x, "y": y, "color": layer_color}}

    step = {"field": "x", "type": "quantitative", "title": "step", "scale": {"domain": [0, 1000]}}
    ratio = {"field": "y", "type": "quantitative", "title": "log10(update std / data std)",
             "scale": {"domain": domains["ud"]}}
    weight_color = {**vega.color(weights, legend_columns=4, field="weight"), "title": None}
    ud = {"width": 2 * width + 90, "height": 170, "title": {"text": "update:data of each weight", "fontSize": font},
          "layer": [
              {"transform": [{"filter": "datum.view == 'ud'"}], "mark": {"type": "line", "strokeWidth": 1.8},
               "encoding": {"x": step, "y": ratio, "color": weight_color}},
              {"data": {"values": [{}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#333"},
               "encoding": {"y": {"datum": -3}}},
              {"transform": only("ud"), "mark": {"type": "rule", "color": VERMILLION, "strokeWidth": 2},
               "encoding": {"x": step}},
              {"transform": only("ud"), "mark": {"type": "point", "filled": True, "size": 60},
               "encoding": {"x": step, "y": ratio, "color": weight_color,
                            "tooltip": [{"field": "weight"}, {"field": "y", "format": "+.2f", "title": "update:data"}]}},
              {"transform": only("note"), "mark": {"type": "text", "align": "left", "baseline": "bottom", "x": 0,
                                                   "y": -12 - (font + 3), "fontSize": font, "fontWeight": "bold",
                                                   "lineBreak": "\n", "lineHeight": font + 3},
               "encoding": {"text": {"field": "note"}}},
          ]}
    rows = [[ud], [curves("act", "activations per layer", "activation value"),
                   curves("grad", "gradients per layer", "gradient value", ".1~e")]]
    spec = vega.concat_spec(rows, "lecture_deep_scrub", big, width)
    spec["resolve"] = {"scale": {"color": "independent"}, "legend": {"color": "independent"}}
    spec["params"] = [{"name": DEEP_SCRUB, "value": count - 1,   # a variable, so at the top (layers hold selections)
                       "bind": {"input": "range", "min": 0, "max": count - 1, "step": 1,
                                "name": "Statistics step (drag)"}}]
    return spec


# ---------------------------------------------------------------- chapter 6: the loss log's curves, with a cursor

LOG_CURSOR = "slice"   # the cursor's variable: which slice of the runs (0 .. 199) the text reads


def loss_log_curves_chart(curves: dict, big=False):
    """(data, spec): the loss log's runs as the notebook's `plt.plot(lossi)` view, smoothed: each stage's mean
    loss over each equal slice of its run (makemore_core.lossbook.loss_curve: 200 slices of 1,000 steps), on a
    log axis (lossi is log10 of the loss). A range input bound inside the chart moves a cursor along the steps;
    a text mark reads every stage's loss there. curves: {stage: {"step": [...], "loss": [...]}} (stages run
    so far, all as long). The spec depends on the stages' names, the number of slices and the losses' range."""
    stages = list(curves)
    mids = next(iter(curves.values()))["step"]
    width = mids[1] - mids[0] if len(mids) > 1 else 1.0
    rows = []
    for m, mid in enumerate(mids):
        lo = round(mid - (width - 1) / 2)
        read = [f"{stage} {curves[stage]['loss'][m]:.4f}" for stage in stages]   # a line each: it fits at 1280 px
        rows.append({"m": m, "stage": "", "x": float(mid),
                     "note": "\n".join([f"steps {lo:,}–{lo + round(width) - 1:,}", *read])})
        rows += [{"m": m, "stage": stage, "x": float(mid), "y": curves[stage]["loss"][m]} for stage in stages]
    data = pd.DataFrame(rows, columns=["m", "stage", "x", "y", "note"])
    data["m"] = data["m"].astype(np.int16)
    font = FONT_SIZE + (5 if big else 0)
    x = {"field": "x", "type": "quantitative", "title": "step", "scale": {"domain": [0, round(mids[-1] + width / 2)]},
         "axis": {"labelExpr": "datum.value ? format(datum.value / 1000, 'd') + 'k' : '0'"}}
    every = [v for c in curves.values() for v in c["loss"]]   # a fixed axis: a move redraws the marks, not the axes
    y = {"field": "y", "type": "quantitative", "title": "mean loss of the slice (log axis)",
         "scale": {"type": "log", "domain": [min(every) * 0.98, max(every) * 1.02], "nice": False}}
    colour = vega.color(stages, legend_columns=5, field="stage")
    here = f"datum.m == {LOG_CURSOR}"
    layers = [
        {"transform": [{"filter": "datum.stage != ''"}], "mark": {"type": "line", "strokeWidth": 1.8},
         "encoding": {"x": x, "y": y, "color": colour}},
        {"transform": [{"filter": f"datum.stage == '' && {here}"}],
         "mark": {"type": "rule", "color": "#333", "strokeWidth": 1.5}, "encoding": {"x": x}},
        {"transform": [{"filter": f"datum.stage != '' && {here}"}], "mark": {"type": "point", "filled": True, "size": 70},
         "encoding": {"x": x, "y": y, "color": colour,
                      "tooltip": [{"field": "stage"}, {"field": "y", "format": ".4f", "title": "loss"}]}},
        {"transform": [{"filter": f"datum.stage == '' && {here}"}],
         "mark": {"type": "text", "align": "right", "baseline": "top", "x": {"expr": "width - 8"}, "y": 8,
                  "fontSize": font - 1, "fontWeight": "bold", "lineBreak": "\n", "lineHeight": font + 4},
         "encoding": {"text": {"field": "note"}}},   # top right: the curves run low, the space there is free
    ]
    spec = vega.spec(layers, 300, big, key="lecture_log_curves")
    spec["params"] = [{"name": LOG_CURSOR, "value": len(mids) - 1,   # at the end: the losses the table gives
                       "bind": {"input": "range", "min": 0, "max": len(mids) - 1, "step": 1,
                                "name": "Step cursor (drag)"}}]
    return data, spec


# ---------------------------------------------------------------- chapter 2: the first steps of two nets, scrubbed

SOFTMAX_SCRUB = "k"   # the step scrubber's variable: the step picked in the browser


def softmax_scrub_chart(runs: dict, uniform: float, big=False, width=245, clip=30.0):
    """(data, spec): chapter 2's nets side by side over their first steps (prepare.softmax_steps): the loss of
    each step and the std of the logits going into it, one column a net, on shared axes; a range input bound
    inside the chart moves a cursor over the steps and a text mark reads the step's loss, the logits' std and
    the mean probability of the most likely character. The spec depends on the nets' names, the number of
    steps and the uniform loss only."""
    stages = list(runs)
    rows = []
    for stage, r in runs.items():
        rows += [{"stage": stage, "m": k, "loss": loss, "std": std,
                  "note": f"step {k:,} · loss {loss:.4f}\nlogits std {std:.2f} · top p {p:.2f}"}
                 for k, (loss, std, p) in enumerate(zip(r["loss"], r["logits_std"], r["max_prob"]))]
    data = pd.DataFrame(rows, columns=["stage", "m", "loss", "std", "note"])
    data["m"] = data["m"].astype(np.int16)
    count = len(next(iter(runs.values()))["loss"])
    return data, _softmax_scrub_spec(stages, count, uniform, big, width, clip,
                                     max(max(r["logits_std"]) for r in runs.values()))


def _softmax_scrub_spec(stages, count, uniform, big, width, clip, top_std):
    font = FONT_SIZE + (5 if big else 0)
    step = {"field": "m", "type": "quantitative", "title": "step", "scale": {"domain": [0, count - 1]}}

    def view(stage, field, title, domain, colour, note=False):
        y = {"field": field, "type": "quantitative", "title": title, "scale": {"domain": domain, "clamp": True}}
        mine, here = f"datum.stage == '{stage}'", f"datum.stage == '{stage}' && datum.m == {SOFTMAX_SCRUB}"
        layers = [{"transform": [{"filter": mine}], "mark": {"type": "line", "strokeWidth": 1.2, "color": colour,
                                                              "clip": True}, "encoding": {"x": step, "y": y}},
                  {"transform": [{"filter": here}], "mark": {"type": "rule", "color": "#333"}, "encoding": {"x": step}},
                  {"transform": [{"filter": here}], "mark": {"type": "point", "filled": True, "size": 90,
                                                             "color": VERMILLION}, "encoding": {"x": step, "y": y}}]
        if field == "loss":
            layers.insert(1, {"data": {"values": [{}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#333"},
                              "encoding": {"y": {"datum": uniform}}})
        if note:
            layers.append({"transform": [{"filter": here}],
                           "mark": {"type": "text", "align": "right", "baseline": "top", "x": width - 6,
                                    "y": 6, "fontSize": font - 1, "fontWeight": "bold", "lineBreak": "\n",
                                    "lineHeight": font + 3}, "encoding": {"text": {"field": "note"}}})
        return {"height": 170, "title": {"text": stage if note else "", "fontSize": font + 1}, "layer": layers}

    colours = [BLUE, ORANGE]
    rows = [[view(s, "loss", "loss (dashed: uniform)", [0, clip], c, note=True) for s, c in zip(stages, colours)],
            [view(s, "std", "std of the logits", [0, top_std * 1.05], c) for s, c in zip(stages, colours)]]
    spec = vega.concat_spec(rows, "lecture_softmax_scrub", big, width)
    spec["params"] = [{"name": SOFTMAX_SCRUB, "value": 0, "bind": {"input": "range", "min": 0, "max": count - 1,
                                                                   "step": 1, "name": "Step (drag)"}}]
    return spec
