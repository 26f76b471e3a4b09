"""Predict, then reveal (issue 27 item 1): the progress kept in the address, the verdicts, each
question's answer against a direct formula, and the flow on the Lecture page (AppTest)."""
import math

import numpy as np
import pytest
from conftest import ROOT, open_app_page

from makemore_core import lecture_demos as demos
from ui import lecture_progress as progress
from ui.lecture import CHAPTERS, chapter_id
from ui.lecture.common import CHAPTER_KEY, SEEN_KEY
from ui.lecture.predict import Question
from ui.lecture.questions import (
    QUESTIONS,
    _fan_in,
    _outlier,
    _params,
    all_questions,
    curve_shape,
    e02_verdict,
    top_question,
    weight_label,
)

IDS = [chapter_id(c) for c in CHAPTERS]
TOTAL = len(all_questions())


# ---------------------------------------------------------------- the address

def test_progress_reads_back_what_it_writes():
    entries = {"start": ("3.3", "c"), "tanh": ("40", "f"), "kaiming": ("", "s"), "e01": ("part", "p"),
               "bonus": ("1e-05", "c")}
    assert progress.parse_guesses(progress.guesses_text(entries)) == entries
    assert progress.parse_seen(progress.seen_text({"start", "after-1001"})) == {"start", "after-1001"}


def test_a_hand_edited_address_costs_only_its_bad_entries():
    found = progress.parse_guesses("start_3.3_c~tanh_40_x~<script>_1_c~kaiming_31.6_f~~")
    assert found == {"start": ("3.3", "c"), "kaiming": ("31.6", "f")}
    assert progress.parse_seen("start~~BAD ID~tanh") == {"start", "tanh"}


def test_every_chapter_has_a_question_at_its_top():
    assert all(top_question(cid) is not None for cid in IDS), [cid for cid in IDS if top_question(cid) is None]
    ids = [q.id for qs in QUESTIONS.values() for q in qs]
    assert len(ids) == len(set(ids)) and all(progress._SEEN.fullmatch(i) for i in ids)


# ---------------------------------------------------------------- verdicts

def test_close_is_within_the_questions_tolerance():
    relative = Question("x", "?", None, within=0.2)
    assert relative.is_close("30", 31.7) and not relative.is_close("20", 31.7)
    absolute = Question("y", "?", None, within=0.3, relative=False)
    assert absolute.is_close("3.5", 3.2958) and not absolute.is_close("3.7", 3.2958)
    choice = Question("z", "?", None, choices={"a": "A", "b": "B"})
    assert choice.is_close("a", "a") and not choice.is_close("b", "a")


def test_curve_shape_tells_a_hockey_stick_from_a_steady_fall():
    cliff = [28.0] + [3.0 - 0.0001 * i for i in range(2999)]
    steady = [28.0 - 0.008 * i for i in range(3000)]
    flat = [3.3 - 0.00001 * i for i in range(3000)]
    assert curve_shape(cliff, 3.3)[0] == "cliff" and curve_shape(cliff, 3.3)[1] > 0.95
    assert curve_shape(steady, 3.3)[0] == "steady"
    assert curve_shape(flat, 3.3)[0] == "flat"


def test_fold_verdict_reads_float_rounding_as_the_same():
    assert e02_verdict(0.0, 5.0) == "exact"
    assert e02_verdict(2.4e-6, 5.2) == "rounding"
    assert e02_verdict(0.3, 5.2) == "differ"


def test_weight_labels_count_linears_as_the_lecture_does():
    names = ["C", "layers.0.weight", "layers.3.weight", "layers.6.weight"]
    assert [weight_label(n, names) for n in names] == ["C (the embedding)", "Linear 1", "Linear 2",
                                                       "Linear 3 (output)"]


# ---------------------------------------------------------------- answers against direct formulas

class _Ctx:
    vocab_size = 27


def test_answers_that_need_no_data_match_their_formulas():
    assert _fan_in(_Ctx()).value == pytest.approx(math.sqrt(1000), rel=0.03)   # a sample of 200,000 products
    x = np.array(demos.five_values(), dtype=np.float64)
    x[0] = 30.0
    direct = (x[0] - x.mean()) / x.std(ddof=1)                                 # the widget's unbiased std
    assert _outlier(_Ctx()).value == pytest.approx(direct, abs=1e-5)
    assert _outlier(_Ctx()).value < 4 / math.sqrt(5)
    hidden, embd, vocab = 100, 10, 27
    count = vocab * embd + 3 * embd * hidden + 4 * hidden * hidden + hidden * vocab + 2 * (5 * hidden + vocab)
    assert _params(_Ctx()).value == count == 47_024


# ---------------------------------------------------------------- the flow on the page

def open_chapter(cid, query=None):
    from streamlit.testing.v1 import AppTest
    if query is None:
        return open_app_page("lecture", {CHAPTER_KEY: cid, "lecture_pick": cid}, timeout=240)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)   # a link: the address decides (F5, a shared link)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/lecture.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def record(at) -> str:
    return next(m.value for m in at.markdown if "**Predictions**" in m.value)


def test_lock_in_a_guess_then_the_answer_stands_beside_it_and_the_address_keeps_it():
    at = open_chapter("kaiming")
    assert "0 of" in record(at) and "Predict first." in at.markdown[2].value + "".join(m.value for m in at.markdown)
    at.slider(key="predict_kaiming_input").set_value(30.0).run()
    at.button(key="predict_kaiming_lock").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Your guess"] == "30" and float(metrics["The answer here"]) == pytest.approx(math.sqrt(1000),
                                                                                                 rel=0.03)
    assert any("**Close**" in m.value and "from the answer" in m.value for m in at.markdown)
    assert record(at).endswith(f"1 of {TOTAL} predicted, 1 close")
    assert at.query_params["guess"] == "kaiming_30_c" and "kaiming" in at.query_params["seen"]


def test_skip_reveals_without_a_guess_and_ask_again_asks_again():
    at = open_chapter("bonus")
    at.button(key="predict_bonus_skip").click().run()
    assert {m.label: m.value for m in at.metric}["Your guess"] == "skipped"
    assert f"0 of {TOTAL} predicted" in record(at) and at.query_params["guess"] == "bonus__s"
    at.button(key="predict_bonus_again").click().run()
    assert at.slider(key="predict_bonus_input") is not None and "guess" not in at.query_params


def test_a_reload_keeps_seen_chapters_and_guesses_and_ask_clears_the_chapters_question():
    address = {"chapter": "kaiming", "seen": "start~softmax~tanh~kaiming", "guess": "kaiming_20_f~start_3.3_c"}
    at = open_chapter("kaiming", address)
    assert "4 of" in next(m.value for m in at.markdown if "**Chapters**" in m.value)
    assert {"start", "softmax", "tanh", "kaiming"} <= at.session_state[SEEN_KEY]
    assert record(at).endswith(f"2 of {TOTAL} predicted, 1 close")
    assert {m.label: m.value for m in at.metric}["Your guess"] == "20"       # the reveal, not the question
    teacher = open_chapter("kaiming", {**address, "ask": "1"})
    assert teacher.button(key="predict_kaiming_lock") is not None          # asked again
    assert teacher.query_params["guess"] == "start_3.3_c" and "ask" not in teacher.query_params
