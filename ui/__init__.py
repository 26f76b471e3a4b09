"""The Streamlit side of makemore lab: shared tab state, background runs and figure builders.

Every page imports this package, which makes it the one place to mend a Streamlit quirk: because a
`pages/` folder stands beside app.py, a freshly started server begins in the legacy multipage mode
and answers a first deep link (e.g. /training) by running that page file alone, without app.py's
navigation and sidebar. app.py's st.navigation call ends that mode; until it has run, leave legacy
mode and rerun, so that app.py routes this very request.
"""
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
    import streamlit as st

    PagesManager.uses_pages_directory = False
    st.rerun()
