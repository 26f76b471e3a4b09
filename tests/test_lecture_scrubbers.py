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


def test_chapter_8_spec_is_the_same_but_for_its_axes_and_the_family_is_small(deep_runs):
    specs, sizes = [], []
    for run in deep_runs.values():
        chart, spec = figs.deep_scrub_chart(run)
        assert json.dumps(figs.deep_scrub_chart(run)[1]) == json.dumps(spec)   # a rerun: the same chart
        for view in (spec["vconcat"][0]["layer"][0], *spec["vconcat"][1]["hconcat"]):   # all but the axes' ranges
            view["encoding"]["x"]["scale"].pop("domain", None), view["encoding"]["y"].get("scale", {}).pop("domain", 0)
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


def test_chapter_6_spec_depends_on_the_stages_and_the_range_only_and_starts_at_the_end():
    def curves(shift):
        return {s: {"step": [499.5 + 1000 * k for k in range(200)], "loss": [2 + shift + 1 / (k + 1) for k in range(200)]}
                for s in prepare.FIRST_HALF}
    (one, spec), (_, spec_other) = figs.loss_log_curves_chart(curves(0)), figs.loss_log_curves_chart(curves(0.5))
    low, high = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]   # fixed: a move redraws no axis
    assert low <= 2.005 and high >= 3.0
    for s in (spec, spec_other):
        s["layer"][0]["encoding"]["y"]["scale"].pop("domain")
    assert json.dumps(spec, sort_keys=True) == json.dumps(spec_other, sort_keys=True)
    assert spec["params"][0]["value"] == 199 and spec["params"][0]["bind"]["input"] == "range"
    assert one[one["m"] == 199]["note"].iloc[0].startswith("steps 199,000–199,999\noriginal 2.0050")
    assert wire_bytes(one) < MB


# ---------------------------------------------------------------- chapter 2: the first steps of two nets

@pytest.fixture(scope="module")
def first_steps(dataset, data):
    return prepare.softmax_steps(dataset, data, steps=40)


def test_chapter_2_member_at_step_7_is_the_runs_own_loss_and_logits(dataset, data, first_steps):
    import torch

    from makemore_core import diagnostics
    from makemore_core.model import MLP
    from makemore_core.stages import stage_configs
    from makemore_core.training import Trainer
    chart, _ = figs.softmax_scrub_chart(first_steps, uniform=3.2958)
    for stage in prepare.CURVE_STAGES:
        model_config, train_config = stage_configs(stage, len(dataset.vocab))
        losses = demos.early_losses(model_config, train_config, data, 8)   # the core's own run
        model = MLP(model_config)
        trainer = Trainer(model, data, train_config)
        trainer.run(steps=7)
        X, Y = data["train"]
        ix = torch.randint(0, X.shape[0], (32,), generator=trainer.g)   # the minibatch of step 7
        own = diagnostics.diagnose(model, X[ix], Y[ix], params=False)
        member = chart[(chart["stage"] == stage) & (chart["m"] == 7)].iloc[0]
        assert member["loss"] == pytest.approx(losses[7], rel=1e-6) == pytest.approx(own["loss"], rel=1e-5)
        assert member["std"] == pytest.approx(own["logits_std"], rel=1e-5)
        assert member["note"].startswith(f"step 7 · loss {losses[7]:.4f}\nlogits std {own['logits_std']:.2f} · top p ")
    top = lambda stage: chart[(chart["stage"] == stage) & (chart["m"] == 0)]["note"].iloc[0]   # noqa: E731
    assert float(top("original").split("top p ")[1]) > 0.5 > 0.1 > float(top("softmax-fix").split("top p ")[1])


def test_chapter_2_spec_does_not_depend_on_the_numbers_and_the_family_is_small(first_steps):
    doubled = {s: {k: [2 * v for v in values] for k, values in r.items()} for s, r in first_steps.items()}
    chart, spec = figs.softmax_scrub_chart(first_steps, 3.2958)
    _, other = figs.softmax_scrub_chart(doubled, 3.2958)
    assert spec["params"][0]["bind"]["max"] == 39 and spec["params"][0]["value"] == 0
    # the std axis is the family's (its top is in the spec): a learner's data set changes it, a step never does
    for s in (spec, other):
        for row in s["vconcat"][1]["hconcat"]:
            row["layer"][0]["encoding"]["y"]["scale"].pop("domain")
    assert json.dumps(spec, sort_keys=True) == json.dumps(other, sort_keys=True)
    full = {s: {k: v * 25 for k, v in r.items()} for s, r in first_steps.items()}   # as long as the chapter's 1,000
    assert wire_bytes(figs.softmax_scrub_chart(full, 3.2958)[0]) < MB


# ---------------------------------------------------------------- chapter 10: the BatchNorm widget

def test_chapter_10_member_at_5_5_is_a_float64_normalization():
    from ui.lecture.ch10_bonus import X0S
    family = [(x0, demos.normalize_five(x0)) for x0 in X0S]
    chart, spec = figs.normalize_chart(family)
    x = np.array(demos.five_values(), dtype=np.float64)
    x[0] = 5.5
    oracle = (x - x.mean()) / x.std(ddof=1)   # the widget's rule: the unbiased std, no eps
    member = chart[chart["at"] == 5.5]
    points = lambda kind: member[member["point"] == kind]["value"].to_numpy()   # noqa: E731
    np.testing.assert_allclose(points("normalized"), oracle, atol=1e-5)
    assert list(points("the moved input")) == [5.5]
    assert f"mean {x.mean():.2f}, std {x.std(ddof=1):.2f}" in member[member["part"] == "note"]["note"].iloc[0]
    bind = spec["params"][0]["bind"]
    assert (bind["min"], bind["max"], bind["step"], len(X0S)) == (-30, 30, 0.5, 121)
    assert wire_bytes(chart) < MB
    again = figs.normalize_chart(family[::-1])[1]   # the spec is the slider's, not the numbers'
    assert json.dumps(again, sort_keys=True) != "" and again["layer"] == spec["layer"]
