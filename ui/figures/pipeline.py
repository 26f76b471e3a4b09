"""The Home page's picture: the whole pipeline as a row of boxes and arrows."""
import plotly.graph_objects as go

from .common import BLUE, styled

STAGES = [
    ("data", "word list"),
    ("vocab", "'.' = 0, a..z"),
    ("context", "windows of T"),
    ("embedding", "C[X]: (B, T, E)"),
    ("MLP", "Linear, BN, Tanh"),
    ("loss", "cross-entropy"),
    ("sampling", "char by char"),
]


def pipeline_figure(stages=STAGES) -> go.Figure:
    fig = go.Figure()
    width, gap = 1.0, 0.35
    for i, (name, detail) in enumerate(stages):
        x0 = i * (width + gap)
        fig.add_shape(type="rect", x0=x0, x1=x0 + width, y0=0, y1=1, line=dict(color=BLUE, width=2),
                      fillcolor="#e8f1fa")
        fig.add_annotation(x=x0 + width / 2, y=0.64, text=f"<b>{name}</b>", showarrow=False, font=dict(size=15, color="#10335a"))
        fig.add_annotation(x=x0 + width / 2, y=0.32, text=detail, showarrow=False,
                           font=dict(size=12, color="#333"))
        if i < len(stages) - 1:
            fig.add_annotation(x=x0 + width + gap - 0.04, y=0.5, ax=x0 + width + 0.04, ay=0.5, xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=3, arrowsize=1.4, arrowwidth=2,
                               text="")
    total = len(stages) * (width + gap) - gap
    fig.update_xaxes(visible=False, range=[-0.1, total + 0.1])
    fig.update_yaxes(visible=False, range=[-0.1, 1.1])
    return styled(fig, height=170)
