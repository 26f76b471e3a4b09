"""The all-zeros init (exercise E01) on the Initialization lab and the Training page, through AppTest."""
import math

import pytest
from conftest import open_app_page, redraw

from ui.training_run import all_runs


def text(at):
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "code")
                     for e in getattr(at, kind))


def test_init_lab_all_zeros(stop_all_runs):
    at = open_app_page("init")
    redraw(at.radio(key="init_init").set_value("zeros").run())
    assert not at.exception
    loss = next(m for m in at.metric if m.label == "Initial loss").value
    assert float(loss) == pytest.approx(math.log(27), abs=1e-4)   # logits all 0: exactly uniform
    shown = text(at)
    assert "Every weight and bias is zero" in shown and "--init zeros" in shown
    # the layer table: every activation exactly 0
    table = next(t.value for t in at.table if "saturated %" in t.value.columns)   # static tables (no clipping)
    assert (table["std"] == 0).all() and (table["mean"] == 0).all()
    at.radio(key="init_init").set_value("normal").run()
    assert "--init" not in text(at)


def test_training_page_all_zeros(stop_all_runs):
    at = open_app_page("training")
    at.number_input(key="tr_steps").set_value(50)
    at.selectbox(key="tr_init").set_value("zeros")
    at.run()
    known = {r.id for r in all_runs()}
    at.button(key="tr_start").click().run()
    assert not at.exception
    run = next(r for r in all_runs() if r.id not in known)
    assert run.model_config.init == "zeros" and "all-zero init" in run.label
    run.wait(60)
    assert run.trainer.losses[0] == pytest.approx(math.log(27), abs=1e-5)
