"""Plain functions: data in, a figure out. No Streamlit here, so they test without a browser.

Two kinds: plotly figures, and Vega-Lite charts returned as (data, spec) for the charts a control or a
live run redraws (see vega.py: the browser updates those in place).
"""
