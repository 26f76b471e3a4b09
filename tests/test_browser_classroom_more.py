"""More of what a teacher does: open /home as a first link, copy the sidebar's link after the lab
changed, come back to the BatchNorm explainer, drag Sampling's sliders in fresh tabs."""
import re
import subprocess
import sys

import pytest
from conftest import ROOT, wait_for_app, wait_for_rerun
from test_browser_classroom import drag_every_slider

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


def test_sidebar_link_is_the_address_after_the_lab_changed(browser, app_url):
    """The Init lab reruns only its fragment: the sidebar's link must still be the page's address."""
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(f"{app_url}/init")
        wait_for_app(page)
        page.get_by_text("Initial loss", exact=True).first.wait_for(timeout=30_000)
        page.get_by_text("Copy link to this experiment").click()
        shown = page.locator('[data-testid="stSidebar"] .mm-link-text')
        shown.wait_for(timeout=10_000)
        page.locator(".st-key-init_fan_in_scaling").get_by_text("Fan-in scaling").click()   # a fragment rerun
        page.wait_for_url(re.compile(r"fan_in_scaling=0"), timeout=30_000)
        page.wait_for_function("() => document.querySelector('[data-testid=stSidebar] .mm-link-text').value "
                               "=== location.href", timeout=5_000)
        page.locator('[data-testid="stSidebar"] .mm-link-copy').click()
        page.wait_for_function("async () => (await navigator.clipboard.readText()) === location.href", timeout=5_000)
        assert "fan_in_scaling=0" in shown.input_value()
    finally:
        context.close()


def test_batchnorm_explainer_keeps_its_sliders_after_another_tab(page, app_url):
    page.goto(f"{app_url}/init")
    wait_for_app(page)
    explained = page.get_by_role("tab", name="BatchNorm explained")
    explained.click()
    gamma = page.locator('.st-key-init_bn_gamma input[type="range"]')
    gamma.wait_for(state="attached", timeout=30_000)
    gamma.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")                                  # γ 1.0 -> 1.3
    page.get_by_text("out = 1.3 · x̂").wait_for(timeout=20_000)
    wait_for_app(page)
    page.get_by_role("tab", name="Activations").click()                   # another tab, then back
    page.locator('.st-key-init_tab [data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)   # its chart
    wait_for_app(page)
    explained.click()
    page.get_by_text("out = 1.3 · x̂").wait_for(timeout=20_000)
    assert "1.30" in page.locator(".st-key-init_bn_gamma").inner_text()   # the value over the handle
    assert page.locator(ERROR_BOX).count() == 0


@pytest.fixture(scope="module")
def small_checkpoint(tmp_path_factory, default_names):
    """A checkpoint trained for a few hundred steps by the CLI: each fresh tab loads it in a second."""
    out = tmp_path_factory.mktemp("sampling") / "small.pt"
    subprocess.run([sys.executable, "-m", "makemore_core", "train", "--data", str(default_names), "--steps", "300",
                    "--out", str(out)], cwd=ROOT, check=True, capture_output=True, timeout=600)
    return out


def sampling_tab(browser, app_url, checkpoint):
    """A fresh browser context on the Sampling page, the checkpoint uploaded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{app_url}/sampling")
    wait_for_app(page)
    page.locator(f'{MAIN} [data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(checkpoint))
    page.get_by_role("button", name="Another seed").wait_for(timeout=60_000)
    wait_for_app(page)
    return context, page


def test_sampling_sliders_dragged_many_times_in_fresh_tabs_and_after_new_names(browser, app_url, small_checkpoint):
    for tab in range(2):
        context, page = sampling_tab(browser, app_url, small_checkpoint)
        try:
            assert drag_every_slider(page, times=4, limit=8) >= 5    # names, temperature, top-k, top-p, beam
            page.get_by_role("button", name="Another seed").click()  # other names: the follow-the-name options change
            wait_for_rerun(page)
            how_many = page.locator(f'{MAIN} .st-key-sampling_n input[type="range"]')
            how_many.focus()
            page.keyboard.press("End" if tab == 0 else "Home")      # 100 names, or 1
            page.wait_for_url(re.compile(r"[?&]n=100\b" if tab == 0 else r"[?&]n=1\b"), timeout=30_000)
            wait_for_rerun(page)
            assert page.locator(ERROR_BOX).count() == 0
            drag_every_slider(page, times=2, limit=8)
            assert page.locator(ERROR_BOX).count() == 0
        finally:
            context.close()
