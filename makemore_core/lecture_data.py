"""The lecture's own word list: names.txt from the makemore repository, fetched once and checked.

The app's default list is ours (data/README.md); the notebook's numbers come only from the lecture's
file, so the app and the command line (`--data lecture`) can download it. The address is a setting
(MAKEMORE_LECTURE_DATA_URL) so that a server with a mirror, and the tests, can point elsewhere.
Every failure is a LectureDataError whose message is one line for the learner.
"""
import hashlib
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path

URL = "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt"
URL_SETTING = "MAKEMORE_LECTURE_DATA_URL"
SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"   # 32,033 names, 228,145 bytes
NAME = "names.txt (the lecture's)"
TIMEOUT_S = 20
MAX_BYTES = 1 << 20        # the file is 228,145 bytes: anything much larger is not it


class LectureDataError(Exception):
    """The lecture's list could not be fetched or is not the lecture's: a message for the learner."""


def url() -> str:
    return os.environ.get(URL_SETTING) or URL


def check(raw: bytes, where: str = "") -> bytes:
    """The bytes, if they are the lecture's names.txt; else LectureDataError."""
    got = hashlib.sha256(raw).hexdigest()
    if got != SHA256:
        raise LectureDataError(f"the file{where} is not the lecture's names.txt (sha256 {got[:12]}…, expected "
                               f"{SHA256[:12]}…): nothing was changed.")
    return raw


def download(address: str | None = None, timeout: float | None = None) -> bytes:
    """Fetch and check the lecture's names.txt. Raises LectureDataError with one clear line."""
    address, timeout = address or url(), timeout or TIMEOUT_S
    try:
        with urllib.request.urlopen(address, timeout=timeout) as response:   # noqa: S310 - a setting, http(s)
            raw = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as e:
        raise LectureDataError(f"{address} answered {e.code} {e.reason}: the lecture's names.txt is not "
                               "there.") from None
    except (socket.timeout, TimeoutError):
        raise LectureDataError(f"{address} did not answer within {timeout:g} s: try again, or upload "
                               "names.txt yourself.") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise LectureDataError(f"{address} did not answer within {timeout:g} s: try again, or upload "
                                   "names.txt yourself.") from None
        raise LectureDataError(f"this server cannot reach {address} (no internet?): upload names.txt "
                               f"yourself ({reason}).") from None
    if len(raw) > MAX_BYTES:
        raise LectureDataError(f"{address} sent more than {MAX_BYTES:,} bytes: not the lecture's names.txt.")
    return check(raw, f" from {address}")


def fetch(cache: Path | None = None) -> bytes:
    """The lecture's names.txt from a cached copy when one checks out, else downloaded (and cached, best
    effort: a read-only disk only means the next call downloads again)."""
    if cache is not None and cache.is_file():
        raw = cache.read_bytes()
        if hashlib.sha256(raw).hexdigest() == SHA256:
            return raw
    raw = download()
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(raw)
        except OSError:
            pass
    return raw
