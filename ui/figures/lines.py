"""Plain line charts in Vega-Lite, for the Lecture's figures that nobody drags (issue 28 item 1).

A chapter with one plotly chart makes a browser that has not seen the app load plotly's 4.7 MB of
JavaScript before it draws anything of the chapter: 2 to 4 s of its first view on this machine
(bench/lecture_first_view.py), against 0.8 MB for Vega-Lite, which most chapters load anyway. So a
chapter's simple lines are drawn here: (data, spec), the spec fixed by the series' names.
"""
import numpy as np
import pandas as pd

from . import vega
from .common import COLORS, VERMILLION


def line_chart(series: dict, title: str, x_title: str, y_title: str, key: str, height=300, big=False, *,
               guide=None, guide_label=None, points=(), markers=False, dashed=(), faint=(), colors=None,
               x_format=None, y_domain=None, legend_columns=2):
    """series: {name: (x, y)}, one line each in the app's colours (or `colors`, in order). The names in
    `points` are dots, not lines; `dashed` and `faint` lines are dashed and thin/pale; `markers` puts a dot
    on every point of the lines; `guide`: a dashed horizontal rule at that y, `guide_label` written on it;
    `y_domain`: the y axis's [low, high], what lies outside cut off."""
    # float32 (7 digits: a tooltip shows 4) and each name sent once, not once a point: half the bytes, twice
    data = pd.concat([pd.DataFrame({"series": name, "x": np.asarray(x, dtype=np.float32),
                                    "y": np.asarray(y, dtype=np.float32)}) for name, (x, y) in series.items()],
                     ignore_index=True)
    data["series"] = data["series"].astype("category")
    colour = vega.color(list(series), legend_columns)
    if colors:
        colour["scale"]["range"] = list(colors)
    x = {"field": "x", "type": "quantitative", "title": x_title, "scale": {"zero": False, "nice": False}}
    if x_format:
        x["axis"] = {"format": x_format, "tickCount": 5}
    y = {"field": "y", "type": "quantitative", "title": y_title,
         "scale": {"domain": list(y_domain)} if y_domain else {"zero": False}}
    tooltip = [{"field": "series", "title": None}, {"field": "x", "title": x_title, "format": x_format or ".4~g"},
               {"field": "y", "title": y_title, "format": ".4~g"}]
    lines = [name for name in series if name not in points]
    is_in = lambda names: " || ".join(f"datum.series == {name!r}" for name in names) or "false"   # noqa: E731
    layers = [{"transform": [{"filter": is_in(lines)}],
               "mark": {"type": "line", "point": markers, "clip": True},
               "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip,
                            "strokeDash": {"condition": {"test": is_in(dashed), "value": [6, 4]}, "value": [1, 0]},
                            "strokeWidth": {"condition": {"test": is_in(faint), "value": 0.8}, "value": 2.2},
                            "opacity": {"condition": {"test": is_in(faint), "value": 0.5}, "value": 1}}}]
    if points:
        layers.append({"transform": [{"filter": is_in(points)}], "mark": {"type": "point", "filled": True, "size": 70},
                       "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip, "opacity": {"value": 1}}})
    if guide is not None:
        layers.append({"data": {"values": [{}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#666"},
                       "encoding": {"y": {"datum": guide}}})
        if guide_label:
            layers.append({"data": {"values": [{}]}, "mark": {"type": "text", "align": "right", "baseline": "bottom",
                                                              "dy": -3, "fontSize": 13 + (5 if big else 0)},
                           "encoding": {"x": {"value": "width"}, "y": {"datum": guide}, "text": {"value": guide_label}}})
    spec = vega.spec(layers, height, big, key=key)
    spec["title"] = title
    return data, spec


def weight_grad_chart(params, key: str, big=False):
    """The gradient of each 2-D weight, each curve divided by its own peak (as the Initialization lab's
    weight_grad_figure: C's narrow spike would otherwise flatten every other layer to the axis)."""
    series = {}
    for p in params:
        if p["ndim"] == 2 and "grad_hist" in p:
            density = np.asarray(p["grad_hist"]["density"], dtype=float)
            peak = density.max() if density.size and density.max() > 0 else 1.0
            series[f"{p['name']} ({'×'.join(str(d) for d in p['shape'])})"] = (p["grad_hist"]["x"], density / peak)
    return line_chart(series, "weight gradients, each scaled to its peak", "gradient value", "density ÷ its peak",
                      key, height=300, big=big, x_format=".1~e", legend_columns=3)


def against_chart(x, y, title: str, x_title: str, y_title: str, key: str, big=False):
    """(data, spec): one dot per (x, y) pair and the dashed line y = x, where the dots would lie if equal."""
    data = pd.DataFrame({"x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float)})
    lo, hi = float(min(data["x"].min(), data["y"].min())), float(max(data["x"].max(), data["y"].max()))
    pos = lambda field, t: {"field": field, "type": "quantitative", "title": t, "scale": {"zero": False}}  # noqa: E731
    layers = [{"mark": {"type": "point", "filled": True, "size": 40, "opacity": 0.7},
               "encoding": {"x": pos("x", x_title), "y": pos("y", y_title), "color": {"value": COLORS[0]},
                            "tooltip": [{"field": "x", "title": x_title, "format": ".3f"},
                                        {"field": "y", "title": y_title, "format": ".3f"}]}},
              {"data": {"values": [{"x": lo, "y": lo}, {"x": hi, "y": hi}]},
               "mark": {"type": "line", "strokeDash": [6, 4], "color": "#333", "strokeWidth": 1.5},
               "encoding": {"x": pos("x", x_title), "y": pos("y", y_title)}}]
    spec = vega.spec(layers, 300, big, key=key)
    spec["title"] = title
    return data, spec


def grouped_bars_chart(rows, groups, title: str, x_title: str, y_title: str, key: str, big=False, top=None):
    """(data, spec) of rows [{"x": category, "group": one of groups, "y": value}]: bars side by side per
    category, from 0 (a bar's length is the value), each labelled with its value to 4 decimals."""
    data = pd.DataFrame(rows, columns=["x", "group", "y"])
    data["label"] = [f"{v:.4f}" for v in data["y"]]
    x = {"field": "x", "type": "nominal", "title": x_title, "sort": None, "axis": {"labelAngle": 0}}
    y = {"field": "y", "type": "quantitative", "title": y_title, **({"scale": {"domain": [0, top]}} if top else {})}
    offset = {"field": "group", "type": "nominal", "sort": list(groups)}
    colour = vega.color(groups, legend_columns=len(groups), field="group")
    layers = [{"mark": {"type": "bar"}, "encoding": {"x": x, "xOffset": offset, "y": y, "color": colour,
                                                     "tooltip": [{"field": "x"}, {"field": "group"}, {"field": "label"}]}},
              {"mark": {"type": "text", "baseline": "bottom", "dy": -3, "fontSize": 12 + (5 if big else 0)},
               "encoding": {"x": x, "xOffset": offset, "y": y, "text": {"field": "label"}}}]
    spec = vega.spec(layers, 300, big, key=key)
    spec["title"] = title
    return data, spec


def preactivation_chart(view: dict, key: str, flat: float, big=False):
    """(data, spec): the pre-activations' density (view["pre_hist"]), tanh's flat tails (|x| > flat, where
    |tanh| > 0.99) shaded, as the Initialization lab's preactivation_figure draws them."""
    data, spec = line_chart({f"std {view['pre_std']:.2f}": (view["pre_hist"]["x"], view["pre_hist"]["density"])},
                            "pre-activation distribution", "pre-activation value", "density", key, height=240, big=big)
    edge = max(max((abs(x) for x in view["pre_hist"]["x"]), default=1.0), flat) * 1.05
    spec["layer"].insert(0, {"data": {"values": [{"x": -edge, "x2": -flat}, {"x": flat, "x2": edge}]},
                             "mark": {"type": "rect", "color": VERMILLION, "opacity": 0.08},
                             "encoding": {"x": {"field": "x", "type": "quantitative"}, "x2": {"field": "x2"}}})
    spec["title"] = {"text": spec["title"], "subtitle": "shaded: |tanh| > 0.99", "subtitleColor": VERMILLION,
                     "subtitleFontSize": 13 + (5 if big else 0)}
    return data, spec


def flat_image_chart(image, title: str, key: str, height=220, big=False):
    """(data, spec): examples x neurons, white where the unit is flat (image > 0), on black. Each row's runs
    of white cells are one rectangle each: a few hundred marks where one per cell would be thousands."""
    image = np.asarray(image) > 0
    rows = []
    for example, row in enumerate(image):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
        rows += [{"example": example, "from": int(a), "to": int(b) - 1} for a, b in zip(edges[::2], edges[1::2])]
    data = pd.DataFrame(rows, columns=["example", "from", "to"]).astype(np.int16)   # the cells' edges: in the spec
    cols, examples = image.shape[1], image.shape[0]
    x = {"field": "x0", "type": "quantitative", "title": "neuron", "scale": {"domain": [-0.5, cols - 0.5], "nice": False},
         "axis": {"grid": False}}
    y = {"field": "y0", "type": "quantitative", "title": "example",
         "scale": {"domain": [-0.5, examples - 0.5], "nice": False, "reverse": True}, "axis": {"grid": False}}
    layers = [{"transform": [{"calculate": "datum.from - 0.5", "as": "x0"}, {"calculate": "datum.to + 0.5", "as": "x1"},
                             {"calculate": "datum.example - 0.5", "as": "y0"},
                             {"calculate": "datum.example + 0.5", "as": "y1"}],
               "mark": {"type": "rect", "color": "white"},
               "encoding": {"x": x, "x2": {"field": "x1"}, "y": y, "y2": {"field": "y1"},
                            "tooltip": [{"field": "example"}, {"field": "from", "title": "first neuron"},
                                        {"field": "to", "title": "last neuron"}]}}]
    spec = vega.spec(layers, height, big, key=key)
    spec["title"] = title
    spec["view"] = {"fill": "black", "stroke": None}
    return data, spec
