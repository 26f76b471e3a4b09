"""What a freshly started server does before it lets the first visitor in.

Without it the first page view pays for importing torch, pandas and plotly and for building the default
word list (about 2-5 s on this 2-core machine), and a class that opens the app at once waits behind it.
app.py hands `warm_up` to `st.App`, whose server runs it once at start: a browser that connects meanwhile
waits for it, then finds everything loaded.
"""
import contextlib
import importlib
import pkgutil
import sys

import makemore_core
import ui

READY = "makemore lab: ready"   # the line the server prints once warm (a test waits for it)


def import_everything():
    """Every module of the core and of the app's Streamlit side: the page scripts then find them loaded."""
    for package in (makemore_core, ui):
        for module in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            if module.name != "makemore_core.__main__":   # the command line: importing it would run it
                importlib.import_module(module.name)
    importlib.import_module("pyarrow")   # Streamlit's tables import it on their first use


def build_shared():
    """What every session reads: made once here instead of by the first visitor."""
    from ui import state

    state.device()
    state.default_dataset()
    state.home_picture().to_plotly_json()   # also warms plotly, which builds its validators on first use
    from ui.lecture import warm_constants
    warm_constants()   # the Lecture's data-free figures: no chapter computes them on its first view


@contextlib.asynccontextmanager
async def warm_up(_app):
    import_everything()
    build_shared()
    from ui import runs
    back = runs.restore_saved()   # the runs an earlier server saved, before the first visitor asks for them
    print(f"{READY}: every module loaded, the shared tables built, {back} saved run{'s' * (back != 1)} back",
          file=sys.stderr, flush=True)
    yield
    # a clean stop (SIGTERM, Ctrl-C): the server re-raises the signal once it has stopped, so Python's atexit
    # never runs; every run still training is saved here, where it is (ui.saved_runs)
    from ui import saved_runs
    saved_runs.save_all()
