"""A run's chart series: the loss of every step and the statistics' numbers over time, kept bounded
and thinned for the browser (at most ~2,000 loss points and ~200 statistics steps, whatever the run's length)."""
import math

import numpy as np

MAX_POINTS = 600                # loss points sent to the browser, however long the run (~1 per 1.5 px)
MAX_SERIES = 200                # statistics steps per over-time line sent to the browser
MAX_STATS_STEPS = 4096          # statistics steps kept per run (numbers only, ~1 KB each); then every other
OVER_TIME = ("saturation", "update_to_data", "grad_to_data")


class LossHistory:
    """log10 of every step's loss in a growable array, and its downsampled view for charts.

    Bucket widths are powers of two, so bucket edges stay put as the run grows and the chart
    does not jitter from one refresh to the next."""

    def __init__(self):
        self.values = np.empty(1024)
        self.n = 0

    def extend(self, losses):
        if not losses:
            return
        new = np.log10(np.maximum(np.asarray(losses, dtype=np.float64), 1e-12))
        need = self.n + len(new)
        if need > len(self.values):
            self.values = np.resize(self.values, max(need, 2 * len(self.values)))
        self.values[self.n:need] = new
        self.n = need

    def downsampled(self, limit=MAX_POINTS):
        """(step of each point, mean log10 loss of its bucket, smoothed log10 loss, bucket width)."""
        n = self.n
        if n == 0:
            return np.empty(0), np.empty(0), np.empty(0), 1
        width = 1 << max(0, math.ceil(math.log2(n / limit))) if n > limit else 1
        y = self.values[:n]
        full = n // width * width
        means = y[:full].reshape(-1, width).mean(1)
        if full < n:
            means = np.append(means, y[full:].mean())
        x = np.minimum(np.arange(len(means)) * width + (width - 1) / 2, n - 1)
        # smoothed: a trailing moving average over ~2% of the run (at least 20 steps), like the
        # lecture's mean over 1,000-step chunks of 200,000
        window = max(20, n // 50)
        c = np.concatenate([[0.0], np.cumsum(y)])
        ends = np.minimum(np.arange(len(means)) * width + width, n)
        starts = np.maximum(ends - window, 0)
        smooth = (c[ends] - c[starts]) / (ends - starts)
        return x, means, smooth, width


def new_series() -> dict:
    """Statistics steps, and per layer or weight matrix one value per statistics step."""
    return {"steps": [], **{key: {} for key in OVER_TIME}}


def record(series: dict, step: int, stats: dict):
    """Add one statistics step's numbers (what the over-time charts draw), keeping every other older step
    beyond MAX_STATS_STEPS: memory per run stays bounded, whatever the step count."""
    series["steps"].append(step)
    k = len(series["steps"]) - 1
    for layer in stats["layers"]:
        _append(series["saturation"], layer["label"], k, layer["saturation_pct"])
    for p in stats["params"]:
        if p["ndim"] == 2:        # the lecture plots the weights (C and each Linear)
            _append(series["update_to_data"], p["name"], k, p.get("update_to_data"))
            _append(series["grad_to_data"], p["name"], k, p.get("grad_to_data"))
    if len(series["steps"]) > MAX_STATS_STEPS:   # keep every other older point: the charts show ~200
        series["steps"] = series["steps"][::2]
        for key in OVER_TIME:
            series[key] = {name: column[::2] for name, column in series[key].items()}


def thinned(series, limit=MAX_SERIES):
    """A copy of the over-time series with at most ~limit points per line (every k-th, and the last)."""
    n = len(series["steps"])
    stride = 1 << max(0, math.ceil(math.log2(n / limit))) if n > limit else 1
    idx = list(range(0, n, stride))
    if idx and idx[-1] != n - 1:
        idx.append(n - 1)
    pick = lambda values: [values[i] if i < len(values) else None for i in idx]  # noqa: E731
    return {"steps": pick(series["steps"]), **{k: {name: pick(v) for name, v in series[k].items()} for k in OVER_TIME}}


def _append(table, name, k, value):
    """Append to a named series, padding with None where it first appears late."""
    column = table.setdefault(name, [])
    column.extend([None] * (k - len(column)))
    column.append(value)
