"""The first request a fresh server gets can be a deep link (a bookmarked /training, say): it must
show that page inside the app's frame (navigation and sidebar), not the page alone."""
import pytest
from conftest import start_app_server, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path,title", [("home", "makemore lab"), ("lecture", "The lecture"),
                                        ("data", "Data & vocabulary"), ("context", "Context windows"),
                                        ("embeddings", "Embeddings & shapes"), ("init", "Initialization lab"),
                                        ("training", "Training"), ("evaluation", "Evaluation"),
                                        ("sampling", "Sampling")])
def test_first_request_to_fresh_server_is_deep_link(page, path, title):
    proc, url = start_app_server()
    try:
        page.goto(f"{url}/{path}")
        wait_for_app(page)
        page.wait_for_selector('[data-testid="stSidebar"] :text("Data set:")', timeout=30_000)
        body = page.inner_text("body")
        assert "Page not found" not in body
        assert page.locator('[data-testid="stException"]').count() == 0
        assert title.lower() in page.locator("h1").first.inner_text().lower()
        assert "Initialization lab" in page.inner_text('[data-testid="stSidebarNav"]')
    finally:
        proc.terminate()
