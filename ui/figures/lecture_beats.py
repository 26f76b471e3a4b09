"""Figures of the Lecture's later chapters (11-15: the video's missing beats and learners' questions).
The two a learner drags are Vega-Lite with the whole family in the data and a range input bound in the
spec (answered in the browser, the spec the same on every rerun); the others are plain lines (ui/figures/lines.py:
no plotly, whose JavaScript a chapter would otherwise load first)."""
import numpy as np
import pandas as pd

from . import vega
from .common import BLUE, GREY, ORANGE, VERMILLION
from .lines import line_chart

NORMS = ["BatchNorm (over the batch)", "LayerNorm (over the features)"]


def coupling_chart(result: dict, big=False):
    """(data, spec): one example's normalized values for a few neurons, under each norm, for every draw
    of the other 31 examples (faint), the draw on the slider drawn large: BatchNorm's points move with the
    slider, LayerNorm's stay."""
    rows = [{"draw": d + 1, "neuron": f"n{j}", "value": v, "norm": name}
            for key, name in zip(("batchnorm", "layernorm"), NORMS)
            for d, values in enumerate(result[key]) for j, v in enumerate(values)]
    data = pd.DataFrame(rows)
    x = {"field": "neuron", "type": "nominal", "title": "neuron (of the first hidden layer)", "sort": None,
         "axis": {"labelAngle": 0}}
    y = {"field": "value", "type": "quantitative", "title": "the example's normalized value"}
    offset = {"field": "norm", "type": "nominal", "sort": NORMS}
    colour = {**vega.color(NORMS, legend_columns=2, field="norm"),
              "scale": {"domain": NORMS, "range": [BLUE, ORANGE]}}
    draws = len(result["batchnorm"])
    layers = [
        {"mark": {"type": "tick", "opacity": 0.35, "thickness": 1.5},
         "encoding": {"x": x, "xOffset": offset, "y": y, "color": colour}},
        {"transform": [{"filter": "datum.draw == draw"}],
         "mark": {"type": "point", "filled": True, "size": 160 if big else 110, "opacity": 1},
         "encoding": {"x": x, "xOffset": offset, "y": y, "color": colour,
                      "tooltip": [{"field": "norm"}, {"field": "neuron"}, {"field": "value", "format": ".3f"}]}},
    ]
    spec = vega.spec(layers, 300, big, key="lecture_coupling")
    spec["params"] = [{"name": "draw", "value": 1,   # a variable, so at the top: layers may hold selections only
                       "bind": {"input": "range", "min": 1, "max": draws, "step": 1,
                                "name": "the other 31 examples: draw "}}]
    return data, spec


def flat_chart(family: pd.DataFrame, big=False):
    """(data, spec): the share of pre-activations on each nonlinearity's flat part (slope < 0.01), for
    the pre-activation std on the slider. family: rows (name, std, flat)."""
    x = {"field": "name", "type": "nominal", "title": None, "sort": None, "axis": {"labelAngle": 0}}
    y = {"field": "flat", "type": "quantitative", "title": "share with slope < 0.01",
         "scale": {"domain": [0, 1]}, "axis": {"format": "%"}}
    layers = [
        {"transform": [{"filter": "abs(datum.std - spread) < 1e-6"}],
         "mark": {"type": "bar", "color": BLUE},
         "encoding": {"x": x, "y": y, "tooltip": [{"field": "name"}, {"field": "flat", "format": ".1%"}]}},
        {"transform": [{"filter": "abs(datum.std - spread) < 1e-6"}],
         "mark": {"type": "text", "dy": -8, "fontSize": 15 + (5 if big else 0)},
         "encoding": {"x": x, "y": y, "text": {"field": "flat", "format": ".1%"}}},
    ]
    spec = vega.spec(layers, 260, big, key="lecture_flat")
    spec["params"] = [{"name": "spread", "value": 1.0,
                       "bind": {"input": "range", "min": float(family["std"].min()), "max": float(family["std"].max()),
                                "step": 0.5, "name": "pre-activation std "}}]
    return family, spec


def activations_chart(curves: dict, which: str, big=False):
    """(data, spec): each nonlinearity's curve ('y') or its slope ('slope') on one axis."""
    title = "f(x)" if which == "y" else "slope f'(x): the gradient's factor"
    return line_chart({name: (c["x"], c[which]) for name, c in curves.items()}, title, "x (pre-activation)",
                      title.split(":")[0], f"lecture_act_{which}", height=260, big=big,
                      dashed=["relu"])   # relu runs under elu for x > 0


def spread_chart(spreads: dict, key: str, big=False):
    """(data, spec) of {label: [pre-activation std of each layer]}: where a deep tanh stack's spread settles
    per gain, 1 dashed."""
    return line_chart({label: (np.arange(1, len(s) + 1), s) for label, s in spreads.items()},
                      "pre-activation std, layer by layer (10 tanh layers of 100, no BatchNorm)", "layer", "std",
                      key, height=280, big=big, guide=1, markers=True, x_format="d", legend_columns=3)


def momentum_chart(trace: dict, big=False):
    """(data, spec): one neuron's batch mean at every step, the true mean over the training split, and the
    running average for each momentum."""
    steps = np.arange(1, len(trace["batch_means"]) + 1)
    series = {"the batch's mean": (steps, trace["batch_means"])}
    series.update({f"running, momentum {m}": (steps, values) for m, values in trace["running"].items()})
    truth = "true mean over the training split"
    series[truth] = (trace["true_steps"], trace["true_means"])
    return line_chart(series, "one neuron's mean: the batch's, the running estimates, the true one", "step",
                      "mean of the pre-activation", "lecture_momentum", height=320, big=big, points=[truth],
                      faint=["the batch's mean"], colors=[GREY, *(ORANGE, BLUE)[:len(trace["running"])], VERMILLION])
