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
from .common import BLUE, FONT_SIZE, GREEN, GREY, ORANGE, VERMILLION, chart_height, color

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


def _figure(traces, title=None, height=380, big=False, **layout) -> go.Figure:
    """The look of ui.figures.common.styled (font, margins, uirevision, taller when `big`), without validation."""
    base = dict(
        title=dict(text=title) if title else None, height=chart_height(height, big), font=dict(size=FONT_SIZE),
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


def _curves(parts, key, x_title, height, x_format=None, big=False, legend_columns=4):
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
                    legend_columns=4):
    """rows: [(tag, layer statistics, dash)]. One line per layer ('layer 2 (Tanh)', as in the lecture), the
    same colour for A and B (the lab's Compare; the lecture's normal and zero init), the dashed ones dashed.
    The lab's tabs and the lecture's chapters draw their histograms with this one function; a half-width
    column has room for a legend of 2 columns; a full one (560 px at 1280x800) for 4, not 5 ("layer 29 (Tanh)"
    ran off its edge at depth 10)."""
    parts = [pd.DataFrame({"x": r[field]["x"], "density": r[field]["density"], "line": r["label"], "net": tag,
                           "stroke": _stroke(dash)})
             for tag, layers, dash in rows for r in layers if r.get(field)]
    return _curves(parts, key, x_title, 260, x_format=".1~e" if field == "grad_hist" else None, big=big,
                   legend_columns=legend_columns)


def weight_grad_figure(rows, big=False) -> go.Figure:
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
    return _figure(traces, "weight gradients, each scaled to its peak", big=big,
                   xaxis=_axis("gradient value", exponentformat="e"), yaxis=_axis("density ÷ its peak"))


def saturation_figure(image, title: str, height=300, big=False) -> go.Figure:
    """examples x neurons; white where the unit is flat (|h| > 0.99 for tanh, 0 for ReLU)."""
    cols = image.shape[1]
    heat = dict(type="heatmap", z=image, zmin=0, zmax=1, colorscale=[[0, "black"], [1, "white"]], showscale=False,
                hovertemplate="example %{y}, neuron %{x}: %{z}<extra></extra>")
    return _figure([heat], title, height=height, big=big, plot_bgcolor="black",
                   xaxis=_axis("neuron", range=[-0.5, cols - 0.5], showgrid=False, zeroline=False),
                   yaxis=_axis("example", autorange="reversed", showgrid=False, zeroline=False))


def preactivation_figure(rows, nonlinearity: str, big=False) -> go.Figure:
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
    return _figure(traces, "pre-activation distribution", height=300, big=big, shapes=shapes, annotations=notes,
                   xaxis=_axis("pre-activation value"), yaxis=_axis("density"))


# ---------------------------------------------------------------- the gain scrubber: a whole family in one chart

SCRUB_WIDTH = 165   # each of two views side by side in the lab's results column at 1280 px (185 ran 35 px past it)
SCRUB = "gain"   # the scrubber's selection (vega.scrubber): the member index `m` picked in the browser
# A density's scale changes with every member: its ticks, labels and grid would be laid out anew on each move (a
# third of the move's work, measured in bench/README.md); the curve's shape is what the learner follows.
NO_SCALE = {"labels": False, "ticks": False, "grid": False}


class _Rows:
    """The family's long table: one row per member and mark (a loss, a saturation, a whole histogram packed
    into one string; vega.unpacked draws it). 1,071 rows for 63 gains."""

    def __init__(self):
        self.rows = []

    def add(self, view, m, line, stroke, x=None, y=None, hist=None, note=""):
        row = {"view": view, "m": m, "line": line, "stroke": stroke, "note": note, "x": x, "y": y}
        if hist is not None:
            row.update(vega.packed(hist["x"], hist["density"]))
        self.rows.append(row)

    def frame(self):
        data = pd.DataFrame(self.rows, columns=["view", "m", "line", "stroke", "note", "x", "y", *vega.PACKED])
        data["m"] = data["m"].astype(np.int16)
        for column in ("x", "y", "x0", "dx"):
            data[column] = data[column].astype(float).where(np.isfinite(data[column].astype(float)))  # inf: no point
        for column in ("view", "line", "stroke"):
            data[column] = data[column].astype("category")   # Arrow dictionaries
        return data


def coarse(hist: dict) -> dict:
    """A histogram on half as many bins, each the mean of two neighbours (the same range and area): the gain
    scrubber draws 11 lines on every move, and their points are most of that move's work in the browser."""
    x, density = np.asarray(hist["x"], dtype=float), np.asarray(hist["density"], dtype=float)
    if len(x) % 2:
        return hist
    return {"x": x.reshape(-1, 2).mean(axis=1), "density": density.reshape(-1, 2).mean(axis=1)}


def _member_rows(rows: _Rows, m: int, stats: dict, stroke: str, tag: str):
    for r in stats["layers"]:
        rows.add("act", m, r["label"], stroke, hist=coarse(r["hist"]))
        if r.get("grad_hist"):
            rows.add("grad", m, r["label"], stroke, hist=coarse(r["grad_hist"]))
        rows.add("sat", m, r["label"], stroke, y=r["saturation_pct"])
    rows.add("logits", m, tag or "logits", stroke, hist=coarse(stats["logits_hist"]))


def gain_scrub_chart(members, gains, start: int, pinned=None, big=False, names=None):
    """members: the step-0 statistics at each of `gains` (init_lab.setting_family); pinned: A's statistics in
    Compare (drawn dashed at every gain). One chart: the initial loss over the gain with a marker on the
    scrubber's gain, the activation and gradient histograms per layer, the saturation per layer and the
    logits, each view showing the member the scrubber picks. The spec depends on the number of gains, the
    layers' names, the vocabulary's uniform loss and where the scrubber starts, not on the numbers.
    names: how each gain reads ("5/3"), by default the number."""
    names = names or [f"{g:g}" for g in gains]
    rows = _Rows()
    for m, (gain, name, stats) in enumerate(zip(gains, names, members)):
        rows.add("loss", m, "B" if pinned else "loss", "solid", x=gain, y=stats["loss"],
                 note=f"gain {name} · initial loss {stats['loss']:.4f} · logits std {stats['logits_std']:.2f}")
        _member_rows(rows, m, stats, "solid", "B" if pinned else "")
    if pinned is not None:
        rows.add("loss", -1, "A", "dashed", x=0.0, y=pinned["loss"])
        _member_rows(rows, -1, pinned, "dashed", "A")
    data = rows.frame()
    uniform = members[0]["uniform_loss"]
    labels = [r["label"] for r in members[0]["layers"]]
    return data, _scrub_spec(len(gains), start, uniform, labels, pinned is not None, big)


def _view(name, pinned_too=True):
    keep = vega.picked(SCRUB, {"field": "m", "lt": 0} if pinned_too else None)
    return [{"filter": f"datum.view == '{name}'"}, keep]


def _stroke_dash():
    return {"field": "stroke", "type": "nominal", "legend": None,
            "scale": {"domain": ["solid", "dashed"], "range": [[1, 0], [6, 4]]}}


def _scrub_spec(count, start, uniform, labels, compare, big):
    font = FONT_SIZE + (5 if big else 0)
    layer_color = vega.color(labels, legend_columns=3, field="line")
    gain = {"field": "x", "type": "quantitative", "title": "gain", "scale": {"domain": [0, 3], "clamp": True}}
    loss_y = {"field": "y", "type": "quantitative", "title": ["initial loss", "(dashed: uniform)"], "scale": {"zero": False}}
    loss = {"height": 120, "layer": [
                {"params": [vega.scrubber(SCRUB, count, start, "Gain (drag)")],
                 "transform": [{"filter": "datum.view == 'loss' && datum.m >= 0"}],
                 "mark": {"type": "line", "point": {"size": 30}, "color": BLUE}, "encoding": {"x": gain, "y": loss_y}},
                {"data": {"values": [{}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#333"},
                 "encoding": {"y": {"datum": uniform}}},
                {"transform": _view("loss", False), "mark": {"type": "point", "size": 220, "filled": True,
                                                             "color": VERMILLION}, "encoding": {"x": gain, "y": loss_y}},
                {"transform": _view("loss", False), "mark": {"type": "text", "align": "left", "baseline": "bottom",
                                                             "x": 0, "y": -8, "fontSize": font, "fontWeight": "bold"},
                 "encoding": {"text": {"field": "note"}}},
            ]}
    if compare:   # A's loss: a dashed level line
        loss["layer"].append({"transform": [{"filter": "datum.view == 'loss' && datum.m < 0"}],
                              "mark": {"type": "rule", "strokeDash": [6, 4], "color": ORANGE, "strokeWidth": 2},
                              "encoding": {"y": loss_y}})

    def curves(view, title, x_title, x_format=None):
        x = {"field": "x", "type": "quantitative", "title": x_title, "scale": {"zero": False, "nice": False},
             "axis": {"tickCount": 4, "grid": False, "labelFlush": True}}   # few marks to lay out anew per move
        if x_format:
            x["axis"]["format"] = x_format
        return {"height": 150, "title": {"text": title, "fontSize": font},
                "transform": _view(view) + vega.unpacked(["line", "stroke"]),
                "mark": {"type": "line", "interpolate": "step", "strokeWidth": 2},
                "encoding": {"x": x, "y": {"field": "y", "type": "quantitative", "title": "density",
                                           "axis": NO_SCALE},
                             "color": layer_color, "strokeDash": _stroke_dash()}}

    saturation = {"height": 120, "title": {"text": "saturated % (|h| > 0.97)", "fontSize": font},
                  "transform": _view("sat"), "mark": {"type": "bar"},
                  "encoding": {"x": {"field": "line", "type": "nominal", "title": None, "sort": labels,
                                     "axis": {"labelAngle": 0, "labelExpr": "split(datum.label, ' ')[1]"}},
                               "xOffset": {"field": "stroke", "sort": ["dashed", "solid"]},
                               "y": {"field": "y", "type": "quantitative", "title": "saturated %",
                                     "scale": {"domain": [0, 100]}},
                               "color": {**layer_color, "legend": None},
                               "opacity": {"condition": {"test": "datum.stroke == 'dashed'", "value": 0.45},
                                           "value": 1}}}
    logits = curves("logits", "logits" + (" (dashed: A)" if compare else ""), "logit value")
    logits["encoding"].pop("color")
    logits["mark"]["color"] = GREY
    rows = [[loss], [curves("act", "activations per layer", "activation value"),
                     curves("grad", "gradients per layer", "gradient value", ".1~e")],
            [saturation, logits]]
    rows[0][0]["width"] = 2 * SCRUB_WIDTH + 60
    spec = vega.concat_spec(rows, "init_scrub_chart", big, SCRUB_WIDTH)
    spec["config"]["aria"] = False   # no description per point, composed on every move (the input keeps its name)
    # sized once: the views' sizes are fixed and their axes' extents do not change from member to member, so a
    # move need not measure the whole concat again to resize it (a quarter of the move's work)
    spec["autosize"] = {"type": "pad", "resize": False}
    return spec


# ---------------------------------------------------------------- the softening scrubber: the last layer's scale

SOFTEN = "soften"   # its selection: the member index `m`


def soften_scrub_chart(members, values, start: int, pinned=None, big=False):
    """members: the step-0 statistics at each softening of `values` (init_lab.setting_family); pinned: A's, in
    Compare (dashed). The initial loss and the logits' std over the softening with a marker on the scrubber's
    value, and the logits' histogram there, on an axis fixed over the whole family: the learner watches the
    logits narrow as the last layer is scaled down. The spec depends on the number of values, the uniform loss
    and where the scrubber starts, not on the numbers."""
    rows = _Rows()
    for m, (value, stats) in enumerate(zip(values, members)):
        rows.add("loss", m, "B" if pinned else "loss", "solid", x=value, y=stats["loss"],
                 note=f"softening {value:g} · initial loss {stats['loss']:.4f} · logits std {stats['logits_std']:.3f}")
        rows.add("std", m, "B" if pinned else "std", "solid", x=value, y=stats["logits_std"])
        rows.add("logits", m, "B" if pinned else "logits", "solid", hist=stats["logits_hist"])
    if pinned is not None:
        rows.add("loss", -1, "A", "dashed", y=pinned["loss"])
        rows.add("std", -1, "A", "dashed", y=pinned["logits_std"])
        rows.add("logits", -1, "A", "dashed", hist=pinned["logits_hist"])
    return rows.frame(), _soften_spec(len(values), start, members[0]["uniform_loss"], pinned is not None, big)


def _soften_spec(count, start, uniform, compare, big):
    font = FONT_SIZE + (5 if big else 0)
    soften = {"field": "x", "type": "quantitative", "title": "last-layer softening", "scale": {"domain": [0, 1]}}

    def over_softening(view, y, marked_note=False):
        """A member's value over the softening: the family's line, the picked member's marker (and A's level)."""
        layers = [{"transform": [{"filter": f"datum.view == '{view}' && datum.m >= 0"}],
                   "mark": {"type": "line", "color": BLUE}, "encoding": {"x": soften, "y": y}},
                  {"transform": [{"filter": f"datum.view == '{view}'"}, vega.picked(SOFTEN)],
                   "mark": {"type": "point", "size": 220, "filled": True, "color": VERMILLION},
                   "encoding": {"x": soften, "y": y}}]
        if marked_note:
            layers.append({"transform": [{"filter": f"datum.view == '{view}'"}, vega.picked(SOFTEN)],
                           "mark": {"type": "text", "align": "left", "baseline": "bottom", "x": 0, "y": -8,
                                    "fontSize": font, "fontWeight": "bold"}, "encoding": {"text": {"field": "note"}}})
        if compare:   # A's value: a dashed level line
            layers.append({"transform": [{"filter": f"datum.view == '{view}' && datum.m < 0"}],
                           "mark": {"type": "rule", "strokeDash": [6, 4], "color": ORANGE, "strokeWidth": 2},
                           "encoding": {"y": y}})
        return layers

    loss_y = {"field": "y", "type": "quantitative", "title": ["initial loss", "(dashed: uniform)"], "scale": {"zero": False}}
    loss = {"height": 120, "layer": [
        *over_softening("loss", loss_y, marked_note=True),
        {"data": {"values": [{}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#333"},
         "encoding": {"y": {"datum": uniform}}}]}
    loss["layer"][0]["params"] = [vega.scrubber(SOFTEN, count, start, "Last-layer softening (drag)")]
    loss["layer"][0]["mark"]["point"] = {"size": 30}   # a click on a point picks it too
    spread = {"height": 150, "title": {"text": "logits std", "fontSize": font},
              "layer": over_softening("std", {"field": "y", "type": "quantitative", "title": "std"})}
    logit_x = {"field": "x", "type": "quantitative", "title": "logit value", "scale": {"zero": False, "nice": False}}
    logits = {"height": 150, "title": {"text": "logits" + (" (dashed: A)" if compare else ""), "fontSize": font},
              "layer": [
                  # every member's outer bin edges, drawn invisibly: the axis holds the whole family, fixed
                  {"transform": [{"filter": "datum.view == 'logits'"},
                                 {"calculate": "datum.x0 - datum.dx / 2", "as": "x"},
                                 {"calculate": "-datum.x", "as": "x2"}],
                   "mark": {"type": "rule", "opacity": 0}, "encoding": {"x": logit_x, "x2": {"field": "x2"}}},
                  {"transform": [{"filter": "datum.view == 'logits'"}, vega.picked(SOFTEN, {"field": "m", "lt": 0}),
                                 *vega.unpacked(["stroke"])],
                   "mark": {"type": "line", "interpolate": "step", "strokeWidth": 2, "color": GREY},
                   "encoding": {"x": logit_x, "y": {"field": "y", "type": "quantitative", "title": "density"},
                                "strokeDash": _stroke_dash()}}]}
    rows = [[loss], [logits, spread]]
    rows[0][0]["width"] = 2 * SCRUB_WIDTH + 60
    return vega.concat_spec(rows, "init_soften_chart", big, SCRUB_WIDTH)


# ---------------------------------------------------------------- the BatchNorm explainer's scrubber

BN_SCRUB = "moved"   # its selection: the member index `m` (where the orange value is)
BN_STAGES = ("before: x", "normalized: x̂", "after: γ·x̂ + β")


def batchnorm_scrub_chart(members, start: int, gamma: float, beta: float, big=False):
    """members: init_lab.batchnorm_family, one per place of the moved (orange) value. The batch before
    BatchNorm, normalized, and after γ and β, each row with its mean (red tick) and ± one std (grey bar), for
    the member the scrubber picks; the axis holds every member, fixed while dragging. The spec does not depend
    on the numbers."""
    rows = []
    for m, r in enumerate(members):
        for stage, values, centre, spread in zip(BN_STAGES, (r["values"], r["xhat"], r["out"]),
                                                 (r["mean"], 0.0, beta), (r["std"], 1.0, abs(gamma))):
            rows.append({"m": m, "stage": stage, "centre": centre, "lo": centre - spread, "hi": centre + spread,
                         "least": min(*values, centre - spread), "most": max(*values, centre + spread),
                         "vs": ",".join(f"{v:.6g}" for v in values),
                         "note": f"x = {r['values'][-1]:+.1f} · batch mean {r['mean']:+.3f} · batch std {r['std']:.3f}"
                         if stage == BN_STAGES[0] else ""})
    data = pd.DataFrame(rows)
    data["m"] = data["m"].astype(np.int16)
    data["stage"] = data["stage"].astype("category")
    return data, _batchnorm_spec(len(members), start, big)


def _batchnorm_spec(count, start, big):
    font = FONT_SIZE + (5 if big else 0)
    x = {"field": "x", "type": "quantitative", "title": "value  (red tick: mean · grey bar: ± one std)",
         "scale": {"nice": True}}
    y = {"field": "stage", "type": "nominal", "title": None, "sort": list(BN_STAGES),
         "axis": {"labelFontSize": font - 1, "labelLimit": 200}}
    layers = [
        {"params": [vega.scrubber(BN_SCRUB, count, start, "The orange value (drag)")],
         "transform": [{"calculate": "datum.least", "as": "x"}],   # every member's extent, invisibly: a fixed axis
         "mark": {"type": "rule", "opacity": 0}, "encoding": {"x": x, "x2": {"field": "most"}, "y": y}},
        {"transform": [vega.picked(BN_SCRUB), {"calculate": "datum.lo", "as": "x"}],
         "mark": {"type": "bar", "height": 10, "color": "#888", "opacity": 0.35},
         "encoding": {"x": x, "x2": {"field": "hi"}, "y": y}},
        {"transform": [vega.picked(BN_SCRUB), {"calculate": "datum.centre", "as": "x"}],
         "mark": {"type": "tick", "color": VERMILLION, "thickness": 3, "size": 30}, "encoding": {"x": x, "y": y}},
        {"transform": [vega.picked(BN_SCRUB), {"calculate": "split(datum.vs, ',')", "as": "v"}, {"flatten": ["v"]},
                       {"window": [{"op": "row_number", "as": "k"}], "groupby": ["stage"]},
                       {"calculate": "toNumber(datum.v)", "as": "x"},
                       {"calculate": "datum.k == 6 ? 'the moved value' : 'the others'", "as": "which"}],
         "mark": {"type": "point", "filled": True, "opacity": 1, "stroke": "white", "strokeWidth": 1},
         "encoding": {"x": x, "y": y,
                      "color": {"field": "which", "type": "nominal", "legend": None,
                                "scale": {"domain": ["the moved value", "the others"], "range": [ORANGE, BLUE]}},
                      "size": {"field": "which", "type": "nominal", "legend": None,
                               "scale": {"domain": ["the moved value", "the others"], "range": [260, 140]}}}},
        {"transform": [{"filter": f"datum.stage == '{BN_STAGES[0]}'"}, vega.picked(BN_SCRUB)],
         "mark": {"type": "text", "align": "left", "baseline": "bottom", "x": 0, "y": -8, "fontSize": font,
                  "fontWeight": "bold"}, "encoding": {"text": {"field": "note"}}},
    ]
    spec = vega.spec(layers, 200, big, key="init_bn_chart")
    return spec
