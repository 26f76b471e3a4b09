"""Shared look for every figure: readable on a projector, stable under reruns."""
import plotly.graph_objects as go
import plotly.io as pio

# Set once: naming a template on every figure re-validates it (about 10 ms a figure here).
pio.templates.default = "plotly_white"

FONT_SIZE = 15
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf"]


def styled(fig: go.Figure, title=None, height=380, uirevision="keep") -> go.Figure:
    """Common layout: title, font size, margins; uirevision keeps zoom across refreshes."""
    fig.update_layout(
        title=title, height=height, font=dict(size=FONT_SIZE), margin=dict(l=60, r=20, t=50 if title else 20, b=50),
        uirevision=uirevision,
        legend=dict(bgcolor="rgba(255,255,255,0.6)"),
    )
    return fig


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]
