"""The app's navigation and frame: which pages there are, the sidebar, and the link box around each page.

Every page view runs `route()`: on a server from router/main.py (the script `st.App` serves), under
AppTest from app.py. Pages are named by absolute path, so both scripts find the same files.
"""
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import classroom, lecture_progress, links, runs, state

PAGES = Path(__file__).resolve().parent.parent / "pages"


def page_file(path: str) -> str:
    """"pages/<name>.py" as st.page_link and st.switch_page need it: absolute, since they resolve a relative
    path against the script each page view runs (router/main.py on a server, app.py under AppTest)."""
    return str(PAGES.parent / path)


def pages():
    """The navigation: the pages in the order the lecture builds the net, by section."""
    return {
        "Start": [
            st.Page(PAGES / "home.py", title="Home", url_path="home", default=True),
            st.Page(PAGES / "lecture.py", title="The lecture, chapter by chapter", url_path="lecture"),
        ],
        "Building the data": [
            st.Page(PAGES / "data.py", title="Data & vocabulary", url_path="data"),
            st.Page(PAGES / "context.py", title="Context windows", url_path="context"),
            st.Page(PAGES / "embeddings.py", title="Embeddings & shapes", url_path="embeddings"),
        ],
        "Training the net": [
            st.Page(PAGES / "init.py", title="Initialization lab", url_path="init"),
            st.Page(PAGES / "training.py", title="Training", url_path="training"),
        ],
        "Using the model": [
            st.Page(PAGES / "evaluation.py", title="Evaluation", url_path="evaluation"),
            st.Page(PAGES / "sampling.py", title="Sampling", url_path="sampling"),
        ],
    }


def home_alias():
    """`/home` opens Home. Streamlit serves the default page at `/` only, and answered a first deep
    link to /home with "Page not found"; asking for no page in particular gives the default page."""
    manager = getattr(get_script_run_ctx(), "pages_manager", None)
    if manager is not None and manager.intended_page_name == "home" and not manager.intended_page_script_hash:
        manager.set_script_intent("", "")


def route():
    """One page view: the navigation, the sidebar, the page, and the link that reopens it."""
    st.set_page_config(page_title="makemore lab", layout="wide")
    home_alias()
    page = st.navigation(pages())
    state.sidebar()
    runs.keep_runs_alive()     # every page, not only those that list runs: a reconnect there keeps them too
    classroom.apply()
    lecture_progress.carry()   # the Lecture's chapters seen and guesses, kept in the address on every page
    link_box = st.sidebar.container()
    try:
        page.run()
    finally:   # also after a page's st.stop(): the link then holds what the page wrote so far
        with link_box:
            links.copy_link_box()
