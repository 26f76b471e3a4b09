"""The Context windows page's picture: one name, padded with '.', and a window sliding along it.

Each row is one training example: the block_size characters the network sees (blue; the '.'
padding in grey) and the character it must predict (orange).
"""
import numpy as np
import plotly.graph_objects as go

from .common import styled

# cell kinds -> colours
OUTSIDE, CONTEXT, PADDING, TARGET = 0, 1, 2, 3
CELL_COLORS = {OUTSIDE: "#ffffff", CONTEXT: "#9ecae1", PADDING: "#d9d9d9", TARGET: "#fdae6b"}
KIND_NAMES = {OUTSIDE: "not seen", CONTEXT: "context (input)", PADDING: "context: '.' padding", TARGET: "target"}


def window_grid(word: str, block_size: int):
    """The padded sequence and, per example, the kind of each cell: (sequence, kinds (rows, cols))."""
    sequence = ["."] * block_size + list(word) + ["."]
    rows = len(word) + 1
    kinds = np.full((rows, len(sequence)), OUTSIDE, dtype=np.int64)
    for r in range(rows):
        for c in range(r, r + block_size):
            kinds[r, c] = PADDING if c < block_size else CONTEXT
        kinds[r, r + block_size] = TARGET
    return sequence, kinds


def sliding_window_figure(word: str, block_size: int, pairs, itos) -> go.Figure:
    """One row per (context -> target) pair of `word`, drawn over its '.'-padded letters."""
    sequence, kinds = window_grid(word, block_size)
    rows, cols = kinds.shape
    # a discrete colour scale: each kind gets its own flat band
    n = len(CELL_COLORS)
    scale = []
    for k, c in CELL_COLORS.items():
        scale += [(k / n, c), ((k + 1) / n, c)]
    row_labels = [f"{''.join(itos[i] for i in ctx)} → {itos[t]}" for ctx, t in pairs]
    hover = np.empty((rows, cols), dtype=object)
    for r in range(rows):
        for c in range(cols):
            ch = sequence[c]
            hover[r, c] = f"example {r + 1}: '{ch}' = index {0 if ch == '.' else itos.index(ch)} — {KIND_NAMES[kinds[r, c]]}"
    fig = go.Figure(go.Heatmap(
        z=kinds, x=list(range(cols)), y=list(range(rows)), zmin=0, zmax=n, colorscale=scale, showscale=False,
        xgap=3, ygap=3, customdata=hover, hovertemplate="%{customdata}<extra></extra>",
    ))
    # the letters on top; the ones the example does not use are faint
    xs, ys, text, colors = [], [], [], []
    for r in range(rows):
        for c in range(cols):
            xs.append(c)
            ys.append(r)
            text.append(sequence[c])
            colors.append("#bbbbbb" if kinds[r, c] == OUTSIDE else "#111111")
    size = 18 if cols <= 14 else 15
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="text", text=text, textfont=dict(size=size, color=colors),
                             hoverinfo="skip", showlegend=False))
    # a legend that names the colours
    for kind in (CONTEXT, PADDING, TARGET):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=KIND_NAMES[kind],
                                 marker=dict(size=14, symbol="square", color=CELL_COLORS[kind])))
    fig.update_xaxes(tickvals=list(range(cols)), ticktext=[f"{i - block_size}" for i in range(cols)],
                     title="position in the padded name (negative = '.' padding)", side="top", showgrid=False, tickangle=0,
                     zeroline=False, range=[-0.5, cols - 0.5])
    fig.update_yaxes(tickvals=list(range(rows)), ticktext=row_labels, autorange="reversed", showgrid=False,
                     zeroline=False, tickfont=dict(family="monospace", size=15))
    fig = styled(fig, None, height=110 + 34 * rows)
    fig.update_layout(legend=dict(orientation="h", y=-0.02, yanchor="top", x=0), margin=dict(l=20, r=20, t=70, b=40))
    return fig
