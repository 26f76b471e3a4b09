"""One way to write a file in the cache folder: whole or not at all.

A full disk stops a plain write part way and leaves a truncated file that a later reader takes for the
real one; a read-only folder refuses it. Here the bytes go to a temporary file in the same folder, are
flushed to the disk (fsync), and only then renamed over the name (os.replace, atomic on one file
system): a reader finds the old file or the whole new one. Every failure raises OSError and leaves no
temporary file behind; the caller decides what a refused write means (the lecture's results and the loss
log stay in memory, an upload is used for the session and the uploader is told).
"""
import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path, data: bytes):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
