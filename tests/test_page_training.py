"""The Training page through AppTest: controls, run list and overlay, divergence, checkpoints,
the server cap, the lab's settings, and the same losses as the CLI for the same settings and seed."""
import json
from pathlib import Path

import pytest
from conftest import open_app_page, vega_chart

from makemore_core import checkpoint, cli
from makemore_core.data import Dataset
from makemore_core.model import MLP
from makemore_core.training import TrainConfig, Trainer
from ui import run_queue
from ui import runs as run_lib
from ui.state import DATASET_KEY
from ui.training_run import all_runs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def stop_runs(stop_all_runs):
    """Every test here leaves no training thread behind."""


def training_page():
    return open_app_page("training")


def small(at, steps, **settings):
    """A small, fast model for tests that are about the controls, not the lecture's numbers."""
    at.number_input(key="tr_steps").set_value(steps)
    at.number_input(key="tr_hidden_layers").set_value(2)
    at.number_input(key="tr_n_hidden").set_value(32)
    for key, value in settings.items():
        getattr(at, {"tr_nonlinearity": "selectbox", "tr_optimizer": "selectbox", "tr_batchnorm": "toggle",
                     "tr_lr_milestones": "text_input"}.get(key, "number_input"))(key=key).set_value(value)
    return at.run()


def start(at):
    known = {r.id for r in all_runs()}
    at.button(key="tr_start").click().run()
    assert not at.exception
    new = [r for r in all_runs() if r.id not in known]
    assert len(new) == 1
    return new[0]


def text(at):
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "success")
                     for e in getattr(at, kind))


def chart(at, key):
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


def test_start_pause_step_resume_stop_and_reset():
    at = small(training_page(), 1_000_000)
    run = start(at)
    assert run.wait_until(lambda r: r.trainer.step_num > 5, 20)
    at.button(key="tr_pause").click().run()
    assert run.state == "paused" and "**paused**" in text(at)
    assert at.button(key="tr_pause").disabled and not at.button(key="tr_resume").disabled
    at_step = run.trainer.step_num
    at.button(key="tr_step1").click().run()
    assert run.trainer.step_num == at_step + 1 and run.state == "paused"
    at.number_input(key="tr_step_n").set_value(7).run()
    at.button(key="tr_stepn").click().run()
    assert run.trainer.step_num == at_step + 8 and run.state == "paused"
    assert f"step {at_step + 8:,} / 1,000,000" in at.get("progress")[0].proto.text
    at.number_input(key="tr_lr_now").set_value(0.02).run()     # the lr can change while paused
    at.button(key="tr_lr_apply").click().run()
    assert run.trainer.lr == pytest.approx(0.02)
    assert f"lr 0.1, 0.02 from step {at_step + 8:,}" in run.label   # issue 12: the label named the old lr
    at.button(key="tr_resume").click().run()
    assert run.wait_until(lambda r: r.trainer.step_num > at_step + 20, 20)
    assert run.trainer.lrs[-1] == pytest.approx(0.02)
    at.button(key="tr_stop").click().run()
    assert not run.alive and run.state == "stopped"
    assert "No run shown" in text(at)
    row = at.dataframe[0].value.set_index("run").loc[run.number]
    assert row["state"] == "stopped" and row["steps"].startswith(f"{run.trainer.step_num:,} /")


def live_view_place(at):
    """Where the live view (controls and status) sits among the page's top-level elements."""
    return next(i for i, node in at.main.children.items()
                if str(getattr(node.proto, "id", "")).endswith("-tr_live_top"))


def test_the_live_view_keeps_its_place_in_every_state():
    """A message or the paused run's learning-rate input must not move the live view: a redraw at a new
    place, while the old copy is still on screen, showed the controls twice in a browser."""
    at = small(training_page(), 1_000_000)
    run = start(at)
    assert run.wait_until(lambda r: r.trainer.step_num > 0, 20)
    places = {"running": live_view_place(at)}
    at.button(key="tr_pause").click().run()
    assert at.number_input(key="tr_lr_now")           # the paused run's learning rate is on the page
    places["paused"] = live_view_place(at)
    at.session_state["tr_error"] = "a message"        # as a refused setting leaves one
    at.run()
    assert "a message" in text(at)
    places["paused with a message"] = live_view_place(at)
    at.button(key="tr_resume").click().run()
    places["resumed"] = live_view_place(at)
    assert len(set(places.values())) == 1, places


def test_run_survives_reruns_widget_changes_and_page_switches():
    at = small(training_page(), 1_000_000)
    run = start(at)
    assert run.wait_until(lambda r: r.trainer.step_num > 0, 20)
    at.number_input(key="tr_gain").set_value(2.0).run()        # a widget change is a rerun
    at.switch_page("pages/data.py").run()
    before = run.trainer.step_num
    assert run.wait_until(lambda r: r.trainer.step_num > before + 10, 20)
    at.switch_page("pages/training.py").run()
    assert run.alive and run.state == "running"
    assert f"**Run {run.number}**" in text(at)
    assert at.number_input(key="tr_steps").value == 1_000_000  # the form came back as it was
    assert at.number_input(key="tr_gain").value == 2.0
    assert (vega_chart(at, "loss")[1]["series"] == "smoothed").sum() > 0


def test_run_list_and_overlay_of_two_runs():
    at = small(training_page(), 40, tr_stats_every=10)
    first = start(at)
    first.wait(30)
    at.toggle(key="tr_batchnorm").set_value(False).run()
    at.selectbox(key="tr_engine").set_value("fast-uncompiled").run()
    second = start(at)
    second.wait(30)
    at.run()
    table = at.dataframe[0].value.tail(2)   # (AppTests in one process share the session's run list)
    assert list(table["run"]) == [first.number, second.number]
    assert list(table["BatchNorm"]) == ["yes", "no"] and list(table["state"]) == ["finished", "finished"]
    assert list(table["engine"]) == ["eager", "fast-uncompiled"]
    spec = chart(at, "tr_overlay_chart")
    names = [t["name"] for t in spec["data"]]
    assert names[0].startswith(f"run {first.number}:") and names[1].startswith(f"run {second.number}:")
    assert "log10(loss)" in spec["layout"]["yaxis"]["title"]["text"]
    at.radio(key="tr_overlay_metric").set_value("saturation").run()
    assert "saturation" in chart(at, "tr_overlay_chart")["layout"]["yaxis"]["title"]["text"]
    show = next(w for w in at.selectbox if w.label == "Show above")
    assert show.value == second.id
    show.set_value(first.id).run()                                  # look at an older run again
    assert f"**Run {first.number}**" in text(at)


def test_divergence_stops_itself_and_keeps_history():
    at = small(training_page(), 5000, tr_nonlinearity="relu", tr_batchnorm=False, tr_lr=100.0)
    run = start(at)
    run.wait(30)
    at.run()
    assert run.state == "diverged" and 0 < run.trainer.step_num < 5000
    errors = [e.value for e in at.error]
    assert any("Diverged" in e and f"step {run.trainer.step_num}" in e and "Lower the learning rate" in e
               for e in errors), errors
    assert "**diverged**" in text(at)
    assert (vega_chart(at, "loss")[1]["series"] == "per step").sum() > 0   # the history is still drawn


def test_checkpoint_download_upload_and_continue():
    at = small(training_page(), 25)
    run = start(at)
    run.wait(30)
    at.run()
    assert not at.get("download_button")[0].proto.disabled
    raw = run.checkpoint_bytes()             # what the download button's callable hands the browser
    at.file_uploader(key="tr_upload").set_value(("bad.pt", b"not a checkpoint", "application/octet-stream")).run()
    assert any("not a makemore lab checkpoint" in e.value for e in at.error)
    at.file_uploader(key="tr_upload").set_value(("run.pt", raw, "application/octet-stream")).run()
    assert "uploaded checkpoint run.pt" in text(at)
    at.number_input(key="tr_steps").set_value(10).run()
    at.button(key="tr_continue").click().run()
    assert not at.exception
    continued = all_runs()[-1]
    continued.wait(30)
    assert continued.id != run.id and continued.state == "finished"
    # it started from the downloaded weights: the same losses as a Trainer on the loaded checkpoint
    model, _, _ = checkpoint.from_bytes(raw)
    data = Dataset.from_path(ROOT / "data" / "names.txt").tensors(3, "cpu")
    reference = Trainer(model.train(), data, TrainConfig.from_dict({**continued.train_config.to_dict()}))
    reference.run()
    assert continued.trainer.losses == reference.losses
    assert continued.trainer.losses[0] < run.trainer.losses[0]    # it did not start from scratch


def busy_server(monkeypatch):
    """One training slot on the server, taken by another browser's run (returned: stop it)."""
    monkeypatch.setattr(run_queue.queue, "size", 1)   # the one bound of ui.jobs
    dataset = Dataset.from_path(ROOT / "data" / "names.txt")
    blocker = run_lib.Run("another tab", dataset, dataset.tensors(3, "cpu"), cli_model_config(dataset),
                          TrainConfig(steps=1_000_000), "cpu")
    blocker.start()
    assert blocker.wait_until(lambda r: r.state == "running", 10)
    return blocker


def test_server_busy_queues_the_run(monkeypatch):
    blocker = busy_server(monkeypatch)
    at = small(training_page(), 100)
    run = start(at)
    assert run.state == "queued"
    assert any("Server busy" in w.value and "queued" in w.value for w in at.warning)
    blocker.stop()
    run.wait(30)
    assert run.state == "finished" and run.trainer.step_num == 100


def test_bad_settings_give_a_message_not_a_run():
    """Each bad value gets "Not started: ..." and no run (milestone "1e400" used to raise an
    OverflowError into an error box; Steps = 0 ran the last valid step count)."""
    at = small(training_page(), 100)
    known = len(all_runs())
    for kind, key, value, says in [("text_input", "tr_lr_milestones", "soon", "milestones"),
                                   ("text_input", "tr_lr_milestones", "1e400", "milestones"),
                                   ("number_input", "tr_steps", 0, "Steps must be at least 1")]:
        getattr(at, kind)(key=key).set_value(value)
        at.button(key="tr_start").click().run()
        assert not at.exception
        assert any("Not started" in e.value and says in e.value for e in at.error), (value, [e.value for e in at.error])
        assert len(all_runs()) == known
        at.text_input(key="tr_lr_milestones").set_value("50")
        at.number_input(key="tr_steps").set_value(100)


def test_batch_of_one_with_batchnorm_is_refused_with_a_reason():
    at = small(training_page(), 100)
    at.number_input(key="tr_batch_size").set_value(1).run()
    known = len(all_runs())
    at.button(key="tr_start").click().run()
    assert not at.exception
    assert any("Not started" in e.value and "BatchNorm" in e.value for e in at.error)
    assert len(all_runs()) == known


def test_lab_settings_are_used_when_asked():
    at = small(training_page(), 5)
    at.radio(key="tr_model_source").set_value("lab").run()
    assert "no settings yet" in text(at)
    run = start(at)                           # falls back to the page's settings, and says so
    assert run.model_config.n_hidden == 32
    init_lab = pytest.importorskip("ui.init_lab")
    at.session_state[init_lab.SETTINGS_KEY] = {**init_lab.DEFAULTS, "n_hidden": 48, "hidden_layers": 3, "gain": 5 / 3}
    at.run()
    assert "From the lab" in text(at)
    run = start(at)
    assert run.model_config == init_lab.model_config(at.session_state[init_lab.SETTINGS_KEY], 27)
    assert run.model_config.n_hidden == 48


# ---------------------------------------------------------------- the lecture's run, as the CLI trains it

def cli_model_config(dataset):
    args = cli.build_parser().parse_args(["train", "--data", "x", "--steps", "200000", "--engine", "eager"])
    return cli.configs(args, len(dataset.vocab))[0]


def cli_trainer(path, steps=200_000):
    """Exactly what `python -m makemore_core train --data PATH --steps 200000 --engine eager` builds
    (the page's "eager" engine is that reference step)."""
    args = cli.build_parser().parse_args(["train", "--data", str(path), "--steps", str(steps), "--engine", "eager"])
    _, _, data, model, train_config = cli.setup(args)
    return Trainer(model, data, train_config, engine=cli.engine_for(args, steps))


def lecture_run_from_page(at, n):
    """The Lecture run preset, started on the eager engine: the preset picks the fast engine (a chapter
    promises its minutes), whose step rounds differently; eager is the CLI's reference step, bit for bit."""
    at.button(key="tr_preset_lecture").click().run()
    assert at.selectbox(key="tr_engine").value == "fast"
    at.selectbox(key="tr_engine").set_value("eager").run()
    run = start(at)
    assert run.wait_until(lambda r: r.trainer.step_num >= n, 60)
    at.button(key="tr_pause").click().run()
    assert "/ 200,000" in at.get("progress")[0].proto.text
    return run


def assert_same_as_cli(run, path, n):
    reference = cli_trainer(path)
    assert run.model_config == reference.model.config
    page_config = run.train_config.to_dict()
    cli_config = reference.config.to_dict()
    assert (page_config.pop("stats_every"), page_config.pop("eval_every")) == (100, 1000)  # the page watches more
    cli_config.pop("stats_every"), cli_config.pop("eval_every")
    assert page_config == cli_config
    reference.run(steps=n)
    assert run.trainer.losses[:n] == reference.losses


def test_lecture_run_from_the_page_matches_the_cli(default_names):
    at = training_page()
    run = lecture_run_from_page(at, 120)     # past the first statistics step (100)
    assert_same_as_cli(run, default_names, 120)


def test_lecture_run_on_the_lectures_names_matches_the_cli(lecture_names):
    at = training_page()
    at.session_state[DATASET_KEY] = {"name": "names.txt", "bytes": lecture_names.read_bytes()}
    at.run()
    run = lecture_run_from_page(at, 30)
    assert run.dataset_name == "names.txt" and run.trainer.Xtr.shape == (182625, 3)
    assert round(run.trainer.losses[0], 4) == 3.2870     # the notebook's printed step-0 loss
    assert_same_as_cli(run, lecture_names, 30)


def test_config_toml_is_tuned_for_live_training():
    import tomllib
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False         # gc.collect(2) per refresh starves the trainer
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["maxUploadSize"] <= 50
    assert config["client"]["showErrorDetails"] == "none"     # no tracebacks for users


def test_a_setting_changed_while_a_run_goes_leaves_the_run_alone():
    """A widget change reruns the page with a run going: no error, and the run trains on as it was."""
    at = small(training_page(), 1_000_000)
    run = start(at)
    assert run.wait_until(lambda r: r.latest_stats is not None, 20)
    for value in (1.5, 2.0, 2.5):
        at.number_input(key="tr_gain").set_value(value).run()
        assert not at.exception and at.number_input(key="tr_gain").value == value
    step = run.trainer.step_num
    assert run.state == "running" and run.wait_until(lambda r: r.trainer.step_num > step, 20)
    assert run.model_config.gain != 2.5   # the new gain is for the next run


def test_compiled_engine_says_what_it_does_and_trains_the_same_losses():
    """'fast' compiles in the background and trains meanwhile; the heading says which step runs."""
    at = small(training_page(), 60)
    at.selectbox(key="tr_engine").set_value("fast").run()
    run = start(at)
    run.wait(60)
    at.run()
    assert run.state == "finished" and run.trainer.step_num == 60
    assert run.trainer.engine_status in ("compiling (fast-uncompiled meanwhile)", "compiled") \
        or run.trainer.engine_status.startswith("fast-uncompiled (compile failed")
    assert any("engine:" in str(m.value) for m in at.markdown)
    reference = Trainer(MLP(run.model_config), {"train": (run.trainer.Xtr, run.trainer.Ytr)},
                        TrainConfig.from_dict({**run.train_config.to_dict(), "eval_every": 0}))
    reference.run()
    assert len(reference.losses) == 60
    assert max(abs(a - b) for a, b in zip(reference.losses, run.trainer.losses)) < 1e-4


def test_lecture_stage_fills_the_form_and_trains_that_stage():
    from makemore_core.stages import stage_configs
    at = training_page()
    at.selectbox(key="tr_stage").set_value("tanh-fix").run()
    assert at.number_input(key="tr_n_hidden").value == 200 and at.number_input(key="tr_hidden_layers").value == 1
    assert at.text_input(key="tr_lr_milestones").value == "100000"          # the first half's schedule
    assert at.toggle(key="tr_batchnorm").disabled                         # the stage sets it
    at.number_input(key="tr_steps").set_value(30).run()
    run = start(at)
    run.wait(30)
    assert run.model_config == stage_configs("tanh-fix", 27)[0] and run.label.startswith("stage tanh-fix")
    at.button(key="tr_preset_quick").click().run()                         # a preset leaves the stage
    assert at.selectbox(key="tr_stage").value is None and not at.toggle(key="tr_batchnorm").disabled


def test_after_training_the_page_shows_weight_gradients_and_the_saturation_image():
    at = small(training_page(), 40, tr_stats_every=10)
    run = start(at)
    run.wait(30)
    at.run()
    assert "Weight gradients at step 30" in text(at)
    names = [t["name"] for t in chart(at, "tr_wgrad_chart")["data"]]
    assert names[0].startswith("C (") and len(names) == 4                 # C and the three Linear weights
    image = chart(at, "tr_sat_image")["data"][0]
    assert image["type"] == "heatmap" and image["z"]["shape"] == "32, 32"   # 32 examples x 32 neurons
    at.selectbox(key="tr_sat_layer").set_value(2).run()
    assert "block 2" in at.selectbox(key="tr_sat_layer").format_func(2)


def test_quick_look_keeps_the_model_choice_and_the_decay_step_follows_the_steps():
    # issue 12: "Quick look" switched "the Initialization lab's settings" back to "these settings",
    # and the decay step stayed at 150,000 when the steps changed
    at = training_page()
    at.radio(key="tr_model_source").set_value("lab").run()
    at.button(key="tr_preset_quick").click().run()
    assert at.radio(key="tr_model_source").value == "lab"
    assert at.number_input(key="tr_steps").value == 5_000 and at.text_input(key="tr_lr_milestones").value == "3750"
    at.number_input(key="tr_steps").set_value(20_000).run()
    assert at.text_input(key="tr_lr_milestones").value == "15000"
    at.text_input(key="tr_lr_milestones").set_value("12345").run()     # a step chosen by hand stays
    at.number_input(key="tr_steps").set_value(30_000).run()
    assert at.text_input(key="tr_lr_milestones").value == "12345"


def test_a_run_that_ends_between_statistics_steps_says_so():
    """Issue 12: a finished 5,000-step run showed "step 4,900". The progress names the last step trained;
    the histograms, measured at the last statistics step, say why they are older than the run."""
    at = small(training_page(), 60)
    at.number_input(key="tr_stats_every").set_value(50).run()
    run = start(at)
    run.wait(60)
    at.run()
    assert run.state == "finished" and run.trainer.step_num == 60
    assert "step 60 / 60" in at.get("progress")[0].proto.text
    page = text(at)
    assert "**Activations at step 50** (measured every 50 steps; the run ended at step 60)" in page
    assert "**finished**" in page


def test_a_compile_still_under_way_when_the_run_ends_is_not_called_compiling(monkeypatch):
    """Issue 12: "compiling" stayed after the run ended."""
    at = small(training_page(), 20)
    at.selectbox(key="tr_engine").set_value("fast").run()
    run = start(at)
    run.wait(60)
    assert run.state == "finished"
    monkeypatch.setattr(Trainer, "engine_status", property(lambda t: "compiling (fast-uncompiled meanwhile)"))
    at.run()
    page = text(at)
    assert "engine: fast-uncompiled (the run ended before the compile did)" in page and "compiling" not in page


def test_one_browser_queues_at_most_a_few_runs(monkeypatch):
    # issue 30: one browser could queue 80+ runs, inflating everyone else's place in line
    blocker = busy_server(monkeypatch)
    at = small(training_page(), 100)
    waiting = [start(at) for _ in range(run_lib.MAX_WAITING)]
    assert all(r.state == "queued" for r in waiting)
    known = len(all_runs())
    at.button(key="tr_start").click().run()
    assert not at.exception and len(all_runs()) == known
    assert any("Not started" in e.value and "already waiting for a training slot" in e.value for e in at.error)
    blocker.stop()


def test_a_queued_runs_view_refreshes_slowly_and_its_charts_not_at_all():
    # issue 30: 28 queued runs' views refreshing like training ones starved the 2 trainers (220 of 600 steps/s)
    from ui import training_live
    status_s, charts_s = training_live.refresh_every("queued")
    assert charts_s is None and status_s >= 2.0
    assert training_live.refresh_every("running") == (training_live.REFRESH_S, training_live.CHART_REFRESH_S)
    assert training_live.refresh_every("paused") == (None, None)


def travel_chart(at):
    """(spec, {name: DataFrame}) of the step scrubber's chart: its data sets are named, one per view."""
    import pyarrow as pa
    proto = next(c.proto for c in at.get("vega_lite_chart")
                 if json.loads(c.proto.spec)["usermeta"]["chart"] == "tr_travel_chart")
    return json.loads(proto.spec), {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in proto.datasets}


def test_a_run_at_rest_has_a_step_scrubber_over_its_snapshots():
    """Time travel (issue 25): paused or ended, the run's snapshots travel with one chart and its step scrubber;
    the member at step k holds what the run recorded at step k. While it trains there is no such chart."""
    from makemore_core import snapshots
    at = small(training_page(), 1_000_000, tr_stats_every=10)
    run = start(at)
    assert run.wait_until(lambda r: r.trainer.step_num > 0, 20)
    assert vega_chart(at, "tr_travel_chart", required=False) is None       # training: the live view only
    at.button(key="tr_pause").click().run()
    assert run.wait_until(lambda r: r.state == "paused", 20)
    at.run()
    spec, data = travel_chart(at)
    members = run.snapshot_members()
    steps = [s["step"] for s in members]
    assert len(members) >= 2 and steps == sorted(steps)
    scrub = spec["params"][0]
    assert scrub["bind"]["name"] == "Step (drag)" and scrub["bind"]["max"] == len(members) - 1
    assert scrub["value"] == len(members) - 1                           # it starts at the newest step
    cursors = data["travel_cursor"].sort_values("m")
    assert cursors["x"].tolist() == steps
    k = len(members) // 2
    assert cursors["note"].iloc[k] == f"step {steps[k]:,} · batch loss {members[k]['loss']:.4f} · lr 0.1"
    act = data["travel_act"][data["travel_act"]["m"] == k]
    first = members[k]["layers"][0]
    assert act["line"].tolist() == [layer["label"] for layer in members[k]["layers"]]
    ys = [float(v) for v in act["ys"].iloc[0].split(",")]
    merged = first["hist"]["density"].astype(float).reshape(-1, 2).mean(1)   # bin pairs merged for the browser
    assert ys == pytest.approx(merged.tolist(), rel=1e-4)                      # 5 digits on the wire
    assert snapshots.at_step(run.snapshots, steps[k]) is members[k]
    again = travel_chart(at.run())[0]
    assert json.dumps(again, sort_keys=True) == json.dumps(spec, sort_keys=True)   # the same spec: data swaps
    assert "datasets" not in spec                                       # they travel as Arrow, beside it
    at.button(key="tr_resume").click().run()
    assert vega_chart(at, "tr_travel_chart", required=False) is None


def test_a_run_watched_by_link_is_scrubbed_too(monkeypatch, dataset, data):
    """Another browser's finished run, opened by its ?run= link: read-only, with its step scrubber."""
    from streamlit.testing.v1 import AppTest

    from makemore_core.model import ModelConfig
    owner = run_lib.RunManager("another-browser")
    monkeypatch.setitem(run_lib._managers, owner.owner, owner)   # kept server-wide: its link can be watched
    run = owner.new_run("theirs", dataset, data, ModelConfig(vocab_size=len(dataset.vocab), n_hidden=16, hidden_layers=1),
                        TrainConfig(steps=40, stats_every=10), "cpu")
    run.start()
    run.wait(30)
    assert run.state == "finished"
    mine = run_lib.RunManager()
    monkeypatch.setattr(run_lib, "session_runs", lambda: mine)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["run"] = run.link
    at.run()
    at.switch_page("pages/training.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Watching run" in text(at) and not [b for b in at.button if b.key == "tr_pause"]   # read-only
    spec, datasets = travel_chart(at)
    assert spec["params"][0]["bind"]["max"] == 3                                      # steps 0, 10, 20, 30
    assert datasets["travel_cursor"].sort_values("m")["x"].tolist() == [0, 10, 20, 30]
