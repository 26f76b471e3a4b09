"""Plain functions: data in, plotly figure out. No Streamlit here, so they test without a browser."""
