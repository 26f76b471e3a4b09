"""The Lecture's scrubbers (issue 25, item 3): a member picked from a chapter's family holds the core's own
numbers for that setting, the chart's spec does not depend on the numbers (a rerun or another run swaps data,
never the chart), and the family is small enough to send with the chart."""
import json

import numpy as np
import pytest

from makemore_core import lecture_demos as demos
from makemore_core import prepare
from makemore_core.model import ModelConfig
from ui.figures import lecture as figs
from ui.figures.vega import wire_bytes

MB = 1_000_000


def histogram(rows):
    """A packed histogram row (ui.figures.vega.packed) as the chart draws it: (bin centres, densities)."""
    row = rows.iloc[0]
    y = np.array([float(v) for v in row["ys"].split(",")])
    return row["x0"] + np.arange(len(y)) * row["dx"], y


# ---------------------------------------------------------------- chapter 8: the deep net's statistics steps

@pytest.fixture(scope="module")
def deep_runs(dataset, data):
    """Chapter 8's first and third runs, as `prepare` stores them."""
    return {run: prepare.deep_after(dataset, data, *run) for run in list(prepare.DEEP_RUNS.values())[0:3:2]}


def test_chapter_8_member_at_step_500_is_the_core_trainers_step_500(dataset, data, deep_runs):
    run = next(iter(deep_runs.values()))
    chart, spec = figs.deep_scrub_chart(run)
    trainer = demos.deep_net_after(ModelConfig(vocab_size=len(dataset.vocab)), data, stats_every=25)
    own = dict(trainer.stats)[500]
    m = run["steps"].index(500)
    assert run["history"][m]["step"] == 500
    at = chart[chart["m"] == m]
    assert f"step 500 · minibatch loss {own['loss']:.4f}" in at[at["view"] == "note"]["note"].iloc[0]
    for r in own["layers"]:
        for view, field in (("act", "hist"), ("grad", "grad_hist")):
            x, y = histogram(at[(at["view"] == view) & (at["line"] == r["label"])])
            np.testing.assert_allclose(x, r[field]["x"], rtol=1e-6, atol=1e-12)
            np.testing.assert_allclose(y, r[field]["density"], rtol=1e-4, atol=1e-9)   # 5 significant digits
    for p in own["params"]:
        if p["ndim"] == 2:
            got = at[(at["view"] == "ud") & (at["weight"] == p["name"])]["y"].iloc[0]
            assert got == pytest.approx(p["update_to_data"], abs=1e-9)


def test_chapter_8_last_member_is_what_the_chapter_showed_at_step_1000(deep_runs):
    for run in deep_runs.values():
        chart, spec = figs.deep_scrub_chart(run)
        last = len(run["history"]) - 1
        assert run["steps"][last] == demos.DEBUG_STEPS - 1 and spec["params"][0]["value"] == last
        for r in run["last"]["layers"]:   # the notebook's cells 15-16 read these
            y = histogram(chart[(chart["m"] == last) & (chart["view"] == "act") & (chart["line"] == r["label"])])[1]
            np.testing.assert_allclose(y, r["hist"]["density"], rtol=1e-4, atol=1e-9)
        assert [r["std"] for r in run["history"][last]["layers"]] == [r["std"] for r in run["last"]["layers"]]


def test_chapter_8_spec_is_one_for_every_run_and_the_family_is_small(deep_runs):
    specs, sizes = [], []
    for run in deep_runs.values():
        chart, spec = figs.deep_scrub_chart(run)
        specs.append(json.dumps(spec, sort_keys=True))
        sizes.append(wire_bytes(chart))
    assert specs[0] == specs[1]
    assert max(sizes) < MB, sizes
    bind = json.loads(specs[0])["params"][0]["bind"]
    assert bind["input"] == "range" and bind["max"] == 40 and bind["name"] == "Statistics step (drag)"


# ---------------------------------------------------------------- chapter 6: the loss log's curves

def test_chapter_6_cursor_reads_the_mean_loss_of_the_runs_own_steps(dataset, data):
    from makemore_core import lossbook
    from makemore_core.model import MLP
    from makemore_core.stages import stage_configs
    from makemore_core.training import Trainer
    stored = lossbook.run_stage(dataset, "kaiming", 400)   # what the loss log keeps: 200 slices of 2 steps
    chart, spec = figs.loss_log_curves_chart({"kaiming": stored["curve"]})
    model_config, train_config = stage_configs("kaiming", len(dataset.vocab), steps=400)
    own = Trainer(MLP(model_config), data, train_config).run().losses   # the lecture's own step (eager)
    m = 150
    member = chart[(chart["m"] == m) & (chart["stage"] == "kaiming")]
    assert member["x"].iloc[0] == pytest.approx(300.5)
    assert member["y"].iloc[0] == pytest.approx(sum(own[300:302]) / 2, abs=1e-4)   # fast engine vs eager: ~1e-5
    note = chart[(chart["m"] == m) & (chart["stage"] == "")]["note"].iloc[0]
    assert note == f"steps 300–301\nkaiming {member['y'].iloc[0]:.4f}"


def test_chapter_6_spec_depends_on_the_stages_only_and_starts_at_the_end():
    def curves(shift):
        return {s: {"step": [499.5 + 1000 * k for k in range(200)], "loss": [2 + shift + 1 / (k + 1) for k in range(200)]}
                for s in prepare.FIRST_HALF}
    (one, spec), (_, spec_other) = figs.loss_log_curves_chart(curves(0)), figs.loss_log_curves_chart(curves(0.5))
    assert json.dumps(spec, sort_keys=True) == json.dumps(spec_other, sort_keys=True)
    assert spec["params"][0]["value"] == 199 and spec["params"][0]["bind"]["input"] == "range"
    assert one[one["m"] == 199]["note"].iloc[0].startswith("steps 199,000–199,999\noriginal 2.0050")
    assert wire_bytes(one) < MB
