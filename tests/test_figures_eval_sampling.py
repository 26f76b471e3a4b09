"""Figures of the Evaluation and Sampling pages: plain data in, plotly figure out."""
import math

import numpy as np
import pytest

from ui.figures.evaluation import NAN_COLOR, batchnorm_modes_figure, downsample, history_figure, nll_strip_figure
from ui.figures.sampling import CHOSEN, FILTERED, entropy_bits, next_char_figure

ITOS = ["."] + [chr(c) for c in range(ord("a"), ord("z") + 1)]


def test_batchnorm_modes_nan_is_a_full_red_bar():
    rows = [("running", 2.1), ("calibrated", 2.11), ("batch of 32", 2.2), ("batch of 1", math.nan)]
    fig = batchnorm_modes_figure(rows, math.log(27))
    bar = fig.data[0]
    assert list(bar.y) == [r[0] for r in rows]
    assert bar.marker.color[-1] == NAN_COLOR and NAN_COLOR not in bar.marker.color[:-1]
    assert bar.x[-1] == max(bar.x) and bar.x[-1] > math.log(27)   # the longest bar: worst
    assert bar.text[-1].startswith("NaN") and bar.text[0] == "2.1000"
    assert fig.layout.yaxis.autorange == "reversed"   # best on top


def test_nll_strip_one_cell_per_prediction():
    rows = [{"context": "...", "char": "e", "prob": 0.1, "nll": -math.log(0.1)},
            {"context": "..e", "char": "m", "prob": 0.5, "nll": -math.log(0.5)},
            {"context": ".em", "char": ".", "prob": 0.9, "nll": -math.log(0.9)}]
    fig = nll_strip_figure(rows)
    heat = fig.data[0]
    assert list(heat.z[0]) == [0.1, 0.5, 0.9]
    assert heat.zmin == 0 and heat.zmax == 1
    assert "<b>m</b>" in heat.text[0][1] and "nll 0.69" in heat.text[0][1]
    assert list(fig.layout.xaxis.ticktext) == ["...", "..e", ".em"]


def test_downsample_keeps_the_mean_and_caps_points():
    values = np.arange(10_000, dtype=float)
    steps, means = downsample(values, points=400)
    assert len(means) <= 400
    assert means.mean() == pytest.approx(values.mean(), rel=1e-3)
    assert steps[0] < steps[-1] <= 10_000
    assert downsample([])[1].size == 0
    s, m = downsample([3.0, 2.0])
    assert list(m) == [3.0, 2.0]


def test_history_figure_log_axis_fits_the_data():
    losses = list(np.linspace(3.3, 2.2, 1000))
    val = [(500, 2.5), (1000, 2.3)]
    fig = history_figure(losses, val, math.log(27), snapshot_step=1000)
    assert fig.layout.yaxis.type == "log"
    low, high = fig.layout.yaxis.range
    assert 10 ** low < 2.2 and 10 ** high > math.log(27)
    assert 10 ** high < 4   # not stretched to hundreds by the annotations
    assert [t.name for t in fig.data] == ["training loss (minibatches, averaged)", "val loss (whole split)"]
    no_val = history_figure(losses, [], math.log(27))
    assert len(no_val.data) == 1


def test_next_char_figure_highlights_chosen_and_greys_filtered():
    probs = np.zeros(27)
    probs[[1, 5, 9]] = [0.5, 0.3, 0.2]
    fig = next_char_figure(probs, ITOS, chosen=5, title="t")
    colors = list(fig.data[0].marker.color)
    assert colors[5] == CHOSEN and colors.count(CHOSEN) == 1
    assert colors[0] == FILTERED and colors[1] != FILTERED
    assert list(fig.data[0].x)[0] == "end" and len(fig.data[0].x) == 27
    assert fig.layout.yaxis.range[1] == pytest.approx(0.5 * 1.15)
    shared = next_char_figure(probs, ITOS, y_max=0.8)
    assert shared.layout.yaxis.range[1] == pytest.approx(0.8 * 1.15)


def test_entropy_bits():
    assert entropy_bits(np.ones(27) / 27) == pytest.approx(math.log2(27))
    assert entropy_bits([1.0] + [0.0] * 26) == 0
