"""Figures of the Sampling page: the next-character distribution at one step of one name."""
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import vega
from .common import BLUE, FONT_SIZE, VERMILLION, styled

CHOSEN = VERMILLION
OTHER = BLUE
FILTERED = "#c7c7c7"   # light grey: removed by top-k / top-p


def next_char_figure(probs, itos, chosen=None, title=None, y_max=None):
    """Bars of the probability of every character; the chosen one in vermillion. Characters that top-k /
    top-p removed (probability exactly 0) have no bar: their letters under the axis are grey."""
    probs = np.asarray(probs, dtype=float)
    labels = ["end" if c == "." else c for c in itos]
    colors = [CHOSEN if i == chosen else (OTHER if p > 0 else FILTERED) for i, p in enumerate(probs)]
    text = [f"{p:.2f}" if p >= 0.08 or i == chosen else "" for i, p in enumerate(probs)]
    fig = go.Figure(go.Bar(x=labels, y=probs, marker_color=colors, text=text, textposition="outside",
                           textfont=dict(size=11), cliponaxis=False,
                           hovertemplate="'%{x}': %{y:.3f}<extra></extra>"))
    top = y_max if y_max is not None else max(float(probs.max()), 0.05)
    fig.update_yaxes(title="probability", range=[0, top * 1.15])
    fig.update_xaxes(title="next character", tickangle=0, type="category", tickmode="array",
                     tickvals=labels, tickfont=dict(size=13),
                     ticktext=[c if p > 0 else f"<span style='color:{FILTERED}'>{c}</span>" for c, p in zip(itos, probs)])
    fig.update_layout(bargap=0.15, uniformtext=dict(minsize=11, mode="show"))
    return styled(fig, title=title, height=330)


def entropy_bits(probs) -> float:
    """How spread out a distribution is: 0 bits = certain; log2(27) = 4.75 bits = uniform."""
    p = np.asarray(probs, dtype=float)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


SCRUB = "temperature"   # the scrubber's selection: the member index `m`


def temperature_scrub_chart(members, itos, start: int, chosen=None, big=False):
    """members: ui.families.temperature_family. The next character's probability at the temperature the
    scrubber picks (one bar per character, on a fixed 0-1 axis), grey where top-k / top-p would cut it,
    vermillion the character drawn at the page's own temperature; the text mark above says the temperature
    and the spread. The spec depends on the vocabulary, the number of members and the start only."""
    labels = ["end" if c == "." else c for c in itos]
    rows = []
    for m, f in enumerate(members):
        probs = np.asarray(f["probs"], dtype=float)
        cut = int(sum(f["cut"]))
        rows += [{"m": m, "char": labels[i], "p": float(probs[i]),
                  "kind": "drawn" if i == chosen else "cut" if f["cut"][i] else "kept"} for i in range(len(labels))]
        rows.append({"m": m, "char": None, "p": None, "kind": "note",
                     "note": f"temperature {f['temperature']:g} · spread {entropy_bits(probs):.2f} bits · "
                             + (f"top-k / top-p would cut {cut} of {len(labels)}" if cut else "nothing cut")})
    data = pd.DataFrame(rows, columns=["m", "char", "p", "kind", "note"])
    data["m"] = data["m"].astype(np.int16)
    font = FONT_SIZE + (5 if big else 0)
    x = {"field": "char", "type": "nominal", "sort": labels, "title": "next character",
         "axis": {"labelAngle": 0, "labelFontSize": font - 2}}
    layers = [
        {"params": [vega.scrubber(SCRUB, len(members), start, "Temperature (drag)")],
         "transform": [{"filter": "datum.kind != 'note'"}, vega.picked(SCRUB)], "mark": {"type": "bar"},
         "encoding": {"x": x, "y": {"field": "p", "type": "quantitative", "title": "probability",
                                    "scale": {"domain": [0, 1]}},
                      "color": {"field": "kind", "type": "nominal", "legend": None,
                                "scale": {"domain": ["kept", "cut", "drawn"], "range": [OTHER, FILTERED, CHOSEN]}}}},
        {"transform": [{"filter": "datum.kind == 'note'"}, vega.picked(SCRUB)],
         "mark": {"type": "text", "align": "left", "baseline": "bottom", "x": 0, "y": -6, "fontSize": font,
                  "fontWeight": "bold"}, "encoding": {"text": {"field": "note"}}},
    ]
    return data, vega.spec(layers, 240, big, key="sampling_temperature_chart")
