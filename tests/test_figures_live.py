"""The live Training charts: while a run trains only their data changes, never their spec (the
browser then updates the drawn chart in place), and the data holds every point drawn."""
import json
import math

import numpy as np

from ui.figures import live


def snap(steps, val=()):
    x = np.arange(steps, dtype=float)
    loss = np.log10(3.3 - x / (steps + 1))
    return {"loss_x": x, "loss_log10": loss, "loss_smooth": loss - 0.01, "bucket": 1, "val": list(val),
            "uniform_loss": math.log(27)}


def stats(std):
    layers = [{"index": i, "std": std, "saturation_pct": 2.5, "grad_std": std / 100,
               "hist": {"x": np.linspace(-1, 1, 5), "density": np.full(5, 0.5)},
               "grad_hist": {"x": np.linspace(-1e-3, 1e-3, 5), "density": np.full(5, 500.0)}} for i in (2, 5)]
    return {"layers": layers}


def test_the_spec_stays_while_the_data_grows():
    early, early_spec = live.loss_chart(snap(10))
    later, later_spec = live.loss_chart(snap(500, val=[(100, 2.5), (200, 2.4)]))
    assert json.dumps(early_spec) == json.dumps(later_spec)
    assert (later["series"] == "per step").sum() == 500 and (later["series"] == "val loss").sum() == 2
    assert np.allclose(later.loc[later["series"] == "val loss", "value"], np.log10([2.5, 2.4]))
    for which in ("hist", "grad_hist"):
        (a, spec_a), (b, spec_b) = live.histogram_chart(stats(0.6), which), live.histogram_chart(stats(0.7), which)
        assert json.dumps(spec_a) == json.dumps(spec_b) and len(a) == len(b) == 10
        assert spec_a["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["layer 2", "layer 5"]   # colours stay
    assert live.histogram_summary(stats(0.6)) == "std 0.60–0.60, 2.5–2.5% saturated"
    assert live.histogram_summary(stats(0.6), "grad_hist") == "std 6.0e-03–6.0e-03" and live.histogram_summary(None) == ""
    series = {"steps": [0, 100, 200], "update_to_data": {"C": [-3.1, -3.0, None], "W1": [-2.0, -2.5, -2.7]}}
    data, spec = live.update_to_data_chart(series)
    earlier = {"steps": [0], "update_to_data": {"C": [-3.1], "W1": [-2.0]}}
    assert len(data) == 5 and spec == live.update_to_data_chart(earlier)[1]


def test_log_axis_drops_what_it_cannot_draw_and_empty_charts_draw():
    data, _ = live.series_chart([0, 1, 2], {"W": [1e-3, 0.0, None]}, "grad / data", log_y=True)
    assert list(data["value"]) == [1e-3]
    for data, spec in (live.histogram_chart(None), live.series_chart([], {}, "x")):
        assert len(data) == 0 and spec["layer"]
