"""Figures of the Embeddings & shapes page: where the parameters are, the table C, the characters on a plane."""
import numpy as np
import plotly.graph_objects as go

from .common import BLUE, ORANGE, VERMILLION, color, styled

VOWELS = set("aeiouy")
GROUPS = {".": ("'.' start/end", VERMILLION), "vowel": ("vowels (a e i o u y)", ORANGE),
          "other": ("other characters", BLUE)}


def char_group(ch: str) -> str:
    return "." if ch == "." else ("vowel" if ch.lower() in VOWELS else "other")


def parameter_share(labels, counts) -> go.Figure:
    """Horizontal bars: each layer's parameter count and its share of the total (layers without any left out)."""
    pairs = [(label, n) for label, n in zip(labels, counts) if n > 0]
    total = max(1, sum(n for _, n in pairs))
    names = [label for label, _ in pairs]
    values = np.array([n for _, n in pairs], dtype=np.int64)
    colors = [color(2) if "Batch" in n else color(1) if n.startswith("C") else color(0) for n in names]
    fig = go.Figure(go.Bar(
        y=names, x=values, orientation="h", marker_color=colors,
        text=[f"{n:,} ({n / total:.0%})" if n >= total / 100 else f"{n:,} (<1%)" for n in values],
        textposition="outside", cliponaxis=False, textfont=dict(size=13),
        hovertemplate="%{y}: %{x:,} parameters<extra></extra>",
    ))
    fig.update_xaxes(range=[0, 1.35 * max(values, default=1)])  # room for the labels outside the bars
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title="parameters", tickformat=",")
    return styled(fig, "Where the parameters are", height=max(300, 60 + 26 * len(names)))


def embedding_heatmap(C: np.ndarray, itos, title="C: one row per character") -> go.Figure:
    """The table C as colours: rows are characters, columns the embedding dimensions; 0 is white."""
    C = np.asarray(C, dtype=np.float64)
    limit = float(np.abs(C).max()) or 1.0
    labels = [f"{i} {ch}" for i, ch in enumerate(itos)]
    fig = go.Figure(go.Heatmap(
        z=C, x=[str(j) for j in range(C.shape[1])], y=labels, colorscale="RdBu_r", zmid=0, zmin=-limit, zmax=limit,
        xgap=1, ygap=1, colorbar=dict(title="value"),
        hovertemplate="character %{y}, dimension %{x}: %{z:.3f}<extra></extra>",
    ))
    fig.update_xaxes(title="embedding dimension", type="category", side="top")
    fig.update_yaxes(autorange="reversed", type="category", tickfont=dict(family="monospace", size=13))
    fig = styled(fig, None, height=min(720, max(360, 18 * len(itos) + 110)))
    fig.update_layout(title=dict(text=title, y=0.99, yanchor="top"), margin=dict(l=70, r=20, t=90, b=20))
    return fig


def embedding_map(coords: np.ndarray, itos, axes, title) -> go.Figure:
    """Each character as a labelled point; '.' in vermillion, vowels in orange, so groupings jump out."""
    coords = np.asarray(coords, dtype=np.float64)
    fig = go.Figure()
    for group, (name, colour) in GROUPS.items():
        idx = [i for i, ch in enumerate(itos) if char_group(ch) == group]
        if not idx:
            continue
        fig.add_trace(go.Scatter(
            x=coords[idx, 0], y=coords[idx, 1], mode="markers+text", name=name,
            text=[itos[i] for i in idx], textposition="middle center",
            textfont=dict(size=15, color="white", family="monospace"),
            marker=dict(size=28, color=colour, line=dict(color="white", width=1)),
            customdata=np.array(idx), hovertemplate="'%{text}' (index %{customdata}): (%{x:.2f}, %{y:.2f})<extra></extra>",
        ))
    fig.update_xaxes(title=axes[0], zeroline=True, zerolinecolor="#ccc")
    fig.update_yaxes(title=axes[1], zeroline=True, zerolinecolor="#ccc", scaleanchor="x", scaleratio=1)
    fig = styled(fig, title, height=460)
    fig.update_layout(legend=dict(orientation="h", y=-0.15, yanchor="top", x=0))
    return fig
