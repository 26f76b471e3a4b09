"""In a real browser: the Data, Context and Embeddings pages render, react to their controls, and refuse bad input."""
import re

import pytest
from conftest import wait_for_app
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


PLOTLY, VEGA = ".js-plotly-plot", '[data-testid="stVegaLiteChart"] svg'


def open_page(page, app_url, path, chart=PLOTLY):
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    page.wait_for_selector(chart, timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def axis_labels(page, chart=0):
    """The tick labels of a Vega-Lite chart's axes, as drawn (SVG text)."""
    labels = page.locator('[data-testid="stVegaLiteChart"]').nth(chart).locator(".role-axis-label text")
    return [text.replace("\u2212", "-") for text in labels.all_text_contents()]


HAS_AXIS_LABEL = """([label, chart]) => {
  const drawn = document.querySelectorAll('[data-testid="stVegaLiteChart"]')[chart];
  const labels = drawn ? [...drawn.querySelectorAll('.role-axis-label text')] : [];
  return labels.some(t => t.textContent.replace('\u2212', '-') === label);
}"""


def wait_for_axis_label(page, label, chart=0, timeout=20_000):
    """Wait until the chart draws `label` on an axis (Vega writes minus signs as U+2212)."""
    page.wait_for_function(HAS_AXIS_LABEL, arg=[label, chart], timeout=timeout)


def nudge(slider):
    """One step to the right, as a keyboard user would."""
    slider.focus()
    slider.press("ArrowRight")


def main_text(page):
    return page.locator('[data-testid="stMain"]').inner_text()


def wait_for_main_text(page, *texts, timeout=30_000):
    """Wait until the page's main area shows every text (a rerun draws its elements one by one)."""
    page.wait_for_function("(texts) => { const main = document.querySelector('[data-testid=\"stMain\"]');"
                           " return main && texts.every(t => main.innerText.includes(t)); }",
                           arg=list(texts), timeout=timeout)


def test_data_page(page, app_url, tmp_path):
    open_page(page, app_url, "data")
    assert "Data & vocabulary" in page.locator("h1").first.inner_text()
    wait_for_main_text(page, "32,952", "The vocabulary", "Which character follows which?", "Index check passed")
    expect(page.locator(".js-plotly-plot").nth(2)).to_be_attached(timeout=60_000)   # three charts drawn
    search = page.locator('input[aria-label="Is a name in the data?"]')
    search.fill("emma")
    search.press("Enter")
    page.get_by_text(re.compile(r"emma\s+is in the data")).wait_for(timeout=20_000)
    # a bad upload: a clear message, and the default data stays in use
    bad = tmp_path / "bad.txt"
    bad.write_text("anna\nj.r\n")
    page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').first.click()
    page.locator('[data-testid="stMain"] input[type="file"]').set_input_files(str(bad))
    page.get_by_text("That file was not used").wait_for(timeout=20_000)
    wait_for_app(page)
    wait_for_main_text(page, "'.'", "32,952")
    # a good one replaces the data everywhere, the sidebar included
    good = tmp_path / "mine.txt"
    good.write_text("\n".join(["ann", "bo", "cy", "dee", "ed", "flo", "gus", "hal", "ivy", "jo"]) + "\n")
    page.locator('[data-testid="stMain"] input[type="file"]').set_input_files(str(good))
    page.get_by_text("Now using your word list").wait_for(timeout=20_000)
    wait_for_app(page)
    assert "10 words" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert "32,952" not in main_text(page)


def test_context_page_slider_widens_x(page, app_url):
    open_page(page, app_url, "context", VEGA)
    assert "Context windows" in page.locator("h1").first.inner_text()
    assert "(188,833, 3)" in main_text(page)
    labels = axis_labels(page)   # the window picture: positions -3 .. 4 over "...emma.", the examples
    assert "-3" in labels and "-4" not in labels and any(label.endswith("... → e") for label in labels)
    slider = page.locator('[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]').first
    nudge(slider)
    page.get_by_text("(188,833, 4)").filter(visible=True).first.wait_for(timeout=20_000)
    wait_for_axis_label(page, "-4")   # one more '.' of padding in the picture
    wait_for_app(page)
    assert "(188,833, 3)" not in main_text(page)
    assert any(label.endswith(".... → e") for label in axis_labels(page))


def test_embeddings_page_total_follows_the_sliders(page, app_url):
    open_page(page, app_url, "embeddings", VEGA)
    assert "Embeddings & shapes" in page.locator("h1").first.inner_text()
    assert "47,024" in main_text(page)
    page.locator('[data-testid="stVegaLiteChart"] svg').nth(2).wait_for(timeout=30_000)  # parameters, C, the map
    assert "Linear 2" in axis_labels(page, 0) and "9" in axis_labels(page, 1) and "10" not in axis_labels(page, 1)
    slider = page.locator('[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]').first  # n_embd
    nudge(slider)  # n_embd 10 -> 11: C gains 27 numbers, the first Linear 3 x 100
    page.get_by_text("47,351").filter(visible=True).first.wait_for(timeout=20_000)
    wait_for_axis_label(page, "10", chart=1)   # C drawn with its 11th column
    assert page.locator('[data-testid="stException"]').count() == 0
