"""What one browser session may keep in Streamlit's upload store, and dropping a file once it is read.

Streamlit's upload endpoint (PUT /_stcore/upload_file/<session>/<file id>) keeps in memory every file a
client sends for a live session, up to server.maxUploadSize each but with no bound on their number, until
that session has been gone for minutes: seen, 40 x 19 MB into one session in 4 s (445 -> 1,208 MB).
Two public hooks bound it: `st.App(middleware=...)` refuses an upload that would take a session past
SESSION_FILES x maxUploadSize (a page reads a file on the run its upload triggers, so a session holds one
file at a time), and `take` drops a file from the store as soon as the page has its bytes.
"""
import re

import streamlit as st
from streamlit import config
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.web.server.server import UPLOAD_FILE_ENDPOINT

SESSION_FILES = 2            # files at the size limit one session may hold at once
_UPLOAD = re.compile(re.escape(UPLOAD_FILE_ENDPOINT) + r"/(?P<session>[^/]+)/[^/]+$")


def session_limit() -> int:
    """Bytes one session may hold in the upload store (maxUploadSize is in MB)."""
    return SESSION_FILES * int(config.get_option("server.maxUploadSize")) * 2**20


def _held(manager, session: str) -> int:
    """Bytes the store holds for `session`; 0 for a store that does not say (not the in-memory one)."""
    files = getattr(manager, "file_storage", {}).get(session, {})
    return sum(len(f.data) for f in list(files.values()))


def take(file, widget_key: str) -> bytes:
    """The bytes of an uploaded file, dropped from Streamlit's store and from the widget's state: from the
    next run on the uploader reads as empty, and only the page's own copy (if it keeps one) remains."""
    raw = file.getvalue()
    ctx = get_script_run_ctx()
    remove = getattr(ctx.uploaded_file_mgr, "remove_file", None) if ctx else None
    if remove is not None:                 # the in-memory store (every `streamlit run`) has it
        remove(session_id=ctx.session_id, file_id=file.file_id)
    st.session_state.pop(widget_key, None)
    return raw


class SessionUploadLimit:
    """ASGI middleware: answers 413 to an upload that would take its session past `session_limit()`.
    Counts the bytes a session's uploads still in flight announced too, so that parallel PUTs cannot
    each pass the check before any of them is stored."""

    def __init__(self, app):
        self.app = app
        self.in_flight = {}              # session id -> bytes announced by its uploads not yet stored

    async def __call__(self, scope, receive, send):
        match = _UPLOAD.search(scope.get("path", "")) if scope["type"] == "http" and scope["method"] == "PUT" else None
        if match is None:
            return await self.app(scope, receive, send)
        session = match["session"]
        size = _content_length(scope)
        pending = self.in_flight.get(session, 0)
        if _held(Runtime.instance().uploaded_file_mgr, session) + pending + size > session_limit():
            return await _refuse(send)
        self.in_flight[session] = pending + size
        try:
            await self.app(scope, receive, send)
        finally:
            left = self.in_flight.pop(session, 0) - size
            if left > 0:
                self.in_flight[session] = left


def _content_length(scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return max(int(value), 0)
            except ValueError:
                return 0
    return 0       # no length said: Streamlit's own per-file limit still caps this one


async def _refuse(send):
    body = b"This session holds too many uploaded files."
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
