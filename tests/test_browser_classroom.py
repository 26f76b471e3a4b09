"""What a teacher does, in headless Chromium: share a link, press F5, project the app, drag sliders."""
import re

import pytest
from conftest import wait_for_app, wait_for_rerun

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'
ERROR_BOX = '[data-testid="stException"]'
THUMB = f'{MAIN} [data-testid="stSlider"] div:has(> div > input[type="range"])'   # the handle one drags


def metric_value(page, label):
    """The value of the st.metric whose label is `label`, as shown."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def open_lab(page, address):
    page.goto(address)
    wait_for_app(page)
    page.get_by_text("Initial loss", exact=True).first.wait_for(timeout=30_000)


def test_a_shared_link_and_f5_show_the_same_experiment(browser, app_url):
    from playwright.sync_api import expect
    teacher = browser.new_context(viewport={"width": 1280, "height": 800})
    student = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = teacher.new_page()
        open_lab(page, f"{app_url}/init")
        page.get_by_role("button", name="No BN, gain 3", exact=True).click()
        page.wait_for_url(re.compile(r"gain=3"), timeout=30_000)
        expect(page.get_by_test_id("stAlert").get_by_text("Too large: the pre-activations", exact=False)).to_be_visible(timeout=30_000)
        preset_loss = metric_value(page, "Initial loss")
        page.locator(".st-key-init_fan_in_scaling").get_by_text("Fan-in scaling").click()   # one more change, by hand
        page.wait_for_url(re.compile(r"fan_in_scaling=0"), timeout=30_000)
        page.wait_for_function("([old]) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText"
                               " !== old", arg=[preset_loss], timeout=30_000)   # the new loss is drawn
        wait_for_app(page)
        loss = metric_value(page, "Initial loss")
        address = page.url
        assert "batchnorm=0" in address and "gain=3" in address

        other = student.new_page()                                     # another browser opens the link
        open_lab(other, address)
        assert metric_value(other, "Initial loss") == loss
        assert other.get_by_role("switch", name="Fan-in scaling").is_checked() is False
        assert other.get_by_role("switch", name="BatchNorm").first.is_checked() is False

        page.reload()                                                  # F5 keeps the experiment
        open_lab(page, page.url)
        assert metric_value(page, "Initial loss") == loss
        assert "gain=3" in page.url and page.locator(ERROR_BOX).count() == 0
    finally:
        teacher.close()
        student.close()


def test_projector_mode_makes_body_text_at_least_20px(browser, app_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    # the main area's first paragraph's font size in px (0 while the page has drawn none yet)
    paragraph = 'document.querySelector(\'[data-testid="stMain"] [data-testid="stMarkdownContainer"] p\')'
    size = f'({paragraph} ? parseFloat(getComputedStyle({paragraph}).fontSize) : 0)'
    try:
        open_lab(page, f"{app_url}/init")
        assert 0 < page.evaluate(size) < 20                            # the normal look
        page.get_by_text("Projector mode").click()                     # the sidebar toggle
        page.wait_for_url(re.compile(r"projector=1"), timeout=30_000)
        page.wait_for_function(f"() => {size} >= 20", timeout=30_000)
        page.goto(f"{app_url}/context?projector=1&hide=sidebar")      # a teacher's link
        wait_for_app(page)
        page.wait_for_function(f"() => {size} >= 20", timeout=30_000)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
    finally:
        context.close()


def drag_every_slider(page, times=3, limit=6):
    """Drag each visible slider of the main area right and back, `times` times, waiting for each rerun."""
    thumbs = page.locator(THUMB)
    thumbs.nth(1).wait_for(timeout=30_000)   # the results can be drawn before the controls
    count = min(thumbs.count(), limit)
    assert count >= 2
    for i in range(count):
        thumb = thumbs.nth(i)
        if not thumb.is_visible():
            continue
        for k in range(times):
            thumb.scroll_into_view_if_needed()
            box = thumb.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x + (35 if k % 2 == 0 else -25), y, steps=5)
            page.mouse.up()
            wait_for_rerun(page)
            assert page.locator(ERROR_BOX).count() == 0, \
                f"error box after dragging slider {i}: {page.locator(ERROR_BOX).first.inner_text()[:300]}"
    return count


def test_dragging_the_initialization_lab_sliders_shows_no_error(page, app_url):
    open_lab(page, f"{app_url}/init")
    drag_every_slider(page)
    assert page.locator(ERROR_BOX).count() == 0


def test_dragging_the_sampling_sliders_shows_no_error(page, app_url):
    page.goto(f"{app_url}/sampling")
    wait_for_app(page)
    quick = page.get_by_role("button", name="Train a quick model")
    quick.wait_for(timeout=30_000)
    page.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]').first.focus()
    page.keyboard.press("Home")                                                # 1,000 steps
    wait_for_rerun(page)
    quick.click()
    page.get_by_text("Make up names").first.wait_for(timeout=180_000)
    wait_for_app(page)
    drag_every_slider(page, times=3, limit=5)
    assert page.locator(ERROR_BOX).count() == 0


def sidebar_text(page):
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_an_uploaded_list_is_named_shared_by_link_and_back_to_default_works(browser, tmp_path):
    from conftest import start_app_server
    words = tmp_path / "class words.txt"
    words.write_text("\n".join(["anna", "bella", "carla", "dora", "emma", "fiona", "gina", "hanna", "ida", "jana",
                                "kara", "lena"]) + "\n")
    proc, url = start_app_server({"MAKEMORE_CACHE_DIR": str(tmp_path / "cache")})
    teacher = browser.new_context(viewport={"width": 1280, "height": 800})
    student = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = teacher.new_page()
        page.goto(f"{url}/data")
        wait_for_app(page)
        page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(words))
        page.wait_for_url(re.compile(r"data=[0-9a-f]{12}"), timeout=30_000)
        page.locator('[data-testid="stSidebar"]').get_by_text("class words.txt").first.wait_for(timeout=30_000)
        assert "12 words" in sidebar_text(page)                       # the sidebar names the upload at once
        link = page.url

        other = student.new_page()                                     # a student opens the teacher's link
        other.goto(link)
        wait_for_app(other)
        other.locator('[data-testid="stSidebar"]').get_by_text("class words.txt").first.wait_for(timeout=30_000)
        assert "12 words" in sidebar_text(other)

        page.get_by_role("button", name="Back to the default names").first.click()
        page.locator('[data-testid="stSidebar"]').get_by_text("names.txt (default)").wait_for(timeout=30_000)
        assert "data=" not in page.url
        page.get_by_role("link", name="Context windows").first.click()  # the next rerun keeps the default
        wait_for_app(page)
        page.get_by_role("heading", name="Context windows").first.wait_for(timeout=30_000)
        assert "names.txt (default)" in sidebar_text(page) and "data=" not in page.url
        assert page.locator(ERROR_BOX).count() == 0
    finally:
        teacher.close()
        student.close()
        proc.terminate()
