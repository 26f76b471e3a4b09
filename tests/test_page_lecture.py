"""The Lecture page, headless (AppTest): every chapter renders its figures and its "try it", the
chapters seen get a checkmark, "try it" lands on its page with the chapter's settings, and on the
lecture's names.txt the numbers are the notebook's."""
import math

import pytest

from conftest import open_app_page, vega_chart
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
    at = open_chapter("kaiming")
    at.toggle(key="lecture_divide").set_value(False).run()
    at.select_slider(key="lecture_fan_in").set_value(100).run()
    assert "std(x @ w) **10." in text(at) or "std(x @ w) **9." in text(at)   # about sqrt(100)
    spec, lines = vega_chart(at, "lecture_fan_in")
    at.toggle(key="lecture_divide").set_value(True).run()
    assert "std(x @ w) **1.0" in text(at) or "std(x @ w) **0.9" in text(at)
    again, divided = vega_chart(at, "lecture_fan_in")
    assert again == spec and set(divided["series"]) == {"x", "y = x @ w"}   # new data, same chart
    peak = lambda d: d[d["series"] == "y = x @ w"]["density"].max()   # noqa: E731
    assert peak(divided) > 5 * peak(lines)   # std 1 instead of 10: a narrower, taller density


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
        assert at.session_state["sampling_settings"]["sampling_n"] == 20
        assert at.session_state["sampling_settings"]["sampling_seed"] == 2147483647 + 10


def test_lecture_numbers_on_the_lectures_names(lecture_names):
    session = lecture_session(lecture_names)
    at = open_chapter("start", session)
    assert any("the notebook's" in s.value for s in at.success)
    assert "27.8817 (notebook: 27.8817, the same)" in text(at)
    assert next(m.value for m in at.metric if m.label == "Parameters") == "11,897"

    at = open_chapter("after-1001", session)
    split = at.dataframe[0].value.set_index("split")["loss"]
    assert round(split["train"], 4) == notebook.DEEP_SPLIT["train"]
    assert round(split["val"], 4) == notebook.DEEP_SPLIT["val"]
    assert at.code[0].value.split() == [f"{name}." for name in notebook.DEEP_NAMES]
    assert "the notebook's, name for name" in text(at)

    at = open_chapter("diagnostics", session)
    table = at.dataframe[0].value
    assert [round(v, 2) for v in table["std"]] == [row[2] for row in notebook.DEEP_ACTIVATIONS]
    assert [round(v, 2) for v in table["saturated %"]] == [row[3] for row in notebook.DEEP_ACTIVATIONS]
    act, grad = vega_chart(at, "lecture_diag_act")[1], vega_chart(at, "lecture_diag_grad")[1]
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
    linear = at.dataframe[0].value.set_index("tensor")["std here"]
    assert linear["c std"] == pytest.approx(31.0124, abs=1e-3)
    assert linear["a grad std"] == pytest.approx(30.8818, abs=1e-3)
    with_bn = at.dataframe[1].value.set_index("tensor")["std here"]
    assert with_bn["out std"] == pytest.approx(1.0, abs=1e-5)
    assert with_bn["x grad std"] == pytest.approx(0.0315, abs=1e-4)
    assert "the five inputs: mean 1.56, std 2.39" in text(at)
    spec, data = vega_chart(at, "lecture_widget")
    normalized = data[(data["part"] == "point") & (data["point"] == "normalized")]["value"]
    assert normalized.mean() == pytest.approx(0, abs=1e-6) and normalized.std() == pytest.approx(1, abs=1e-6)
    at.slider(key="lecture_widget_x0").set_value(30.0).run()   # one outlier sets the std
    again, moved = vega_chart(at, "lecture_widget")
    assert again == spec and "the five inputs: mean 1.56" not in text(at)
    top = moved[(moved["part"] == "point") & (moved["point"] == "the moved input")]["value"]
    assert list(top) == [30.0]


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
    assert at.dataframe[0].value["train"].isna().all()
    assert "Not run yet on this data set" in text(at)
    at.button(key="lecture_run_log").click().run()
    loss_log_jobs.job(digest_of(at)).runner_job.wait(30)   # the runs go on in a background job
    at.run()
    assert runs == FIRST_HALF
    table = at.dataframe[0].value
    assert table["train"].tolist() == pytest.approx([2.01, 2.02, 2.03, 2.04, 2.05])
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
    from streamlit.testing.v1 import AppTest
    from conftest import ROOT
    for chapter, header, warned in (("bonus", f"{IDS.index('bonus') + 1}. ", False), ("nope", "1. ", True)):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        at.query_params["chapter"] = chapter
        at.run()
        at.switch_page("pages/lecture.py").run()
        assert not at.exception and at.header[0].value.startswith(header)
        assert any("chapter=nope" in w.value for w in at.warning) == warned
