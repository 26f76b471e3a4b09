"""The Training page's hints (ui.run_hints.hints) read a run's latest statistics without misleading."""
import math

from ui.run_hints import hints


def snap(update_to_data, saturation_pct=0.0, batchnorm=True):
    params = [{"name": "C", "ndim": 2, "update_to_data": update_to_data},
              {"name": "layers.0.weight", "ndim": 2, "update_to_data": update_to_data},
              {"name": "layers.3.weight", "ndim": 2, "update_to_data": update_to_data}]
    if batchnorm:
        params.append({"name": "layers.1.gamma", "ndim": 1, "update_to_data": None})
    layers = [{"label": "layer 2 (Tanh)", "kind": "tanh", "saturation_pct": saturation_pct}]
    return {"state": "running", "message": "", "uniform_loss": math.log(27), "loss": 2.5, "step": 1000,
            "loss_smooth": [math.log10(2.5)], "val": [], "stats": (1000, {"layers": layers, "params": params})}


def test_update_to_data_ten_times_the_guide_is_a_warning():
    # issue 12: 10^-1.9 (the lecture's lr x 10) was "a bit above the guide, fine"
    level, text = hints(snap(-1.9))[0]
    assert level == "warning" and "too high" in text and "13 times" in text
    assert hints(snap(-3.0))[0][0] == "success"
    assert hints(snap(-2.4))[0][0] == "info"


def test_saturation_advice_does_not_offer_batchnorm_to_a_net_that_has_it():
    with_bn = " ".join(t for _, t in hints(snap(-3.0, saturation_pct=30, batchnorm=True)))
    without = " ".join(t for _, t in hints(snap(-3.0, saturation_pct=30, batchnorm=False)))
    assert "saturated" in with_bn and "BatchNorm" not in with_bn
    assert "BatchNorm" in without
