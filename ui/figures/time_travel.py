"""Time travel: a run's snapshots (makemore_core.snapshots) as one Vega-Lite chart each, with a step scrubber
bound inside the chart (ui/figures/vega.py): the browser picks the statistics step as the thumb moves.

Training: the loss and update:data lines with a cursor at the picked step; the activation and gradient
histograms per layer, saturation per layer and the weight-gradient histograms at that step.
Embeddings: C's map at the picked step, a labelled point per character, vowels coloured.
Every spec depends on the number of snapshots, the layers' and weights' names and the vocabulary only.
"""
import numpy as np
import pandas as pd

from makemore_core import snapshots

from . import vega
from .common import BLUE, FONT_SIZE, GREY, VERMILLION
from .embeddings import GROUPS, char_group
from .training import GUIDE

SCRUB = "step"          # the scrubber: a variable parameter, the member index `m`
PICKED = {"filter": f"datum.m == {SCRUB}"}   # cheaper per row than a selection's test (nothing is sent back
                                             # to the server here: no selection needed)


def scrubber(count: int, start: int) -> dict:
    """The step scrubber, a range input bound to a plain parameter (vega.scrubber's, without the selection)."""
    return {"name": SCRUB, "value": int(start),
            "bind": {"input": "range", "min": 0, "max": int(count) - 1, "step": 1, "name": "Step (drag)"}}
WIDTH = 300             # each of two views side by side in the page's main column at 1280 px
COLUMNS = ["view", "m", "line", "x", "y", "note", *vega.PACKED]


def _frame(rows):
    data = pd.DataFrame(rows, columns=COLUMNS)
    data["m"] = data["m"].astype(np.int16)
    for column in ("x", "y", "x0", "dx"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
        data[column] = data[column].where(np.isfinite(data[column]))
    for column in ("view", "line"):
        data[column] = data[column].astype("category")   # Arrow dictionaries: small on the wire
    return data


MERGE = 2   # bins drawn per snapshot bin pair: 25 of the 50, half the points the browser redraws at each move


def _hist_row(view, m, line, h):
    """One histogram as one packed row, adjacent bins merged by MERGE (on equal bins the merged density is the
    mean); a diverged step's NaN draws as 0."""
    density = np.nan_to_num(np.asarray(h["density"], dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    x = snapshots.centres(h)
    if len(density) % MERGE == 0:
        density, x = density.reshape(-1, MERGE).mean(1), x.reshape(-1, MERGE).mean(1)
    return {"view": view, "m": m, "line": line, **vega.packed(x, density)}


def step_note(snap) -> str:
    """What the chart says at a member, e.g. 'step 1,200 · batch loss 2.4512 · lr 0.1' (the tests read it)."""
    return f"step {snap['step']:,} · batch loss {snap['loss']:.4f} · lr {snap['lr']:g}"


def training_scrub_chart(members, loss_x, loss_smooth, big=False):
    """members: the run's snapshots in step order; loss_x / loss_smooth: the run's smoothed log10 loss line.
    -> (datasets, spec) of one chart driven by one step scrubber (it starts at the newest snapshot); draw it
    with the datasets as the spec's "datasets" (Streamlit sends them as Arrow and takes them out of the spec).
    One named data set per view, not one long table: a move of the thumb then filters each view's own rows
    only (the interpreter's ~5 us a row, vega.packed), 2.3x fewer tests for the lecture's net than one table."""
    rows = [{"view": "loss", "m": -1, "line": "loss", "x": x, "y": y} for x, y in zip(loss_x, loss_smooth)]
    for m, snap in enumerate(members):
        rows.append({"view": "cursor", "m": m, "x": snap["step"], "note": step_note(snap)})
        for layer in snap["layers"]:
            rows.append(_hist_row("act", m, layer["label"], layer["hist"]))
            if layer["grad_hist"] is not None:
                rows.append(_hist_row("grad", m, layer["label"], layer["grad_hist"]))
            rows.append({"view": "sat", "m": m, "line": layer["label"], "y": layer["saturation_pct"]})
        for p in snap["params"]:
            name = p["name"].removesuffix(".weight")
            rows.append({"view": "ud", "m": -1, "line": name, "x": snap["step"], "y": p["update_to_data"]})
            if p["grad_hist"] is not None:
                rows.append(_hist_row("wgrad", m, name, p["grad_hist"]))
    labels = [layer["label"] for layer in members[-1]["layers"]]
    weights = [p["name"].removesuffix(".weight") for p in members[-1]["params"]]
    data = _frame(rows)
    datasets = {f"travel_{view}": part.drop(columns="view").reset_index(drop=True)
                for view, part in data.groupby("view", observed=True)}
    datasets["travel_extent"] = _extents(rows)
    return datasets, _training_spec(len(members), labels, weights, big)


def _extents(rows) -> pd.DataFrame:
    """Two invisible points per histogram view at the ends of every step's bins, at density 0: one x axis for
    all steps (a gradient's spread is seen to change), the density axis left to each step (a peak at one step
    would flatten every other)."""
    corners = []
    for view in ("act", "grad", "wgrad"):
        hists = [r for r in rows if r["view"] == view]
        if hists:
            corners += [{"view": view, "x": min(r["x0"] - r["dx"] / 2 for r in hists), "y": 0.0},
                        {"view": view, "x": max(r["x0"] + (r["ys"].count(",") + 0.5) * r["dx"] for r in hists),
                         "y": 0.0}]
    return pd.DataFrame(corners, columns=["view", "x", "y"])


def _on(view, picked=True):
    """A view's (or layer's) own data set, filtered to the scrubber's member when `picked`."""
    return {"data": {"name": f"travel_{view}"}, "transform": [PICKED] if picked else []}


def _picked(view):
    return [{"filter": f"datum.view == '{view}'"}, PICKED]


def _training_spec(count, labels, weights, big):
    font = FONT_SIZE + (5 if big else 0)
    step_x = {"field": "x", "type": "quantitative", "title": "step", "scale": {"zero": True, "nice": False}}
    cursor = {**_on("cursor"), "mark": {"type": "rule", "color": VERMILLION, "strokeWidth": 2},
              "encoding": {"x": step_x}}
    loss = {"height": 130, "layer": [
                {**_on("loss", picked=False), "mark": {"type": "line", "color": BLUE},
                 "encoding": {"x": step_x, "y": {"field": "y", "type": "quantitative",
                                                 "title": ["log10(loss)", "smoothed"], "scale": {"zero": False}}}},
                cursor,
                {**_on("cursor"), "mark": {"type": "text", "align": "left", "baseline": "bottom",
                                           "x": 0, "y": -8, "fontSize": font, "fontWeight": "bold"},
                 "encoding": {"text": {"field": "note"}}},
            ]}
    weight_color = vega.color(weights, legend_columns=4, field="line")
    quiet = {"legend": None}   # the view beside or above says the colours
    update = {"height": 130, "title": {"text": "update:data (log10, per weight matrix)", "fontSize": font},
              "layer": [
                  {"data": {"name": "travel_ud"}, "transform": [{"filter": "isValid(datum.y)"}],
                   "mark": {"type": "line", "strokeWidth": 2},
                   "encoding": {"x": step_x, "y": {"field": "y", "type": "quantitative", "title": "log10(update/data)",
                                                   "scale": {"zero": False}}, "color": weight_color}},
                  {"data": {"values": [{}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "color": GREY},
                   "encoding": {"y": {"datum": GUIDE}}},
                  cursor,
              ]}
    layer_color = vega.color(labels, legend_columns=3, field="line")

    def curves(view, title, x_title, color, x_format=None):
        x = {"field": "x", "type": "quantitative", "title": x_title, "scale": {"zero": False, "nice": False}}
        if x_format:
            x["axis"] = {"format": x_format, "tickCount": 5}
        y = {"field": "y", "type": "quantitative", "title": "density"}
        return {"height": 140, "title": {"text": title, "fontSize": font}, "layer": [
            {"data": {"name": "travel_extent"}, "transform": [{"filter": f"datum.view == '{view}'"}],
             "mark": {"type": "point", "opacity": 0}, "encoding": {"x": x, "y": y}},
            {"data": {"name": f"travel_{view}"}, "transform": [PICKED] + vega.unpacked(["line"]),
             # invalid: None skips Vega-Lite's per-point validity filter (an interpreted expression per bin per
             # move); the densities are finite numbers (_hist_row)
             "mark": {"type": "line", "interpolate": "step", "strokeWidth": 2, "invalid": None},
             "encoding": {"x": x, "y": y, "color": color}}]}

    saturation = {"height": 140, "title": {"text": "saturated % per layer", "fontSize": font},
                  **_on("sat"), "mark": {"type": "bar"},
                  "encoding": {"x": {"field": "line", "type": "nominal", "title": None, "sort": labels,
                                     "axis": {"labelAngle": 0, "labelExpr": "split(datum.label, ' ')[1]"}},
                               "y": {"field": "y", "type": "quantitative", "title": "saturated %",
                                     "scale": {"domain": [0, 100]}},
                               "color": {**layer_color, "legend": None}}}
    rows = [[loss, update],
            [curves("act", "activations per layer", "activation value", layer_color),
             curves("grad", "activation gradients per layer", "gradient value", {**layer_color, **quiet}, ".1~e")],
            [saturation, curves("wgrad", "weight gradients per matrix (colours: update:data's)", "gradient value",
                                {**weight_color, **quiet}, ".1~e")]]
    chart = vega.concat_spec(rows, "tr_travel_chart", big, WIDTH)
    chart["params"] = [scrubber(count, count - 1)]   # a variable parameter lives at the top level
    # layers and weight matrices are two colour scales with two legends (shared, they merged into one)
    chart["resolve"] = {"scale": {"color": "independent"}, "legend": {"color": "independent"}}
    return chart


def _projected(members):
    """Each member's C as (V, 2) coordinates in one frame for all: C's own columns when n_embd <= 2, else
    every C on the newest C's two principal axes (what moves on the screen is the characters, not the axes).
    -> (coordinates per member, the axes' names, the share of the newest C's spread the axes keep)."""
    Cs = [np.asarray(s["C"], dtype=np.float64) for s in members]
    if Cs[-1].shape[1] == 1:
        return [np.hstack([C, np.zeros_like(C)]) for C in Cs], ("dimension 0", "(none: n_embd = 1)"), 1.0
    if Cs[-1].shape[1] == 2:
        return Cs, ("dimension 0", "dimension 1"), 1.0
    centre = Cs[-1].mean(axis=0, keepdims=True)
    _, S, Vh = np.linalg.svd(Cs[-1] - centre, full_matrices=False)
    directions = Vh[:2] * np.sign(Vh[np.arange(2), np.abs(Vh[:2]).argmax(axis=1)])[:, None]   # no flips
    kept = float((S[:2] ** 2).sum() / (S ** 2).sum()) if float((S ** 2).sum()) > 0 else 1.0
    return [(C - centre) @ directions.T for C in Cs], ("principal component 1", "principal component 2"), kept


def embedding_scrub_chart(members, itos, big=False):
    """C's map at every snapshot of a run, the step picked by a scrubber (it starts at the first snapshot:
    the learner drags forward and watches the characters move), '.' vermillion and vowels orange.
    -> (data, spec, the share of the newest C's spread its two axes keep)."""
    coords, axes, explained = _projected(members)
    rows = []
    for m, (snap, xy) in enumerate(zip(members, coords)):
        rows.append({"view": "note", "m": m, "note": f"step {snap['step']:,} · loss {snap['loss']:.4f}"})
        rows += [{"view": "char", "m": m, "line": ch, "x": float(x), "y": float(y),
                  "note": GROUPS[char_group(ch)][0]} for ch, (x, y) in zip(itos, xy)]
    every = np.concatenate(coords)       # invisible corners: one frame for every step (no jumping axes)
    for x, y in ((every[:, 0].min(), every[:, 1].min()), (every[:, 0].max(), every[:, 1].max())):
        rows.append({"view": "extent", "m": -1, "x": float(x), "y": float(y)})
    data = _frame(rows)
    font = FONT_SIZE + (5 if big else 0)
    x = {"field": "x", "type": "quantitative", "title": axes[0], "scale": {"zero": False, "padding": 20}}
    y = {"field": "y", "type": "quantitative", "title": axes[1], "scale": {"zero": False, "padding": 20}}
    groups = {"field": "note", "type": "nominal",
              "scale": {"domain": [name for name, _ in GROUPS.values()], "range": [c for _, c in GROUPS.values()]},
              "legend": {"orient": "bottom", "title": None, "direction": "horizontal"}}
    layers = [
        {"transform": [{"filter": "datum.view == 'extent'"}], "mark": {"type": "point", "opacity": 0},
         "encoding": {"x": x, "y": y}},
        {"transform": _picked("char"), "mark": {"type": "circle", "size": 520, "opacity": 1, "stroke": "white",
                                                "strokeWidth": 1},
         "encoding": {"x": x, "y": y, "color": groups}},
        {"transform": _picked("char"), "mark": {"type": "text", "color": "white", "fontSize": font,
                                                "font": "monospace", "fontWeight": "bold"},
         "encoding": {"x": x, "y": y, "text": {"field": "line"}}},
        {"transform": _picked("note"), "mark": {"type": "text", "align": "left", "baseline": "bottom", "x": 0,
                                                "y": -8, "fontSize": font, "fontWeight": "bold"},
         "encoding": {"text": {"field": "note"}}},
    ]
    spec = vega.spec(layers, 380, big, key="emb_travel_chart")
    spec["params"] = [scrubber(len(members), 0)]   # a variable parameter lives at the top level
    return data, spec, explained

