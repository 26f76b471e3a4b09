"""The scrubbers' families (issue 25): a member picked from a family holds the core's own numbers for that
setting, the chart's spec does not depend on the numbers (so a rerun swaps data, never the chart), and a
family's data stays small enough to send with the chart."""
import json

import numpy as np
import pytest

from makemore_core.data import Dataset
from ui import init_lab as lab
from ui.figures import init_lab as figs
from ui.figures.vega import wire_bytes

MB = 1_000_000


@pytest.fixture(scope="module")
def train(default_names):
    return Dataset.from_path(default_names).tensors(3)["train"]


def member(data, m, view, line=None):
    rows = data[(data["view"] == view) & (data["m"] == m)]
    return rows if line is None else rows[rows["line"] == line]


def histogram(rows):
    """A packed histogram row (ui.figures.vega.packed) as the chart draws it: (bin centres, densities)."""
    row = rows.iloc[0]
    y = np.array([float(v) for v in row["ys"].split(",")])
    return row["x0"] + np.arange(len(y)) * row["dx"], y


@pytest.mark.parametrize("batchnorm", [True, False])
def test_lab_family_member_at_5_3_is_the_labs_own_computation(train, batchnorm):
    settings = {**lab.DEFAULTS, "batchnorm": batchnorm}
    gains = lab.family_gains(1.0)
    members = lab.setting_family(settings, "gain", gains, *train, vocab_size=27)
    data, _ = figs.gain_scrub_chart(members, gains, gains.index(1.0), names=[lab.gain_label(g) for g in gains])
    m = gains.index(lab.TANH_GAIN)
    own = lab.compute({**settings, "gain": lab.TANH_GAIN}, *train, vocab_size=27)["stats"]
    loss_row = member(data, m, "loss")
    assert loss_row["x"].iloc[0] == pytest.approx(5 / 3, rel=1e-6)
    assert loss_row["y"].iloc[0] == pytest.approx(own["loss"], rel=1e-6)
    assert "gain 5/3" in loss_row["note"].iloc[0] and f"{own['loss']:.4f}" in loss_row["note"].iloc[0]
    pairs = lambda v: np.asarray(v, dtype=float).reshape(-1, 2).mean(axis=1)   # noqa: E731 - the scrubber's bins
    for r in own["layers"]:
        (ax, ay), (gx, gy) = histogram(member(data, m, "act", r["label"])), histogram(member(data, m, "grad", r["label"]))
        np.testing.assert_allclose(ax, pairs(r["hist"]["x"]), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(ay, pairs(r["hist"]["density"]), rtol=1e-4)   # 5 significant digits
        np.testing.assert_allclose(gx, pairs(r["grad_hist"]["x"]), rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(gy, pairs(r["grad_hist"]["density"]), rtol=1e-4)
        assert member(data, m, "sat", r["label"])["y"].iloc[0] == pytest.approx(r["saturation_pct"], abs=1e-4)
        widths = (ax[1] - ax[0], r["hist"]["x"][1] - r["hist"]["x"][0])
        assert widths[0] == pytest.approx(2 * widths[1]) and ay.sum() * widths[0] == pytest.approx(
            np.sum(r["hist"]["density"]) * widths[1], rel=1e-4)   # half the bins, the same area
    np.testing.assert_allclose(histogram(member(data, m, "logits"))[1], pairs(own["logits_hist"]["density"]), rtol=1e-4)
    # and the gain matters without BatchNorm: 3 saturates tanh far more than 0.5
    if not batchnorm:
        sat = lambda g: member(data, gains.index(g), "sat")["y"].max()   # noqa: E731
        assert sat(3.0) > sat(0.5) + 20


def test_lab_family_spec_is_the_same_for_other_numbers_and_data_is_small(train):
    gains = lab.family_gains(1.0)
    specs, sizes = [], []
    for seed in (1, 2):
        settings = {**lab.DEFAULTS, "batchnorm": False, "seed": seed}
        data, spec = figs.gain_scrub_chart(lab.setting_family(settings, "gain", gains, *train, 27), gains, gains.index(1.0))
        specs.append(json.dumps(spec, sort_keys=True))
        sizes.append(wire_bytes(data))
    assert specs[0] == specs[1]
    assert len(gains) == len(lab.SCRUB_GAINS) > 60 and max(sizes) < MB, sizes
    spec = json.loads(specs[0])
    scrubber = spec["vconcat"][0]["layer"][0]["params"][0]
    assert scrubber["bind"]["input"] == "range" and scrubber["bind"]["max"] == len(gains) - 1
    assert scrubber["value"] == gains.index(1.0)


def test_lab_family_beyond_3_and_in_compare(train):
    gains = lab.family_gains(4.0)
    assert gains[-1] == 4.0 and lab.TANH_GAIN in gains and len(gains) == len(lab.SCRUB_GAINS) + 1
    pinned = lab.compute(lab.DEFAULTS, *train, vocab_size=27)
    ix = pinned["ix"]
    import torch
    members = lab.setting_family({**lab.DEFAULTS, "batchnorm": False}, "gain", gains[:3], *train, 27, ix=torch.as_tensor(ix))
    data, spec = figs.gain_scrub_chart(members, gains[:3], 0, pinned=pinned["stats"])
    assert member(data, -1, "loss")["y"].iloc[0] == pytest.approx(pinned["stats"]["loss"], rel=1e-6)
    assert set(member(data, -1, "act")["stroke"]) == {"dashed"} and len(member(data, -1, "act")) == 5
    assert "dashed: A" in json.dumps(spec)


@pytest.mark.parametrize("batchnorm", [True, False])
def test_softening_family_member_is_the_labs_own_computation(train, batchnorm):
    """The member at 0.37 (and at 1) holds what the lab computes with that softening: the loss, the logits'
    std and histogram; softer is closer to the uniform guess."""
    settings = {**lab.DEFAULTS, "batchnorm": batchnorm}
    values = lab.family_softenings(0.1)
    members = lab.setting_family(settings, "soften_last", values, *train, vocab_size=27)
    data, spec = figs.soften_scrub_chart(members, values, values.index(0.1))
    for value in (0.37, 1.0):
        m = values.index(value)
        own = lab.compute({**settings, "soften_last": value}, *train, vocab_size=27)["stats"]
        loss_row = member(data, m, "loss")
        assert loss_row["x"].iloc[0] == pytest.approx(value) and loss_row["y"].iloc[0] == pytest.approx(own["loss"], rel=1e-6)
        assert f"softening {value:g} · initial loss {own['loss']:.4f}" in loss_row["note"].iloc[0]
        assert member(data, m, "std")["y"].iloc[0] == pytest.approx(own["logits_std"], rel=1e-6)
        x, y = histogram(member(data, m, "logits"))
        np.testing.assert_allclose(x, own["logits_hist"]["x"], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(y, own["logits_hist"]["density"], rtol=1e-4)
    loss = lambda v: member(data, values.index(v), "loss")["y"].iloc[0]   # noqa: E731
    assert abs(loss(0.0) - np.log(27)) < 1e-4 and loss(1.0) > loss(0.1)
    scrubber = spec["vconcat"][0]["layer"][0]["params"][0]
    assert scrubber["bind"]["max"] == len(values) - 1 == 100 and scrubber["value"] == 10
    assert wire_bytes(data) < MB


def test_softening_family_spec_is_the_same_for_other_numbers_and_off_grid_start(train):
    values = lab.family_softenings(0.333)
    assert len(values) == 102 and 0.333 in values
    specs = []
    for seed in (1, 2):
        settings = {**lab.DEFAULTS, "seed": seed}
        members = lab.setting_family(settings, "soften_last", values[:4], *train, vocab_size=27)
        specs.append(json.dumps(figs.soften_scrub_chart(members, values[:4], 2)[1], sort_keys=True))
    assert specs[0] == specs[1]


def test_batchnorm_family_member_is_a_batchnorm1d_on_that_batch():
    """The explainer's member where the orange value is 2.3, at γ 1.7 and β -0.4: the batch through the core's
    BatchNorm1d (training mode: the batch's mean and unbiased variance), the chart's rows at that member."""
    import torch

    from makemore_core.layers import BatchNorm1d
    gamma, beta = 1.7, -0.4
    members = lab.batchnorm_family(gamma, beta)
    data, spec = figs.batchnorm_scrub_chart(members, lab.BN_MOVED.index(1.6), gamma, beta)
    m = lab.BN_MOVED.index(2.3)
    batch = torch.tensor([*lab.BN_VALUES[:-1], 2.3]).view(-1, 1)
    bn = BatchNorm1d(1)
    bn.gamma, bn.beta = torch.tensor([gamma]), torch.tensor([beta])
    expected = bn(batch).view(-1).numpy()
    rows = data[data["m"] == m].set_index("stage")
    values = lambda stage: np.array([float(v) for v in rows.loc[stage, "vs"].split(",")])   # noqa: E731
    np.testing.assert_allclose(values(figs.BN_STAGES[0]), batch.view(-1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(values(figs.BN_STAGES[2]), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(values(figs.BN_STAGES[1]), (expected - beta) / gamma, rtol=1e-4, atol=1e-5)
    assert rows.loc[figs.BN_STAGES[0], "centre"] == pytest.approx(float(batch.mean()), abs=1e-6)
    assert rows.loc[figs.BN_STAGES[0], "hi"] - rows.loc[figs.BN_STAGES[0], "centre"] == pytest.approx(float(batch.std()), rel=1e-5)
    assert rows.loc[figs.BN_STAGES[0], "note"].startswith("x = +2.3 · batch mean")
    scrubber = spec["layer"][0]["params"][0]
    assert scrubber["bind"]["max"] == 120 and scrubber["value"] == lab.BN_MOVED.index(1.6)
    other = figs.batchnorm_scrub_chart(lab.batchnorm_family(0.5, 1.0), 3, 0.5, 1.0)[1]
    assert json.dumps(other, sort_keys=True) == json.dumps(figs.batchnorm_scrub_chart(members, 3, gamma, beta)[1],
                                                           sort_keys=True)   # γ, β: new data, the same spec
