"""A list in use (the teacher's shared list during class) is never trimmed for another upload (issue 30 item 8)."""
import os
import time

from ui import uploads


def words(k):
    return ("\n".join(f"name{k}x{i}" for i in range(200)) + "\n").encode()


def test_students_uploads_do_not_evict_the_teachers_list_in_use(tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(uploads, "MAX_TOTAL_BYTES", 3 * len(words(0)) + 100)   # room for three lists
    teacher, kept = uploads.store("class.txt", words(0))
    assert kept
    old = time.time() - 2 * uploads.IN_USE_S
    for path in (tmp_path / "uploads").glob("*"):
        os.utime(path, (old, old))                       # uploaded long before class ...
    assert uploads.load(teacher) is not None             # ... and opened by a student now: in use
    stored = [uploads.store(f"student{k}.txt", words(k)) for k in range(1, 6)]
    assert uploads.load(teacher) == ("class.txt", words(0))
    assert [kept for _, kept in stored] == [True, True, False, False, False]   # the full folder says no
    assert uploads.load(stored[-1][0]) is None


def test_a_list_nobody_uses_any_more_makes_room(tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(uploads, "MAX_TOTAL_BYTES", 2 * len(words(0)) + 100)
    first, _ = uploads.store("a.txt", words(0))
    old = time.time() - 2 * uploads.IN_USE_S
    for path in (tmp_path / "uploads").glob("*"):
        os.utime(path, (old, old))
    uploads.store("b.txt", words(1))
    link, kept = uploads.store("c.txt", words(2))
    assert kept and uploads.load(link) is not None and uploads.load(first) is None
