"""Figures of the Data & vocabulary page: word lengths, character counts, the bigram count matrix."""
import numpy as np
import plotly.graph_objects as go

from .common import VERMILLION, color, styled

END_COLOR = VERMILLION  # '.' is drawn in vermillion wherever it appears: it is the special token


def char_label(ch: str) -> str:
    """A character as an axis label; a space or odd glyph stays visible inside quotes."""
    return f"'{ch}'" if ch.isspace() else ch


def length_histogram(lengths: dict) -> go.Figure:
    """Bars: how many words have each length."""
    x = np.array(list(lengths), dtype=np.int64)
    y = np.array(list(lengths.values()), dtype=np.int64)
    fig = go.Figure(go.Bar(x=x, y=y, marker_color=color(0),
                           hovertemplate="%{y:,} words have %{x} characters<extra></extra>"))
    fig.update_xaxes(title="word length (characters)", dtick=1)
    fig.update_yaxes(title="words", tickformat=",")
    return styled(fig, "How long are the words?", height=340)


def char_frequency(itos, counts, order="index") -> go.Figure:
    """Bars: how often each vocabulary character occurs; '.' (one per word, the end marker) in vermillion.

    order: "index" keeps the vocabulary order ('.' first), "count" sorts from most to least frequent."""
    idx = list(range(len(itos)))
    if order == "count":
        idx.sort(key=lambda i: -counts[i])
    labels = [f"{char_label(itos[i])}" for i in idx]
    values = np.array([counts[i] for i in idx], dtype=np.int64)
    colors = [END_COLOR if i == 0 else color(0) for i in idx]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=colors, customdata=np.array(idx),
                           hovertemplate="'%{x}' (index %{customdata}): %{y:,}<extra></extra>"))
    fig.update_xaxes(title="character", type="category", tickfont=dict(size=14), tickangle=0,
                     tickmode="array", tickvals=labels, ticktext=labels)  # every character, none skipped
    fig.update_yaxes(title="occurrences", tickformat=",")
    return styled(fig, "How often is each character used?", height=340)


def bigram_heatmap(itos, counts: np.ndarray, log_scale=True, show_numbers=False) -> go.Figure:
    """The vocab × vocab count matrix: row = this character, column = the next one.

    Colour follows log10(1 + count) when log_scale, so rare pairs are visible beside common ones;
    the hover always shows the pair and its exact count."""
    labels = [char_label(c) for c in itos]
    counts = np.asarray(counts)
    z = np.log10(1 + counts) if log_scale else counts
    pair = np.array([[f"{a}{b}" for b in labels] for a in labels])
    heat = go.Heatmap(
        z=z, x=labels, y=labels, colorscale="Blues", customdata=np.dstack([counts, pair]),
        hovertemplate="'%{y}' then '%{x}'  (%{customdata[1]}): %{customdata[0]:,} times<extra></extra>",
        xgap=1, ygap=1,
    )
    if log_scale:
        top = max(1, int(counts.max()))
        ticks = [t for t in (0, 1, 10, 100, 1_000, 10_000, 100_000) if t <= top]
        heat.colorbar = dict(title="count", tickvals=np.log10(1 + np.array(ticks)), ticktext=[f"{t:,}" for t in ticks])
    else:
        heat.colorbar = dict(title="count", tickformat=",")
    if show_numbers:
        heat.text = counts
        heat.texttemplate = "%{text}"
        heat.textfont = dict(size=9)
    fig = go.Figure(heat)
    n = len(itos)
    every = dict(type="category", tickfont=dict(size=13), tickmode="array", tickvals=labels, ticktext=labels)
    fig.update_xaxes(title="next character", side="top", tickangle=0, **every)
    fig.update_yaxes(title="this character", autorange="reversed", scaleanchor="x", **every)
    size = min(760, max(420, 24 * n + 140))
    fig = styled(fig, None, height=size)
    fig.update_layout(margin=dict(l=70, r=20, t=70, b=20))
    return fig
