"""The Streamlit side of makemore lab: shared tab state, background runs and figure builders (ui.figures
imports no Streamlit)."""
