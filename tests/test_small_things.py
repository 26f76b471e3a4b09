"""Small things a learner trips on (issue 26 item 5), each read as the learner reads it (AppTest)."""
from conftest import open_app_page


def upload(words):
    return {"dataset_upload": {"name": "few.txt", "bytes": "\n".join(words).encode()}}


def test_an_empty_validation_split_is_not_called_checked():
    # 5 words: train int(0.8*5) = 4, validation int(0.9*5) - 4 = 0, test 1
    at = open_app_page("data", upload(["anna", "bob", "cleo", "dan", "eve"]))
    passed = next(s.value for s in at.success if s.value.startswith("Index check passed"))
    assert "the non-empty splits" in passed and "The validation split is empty: nothing to check" in passed


def test_one_letter_is_one_letter():
    at = open_app_page("context")
    at.text_input(key="context_name").input("a").run()
    assert any(m.value.startswith("**1 letter + 1 end marker = 2 examples.**") for m in at.markdown)
    at.text_input(key="context_name").input("ab").run()
    assert any(m.value.startswith("**2 letters + 1 end marker") for m in at.markdown)


def test_batchnorm_explainer_writes_one_sign():
    at = open_app_page("init", {"init_tab": "BatchNorm explained", "init_bn_beta": 0.0, "init_bn_value": -6.0})
    line = next(m.value for m in at.markdown if m.value.startswith("batch mean"))
    assert "+ **0.0**" in line and "+ **+" not in line and "− -" not in line
    at.slider(key="init_bn_beta").set_value(-1.5).run()
    line = next(m.value for m in at.markdown if m.value.startswith("batch mean"))
    assert line.endswith("− **1.5**")


def test_one_dead_neuron_is_singular():
    from ui.hints import plural
    assert plural(1, "dead neuron", bold=True) == "**1** dead neuron"
    assert plural(3, "dead neuron") == "3 dead neurons"


def test_sampling_says_a_links_bad_values_even_without_a_model():
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"temperature": "-3", "top_k": "abc"})
    at.run()
    at.switch_page("pages/sampling.py").run()
    assert not at.exception
    warning = next(w.value for w in at.warning if w.value.startswith("Some values in this link were not valid"))
    assert "temperature" in warning and "top_k" in warning
    assert at.session_state["sampling_temperature"] == 1.0 and at.session_state["sampling_top_k"] == 0


def test_removed_characters_have_grey_letters_since_they_have_no_bar():
    import numpy as np

    from ui.figures.sampling import FILTERED, next_char_figure
    itos = [".", *"abcdefghijklmnopqrstuvwxyz"]
    probs = np.zeros(27)
    probs[[1, 5]] = [0.6, 0.4]
    ticks = list(next_char_figure(probs, itos, chosen=1).layout.xaxis.ticktext)
    assert ticks[1] == "a" and ticks[5] == "e"
    assert ticks[2] == f"<span style='color:{FILTERED}'>b</span>" and ticks[0].endswith(">.</span>")


def test_embeddings_with_no_hidden_block_speak_of_no_hidden_layer():
    at = open_app_page("embeddings")
    at.slider(key="emb_hidden_layers").set_value(0).run()
    line = next(m.value for m in at.markdown if m.value.startswith("**Where the"))
    assert "with no hidden block the output Linear (30×27)" in line and "×100 layers" not in line
    at.slider(key="emb_hidden_layers").set_value(1).run()
    line = next(m.value for m in at.markdown if m.value.startswith("**Where the"))
    assert "the one hidden block (30×100)" in line and "100×100" not in line
    at.slider(key="emb_hidden_layers").set_value(5).run()
    assert "the hidden 100×100 layers" in next(m.value for m in at.markdown if m.value.startswith("**Where the"))


def test_the_labs_e01_caption_leaves_the_answer_to_the_exercise():
    at = open_app_page("init")
    captions = " ".join(c.value for c in at.caption)
    assert "exercise E01: guess what it does" in captions
    assert "only the output bias" not in captions and "every activation is 0" not in captions.lower()


def test_the_loss_chart_marks_a_rate_changed_by_hand(dataset, data):
    import json
    import math

    import numpy as np

    from makemore_core.model import ModelConfig
    from makemore_core.training import TrainConfig
    from ui.figures import live
    from ui.training_run import Run
    run = Run("test", dataset, data, ModelConfig(vocab_size=len(dataset.vocab), n_hidden=16, hidden_layers=1),
              TrainConfig(steps=40), "cpu")
    run.start(steps=20)
    run.wait_until(lambda r: r.trainer.step_num >= 20 and r.state == "paused", timeout=60)
    run.set_lr(0.05)                       # by hand, at step 20
    snap = run.snapshot()
    run.stop()
    run.wait(10)
    assert snap["lr_changes"] == [(20, 0.05)]
    chart, spec = live.loss_chart(snap)
    marks = chart[chart["series"] == live.LR_BY_HAND]
    assert list(marks["step"]) == [20.0] and list(marks["label"]) == ["lr 0.05 by hand"]
    plain = {"loss_x": np.arange(3.0), "loss_log10": np.zeros(3), "loss_smooth": np.zeros(3), "bucket": 1, "val": [],
             "uniform_loss": math.log(27)}
    assert json.dumps(live.loss_chart(plain)[1]) == json.dumps(spec)   # the same spec: the mark is data


def test_a_learners_first_run_is_run_1_whatever_other_browsers_ran(dataset, data):
    from makemore_core.model import ModelConfig
    from makemore_core.training import TrainConfig
    from ui.runs import RunManager
    config, train = ModelConfig(vocab_size=len(dataset.vocab), n_hidden=8, hidden_layers=1), TrainConfig(steps=5)
    teacher, learner = RunManager("teacher"), RunManager("learner")
    for _ in range(3):
        teacher.new_run("t", dataset, data, config, train, "cpu")
    first = learner.new_run("l", dataset, data, config, train, "cpu")
    assert [r.number for r in teacher.runs] == [1, 2, 3] and first.number == 1
    assert first.id not in {r.id for r in teacher.runs}      # the server still tells them apart (links)
    assert first.settings()["run"] == 1 and first.status_line()["number"] == 1


def test_the_training_page_numbers_the_runs_of_its_browser(stop_all_runs):
    # (AppTests share one owner, so earlier tests' runs may be this "browser's" too)
    at = open_app_page("training")
    at.number_input(key="tr_steps").set_value(30).run()
    at.button(key="tr_start").click().run()
    numbers = at.dataframe[0].value["run"].tolist()
    assert numbers == list(range(1, len(numbers) + 1))
    assert f"**Run {numbers[-1]}**" in " ".join(m.value for m in at.markdown)


def test_the_chapters_code_wraps_instead_of_running_off_the_screen():
    from ui.lecture.common import CHAPTER_KEY
    for cid in ("batchnorm", "pytorchify"):
        at = open_app_page("lecture", {CHAPTER_KEY: cid, "lecture_pick": cid}, timeout=240)
        code = [c for c in at.code if "class " in c.value]
        assert code and all(c.proto.wrap_lines for c in code), cid


def test_e01_table_says_moved_in_one_word():
    from ui.lecture.exercises import param_table
    one = {"name": "C", "shape": [27, 10], "grad_max": 0.0, "update_mean": 0.0, "update_max": 0.0}
    table = param_table({"params": [one]}, {"params": [one]})
    assert table["zeros: moved?"].tolist() == ["no"]
