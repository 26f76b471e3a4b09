"""Figures of the Initialization lab: plain data in (the core's statistics), charts out.

Histograms arrive pre-binned (fixed-bin densities from makemore_core.diagnostics), so each is one line.
In Compare, A (pinned) is drawn dashed and B (current) solid, in the same colour per layer.

The charts every slider step redraws (the initial loss, the logits, the open tab's histograms) are Vega-Lite
(`*_chart`, returning (data, spec)): a step changes their data only, which the browser swaps into the drawn
chart (ui/figures/vega.py), where a plotly figure is drawn anew (issue 13); the lecture's chapters draw their
layer histograms with the same function. The rest are plotly figures, also used by the lecture's chapters.

Each figure is built in one go from plain dicts with plotly's validation off: validating (or
updating a layout piece by piece) costs 15 to 100 ms a figure, and the page redraws seven of them
on every slider move within a 300 ms budget.
"""
import functools
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import vega
from .common import BLUE, FONT_SIZE, GREEN, ORANGE, VERMILLION, color

TANH_FLAT = math.atanh(0.99)   # |pre-activation| beyond this: |tanh| > 0.99, a flat tail
NO_TOOLBAR = {"displayModeBar": False}


CARTESIAN = ("colorway", "font", "paper_bgcolor", "plot_bgcolor", "hoverlabel", "hovermode", "xaxis", "yaxis",
             "annotationdefaults", "shapedefaults", "autotypenumbers", "title")
TRACES = ("scatter", "bar", "heatmap")   # the only trace types the lab draws


@functools.lru_cache(maxsize=1)
def _template():
    """The app's template (its palette) itself, for plotly.js needs the template, not its name; only
    the parts a 2-D chart of these traces reads: 1.3 KB instead of 7.3 KB sent with every chart."""
    full = pio.templates[pio.templates.default].to_plotly_json()
    return {"layout": {k: v for k, v in full["layout"].items() if k in CARTESIAN},
            "data": {k: v for k, v in full["data"].items() if k in TRACES}}


def _figure(traces, title=None, height=380, **layout) -> go.Figure:
    """The look of ui.figures.common.styled (font, margins, uirevision), without validation."""
    base = dict(
        title=dict(text=title) if title else None, height=height, font=dict(size=FONT_SIZE),
        margin=dict(l=60, r=20, t=50 if title else 20, b=50), uirevision="keep", template=_template(),
        legend=dict(bgcolor="rgba(255,255,255,0.6)"),
    )
    return go.Figure(data=list(traces), layout={**base, **layout}, _validate=False)


def _axis(title, **extra):
    return dict(title=dict(text=title), **extra)


def _line(x, y, name, i, dash=False, group=None):
    return dict(type="scatter", x=np.asarray(x), y=np.asarray(y), mode="lines", name=name, legendgroup=group,
                line=dict(color=color(i), width=1.8 if dash else 2.2, dash="dash" if dash else "solid"),
                opacity=0.8 if dash else 1.0)


def _prefix(tag):
    return f"{tag} · " if tag else ""


def loss_chart(rows, uniform: float, vocab_size: int, big=False):
    """rows: [(tag, loss)]. A bar per net, its colour how far it starts above a uniform guess, and a dashed
    line at that guess, -ln(1/vocab) (the usermeta says it for tests and readers of the spec). The spec
    depends on the vocabulary and the nets' names only."""
    losses = [float(loss) for _, loss in rows]
    data = pd.DataFrame({
        "net": [tag or "initial loss" for tag, _ in rows],
        "loss": [v if math.isfinite(v) else None for v in losses],
        "colour": [GREEN if v <= 1.05 * uniform else ORANGE if v <= 1.5 * uniform else VERMILLION for v in losses],
        "text": [f"{v:.4f}" for v in losses],
    })
    y = {"field": "net", "type": "nominal", "title": None, "sort": None}
    x = {"field": "loss", "type": "quantitative", "title": "dashed: a uniform guess", "axis": {"tickCount": 4}}
    layers = [
        {"mark": {"type": "bar"}, "encoding": {"y": y, "x": x, "color": {"field": "colour", "type": "nominal",
                                                                         "scale": None}}},
        {"mark": {"type": "text", "align": "right", "dx": -6, "color": "white", "fontSize": FONT_SIZE - 1},
         "encoding": {"y": y, "x": x, "text": {"field": "text"}}},
        {"data": {"values": [{}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 2, "color": "#333"},
         "encoding": {"x": {"datum": uniform}}},
    ]
    spec = vega.spec(layers, 34 * len(rows), big, key="init_loss_chart")
    spec["usermeta"]["uniform"] = f"−ln(1/{vocab_size}) = {uniform:.4f}"
    return data, spec


def _curves(parts, key, x_title, height, x_format=None, big=False, legend_columns=5):
    """Density lines: colour by the `line` column, dashed where the `stroke` column says so (A, pinned, in
    Compare). The spec depends on the lines' names only, so a step that changes the numbers swaps the data in
    the drawn chart."""
    columns = ["x", "density", "line", "net", "stroke"]
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    x = {"field": "x", "type": "quantitative", "title": x_title, "scale": {"zero": False, "nice": False}}
    if x_format:
        x["axis"] = {"format": x_format, "tickCount": 6}
    names = list(dict.fromkeys(data["line"]))
    encoding = {"x": x, "y": {"field": "density", "type": "quantitative", "title": "density"},
                "color": vega.color(names, legend_columns=legend_columns, field="line"),
                "strokeDash": {"field": "stroke", "type": "nominal", "legend": None,
                               "scale": {"domain": ["solid", "dashed"], "range": [[1, 0], [6, 4]]}}}
    if len(names) == 1:
        encoding["color"]["legend"] = None   # one line: the heading says what it is
    layers = [{"mark": {"type": "line", "interpolate": "step", "strokeWidth": 2}, "encoding": encoding}]
    return data, vega.spec(layers, height, big, key=key)


def _stroke(dash: bool) -> str:
    return "dashed" if dash else "solid"


def logits_chart(rows, big=False):
    """rows: [(tag, stats, dash)]. The distribution of the logits; logits_summary says their std."""
    parts = [pd.DataFrame({"x": s["logits_hist"]["x"], "density": s["logits_hist"]["density"],
                           "line": tag or "logits", "net": tag, "stroke": _stroke(dash)}) for tag, s, dash in rows]
    return _curves(parts, "init_logits_chart", "logit value", 210, big=big)


def logits_summary(rows) -> str:
    """'std 0.10', or in Compare 'A: std 0.10 · B: std 0.53': for the heading (in the legend it would change
    the chart's spec on every step)."""
    return " · ".join(f"{tag + ': ' if tag else ''}std {s['logits_std']:.2f}" for tag, s, _ in rows)


def histogram_chart(rows, field="hist", key="init_act_chart", x_title="activation value", big=False,
                    legend_columns=5):
    """rows: [(tag, layer statistics, dash)]. One line per layer ('layer 2 (Tanh)', as in the lecture), the
    same colour for A and B (the lab's Compare; the lecture's normal and zero init), the dashed ones dashed.
    The lab's tabs and the lecture's chapters draw their histograms with this one function; a half-width
    column has room for a legend of 2 columns, not 5."""
    parts = [pd.DataFrame({"x": r[field]["x"], "density": r[field]["density"], "line": r["label"], "net": tag,
                           "stroke": _stroke(dash)})
             for tag, layers, dash in rows for r in layers if r.get(field)]
    return _curves(parts, key, x_title, 260, x_format=".1~e" if field == "grad_hist" else None, big=big,
                   legend_columns=legend_columns)


def weight_grad_figure(rows) -> go.Figure:
    """rows: [(tag, parameter statistics, dash)]. The gradient of each 2-D weight, each curve divided
    by its own peak: C's narrow spike would otherwise flatten every other layer to the axis."""
    traces = []
    for tag, params, dash in rows:
        weights = [p for p in params if p["ndim"] == 2 and "grad_hist" in p]
        for i, p in enumerate(weights):
            shape = "×".join(str(d) for d in p["shape"])
            density = np.asarray(p["grad_hist"]["density"], dtype=float)
            peak = density.max() if density.size and density.max() > 0 else 1.0
            traces.append(_line(p["grad_hist"]["x"], density / peak, f"{_prefix(tag)}{p['name']} ({shape})",
                                i, dash, group=tag))
    return _figure(traces, "weight gradients, each scaled to its peak",
                   xaxis=_axis("gradient value", exponentformat="e"), yaxis=_axis("density ÷ its peak"))


def saturation_figure(image, title: str, height=300) -> go.Figure:
    """examples x neurons; white where the unit is flat (|h| > 0.99 for tanh, 0 for ReLU)."""
    cols = image.shape[1]
    heat = dict(type="heatmap", z=image, zmin=0, zmax=1, colorscale=[[0, "black"], [1, "white"]], showscale=False,
                hovertemplate="example %{y}, neuron %{x}: %{z}<extra></extra>")
    return _figure([heat], title, height=height, plot_bgcolor="black",
                   xaxis=_axis("neuron", range=[-0.5, cols - 0.5], showgrid=False, zeroline=False),
                   yaxis=_axis("example", autorange="reversed", showgrid=False, zeroline=False))


def preactivation_figure(rows, nonlinearity: str) -> go.Figure:
    """rows: [(tag, layer view, dash)]. The input of the nonlinearity; its flat region shaded."""
    traces = [_line(v["pre_hist"]["x"], v["pre_hist"]["density"], f"{_prefix(tag)}std {v['pre_std']:.2f}", k, dash)
              for k, (tag, v, dash) in enumerate(rows)]
    shapes, notes = [], []
    shade = dict(type="rect", y0=0, y1=1, yref="paper", fillcolor=VERMILLION, opacity=0.08, line=dict(width=0))
    span = max((abs(x) for _, v, _ in rows for x in v["pre_hist"]["x"]), default=1.0)
    if nonlinearity == "tanh":
        edge = max(span, TANH_FLAT) * 1.05
        shapes = [dict(shade, x0=-edge, x1=-TANH_FLAT), dict(shade, x0=TANH_FLAT, x1=edge)]
        notes = [dict(x=TANH_FLAT, y=1, yref="paper", xanchor="left", yanchor="top", showarrow=False,
                      text="|tanh| > 0.99", font=dict(color=VERMILLION, size=13))]
    elif nonlinearity == "relu":
        shapes = [dict(shade, x0=-span * 1.05, x1=0)]
        notes = [dict(x=0, y=1, yref="paper", xanchor="right", yanchor="top", showarrow=False,
                      text="ReLU outputs 0 ", font=dict(color=VERMILLION, size=13))]
    return _figure(traces, "pre-activation distribution", height=300, shapes=shapes, annotations=notes,
                   xaxis=_axis("pre-activation value"), yaxis=_axis("density"))


def batchnorm_figure(before, xhat, after, moved: int, mean: float, std: float, gamma: float, beta: float) -> go.Figure:
    """A handful of values before BatchNorm, normalized, and after gamma and beta; one of them moved."""
    rows = [("before: x", before, mean, std), ("normalized: x̂", xhat, 0.0, 1.0),
            ("after: γ·x̂ + β", after, beta, abs(gamma))]
    traces = []
    for name, values, centre, spread in rows:
        traces += [
            dict(type="scatter", x=[centre - spread, centre + spread], y=[name, name], mode="lines", showlegend=False,
                 line=dict(color="#888", width=8), opacity=0.35, hoverinfo="skip"),
            dict(type="scatter", x=[centre], y=[name], mode="markers", showlegend=False, hoverinfo="skip",
                 marker=dict(symbol="line-ns", size=28, line=dict(color=VERMILLION, width=3))),
            dict(type="scatter", x=values, y=[name] * len(values), mode="markers", showlegend=False,
                 marker=dict(color=[ORANGE if i == moved else BLUE for i in range(len(values))],
                             size=[18 if i == moved else 13 for i in range(len(values))],
                             line=dict(color="white", width=1)),
                 hovertemplate="%{x:.3f}<extra></extra>"),
        ]
    reach = max(6.5, max(abs(v) for _, values, _, _ in rows for v in values) + 0.5)  # steady while dragging
    return _figure(traces, height=280, margin=dict(l=130, r=20, t=20, b=50),
                   xaxis=_axis("value  (red tick: mean · grey bar: ± one std)", zeroline=True, range=[-reach, reach]),
                   yaxis=dict(categoryorder="array", categoryarray=[r[0] for r in rows][::-1]))
