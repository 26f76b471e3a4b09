"""AppTest: the Context windows page: the slider, the name picker, the shapes and the identity."""
import pytest
from conftest import open_app_page, vega_chart

from makemore_core.data import Dataset

UPLOAD = "\n".join(["xy", "yx", "xxy", "yyx", "xyxy", "yxyx", "xx", "yy", "xyx", "yxy"]).encode()


def open_page(upload=None):
    return open_app_page("context", upload and {"dataset_upload": {"name": "xy.txt", "bytes": upload}})


def table(at, column):
    return next(df.value for df in at.dataframe if column in df.value.columns)


@pytest.fixture(scope="module")
def default_data(default_names):
    return Dataset.from_path(default_names)


def test_emma_at_block_size_3(default_data):
    at = open_page()
    assert at.text_input(key="context_name").value == "emma"
    pairs = table(at, "X row (indices)")
    assert list(pairs["context"]) == ["...", "..e", ".em", "emm", "mma"]
    assert list(pairs["target"]) == ["e", "m", "m", "a", "."]
    assert list(pairs["X row (indices)"]) == ["[0, 0, 0]", "[0, 0, 5]", "[0, 5, 13]", "[5, 13, 13]", "[13, 13, 1]"]
    assert list(pairs["Y"]) == [5, 13, 13, 1, 0]
    _, cells = vega_chart(at, "context_windows")
    assert cells.sort_values("row")["example"].iloc[0].endswith("... → e")
    assert any("4 letters + 1 end marker = 5 examples" in m.value for m in at.markdown)
    shapes = table(at, "X shape")
    n = [sum(len(w) + 1 for w in default_data.splits[s]) for s in ("train", "val", "test")]
    assert list(shapes["= examples"]) == n
    assert list(shapes["X shape"]) == [f"({k:,}, 3)" for k in n]
    assert list(shapes["Y shape"]) == [f"({k:,},)" for k in n]
    letters = sum(len(w) for w in default_data.splits["train"])
    words = len(default_data.splits["train"])
    assert any(f"{letters:,} letters + {words:,} end markers = **{letters + words:,}** examples" in m.value
               for m in at.markdown)


def test_slider_widens_x_but_keeps_the_number_of_examples():
    at = open_page()
    before = table(at, "X shape")
    at.slider(key="context_block_size").set_value(7).run()
    after = table(at, "X shape")
    assert list(after["= examples"]) == list(before["= examples"])
    assert all(shape.endswith(", 7)") for shape in after["X shape"])
    assert list(after["Y shape"]) == list(before["Y shape"])
    pairs = table(at, "X row (indices)")
    assert pairs["context"][0] == "......." and pairs["context"][4] == "...emma"
    _, cells = vega_chart(at, "context_windows")
    assert cells["position"].nunique() == 7 + 4 + 1
    at.slider(key="context_block_size").set_value(1).run()
    assert list(table(at, "X row (indices)")["context"]) == [".", "e", "m", "m", "a"]


@pytest.mark.parametrize("name, words", [
    ("Emma", ["'E'", "not in this data's vocabulary", "**emma**"]),
    ("em.ma", ["cannot contain '.'"]),
    ("zoë", ["'ë'"]),
])
def test_bad_names_get_a_clear_message(name, words):
    at = open_page()
    at.text_input(key="context_name").input(name).run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any(all(w in m for w in words) for m in messages), messages
    assert vega_chart(at, "context_windows", required=False) is None
    assert table(at, "X shape") is not None  # the data set's shapes still show


def test_empty_name_asks_for_one():
    at = open_page()
    at.text_input(key="context_name").input("  ").run()
    assert any("Type a name" in i.value for i in at.info)


def test_any_typed_name_works_even_if_not_in_the_data():
    at = open_page()
    at.text_input(key="context_name").input("zyxwvut").run()
    assert len(table(at, "X row (indices)")) == 8


def test_pick_from_the_data_and_random(default_data):
    at = open_page()
    choice = at.selectbox(key="context_pick").options[3]
    at.selectbox(key="context_pick").select(choice).run()
    assert at.text_input(key="context_name").value == choice
    assert len(table(at, "X row (indices)")) == len(choice) + 1
    at.button(key="context_random").click().run()
    assert at.text_input(key="context_name").value in set(default_data.words)


def test_build_button_checks_the_formula():
    at = open_page()
    at.slider(key="context_block_size").set_value(2).run()
    at.button(key="context_build").click().run()
    assert any("shapes match the formula" in s.value and "(188833, 2)" in s.value for s in at.success)


def test_choices_survive_a_page_switch():
    at = open_page()
    at.slider(key="context_block_size").set_value(6).run()
    at.text_input(key="context_name").input("olivia").run()
    at.switch_page("pages/data.py").run()
    at.switch_page("pages/context.py").run()
    assert at.slider(key="context_block_size").value == 6
    assert at.text_input(key="context_name").value == "olivia"


def test_after_an_upload_uses_its_own_words():
    data = Dataset.from_bytes(UPLOAD)
    at = open_page(UPLOAD)
    name = at.text_input(key="context_name").value
    assert name == data.words[0]  # 'emma' cannot be spelled with x and y
    assert len(table(at, "X row (indices)")) == len(name) + 1
    shapes = table(at, "X shape")
    assert list(shapes["= examples"]) == [sum(len(w) + 1 for w in data.splits[s]) for s in ("train", "val", "test")]
    at.text_input(key="context_name").input("emma").run()
    assert any("not in this data's vocabulary" in e.value for e in at.error)


def test_projector_mode_draws_the_picture_with_larger_type():
    normal = vega_chart(open_page(), "context_windows")[0]["config"]["axis"]["labelFontSize"]
    at = open_app_page("context", {"classroom_projector": True})
    assert vega_chart(at, "context_windows")[0]["config"]["axis"]["labelFontSize"] > normal
