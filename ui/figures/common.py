"""Shared look for every figure: readable on a projector, stable under reruns."""
import plotly.graph_objects as go
import plotly.io as pio

FONT_SIZE = 15
# Okabe-Ito: one colour-blind-safe palette for every chart and mark of the app (no red beside green).
BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
PURPLE, SKY, YELLOW, BLACK = "#CC79A7", "#56B4E9", "#F0E442", "#000000"
GREY = "#767676"                     # neutral marks (guides, removed options): 4.5:1 on white
COLORS = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK, YELLOW]
# probability from surprising (low) to expected (high), readable with black text on every cell
PROBABILITY_SCALE = [[0, VERMILLION], [0.5, "#F5F5F5"], [1, SKY]]

# Set once: naming a template on every figure re-validates it (about 10 ms a figure here).
pio.templates["makemore"] = go.layout.Template(pio.templates["plotly_white"])
pio.templates["makemore"].layout.colorway = COLORS
pio.templates["makemore"].layout.font.color = "#1f2027"   # dark text: plotly's default grey fades projected
pio.templates.default = "makemore"


PROJECTOR_HEIGHT = 1.6   # projector mode: every chart this much taller (the live Training charts were 95 px strips)


def chart_height(height, big=False):
    """A chart's height in pixels, taller in projector mode (`big`): the one rule for Vega-Lite (ui.figures.vega)
    and plotly (styled, and the lab's own frame). A height per row (Vega-Lite's {"step": n}) stays: it is sized
    to its labels."""
    return round(height * PROJECTOR_HEIGHT) if big and isinstance(height, (int, float)) else height


def styled(fig: go.Figure, title=None, height=380, uirevision="keep", big=False) -> go.Figure:
    """Common layout: title, font size, margins; uirevision keeps zoom across refreshes."""
    fig.update_layout(
        title=title, height=chart_height(height, big), font=dict(size=FONT_SIZE), margin=dict(l=60, r=20, t=50 if title else 20, b=50),
        uirevision=uirevision,
        legend=dict(bgcolor="rgba(255,255,255,0.6)"),
    )
    return fig


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]
