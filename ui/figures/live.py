"""The live Training charts as Vega-Lite specs, so that they update in place while a run trains
(why: ui/figures/vega.py). Everything that changes while a run trains is in the data, one row per point;
the spec depends only on the run (its vocabulary) and the chart's size."""
import math

import numpy as np
import pandas as pd

from . import vega
from .common import BLUE, FONT_SIZE, GREY, ORANGE
from .training import GUIDE

LOSS_SERIES = ["per step", "smoothed", "val loss"]
LR_BY_HAND = "lr set by hand"   # rows of the loss chart's data that mark a rate changed by hand, not a line
SERIES_COLUMNS = ["step", "value", "series"]


def _guide(y, text, color="black", dash=(6, 4), align="right"):
    """A horizontal line across the plot with its label: fixed, so part of the spec (one mark each)."""
    one = {"values": [{}]}   # else the layer would repeat the mark for every row of the chart's data
    return [{"data": one, "mark": {"type": "rule", "strokeDash": list(dash), "color": color, "strokeWidth": 1.5},
             "encoding": {"y": {"datum": y}}},
            {"data": one, "mark": {"type": "text", "align": align, "baseline": "bottom", "dy": -2, "color": color,
                                   "fontSize": FONT_SIZE - 2, "x": {"expr": "width"} if align == "right" else 2},
             "encoding": {"y": {"datum": y}, "text": {"value": text}}}]


def _axes(x_title, y_title, log_y=False, x_format=None):
    # no x title (None): the charts are small, and their headings say what x is
    x = {"field": "step" if x_title == "step" else "x", "type": "quantitative",
         "title": None if x_title in ("step", None) else x_title, "scale": {"zero": False, "nice": False}}
    if x_format:
        x["axis"] = {"format": x_format}
    elif x_title == "step":   # whole steps: one statistics step alone read '0.000000' under the chart
        x["axis"] = {"format": ",d", "tickMinStep": 1}
    y = {"field": "value", "type": "quantitative", "title": y_title,
         "scale": {"type": "log"} if log_y else {"zero": False}}
    if log_y:
        y["axis"] = {"format": ".0e", "tickCount": 4}
    return x, y


def loss_chart(snap, height=250, big=False):
    """log10 of the training loss: every step (or bucket means) thin, its moving average thick, the
    val loss with markers, the loss of a uniform guess dotted, and a dashed mark with the new rate at each
    step where the learning rate was changed by hand (snap["lr_changes"]: [(step, lr)])."""
    x = np.asarray(snap["loss_x"], dtype=float)
    parts = [pd.DataFrame({"step": x, "value": np.asarray(snap["loss_log10"], dtype=float), "series": "per step"}),
             pd.DataFrame({"step": x, "value": np.asarray(snap["loss_smooth"], dtype=float), "series": "smoothed"})]
    if snap["val"]:
        steps, losses = zip(*snap["val"])
        parts.append(pd.DataFrame({"step": np.asarray(steps, dtype=float),
                                   "value": np.log10(np.asarray(losses, dtype=float)), "series": "val loss"}))
    changes = snap.get("lr_changes") or []
    if changes:
        steps, rates = zip(*changes)
        parts.append(pd.DataFrame({"step": np.asarray(steps, dtype=float), "value": np.nan, "series": LR_BY_HAND,
                                   "label": [f"lr {lr:g} by hand" for lr in rates]}))
    data = pd.concat(parts, ignore_index=True)
    x_axis, y_axis = _axes("step", "log10(loss)")
    by_hand = [{"filter": f"datum.series === '{LR_BY_HAND}'"}]
    colors = {"field": "series", "type": "nominal", "scale": {"domain": LOSS_SERIES,
                                                              "range": ["rgba(0,114,178,0.35)", BLUE, ORANGE]},
              "legend": {"orient": "top", "title": None, "symbolStrokeWidth": 3}}
    widths = {"field": "series", "type": "nominal", "legend": None,
              "scale": {"domain": LOSS_SERIES, "range": [1, 3.5 if big else 3, 2.5 if big else 2]}}
    layers = [
        {"mark": {"type": "line"}, "transform": [{"filter": f"datum.series !== '{LR_BY_HAND}'"}],
         "encoding": {"x": x_axis, "y": y_axis, "color": colors, "strokeWidth": widths}},
        {"mark": {"type": "rule", "color": GREY, "strokeDash": [5, 3], "strokeWidth": 1.5}, "transform": by_hand,
         "encoding": {"x": x_axis}},
        {"mark": {"type": "text", "align": "left", "baseline": "top", "dx": 3, "y": 2, "color": GREY,
                  "fontSize": FONT_SIZE - 2}, "transform": by_hand, "encoding": {"x": x_axis, "text": {"field": "label"}}},
        {"mark": {"type": "point", "filled": True, "size": 40, "color": ORANGE},
         "transform": [{"filter": "datum.series === 'val loss'"}], "encoding": {"x": x_axis, "y": y_axis}},
        *_guide(math.log10(snap["uniform_loss"]), "uniform guess", color=GREY, dash=(2, 3)),
    ]
    return data, vega.spec(layers, height, big, "loss")


def histogram_chart(stats, which="hist", height=250, big=False):
    """One density curve per watched layer (activations, or their gradients), as the lecture draws them.
    The legend names the layers only (names that stay, so colours stay): histogram_summary says their spreads."""
    parts = []
    for layer in stats["layers"] if stats else []:
        h = layer.get(which)
        if h is not None:
            parts.append(pd.DataFrame({"x": np.asarray(h["x"], dtype=float),
                                       "value": np.asarray(h["density"], dtype=float),
                                       "series": f"layer {layer['index']}"}))
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["x", "value", "series"])
    x_axis, y_axis = _axes(None, "density", x_format=None if which == "hist" else ".1~e")   # the heading names x
    layers = [{"mark": {"type": "line", "interpolate": "step", "strokeWidth": 3 if big else 2},
               "encoding": {"x": x_axis, "y": y_axis, "color": vega.color(data["series"].unique(), legend_columns=3 if big else 5)}}]
    return data, vega.spec(layers, height, big, which)


def histogram_summary(stats, which="hist") -> str:
    """The layers' spread in a few words, e.g. 'std 0.63-0.65, 1.4-2.9% saturated'."""
    layers = [layer for layer in (stats["layers"] if stats else []) if layer.get(which) is not None]
    if not layers:
        return ""
    if which == "hist":
        stds, sat = [layer["std"] for layer in layers], [layer["saturation_pct"] for layer in layers]
        return f"std {min(stds):.2f}–{max(stds):.2f}, {min(sat):.1f}–{max(sat):.1f}% saturated"
    stds = [layer["grad_std"] for layer in layers]
    return f"std {min(stds):.1e}–{max(stds):.1e}"


def series_chart(steps, table, y_title, guide=None, log_y=False, height=250, big=False, key=""):
    """One line per layer or parameter over the statistics steps (None values are left out)."""
    x = np.asarray(steps, dtype=float)
    parts = []
    for name, values in table.items():
        y = np.array([np.nan if v is None else v for v in values], dtype=float)
        parts.append(pd.DataFrame({"step": x[:len(y)], "value": y, "series": name.removesuffix(".weight")}))
    names = [name.removesuffix(".weight") for name in table]
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SERIES_COLUMNS)
    data = data[np.isfinite(data["value"].to_numpy(dtype=float))]
    if log_y:
        data = data[data["value"] > 0]
    x_axis, y_axis = _axes("step", y_title, log_y)
    layers = [{"mark": {"type": "line", "strokeWidth": 3 if big else 2},
               "encoding": {"x": x_axis, "y": y_axis,
                            "color": vega.color(names, legend_columns=4 if max(map(len, names), default=0) <= 9 else 3)}}]
    if guide is not None:
        layers += _guide(guide, "1e-3 guide", align="left")
    return data, vega.spec(layers, height, big, key)


def update_to_data_chart(series, height=250, big=False):
    return series_chart(series["steps"], series["update_to_data"], ["log10", "(update / data)"], guide=GUIDE,
                        height=height, big=big, key="update_to_data")
