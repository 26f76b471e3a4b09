"""Figures of the exercise chapter (E01 zero init, E02 folded BatchNorm): plain functions -> plotly."""
import math

import numpy as np
import plotly.graph_objects as go

from ui.figures.common import color, styled

MAX_POINTS = 500


def update_heatmap(result: dict, title: str, zmin: float, zmax: float, height=420) -> go.Figure:
    """Mean |p - p0| of each parameter (rows) over the run (columns), log10; exactly 0 is grey."""
    names = [p["name"] for p in result["params"]]
    heat = np.array(result["heat"], dtype=float).T if result["heat"] else np.zeros((len(names), 0))
    with np.errstate(divide="ignore"):
        z = np.where(heat > 0, np.log10(np.where(heat > 0, heat, 1.0)), np.nan)
    text = np.where(heat > 0, np.char.mod("%.1e", heat), "exactly 0")
    trace = go.Heatmap(z=z, x=result["heat_steps"], y=names, zmin=zmin, zmax=zmax, colorscale="Viridis",
                       text=text, hovertemplate="%{y} after step %{x}: mean |update| %{text}<extra></extra>",
                       colorbar=dict(title="log10 mean |p − p0|"))
    fig = go.Figure([trace])
    fig.update_layout(plot_bgcolor="#d9d9d9", xaxis=dict(title="step", showgrid=False),
                      yaxis=dict(autorange="reversed", showgrid=False, tickfont=dict(size=11)))
    return styled(fig, title, height=height)


def heat_range(*results) -> tuple[float, float]:
    """One log10 colour range for several heat maps, so that their colours compare."""
    values = [v for r in results for row in r["heat"] for v in row if v > 0]
    if not values:
        return -8.0, 0.0
    return math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))


def loss_figure(runs, unigram: float, height=340) -> go.Figure:
    """runs: [(label, result)]. log10 loss per step (thinned), and the loss of the unigram model."""
    traces = []
    for i, (label, r) in enumerate(runs):
        losses = np.asarray(r["losses"], dtype=float)
        stride = max(len(losses) // MAX_POINTS, 1, 10)   # the mean of each run of steps: minibatch noise averages out
        n = len(losses) // stride * stride
        means = losses[:n].reshape(-1, stride).mean(axis=1)
        traces.append(go.Scatter(x=np.arange(len(means)) * stride + stride / 2, y=means, mode="lines",
                                 name=f"{label} (mean of {stride} steps)", line=dict(color=color(i), width=2)))
    fig = go.Figure(traces)
    fig.add_hline(y=math.log10(unigram), line_dash="dash", line_color="black",
                  annotation_text=f"character frequencies alone: loss {unigram:.3f}", annotation_position="bottom left")
    fig.update_layout(xaxis=dict(title="step"), yaxis=dict(title="log10 loss"),
                      legend=dict(orientation="h", y=-0.25))
    return styled(fig, "training loss", height=height)
