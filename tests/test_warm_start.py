"""A freshly started server is warm before its first visitor: `streamlit run app.py` serves app.py's
`st.App`, whose start-up imports what the pages import and builds what every session shares."""
import ast
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import ROOT, start_app_server
from streamlit.web.server.app_discovery import discover_asgi_app

from ui.warm import READY


def test_streamlit_run_serves_the_app_with_its_warm_up():
    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"
    assert "lifespan=warm_up" in (ROOT / "app.py").read_text()


def test_the_server_is_warm_before_it_accepts_a_visitor():
    proc, url = start_app_server()
    try:
        port = url.rsplit(":", 1)[1]
        log = (Path(tempfile.gettempdir()) / f"makemore-lab-server-{port}.log").read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert READY in log            # printed by the start-up, which ends before the server listens
    assert "missing ScriptRunContext" not in log   # importing app.py at start runs no Streamlit command


def imported_by(path: Path) -> set[str]:
    """The modules a script imports: `import x.y` names x.y; `from x import y` names x, and x.y (y may be a
    module or only a name in x: the check below keeps the modules)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_warm_up_loads_every_module_a_page_imports():
    wanted = set().union(*(imported_by(p) for p in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]))
    assert {"torch", "pandas", "ui.runs", "makemore_core.model"} <= wanted   # the parse finds the imports
    check = (
        "import importlib.util, sys\n"
        "def is_module(name):\n"
        "    try:\n"
        "        return importlib.util.find_spec(name) is not None\n"
        "    except ModuleNotFoundError:\n"
        "        return False\n"
        "from ui import warm, state; warm.import_everything(); warm.build_shared()\n"
        f"missing = sorted(m for m in {sorted(wanted)!r} if m not in sys.modules and is_module(m))\n"
        "print('missing', missing); print('default list built', state._default_words.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "missing []" in out.stdout, out.stdout
    assert "default list built 1" in out.stdout
