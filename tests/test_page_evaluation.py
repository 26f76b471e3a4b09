"""The Evaluation page in AppTest: with a run from the Training page, with an uploaded checkpoint,
with both, and with none (the quick model). The BatchNorm-mode table must rank batch-of-1 last."""
import math
from pathlib import Path

import pytest
from conftest import open_app_page

import ui.runs
from makemore_core import checkpoint, sampling
from makemore_core.data import Dataset, Vocab
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/evaluation.py"
SMALL = dict(n_embd=8, n_hidden=48, hidden_layers=2)   # BatchNorm everywhere, fast to train and evaluate


@pytest.fixture(scope="module")
def dataset():
    return Dataset.from_path(ROOT / "data" / "names.txt")


@pytest.fixture(scope="module")
def data(dataset):
    return dataset.tensors(3)


def trained_manager(dataset, data, steps=600):
    """A RunManager holding one finished run, registered as the Training page registers it."""
    manager = ui.runs.RunManager()
    run = manager.new_run("test run", dataset, data, ModelConfig(vocab_size=len(dataset.vocab), **SMALL),
                          TrainConfig(steps=steps, lr_milestones=[steps * 3 // 4], eval_every=steps // 3), "cpu")
    run.trainer.run()
    run.state = "finished"
    return manager


@pytest.fixture(scope="module")
def manager(dataset, data):
    return trained_manager(dataset, data)


@pytest.fixture(scope="module")
def checkpoint_bytes(manager):
    run = manager.runs[0]
    return checkpoint.to_bytes(run.trainer.model, run.vocab)


def open_page(monkeypatch, manager, page=PAGE):
    monkeypatch.setattr(ui.runs, "session_runs", lambda: manager)
    return open_app_page(page, timeout=120)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def upload(at, page, name, raw):
    at.file_uploader(key=f"{page}_checkpoint_upload").set_value((name, raw, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]


def bn_table(at):
    return at.dataframe[0].value   # the only table on the page


# ---------------------------------------------------------------- with a trained run

def test_trained_run_split_losses_and_gaps(monkeypatch, manager, data):
    at = open_page(monkeypatch, manager)
    m = metrics(at)
    train, val, test = (float(m[f"{s} loss"]) for s in ("train", "val", "test"))
    assert 1.8 < train < 3.0 and 1.8 < val < 3.0 and 1.8 < test < 3.0
    assert float(m["uniform guess"]) == pytest.approx(math.log(27), abs=1e-4)
    assert any("Run 1" in md.value or "test run" in md.value for md in at.markdown)
    # the page's number is the core's whole-split eval-mode loss
    from makemore_core.evaluation import split_loss
    model = manager.runs[0].trainer.model
    assert val == pytest.approx(split_loss(model, *data["val"]), abs=1e-4)


def test_batchnorm_table_ranks_batch_of_one_worst(monkeypatch, manager):
    at = open_page(monkeypatch, manager)
    table = bn_table(at)
    assert list(table["BatchNorm statistics"]).count("batch statistics, batch of 1") == 1
    assert len(table) == 4
    last = table.iloc[-1]
    assert last["BatchNorm statistics"] == "batch statistics, batch of 1"
    assert last["val loss"] == "NaN" and last["verdict"] == "worst"
    assert "NaN" in last["sampled names"]
    finite = [float(v) for v in table["val loss"][:-1]]
    assert finite == sorted(finite) and all(1.5 < v < 3.3 for v in finite)
    assert table.iloc[0]["verdict"] == "best"
    # the other modes sampled real names
    assert all(row.count(",") >= 2 for row in table["sampled names"][:-1])
    chart = next(c for c in at.get("plotly_chart") if "NaN (undefined)" in c.proto.spec)
    assert "batch statistics, batch of 1" in chart.proto.spec


def test_history_chart_shows_val_loss(monkeypatch, manager):
    at = open_page(monkeypatch, manager)
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    history = [s for s in specs if "val loss (whole split)" in s]
    assert len(history) == 1
    assert "training step" in history[0]


def test_name_nll_strip_and_totals(monkeypatch, manager):
    at = open_page(monkeypatch, manager)
    at.text_input(key="eval_word").set_value("olivia").run()
    m = metrics(at)
    from makemore_core.evaluation import word_nll
    rows = word_nll(manager.runs[0].trainer.model, manager.runs[0].vocab, "olivia", 3)
    total = sum(r["nll"] for r in rows)
    assert float(m["total NLL"]) == pytest.approx(total, abs=2e-3)
    assert float(m["mean NLL"]) == pytest.approx(total / 7, abs=2e-3)   # 6 letters + the end
    assert m["in the data"] != "no"
    strip = next(c for c in at.get("plotly_chart") if "nll " in c.proto.spec and "heatmap" in c.proto.spec)
    assert ".ol" in strip.proto.spec   # a context on the axis


@pytest.mark.parametrize("word, message", [("Zoë", "not in its vocabulary"), ("an.na", "'.' cannot be part"),
                                           ("Emma", "try it in lowercase")])
def test_name_outside_vocabulary_gets_clear_error(monkeypatch, manager, word, message):
    at = open_page(monkeypatch, manager)
    at.text_input(key="eval_word").set_value(word).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


def test_empty_name_asks_for_one(monkeypatch, manager):
    at = open_page(monkeypatch, manager)
    at.text_input(key="eval_word").set_value("   ").run()
    assert not at.exception and not at.error
    assert any("Type a name" in i.value for i in at.info)


# ---------------------------------------------------------------- with an uploaded checkpoint

def test_uploaded_checkpoint(monkeypatch, checkpoint_bytes, manager):
    at = open_page(monkeypatch, ui.runs.RunManager())
    upload(at, "evaluation", "small.pt", checkpoint_bytes)
    assert any("Uploaded checkpoint small.pt" in md.value for md in at.markdown)
    m = metrics(at)
    model = manager.runs[0].trainer.model
    from makemore_core.evaluation import split_loss
    dataset_val = Dataset.from_path(ROOT / "data" / "names.txt").tensors(3)["val"]
    assert float(m["val loss"]) == pytest.approx(split_loss(model, *dataset_val), abs=1e-4)
    assert bn_table(at).iloc[-1]["verdict"] == "worst"
    # no run, so no history
    assert not any("val loss (whole split)" in c.proto.spec for c in at.get("plotly_chart"))


def test_bad_checkpoint_is_refused_with_a_message(monkeypatch):
    at = open_page(monkeypatch, ui.runs.RunManager())
    upload(at, "evaluation", "notes.pt", b"this is not a checkpoint")
    assert any("That file was not used" in e.value for e in at.error)
    assert at.button(key="evaluation_quick_train")   # still offering a quick model: nothing changed


def test_run_and_checkpoint_user_chooses_newest_by_default(monkeypatch, manager, checkpoint_bytes):
    at = open_page(monkeypatch, manager)
    upload(at, "evaluation", "later.pt", checkpoint_bytes)
    pick = at.selectbox(key="evaluation_model_pick")
    assert pick.value.startswith("ckpt:")   # uploaded last: the most recent
    assert len(pick.options) == 2
    assert not any("val loss (whole split)" in c.proto.spec for c in at.get("plotly_chart"))
    assert any("Run" in o for o in pick.options) and any("later.pt" in o for o in pick.options)
    run_key = f"run:{manager.runs[0].id}"
    pick.set_value(run_key).run()
    assert not at.exception
    assert at.selectbox(key="evaluation_model_pick").value == run_key
    assert any("val loss (whole split)" in c.proto.spec for c in at.get("plotly_chart"))
    # the choice survives a page switch
    at.switch_page("pages/sampling.py").run()
    assert at.selectbox(key="sampling_model_pick").value == run_key


# ---------------------------------------------------------------- with no model

def test_no_model_offers_quick_model_and_shows_gibberish(monkeypatch):
    at = open_page(monkeypatch, ui.runs.RunManager())
    assert at.button(key="evaluation_quick_train")
    assert any("gibberish" in md.value for md in at.markdown)
    names = at.code[0].value.split("\n")
    assert len(names) == 8 and sum(len(n) for n in names) / len(names) > 8   # long random strings
    assert not at.metric   # nothing to evaluate yet


def test_quick_model_trains_in_background_then_page_fills_in(monkeypatch):
    manager = ui.runs.RunManager()
    at = open_page(monkeypatch, manager)
    at.select_slider(key="evaluation_quick_steps").set_value(1_000).run()
    at.button(key="evaluation_quick_train").click().run()
    assert len(manager.runs) == 1
    run = manager.runs[0]
    try:
        assert run.trainer.config.steps == 1_000
        assert any("Training a quick model" in p.proto.text for p in at.get("progress"))
        run.thread.join(timeout=120)
        assert run.state == "finished"
        at.run()
        assert not at.exception
        m = metrics(at)
        assert float(m["val loss"]) < 2.9   # trained: well below the uniform 3.30
        assert bn_table(at).iloc[-1]["BatchNorm statistics"] == "batch statistics, batch of 1"
    finally:
        run.stop()
        run.thread.join(timeout=10)


# ---------------------------------------------------------------- the core helper the table uses

def test_sample_batch_stats_batch_of_one_is_undefined(dataset):
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab), **SMALL))
    assert sampling.sample_batch_stats(model, dataset.vocab, 1) == [None]
    a = sampling.sample_batch_stats(model, dataset.vocab, 32, seed=7)
    assert a == sampling.sample_batch_stats(model, dataset.vocab, 32, seed=7)
    assert len(a) == 32 and all(isinstance(n, str) for n in a)
    assert model.training and all(bn.update_running for bn in model.batchnorms())   # left as it was


def test_diverged_run_gets_a_message_not_a_traceback(monkeypatch, dataset, data):
    manager = trained_manager(dataset, data, steps=30)
    run = manager.runs[0]
    run.trainer.model.C.data[0, 0] = float("inf")
    run.state = "diverged"
    for page in (PAGE, "pages/sampling.py"):
        at = open_page(monkeypatch, manager, page)
        assert any("not all finite" in e.value for e in at.error)
        assert not at.metric


def test_run_still_training_is_pinned_until_asked(monkeypatch, dataset, data):
    manager = trained_manager(dataset, data, steps=60)
    run = manager.runs[0]
    run.trainer.config.steps = 200
    run.state = "running"   # as the Training page's thread would report it (driven by hand here)
    at = open_page(monkeypatch, manager)
    assert any("Weights at step 60" in c.value for c in at.caption)
    first = metrics(at)["val loss"]
    run.trainer.run(steps=40)
    at.text_input(key="eval_word").set_value("ava").run()
    assert any("Weights at step 60; the run is still training (now at step 100)" in c.value for c in at.caption)
    assert metrics(at)["val loss"] == first   # the same weights as before
    at.button(key="evaluation_refresh_snapshot").click().run()
    assert any("Weights at step 100" in c.value for c in at.caption)
    assert metrics(at)["val loss"] != first


def untrained_checkpoint(words):
    """Checkpoint bytes of an untrained small model on the characters of `words`."""
    vocab = Vocab.from_words(words)
    return checkpoint.to_bytes(MLP(ModelConfig(vocab_size=len(vocab), **SMALL)), vocab)


def test_replacing_the_checkpoint_by_one_of_other_characters(monkeypatch, checkpoint_bytes):
    """The second upload replaces the first at once: the page used to keep the old model with the
    new file's alphabet for one redraw, and crash (IndexError) when the alphabets differed."""
    at = open_page(monkeypatch, ui.runs.RunManager())
    upload(at, "evaluation", "first.pt", checkpoint_bytes)
    upload(at, "evaluation", "second.pt", untrained_checkpoint(["xyz", "zyx"]))
    assert not at.exception
    assert any("Uploaded checkpoint second.pt" in md.value for md in at.markdown)
    assert any("knows 4 characters" in w.value for w in at.warning)


def test_a_list_of_a_few_words_says_its_splits_are_empty(monkeypatch):
    """Three words split 80/10/10 (2, 0, 1) leave val empty: said in words, never "nan" or "0.0000 best"."""
    at = open_page(monkeypatch, ui.runs.RunManager())
    words = ["anna", "bob", "emma"]
    at.session_state["dataset_upload"] = {"name": "few.txt", "bytes": "\n".join(words).encode() + b"\n"}
    upload(at, "evaluation", "few.pt", untrained_checkpoint(words))
    m = metrics(at)
    assert m["val loss"] == "empty split"
    assert math.isfinite(float(m["train loss"])) and math.isfinite(float(m["test loss"]))
    assert any("The val split is empty" in i.value and "3 words" in i.value for i in at.info)
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "info", "metric") for e in getattr(at, kind))
    assert "nan" not in shown.lower() and "0.0000" not in shown
    assert not at.dataframe          # no BatchNorm table ranking losses of an empty split


def test_evaluation_opens_on_the_newest_model(monkeypatch, manager, checkpoint_bytes):
    # issue 12: it opened on an uploaded checkpoint older than the run trained after it
    from ui import state
    run = manager.runs[0]
    monkeypatch.setattr(ui.runs, "session_runs", lambda: manager)
    for offset, newest in ((-60, f"run:{run.id}"), (+60, "ckpt:")):
        upload = {"name": "other.pt", "bytes": checkpoint_bytes, "at": run.created + offset}
        at = open_app_page(PAGE, session={state.CHECKPOINT_KEY: upload}, timeout=120)
        assert at.selectbox(key="evaluation_model_pick").value.startswith(newest)


# ---------------------------------------------------------------- the view is a link (issue 12)

@pytest.fixture(scope="module")
def two_runs(dataset, data):
    """A RunManager with two finished runs: the newest is chosen by default, a link can name the other."""
    manager = trained_manager(dataset, data, steps=90)
    first, second = manager.runs[0], trained_manager(dataset, data, steps=60).runs[0]
    second.created = first.created + 1
    manager.runs.append(second)
    return manager


def open_link(monkeypatch, manager, query):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setattr(ui.runs, "session_runs", lambda: manager)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_reopens_the_same_model_and_name(monkeypatch, two_runs):
    first, second = two_runs.runs
    at = open_link(monkeypatch, two_runs, {})
    assert at.selectbox(key="evaluation_model_pick").value == f"run:{second.id}"   # the newest by default
    at.selectbox(key="evaluation_model_pick").set_value(f"run:{first.id}").run()
    at.text_input(key="eval_word").set_value("olivia").run()
    query = {k: at.query_params[k] for k in at.query_params}
    assert str(query["word"]) in ("olivia", "['olivia']") and first.link in str(query["run"])
    shown = metrics(at)

    again = open_link(monkeypatch, two_runs, {k: v[0] if isinstance(v, list) else v for k, v in query.items()})
    assert again.selectbox(key="evaluation_model_pick").value == f"run:{first.id}"
    assert again.text_input(key="eval_word").value == "olivia"
    assert metrics(again) == shown                                          # the same losses and the same NLL
    assert metrics(again)["val loss"] != metrics(open_link(monkeypatch, two_runs, {}))["val loss"]
