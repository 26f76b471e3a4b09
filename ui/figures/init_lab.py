"""Figures of the Initialization lab: plain data in (the core's statistics), plotly figures out.

Histograms arrive pre-binned (fixed-bin densities from makemore_core.diagnostics), so each is one line.
In Compare, A (pinned) is drawn dashed and B (current) solid, in the same colour per layer.

Each figure is built in one go from plain dicts with plotly's validation off: validating (or
updating a layout piece by piece) costs 15 to 100 ms a figure, and the page redraws seven of them
on every slider move within a 300 ms budget.
"""
import functools
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

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


def loss_figure(rows, uniform: float, vocab_size: int) -> go.Figure:
    """rows: [(tag, loss)]. Bars of the initial loss and a line at a uniform guess, -ln(1/vocab)."""
    tags = [tag or "initial loss" for tag, _ in rows]
    losses = [loss for _, loss in rows]
    colours = [GREEN if loss <= 1.05 * uniform else ORANGE if loss <= 1.5 * uniform else VERMILLION
               for loss in losses]
    bars = dict(type="bar", y=tags, x=losses, orientation="h", marker=dict(color=colours),
                text=[f"{v:.4f}" for v in losses], textposition="auto", showlegend=False,
                hovertemplate="%{y}: %{x:.4f}<extra></extra>")
    finite = [v for v in losses if math.isfinite(v)]
    top = max(finite + [uniform]) * 1.12
    line = dict(type="line", x0=uniform, x1=uniform, y0=0, y1=1, yref="paper", line=dict(color="#333", dash="dash", width=2))
    left = uniform < 0.5 * top  # write the label on the side of the line that has room
    label = dict(x=uniform, y=1.0, yref="paper", yanchor="bottom", xanchor="left" if left else "right",
                 showarrow=False, font=dict(size=13), text=f" uniform −ln(1/{vocab_size}) = {uniform:.4f} ")
    return _figure([bars], height=130 + 40 * len(rows), shapes=[line], annotations=[label],
                   margin=dict(t=40, b=45, l=90, r=20),
                   xaxis=_axis("cross-entropy loss at step 0", range=[0, top]),
                   yaxis=dict(autorange="reversed"))


def logits_figure(rows) -> go.Figure:
    """rows: [(tag, stats, dash)]. The distribution of the logits (its std in the legend)."""
    traces = [_line(s["logits_hist"]["x"], s["logits_hist"]["density"], f"{_prefix(tag)}std {s['logits_std']:.2f}",
                    k, dash) for k, (tag, s, dash) in enumerate(rows)]
    return _figure(traces, "logits at step 0", height=300, xaxis=_axis("logit value"), yaxis=_axis("density"))


def layer_histograms(rows, field="hist", title="activation distribution", x_title="activation value") -> go.Figure:
    """rows: [(tag, layer statistics, dash)]. One line per layer, legend 'layer 2 (Tanh)' as in the lecture."""
    traces = [_line(r[field]["x"], r[field]["density"], f"{_prefix(tag)}{r['label']}", i, dash, group=tag)
              for tag, layers, dash in rows for i, r in enumerate(layers) if r.get(field)]
    fmt = "e" if field == "grad_hist" else "B"
    return _figure(traces, title, xaxis=_axis(x_title, exponentformat=fmt), yaxis=_axis("density"))


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
    return _figure(traces, "weight gradient distribution (each curve scaled to its peak)",
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
