"""The Streamlit side of makemore lab: shared tab state, background runs and figure builders.

Every page imports from this package, which makes it the one place to mend a Streamlit quirk: because a
`pages/` folder stands beside app.py, a freshly started server begins in the legacy multipage mode.
Each session decides at the start of each script run: until app.py's first line has run in some
session, a run answers a deep link (e.g. /data) by running that page file alone, without app.py's
navigation and sidebar. With a class opening the same link at once, most first runs start before any
app.py line has run. So the check is made on every run, not once per process: when a page file imports
from this package inside a legacy run, leave legacy mode and rerun, so that app.py routes the request.
"""
import os
import sys
import types

from streamlit import config
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

APP_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
_LEGACY_RUN = script_runner._mpa_v1.__code__   # Streamlit's runner for a pages/ folder's files


def _legacy_page_run() -> bool:
    """True inside a script run where Streamlit's legacy mode runs a page file without app.py around it."""
    if get_script_run_ctx(suppress_warning=True) is None:   # a background thread, or no Streamlit at all
        return False
    if config.get_option("global.appTest"):   # AppTest resets the mode on every run: its page tests run a page alone
        return False
    legacy, frame = False, sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == APP_SCRIPT:           # app.py routes this run, legacy mode or not
            return False
        legacy = legacy or frame.f_code is _LEGACY_RUN
        frame = frame.f_back
    return legacy


class _Package(types.ModuleType):
    """This package, checking each `from ui import ...` (a page file's first lines, on every run)."""

    def __getattribute__(self, name):
        if not name.startswith("_") and _legacy_page_run():
            import streamlit as st
            PagesManager.uses_pages_directory = False
            st.rerun()
        return super().__getattribute__(name)


sys.modules[__name__].__class__ = _Package
