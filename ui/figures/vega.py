"""The frame of the app's Vega-Lite charts: the charts that are redrawn while a learner watches or drags.

Streamlit gives a plotly chart whose figure changed a new element, which the browser draws from scratch. A
Vega-Lite chart whose spec stays the same and whose data changes keeps its element: the browser swaps the data
set in the drawn view, much faster. So the chart functions built on this return (data, spec): everything that
changes from one draw to the next is in the data (a long table, one row per point), the spec only says how to
draw it.
"""
import numpy as np

from .common import COLORS, FONT_SIZE, chart_height


def spec(layers, height, big=False, key=""):
    """Common frame: SVG (sharp when projected, and the page's tests can read it), the app's type size; `big`
    (projector mode) makes the type larger and the chart taller (common.chart_height)."""
    font = FONT_SIZE + (5 if big else 0)
    return {
        # fit the width; `height` is the plotting area's, so a long legend adds to it rather than squashing it
        "height": chart_height(height, big), "autosize": {"type": "fit-x", "contains": "padding"}, "layer": layers,
        "usermeta": {"embedOptions": {"renderer": "svg"}, "chart": key},
        # projected, the labels are bold (ui.classroom's CSS): measured so here, they are not cut at the edges
        "config": {"axis": {"labelFontSize": font - 2, "titleFontSize": font - 1, "labelColor": "#1f2027",
                            **({"labelFontWeight": 600} if big else {}),
                            "titleColor": "#1f2027", "titleFontWeight": "normal"},
                   "legend": {"labelFontSize": font - 3, "labelColor": "#1f2027", "labelLimit": 320,   # projected: the CSS's 17 px
                              "rowPadding": 2, "symbolSize": 60}},
    }


def color(domain, legend_columns=2, field="series"):
    """One colour per line, fixed by the list of names (fixed while only the numbers change): a line keeps
    its colour across refreshes, and the legend its order."""
    palette = COLORS * (len(domain) // len(COLORS) + 1)
    return {"field": field, "type": "nominal", "scale": {"domain": list(domain), "range": palette[:len(domain)]},
            "legend": {"orient": "bottom", "title": None, "columns": legend_columns, "symbolStrokeWidth": 3}}


PACKED = ("x0", "dx", "ys")   # a histogram in one row: its first bin's centre, the bins' width, the densities


def packed(x, y, digits=5) -> dict:
    """A histogram on even bins as one row (vega.unpacked draws it): a scrubber's filter then tests one row
    per histogram, not one per bin. Streamlit's Vega runs expressions through an interpreter (no eval),
    about 5 us a row: 35,000 rows a move took 100 to 200 ms, 1,100 rows a few."""
    x = np.asarray(x, dtype=float)
    return {"x0": float(x[0]) if len(x) else 0.0, "dx": float(x[1] - x[0]) if len(x) > 1 else 1.0,
            "ys": ",".join(f"{v:.{digits}g}" for v in np.asarray(y, dtype=float))}


def unpacked(groupby):
    """Transforms that turn the packed rows left by a filter into one row per bin (x, y)."""
    return [{"calculate": "split(datum.ys, ',')", "as": "ys"}, {"flatten": ["ys"]},
            {"window": [{"op": "row_number", "as": "k"}], "groupby": list(groupby)},
            {"calculate": "datum.x0 + (datum.k - 1) * datum.dx", "as": "x"},
            {"calculate": "toNumber(datum.ys)", "as": "y"}]


def scrubber(name: str, count: int, start: int, label: str, field: str = "m"):
    """A range input bound inside the chart, picking one member (0 .. count-1 in `field`) of a family whose
    every member travels with the chart: the browser redraws the picked member as the thumb moves, with no
    round trip. It is a point selection, so Streamlit's on_select reports the member once the thumb rests
    (150 ms); a click on a mark of the view that holds it picks that mark's member too."""
    return {"name": name, "value": int(start),
            "select": {"type": "point", "fields": [field], "on": "click", "clear": False},
            "bind": {"input": "range", "min": 0, "max": int(count) - 1, "step": 1, "name": label}}


def picked(name: str, also=None):
    """A filter keeping the scrubber's member (and the rows `also`, a predicate, say a pinned net's)."""
    test = {"param": name, "empty": False}
    return {"filter": test if also is None else {"or": [test, also]}}


def concat_spec(rows, key: str, big=False, width=330):
    """A vconcat of rows (each a list of unit/layer views side by side) sharing the app's look and one
    scrubber: one chart, so one input drives every view."""
    frame = spec([], 0, big, key)
    frame.pop("layer"), frame.pop("height"), frame.pop("autosize")
    for row in rows:   # sizes as given, projected too: a scrubber's views all fit one screen with its input
        for view in row:
            view.setdefault("width", width)
    frame["vconcat"] = [{"hconcat": row} if len(row) > 1 else row[0] for row in rows]
    frame["config"]["concat"] = {"spacing": 18}
    return frame


def wire_bytes(data) -> int:
    """What a chart's data costs on the wire: Streamlit sends a DataFrame as an Arrow stream (the scrubbers'
    families are held to 1 MB by this measure, in their tests and bench/scrub.py)."""
    import io

    import pyarrow as pa
    sink = io.BytesIO()
    table = pa.Table.from_pandas(data)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return len(sink.getvalue())
