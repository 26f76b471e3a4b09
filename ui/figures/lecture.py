"""Figures of the Lecture page: plain numbers in (from makemore_core), plotly figures out (Vega-Lite
(data, spec) for the charts a slider redraws: chapter 1's toy, chapter 4's fan_in demo).

The chapters also reuse the Initialization lab's and the Training page's figures (histograms,
saturation image, update:data over time); only what those do not draw is here.
"""
import math

import numpy as np
import pandas as pd

from . import vega
from .common import BLUE, FONT_SIZE, GREEN, color
from .init_lab import _axis, _figure

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


def loss_curves_figure(curves: dict, uniform: float, clip: float | None = None):
    """{label: [loss per step]}: the first steps of each run on one chart, a uniform guess dashed."""
    traces = []
    for i, (label, losses) in enumerate(curves.items()):
        y = np.asarray(losses, dtype=float)
        traces.append(dict(type="scatter", mode="lines", x=np.arange(len(y)), y=y, name=label,
                           line=dict(color=color(i), width=1.2), opacity=0.9))
    steps = max((len(v) for v in curves.values()), default=1)
    guide = dict(type="line", x0=0, x1=steps, y0=uniform, y1=uniform, line=dict(color="#333", dash="dash", width=1.5))
    note = dict(x=steps, y=uniform, xanchor="right", yanchor="bottom", showarrow=False,
                text=f"uniform guess {uniform:.2f}", font=dict(size=13))
    top = clip if clip is not None else max(max(v) for v in curves.values() if len(v))
    return _figure(traces, "loss of each step (one minibatch of 32)", height=360, shapes=[guide], annotations=[note],
                   xaxis=_axis("step"), yaxis=_axis("loss", range=[0, top * 1.05]),
                   legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"), margin=dict(l=60, r=20, t=80, b=50))


FAN_IN_SERIES = ["x", "y = x @ w"]


def fan_in_chart(result: dict, big=False):
    """(data, spec): the densities of x and of y = x @ w on one axis: y's spread against x's. Their stds
    are in the text beside it, not the legend, so that a step changes the data only."""
    data = pd.concat([pd.DataFrame({"value": np.asarray(result[part]["x"]), "density": np.asarray(result[part]["density"]),
                                    "series": name})
                      for part, name in zip(("x_hist", "y_hist"), FAN_IN_SERIES)], ignore_index=True)
    encoding = {"x": {"field": "value", "type": "quantitative", "title": "value"},
                "y": {"field": "density", "type": "quantitative", "title": "density"},
                "color": vega.color(FAN_IN_SERIES, legend_columns=2)}
    spec = vega.spec([{"mark": {"type": "line", "strokeWidth": 2.2}, "encoding": encoding}], 260, big,
                     key="lecture_fan_in")
    spec["title"] = "x (1000 × fan_in) and y = x @ w"
    return data, spec


def normalize_figure(x, y, mu: float, sigma: float):
    """The notebook's BatchNorm widget: five inputs (top) joined to their normalized values (bottom),
    with the Gaussian of the inputs' mean and std and the unit Gaussian."""
    xs = np.linspace(-6, 6, 121)
    pdf = lambda m, s: np.exp(-0.5 * ((xs - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))  # noqa: E731
    traces = [
        dict(type="scatter", mode="lines", x=xs, y=pdf(mu, max(sigma, 1e-6)), name=f"inputs: N({mu:.2f}, {sigma:.2f})",
             line=dict(color="#1f77b4", width=2)),
        dict(type="scatter", mode="lines", x=xs, y=pdf(0.0, 1.0), name="normalized: N(0, 1)",
             line=dict(color="#d62728", width=2)),
    ]
    for xi, yi in zip(x, y):
        traces.append(dict(type="scatter", mode="lines", x=[xi, yi], y=[1, 0], showlegend=False, hoverinfo="skip",
                           line=dict(color="black", width=1), opacity=0.25))
    traces += [
        dict(type="scatter", mode="markers", x=list(x), y=[1] * len(x), name="input x", showlegend=False,
             marker=dict(color=["#ff7f0e"] + ["#1f77b4"] * (len(x) - 1), size=14),
             hovertemplate="x = %{x:.2f}<extra></extra>"),
        dict(type="scatter", mode="markers", x=list(y), y=[0] * len(y), name="(x - mu) / std", showlegend=False,
             marker=dict(color="#d62728", size=14), hovertemplate="normalized %{x:.2f}<extra></extra>"),
    ]
    return _figure(traces, f"input mu {mu:.2f} std {sigma:.2f}", height=360,
                   xaxis=_axis("value", range=[-6.5, 6.5]), yaxis=_axis("", range=[-0.1, 1.1]),
                   legend=dict(orientation="h", y=1.0, x=0, yanchor="bottom"), margin=dict(l=40, r=20, t=80, b=50))


def loss_log_figure(rows):
    """rows: [{"stage", "train", "val"}]: grouped bars of each stage's train and val loss (None: not run yet)."""
    stages = [r["stage"] for r in rows]
    traces = [
        dict(type="bar", name="train", x=stages, y=[r.get("train") for r in rows], marker=dict(color=color(0)),
             text=[f"{v:.4f}" if v is not None else "" for v in (r.get("train") for r in rows)], textposition="outside"),
        dict(type="bar", name="val", x=stages, y=[r.get("val") for r in rows], marker=dict(color=color(1)),
             text=[f"{v:.4f}" if v is not None else "" for v in (r.get("val") for r in rows)], textposition="outside"),
    ]
    values = [v for r in rows for v in (r.get("train"), r.get("val")) if v is not None] or [2.0]
    return _figure(traces, "loss after 200,000 steps, per stage", height=380, barmode="group",
                   xaxis=_axis("stage"), yaxis=_axis("loss", range=[min(values) - 0.15, max(values) + 0.08]),
                   legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"), margin=dict(l=60, r=20, t=80, b=50))


def running_vs_calibrated_figure(calibrated, running, steps: int):
    """One dot per neuron: its mean over the whole training split against BatchNorm's running mean."""
    lo = min(min(calibrated), min(running))
    hi = max(max(calibrated), max(running))
    dots = dict(type="scatter", mode="markers", x=list(calibrated), y=list(running), name="neurons",
                marker=dict(color=color(0), size=6, opacity=0.7),
                hovertemplate="calibrated %{x:.3f}, running %{y:.3f}<extra></extra>")
    same = dict(type="scatter", mode="lines", x=[lo, hi], y=[lo, hi], name="running = calibrated",
                line=dict(color="#333", dash="dash", width=1.5))
    return _figure([dots, same], f"each neuron's mean: running (after {steps:,} steps) against calibrated", height=360,
                   xaxis=_axis("mean over the whole training split"), yaxis=_axis("running mean"),
                   legend=dict(orientation="h", y=1.0, x=0, yanchor="bottom"), margin=dict(l=60, r=20, t=80, b=50))


def legend_below(fig, height=460):
    """A reused figure with its legend under the plot: in a half-width column a legend on the right
    leaves the plot a sliver."""
    fig.update_layout(legend=dict(orientation="h", y=-0.3, x=0, yanchor="top", font=dict(size=12)), height=height,
                      margin=dict(t=50, b=150))
    return fig
