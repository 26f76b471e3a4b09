"""Figures of the Evaluation page: BatchNorm modes, a name's likelihood strip, the loss history."""
import math

import numpy as np
import plotly.graph_objects as go

from .common import GREY, PROBABILITY_SCALE, VERMILLION, color, styled

NAN_COLOR = VERMILLION


def batchnorm_modes_figure(rows, uniform_loss):
    """Horizontal bars, one per way of getting BatchNorm's statistics. rows: [(mode, loss)], best
    first; a NaN loss is drawn as a full-width vermillion bar marked "NaN"."""
    finite = [loss for _, loss in rows if math.isfinite(loss)]
    top = max(finite + [uniform_loss]) * 1.12
    modes = [mode for mode, _ in rows]
    lengths = [loss if math.isfinite(loss) else top for _, loss in rows]
    colors = [color(0) if math.isfinite(loss) else NAN_COLOR for _, loss in rows]
    text = [f"{loss:.4f}" if math.isfinite(loss) else "NaN (undefined)" for _, loss in rows]
    fig = go.Figure(go.Bar(x=lengths, y=modes, orientation="h", marker_color=colors, text=text,
                           textposition="inside", insidetextanchor="end",
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.add_vline(x=uniform_loss, line_dash="dot", line_color=GREY,
                  annotation_text=f"uniform guess {uniform_loss:.2f}", annotation_position="top")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="loss on the validation split (lower is better)", range=[0, top])
    fig.update_layout(margin=dict(l=20, r=20, t=30, b=50))
    fig.update_yaxes(automargin=True)
    return styled(fig, height=110 + 45 * len(rows))


def nll_strip_figure(rows):
    """One cell per predicted character (the end '.' included), coloured by the probability the
    model gave it; the text shows the character, its probability and its NLL."""
    chars = [r["char"] for r in rows]
    probs = np.array([r["prob"] for r in rows])
    nll = np.array([r["nll"] for r in rows])
    text = [[f"<b>{c}</b><br>p {p:.2f}<br>nll {n:.2f}" for c, p, n in zip(chars, probs, nll)]]
    custom = [[[r["context"], r["char"]] for r in rows]]
    fig = go.Figure(go.Heatmap(
        z=[probs], x=list(range(len(rows))), y=[""], text=text, texttemplate="%{text}",
        textfont=dict(size=15), zmin=0, zmax=1, colorscale=PROBABILITY_SCALE, customdata=custom, xgap=3,
        colorbar=dict(title="p", thickness=14, len=1.1),
        hovertemplate="after '%{customdata[0]}' the model gave '%{customdata[1]}' probability %{z:.3f}<extra></extra>"))
    fig.update_xaxes(tickvals=list(range(len(rows))), ticktext=[r["context"] for r in rows],
                     title="context the model saw (the character it had to predict is in the cell)")
    fig.update_yaxes(showticklabels=False)
    styled(fig, height=210)
    fig.update_layout(margin=dict(l=20, r=20, t=20, b=60))
    return fig


def downsample(values, points=400):
    """(step, mean) of consecutive buckets: a long run's loss as a few hundred points."""
    y = np.asarray(values, dtype=float)
    if len(y) == 0:
        return np.empty(0), np.empty(0)
    width = max(1, math.ceil(len(y) / points))
    full = len(y) // width * width
    means = y[:full].reshape(-1, width).mean(1) if full else np.empty(0)
    if full < len(y):
        means = np.append(means, y[full:].mean())
    steps = np.minimum(np.arange(len(means)) * width + width / 2, len(y))
    return steps, means


def history_figure(losses, val_losses, uniform_loss, snapshot_step=None):
    """Training loss (bucket means) and val loss along a run; log scale as in the lecture. A dashed
    line marks the step whose weights the page evaluates."""
    steps, means = downsample(losses)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=steps, y=means, mode="lines", name="training loss (minibatches, averaged)",
                             line=dict(color=color(0), width=1.5)))
    if val_losses:
        vs, vl = zip(*val_losses)
        fig.add_trace(go.Scatter(x=list(vs), y=list(vl), mode="lines+markers", name="val loss (whole split)",
                                 line=dict(color=color(1), width=2.5)))
    fig.add_hline(y=uniform_loss, line_dash="dot", line_color=GREY,
                  annotation_text=f"uniform guess {uniform_loss:.2f}", annotation_position="top left")
    if snapshot_step is not None:
        fig.add_vline(x=snapshot_step, line_dash="dash", line_color=GREY)
    # a log axis, as the lecture plots log10(loss); the range is set so the lines fill it
    shown = [v for v in list(means) + [v for _, v in val_losses] + [uniform_loss] if math.isfinite(v) and v > 0]
    low, high = (min(shown), max(shown)) if shown else (1.0, uniform_loss)
    fig.update_xaxes(title="training step")
    fig.update_yaxes(title="loss (log scale)", type="log", range=[math.log10(low * 0.95), math.log10(high * 1.08)])
    fig.update_layout(legend=dict(orientation="h", y=1.12, x=0))
    return styled(fig, height=360)
