"""What runs off the edge at 1280x800 (issue 26 item 5): legends, headings and table labels, measured in
headless Chromium as a learner's screen draws them."""
import pytest
from conftest import wait_for_app

pytestmark = pytest.mark.browser

# Each Vega-Lite chart in `scope`: the parts (legend, title, axis title) whose right edge lies past the right
# edge of the chart's svg (the svg clips them), and the svg past its own frame. 1 px of slack for rounding.
CLIPPED = """scope => [...document.querySelectorAll(scope + ' [data-testid="stVegaLiteChart"]')].flatMap(el => {
    const svg = el.querySelector('svg'); if (!svg) return [];
    const edge = svg.getBoundingClientRect().right, frame = el.getBoundingClientRect().right;
    const parts = [...svg.querySelectorAll('.role-legend-label text, .role-title-text text, .role-axis-title text')]
        .filter(t => t.getBoundingClientRect().right > edge + 1).map(t => t.textContent);
    return edge > frame + 1 ? [...parts, 'the chart itself'] : parts;
})"""


def clipped_in_charts(page, scope=""):
    return page.evaluate(CLIPPED, scope)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "none"])
def test_the_labs_per_layer_legend_fits_at_depth_10(page, app_url, nonlinearity):
    """Depth 10 draws ten layers' names; five columns of them ran past the chart's right edge."""
    page.goto(f"{app_url}/init?hidden_layers=10&nonlinearity={nonlinearity}")
    wait_for_app(page)
    chart = '.st-key-init_tab [data-testid="stVegaLiteChart"]'
    page.wait_for_function(f"""() => [...document.querySelectorAll('{chart} .role-legend-label text')]
        .some(t => t.textContent.startsWith('layer 2'))""", timeout=60_000)
    names = page.locator(f"{chart} .role-legend-label text").evaluate_all("els => els.map(e => e.textContent)")
    assert len(names) == 10, names
    assert clipped_in_charts(page, ".st-key-init_tab") == []
    page.wait_for_selector('.st-key-init_scrub [data-testid="stVegaLiteChart"] svg .role-legend-label', timeout=60_000)
    assert clipped_in_charts(page, ".st-key-init_scrub") == []   # the gain scrubber's views, side by side
