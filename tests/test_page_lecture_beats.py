"""The Lecture's chapters 11-15 and chapter 8's fourth run (issue 27), headless: their numbers are the
core's, computed on the data in use."""
import math

import pytest
from conftest import open_app_page

from makemore_core import lecture_demos as demos
from makemore_core.model import MLP
from makemore_core.stages import stage_configs
from ui import state
from ui.lecture.common import CHAPTER_KEY


def open_chapter(cid):
    return open_app_page("lecture", {CHAPTER_KEY: cid, "lecture_pick": cid}, timeout=300)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def text(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption") for e in at.get(kind))


def test_coupling_chapter_shows_the_cores_jitter_and_none_for_layernorm(dataset):
    at = open_chapter("coupling")
    config, _ = stage_configs("batchnorm", len(dataset.vocab))
    model = MLP(config)
    direct = demos.batch_coupling(state.dataset_tensors(dataset, 3)["train"][0], model.C, model.layers[0].weight)
    assert float(metric(at, "BatchNorm: the example's jitter")) == pytest.approx(direct["bn_jitter"], abs=1e-3)
    assert metric(at, "LayerNorm: the example's jitter") == "0.000"
    assert at.get("vega_lite_chart")


def test_nonlinearities_chapter_measures_the_gain():
    at = open_chapter("nonlinearities")
    assert float(metric(at, "std of tanh(x), x ~ N(0, 1)")) == pytest.approx(demos.tanh_gain()["tanh_std"], abs=1e-4)
    assert float(metric(at, "the gain that restores std 1")) == pytest.approx(1.59, abs=0.01)
    assert float(metric(at, "torch's calculate_gain('tanh')")) == pytest.approx(5 / 3, abs=1e-4)


def test_fine_print_chapter_shows_nan_for_a_batch_of_one_and_torchs_refusal():
    at = open_chapter("bn-details")
    gap, slip = (d.value for d in at.dataframe)      # the variance table, then the slip table
    assert slip["loss"].iloc[-1] == "nan" and all(math.isfinite(float(v)) for v in slip["loss"].iloc[:3])
    assert "Expected more than 1 value per channel" in text(at)
    assert (gap["difference"].abs() < 0.05).all()


def test_torch_nn_chapter_reads_the_defaults_and_pytorchs_gain():
    at = open_chapter("torch-nn")
    table = next(m.value for m in at.markdown if m.value.startswith("| layer |"))
    assert "| the lecture's own BatchNorm | `momentum` | 0.001 | 0.1 |" in table
    assert f"**{demos.torch_linear_gain():.3f}**" in text(at)


def test_closing_chapter_lists_what_was_established():
    at = open_chapter("closing")
    table = at.dataframe[0].value
    assert len(table) == 6 and "Residual connections" in text(at)
