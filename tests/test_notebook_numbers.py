"""The notebook's numbers as it prints them (ui/lecture/notebook.py): ours at the same precision, and an
honest verdict: the same, float rounding, or how far apart."""
import pytest

from ui.lecture import notebook
from ui.lecture.notebook import Printed


@pytest.mark.parametrize("printed, ours, shown", [
    (Printed("2.640702e-03", 16), 0.002640700899, "2.640701e-03"),
    (Printed("-0.00", 15), -0.0014881, "-0.00"),
    (Printed("+0.00", 15), 0.0031687, "+0.00"),
    (Printed("2.4002976417541504", 19), 2.4002976634021005, "2.4002976634021005"),
    (Printed("47024", 13), 47024, "47024"),
])
def test_ours_is_shown_at_the_notebooks_precision(printed, ours, shown):
    assert printed.fmt(ours) == shown


def test_verdicts_say_the_same_float_rounding_or_how_far():
    cell16 = Printed("2.640702e-03", 16)
    assert cell16.beside(0.002640700899) == "cell 16 prints 2.640702e-03; here 2.640701e-03: float rounding"
    assert cell16.verdict(0.0026407024) == "the same"
    assert Printed("2.07", where=notebook.LOSS_LOG_CELL).verdict(2.0712) == "the same"
    assert Printed("2.1245384216308594").verdict(2.1252) == "+0.0007 apart"


def test_the_videos_numbers_are_not_called_the_notebooks():
    assert notebook.STEP0_LOSS["original"].beside(27.88171).startswith("the video shows 27.8817")
    assert notebook.PARAMS["original"].cell is None


def test_a_row_of_numbers_gets_its_worst_verdict():
    same = notebook.compare_all(notebook.DEEP_ACT_STD, [0.6338, 0.6408, 0.6464, 0.6537, 0.6531])
    assert same.endswith("the same, digit for digit") and same.startswith("cell 15 prints 0.63, 0.64")
    rounding = notebook.compare_all(notebook.DEEP_GRAD_STD[:2], [0.0026407009, 0.0022455829])
    assert rounding == "cell 16 prints 2.640702e-03, 2.245584e-03; here 2.640701e-03, 2.245583e-03: float rounding"
    assert "not the same" in notebook.compare_all(notebook.DEEP_ACT_STD[:1], [0.70])
