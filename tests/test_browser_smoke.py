"""Every page answers its own URL on a freshly started server, in a real browser."""
import pytest
from conftest import wait_for_app

pytestmark = pytest.mark.browser

PAGES = {"": "makemore lab", "data": None, "context": None, "embeddings": None, "init": None,
         "training": None, "evaluation": None, "sampling": None}


@pytest.mark.parametrize("path", list(PAGES))
def test_deep_link_renders_page(page, app_url, path):
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    body = page.inner_text("body")
    assert "Page not found" not in body
    assert "Traceback" not in body
    assert page.locator('[data-testid="stException"]').count() == 0
    if PAGES[path]:
        assert PAGES[path] in page.locator("h1").first.inner_text()
