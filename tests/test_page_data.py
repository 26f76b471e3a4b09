"""AppTest: the Data & vocabulary page, with the default data, after an upload, and each control."""
import base64
import json

import numpy as np
import pytest
from conftest import open_app_page

from makemore_core.data import Dataset

UPLOAD = "\n".join(["Zoë", "anna", "bob", "Zoë", "cleo", "dan", "eve", "fay", "gus", "hal", "ivy", "joe"]).encode()


def open_page(upload=None):
    return open_app_page("data", upload and {"dataset_upload": {"name": "mine.txt", "bytes": upload}})


def metrics(at):
    return {m.label: m.value for m in at.metric}


def values(v):
    """A plotly array from the chart spec: a list, or numpy's {"dtype", "bdata"} base64 form."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def chart(at, key):
    [element] = [c for c in at.get("plotly_chart") if c.proto.id and key in c.proto.id]
    return json.loads(element.proto.spec)


def test_default_data_numbers(default_names):
    data = Dataset.from_path(default_names)
    at = open_page()
    m = metrics(at)
    assert m["words"] == f"{len(data.words):,}" == "32,952"
    assert m["distinct words"] == f"{len(set(data.words)):,}"
    assert m["vocabulary"] == "27"
    assert m["shortest (chars)"] == str(min(map(len, data.words)))
    assert len(at.get("plotly_chart")) == 3
    # the vocabulary table: '.' at 0, every index once, counts as in the data
    vocab_rows = [row for df in at.dataframe if "character" in df.value.columns for row in df.value.itertuples()]
    assert vocab_rows[0].index == 0 and vocab_rows[0].character == "."
    assert [r.index for r in vocab_rows] == list(range(27))
    assert vocab_rows[0].count == len(data.words)
    assert next(r for r in vocab_rows if r.character == "e").count == "".join(data.words).count("e")
    # the split table at block_size 3
    split = next(df.value for df in at.dataframe if "X shape" in df.value.columns)
    tensors = data.tensors(3)
    assert list(split["examples"]) == [len(tensors[s][1]) for s in ("train", "val", "test")]
    assert list(split["X shape"]) == [str(tuple(tensors[s][0].shape)) for s in ("train", "val", "test")]
    assert (split["largest index"] == 26).all() and (split["smallest index"] == 0).all()
    assert any("Index check passed" in s.value for s in at.success)


def test_bigram_heatmap_counts_and_hover():
    at = open_page()
    spec = chart(at, "data_bigrams")
    heat = spec["data"][0]
    assert len(heat["x"]) == len(heat["y"]) == 27 and heat["x"][0] == "."
    assert "customdata" in heat and "times" in heat["hovertemplate"]
    # the log toggle changes the colours, not the counts in the hover
    at.toggle(key="data_bigram_log").set_value(False).run()
    plain = chart(at, "data_bigrams")["data"][0]
    assert plain["z"] != heat["z"]
    assert plain["customdata"] == heat["customdata"]
    at.toggle(key="data_bigram_numbers").set_value(True).run()
    assert chart(at, "data_bigrams")["data"][0].get("texttemplate")


def test_character_order_radio_sorts_the_bars():
    at = open_page()
    assert chart(at, "data_chars")["data"][0]["x"][:3] == [".", "a", "b"]
    at.radio(key="data_char_order").set_value("count").run()
    bars = chart(at, "data_chars")["data"][0]
    counts = values(bars["y"])
    assert counts == sorted(counts, reverse=True) and len(counts) == 27
    assert bars["x"][0] == "a"  # the most used letter of the default names


@pytest.mark.parametrize("query, kind, words", [
    ("emma", "success", ["train"]),
    ("Emma", "warning", ["not in the data", "**emma** is", "'E'"]),
    ("qqqzzz", "info", ["not in the data"]),
    ("José", "warning", ["'é'", "vocabulary"]),
])
def test_search_box(query, kind, words):
    at = open_page()
    at.text_input(key="data_search").input(query).run()
    messages = [m.value for m in getattr(at, kind)]
    assert any(all(w in m for w in words) for m in messages), messages
    assert not at.exception


def test_after_an_upload():
    at = open_page(UPLOAD)
    m = metrics(at)
    assert m["words"] == "12" and m["distinct words"] == "11"
    assert m["vocabulary"] == str(len(Dataset.from_bytes(UPLOAD).vocab))
    heat = chart(at, "data_bigrams")["data"][0]
    assert len(heat["x"]) == int(m["vocabulary"]) and "Z" in heat["x"] and "ë" in heat["x"]
    at.text_input(key="data_search").input("Zoë").run()
    assert any("2 times" in s.value for s in at.success)
    assert not at.exception
    assert any("mine.txt" in c.value for c in at.caption)


def test_lecture_list_gives_the_notebook_shapes(lecture_names):
    at = open_page(lecture_names.read_bytes())
    split = next(df.value for df in at.dataframe if "X shape" in df.value.columns)
    assert list(split["X shape"]) == ["(182625, 3)", "(22655, 3)", "(22866, 3)"]
    assert metrics(at)["words"] == "32,033"


def test_back_to_default_button():
    at = open_page(UPLOAD)
    at.button(key="data_default").click().run()
    assert metrics(at)["words"] == "32,952"
    assert "dataset_upload" not in at.session_state
