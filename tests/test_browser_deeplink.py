"""The first request a fresh server gets is a deep link (a bookmarked /training, say)."""
import pytest

from conftest import start_app_server, wait_for_app

pytestmark = pytest.mark.browser


def test_first_request_to_fresh_server_is_deep_link(page):
    proc, url = start_app_server()
    try:
        page.goto(f"{url}/training")
        wait_for_app(page)
        body = page.inner_text("body")
        assert "Page not found" not in body
        assert "training" in page.locator("h1").first.inner_text().lower()
    finally:
        proc.terminate()
