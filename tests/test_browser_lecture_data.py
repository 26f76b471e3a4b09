"""The sidebar's "Use the lecture's names.txt" in Chromium, as a learner sees it: a wrong file is
refused with one line and the default list stays; the right file becomes the data in use and the
address carries data=. The download comes from a local http.server (a thread in this test)."""
import pytest
from conftest import start_app_server, stop_server, wait_for_app, wait_for_rerun

from makemore_core import lecture_data

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(names_server):
    """(the local server's files, the address the app downloads from): a wrong file there first."""
    url, files = names_server
    files["/live.txt"] = b"emma\nolivia\n"
    return files, f"{url}/live.txt"


@pytest.fixture(scope="module")
def app(served, tmp_path_factory):
    proc, url = start_app_server({lecture_data.URL_SETTING: served[1],
                                  "MAKEMORE_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})
    yield url
    stop_server(proc)


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

    served[0]["/live.txt"] = lecture_names.read_bytes()
    sidebar.get_by_role("button", name="Use the lecture's names.txt").click()
    wait_for_rerun(page)
    sidebar.get_by_text("names.txt (the lecture's)").wait_for()
    assert "32,033 words" in sidebar.inner_text()
    assert f"data={lecture_data.SHA256[:12]}" in page.url
    assert sidebar.get_by_role("button", name="Use the lecture's names.txt").count() == 0
