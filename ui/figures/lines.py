"""Plain line charts in Vega-Lite, for the Lecture's figures that nobody drags (issue 28 item 1).

A chapter with one plotly chart makes a browser that has not seen the app load plotly's 4.7 MB of
JavaScript before it draws anything of the chapter: 2 to 4 s of its first view on this machine
(bench/lecture_first_view.py), against 0.8 MB for Vega-Lite, which most chapters load anyway. So a
chapter's simple lines are drawn here: (data, spec), the spec fixed by the series' names.
"""
import numpy as np
import pandas as pd

from . import vega


def line_chart(series: dict, title: str, x_title: str, y_title: str, key: str, height=300, big=False, *,
               guide=None, points=(), markers=False, dashed=(), faint=(), colors=None, x_format=None,
               legend_columns=2):
    """series: {name: (x, y)}, one line each in the app's colours (or `colors`, in order). The names in
    `points` are dots, not lines; `dashed` and `faint` lines are dashed and thin/pale; `markers` puts a dot
    on every point of the lines; `guide`: a dashed horizontal rule at that y."""
    data = pd.concat([pd.DataFrame({"series": name, "x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float)})
                      for name, (x, y) in series.items()], ignore_index=True)
    colour = vega.color(list(series), legend_columns)
    if colors:
        colour["scale"]["range"] = list(colors)
    x = {"field": "x", "type": "quantitative", "title": x_title, "scale": {"zero": False, "nice": False}}
    if x_format:
        x["axis"] = {"format": x_format, "tickCount": 5}
    y = {"field": "y", "type": "quantitative", "title": y_title, "scale": {"zero": False}}
    tooltip = [{"field": "series", "title": None}, {"field": "x", "title": x_title, "format": x_format or ".4~g"},
               {"field": "y", "title": y_title, "format": ".4~g"}]
    lines = [name for name in series if name not in points]
    is_in = lambda names: " || ".join(f"datum.series == {name!r}" for name in names) or "false"   # noqa: E731
    layers = [{"transform": [{"filter": is_in(lines)}],
               "mark": {"type": "line", "point": markers},
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
