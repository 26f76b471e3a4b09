"""The router's layout rests on one rule of Streamlit's (see app.py): a folder named `pages` beside the
script it runs for each page view switches on the legacy multipage mode, which on a fresh server answered
a deep link with the page alone. The page view therefore runs router/main.py, whose folder has none. If
an upgrade of Streamlit changes the rule, these tests fail: then check the deep-link browser tests and
whether the router's own folder is still needed."""
import importlib
import subprocess
import sys

import pytest
from conftest import ROOT
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture
def fresh_flag():
    """Streamlit decides the mode once per process, at the first PagesManager: start each check afresh."""
    saved = PagesManager.uses_pages_directory
    PagesManager.uses_pages_directory = None
    yield
    PagesManager.uses_pages_directory = saved


@pytest.mark.parametrize("script,legacy", [("app.py", True), ("router/main.py", False)])
def test_streamlit_takes_a_pages_folder_beside_the_script_for_the_legacy_mode(fresh_flag, script, legacy):
    PagesManager(str(ROOT / script))
    assert PagesManager.uses_pages_directory is legacy


def test_the_server_runs_the_router_for_each_page_view():
    app = importlib.import_module("app").app      # what `streamlit run app.py` serves
    served = ROOT / app.script_path
    assert served == ROOT / "router" / "main.py" and served.is_file()
    assert not (served.parent / "pages").exists()


def test_the_figures_import_no_streamlit():
    code = "import sys, ui.figures; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
