"""AppTest of the exercise chapter (ui/lecture/exercises.py), through its render(ctx) as the Lecture page
calls it. Short runs: the chapter's step counts are lowered for the test (the math is the same)."""
import time

import pytest
from conftest import vega_chart
from streamlit.testing.v1 import AppTest

from makemore_core import MLP, Dataset, ModelConfig, TrainConfig, Trainer, Vocab, checkpoint
from makemore_core.device import configure_threads
from makemore_core.stages import stage_configs
from ui.lecture import exercises
from ui.state import CHECKPOINT_KEY

configure_threads()


def chapter():
    from ui.lecture import exercises
    exercises.render(None)


@pytest.fixture(autouse=True)
def short_runs(monkeypatch, tmp_path):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))   # the chapter's results go to disk: start empty
    monkeypatch.setattr(exercises, "E01_STEPS", [200, 400])
    monkeypatch.setattr(exercises, "FOLD_STEPS", 300)


def open_chapter(session=None):
    at = AppTest.from_function(chapter, default_timeout=600)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_e01_asks_for_a_guess_before_training():
    at = open_chapter()
    guess = at.radio(key="ex_e01_guess")
    assert guess.value is None and len(guess.options) == 3
    assert any("guess first" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "ex_e01_train"]


def test_e01_trains_both_and_shows_that_only_the_output_beta_moved():
    at = open_chapter()
    at.radio(key="ex_e01_guess").set_value("none").run()
    at.select_slider(key="ex_e01_steps").set_value(200).run()
    at.button(key="ex_e01_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Parameters that moved (zeros)") == "1 of 19"
    table = next(df.value for df in at.dataframe if "zeros: moved?" in df.value.columns)
    moved = table[table["zeros: moved?"] == "yes"]["parameter"].tolist()
    assert moved == ["layers.16.beta"]
    assert (table["normal: mean |update|"] > 0).all()            # with a normal init everything learns
    assert float(metric(at, "All zeros: val loss")) > float(metric(at, "Normal init: val loss")) + 0.1
    text = " ".join(m.value for m in at.markdown)
    assert "Not quite" in text and "Only layers.16.beta" in text
    assert len(at.get("plotly_chart")) >= 3   # loss, two heat maps
    activations = vega_chart(at, "ex_e01_act")[1]
    assert set(activations["net"]) == {"normal", "zeros"}
    assert set(activations[activations["net"] == "normal"]["stroke"]) == {"dashed"}   # as the caption says
    assert set(vega_chart(at, "ex_e01_grad")[1]["net"]) == {"normal"}   # the zeros' gradients are all 0: not drawn
    # the result is kept: a second visit shows it at once, with no button to train again
    again = open_chapter({"ex_e01_guess": "part", "ex_e01_steps": 200})
    assert metric(again, "Parameters that moved (zeros)") == "1 of 19"
    assert "You were right" in " ".join(m.value for m in again.markdown)
    assert not [b for b in again.button if b.key == "ex_e01_train"]


def test_e02_folds_the_chapters_own_net():
    at = open_chapter()
    assert at.radio(key="ex_e02_source").value == "own"
    assert float(metric(at, "Largest |logit difference|, float32")) < 1e-4
    assert float(metric(at, "… in float64")) < 1e-10
    assert metric(at, "Parameters") == f"{(30 * 100 + 100) + (100 * 100 + 100) + (100 * 27 + 27) + 27 * 10:,}"
    before, after = [df.value for df in at.dataframe if list(df.value.columns) == ["layer"]]
    assert before["layer"].str.contains("BatchNorm").sum() == 3
    assert not after["layer"].str.contains("BatchNorm").any() and len(after) == len(before) - 3
    samples = next(df.value for df in at.dataframe if "folded" in df.value.columns)
    assert samples["with BatchNorm"].tolist() == samples["folded"].tolist()
    assert any("the same names from both" in m.value for m in at.markdown)


def test_e02_other_sources_explain_what_is_missing(monkeypatch):
    from ui import runs
    monkeypatch.setattr(runs, "session_runs", runs.RunManager)   # a tab with no runs (other tests leave some)
    at = open_chapter()
    at.radio(key="ex_e02_source").set_value("run").run()
    assert any("No run has trained yet" in i.value for i in at.info)
    at.radio(key="ex_e02_source").set_value("upload").run()
    assert any("Upload a checkpoint" in i.value for i in at.info)


def upload(model, vocab):
    return {CHECKPOINT_KEY: {"name": "m.pt", "bytes": checkpoint.to_bytes(model, vocab), "at": time.time()},
            "ex_e02_source": "upload"}


def test_e02_refuses_a_model_without_batchnorm_and_a_foreign_vocabulary():
    at = open_chapter(upload(MLP(ModelConfig(batchnorm=False)), Vocab("abcdefghijklmnopqrstuvwxyz")))
    assert any("nothing to fold" in w.value for w in at.warning)
    at = open_chapter(upload(MLP(ModelConfig(vocab_size=4)), Vocab("xyz")))
    assert any("Cannot compare on this data set" in e.value for e in at.error)


def test_e02_folds_a_run_of_the_lectures_own_batchnorm(default_names):
    """The batchnorm stage's layer keeps a running std and no eps: it folds like torch's BatchNorm1d."""
    dataset = Dataset.from_path(default_names)
    model = MLP(stage_configs("batchnorm", len(dataset.vocab))[0])
    Trainer(model, dataset.tensors(3), TrainConfig(steps=300, lr_milestones=[]), engine="fast-uncompiled").run()
    at = open_chapter(upload(model, dataset.vocab))
    assert float(metric(at, "Largest |logit difference|, float32")) < 1e-4
    assert float(metric(at, "… in float64")) < 1e-10
    assert metric(at, "Parameters") == f"{30 * 200 + 200 + 200 * 27 + 27 + 27 * 10:,}"
