"""A stand-alone page for the exercise chapter, NOT in app.py's navigation: for tests and screenshots
until the Lecture page (which shows the chapter after the lecture's own) lands.

    streamlit run pages/exercises.py
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run pages/...` puts pages/ first

import streamlit as st  # noqa: E402

from ui.lecture import exercises  # noqa: E402

st.set_page_config(page_title="makemore lab: exercises", layout="wide")
st.title(exercises.TITLE)
exercises.render(None)
