"""Figures of the Sampling page: the next-character distribution at one step of one name."""
import numpy as np
import plotly.graph_objects as go

from .common import BLUE, VERMILLION, styled

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
