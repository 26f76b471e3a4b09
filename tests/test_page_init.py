"""The Initialization lab page, headless (AppTest): presets, the direction the statistics move, the
uniform-guess line for the vocabulary in use, Compare, persistence, and which rerun a step gets."""
import json
import math

import pytest
from conftest import ROOT, open_app_page, redraw, vega_chart

from ui import init_lab as lab

PAGE = "pages/init.py"


def open_lab(session=None):
    return open_app_page(PAGE, session)


@pytest.fixture(scope="module")
def at():
    return open_lab()


def metric(at, label):
    return float(next(m.value for m in at.metric if m.label == label))


def activation_table(at, which=0):
    """The mean / std / saturated % table of the Activations tab (A then B in Compare)."""
    tables = [t.value for t in at.table if "saturated %" in t.value.columns]
    return tables[which]


def plotly_figure(at, key):
    return json.loads(next(c for c in at.get("plotly_chart") if key in c.proto.id).proto.spec)


def chart_names(at):
    return [json.loads(c.proto.spec)["usermeta"]["chart"] for c in at.get("vega_lite_chart")]


def click_preset(at, name):
    redraw(at)   # the presets are on screen even after a step that redrew the results only
    at.button(key=f"init_preset_{list(lab.PRESETS).index(name)}").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_page_renders_the_lecture_net(at):
    assert at.title[0].value == "Initialization lab"
    assert metric(at, "Uniform guess") == pytest.approx(math.log(27), abs=1e-4)
    assert 3.0 < metric(at, "Initial loss") < 3.5
    table = activation_table(at)
    assert list(table["layer"]) == ["layer 2 (Tanh)", "layer 5 (Tanh)", "layer 8 (Tanh)", "layer 11 (Tanh)",
                                    "layer 14 (Tanh)"]
    assert chart_names(at) == ["init_loss_chart", "init_logits_chart", "init_scrub_chart",
                               "init_act_chart"]   # and the open tab's only
    assert any("verdict" in m.value.lower() for m in at.markdown)


@pytest.mark.parametrize("name", list(lab.PRESETS))
def test_every_preset_renders_its_settings(at, name):
    click_preset(at, name)
    expected = lab.PRESETS[name]["settings"]
    assert at.select_slider(key="init_gain").value == expected["gain"]
    assert at.toggle(key="init_batchnorm").value == expected["batchnorm"]
    assert at.radio(key="init_nonlinearity").value == expected["nonlinearity"]
    assert at.session_state[lab.SETTINGS_KEY] == expected
    assert any(name in i.value for i in at.info)  # the preset's explanation
    loss = metric(at, "Initial loss")
    if name == "Original init":
        assert loss > 5 * math.log(27)
        assert any("confidently wrong" in m.value for m in at.markdown)
    else:
        assert loss < 1.5 * math.log(27)


def drawn_keys(at):
    return {getattr(e, "key", None) for kind in ("slider", "select_slider", "button", "toggle") for e in getattr(at, kind)}


def note_shown(at):
    return any("Without the 5/3 boost" in i.value for i in at.info)


def test_a_control_step_redraws_the_results_only_unless_the_controls_change():
    at = open_lab()
    at.select_slider(key="init_gain").set_value(1.5).run()   # nothing above the results changes
    assert "init_gain" not in drawn_keys(at) and "init_preset_0" not in drawn_keys(at)
    assert metric(at, "Initial loss") > 0 and "1.5" in str(at.query_params["gain"])   # results and address
    redraw(at)
    assert at.select_slider(key="init_gain").value == 1.5

    click_preset(at, "No BN, gain 1")
    at.select_slider(key="init_gain").set_value(1.05).run()  # the preset's note goes: the whole lab
    assert "init_gain" in drawn_keys(at) and not note_shown(at)
    at.select_slider(key="init_gain").set_value(1.0).run()   # and comes back: the whole lab again
    assert "init_preset_0" in drawn_keys(at) and note_shown(at)

    at.selectbox(key="init_stage").set_value("kaiming").run()
    at.slider(key="init_hidden_layers").set_value(3).run()           # with a stage set: the whole lab
    assert "init_hidden_layers" in drawn_keys(at) and at.selectbox(key="init_stage").value == "kaiming"
    at.select_slider(key="init_gain").set_value(2.0).run()   # a control the stage fixes: the stage is left
    assert at.selectbox(key="init_stage").value is None and "stage" not in at.query_params


def test_depth_shrinks_activations_at_gain_half_without_batchnorm(at):
    click_preset(at, "No BN, gain 0.5")
    at.slider(key="init_hidden_layers").set_value(2).run()
    shallow = activation_table(at)["std"].tolist()
    at.slider(key="init_hidden_layers").set_value(8).run()
    deep = activation_table(at)["std"].tolist()
    assert len(shallow) == 2 and len(deep) == 8
    assert all(b < a for a, b in zip(deep, deep[1:]))
    assert deep[-1] < 0.1 * shallow[-1]
    assert any("shrink layer by layer" in m.value for m in at.markdown)


def test_gain_three_saturates_and_batchnorm_undoes_it(at):
    click_preset(at, "No BN, gain 1")
    calm = activation_table(at)["saturated %"].max()
    redraw(at.select_slider(key="init_gain").set_value(3.0).run())
    hot = activation_table(at)["saturated %"]
    assert hot.max() > 30 > 5 > calm
    assert any("saturated" in m.value and "Lower the gain" in m.value for m in at.markdown)
    redraw(at.toggle(key="init_batchnorm").set_value(True).run())
    assert activation_table(at)["saturated %"].max() < 10


def test_uniform_guess_follows_the_vocabulary_in_use(tmp_path):
    words = "\n".join(["abc", "bca", "cab", "aab", "bbc", "cca", "abcabc", "ba"] * 10).encode()
    at = open_lab({"dataset_upload": {"name": "tiny.txt", "bytes": words}})
    assert metric(at, "Uniform guess") == pytest.approx(math.log(4), abs=1e-4)  # '.', a, b, c
    spec, data = vega_chart(at, "init_loss_chart")
    [rule] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]   # the uniform guess
    assert rule["encoding"]["x"]["datum"] == pytest.approx(math.log(4))
    assert "−ln(1/4)" in spec["usermeta"]["uniform"] and list(data["net"]) == ["initial loss"]
    assert vega_chart(at, "init_logits_chart")[1]["line"].unique().tolist() == ["logits"]


def test_compare_pins_a_and_draws_both(at):
    click_preset(at, "No BN, gain 5/3")
    at.button(key="init_pin").click().run()
    redraw(at.select_slider(key="init_gain").set_value(0.5).run())
    assert not at.exception
    lines = vega_chart(at, "init_act_chart")[1][["net", "line"]].drop_duplicates()   # A dashed, B solid, by layer
    names = [f"{net} · {line}" for net, line in lines.itertuples(index=False)]
    assert names[0] == "A · layer 1 (Tanh)" and "B · layer 9 (Tanh)" in names and len(names) == 10
    a, b = activation_table(at, 0), activation_table(at, 1)
    assert b["std"].iloc[-1] < a["std"].iloc[-1]
    assert at.select_slider(key="init_batch_size").disabled and at.number_input(key="init_seed").disabled
    assert list(vega_chart(at, "init_loss_chart")[1]["net"]) == ["A", "B"]
    at.button(key="init_unpin").click().run()
    assert vega_chart(at, "init_act_chart")[1]["line"].nunique() == 5 and set(vega_chart(at, "init_act_chart")[1]["net"]) == {""}


def test_settings_survive_a_page_switch_and_reach_the_training_page():
    at = open_lab()
    redraw(at.select_slider(key="init_gain").set_value(lab.TANH_GAIN).run())
    at.toggle(key="init_batchnorm").set_value(False).run()
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert at.select_slider(key="init_gain").value == lab.TANH_GAIN and at.toggle(key="init_batchnorm").value is False
    saved = at.session_state[lab.SETTINGS_KEY]
    config = lab.model_config(saved, 27)
    assert config.gain == lab.TANH_GAIN and not config.batchnorm and config.soften_last == 0.1


def open_tab(at, name):
    """Only the open tab is drawn (its charts cost time on every step): choose one as a click does."""
    at.session_state["init_tab"] = name
    at.run()


def test_only_the_open_tab_is_drawn(at):
    open_tab(at, "Gradients")
    assert "init_grad_chart" in chart_names(at) and "init_act_chart" not in chart_names(at)
    open_tab(at, "Activations")
    assert activation_table(at) is not None


def test_saturation_layer_choice_and_nonlinearity_none(at):
    click_preset(at, "No BN, gain 3")
    open_tab(at, "Saturation")
    at.selectbox(key="init_sat_layer").set_value(3).run()
    assert "layer 5 (Tanh)" in plotly_figure(at, "init_sat_chart_B")["layout"]["title"]["text"]
    redraw(at.slider(key="init_hidden_layers").set_value(2).run())  # block 3 is gone: falls back to block 1
    assert at.selectbox(key="init_sat_layer").value == 1
    redraw(at.radio(key="init_nonlinearity").set_value("none").run())
    assert not at.exception
    assert any("nothing saturates" in i.value for i in at.info)
    open_tab(at, "Activations")


def test_batchnorm_explainer_normalizes(at):
    open_tab(at, "BatchNorm explained")
    at.slider(key="init_bn_gamma").set_value(2.0).run()
    at.session_state["init_bn_value"] = 5.0   # where the explainer's scrubber commits the orange value
    at.run()
    table = next(t.value for t in at.dataframe if "x̂ (normalized)" in t.value.index)
    xhat, out = table.loc["x̂ (normalized)"], table.loc["γ·x̂ + β"]
    assert abs(xhat.mean()) < 1e-5 and xhat.std() == pytest.approx(1, abs=1e-3)
    assert (out - 2 * xhat).abs().max() < 1e-4
    open_tab(at, "Activations")


def test_every_gain_step_computes_its_own_result():
    """Each gain is a fresh computation (not a cache hit of the last one): its own activations."""
    at = open_lab()
    redraw(at.toggle(key="init_batchnorm").set_value(False).run())   # with BatchNorm the gain hardly moves anything
    spreads = []
    for gain in (0.5, 0.75, 1.25, 2.0, 2.5, 3.5):
        at.select_slider(key="init_gain").set_value(gain).run()
        assert not at.exception
        spreads.append(activation_table(at)["std"].iloc[-1])   # the last layer's
        redraw(at)
    assert spreads == sorted(spreads) and len(set(spreads)) == len(spreads)   # a larger gain, a wider spread


def test_a_stage_shows_its_real_scales_and_leaving_it_is_said():
    # issue 26: with tanh-fix chosen the Gain read 1 while W1 was x0.2, and one notch left the stage silently
    at = open_lab()
    at.selectbox(key="init_stage").set_value("tanh-fix").run()
    assert any("W1 x0.2, b1 x0.01; W2 x0.01, b2 x0" in c.value for c in at.caption)
    at.select_slider(key="init_gain").set_value(1.05).run()
    assert at.selectbox(key="init_stage").value is None
    assert any("You left stage **tanh-fix**" in w.value and "W1 x0.2" in w.value for w in at.warning)


def scrubber(at):
    """The gain scrubber's chart: (its range input's param, its data)."""
    spec, data = vega_chart(at, "init_scrub_chart")
    return spec["vconcat"][0]["layer"][0]["params"][0], data, spec


def test_gain_scrubber_starts_at_the_labs_gain_and_keeps_its_spec_across_reruns():
    at = open_lab()
    param, data, spec = scrubber(at)
    gains = lab.family_gains(1.0)
    assert param["value"] == gains.index(1.0) and param["bind"]["max"] == len(gains) - 1
    at.select_slider(key="init_n_hidden").set_value(200).run()   # another control: a new family, the same spec
    param2, data2, spec2 = scrubber(at)
    assert json.dumps(spec2, sort_keys=True) == json.dumps(spec, sort_keys=True)
    loss_at = lambda d, g: float(d[(d["view"] == "loss") & (d["m"] == gains.index(g))]["y"].iloc[0])  # noqa: E731
    redraw(at)
    assert loss_at(data2, 1.0) == pytest.approx(metric(at, "Initial loss"), abs=1e-4)   # the server's number
    assert abs(loss_at(data2, 3.0) - loss_at(data, 3.0)) > 1e-4
    at.select_slider(key="init_gain").set_value(lab.TANH_GAIN).run()   # the server slider: the scrubber starts there
    param3, data3, _ = scrubber(at)
    assert param3["value"] == gains.index(lab.TANH_GAIN)
    assert "gain 5/3" in data3[(data3["view"] == "loss") & (data3["m"] == param3["value"])]["note"].iloc[0]


def test_gain_scrubber_waits_for_no_stage():
    at = open_lab()
    at.selectbox(key="init_stage").set_value("kaiming").run()
    assert vega_chart(at, "init_scrub_chart", required=False) is None
    assert any("fixes the gain" in c.value for c in at.caption)


def test_the_pin_is_in_the_address_and_comes_back_from_it():
    at = open_lab()
    at.button(key="init_pin").click().run()
    assert at.query_params["pin"] in ("default", ["default"])
    at.toggle(key="init_batchnorm").set_value(False).run()
    from streamlit.testing.v1 import AppTest  # F5: a new session on the same address
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    again.query_params["pin"] = "batchnorm:0;gain:1.6666666666666667"
    again.run()
    again.switch_page(PAGE).run()
    assert not again.exception
    assert again.session_state[lab.PINNED_KEY] == {**lab.DEFAULTS, "batchnorm": False, "gain": lab.TANH_GAIN}
    assert again.button(key="init_unpin")
    again.button(key="init_unpin").click().run()
    assert "pin" not in again.query_params and lab.PINNED_KEY not in again.session_state


def test_a_bad_pin_in_the_address_is_a_message():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["pin"] = "gain:banana"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("pinned settings (A) in this link were not valid" in w.value for w in at.warning)
    assert lab.PINNED_KEY not in at.session_state


def test_softening_tab_scrubs_the_labs_softening_and_follows_its_slider():
    at = open_lab()
    open_tab(at, "Softening")
    spec, data = vega_chart(at, "init_soften_chart")
    param = spec["vconcat"][0]["layer"][0]["params"][0]
    values = lab.family_softenings(0.1)
    assert param["value"] == values.index(0.1) and param["bind"]["max"] == len(values) - 1
    loss_at = lambda d, v: float(d[(d["view"] == "loss") & (d["m"] == values.index(v))]["y"].iloc[0])  # noqa: E731
    redraw(at)
    assert loss_at(data, 0.1) == pytest.approx(metric(at, "Initial loss"), abs=1e-4)   # the server's number
    at.slider(key="init_soften_last").set_value(0.5).run()   # the server's slider: the scrubber starts there
    spec2, data2 = vega_chart(at, "init_soften_chart")
    assert spec2["vconcat"][0]["layer"][0]["params"][0]["value"] == values.index(0.5)
    redraw(at)
    assert loss_at(data2, 0.5) == pytest.approx(metric(at, "Initial loss"), abs=1e-4)
    at.selectbox(key="init_stage").set_value("kaiming").run()   # a stage fixes the softening
    assert vega_chart(at, "init_soften_chart", required=False) is None
    assert any("fixes the softening" in c.value for c in at.caption)
