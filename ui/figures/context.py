"""The Context windows page's picture: one name, padded with '.', and a window sliding along it.

Each row is one training example: the block_size characters the network sees (blue; the '.'
padding in grey) and the character it must predict (orange). A Vega-Lite chart (ui/figures/vega.py):
a slider step changes its data only, and the browser swaps it into the drawn chart.
"""
import numpy as np
import pandas as pd

from . import vega

# cell kinds -> colours
OUTSIDE, CONTEXT, PADDING, TARGET = 0, 1, 2, 3
CELL_COLORS = {OUTSIDE: "#ffffff", CONTEXT: "#9ecae1", PADDING: "#d9d9d9", TARGET: "#fdae6b"}
KIND_NAMES = {OUTSIDE: "not seen", CONTEXT: "context (input)", PADDING: "context: '.' padding", TARGET: "target"}
ROW_HEIGHT = 34   # px per example


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


def window_table(word: str, block_size: int, pairs, itos) -> pd.DataFrame:
    """One row per cell: example (its label, '... → e'), position (negative: '.' padding), character, kind."""
    sequence, kinds = window_grid(word, block_size)
    labels = [f"{''.join(itos[i] for i in ctx)} → {itos[t]}" for ctx, t in pairs]
    cells = [{"row": r, "example": f"{r + 1:>2}  {labels[r]}", "position": c - block_size, "character": ch,
              "kind": KIND_NAMES[kinds[r, c]],
              "hover": f"example {r + 1}: '{ch}' = index {itos.index(ch)} — {KIND_NAMES[kinds[r, c]]}"}
             for r in range(len(pairs)) for c, ch in enumerate(sequence)]
    return pd.DataFrame(cells)


def window_chart(word: str, block_size: int, pairs, itos, big=False):
    """(data, spec): one row per (context -> target) pair of `word`, drawn over its '.'-padded letters.
    The example's number leads its label: two examples can read the same ('n → a' twice in 'nana')."""
    data = window_table(word, block_size, pairs, list(itos))
    x = {"field": "position", "type": "ordinal", "title": "position in the padded name (negative = '.' padding)",
         "axis": {"orient": "top", "labelAngle": 0}, "scale": {"paddingInner": 0.08}}
    y = {"field": "example", "type": "ordinal", "title": None, "sort": {"field": "row"},
         "axis": {"labelFont": "monospace", "labelFontSize": 15, "labelPadding": 8, "labelLimit": 0},
         "scale": {"paddingInner": 0.08}}
    seen = [KIND_NAMES[k] for k in (CONTEXT, PADDING, TARGET)]
    colour = {"field": "kind", "type": "nominal",
              "scale": {"domain": [*seen, KIND_NAMES[OUTSIDE]],
                        "range": [CELL_COLORS[k] for k in (CONTEXT, PADDING, TARGET, OUTSIDE)]},
              "legend": {"orient": "bottom", "title": None, "values": seen, "direction": "horizontal"}}
    faint = {"condition": {"test": f"datum.kind === '{KIND_NAMES[OUTSIDE]}'", "value": "#bbbbbb"}, "value": "#111111"}
    tooltip = {"field": "hover", "type": "nominal"}
    layers = [
        {"mark": {"type": "rect"}, "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip}},
        {"mark": {"type": "text", "fontSize": 18, "font": "monospace"},
         "encoding": {"x": x, "y": y, "text": {"field": "character"}, "color": faint, "tooltip": tooltip}},
    ]
    spec = vega.spec(layers, {"step": ROW_HEIGHT}, big, key="context_windows")
    return data, spec
