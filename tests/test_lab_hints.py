"""The Initialization lab's hints (ui.lab_hints): one case per named rule, and the lab agreeing with the
lecture (issue 26 item 3) on the lab's real numbers."""
import math

import pytest

from makemore_core.data import Dataset
from ui import init_lab as lab
from ui import lab_hints
from ui.hints import SATURATED


def result(settings=None, loss=3.3, logits_std=0.5, layers=None, grad_to_data=(1.0, 1.0, 1.0), dead=0):
    """A lab result with the numbers the rules read; three healthy tanh layers unless told."""
    layers = layers or [{"label": f"layer {3 * k + 2} (Tanh)", "std": 0.6, "saturation_pct": 3.0, "grad_std": 1e-3}
                        for k in range(3)]
    return {"settings": lab.clean({**(settings or {})}),
            "stats": {"loss": loss, "uniform_loss": math.log(27), "logits_std": logits_std, "layers": layers,
                      "params": [{"ndim": 2, "grad_to_data": g} for g in grad_to_data]},
            "views": [{"label": layers[0]["label"], "dead": dead}]}


def tanh_layers(stds=(0.6, 0.6, 0.6), saturation=(3.0, 3.0, 3.0), grad_stds=(1e-3, 1e-3, 1e-3)):
    return [{"label": f"layer {3 * k + 2} (Tanh)", "std": s, "saturation_pct": p, "grad_std": g}
            for k, (s, p, g) in enumerate(zip(stds, saturation, grad_stds))]


NO_BN = {"batchnorm": False}
CASES = {   # rule name -> (a result it applies to, what it says)
    "overconfident logits": (result(logits_std=9.0), "std of the logits"),
    "all-zero init": (result({"init": "zeros"}), "Every weight and bias is zero"),
    "no signal": (result(layers=tanh_layers(stds=(0, 0, 0))), "exactly 0"),
    "saturated tanh": (result(NO_BN, layers=tanh_layers(saturation=(48, 40, 41))), "48% saturated"),
    "some saturation, as in the lecture": (result(NO_BN, layers=tanh_layers(saturation=(20, 8, 6))),
                                           "20% in its first layer"),
    "mostly-zero ReLU": (result({"nonlinearity": "relu"}, layers=tanh_layers(saturation=(90, 90, 90))), "are 0"),
    "dead neurons": (result(dead=1), "1 neuron of layer 2 (Tanh) is dead"),
    "shrinking activations": (result(NO_BN, layers=tanh_layers(stds=(0.6, 0.4, 0.2))), "shrink layer by layer"),
    "growing activations": (result(NO_BN, layers=tanh_layers(stds=(0.6, 0.9, 1.2))), "grow layer by layer"),
    "uneven gradients": (result(layers=tanh_layers(grad_stds=(1e-3, 1e-3, 1e-2))), "differs 10-fold"),
    "the last layer's grad:data outlier": (result(grad_to_data=(1.0, 1.0, 50.0)), "50x the median"),
    "linear only": (result({"nonlinearity": "none"}), "No nonlinearity"),
    "plain randn": (result({"fan_in_scaling": False, "batchnorm": False}), "Turn on fan-in scaling"),
    "plain randn under BatchNorm": (result({"fan_in_scaling": False}), "BatchNorm makes the weights' scale irrelevant"),
    "BatchNorm keeps it healthy": (result(), "the gain hardly matters"),
    "healthy": (result(NO_BN), "Healthy: a steady spread"),
}


def test_every_rule_has_a_case():
    assert [rule.name for rule in lab_hints.RULES] == list(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_each_rule_says_its_sentence_where_it_applies(name):
    case, words = CASES[name]
    rule = next(r for r in lab_hints.RULES if r.name == name)
    assert rule.applies(lab_hints.facts(case))
    assert words in " ".join(text for _, text in lab_hints.hints(case))


def test_saturation_is_named_by_its_threshold():
    case, _ = CASES["saturated tanh"]
    assert f"({SATURATED})" in lab_hints.hints(case)[0][1] and SATURATED == "|t| > 0.97"


def test_a_remedy_that_moves_a_control_the_stage_fixes_says_it_leaves_the_stage():
    staged = result({"stage": "original", "batchnorm": False}, logits_std=12.0, layers=tanh_layers(saturation=(69,) * 3))
    assert all("leaves the stage" in text for level, text in lab_hints.hints(staged) if level == "bad")


def test_stage_scales_are_what_the_stage_multiplies_its_draws_by():
    assert lab_hints.stage_scales("tanh-fix", 27) == "W1 x0.2, b1 x0.01; W2 x0.01, b2 x0"
    assert lab_hints.stage_scales("batchnorm", 27).startswith("W1 x0.304 ((5/3)/√30), no b1")
    assert lab_hints.stage_scales("deep", 27) == "" and lab_hints.stage_scales(None, 27) == ""


# ---------------------------------------------------------------- on the lab's real numbers (issue 26 item 3)

@pytest.fixture(scope="module")
def train(default_names):
    return Dataset.from_path(default_names).tensors(3)["train"]


def real(settings, train):
    return lab.compute(settings, *train, vocab_size=27, device="cpu")


def test_the_lectures_gain_5_3_without_batchnorm_is_healthy(train):
    # the lecture's recommended setting (chapter 4's try-it) was "not healthy ... Lower the gain"
    r = real(lab.PRESETS["No BN, gain 5/3"]["settings"], train)
    hints = lab_hints.hints(r)
    assert lab_hints.verdict(r, hints)[0] == "good"
    assert not any("Lower the gain" in text for _, text in hints)
    assert any("saturated" in text and level == "info" for level, text in hints)


def test_batchnorm_without_fan_in_scaling_does_not_ask_for_it(train):
    # A and B show the same loss and layers: BatchNorm makes the scale irrelevant
    with_it, without = real(lab.DEFAULTS, train), real({**lab.DEFAULTS, "fan_in_scaling": False}, train)
    assert without["stats"]["loss"] == pytest.approx(with_it["stats"]["loss"], abs=1e-3)
    hints = lab_hints.hints(without)
    assert not any("Turn on fan-in scaling" in text for _, text in hints)
    assert lab_hints.verdict(without, hints)[0] == "good"
