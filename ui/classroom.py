"""For a class: projector mode, a teacher's link that hides parts of the app, and the page's own link.

- Projector mode (a sidebar toggle, `projector=1` in the link): larger type (body text 22 px, st.metric
  values 48 px: the largest text; chart tick labels 18 px at 1920 wide; charts 1.6x taller, by
  ui.figures.common.chart_height, which the figure functions apply when given `big`), thicker chart lines, dark
  captions, a compact layout.
- `hide=sidebar,controls,gain,...` in a link: `sidebar` hides the sidebar, `controls` every input
  on the page and what belongs to them (presets, their captions and headings, Compare A/B, expanders
  holding only controls), any other word the control of that setting (the page's query key, e.g. `gain`).

All the app's CSS is here, injected once per run from `apply()`.
"""
import streamlit as st

from ui import links

PAGE = "app"   # the settings every page shares, kept by ui.links under this name
SETTINGS = [
    links.Setting("projector", "classroom_projector", False, links.boolean),
    links.Setting("hide", "classroom_hide", "", links.text(300)),   # not a widget: set by a link only
]

# Always: captions dark enough to read projected (Streamlit's default grey is too light).
BASE_CSS = """
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #3b3d45 !important; }
[data-testid="stLayoutWrapper"]:has(> .st-key-tr_live_top) { position: sticky; top: 3.75rem; z-index: 90;
    background: white; padding-bottom: 0.3rem; scroll-margin-top: 3.75rem; }
[data-testid="stMain"]:has(.st-key-tr_live_top) { overflow-anchor: none; }   /* no drift as the page above redraws */
[class*="st-key-tr_"][class*="_chart"] p, [class*="st-key-tr_"][class*="_hist"] p {
    white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }   /* a live chart's heading: one line */
"""   # the Training page's controls and progress line stay on screen under Streamlit's header

# A scrubber (a range input bound inside a Vega-Lite chart, ui/figures/vega.scrubber): above its chart, wide,
# its label dark; the raw member index Vega prints beside the thumb is hidden (the chart says the value).
SCRUB_CSS = """
.vega-embed:has(.vega-bindings) { display: flex !important; flex-direction: column; }
.vega-embed .vega-bindings { order: -1; margin: 0 0 0.3rem 0; }
.vega-bind label { display: flex; align-items: center; gap: 0.6rem; font-weight: 600; color: #1f2027; }
.vega-bind input[type=range] { width: min(26rem, 70vw) !important; accent-color: #0072B2; }
.vega-bind input[type=range] + span { display: none; }
"""

PROJECTOR_CSS = """
.vega-bind label { font-size: 1.1rem; }
.vega-bind input[type=range] { height: 2rem; transform-origin: left center; }
.vega-bind input[type=range]::-webkit-slider-thumb { transform: scale(1.8); }
html { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 0.88rem; color: #1f2027 !important; }
@media (max-width: 1600px) { html { font-size: 18px; } }   /* a laptop screen: room for the controls */
[data-testid="stMainBlockContainer"] { padding: 1.2rem 1.5rem 1rem 1.5rem; max-width: 100%; }
[data-testid="stVerticalBlock"] { gap: 0.55rem; }
h1 { padding-top: 0.2rem !important; }
.js-plotly-plot .scatterlayer .js-line { stroke-width: 3.5px !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
    font-size: 2.2rem !important; line-height: 1.15; font-weight: 600; }   /* the headline numbers: the largest text */
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] p { font-size: 0.9rem; }
.js-plotly-plot .xtick text, .js-plotly-plot .ytick text { font-weight: 600; font-size: 18px !important; }
.js-plotly-plot .legendtext, .js-plotly-plot .g-xtitle text, .js-plotly-plot .g-ytitle text { font-size: 19px !important; }
.js-plotly-plot .gtitle { font-size: 21px !important; }
.vega-embed .role-axis-label text { font-size: 18px !important; font-weight: 600; }   /* read from the back row */
.vega-embed .role-axis-title text, .vega-embed .role-title-text text { font-size: 20px !important; }
.vega-embed .role-legend-label text { font-size: 17px !important; }
@media (max-width: 1600px) {
    .js-plotly-plot .xtick text, .js-plotly-plot .ytick text, .vega-embed .role-axis-label text { font-size: 15px !important; }
}
[data-testid="stSidebarNav"] a * { white-space: normal !important; text-overflow: clip !important; }   /* wrap, not cut */
[data-testid="stDownloadButton"] button * { white-space: normal !important; text-overflow: clip !important; }
"""

# the inputs `hide=controls` removes from the page (buttons stay: Pause, Step, Start)
CONTROLS = ["stSlider", "stNumberInput", "stSelectbox", "stMultiSelect", "stCheckbox", "stRadio",
            "stTextInput", "stFileUploader"]

# What belongs to the hidden controls goes with them: preset buttons and the quick-train button, the caption
# and heading just beside a control, the Compare A/B switch, and an expander that holds nothing but controls.
_CONTROL = ", ".join(f'[data-testid="{kind}"]' for kind in CONTROLS)
_SHOWS = ('canvas, .js-plotly-plot, .vega-embed, [data-testid="stMetric"], [data-testid="stDataFrame"], '
          '[data-testid="stTable"], [data-testid="stImage"], [data-testid="stCode"]')
# the next sibling is one control, or a row of presets (not a block that holds controls somewhere inside);
# a :has may not hold another :has
_NEXT_IS_CONTROL = (f':has(+ [data-testid="stElementContainer"] :is({_CONTROL}), '
                    '+ [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"] [class*="_preset"])')
CONTROLS_CHROME_CSS = "\n".join(f"{rule} {{ display: none !important; }}" for rule in (   # one rule each: a
    '[data-testid="stMain"] [class*="st-key-"][class*="_preset"]',                         # selector a browser
    '[data-testid="stMain"] [class*="st-key-"][class*="_quick_train"]',                    # refuses drops only its own
    f'[data-testid="stMain"] [data-testid="stLayoutWrapper"]:has(.st-key-init_pin, .st-key-init_unpin)'
    f':not(:has({_SHOWS}))',
    f'[data-testid="stMain"] [data-testid="stElementContainer"]:has({_CONTROL}) + [data-testid="stElementContainer"]'
    ':has([data-testid="stCaptionContainer"])',
    f'[data-testid="stMain"] [data-testid="stElementContainer"]:has([data-testid="stMarkdownContainer"] > p > '
    f'strong:only-child){_NEXT_IS_CONTROL}',
    f'[data-testid="stMain"] [data-testid="stExpander"]:not(:has({_SHOWS}))',
))


def projecting() -> bool:
    """Projector mode is on: larger type, and charts drawn with it."""
    return bool(st.session_state.get("classroom_projector"))


def table_height(rows: int, most: int | None = None) -> int:
    """Pixels for st.dataframe to show `rows` rows (at most `most`): its rows grow with projector mode's type."""
    row = 48 if projecting() else 35
    return (min(rows, most) if most else rows) * row + row + 3


def hidden() -> set[str]:
    return {part.strip() for part in str(st.session_state.get("classroom_hide", "")).split(",") if part.strip()}


def _hide_css(parts: set[str], page_settings=()) -> str:
    rules = []
    if "sidebar" in parts:
        rules.append('[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], '
                     '[data-testid="stExpandSidebarButton"] { display: none !important; }')
    if "controls" in parts:
        rules += [f'[data-testid="stMain"] [data-testid="{kind}"] {{ display: none !important; }}'
                  for kind in CONTROLS]
        rules.append(CONTROLS_CHROME_CSS)
    for s in page_settings:              # one named control: Streamlit gives its element the class st-key-<key>
        if s.query in parts:
            rules.append(f".st-key-{s.key} {{ display: none !important; }}")
    return "\n".join(rules)


def apply():
    """The sidebar toggle, then the CSS for this run. Call once per run, before the page runs."""
    links.restore(PAGE, SETTINGS)
    with st.sidebar:
        st.toggle("Projector mode", key="classroom_projector",
                  help="Larger type, thicker lines and darker captions for a projected screen. "
                       "The page's link carries it (projector=1).")
    links.save(PAGE, SETTINGS)
    css = BASE_CSS + SCRUB_CSS
    if st.session_state["classroom_projector"]:
        css += PROJECTOR_CSS
    css += _hide_css(hidden())
    st.html(f"<style>{css}</style>")


def hide_named_controls(page_settings):
    """Hide the controls of a page that a link names (`hide=gain,seed`); ui.links calls it."""
    css = _hide_css(hidden() - {"sidebar", "controls"}, page_settings)
    if css:
        st.html(f"<style>{css}</style>")
