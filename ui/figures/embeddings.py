"""Figures of the Embeddings & shapes page: where the parameters are, the table C, the characters on a plane.

Vega-Lite charts, each returned as (data, spec) (ui/figures/vega.py): a slider step changes their data, not
their spec, so the browser swaps the data into the drawn chart instead of drawing it anew.
"""
import numpy as np
import pandas as pd

from . import vega
from .common import BLUE, FONT_SIZE, ORANGE, VERMILLION, color

VOWELS = set("aeiouy")
GROUPS = {".": ("'.' start/end", VERMILLION), "vowel": ("vowels (a e i o u y)", ORANGE),
          "other": ("other characters", BLUE)}
ROW_PX = 19          # a row of C's heat map, each character's label readable beside it
HEATMAP_MAX_PX = 760   # a longer vocabulary (an uploaded list) shares this height: thinner rows, every other label
KINDS = {"Linear layers": color(0), "C (embeddings)": color(1), "BatchNorm γ, β": color(2)}


def char_group(ch: str) -> str:
    return "." if ch == "." else ("vowel" if ch.lower() in VOWELS else "other")


def _kind(layer: str) -> str:
    return "BatchNorm γ, β" if "Batch" in layer else "C (embeddings)" if layer.startswith("C") else "Linear layers"


def parameter_share(labels, counts, big=False):
    """(data, spec): a horizontal bar per layer with parameters, its count and share of the total written
    beside it. An invisible point at 1.35x the largest bar keeps room for the longest label: in the data,
    so that the spec stays the same when the counts change."""
    pairs = [(label, int(n)) for label, n in zip(labels, counts) if n > 0]
    total = max(1, sum(n for _, n in pairs))
    data = pd.DataFrame({
        "layer": [label for label, _ in pairs], "parameters": [n for _, n in pairs],
        "kind": [_kind(label) for label, _ in pairs],
        "text": [f"{n:,} ({n / total:.0%})" if n >= total / 100 else f"{n:,} (<1%)" for _, n in pairs],
        "room": 1.35 * max((n for _, n in pairs), default=1),
    })
    y = {"field": "layer", "type": "nominal", "title": None, "sort": None}
    x = {"field": "parameters", "type": "quantitative", "title": "parameters", "axis": {"format": ",d", "tickCount": 5}}
    kinds = {"field": "kind", "type": "nominal", "scale": {"domain": list(KINDS), "range": list(KINDS.values())},
             "legend": {"orient": "bottom", "title": None, "direction": "horizontal"}}
    layers = [
        {"mark": {"type": "bar"},
         "encoding": {"y": y, "x": x, "color": kinds,
                      "tooltip": [{"field": "layer"}, {"field": "parameters", "format": ","}]}},
        {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": FONT_SIZE - 2},
         "encoding": {"y": y, "x": x, "text": {"field": "text"}}},
        {"mark": {"type": "point", "opacity": 0}, "encoding": {"y": y, "x": {**x, "field": "room"}}},
    ]
    return data, vega.spec(layers, {"step": 26}, big, key="emb_share")


def embedding_heatmap(C: np.ndarray, itos, big=False):
    """(data, spec): the table C as colours, a row per character and a column per dimension; 0 is white,
    red positive, blue negative."""
    C = np.asarray(C, dtype=np.float64)
    rows, cols = np.indices(C.shape)
    data = pd.DataFrame({"index": rows.ravel(), "character": [f"{i} {itos[i]}" for i in rows.ravel()],
                         "dimension": cols.ravel(), "value": C.ravel()})
    row = max(2, min(ROW_PX, HEATMAP_MAX_PX // len(C)))   # the vocabulary's size, not a slider: the spec stays
    layers = [{"mark": {"type": "rect"}, "encoding": {
        "x": {"field": "dimension", "type": "ordinal", "title": "embedding dimension", "axis": {"orient": "top",
                                                                                               "labelAngle": 0}},
        "y": {"field": "character", "type": "ordinal", "title": None, "sort": {"field": "index"},
              "axis": {"labelFont": "monospace", "labelOverlap": False if row == ROW_PX else "parity"}},
        "color": {"field": "value", "type": "quantitative", "title": "value",
                  "scale": {"scheme": "redblue", "reverse": True, "domainMid": 0}},
        "tooltip": [{"field": "character"}, {"field": "dimension"}, {"field": "value", "format": ".3f"}]}}]
    return data, vega.spec(layers, {"step": row}, big, key="emb_C")


def embedding_map(coords: np.ndarray, itos, axes, key, big=False):
    """(data, spec): each character as a labelled point; '.' in vermillion, vowels in orange, so groupings
    jump out. The axes' names are in the spec: they change only when n_embd crosses 2."""
    coords = np.asarray(coords, dtype=np.float64)
    data = pd.DataFrame({"character": list(itos), "index": range(len(itos)), "x": coords[:, 0], "y": coords[:, 1],
                         "group": [GROUPS[char_group(ch)][0] for ch in itos]})
    x = {"field": "x", "type": "quantitative", "title": axes[0], "scale": {"zero": False, "padding": 20}}
    y = {"field": "y", "type": "quantitative", "title": axes[1], "scale": {"zero": False, "padding": 20}}
    groups = {"field": "group", "type": "nominal",
              "scale": {"domain": [name for name, _ in GROUPS.values()], "range": [c for _, c in GROUPS.values()]},
              "legend": {"orient": "bottom", "title": None, "direction": "horizontal"}}
    tooltip = [{"field": "character"}, {"field": "index"}, {"field": "x", "format": ".2f"},
               {"field": "y", "format": ".2f"}]
    layers = [
        {"mark": {"type": "circle", "size": 520, "opacity": 1, "stroke": "white", "strokeWidth": 1},
         "encoding": {"x": x, "y": y, "color": groups, "tooltip": tooltip}},
        {"mark": {"type": "text", "color": "white", "fontSize": FONT_SIZE, "font": "monospace", "fontWeight": "bold"},
         "encoding": {"x": x, "y": y, "text": {"field": "character"}, "tooltip": tooltip}},
    ]
    return data, vega.spec(layers, 380, big, key=key)
