"""The floor for bench/latency.py: a bare Streamlit app with one slider and one metric.

    streamlit run bench/bare_app.py
"""
import streamlit as st

st.title("Bare app")
gain = st.slider("Gain", 0.0, 5.0, 1.0, 0.05, key="gain")
st.metric("Initial loss", f"{3.2958 * gain:.4f}")
