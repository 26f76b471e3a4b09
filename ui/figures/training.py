"""Figures of training runs: ratios over time (the Lecture page) and two runs overlaid.
The live Training charts are Vega-Lite, in ui/figures/live.py.

Plain functions: a run snapshot (ui.training_run.Run.snapshot) in, a plotly figure out. Traces get numpy
arrays already downsampled on the server, so a refresh stays small whatever the run's length.

They are built from plain dicts without plotly's validation (`_validate=False`): a validated figure with a named template cost
about 30-50 ms each here, and that time is taken from the training thread (one GIL). The look
follows common.styled: same font size, margins, colours and uirevision.
"""
import numpy as np
import plotly.graph_objects as go

from ..hints import UPDATE_GUIDE as GUIDE  # update:data of about 1e-3 is healthy (the lecture's rule of thumb)
from .common import FONT_SIZE, color


def _line(x, y, name, line_color, width=2, **extra):
    return dict(type="scatter", mode="lines", x=x, y=y, name=name, line=dict(color=line_color, width=width), **extra)


def _guide(y, text, position="top right", dash="dash", line_color="black"):
    """A horizontal line across the plot with a label (cheaper than fig.add_hline)."""
    shape = dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=y, y1=y, layer="below",
                 line=dict(color=line_color, dash=dash, width=1.5))
    left = position.endswith("left")
    note = dict(xref="paper", x=0 if left else 1, yref="y", y=y, text=text, showarrow=False,
                xanchor="left" if left else "right",
                bgcolor="rgba(255,255,255,0.8)",
                yanchor="bottom" if position.startswith("top") else "top", font=dict(color=line_color, size=13))
    return shape, note


LEGENDS = {
    "top": dict(orientation="h", y=1.02, x=0, yanchor="bottom"),
    "below": dict(orientation="h", y=-0.28, x=0, yanchor="top", font=dict(size=12)),   # half-width charts
    "right": dict(font=dict(size=12), bgcolor="rgba(255,255,255,0.6)"),
}


def _figure(traces, x_title, y_title, height, guides=(), legend="right", **axes):
    layout = dict(
        height=height, font=dict(size=FONT_SIZE), margin=dict(l=60, r=20, t=20, b=50), uirevision="keep",
        xaxis=dict(title=dict(text=x_title, standoff=8), **axes.get("xaxis", {})),
        yaxis=dict(title=dict(text=y_title), **axes.get("yaxis", {})),
        shapes=[g[0] for g in guides], annotations=[g[1] for g in guides], legend=dict(LEGENDS[legend]),
    )
    if legend == "below":   # start the legend under the axis title, whatever the chart's height
        layout["legend"]["y"] = -90 / max(height - 70, 100)
    return go.Figure(data=traces, layout=layout, _validate=False)


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
    dashes = ["solid", "dash", "dot", "dashdot"]
    traces = []
    for i, snap in enumerate(snaps):
        x, y = overlay_series(snap, metric)
        traces.append(_line(x, y, f"run {snap['number']}: {snap['label']}", color(i * 3), width=2.5))
        traces[-1]["line"]["dash"] = dashes[i % len(dashes)]
    guides = [_guide(GUIDE, "1e-3 guide")] if metric == "update:data" else []
    return _figure(traces, "step", OVERLAY_METRICS[metric], height, guides, legend="top")
