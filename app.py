"""makemore lab: the entrypoint. It routes to the pages and draws the sidebar; nothing else.

    streamlit run app.py
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

# A pages/ folder beside the entrypoint makes Streamlit run a deep link as a legacy stand-alone page until
# the first st.navigation call. Saying "no pages folder" here, before the slow imports, ends that mode for
# every run that starts after this line; ui/__init__.py sends the runs that started before it back here.
PagesManager.uses_pages_directory = False

from ui import classroom, links, state  # noqa: E402 - after the line above, on purpose

st.set_page_config(page_title="makemore lab", layout="wide")

PAGES = {
    "Start": [
        st.Page("pages/home.py", title="Home", url_path="home", default=True),
        st.Page("pages/lecture.py", title="The lecture, chapter by chapter", url_path="lecture"),
    ],
    "Building the data": [
        st.Page("pages/data.py", title="Data & vocabulary", url_path="data"),
        st.Page("pages/context.py", title="Context windows", url_path="context"),
        st.Page("pages/embeddings.py", title="Embeddings & shapes", url_path="embeddings"),
    ],
    "Training the net": [
        st.Page("pages/init.py", title="Initialization lab", url_path="init"),
        st.Page("pages/training.py", title="Training", url_path="training"),
    ],
    "Using the model": [
        st.Page("pages/evaluation.py", title="Evaluation", url_path="evaluation"),
        st.Page("pages/sampling.py", title="Sampling", url_path="sampling"),
    ],
}


def home_alias():
    """`/home` opens Home. Streamlit serves the default page at `/` only, and answered a first deep
    link to /home with "Page not found"; asking for no page in particular gives the default page."""
    pages = getattr(get_script_run_ctx(), "pages_manager", None)
    if pages is not None and pages.intended_page_name == "home" and not pages.intended_page_script_hash:
        pages.set_script_intent("", "")


home_alias()
page = st.navigation(PAGES)
state.sidebar()
classroom.apply()
link_box = st.sidebar.container()
try:
    page.run()
finally:   # also after a page's st.stop(): the link then holds what the page wrote so far
    with link_box:
        links.copy_link_box()
