"""The sidebar's "Use the lecture's names.txt" in Chromium, as a learner sees it: a wrong file is
refused with one line and the default list stays; the right file becomes the data in use and the
address carries data=. The download comes from a local http.server (a thread in this test)."""
import http.server
import threading

import pytest
from conftest import start_app_server, wait_for_app, wait_for_rerun

from makemore_core import lecture_data

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(lecture_names):
    """{"body": bytes}: what http://127.0.0.1:<port>/names.txt answers (a test swaps it)."""
    content = {"body": b"emma\nolivia\n"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = content["body"]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield content, f"http://127.0.0.1:{httpd.server_address[1]}/names.txt"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def app(served, tmp_path_factory):
    proc, url = start_app_server({lecture_data.URL_SETTING: served[1],
                                  "MAKEMORE_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_sidebar_button_refuses_a_wrong_file_then_uses_the_lectures(page, app, served, lecture_names):
    page.goto(f"{app}/home")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Use the lecture's names.txt").click()
    wait_for_rerun(page)
    error = sidebar.locator('[data-testid="stAlert"]').filter(has_text="Not changed")
    error.wait_for()
    assert "is not the lecture's names.txt" in error.inner_text()
    assert "names.txt (default)" in sidebar.inner_text() and "data=" not in page.url

    served[0]["body"] = lecture_names.read_bytes()
    sidebar.get_by_role("button", name="Use the lecture's names.txt").click()
    wait_for_rerun(page)
    sidebar.get_by_text("names.txt (the lecture's)").wait_for()
    assert "32,033 words" in sidebar.inner_text()
    assert f"data={lecture_data.SHA256[:12]}" in page.url
    assert sidebar.get_by_role("button", name="Use the lecture's names.txt").count() == 0
