"""The Training page's hints (ui.run_hints.hints) read a run's latest statistics without misleading."""
import math

import pytest

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


# ---------------------------------------------------------------- one case per named rule

def with_(base, **changes):
    return {**base, **changes}


def weights(*ratios, names=("C", "layers.0.weight", "layers.2.weight")):
    return [{"name": n, "ndim": 2, "update_to_data": r} for n, r in zip(names, ratios)]


def stats_snap(params=None, layers=None, **changes):
    return with_(snap(-3.0), stats=(1000, {"layers": layers or [], "params": params or weights(-3, -3, -3)}),
                 **changes)


CASES = {   # rule name -> (a snapshot it applies to, what it says)
    "diverged": (stats_snap(state="diverged", message="loss is nan"), "Diverged. loss is nan"),
    "stopped by an error": (stats_snap(state="stopped", message="RuntimeError: x"), "The run stopped"),
    "overshooting": (stats_snap(loss_smooth=[math.log10(9.0)]), "the steps overshoot"),
    "update:data too high": (snap(-1.9), "probably too high"),
    "update:data fast": (snap(-2.4), "fast learning"),
    "update:data healthy": (snap(-3.0), "near the 10^-3 guide"),
    "update:data low": (snap(-4.0), "barely move"),
    "update:data outliers": (stats_snap(weights(-2.6, -3.3, -1.0)), "layers.2: update:data 10^-1.0, 100 times"),
    "saturated tanh": (snap(-3.0, saturation_pct=40), "40% of its tanh outputs are saturated (|t| > 0.97)"),
    "dead ReLU": (stats_snap(layers=[{"label": "layer 2 (ReLU)", "kind": "relu", "saturation_pct": 90}]),
                  "90% of its ReLU outputs are zero"),
    "overfitting": (stats_snap(val=[(1000, 2.9)]), "overfitting"),
}


def test_every_rule_has_a_case():
    from ui.run_hints import RULES
    assert [rule.name for rule in RULES] == list(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_each_rule_says_its_sentence_where_it_applies(name):
    from ui.run_hints import RULES, facts
    case, words = CASES[name]
    assert next(r for r in RULES if r.name == name).applies(facts(case))
    assert words in " ".join(text for _, text in hints(case))


# ---------------------------------------------------------------- true of the screen, agreeing with the lecture

def test_no_smaller_learning_rate_once_the_schedule_decayed_it_or_the_run_ended():
    # issue 26: at the end of the 200,000-step run (lr decayed) "a smaller learning rate" was advised
    def advice(s):
        return " ".join(t for _, t in hints(s)).lower()
    running = with_(snap(-2.4, saturation_pct=40), lr=0.1, lr_start=0.1)
    assert "lower learning rate" in advice(running) and "smaller learning rate" in advice(running)
    for late in (with_(running, lr=0.01), with_(running, state="finished")):
        assert "lower learning rate" not in advice(late) and "smaller learning rate" not in advice(late)
    assert "the schedule has decayed the rate to 0.001" in advice(with_(snap(-4.2), lr=0.001, lr_start=0.1))


def test_a_weight_far_above_the_guide_is_named_not_averaged_away():
    # issue 26: a softmax-fix run said update:data was 2.7x the guide while W2 sat 100x above it
    case = stats_snap(weights(-2.57, -3.28, -1.0))
    said = hints(case)
    assert "2.7 times" in said[0][1]                       # the median, as before
    level, text = next((lvl, t) for lvl, t in said if t.startswith("layers.2:"))
    assert level == "warning" and "100 times the 10^-3 guide" in text and "output layer" in text


def test_a_stage_run_is_not_told_to_change_the_gain_or_batchnorm():
    # the page disables gain and BatchNorm for a stage run: a hint must not suggest them
    layers = [{"label": "layer 1 (Tanh)", "kind": "tanh", "saturation_pct": 70}]
    staged = stats_snap(layers=layers, stage="softmax-fix", params=weights(-3, -3, -3))
    text = " ".join(t for _, t in hints(staged))
    assert "saturated" in text and "gain" not in text and "BatchNorm" not in text and "tanh-fix" in text
    assert "gain" in " ".join(t for _, t in hints(with_(staged, stage=None)))
