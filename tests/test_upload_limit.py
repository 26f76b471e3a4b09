"""Uploads do not pile up on the server (issue 30 item 2): a file's bytes leave Streamlit's upload store
once a page has read them, and one session cannot hold more than ui.upload_limit.session_limit()."""
import asyncio
import concurrent.futures
import os
import urllib.error
import urllib.request
import uuid

import pytest
from conftest import open_app_page, start_app_server, stop_server
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit_client import Session

from makemore_core import checkpoint
from makemore_core.model import MLP, ModelConfig
from ui import upload_limit

WORDS = b"anna\nbob\ncarl\ndora\n" * 5


@pytest.fixture
def stores(monkeypatch):
    """Every upload store a test's script runs put a file into (AppTest makes one per run)."""
    found = []
    add = MemoryUploadedFileManager.add_file

    def spy(self, session_id, file):
        found.append((self, session_id))
        add(self, session_id, file)
    monkeypatch.setattr(MemoryUploadedFileManager, "add_file", spy)
    return found


def held(stores):
    return sum(upload_limit._held(store, session) for store, session in stores)


def test_a_word_lists_bytes_leave_the_upload_store_once_read(stores, tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    at = open_app_page("data")
    at.file_uploader(key="data_upload_0").set_value(("mine.txt", WORDS, "text/plain")).run()
    assert not at.exception
    assert stores and held(stores) == 0
    assert any("mine.txt" in c.value for c in at.caption)          # the page has the list all the same


def test_a_checkpoints_bytes_leave_the_upload_store_once_read(stores, dataset):
    raw = checkpoint.to_bytes(MLP(ModelConfig(vocab_size=len(dataset.vocab), hidden_layers=1, n_hidden=8)),
                              dataset.vocab)
    at = open_app_page("training")
    at.file_uploader(key="tr_upload").set_value(("run.pt", raw, "application/octet-stream")).run()
    assert not at.exception
    assert stores and held(stores) == 0
    assert "uploaded checkpoint run.pt" in " ".join(m.value for m in at.markdown)


def _put(url, session, raw):
    """One upload as the browser sends it: a multipart PUT to Streamlit's endpoint; returns the status."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + raw + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url}/_stcore/upload_file/{session}/{uuid.uuid4()}", data=body,
                                     method="PUT", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except urllib.error.URLError as e:     # answered 413 before the body was sent: the pipe closed under it
        assert isinstance(e.reason, (BrokenPipeError, ConnectionResetError)), e
        return 413


def _rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def test_one_session_cannot_fill_the_servers_memory_with_uploads():
    """40 files of 19 MB sent straight to the endpoint (no page reads them): the first two are kept,
    the rest refused, and the server's memory grows by about two files, not forty."""
    proc, url = start_app_server({"STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION": "false"})
    try:
        async def flood():
            session = await Session(url, "").open()
            await session.run(120)
            before = _rss_mb(proc.pid)
            statuses = await asyncio.to_thread(
                lambda: [_put(url, session.session_id, os.urandom(19 * 2**20)) for _ in range(40)])
            after = _rss_mb(proc.pid)
            await session.close()
            return statuses, before, after
        # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            statuses, before, after = pool.submit(asyncio.run, flood()).result()
        print(f"40 x 19 MB into one session: {statuses.count(204)} kept, {statuses.count(413)} refused; "
              f"server RSS {before:.0f} -> {after:.0f} MB")
        assert statuses[:2] == [204, 204] and set(statuses[2:]) == {413}
        assert after - before < 3 * 19 + 100        # two files and the server's own churn, not 40 x 19 MB
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:
            assert r.status == 200          # refused, not crashed
    finally:
        stop_server(proc)
