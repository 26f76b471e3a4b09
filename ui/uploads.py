"""Uploaded word lists kept on the server by their content hash, so a link can name one (`data=<hash>`).

A teacher uploads a list once and shares the link; every student's tab loads the same list from here.
A link names a list only by a hex prefix of its SHA-256: never a path. Text files only (the caller
validates them as word lists first); the directory is capped in size, oldest files go first. Files are
written whole or not at all (makemore_core.atomic); a file whose content no longer matches its name
(a truncated write of an older version) is not served, and the next upload of that list replaces it.

Where: $MAKEMORE_CACHE_DIR/uploads, else ~/.cache/makemore_lab/uploads.
"""
import contextlib
import hashlib
import json
import os
import re
import time
from pathlib import Path

from makemore_core.atomic import write_atomically

PREFIX = 12                          # hex digits of the hash carried in a link
MAX_TOTAL_BYTES = 200 * 2**20        # the whole directory; the core refuses lists over 5 MB
IN_USE_S = 3600                      # a list stored or opened this recently is never trimmed for another
HEX = re.compile(r"[0-9a-f]{8,64}")


def directory() -> Path:
    root = os.environ.get("MAKEMORE_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "makemore_lab"
    return base / "uploads"


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def keep(name: str, raw: bytes) -> str:
    """Store a (validated) word list; returns the id a link carries (see `store`)."""
    return store(name, raw)[0]


def store(name: str, raw: bytes) -> tuple[str, bool]:
    """Store a (validated) word list; returns (the id a link carries, whether the disk kept it). A full
    or read-only disk only means the link will not open the list elsewhere: the caller says so."""
    full = digest(raw)
    folder = directory()
    text = folder / f"{full}.txt"
    try:
        if _intact(text):
            os.utime(text)           # recently used: trimmed last
        else:                        # new, or damaged: written (again) in full
            write_atomically(text, raw)
            write_atomically(folder / f"{full}.json", json.dumps({"name": str(name)[:200]}).encode())
    except OSError:
        return full[:PREFIX], False
    try:
        kept = _trim(folder, keep_file=text)
    except OSError:                  # a list trimmed by another session meanwhile
        kept = True
    return full[:PREFIX], kept


def _intact(path: Path) -> bool:
    """The file is there and holds what its name (the SHA-256 of its content) says."""
    try:
        return digest(path.read_bytes()) == path.stem
    except OSError:
        return False


def _trim(folder: Path, keep_file: Path) -> bool:
    """Delete the least recently used lists until the directory fits MAX_TOTAL_BYTES; a list in use (stored
    or opened within IN_USE_S: a teacher's shared list during class) is never deleted for another, so when
    only such lists are left the new one (`keep_file`) is not kept. Returns whether it was kept."""
    files = sorted(folder.glob("*.txt"), key=lambda p: p.stat().st_mtime)
    total = sum(p.stat().st_size for p in files)
    for path in files:
        if total <= MAX_TOTAL_BYTES:
            break
        if path == keep_file or time.time() - path.stat().st_mtime < IN_USE_S:
            continue
        total -= path.stat().st_size
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
    if total > MAX_TOTAL_BYTES:
        keep_file.unlink(missing_ok=True)
        keep_file.with_suffix(".json").unlink(missing_ok=True)
        return False
    return True


def load(link: str) -> tuple[str, bytes] | None:
    """(name, bytes) of the list a link's `data=` names, or None when it is not a valid id or not here."""
    link = str(link).strip().lower()
    if not HEX.fullmatch(link):
        return None
    matches = sorted(directory().glob(f"{link}*.txt"))
    if len(matches) != 1:
        return None
    path = matches[0]
    try:
        raw = path.read_bytes()
        meta = path.with_suffix(".json")
        name = json.loads(meta.read_text()).get("name", "shared word list") if meta.exists() else "shared word list"
    except (OSError, ValueError):
        return None
    if digest(raw) != path.stem:     # a damaged or replaced file is not what the link named
        return None
    with contextlib.suppress(OSError):
        os.utime(path)               # in use: trimmed last, and not at all within IN_USE_S
    return str(name), raw
