"""The lecture's names.txt in one click (issue 26 item 1): downloaded from a setting's address, checked
by sha256, kept like an upload; a 404, a wrong file, a timeout and no connection each get one clear line
and the data in use stays. The "internet" is a local http.server on 127.0.0.1 in a thread."""
import json
import socket

import pytest
from conftest import open_app_page

from makemore_core import cli, lecture_data
from ui import lecture_words, state


@pytest.fixture(scope="module")
def server(names_server):
    return names_server[0]


@pytest.fixture
def closed_port():
    """An address where nothing listens: what a server without internet sees."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/names.txt"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Each test its own upload folder: a copy kept by an earlier test would hide a failed download."""
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))


# ---------------------------------------------------------------- the core

def test_download_checks_the_lecture_file(server):
    raw = lecture_data.download(f"{server}/names.txt")
    assert len(raw.splitlines()) == 32_033


@pytest.mark.parametrize("path, words", [("/missing.txt", "answered 404"),
                                         ("/wrong.txt", "is not the lecture's names.txt")])
def test_404_and_wrong_file_say_so_in_one_line(server, path, words):
    with pytest.raises(lecture_data.LectureDataError) as e:
        lecture_data.download(f"{server}{path}")
    assert words in str(e.value) and "\n" not in str(e.value)


def test_timeout_says_so(server):
    with pytest.raises(lecture_data.LectureDataError, match="did not answer within 0.5 s"):
        lecture_data.download(f"{server}/slow.txt", timeout=0.5)


def test_no_connection_says_no_internet(closed_port):
    with pytest.raises(lecture_data.LectureDataError, match=r"cannot reach .*\(no internet\?\)"):
        lecture_data.download(closed_port)


def test_fetch_keeps_a_copy_and_uses_it_offline(server, tmp_path, monkeypatch):
    monkeypatch.setenv(lecture_data.URL_SETTING, f"{server}/names.txt")
    cache = tmp_path / "lecture.txt"
    assert lecture_data.fetch(cache) == cache.read_bytes()
    monkeypatch.setenv(lecture_data.URL_SETTING, f"{server}/missing.txt")   # the address now fails
    assert len(lecture_data.fetch(cache).splitlines()) == 32_033


def test_cli_data_lecture_gives_the_notebooks_step0_loss(server, monkeypatch, capsys):
    monkeypatch.setenv(lecture_data.URL_SETTING, f"{server}/names.txt")
    assert cli.main(["stats", "--data", "lecture", "--steps", "0", "--json"]) == 0
    assert f"{json.loads(capsys.readouterr().out)['loss']:.4f}" == "3.2870"   # the notebook's cell 14


def test_cli_data_lecture_without_internet_is_one_line(closed_port, monkeypatch, capsys):
    monkeypatch.setenv(lecture_data.URL_SETTING, closed_port)
    assert cli.main(["stats", "--data", "lecture", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --data lecture: this server cannot reach") and err.count("\n") == 1


# ---------------------------------------------------------------- the app

def warning_text(at):
    return " ".join(w.value for w in at.warning)


def test_lecture_button_switches_to_the_lecture_data_and_puts_it_in_the_address(server, monkeypatch):
    monkeypatch.setenv(lecture_data.URL_SETTING, f"{server}/names.txt")
    at = open_app_page("lecture", timeout=240)
    assert "not the lecture's names.txt" in warning_text(at)
    at.button(key="lecture_data_button").click().run()
    assert not at.exception
    assert any("the lecture's own names.txt" in s.value for s in at.success)
    assert at.query_params["data"] == lecture_data.SHA256[:12]
    assert not [b for b in at.button if b.key == "lecture_data_button"], "no button once it is in use"


@pytest.mark.parametrize("path, words", [("/missing.txt", "answered 404"),
                                         ("/wrong.txt", "is not the lecture's names.txt")])
def test_a_failed_download_keeps_the_data_in_use(server, monkeypatch, path, words):
    monkeypatch.setenv(lecture_data.URL_SETTING, f"{server}{path}")
    at = open_app_page("lecture", timeout=240)
    at.button(key="lecture_data_button").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and words in errors[0] and errors[0].startswith("Not changed:")
    assert state.DATASET_KEY not in at.session_state and "data" not in at.query_params
    assert "not the lecture's names.txt" in warning_text(at)


def test_timeout_and_no_internet_in_the_app(server, closed_port, monkeypatch):
    monkeypatch.setattr(lecture_data, "TIMEOUT_S", 0.5)
    monkeypatch.setenv(lecture_data.URL_SETTING, f"{server}/slow.txt")
    at = open_app_page("lecture", timeout=240)
    at.button(key="lecture_data_button").click().run()
    assert any("did not answer within 0.5 s" in e.value for e in at.error)
    monkeypatch.setenv(lecture_data.URL_SETTING, closed_port)
    at.button(key="lecture_data_button").click().run()
    assert [e.value for e in at.error] == [
        f"Not changed: this server cannot reach {closed_port} (no internet?): upload names.txt yourself "
        f"({[e.value for e in at.error][0].split('yourself (')[1]}"]
    assert state.DATASET_KEY not in at.session_state


def test_a_kept_copy_is_used_without_downloading(server, monkeypatch, lecture_names, closed_port):
    from ui import uploads
    uploads.keep("names.txt", lecture_names.read_bytes())   # someone uploaded it before
    monkeypatch.setenv(lecture_data.URL_SETTING, closed_port)
    assert lecture_words.fetch() == lecture_names.read_bytes()
