"""A visitor's text shows as text (issue 30 item 3): markdown links and images, HTML and Streamlit's
`:red[...]` fed through every place that echoes a link's value, a file's name or a checkpoint's label
come out escaped and capped, never as live markup."""
import re

import pytest
from conftest import ROOT, open_app_page
from streamlit.testing.v1 import AppTest

from makemore_core import checkpoint
from makemore_core.model import MLP, ModelConfig
from ui import state
from ui.safe_text import literal

LINK = "[evil log in](https://evil.example.com/login)"      # "evil" early: it marks even a capped echo
IMAGE = "![evil](https://evil.example.com/p.png)"
HTML = "<img alt=evil src=https://evil.example.com/p.png>"
COLOR = ":red[evil alarm]"
PAYLOADS = [LINK, IMAGE, HTML, COLOR]
# what live markup looks like once every escaped character is taken out
LIVE = re.compile(r"\]\(|!\[|<[a-zA-Z/!]|:[a-z-]+\[|https?://|www\.|\w@\w", re.IGNORECASE)
MARKDOWN_FIELDS = {"body", "label", "help"}   # what Streamlit renders as markdown in an element's proto


def live_markup(body: str) -> list[str]:
    """The markup in `body` that would render: what is left after the escaped characters go."""
    return LIVE.findall(re.sub(r"\\.", "", body))


def _texts(message):
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for item in (value if hasattr(value, "__len__") else [value]):   # a repeated field or one message
                yield from _texts(item)
        elif field.name in MARKDOWN_FIELDS and isinstance(value, str):
            yield value


def echoes(at) -> list[str]:
    """Every markdown text on the page (alerts, markdown, captions, headers, labels, help) that echoes
    the attacker's text: it names evil.example.com or the alarm, escaped or not."""
    found = []
    for node in at._tree:
        if getattr(node, "proto", None) is not None and getattr(node, "type", "") != "html":
            found += [t for t in _texts(node.proto) if "evil" in re.sub(r"\\(.)", r"\1", t)]
    return found


def assert_inert(at, least=1):
    assert not at.exception, [e.value for e in at.exception]
    texts = echoes(at)
    assert len(texts) >= least, texts        # the page did echo the value: the check below means something
    for body in texts:
        assert not live_markup(body), body
        assert len(body) < 1200, len(body)


def app(query):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at


# ---------------------------------------------------------------- the helper

@pytest.mark.parametrize("payload", PAYLOADS + ["a\n# heading", "x" * 100_000, "$x$ `code` **b** &amp;",
                                                "WWW.evil.example.com mail@evil.example.com"])
def test_literal_leaves_no_markup_and_caps(payload):
    text = literal(payload)
    assert not live_markup(text) and "\n" not in text
    assert len(re.sub(r"\\(.)", r"\1", text)) <= 60
    shown = re.sub(r"\\(.)", r"\1", literal("[a](b) :red[c] seed=-5.txt", None)).replace("\u2060", "")
    assert shown == "[a](b) :red[c] seed=-5.txt"      # it reads as it was


def test_the_check_sees_live_markup():
    assert all(live_markup(p) for p in PAYLOADS)


# ---------------------------------------------------------------- values from a link

@pytest.mark.parametrize("payload", PAYLOADS)
def test_link_values_are_echoed_as_text(payload):
    at = app({"run": payload, "data": payload})
    at.run()
    assert_inert(at)                                    # data=: "not on this server"
    at.switch_page("pages/training.py").run()
    assert_inert(at)                                    # run=: "there is no run ..."
    at = app({"n_hidden": payload, "name": payload[:30], "pin": payload})
    at.run()
    at.switch_page("pages/init.py").run()
    assert_inert(at)                                    # a bad setting's value, a bad pinned A (pin=)
    at.switch_page("pages/context.py").run()
    assert_inert(at)                                    # the name typed or linked: header and error


def test_a_long_link_value_is_capped():
    at = app({"run": "x" * 100_000})
    at.run()
    at.switch_page("pages/training.py").run()
    notice = next(w.value for w in at.warning if "no run" in w.value)
    assert len(notice) < 400 and "…" in notice


# ---------------------------------------------------------------- file names

WORDS = b"anna\nbob\ncarl\ndora\n" * 5


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_uploaded_word_lists_name_is_text(payload, tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    at = open_app_page("data")
    at.file_uploader(key="data_upload_0").set_value((f"{payload}.txt", b"", "text/plain")).run()
    assert_inert(at)                                    # "That file was not used: <name> is empty."
    at.file_uploader(key="data_upload_0").set_value((f"{payload}.txt", WORDS, "text/plain")).run()
    assert_inert(at)                                    # "Data set in use: <name>"
    for page in ("init", "lecture"):
        at.switch_page(f"pages/{page}.py").run()
        assert_inert(at)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_sidebar_and_home_show_a_word_lists_name_as_text(payload):
    at = app({})
    at.session_state[state.DATASET_KEY] = {"name": f"{payload}.txt", "bytes": WORDS, "link": None}
    at.run()                    # AppTest keeps the sidebar of a first run only
    assert_inert(at, 2)                                 # the sidebar's "Data set", Home's caption


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_uploaded_checkpoints_name_is_text(payload, dataset):
    raw = checkpoint.to_bytes(MLP(ModelConfig(vocab_size=len(dataset.vocab), hidden_layers=1, n_hidden=8)),
                              dataset.vocab)
    at = open_app_page("training")
    at.file_uploader(key="tr_upload").set_value((f"{payload}.pt", raw, "application/octet-stream")).run()
    assert_inert(at, 2)                                 # "Loaded", "Loaded **uploaded checkpoint ...**"
    for page in ("evaluation", "embeddings"):
        at.switch_page(f"pages/{page}.py").run()
        assert_inert(at)                                # "**Model:** ...", "Right: ..."
