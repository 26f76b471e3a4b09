"""What a learner sees fits 1280x800 (issue 26 item 5), checked headless (AppTest) where the setting that
makes it fit is in what the page sends."""
import pytest
from test_page_training import small, start, training_page


@pytest.fixture(autouse=True)
def stop_runs(stop_all_runs):
    """No training thread left behind."""


def test_the_run_list_shows_the_columns_that_fit_and_every_setting_one_click_away():
    at = small(training_page(), 20)
    run = start(at)
    run.wait(30)
    at.run()
    table = at.dataframe[0]
    # 19 columns scrolled sideways at 1280x800 and cut 'val loss' to 'va': six are drawn, label last
    assert list(table.proto.column_order) == ["run", "state", "steps", "last loss", "val loss", "label"]
    column = at.dataframe[1].value[f"run {run.number}"]   # in "Every setting of each run"
    assert column["BatchNorm"] == "yes" and column["layers"] == "2" and column["label"] == run.label
