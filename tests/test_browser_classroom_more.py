"""More of what a teacher does: open /home as a first link, copy the sidebar's link after the lab
changed, come back to the BatchNorm explainer, drag Sampling's sliders in fresh tabs."""
import pytest

from conftest import wait_for_app

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'
ERROR_BOX = '[data-testid="stException"]'


# Streamlit's "Page not found" is a modal that can close again: record every moment it was on screen.
WATCH_NOT_FOUND = ("window.notFound = 0; new MutationObserver(() => { if (document.body && "
                   "document.body.innerText.includes('Page not found')) window.notFound += 1; })"
                   ".observe(document, {subtree: true, childList: true, characterData: true});")


def test_home_as_first_deep_link_opens_home(browser, app_url):
    for address in (app_url, f"{app_url}/home", f"{app_url}/home?projector=1"):   # the first warms the server:
        context = browser.new_context(viewport={"width": 1280, "height": 800})  # its first tab is answered
        try:                                                                     # differently
            page = context.new_page()
            page.add_init_script(WATCH_NOT_FOUND)
            page.goto(address)
            wait_for_app(page)
            page.get_by_role("heading", name="makemore lab").first.wait_for(timeout=30_000)
            page.get_by_text("Projector mode").first.wait_for(timeout=30_000)   # the sidebar: the whole run drew
            assert page.evaluate("window.notFound") == 0, f"{address} showed 'Page not found'"
        finally:
            context.close()
