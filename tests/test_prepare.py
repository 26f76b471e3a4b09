"""`prepare` (makemore_core.prepare and the command line) computes everything the Lecture shows, once, into the
disk cache the server reads: after it, no chapter computes anything. Step counts are lowered (the same code runs)."""
import pytest
from conftest import open_app_page

from makemore_core import cli, lossbook, prepare
from ui import state
from ui.lecture import CHAPTERS, chapter_id, compute, exercises

COMPUTATIONS = ("early_curves", "softmax_steps", "calibration", "deep_after", "e01", "e02_model_bytes", "e02_report", "momentum_trace",
                "fine_print")


@pytest.fixture
def short(monkeypatch, tmp_path):
    """A fresh cache directory and short runs, the same numbers in the core and in the pages."""
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    for module in (prepare, compute):
        monkeypatch.setattr(module, "CURVE_STEPS", 60)
        monkeypatch.setattr(module, "CALIBRATION_STEPS", 40)
        monkeypatch.setattr(module, "SOFTMAX_STEPS", 30)
    for module in (prepare, exercises):
        monkeypatch.setattr(module, "E01_STEPS", [30])
        monkeypatch.setattr(module, "FOLD_STEPS", 30)
    monkeypatch.setattr(prepare, "DEEP_RUNS", dict(list(prepare.DEEP_RUNS.items())[:1]))
    monkeypatch.setattr(prepare, "MOMENTUM_STEPS", 200)

    def quick_run(dataset, stage, steps, progress=None, device="cpu"):   # in place of 200,000 real steps
        progress(steps, steps)
        return {"stage": stage, "train": 2.0, "val": 2.1, "seconds": 1.0}
    monkeypatch.setattr(lossbook, "run_stage", quick_run)
    return tmp_path


def forbid_computing(monkeypatch):
    def computed(*_args, **_kwargs):
        raise AssertionError("computed again instead of reading the disk")
    for name in COMPUTATIONS:
        monkeypatch.setattr(prepare, name, computed)
    monkeypatch.setattr(lossbook, "run_stage", computed)


def test_prepare_computes_each_task_once_with_progress_and_an_estimate(short, monkeypatch):
    dataset = state.default_dataset()
    reports = []
    timings = prepare.prepare(dataset, lambda fraction, text: reports.append((fraction, text)))
    tasks = prepare.tasks(dataset)
    assert [label for label, _ in timings] == [t.label for t in tasks] and all(t.done() for t in tasks)
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1.0
    assert all("s left" in text for _, text in reports[:-1])
    forbid_computing(monkeypatch)                   # a second prepare only reads
    assert [seconds for _, seconds in prepare.prepare(dataset)] == [0.0] * len(tasks)


def test_after_prepare_no_chapter_computes_anything(short, monkeypatch):
    assert cli.main(["prepare", "--data", str(state.DEFAULT_DATA)]) == 0
    forbid_computing(monkeypatch)
    for chapter in CHAPTERS:
        cid = chapter_id(chapter)
        at = open_app_page("lecture", {"lecture_chapter": cid, "lecture_pick": cid, "ex_e01_guess": "part"},
                           timeout=120)
        assert not at.exception, (cid, [e.value for e in at.exception])
        assert not [b for b in at.button if b.key in ("lecture_run_log", "ex_e01_train", "lecture_prepare")], cid
    assert "Every chapter is prepared" in " ".join(c.value for c in at.caption)


def test_prepare_on_the_command_line_says_what_it_did_and_refuses_a_missing_file(short, capsys, tmp_path):
    assert cli.main(["prepare", "--data", str(state.DEFAULT_DATA), "--loss-log-steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "chapter 6: the loss log, batchnorm (20 steps)" in out and "in all; cache:" in out
    assert cli.main(["prepare", "--data", str(tmp_path / "absent.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1


def test_chapter_8s_fourth_run_spreads_update_to_data_over_decades():
    """Without ÷√fan_in (plain randn × 5/3, no BatchNorm) the weights' update:data at step 1,000 spread much
    wider than in the notebook's net (on the lecture's names.txt: 2.7 decades against 1.2)."""
    dataset = state.default_dataset()
    data = dataset.tensors(3, "cpu")

    def spread(run):
        last = [series[-1] for series in prepare.deep_after(dataset, data, *run)["update_to_data"].values()]
        return max(last) - min(last)
    notebook, randn = prepare.DEEP_RUNS["the notebook's net (BatchNorm, lr 0.1)"], prepare.DEEP_RUNS[
        "no BatchNorm, no fan-in scaling"]
    assert randn == (0.1, False, 5 / 3, False)
    assert spread(randn) > spread(notebook) + 0.5
    assert prepare.deep_name("d", *randn) != prepare.deep_name("d", *randn[:3])   # its own file in the cache
