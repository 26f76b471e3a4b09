"""The benchmark runs, reports every figure it promises, and its baseline is the lecture's loop.
(No timed assertions: the CPU is shared.)"""
import json

import pytest

from bench import engines as bench
from makemore_core import cli
from makemore_core.data import Dataset
from makemore_core.device import configure_threads
from makemore_core.model import MLP, ModelConfig
from makemore_core.notebook import NotebookLoop
from makemore_core.training import TrainConfig, Trainer

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

configure_threads()


@pytest.fixture(scope="module")
def data(default_names):
    return Dataset.from_path(default_names).tensors(3, "cpu")


def test_notebook_baseline_is_the_lecture_loop(data):
    notebook = NotebookLoop(*data["train"])
    notebook.run(50)
    eager = Trainer(MLP(ModelConfig()), data, TrainConfig(steps=50)).run()
    assert notebook.losses == pytest.approx(eager.losses, abs=1e-6)
    assert len(notebook.ud) == 50 and len(notebook.ud[0]) == len(notebook.parameters) == 19
    assert notebook.lossi[0] == pytest.approx(__import__("math").log10(notebook.losses[0]))
    assert sum(p.nelement() for p in notebook.parameters) == 47_024


def test_the_library_never_imports_the_benchmark(capsys, tmp_path):
    """bench/ is a script beside the app: the command line has no `bench` and imports nothing from it."""
    import subprocess
    import sys
    from pathlib import Path
    code = "import sys, makemore_core.cli; print(sorted(m for m in sys.modules if m.startswith('bench')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out
    assert cli.main(["bench", "--quick"]) == 2 and "invalid choice: 'bench'" in capsys.readouterr().err
    assert bench.main(["--quick", "--data", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err


def test_quick_json_has_every_key(capsys, default_names):
    code = bench.main(["--quick", "--json", "--no-compile", "--long-steps", "200", "--data", str(default_names)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    training = result["training"]
    for name in ("baseline", "engine_stats100", "engine_nostats", "notebook_nostats", "eager_stats100"):
        row = training[name]
        assert row["steps_per_s"] > 0 and row["ratio_to_baseline"] > 0
        assert row["losses_agree"] and row["first100_max_abs_diff"] <= 1e-4
        assert len(row["blocks"]) == result["rounds"]
    assert training["baseline"]["ratio_to_baseline"] == 1.0
    assert training["engine_stats100"]["engine_status"].startswith("fast")
    assert result["losses_agree"] is True and result["goal_ratio"] > 0
    assert result["init_stats_s"] > 0
    long = result["long_run"]
    assert long["steps_timed"] == 200 and long["extrapolated"]
    assert long["eager_200k_s"] > 0 and long["engine_200k_s"] > 0 and long["speedup"] > 0
    assert "pages" not in result


def test_table_has_every_row(data):
    result = bench.run(quick=True, compile_step=False, long_steps=0, block=100, rounds=1)
    text = bench.table(result)
    for words in ("baseline", "engine_stats100", "engine_nostats", "goal", "init statistics"):
        assert words in text


def test_page_timings_cover_every_page():
    pages = pytest.importorskip("bench.pages")
    result = pages.time_pages(repeats=1)
    assert set(result["first_render_s"]) == set(pages.PAGES)
    assert all(s > 0 for s in result["first_render_s"].values())
    assert not result.get("errors"), result.get("errors")
    assert result["init_slider_rerun_s"] > 0
    assert "/init rerun after a slider change" in pages.table({"apptest": result})


@pytest.mark.browser
def test_browser_page_timings():
    """A real server and headless Chromium time every page's first render."""
    from conftest import IN_CI, chromium_path
    if chromium_path() is None and not IN_CI:
        pytest.skip("Chromium is not installed")
    from bench import pages
    result = pages.time_pages_browser()
    assert "error" not in result, result.get("error")
    assert set(result["first_render_s"]) == set(pages.PAGES)
    assert all(s > 0 for s in result["first_render_s"].values())
