"""AppTest: the Embeddings & shapes page: each slider moves the shapes and counts it should."""
import pytest
import torch
from conftest import open_app_page, vega_chart

from makemore_core import checkpoint
from makemore_core.data import Dataset
from makemore_core.model import MLP, ModelConfig

UPLOAD = "\n".join(["abc", "bcd", "cde", "dea", "eab", "abd", "bce", "cda"]).encode()  # vocabulary 6


@pytest.fixture(autouse=True)
def no_runs_from_other_tests(monkeypatch):
    """AppTest sessions in one process share a run list: each test here starts from an empty one."""
    import ui.runs
    empty = ui.runs.RunManager()
    monkeypatch.setattr(ui.runs, "session_runs", lambda: empty)


def open_page(session=None):
    return open_app_page("embeddings", session)


def total(at):
    return int(next(m.value for m in at.metric if m.label == "parameters in all").replace(",", ""))


def trace(at):
    return next(df.value for df in at.dataframe if "what happens" in df.value.columns)


def chart(at, key):
    """(spec, data) of the page's Vega-Lite chart `key`, None when it is not drawn."""
    return vega_chart(at, key, required=False)


def heading(at, what):
    """The line above a map of the characters: '**trained** (n_embd 4) · PCA keeps …'."""
    return next(m.value for m in at.markdown if m.value.startswith(f"**{what}**"))


def config_of(**changes):
    return ModelConfig(vocab_size=27, **changes)


def test_lecture_settings():
    at = open_page()
    assert total(at) == 47_024
    assert any("47,024" in c.value and "lecture's settings" in c.value for c in at.caption)
    rows = trace(at)
    assert list(rows["step"][:4]) == ["X", "C[X]", "view", "Linear 1"]
    assert list(rows["shape at B=32"][:3]) == ["(32, 3)", "(32, 3, 10)", "(32, 30)"]
    assert rows["shape at B=32"].iloc[-2] == "(32, 27)" and rows["shape at B=32"].iloc[-1] == "() scalar"
    assert rows["parameters"].sum() == 47_024
    assert any("real batch of 32" in s.value for s in at.success)
    heat = chart(at, "emb_C")[1]
    assert heat["character"].nunique() == 27 and heat["dimension"].nunique() == 10
    share = chart(at, "emb_share")[1]
    assert "Tanh 1" not in list(share["layer"]) and "C[X]" in list(share["layer"])
    assert share["parameters"].sum() == 47_024


@pytest.mark.parametrize("key, value, expect", [
    ("emb_n_embd", 2, dict(n_embd=2)),
    ("emb_block_size", 8, dict(block_size=8)),
    ("emb_n_hidden", 200, dict(n_hidden=200)),
    ("emb_hidden_layers", 2, dict(hidden_layers=2)),
])
def test_each_slider_changes_the_count_and_shapes(key, value, expect):
    at = open_page()
    at.slider(key=key).set_value(value).run()
    assert not at.exception
    assert total(at) == config_of(**expect).num_parameters() != 47_024
    rows = trace(at)
    c = config_of(**expect)
    assert rows["shape at B=32"][2] == f"(32, {c.block_size * c.n_embd})"
    assert rows["shape at B=32"][3] == f"(32, {c.n_hidden})"
    assert sum(step.startswith("Linear") for step in rows["step"]) == c.hidden_layers + 1
    assert any("real batch" in s.value for s in at.success)


def test_n_embd_changes_c_and_two_dims_are_drawn_raw():
    at = open_page()
    at.slider(key="emb_n_embd").set_value(2).run()
    assert chart(at, "emb_C")[1]["dimension"].nunique() == 2
    spec, points = chart(at, "emb_map_fresh")
    assert spec["layer"][0]["encoding"]["x"]["title"] == "dimension 0" and len(points) == 27
    assert "PCA" not in heading(at, "initialized")
    at.slider(key="emb_n_embd").set_value(16).run()
    assert "(n_embd 16) · PCA keeps" in heading(at, "initialized")


def test_batch_size_changes_shapes_only():
    at = open_page()
    at.select_slider(key="emb_batch_size").set_value(128).run()
    assert total(at) == 47_024
    rows = trace(at)
    assert rows["shape at B=128"][1] == "(128, 3, 10)"
    at.select_slider(key="emb_batch_size").set_value(1).run()
    assert any("batch of 1" in w.value for w in at.warning)
    assert not at.exception


def test_batchnorm_toggle():
    at = open_page()
    at.toggle(key="emb_batchnorm").set_value(False).run()
    expected = config_of(batchnorm=False).num_parameters()
    assert total(at) == expected == 47_024 - (5 * 200 + 54) + (5 * 100 + 27)
    assert not any("BatchNorm" in step for step in trace(at)["step"])


def test_reset_and_settings_survive_a_page_switch():
    at = open_page()
    at.slider(key="emb_n_hidden").set_value(50).run()
    at.switch_page("pages/data.py").run()
    at.switch_page("pages/embeddings.py").run()
    assert at.slider(key="emb_n_hidden").value == 50
    at.button(key="emb_reset").click().run()
    assert total(at) == 47_024 and at.slider(key="emb_n_hidden").value == 100


def test_without_a_trained_model_says_how_to_get_one():
    at = open_page()
    assert chart(at, "emb_map_fresh") is not None and chart(at, "emb_map_trained") is None
    assert any("Training" in i.value for i in at.info)


def test_trained_model_is_drawn_beside_the_fresh_one(default_names):
    data = Dataset.from_path(default_names)
    model = MLP(ModelConfig(n_embd=4))
    with torch.no_grad():
        model.C += 0.5  # "trained": moved away from where it started
    raw = checkpoint.to_bytes(model, data.vocab)
    at = open_page({"uploaded_checkpoint": {"name": "mine.pt", "bytes": raw}})
    trained = chart(at, "emb_map_trained")
    assert trained is not None and chart(at, "emb_map_fresh") is not None
    assert "n_embd 4" in heading(at, "trained")
    caption = next(c.value for c in at.caption if "mine.pt" in c.value)
    moved = 0.5 * (27 * 4) ** 0.5 / float(MLP(ModelConfig(n_embd=4)).C.detach().norm())
    assert f"{moved:.0%}" in caption


def test_after_an_upload_the_vocabulary_sets_c_and_the_output():
    at = open_page({"dataset_upload": {"name": "abc.txt", "bytes": UPLOAD}})
    vocab = len(Dataset.from_bytes(UPLOAD).vocab)
    assert total(at) == ModelConfig(vocab_size=vocab).num_parameters()
    assert chart(at, "emb_C")[1]["character"].nunique() == vocab
    assert trace(at)["shape at B=32"].iloc[-2] == f"(32, {vocab})"


@pytest.mark.parametrize("newest", ["checkpoint", "run"])
def test_the_newer_of_a_run_and_a_checkpoint_is_drawn(monkeypatch, default_names, newest):
    import ui.runs
    from makemore_core.training import TrainConfig
    data = Dataset.from_path(default_names)
    manager = ui.runs.RunManager()
    run = manager.new_run("tiny", data, data.tensors(3), ModelConfig(n_embd=6, n_hidden=16, hidden_layers=1),
                          TrainConfig(steps=1), "cpu")
    run.trainer.step()
    monkeypatch.setattr(ui.runs, "session_runs", lambda: manager)
    raw = checkpoint.to_bytes(MLP(ModelConfig(n_embd=4)), data.vocab)
    uploaded_at = run.created + (1 if newest == "checkpoint" else -1)
    at = open_page({"uploaded_checkpoint": {"name": "mine.pt", "bytes": raw, "at": uploaded_at}})
    assert chart(at, "emb_map_trained") is not None
    assert ("n_embd 4" if newest == "checkpoint" else "n_embd 6") in heading(at, "trained")


def test_a_checkpoint_whose_c_holds_nan_is_refused_with_a_message(default_names):
    """It used to load and crash the page (PCA of NaN); now the upload says why it was not used."""
    model = MLP(ModelConfig())
    with torch.no_grad():
        model.C[5, 2] = float("nan")
    raw = checkpoint.to_bytes(model, Dataset.from_path(default_names).vocab)
    at = open_page()
    at.file_uploader(key="emb_checkpoint").set_value(("nan.pt", raw, "application/octet-stream")).run()
    assert not at.exception
    assert any("That file was not used" in e.value and "NaN" in e.value for e in at.error)
    assert chart(at, "emb_map_trained") is None and chart(at, "emb_map_fresh") is not None


def test_projector_mode_draws_every_chart_with_larger_type():
    def sizes(at):
        return [chart(at, key)[0]["config"]["axis"]["labelFontSize"] for key in ("emb_share", "emb_C", "emb_map_fresh")]
    normal, big = sizes(open_page()), sizes(open_app_page("embeddings", {"classroom_projector": True}))
    assert all(b > n for b, n in zip(big, normal))


@pytest.mark.parametrize("n_embd", [2, 6])
def test_c_is_scrubbed_over_the_latest_runs_statistics_steps(monkeypatch, default_names, n_embd):
    """Issue 25 item 5: C's map at every snapshot of this browser's latest run, one scrubber; at each member the
    characters sit where that snapshot's C puts them (its own columns for n_embd 2, the last C's axes beyond)."""
    import numpy as np

    import ui.runs
    from makemore_core.training import TrainConfig
    data = Dataset.from_path(default_names)
    manager = ui.runs.RunManager()
    run = manager.new_run("tiny", data, data.tensors(3), ModelConfig(n_embd=n_embd, n_hidden=16, hidden_layers=1),
                          TrainConfig(steps=50, stats_every=10), "cpu")
    monkeypatch.setattr(ui.runs, "session_runs", lambda: manager)
    at = open_page()
    assert chart(at, "emb_travel_chart") is None and any("Training" in c.value for c in at.caption)
    run.start()
    run.wait(30)
    at = open_page()
    spec, frame = chart(at, "emb_travel_chart")
    members = run.snapshot_members()
    assert [s["step"] for s in members] == [0, 10, 20, 30, 40]
    scrub = spec["params"][0]
    assert scrub["bind"]["name"] == "Step (drag)" and scrub["bind"]["max"] == 4 and scrub["value"] == 0
    notes = frame[frame["view"] == "note"].sort_values("m")["note"].tolist()
    assert notes[2] == f"step 20 · loss {members[2]['loss']:.4f}"
    chars = frame[(frame["view"] == "char") & (frame["m"] == 2)]
    assert chars["line"].tolist() == list(data.vocab.itos)
    assert set(chars[chars["line"].isin(list("aeiouy"))]["note"]) == {"vowels (a e i o u y)"}
    xy = chars[["x", "y"]].to_numpy()
    C = members[2]["C"].astype(np.float64)
    if n_embd == 2:
        assert np.allclose(xy, C, atol=1e-6)
    else:   # distances between characters are kept up to what the two axes drop: compare on the last C's axes
        last = members[-1]["C"].astype(np.float64)
        _, _, Vh = np.linalg.svd(last - last.mean(0), full_matrices=False)
        assert np.allclose(np.abs(xy), np.abs((C - last.mean(0)) @ Vh[:2].T), atol=1e-6)
    assert not np.allclose(xy, frame[(frame["view"] == "char") & (frame["m"] == 0)][["x", "y"]].to_numpy())
    again = chart(open_page(), "emb_travel_chart")[0]
    assert again == spec
    projected = chart(open_page({"classroom_projector": True}), "emb_travel_chart")[0]
    assert projected["config"]["axis"]["labelFontSize"] > spec["config"]["axis"]["labelFontSize"]   # projector


def test_a_diverged_runs_nan_c_is_left_out_of_the_scrubber(monkeypatch, default_names):
    """A step whose C is NaN (a run that diverged): the finite steps are scrubbed, the page does not crash."""
    import numpy as np

    import ui.runs
    from makemore_core import snapshots
    from makemore_core.training import TrainConfig
    data = Dataset.from_path(default_names)
    manager = ui.runs.RunManager()
    run = manager.new_run("tiny", data, data.tensors(3), ModelConfig(n_embd=6, n_hidden=16, hidden_layers=1),
                          TrainConfig(steps=30, stats_every=10), "cpu")
    monkeypatch.setattr(ui.runs, "session_runs", lambda: manager)
    run.start()
    run.wait(30)
    broken = dict(snapshots.members(run.snapshots)[-1], step=30, C=np.full((27, 6), np.nan, dtype=np.float32))
    snapshots.add(run.snapshots, broken)
    at = open_page()                                        # no exception (open_app_page checks)
    _, frame = chart(at, "emb_travel_chart")
    assert frame[frame["view"] == "note"]["note"].str.startswith("step 30 ").sum() == 0
    assert np.isfinite(frame[frame["view"] == "char"][["x", "y"]].to_numpy()).all()
