"""A full or read-only cache folder (issue 30 item 7): every write is whole or absent, a damaged upload is
neither served nor kept, a re-upload repairs it, the uploader is told when the disk refused the list
(which still works in the tab), and results the disk refuses stay in memory. Tests run as root, where a
chmod denies nothing, so the disk's refusals are made by patching the calls a write goes through."""
import errno
import io
import os

import pytest
from conftest import ROOT, open_app_page
from streamlit.testing.v1 import AppTest

from makemore_core import atomic, lossbook, prepare
from makemore_core.data import Dataset
from ui import state, uploads

WORDS = b"anna\nbob\ncarl\ndora\nemma\n" * 4


class _Filling:
    """A file on a disk that fills up: half of the first write lands, then ENOSPC."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        self.f.write(bytes(data)[:len(data) // 2])
        self.f.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def __getattr__(self, name):
        return getattr(self.f, name)


def _writing(mode) -> bool:
    return any(c in str(mode) for c in "wax+")


@pytest.fixture
def full_disk(monkeypatch):
    """Every file opened for writing takes half of what is written to it, then reports a full disk."""
    real_open = io.open

    def open_on_a_full_disk(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        return _Filling(f) if _writing(mode) else f
    monkeypatch.setattr(io, "open", open_on_a_full_disk)


@pytest.fixture
def read_only(monkeypatch):
    """Creating, writing or renaming a file fails as on a read-only mount."""
    def refuse(*_args, **_kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    real_io_open, real_os_open = io.open, os.open
    monkeypatch.setattr(io, "open", lambda file, mode="r", *a, **k:
                        refuse() if _writing(mode) else real_io_open(file, mode, *a, **k))
    monkeypatch.setattr(os, "open", lambda path, flags, *a, **k:
                        refuse() if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) else real_os_open(path, flags, *a, **k))
    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(os, "rename", refuse)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    return tmp_path


# ---------------------------------------------------------------- the one write

def test_a_refused_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    atomic.write_atomically(path, b"old")
    monkeypatch.setattr(io, "open", lambda file, mode="r", *a, **k: _Filling(open(file, mode, *a, **k)))
    with pytest.raises(OSError):
        atomic.write_atomically(path, b"new and longer")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["a.json"]


# ---------------------------------------------------------------- uploads

def test_a_list_on_a_full_disk_is_not_kept_half_and_a_later_upload_stores_it(cache, monkeypatch, full_disk):
    link, stored = uploads.store("mine.txt", WORDS)
    assert not stored
    assert uploads.load(link) is None                       # nothing under its hash, not half a list
    assert not list((cache / "uploads").glob("*.txt"))
    monkeypatch.setattr(io, "open", open)                   # the disk has room again
    link, stored = uploads.store("mine.txt", WORDS)
    assert stored and uploads.load(link) == ("mine.txt", WORDS)


def test_a_damaged_list_is_not_served_and_a_re_upload_repairs_it(cache):
    link, stored = uploads.store("mine.txt", WORDS)
    path = next((cache / "uploads").glob("*.txt"))
    path.write_bytes(WORDS[:7])                             # what an older, non-atomic write left on a full disk
    assert uploads.load(link) is None
    link, stored = uploads.store("mine.txt", WORDS)
    assert stored and uploads.load(link) == ("mine.txt", WORDS)


def test_a_read_only_folder_keeps_nothing_and_says_so(cache, read_only):
    link, stored = uploads.store("mine.txt", WORDS)
    assert not stored and uploads.load(link) is None


def test_the_uploader_is_told_and_the_list_works_in_the_tab(cache, full_disk):
    at = open_app_page("data")
    at.file_uploader(key="data_upload_0").set_value(("mine.txt", WORDS, "text/plain")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(w.value == state.NOT_STORED for w in at.warning)
    assert any("mine.txt" in c.value for c in at.caption)             # in use in this tab all the same
    assert str(cache) not in " ".join(m.value for m in [*at.markdown, *at.warning, *at.error])


def test_the_link_of_a_list_the_disk_lost_opens_once_it_is_uploaded_again(cache, monkeypatch):
    link, _ = uploads.store("mine.txt", WORDS)
    next((cache / "uploads").glob("*.txt")).write_bytes(WORDS[:7])   # truncated under its full hash
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["data"] = link
    at.run()
    assert any("not on this server" in w.value for w in at.warning)
    uploads.keep("mine.txt", WORDS)                           # the teacher uploads the list again
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["data"] = link
    at.run()
    assert not at.warning and any("mine.txt" in m.value for m in at.markdown)


# ---------------------------------------------------------------- results the disk refuses stay in memory

@pytest.fixture
def small(default_names):
    return Dataset.from_words(default_names.read_text().splitlines()[::50], name="names50")


def test_a_finished_loss_log_stage_stays_when_the_disk_is_read_only(small, cache, monkeypatch, read_only):
    runs = []

    def quick_run(*args, **kwargs):
        runs.append(args)
        return {"stage": "tanh-fix", "train": 2.0, "val": 2.1}
    monkeypatch.setattr(lossbook, "run_stage", quick_run)
    first = lossbook.stage_losses(small, "tanh-fix", steps=10)
    assert first["train"] == 2.0                             # not an OSError naming a server path
    assert lossbook.cached_stage_losses(small, "tanh-fix", 10) == first
    assert lossbook.stage_losses(small, "tanh-fix", steps=10) == first and len(runs) == 1


def test_a_lecture_result_on_a_full_disk_is_returned_and_leaves_no_file(cache, full_disk):
    assert prepare.on_disk("probe", lambda: {"x": 1}) == {"x": 1}
    assert not list((cache / "lecture").glob("*.json"))      # no half file read back as the result later
