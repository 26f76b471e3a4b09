"""makemore lab: the entrypoint. It routes to the pages and draws the sidebar; nothing else.

    streamlit run app.py

`streamlit run` reads this file in two ways. At server start it imports it as a module, finds `app`
(an `st.App`, at the end) and serves it: the slow imports and the tables every session shares are made
then, before the first visitor waits for them. Then each page view runs it as a script (`__main__`),
which routes.
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

# A pages/ folder beside the entrypoint makes Streamlit run a deep link as a legacy stand-alone page until
# the first st.navigation call. Saying "no pages folder" here, before the slow imports, ends that mode for
# every run that starts after this line; ui/__init__.py sends the runs that started before it back here.
PagesManager.uses_pages_directory = False

from ui import classroom, lecture_progress, links, state  # noqa: E402 - after the line above, on purpose


def pages():
    """The navigation: the pages in the order the lecture builds the net, by section."""
    return {
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
    manager = getattr(get_script_run_ctx(), "pages_manager", None)
    if manager is not None and manager.intended_page_name == "home" and not manager.intended_page_script_hash:
        manager.set_script_intent("", "")


def route():
    """One page view: the navigation, the sidebar, the page, and the link that reopens it."""
    st.set_page_config(page_title="makemore lab", layout="wide")
    home_alias()
    page = st.navigation(pages())
    state.sidebar()
    classroom.apply()
    lecture_progress.carry()   # the Lecture's chapters seen and guesses, kept in the address on every page
    link_box = st.sidebar.container()
    try:
        page.run()
    finally:   # also after a page's st.stop(): the link then holds what the page wrote so far
        with link_box:
            links.copy_link_box()


if __name__ == "__main__":      # a page view: Streamlit runs this file as a script
    route()
else:                           # server start: `streamlit run app.py` imports this file and serves `app`
    from starlette.middleware import Middleware

    from ui.upload_limit import SessionUploadLimit
    from ui.warm import warm_up
    app = st.App("app.py", lifespan=warm_up, middleware=[Middleware(SessionUploadLimit)])
