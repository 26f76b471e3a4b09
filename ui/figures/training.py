"""Figures of a training run: loss, histograms of activations and gradients, ratios over time.

Plain functions: a run snapshot (ui.runs.Run.snapshot) in, a plotly figure out. Traces get numpy
arrays already downsampled on the server, so a refresh stays small whatever the run's length.
"""
import math

import numpy as np
import plotly.graph_objects as go

from .common import color, styled

GUIDE = -3.0   # update:data of about 1e-3 is healthy (the lecture's rule of thumb)


def loss_figure(snap, height=340):
    """log10 of the training loss per step (bucket means once the run is long), a smoothed line,
    val loss at intervals and the loss of a uniform guess."""
    fig = go.Figure()
    x = snap["loss_x"]
    per_step = "log10 loss per step" if snap["bucket"] == 1 else f"log10 loss (mean of {snap['bucket']} steps)"
    fig.add_trace(go.Scatter(x=x, y=snap["loss_log10"], mode="lines", name=per_step,
                             line=dict(color="rgba(31,119,180,0.35)", width=1)))
    fig.add_trace(go.Scatter(x=x, y=snap["loss_smooth"], mode="lines", name="smoothed",
                             line=dict(color=color(0), width=3)))
    if snap["val"]:
        steps, losses = zip(*snap["val"])
        fig.add_trace(go.Scatter(x=np.array(steps), y=np.log10(np.array(losses)), mode="lines+markers",
                                 name="val loss", line=dict(color=color(1), width=2)))
    fig.add_hline(y=math.log10(snap["uniform_loss"]), line=dict(color="gray", dash="dot"),
                  annotation_text="uniform guess", annotation_position="top right")
    fig.update_xaxes(title="step", range=[0, max(snap["total"], 1)])
    fig.update_yaxes(title="log10(loss)")
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    return styled(fig, None, height)


def histogram_figure(stats, which="hist", height=300):
    """One density curve per watched layer, as the lecture draws them (activations or their gradients)."""
    fig = go.Figure()
    for i, layer in enumerate(stats["layers"] if stats else []):
        h = layer.get(which)
        if h is None:
            continue
        if which == "hist":
            name = f"{layer['label']}: std {layer['std']:.2f}, saturated {layer['saturation_pct']:.1f}%"
        else:
            name = f"{layer['label']}: grad std {layer['grad_std']:.1e}"
        fig.add_trace(go.Scatter(x=np.asarray(h["x"]), y=np.asarray(h["density"]), mode="lines", name=name,
                                 line=dict(color=color(i), width=2, shape="hvh")))
    fig.update_xaxes(title="activation value" if which == "hist" else "gradient value",
                     exponentformat="e" if which != "hist" else None)
    fig.update_yaxes(title="density")
    fig.update_layout(legend=dict(font=dict(size=12)))
    return styled(fig, None, height)


def series_figure(steps, table, y_title, guide=None, log_y=False, height=300, max_y=None):
    """One line per layer or parameter over the statistics steps (None values leave gaps)."""
    fig = go.Figure()
    x = np.asarray(steps)
    for i, (name, values) in enumerate(table.items()):
        y = np.array([np.nan if v is None else v for v in values], dtype=float)
        fig.add_trace(go.Scatter(x=x[:len(y)], y=y, mode="lines", name=name, line=dict(color=color(i), width=2)))
    if guide is not None:
        fig.add_hline(y=guide, line=dict(color="black", dash="dash"), annotation_text="1e-3 guide",
                      annotation_position="bottom right")
    fig.update_xaxes(title="step")
    fig.update_yaxes(title=y_title, type="log" if log_y else None, exponentformat="e" if log_y else None,
                     rangemode="tozero" if max_y else None, range=[0, max_y] if max_y else None)
    fig.update_layout(legend=dict(font=dict(size=12)))
    return styled(fig, None, height)


OVERLAY_METRICS = {
    "loss": "smoothed log10(loss)",
    "update:data": "mean log10(update:data) over the weights",
    "saturation": "mean saturation % over the layers",
}


def overlay_series(snap, metric):
    """(steps, values) of one run for the overlay chart."""
    if metric == "loss":
        return snap["loss_x"], snap["loss_smooth"]
    series = snap["series"]
    table = series["update_to_data" if metric == "update:data" else "saturation"]
    if not table:
        return np.empty(0), np.empty(0)
    rows = np.array([[np.nan if v is None else v for v in values] + [np.nan] * (len(series["steps"]) - len(values))
                     for values in table.values()], dtype=float)
    with np.errstate(all="ignore"):
        return np.asarray(series["steps"]), np.nanmean(rows, axis=0)


def overlay_figure(snaps, metric, height=340):
    """Two (or more) runs on one chart: the same measure, the same axes."""
    fig = go.Figure()
    dashes = ["solid", "dash", "dot", "dashdot"]
    for i, snap in enumerate(snaps):
        x, y = overlay_series(snap, metric)
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=f"run {snap['id']}: {snap['label']}",
                                 line=dict(color=color(i * 3), width=2.5, dash=dashes[i % len(dashes)])))
    if metric == "update:data":
        fig.add_hline(y=GUIDE, line=dict(color="black", dash="dash"), annotation_text="1e-3 guide")
    fig.update_xaxes(title="step")
    fig.update_yaxes(title=OVERLAY_METRICS[metric])
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    return styled(fig, None, height)
