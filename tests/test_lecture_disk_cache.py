"""Chapters 2, 5 and 8 of the Lecture page and its exercises train for their numbers (seconds on a first
visit): the results are kept on disk, so a restarted server reads them instead of training again (issue 13)."""
import json

import pytest
import streamlit as st
from conftest import open_app_page

from makemore_core import prepare


def test_on_disk_computes_once_then_reads_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    calls = []
    first = prepare.on_disk("x", lambda: calls.append(1) or {"loss": 2.5, "names": ["emma"]})
    again = prepare.on_disk("x", lambda: calls.append(1) or {"loss": 0.0})
    assert first == again == {"loss": 2.5, "names": ["emma"]} and calls == [1]
    path = next(tmp_path.rglob("*x.json"))
    path.write_text("{half a file")                       # unreadable: computed again, and rewritten
    assert prepare.on_disk("x", lambda: {"loss": 1.0}) == {"loss": 1.0}
    assert json.loads(path.read_text()) == {"loss": 1.0}


def test_a_result_that_cannot_be_stored_is_still_returned(monkeypatch, tmp_path):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    odd = {"value": object()}                              # not JSON
    assert prepare.on_disk("odd", lambda: odd) is odd
    assert not list(tmp_path.rglob("*odd.json"))            # no half-written file left behind


def test_chapter_5_after_a_restart_reads_its_numbers_from_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    first = open_app_page("lecture", {"lecture_chapter": "batchnorm", "lecture_pick": "batchnorm"}, timeout=300)
    assert list(tmp_path.rglob("*calibration-*.json")), "chapter 5's result was not stored"
    st.cache_data.clear()                                  # as a restarted server: only the disk remains

    def no_training(*_args):
        raise AssertionError("trained again instead of reading the disk")
    monkeypatch.setattr(prepare, "calibration", no_training)
    again = open_app_page("lecture", {"lecture_chapter": "batchnorm", "lecture_pick": "batchnorm"}, timeout=300)
    shown = lambda at: [m.value for m in at.metric] + [str(d.value) for d in at.dataframe]  # noqa: E731
    assert shown(again) == shown(first) and shown(first)


if __name__ == "__main__":
    pytest.main([__file__])
