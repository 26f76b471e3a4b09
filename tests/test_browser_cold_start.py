"""A class opening the same deep link at once on a just-started server: every tab gets the whole app
(its navigation, the sidebar's data set and upload), not Streamlit's legacy page of the pages/ folder."""
import pytest
from conftest import start_app_server, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STUDENTS = 8
SIDEBAR = '[data-testid="stSidebar"]'


def _what_is_missing(tab):
    """'' when the tab shows the app's frame around the Data page, else what it lacks."""
    try:
        # generous: a tab whose first run was a legacy one draws again, and 8 first renders share the CPU
        tab.locator(f'{SIDEBAR} :text("Data set:")').first.wait_for(timeout=120_000)
        tab.locator(f'{SIDEBAR} [data-testid="stFileUploader"]').first.wait_for(timeout=60_000)
    except Exception:  # noqa: BLE001 - report every tab that failed, not only the first
        return "no data set or upload in the sidebar: " + tab.inner_text(SIDEBAR).replace("\n", " | ")
    nav = tab.inner_text('[data-testid="stSidebarNav"]')
    if "Initialization lab" not in nav:    # the app's page titles, not the legacy list of file names
        return f"legacy navigation: {nav[:120]!r}"
    if "Data & vocabulary" not in tab.locator("h1").first.inner_text():
        return "not the Data page"
    return ""


def test_eight_students_open_data_at_once_on_a_fresh_server(browser):
    proc, url = start_app_server()
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(STUDENTS)]
    try:
        tabs = [context.new_page() for context in contexts]
        for tab in tabs:   # every request is made before any page has drawn
            tab.goto(f"{url}/data", wait_until="commit")
        missing = []
        for i, tab in enumerate(tabs):
            wait_for_app(tab, timeout=120_000)
            if problem := _what_is_missing(tab):
                missing.append(f"tab {i}: {problem}")
            assert tab.locator('[data-testid="stException"]').count() == 0
        assert not missing, f"{len(missing)} of {STUDENTS} tabs lack the app's frame: {missing}"
    finally:
        for context in contexts:
            context.close()
        proc.terminate()
        proc.wait(timeout=10)
