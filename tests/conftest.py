"""Shared fixtures: the lecture's word list (when ../shared has it), a live app server, a browser.

Browser tests drive the system Chromium through Playwright. Outside CI a missing browser skips
them; in CI (CI=true) it fails them, so a green CI always means the browser tests ran.
"""
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LECTURE_NAMES = ROOT.parent / "shared" / "data" / "names.txt"
DEFAULT_NAMES = ROOT / "data" / "names.txt"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Runs are saved to disk only where a test asks for it (test_saved_runs, its servers): elsewhere a test's runs
# would be written to the shared cache folder and come back in the next session's servers.
os.environ.setdefault("MAKEMORE_SAVE_RUNS", "0")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def lecture_names():
    """Path of the lecture's names.txt; the test skips where ../shared/data/names.txt is absent."""
    if not LECTURE_NAMES.is_file():
        pytest.skip("the lecture's names.txt is not at ../shared/data/names.txt (fresh clone without ../shared)")
    return LECTURE_NAMES


@pytest.fixture(scope="session")
def default_names():
    return DEFAULT_NAMES


@pytest.fixture(scope="module")
def dataset(default_names):
    """The default word list (a test module may define its own `dataset`)."""
    from makemore_core.data import Dataset
    return Dataset.from_path(default_names)


@pytest.fixture(scope="module")
def data(dataset):
    """Its splits as block-3 tensors on the CPU."""
    return dataset.tensors(3, "cpu")


def open_app_page(page, session=None, timeout=60):
    """AppTest of the whole app (navigation and sidebar) switched to a page ("context" or
    "pages/context.py"), with `session` values put into session_state first. Fails on an exception."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page if page.endswith(".py") else f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def redraw(at):
    """A step that reruns one fragment (the Initialization lab's results) leaves AppTest's tree holding
    that fragment's elements only, where the browser keeps the rest of the page on screen. A plain
    rerun puts the whole page in the tree again, as the browser shows it."""
    return at.run()


def vega_chart(at, name, required=True):
    """An AppTest's Vega-Lite chart by the name in its spec's usermeta: (spec, its data as a DataFrame);
    None when the page has no such chart and `required` is False."""
    import pyarrow as pa
    found = [c.proto for c in at.get("vega_lite_chart") if json.loads(c.proto.spec)["usermeta"]["chart"] == name]
    if not found:
        assert not required, f"no chart {name}"
        return None
    return json.loads(found[0].spec), pa.ipc.open_stream(found[0].data.data).read_pandas()


@pytest.fixture
def stop_all_runs():
    """Stop every background training run when the test ends (AppTest starts real threads)."""
    yield
    from ui.training_run import all_runs
    for run in all_runs():
        run.stop()
        run.wait(5)


@pytest.fixture(scope="session", autouse=True)
def background_work_ends():
    """A thread still inside torch when the interpreter exits aborts it ("terminate called without an
    active exception", exit status 134, after every test passed): at the end of the session, stop every
    training run and wait for the background jobs (a chapter's computations) the tests started."""
    yield
    if "ui.training_run" in sys.modules:
        for run in sys.modules["ui.training_run"].all_runs():
            run.stop()
            run.wait(60)
    if "ui.jobs" in sys.modules:
        for job in list(sys.modules["ui.jobs"].RUNNER.jobs.values()):
            job.wait(600)


def _unavailable(reason):
    if IN_CI:
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


def chromium_path():
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_log(port):
    """Where a test server's stderr goes: a file in the temp folder, so a server that dies says why."""
    import tempfile
    return open(Path(tempfile.gettempdir()) / f"makemore-lab-server-{port}.log", "w")


def start_app_server(extra_env=None, timeout=60, script="app.py"):
    """Start `streamlit run app.py` (or another script) on a free local port; returns (process, base_url)."""
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=_server_log(port),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("the Streamlit server did not start")


def stop_server(proc):
    """Ask a server started by start_app_server to stop; kill it if it has not within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_url():
    """A freshly started app server for the browser tests."""
    proc, url = start_app_server()
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    except Exception as e:  # noqa: BLE001 - any launch failure means no browser here
        pw.stop()
        _unavailable(f"Chromium did not start: {str(e).splitlines()[0]}")
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def wait_for_app(page, timeout=30_000):
    """Wait until Streamlit has drawn the page and finished running its script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') "
        "|| !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout)


def wait_for_rerun(page, timeout=60_000):
    """Wait for the rerun an action (a click, a drag, a key) asked for, if it asked for one, to finish.
    The browser marks a rerun as requested at once; an action that changes nothing never does."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    state = "document.querySelector('[data-testid=\"stApp\"]').getAttribute('data-test-script-state')"
    try:
        page.wait_for_function(f"() => {state} !== 'notRunning'", timeout=1_500)
    except PlaywrightTimeout:
        pass
    page.wait_for_function(f"() => ['notRunning', 'initial'].includes({state})", timeout=timeout)
    assert page.locator('[data-testid="stApp"]').count() == 1


@pytest.fixture(scope="module")
def names_server(lecture_names):
    """The internet, stood in for by a local server: (http://127.0.0.1:<port>, its files). /names.txt is the
    lecture's file, /wrong.txt other bytes, /slow.txt an answer that never comes until the module ends,
    anything else 404; a test may put or change files."""
    release = threading.Event()
    files = {"/names.txt": lecture_names.read_bytes(), "/wrong.txt": b"emma\nolivia\n"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/slow.txt":
                release.wait(30)   # the client has given up by then: nothing to answer
                return
            body = files.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", files
    release.set()
    httpd.shutdown()
    httpd.server_close()
