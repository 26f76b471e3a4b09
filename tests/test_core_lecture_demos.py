"""The Lecture page's side experiments (makemore_core.lecture_demos) against direct formulas and
the numbers the notebook prints for them (they use no data set, so they hold on any word list)."""
import math

import pytest

from makemore_core import lecture_demos as demos

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors


def test_softmax_toy_is_minus_log_softmax_in_float64():
    logits = [0.0, 0.0, 5.0, 0.0]
    z = sum(math.exp(v) for v in logits)
    out = demos.softmax_toy(logits, 2)
    assert out["probs"] == pytest.approx([math.exp(v) / z for v in logits], rel=1e-12)
    assert out["loss"] == pytest.approx(-math.log(math.exp(5) / z), rel=1e-12)
    assert demos.softmax_toy([0, 0, 0, 0], 1)["loss"] == pytest.approx(math.log(4), rel=1e-12)
    assert demos.softmax_toy(logits, 0)["loss"] > 5   # confident and wrong


@pytest.mark.parametrize("fan_in", [10, 100, 1000])
def test_fan_in_output_std_grows_like_sqrt_fan_in_unless_divided(fan_in):
    # 1000 x 200 outputs, each a sum of fan_in unit-Gaussian products: std within a few percent
    raw = demos.fan_in_demo(fan_in, divide=False)
    assert raw["y_std"] == pytest.approx(math.sqrt(fan_in), rel=0.1)
    kaiming = demos.fan_in_demo(fan_in, divide=True, gain=5 / 3)
    assert kaiming["y_std"] == pytest.approx(5 / 3, rel=0.1)


def test_normalize_five_is_the_notebooks_widget():
    out = demos.normalize_five(0.0)
    assert out["x"][0] == 0.0
    assert (round(out["mu"], 2), round(out["sigma"], 2)) == (1.56, 2.39)   # the widget's title at x0 = 0
    y = out["y"]
    mean = sum(y) / 5
    std = math.sqrt(sum((v - mean) ** 2 for v in y) / 4)   # unbiased, as x.std()
    assert mean == pytest.approx(0, abs=1e-6) and std == pytest.approx(1, abs=1e-6)


def test_linear_statistics_are_the_notebooks_cells_23_and_24():
    linear = demos.linear_statistics()
    for key, value in {"a std": 0.9876, "b std": 1.0007, "c std": 31.0124, "c grad std": 0.9783,
                       "a grad std": 30.8818, "b grad std": 0.9667}.items():
        assert linear[key] == pytest.approx(value, abs=2e-4), key
    with_bn = demos.linear_batchnorm_statistics()
    for key, value in {"x std": 31.0124, "out std": 1.0, "x grad std": 0.0315, "w grad std": 0.0312,
                       "inp grad std": 0.9953}.items():
        assert with_bn[key] == pytest.approx(value, abs=2e-4), key
