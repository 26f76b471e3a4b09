"""The Initialization lab's logic without a browser: settings -> ModelConfig, the one code path shared
with `python -m makemore_core stats`, hints, the BatchNorm explainer and the figures."""
import io
import json
import math
from contextlib import redirect_stdout

import numpy as np
import plotly.io as pio
import pytest
import torch

from makemore_core import cli, diagnostics
from makemore_core.data import Dataset
from makemore_core.layers import BatchNorm1d
from makemore_core.stages import STAGES, stage_configs
from ui import init_lab as lab
from ui import lab_hints
from ui.figures import init_lab as figs

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

DATA = "data/names.txt"


@pytest.fixture(scope="module")
def train(default_names):
    X, Y = Dataset.from_path(default_names).tensors(3)["train"]
    return X, Y


def compute(settings, train, ix=None):
    return lab.compute(settings, *train, vocab_size=27, device="cpu", ix=ix)


def preset(name, **changes):
    return {**lab.PRESETS[name]["settings"], **changes}


def cli_stats(settings, default_names):
    out = io.StringIO()
    args = lab.cli_args(settings, str(default_names)) + ["--device", "cpu", "--json"]
    with redirect_stdout(out):
        assert cli.main(args) == 0
    return json.loads(out.getvalue())


def assert_close(a, b, path="stats"):
    """Equal structure, floats equal to float32 noise (the CLI and the lab may use different thread counts)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-4, abs=1e-9), path
    else:
        assert a == b, path


# ---------------------------------------------------------------- settings

def test_defaults_are_the_lecture_deep_net():
    config = lab.model_config(lab.DEFAULTS, 27)
    assert (config.hidden_layers, config.n_hidden, config.n_embd, config.block_size) == (5, 100, 10, 3)
    assert config.batchnorm and config.bias is None and config.gain == 1.0 and config.soften_last == 0.1
    from makemore_core.model import MLP
    assert MLP(config).num_parameters() == 47_024


def test_bias_choice_maps_to_bias_and_its_init():
    for choice, bias, init in [("auto", None, "zeros"), ("zeros", True, "zeros"), ("randn", True, "randn"),
                               ("off", False, "zeros")]:
        config = lab.model_config({**lab.DEFAULTS, "bias": choice}, 27)
        assert (config.bias, config.bias_init) == (bias, init)


def test_original_init_preset_is_the_unfixed_init():
    config = lab.model_config(lab.PRESETS["Original init"]["settings"], 27)
    assert not config.fan_in_scaling and config.bias is True and config.bias_init == "randn"
    assert config.soften_last == 1.0 and not config.batchnorm


def test_every_preset_sets_every_control():
    assert len(lab.PRESETS) == 9
    for p in lab.PRESETS.values():
        assert p["settings"].keys() == lab.DEFAULTS.keys()
    gains = {(p["settings"]["batchnorm"], p["settings"]["nonlinearity"], p["settings"]["gain"])
             for p in lab.PRESETS.values()}
    for g in (lab.TANH_GAIN, 1.0, 0.5, 3.0):
        assert (False, "tanh", g) in gains
    assert (False, "none", lab.TANH_GAIN) in gains and (False, "none", 1.0) in gains
    assert (False, "tanh", lab.TORCH_GAIN) in gains and lab.gain_label(lab.TORCH_GAIN) == "√(1/3)"


def test_pytorch_default_preset_has_nn_linears_weight_std():
    layer = torch.nn.Linear(1000, 1000, dtype=torch.float64)   # its own init: kaiming_uniform_(a=√5)
    assert float(layer.weight.std()) * 1000 ** 0.5 == pytest.approx(lab.TORCH_GAIN, rel=0.01)


def test_gain_choices_include_the_marks():
    assert 1.0 in lab.GAINS and lab.TANH_GAIN in lab.GAINS and lab.GAINS[0] == 0 and lab.GAINS[-1] == 5
    assert lab.gain_label(lab.TANH_GAIN) == "5/3" and lab.gain_label(0.5) == "0.5"


def test_compare_shares_seed_and_batch_of_a():
    a = {**lab.DEFAULTS, "seed": 7, "batch_size": 64}
    b = lab.compared_settings({**lab.DEFAULTS, "seed": 1, "batch_size": 8, "gain": 3.0}, a)
    assert (b["seed"], b["batch_size"], b["gain"]) == (7, 64, 3.0)


# ---------------------------------------------------------------- one code path with the CLI

CLI_CASES = [
    lab.DEFAULTS,
    preset("No BN, gain 5/3"),
    preset("Original init"),
    preset("Linear only, gain 1"),
    {**lab.DEFAULTS, "nonlinearity": "relu", "hidden_layers": 3, "n_hidden": 50, "batch_size": 64, "seed": 7, "bias": "off",
     "batchnorm": False, "soften_last": 0.5, "n_embd": 4, "block_size": 5},
]


@pytest.mark.parametrize("settings", CLI_CASES, ids=["default", "gain53", "original", "linear", "relu-small"])
def test_lab_numbers_equal_stats_command(settings, default_names):
    X, Y = Dataset.from_path(default_names).tensors(settings["block_size"])["train"]
    mine = diagnostics.without_histograms(lab.compute(settings, X, Y, 27, "cpu")["stats"])
    assert_close(mine, cli_stats(settings, default_names))


def test_minibatch_is_drawn_after_the_weights_from_the_seed_generator(train):
    X, Y = train
    model, _, ix = lab.diagnose_minibatch(lab.model_config(lab.DEFAULTS, 27), X, Y, 32)
    from makemore_core.model import MLP
    fresh = MLP(lab.model_config(lab.DEFAULTS, 27))
    assert torch.equal(ix, torch.randint(0, X.shape[0], (32,), generator=fresh.generator))


def test_b_on_a_minibatch(train):
    a = compute(lab.DEFAULTS, train)
    b_own = compute({**lab.DEFAULTS, "hidden_layers": 2}, train)
    b_on_a = compute({**lab.DEFAULTS, "hidden_layers": 2}, train, ix=torch.as_tensor(a["ix"]))
    assert np.array_equal(b_on_a["ix"], a["ix"])
    assert not np.array_equal(b_own["ix"], a["ix"])  # a shallower net leaves the generator elsewhere
    assert b_on_a["stats"]["loss"] != b_own["stats"]["loss"]


# ---------------------------------------------------------------- what the numbers do

def stds(result):
    return [r["std"] for r in result["stats"]["layers"]]


def test_activations_shrink_with_depth_at_gain_half_without_batchnorm(train):
    s = stds(compute(preset("No BN, gain 0.5", hidden_layers=8), train))
    assert all(b < a for a, b in zip(s, s[1:])) and s[-1] < 0.05 * s[0]


def test_saturation_grows_with_gain(train):
    sat = {g: max(r["saturation_pct"] for r in compute(preset("No BN, gain 1", gain=g), train)["stats"]["layers"])
           for g in (1.0, 3.0)}
    assert sat[3.0] > 30 > 5 > sat[1.0]


def test_batchnorm_keeps_the_spread_whatever_the_gain(train):
    for gain in (0.5, 3.0):
        s = stds(compute({**lab.DEFAULTS, "gain": gain}, train))
        assert max(s) - min(s) < 0.05


def test_original_init_has_a_huge_loss_and_a_verdict(train):
    stats = compute(preset("Original init"), train)["stats"]
    assert stats["loss"] > 5 * stats["uniform_loss"]
    level, text = lab_hints.loss_verdict(stats["loss"], stats["uniform_loss"])
    assert level == "bad" and "confidently wrong" in text
    assert lab_hints.loss_verdict(3.29, math.log(27))[0] == "good"
    assert lab_hints.loss_verdict(4.0, math.log(27))[0] == "warn"
    assert lab_hints.loss_verdict(float("nan"), math.log(27))[0] == "bad"


def test_hints_read_the_numbers(train):
    def text(name, **changes):
        return " ".join(t for _, t in lab_hints.hints(compute(preset(name, **changes), train)))
    assert "shrink layer by layer" in text("No BN, gain 0.5")
    assert "saturated" in text("No BN, gain 3") and "Lower the gain" in text("No BN, gain 3")
    assert "std of the logits" in text("Original init") and "fan-in scaling" in text("Original init")
    assert "grow layer by layer" in text("Linear only, gain 5/3")
    assert "last layer's grad:data" in text("No BN, gain 5/3")
    assert [lvl for lvl, _ in lab_hints.hints(compute(lab.DEFAULTS, train))] == ["good"]


def test_layer_views_saturation_image_and_dead_neurons(train):
    result = compute(preset("No BN, gain 3", batch_size=16, n_hidden=50), train)
    views = result["views"]
    assert [v["block"] for v in views] == [1, 2, 3, 4, 5]
    for v, row in zip(views, result["stats"]["layers"]):
        assert v["image"].shape == (16, 50) and v["label"] == row["label"]
        assert v["flat_pct"] == pytest.approx(v["image"].mean() * 100)
        assert v["dead"] == int(v["image"].all(axis=0).sum())
        assert v["pre_std"] > 1.5  # a wide pre-activation is what saturates tanh
    relu = compute({**lab.DEFAULTS, "nonlinearity": "relu", "batchnorm": False, "gain": 0.0}, train)
    assert all(v["dead"] == 100 for v in relu["views"])  # gain 0: every ReLU input is 0, every neuron dead
    assert all(v["image"] is None for v in compute(preset("Linear only, gain 1"), train)["views"])


def test_batchnorm_demo_matches_the_core_layer():
    values = [-1.0, 0.0, 0.5, 4.0]
    xhat, out, mean, std = lab.batchnorm_demo(values, gamma=2.0, beta=0.5)
    x = torch.tensor(values)
    assert mean == pytest.approx(float(x.mean())) and std == pytest.approx(float(x.std()))
    assert sum(xhat) == pytest.approx(0, abs=1e-5) and float(torch.tensor(xhat).std()) == pytest.approx(1, abs=1e-4)
    bn = BatchNorm1d(1)
    bn.gamma, bn.beta = torch.tensor([2.0]), torch.tensor([0.5])
    assert out == pytest.approx(bn(x.view(-1, 1)).view(-1).tolist(), abs=1e-6)
    assert out == pytest.approx([2 * h + 0.5 for h in xhat], abs=1e-5)


# ---------------------------------------------------------------- figures

def test_figures_have_the_lecture_legend_and_serialize(train):
    a, b = compute(lab.DEFAULTS, train), compute(preset("No BN, gain 3"), train)
    rows = [("A", a["stats"]["layers"], True), ("B", b["stats"]["layers"], False)]
    data, _ = figs.histogram_chart([("", b["stats"]["layers"], False)])
    assert list(dict.fromkeys(data["line"])) == ["layer 1 (Tanh)", "layer 3 (Tanh)", "layer 5 (Tanh)",
                                                 "layer 7 (Tanh)", "layer 9 (Tanh)"]
    both, _ = figs.histogram_chart(rows, "grad_hist", "init_grad_chart", "gradient value")
    assert both.groupby("net")["line"].nunique().to_dict() == {"A": 5, "B": 5}   # a line per tanh layer
    assert set(both[both["net"] == "A"]["stroke"]) == {"dashed"}
    assert set(both[both["net"] == "B"]["stroke"]) == {"solid"}
    view = b["views"][0]
    for f in [figs.weight_grad_figure([("", b["stats"]["params"], False)]),
              figs.saturation_figure(view["image"], view["label"]),
              figs.preactivation_figure([("", view, False)], "tanh")]:
        spec = json.loads(pio.to_json(f.to_dict(), validate=False))
        assert spec["data"] and isinstance(spec["layout"]["template"], dict)  # the template itself, not a name


def test_the_charts_a_step_redraws_keep_their_spec(train):
    """A slider step changes the numbers, not the spec: the browser then swaps the data in the drawn chart
    instead of drawing it anew (ui/figures/vega.py). The legend's names, A dashed, the uniform guess."""
    lo, hi = compute(preset("No BN, gain 1"), train), compute(preset("No BN, gain 3"), train)
    for make in [lambda r: figs.histogram_chart([("", r["stats"]["layers"], False)]),
                 lambda r: figs.histogram_chart([("", r["stats"]["layers"], False)], "grad_hist", "init_grad_chart"),
                 lambda r: figs.logits_chart([("", r["stats"], False)]),
                 lambda r: figs.loss_chart([("", r["stats"]["loss"])], math.log(27), 27)]:
        (data_lo, spec_lo), (data_hi, spec_hi) = make(lo), make(hi)
        assert spec_lo == spec_hi and not data_lo.equals(data_hi)
        json.dumps(spec_lo)   # what Streamlit sends
    data, spec = figs.histogram_chart([("A", lo["stats"]["layers"], True), ("B", hi["stats"]["layers"], False)])
    lines = spec["layer"][0]["encoding"]
    assert lines["color"]["scale"]["domain"][0] == "layer 1 (Tanh)" and len(lines["color"]["scale"]["domain"]) == 5
    dash = dict(zip(lines["strokeDash"]["scale"]["domain"], lines["strokeDash"]["scale"]["range"]))
    assert dash["dashed"] != dash["solid"] and set(data["net"]) == {"A", "B"}
    assert set(data[data["net"] == "A"]["stroke"]) == {"dashed"}   # the rows' flag: A (pinned) is dashed
    data, spec = figs.loss_chart([("", 3.3)], math.log(30), 30)
    assert [layer["encoding"]["x"]["datum"] for layer in spec["layer"] if "datum" in layer["encoding"]["x"]] == \
        [pytest.approx(math.log(30))]
    assert spec["usermeta"]["uniform"] == "−ln(1/30) = 3.4012" and list(data["text"]) == ["3.3000"]
    assert figs.logits_summary([("A", lo["stats"], True), ("B", hi["stats"], False)]).startswith("A: std ")


def test_describe_names_presets_and_differences():
    assert lab.describe(lab.PRESETS["Original init"]["settings"]) == "Original init"
    text = lab.describe({**lab.DEFAULTS, "gain": lab.TANH_GAIN, "hidden_layers": 7, "fan_in_scaling": False})
    assert text.startswith("gain 5/3, depth 7") and "no fan-in scaling" in text


def test_relu_hints_name_dead_neurons_not_the_normal_half_of_zeros(train):
    relu = {**lab.DEFAULTS, "nonlinearity": "relu", "batchnorm": False}
    texts = [t for _, t in lab_hints.hints(compute({**relu, "gain": 1.0}, train))]
    assert any("dead" in t for t in texts) and any("√2" in t for t in texts)
    assert not any("are 0" in t for t in texts)  # ~50% zeros is what a ReLU does
    assert [lvl for lvl, _ in lab_hints.hints(compute({**relu, "batchnorm": True}, train))] == ["good"]


# ---------------------------------------------------------------- the lecture's stages

@pytest.mark.parametrize("stage", STAGES)
def test_stage_settings_build_the_stage_and_keep_it_until_an_init_control_moves(stage):
    settings = lab.stage_settings(stage, 27)
    assert lab.model_config(settings, 27) == stage_configs(stage, 27)[0]
    assert lab.keeps_stage(settings, 27)
    assert lab.keeps_stage({**settings, "n_hidden": 500, "seed": 1}, 27)        # sizes and seed: overrides
    assert lab.model_config({**settings, "n_hidden": 50}, 27) == stage_configs(stage, 27, n_hidden=50)[0]
    assert not lab.keeps_stage({**settings, "gain": 3.0}, 27)                 # an init control: leaves it
    assert lab.describe(settings) == f"stage {stage}"


@pytest.mark.parametrize("stage", ["original", "batchnorm"])
def test_stage_in_the_lab_equals_the_cli_stats_command(stage, train, default_names):
    settings = lab.stage_settings(stage, 27)
    mine = diagnostics.without_histograms(lab.compute(settings, *train, 27, "cpu")["stats"])
    theirs = cli_stats(settings, default_names)
    assert theirs.pop("stage") == stage
    assert_close(mine, theirs)


def test_gain_0_is_not_called_fine(train):
    # issue 12: gain 0 (every activation exactly 0) was "fine, a steady spread"
    result = compute({**lab.DEFAULTS, "gain": 0.0}, train)
    assert all(r["std"] == 0 for r in result["stats"]["layers"])
    hints = lab_hints.hints(result)
    assert hints[0][0] == "bad" and "exactly 0" in hints[0][1]
    assert "steady spread" not in " ".join(t for _, t in hints)
    assert lab_hints.verdict(result, hints)[0] == "bad"


def test_verdict_is_not_fine_beside_a_saturated_layer(train):
    # issue 12: "Verdict: fine" stood beside "problem: 48 % saturated"
    result = compute(preset("No BN, gain 3"), train)
    stats, hints = result["stats"], lab_hints.hints(result)
    assert lab_hints.loss_verdict(stats["loss"], stats["uniform_loss"])[0] == "good"   # the loss alone looks right
    assert any(lvl == "bad" and "saturated" in t for lvl, t in hints)
    level, text = lab_hints.verdict(result, hints)
    assert level == "bad" and "not healthy" in text
    assert lab_hints.verdict(compute(lab.DEFAULTS, train), lab_hints.hints(compute(lab.DEFAULTS, train)))[0] == "good"
