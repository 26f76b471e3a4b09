"""The Lecture page, headless (AppTest): every chapter renders its figures and its "try it", the
chapters seen get a checkmark, "try it" lands on its page with the chapter's settings, and on the
lecture's names.txt the numbers are the notebook's."""
import math

import pytest
from conftest import open_app_page, redraw, vega_chart

from ui import state
from ui.lecture import CHAPTERS, chapter_id, notebook
from ui.lecture.common import CHAPTER_KEY, SEEN_KEY
from ui.lecture.try_it import TRY_IT

IDS = [chapter_id(c) for c in CHAPTERS]
LECTURE_IDS = [cid for cid in IDS if cid in TRY_IT]   # chapters 1-10 (chapters appended later have their own tests)


def open_chapter(cid, session=None):
    return open_app_page("lecture", {CHAPTER_KEY: cid, "lecture_pick": cid, **(session or {})}, timeout=240)


def lecture_session(path):
    return {state.DATASET_KEY: {"name": "names.txt", "bytes": path.read_bytes()}}


def text(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "warning", "code") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def digest_of(at):
    from makemore_core.data import Dataset
    from ui.data_stats import digest
    return digest(Dataset.from_path(state.DEFAULT_DATA))


@pytest.mark.parametrize("cid", LECTURE_IDS)
def test_each_chapter_renders_its_content_and_try_it(cid):
    at = open_chapter(cid)
    index = IDS.index(cid)
    assert at.header[0].value == f"{index + 1}. {CHAPTERS[index].TITLE}"
    assert any("What to look at, and why" in i.value for i in at.info)
    assert "Now change one thing" in text(at)
    assert at.button(key=f"lecture_try_{cid}").label.startswith("Try it on the ")
    assert at.get("plotly_chart") or at.get("vega_lite_chart") or at.dataframe or at.code, \
        "a chapter shows figures or numbers"
    assert cid in at.session_state[SEEN_KEY]


def test_default_data_says_the_numbers_differ_from_the_notebook():
    at = open_chapter("start")
    assert any("not the lecture's names.txt" in w.value and "makemore repository" in w.value for w in at.warning)
    assert not at.success


def test_chapters_seen_get_a_checkmark_and_next_moves_on():
    at = open_chapter("start")
    labels = at.radio(key="lecture_pick").options
    assert labels[0].startswith("✓ 1.") and labels[1].startswith("○ 2.")
    at.session_state[CHAPTER_KEY] = "bonus"       # jump to chapter 10, then back one
    at.session_state["lecture_pick"] = "bonus"
    at.run()
    at.button(key="lecture_back").click().run()
    assert at.header[0].value.startswith("9.")
    options = at.radio(key="lecture_pick").options
    assert [o[0] for o in options[:10]] == ["✓", "○", "○", "○", "○", "○", "○", "○", "✓", "✓"]


def test_softmax_toy_loss_is_minus_log_of_the_correct_probability():
    at = open_chapter("start")
    level = next(m for m in at.metric if m.label.startswith("loss"))   # equal logits: the uniform loss itself
    assert level.proto.delta == "same as uniform" and level.proto.color == 2   # grey, not red
    at.slider(key="lecture_toy_2").set_value(5.0).run()
    expected = -math.log(math.exp(5) / (math.exp(5) + 3))
    assert float(next(m.value for m in at.metric if m.label.startswith("loss"))) == pytest.approx(expected, abs=1e-4)
    spec, bars = vega_chart(at, "lecture_toy")
    assert bars["probability"].sum() == pytest.approx(1) and bars["probability"].idxmax() == 2
    assert list(bars["role"]) == ["wrong", "wrong", "correct", "wrong"]   # the correct one drawn green
    at.radio(key="lecture_toy_target").set_value(0).run()   # the confident logit is now a wrong one
    wrong = -math.log(1 / (math.exp(5) + 3))
    assert float(next(m.value for m in at.metric if m.label.startswith("loss"))) == pytest.approx(wrong, abs=1e-4)
    again, bars = vega_chart(at, "lecture_toy")
    assert again == spec and list(bars["role"]) == ["correct", "wrong", "wrong", "wrong"]   # new data, same chart


def test_kaiming_demo_std_grows_with_fan_in_unless_divided():
    """The demo's family travels with its chart (inputs bound inside it): each member is the core's demo."""
    from makemore_core import lecture_demos as demos
    from ui.lecture.ch04_kaiming import FAN_INS
    at = open_chapter("kaiming")
    spec, data = vega_chart(at, "lecture_fan_in")
    assert [p["name"] for p in spec["params"]] == ["fan", "divide", "gain"]
    assert spec["params"][0]["bind"]["input"] == "range" and spec["params"][1]["bind"]["input"] == "checkbox"
    f = FAN_INS.index(100)
    note = lambda g: data[(data["f"] == f) & (data["g"] == g) & (data["series"] == "note")]["note"].iloc[0]  # noqa: E731
    assert "std(x @ w) 10." in note(-1) or "std(x @ w) 9." in note(-1)   # about sqrt(100)
    assert "std(x @ w) 1.0" in note(0) or "std(x @ w) 0.9" in note(0)
    assert f"std(x @ w) {demos.fan_in_demo(100, True, 5 / 3)['y_std']:.3f}" in note(1)
    peak = lambda g: max(float(v) for v in data[(data["f"] == f) & (data["g"] == g)  # noqa: E731
                                                & (data["series"] == "y = x @ w")]["ys"].iloc[0].split(","))
    assert peak(0) > 5 * peak(-1)   # std 1 instead of 10: a narrower, taller density
    redraw(at)
    again, _ = vega_chart(at, "lecture_fan_in")
    assert again == spec


@pytest.mark.parametrize("cid", LECTURE_IDS)
def test_try_it_opens_its_page_with_the_chapters_settings(cid, stop_all_runs):
    at = open_chapter(cid)
    at.button(key=f"lecture_try_{cid}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    item = TRY_IT[cid]
    titles = {"pages/init.py": "Initialization lab", "pages/training.py": "Training", "pages/sampling.py": "Sampling"}
    assert at.title[0].value == titles[item.page]
    if item.page == "pages/init.py":
        assert at.selectbox(key="init_stage").value == item.stage
        if item.preset:
            assert any(item.preset in i.value for i in at.info)
    elif item.page == "pages/training.py":
        assert at.selectbox(key="tr_stage").value == item.stage
        assert at.number_input(key="tr_steps").value == item.settings.get("steps", 200_000)
    else:   # without a trained model the page first offers to train one; the settings wait for it
        assert at.session_state["sampling_n"] == 20
        assert at.session_state["sampling_seed"] == 2147483647 + 10


def test_lecture_numbers_on_the_lectures_names(lecture_names):
    session = lecture_session(lecture_names)
    at = open_chapter("start", session)
    assert any("the notebook's" in s.value for s in at.success)
    assert "27.8817 (the video shows 27.8817; here 27.8817, the same)" in text(at)   # not the notebook's
    assert "the notebook holds the lecture's final code" in text(at)
    assert next(m.value for m in at.metric if m.label == "Parameters") == "11,897"

    at = open_chapter("after-1001", session)
    split = at.dataframe[0].value.set_index("split")
    for name in ("train", "val"):   # cell 19 at its full precision; here within float rounding of it
        printed = notebook.DEEP_SPLIT[name]
        assert split["cell 19 prints"][name] == printed.text
        assert split["here"][name] == printed.fmt(split["loss"][name])
        assert split["vs notebook"][name] in ("the same", "float rounding")
    assert split["cell 19 prints"]["test"] == "—"
    assert at.code[0].value.split() == [f"{name}." for name in notebook.DEEP_NAMES]
    assert "cell 20's, name for name" in text(at)

    at = open_chapter("diagnostics", session)
    table = at.dataframe[0].value
    assert [f"{v:.2f}" for v in table["std"]] == [p.text for p in notebook.DEEP_ACT_STD] == list(table["cell 15 std"])
    assert [f"{v:.2f}" for v in table["saturated %"]] == [p.text for p in notebook.DEEP_SATURATED]
    assert "cell 16 prints 2.640702e-03" in text(at) and "cell 17 prints 8.012630e-03" in text(at)
    spec, steps = vega_chart(at, "lecture_deep_scrub")   # every statistics step, starting at step 1,000
    last = steps[steps["m"] == spec["params"][0]["value"]]
    assert last[last["view"] == "note"]["note"].iloc[0].startswith("step 1,000 ·")
    act, grad = last[last["view"] == "act"], last[last["view"] == "grad"]
    assert act["line"].nunique() == grad["line"].nunique() == 5   # a line per tanh layer, forward and backward
    # the gain sweep: a step swaps the data of one drawn chart (same spec); gain 3 saturates every layer more
    spec, before = vega_chart(at, "lecture_sweep_chart")
    at.select_slider(key="lecture_sweep_gain").set_value("3").run()
    spec_after, after = vega_chart(at, "lecture_sweep_chart")
    def near_one(d):   # the density near ±1: saturated units
        return d[d["x"].abs() > 0.9]["density"].sum()
    assert spec_after == spec and near_one(after) > near_one(before)


def test_bonus_statistics_are_the_notebooks():
    at = open_chapter("bonus")
    linear = at.dataframe[0].value.set_index("tensor")
    assert float(linear["here"]["c std"]) == pytest.approx(31.0124, abs=1e-3)
    assert float(linear["here"]["a grad std"]) == pytest.approx(30.8818, abs=1e-3)
    assert linear["notebook prints"]["c std"] == "31.01241683959961"   # cell 23, as printed
    with_bn = at.dataframe[1].value.set_index("tensor")
    assert float(with_bn["here"]["out std"]) == pytest.approx(1.0, abs=1e-5)
    assert float(with_bn["here"]["x grad std"]) == pytest.approx(0.0315, abs=1e-4)
    # every row at the notebook's precision, and honest about it: the same, or float rounding
    for table in (linear, with_bn):
        for here, printed, verdict in zip(table["here"], table["notebook prints"], table["vs notebook"]):
            assert len(here.split(".")[1]) == len(printed.split(".")[1])
            assert verdict == ("the same" if here == printed else "float rounding")
    spec, data = vega_chart(at, "lecture_widget")   # every place of the slider, picked in the browser
    at_zero = data[data["at"] == 0.0]
    assert at_zero[at_zero["part"] == "note"]["note"].iloc[0].startswith("x0 = 0 · the five inputs: mean 1.56, std 2.39")
    normalized = at_zero[(at_zero["part"] == "point") & (at_zero["point"] == "normalized")]["value"]
    assert normalized.mean() == pytest.approx(0, abs=1e-6) and normalized.std() == pytest.approx(1, abs=1e-6)
    assert spec["params"][0]["value"] == 0 and spec["params"][0]["bind"]["input"] == "range"
    top = data[(data["at"] == 30.0) & (data["point"] == "the moved input")]["value"]
    assert list(top) == [30.0]   # one outlier sets the std; the axis widens for it (the domain's expression)
    assert "abs(x0) <= 6" in spec["layer"][0]["encoding"]["x"]["scale"]["domain"]["expr"]


def test_loss_log_runs_the_missing_stages_once_and_keeps_them_for_everyone(monkeypatch, tmp_path):
    from makemore_core import lossbook
    from ui.lecture import loss_log_jobs
    from ui.lecture.compute import FIRST_HALF
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    runs = []

    def quick_run(dataset, stage, steps, progress=None, device="cpu"):   # in place of 200,000 real steps
        runs.append(stage)
        progress(steps // 2, steps)
        progress(steps, steps)
        return {"stage": stage, "train": 2.0 + len(runs) / 100, "val": 2.1 + len(runs) / 100, "seconds": 1.0}

    monkeypatch.setattr(lossbook, "run_stage", quick_run)
    at = open_chapter("loss-log")
    assert (at.dataframe[0].value["train"] == "—").all()
    assert "Not run yet on this data set" in text(at)
    at.button(key="lecture_run_log").click().run()
    loss_log_jobs.job(digest_of(at)).runner_job.wait(30)   # the runs go on in a background job
    at.run()
    assert runs == FIRST_HALF
    table = at.dataframe[0].value
    assert table["train"].tolist() == ["2.0100", "2.0200", "2.0300", "2.0400", "2.0500"]
    assert not any(b.key == "lecture_run_log" for b in at.button)

    second_learner = open_chapter("loss-log")   # a new session reads them from disk: nothing runs again
    assert second_learner.dataframe[0].value["val"].tolist() == table["val"].tolist()
    assert len(runs) == len(FIRST_HALF)


def test_batchnorm_chapter_shows_b1_has_no_gradient_and_the_lecture_batchnorm_source():
    at = open_chapter("batchnorm")
    line = next(m.value for m in at.markdown if "Put b1 back" in m.value)
    assert float(line.split("**")[1]) < 1e-6       # float rounding only: the loss does not depend on b1
    assert "class LectureBatchNorm" in at.code[0].value
    assert next(m.value for m in at.metric if m.label == "Parameters") == "12,097"


def test_a_link_opens_its_chapter_and_a_bad_one_the_first():
    """?chapter=<id> opens that chapter (a shared link, F5); an unknown id gets the first and a warning."""
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest
    for chapter, header, warned in (("bonus", f"{IDS.index('bonus') + 1}. ", False), ("nope", "1. ", True)):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        at.query_params["chapter"] = chapter
        at.run()
        at.switch_page("pages/lecture.py").run()
        assert not at.exception and at.header[0].value.startswith(header)
        assert any("chapter=nope" in w.value for w in at.warning) == warned


def test_the_banners_digit_for_digit_holds_for_every_number_it_covers(lecture_names):
    """The banner names cells 6, 7, 13, 14, 15 and 20: each chapter that shows them says "the same"."""
    session = lecture_session(lecture_names)
    at = open_chapter("batchnorm", session)
    assert notebook.DIGIT_FOR_DIGIT in next(s.value for s in at.success)
    assert "(cell 7 prints 3.3239; here 3.3239, the same)" in text(at)
    assert "cell 6 prints 12097; here 12097, the same" in text(at)
    at = open_chapter("pytorchify", session)
    assert "Cell 13 prints 47024; here 47024, the same. Cell 14 prints 3.2870; here 3.2870, the same." in text(at)
    at = open_chapter("diagnostics", session)
    lines = [line for line in text(at).splitlines() if line.startswith("- cell 15 prints")]
    assert len(lines) == 3 and all("the same, digit for digit" in line for line in lines)
    at = open_chapter("after-1001", session)
    assert "cell 20's, name for name" in text(at)


def test_loss_log_against_the_notebook_at_its_precision(lecture_names):
    at = open_chapter("loss-log", lecture_session(lecture_names))
    lines = [line for line in text(at).splitlines() if line.startswith("- **")]
    assert len(lines) == 5 and lines[0].startswith("- **original**: train 2.1245384216308594")
    assert all("val " in line for line in lines)


def test_empty_cells_read_as_a_dash_not_none():
    at = open_chapter("loss-log")   # no stage run on this data set yet (or some): nothing reads "None"
    frame = at.dataframe[0].value
    assert not frame.isna().any().any()
    assert "None" not in frame.to_string()
    assert "notebook train" not in frame.columns   # another data set: no notebook column at all


def test_chapter_10_opens_the_lab_on_the_batchnorm_tab():
    at = open_chapter("bonus")
    at.button(key="lecture_try_bonus").click().run()
    assert not at.exception
    assert at.session_state["init_tab"] == "BatchNorm explained"
    assert any("x̂ (normalized)" in str(df.value.index.tolist()) for df in at.dataframe), "the BatchNorm tab is drawn"


def test_chapter_9_trains_the_exact_1001_steps_and_samples_the_notebooks_names(lecture_names, stop_all_runs):
    from ui.training_run import all_runs
    at = open_chapter("after-1001", lecture_session(lecture_names))
    at.button(key="lecture_try_after-1001").click().run()
    assert not at.exception
    import re
    run = max(all_runs(), key=lambda r: r.created)   # the run the click started, training meanwhile
    assert run.trainer.config.steps == 1_001 and run.trainer.config.lr_milestones == [150_000]
    assert any("Training the lecture's deep net, 1,001 steps" in str(p.proto.text) for p in at.get("progress")) \
        or run.state == "finished"   # the page shows it training (unless it was already done)
    run.wait(120)
    at.switch_page("pages/sampling.py").run()   # AppTest reruns its own page: the one the click landed on
    assert not at.exception
    chips = next(m.value for m in at.markdown if m.value.startswith(":") and "background[" in m.value)
    assert re.findall(r"background\[(.*?)\]", chips) == notebook.DEEP_NAMES   # cell 20, name for name


@pytest.mark.parametrize("cid", ["loss-log", "diagnostics"])
def test_a_training_try_it_lands_with_the_chapters_experiment_on_top(cid, stop_all_runs, monkeypatch):
    """Chapters 6 and 8: an earlier run is out of the way, the chapter's experiment is on top with one
    button (the form closed), the expected time comes from a rate measured here; the button starts it."""
    from makemore_core.engine import FastEngine
    # the fast engine's run trains uncompiled here: a compile thread still busy when pytest exits aborts it
    monkeypatch.setattr(FastEngine, "_start_compile", lambda self, trainer, background: None)
    from ui.training_run import all_runs
    at = open_app_page("training", timeout=240)
    at.number_input(key="tr_steps").set_value(50).run()
    at.button(key="tr_start").click().run()        # the learner's earlier run
    earlier = max(all_runs(), key=lambda r: r.created)
    at.switch_page("pages/lecture.py")
    at.session_state[CHAPTER_KEY] = at.session_state["lecture_pick"] = cid
    at.run()
    at.button(key=f"lecture_try_{cid}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Training"
    at.switch_page("pages/training.py").run()   # AppTest reruns its own page: the one the click landed on
    number = IDS.index(cid) + 1
    start = at.button(key="tr_lecture_start")
    assert start.label == f"Run chapter {number}'s experiment" and start.proto.type == "primary"
    assert f"Chapter {number}'s experiment:" in text(at) and TRY_IT[cid].what in text(at)
    assert any(c.value.startswith("Expected time (") and "steps/s" in c.value for c in at.caption)
    assert not any(e.label == "Settings for a new run" and e.proto.expanded for e in at.expander)
    assert any("No run shown" in i.value for i in at.info), "the earlier run is out of the way"
    assert earlier.number in at.dataframe[0].value["run"].tolist(), "and still in the run list"
    assert at.session_state["tr_engine"] == ("fast" if cid == "loss-log" else "eager")
    start.click().run()
    run = max(all_runs(), key=lambda r: r.created)
    assert run is not earlier and run.engine == at.session_state["tr_engine"]
    assert run.train_config.steps == TRY_IT[cid].settings.get("steps", 200_000)
    assert f"**Running** as run {run.number}" in text(at)
    assert not any(b.key == "tr_lecture_start" for b in at.button), "one run per click, no second button"
    for started in (earlier, run):   # ended before the test ends: a thread still training at exit aborts pytest
        started.stop()
        started.wait(60)
        assert not started.alive
    from ui import jobs
    for job in list(jobs.RUNNER.jobs.values()):   # the chapter's own computations (background jobs) too
        job.wait(240)


def test_the_lecture_preset_uses_the_fast_engine_and_says_how_long():
    at = open_app_page("training", timeout=240)
    at.button(key="tr_preset_lecture").click().run()
    assert at.session_state["tr_engine"] == "fast" and at.number_input(key="tr_steps").value == 200_000
    line = next(c.value for c in at.caption if c.value.startswith("Expected time with the fast engine"))
    assert "200,000 steps at" in line and "steps/s" in line


def test_chapter_4_shows_why_kaiming_saturates_more_than_02():
    at = open_chapter("kaiming")
    why = next(m.value for m in at.markdown if m.value.startswith("**Why the principled init saturates more"))
    outs = [float(m.value.split("tanh output std **")[1].split("**")[0]) for m in at.markdown
            if "tanh output std" in m.value]
    assert len(outs) == 2 and outs[1] > outs[0]   # the overshoot keeps the output's spread wider
    assert "tanh *output*" in why and "0.304" in why
