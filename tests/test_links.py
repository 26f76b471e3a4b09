"""Every experiment is a link (ui.links, ui.uploads): query parameters in, widget values out; bad
values get the default and a warning; values outlive a page switch; a word list travels by its hash."""
import pytest
from conftest import ROOT, redraw
from streamlit.testing.v1 import AppTest

from ui import links, uploads


def app(query=None, timeout=60):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def open_with(page, query=None):
    at = app(query)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def warnings(at):
    return " ".join(w.value for w in at.warning)


# ---------------------------------------------------------------- parsers (no Streamlit)

def test_parsers_accept_good_text_and_refuse_bad():
    assert links.boolean("1") is True and links.boolean("false") is False
    assert links.integer(1, 10)("7") == 7
    assert links.number(0.1, 3.0)("0.5") == 0.5
    assert links.choice([0.5, 5 / 3, 3.0])(repr(5 / 3)) == 5 / 3
    assert links.choice([10, 100])("100") == 100
    assert links.choice({"tanh": "tanh", "relu": "ReLU"})("relu") == "relu"
    for parse, bad in [(links.boolean, "maybe"), (links.integer(1, 10), "11"), (links.integer(1, 10), "2.5"),
                       (links.number(0.1, 3.0), "nan"), (links.number(0.1, 3.0), "abc"),
                       (links.choice([10, 100]), "50"), (links.text(5), "toolong")]:
        with pytest.raises(ValueError):
            parse(bad)


# ---------------------------------------------------------------- pages (AppTest)

def test_init_lab_settings_come_from_the_address():
    at = open_with("init", {"gain": repr(5 / 3), "batchnorm": "0", "hidden_layers": "3", "nonlinearity": "relu"})
    assert at.select_slider(key="init_gain").value == 5 / 3
    assert at.toggle(key="init_batchnorm").value is False
    assert at.slider(key="init_hidden_layers").value == 3
    assert at.radio(key="init_nonlinearity").value == "relu"
    assert not at.warning


def test_bad_values_get_the_default_and_a_warning_not_a_traceback():
    at = open_with("init", {"gain": "abc", "seed": "-5", "n_hidden": "77", "batchnorm": "0"})
    assert at.select_slider(key="init_gain").value == 1.0
    assert at.number_input(key="init_seed").value == 2147483647
    assert at.select_slider(key="init_n_hidden").value == 100
    assert at.toggle(key="init_batchnorm").value is False        # the good value of the same link is used
    text = warnings(at)
    assert "gain=abc" in text and "seed=-5" in text and "n_hidden=77" in text


def test_a_changed_control_updates_the_address_with_non_defaults_only():
    at = open_with("init")
    assert "gain" not in at.query_params and "batchnorm" not in at.query_params
    redraw(at.toggle(key="init_batchnorm").set_value(False).run())
    redraw(at.slider(key="init_hidden_layers").set_value(7).run())
    assert at.query_params["batchnorm"] == ["0"] or at.query_params["batchnorm"] == "0"
    assert "7" in str(at.query_params["hidden_layers"])
    at.slider(key="init_hidden_layers").set_value(5).run()       # back to the default: it leaves the link
    assert "hidden_layers" not in at.query_params


def test_a_preset_writes_the_address():
    at = open_with("init")
    at.button(key="init_preset_1").click().run()          # "No BN, gain 5/3"
    assert str(at.query_params["batchnorm"]) in ("0", "['0']")
    assert repr(5 / 3) in str(at.query_params["gain"])


def test_embeddings_and_context_and_training_pages_read_their_links():
    at = open_with("embeddings", {"n_embd": "2", "batchnorm": "0"})
    assert at.slider(key="emb_n_embd").value == 2 and at.toggle(key="emb_batchnorm").value is False
    at = open_with("context", {"name": "olivia", "block_size": "5"})
    assert at.text_input(key="context_name").value == "olivia" and at.slider(key="context_block_size").value == 5
    at = open_with("training", {"steps": "5000", "lr": "0.05", "model_source": "lab", "engine": "nope"})
    assert at.number_input(key="tr_steps").value == 5000 and at.number_input(key="tr_lr").value == 0.05
    assert at.radio(key="tr_model_source").value == "lab"
    assert at.selectbox(key="tr_engine").value == "eager" and "engine=nope" in warnings(at)


def test_page_switch_keeps_the_settings_and_writes_them_back():
    at = open_with("embeddings")
    at.slider(key="emb_n_embd").set_value(4).run()
    at.query_params.clear()                               # the browser drops the query on a page switch
    at.switch_page("pages/home.py").run()
    at.query_params.clear()
    at.switch_page("pages/embeddings.py").run()
    assert at.slider(key="emb_n_embd").value == 4
    assert "4" in str(at.query_params["n_embd"])


def home(query=None):
    """The app's first page with its sidebar (AppTest draws the sidebar on the first run only)."""
    at = app(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_projector_mode_comes_from_the_address():
    at = home({"projector": "1"})
    assert at.sidebar.toggle(key="classroom_projector").value is True
    assert "1" in str(at.query_params["projector"])
    assert home().sidebar.toggle(key="classroom_projector").value is False


# ---------------------------------------------------------------- word lists by hash

def test_an_uploaded_list_opens_from_its_link(tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    raw = b"anna\nbob\ncarla\ndave\nemma\nfrank\ngina\nhugo\nivy\njack\n"
    link = uploads.keep("my words.txt", raw)
    assert len(link) == uploads.PREFIX and set(link) <= set("0123456789abcdef")
    assert uploads.load(link) == ("my words.txt", raw)
    at = home({"data": link})
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert "my words.txt" in sidebar and "10 words" in sidebar
    assert link in str(at.query_params["data"])


@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/passwd", "zz12", "abc", "0123456789abcdefg"])
def test_a_link_can_never_name_a_server_path(tmp_path, monkeypatch, bad):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    assert uploads.load(bad) is None
    at = home({"data": bad})
    assert "not on this server" in " ".join(w.value for w in at.sidebar.warning)
    assert "default" in " ".join(m.value for m in at.sidebar.markdown)


def test_the_store_keeps_its_size_cap(tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(uploads, "MAX_TOTAL_BYTES", 250)
    monkeypatch.setattr(uploads, "IN_USE_S", 0)      # no list in use: the oldest goes first
    ids = [uploads.keep(f"list{i}.txt", (f"word{i}\n" * 20).encode()) for i in range(4)]   # 120+ bytes each
    kept = list((tmp_path / "uploads").glob("*.txt"))
    assert sum(p.stat().st_size for p in kept) <= 250
    assert uploads.load(ids[-1]) is not None and uploads.load(ids[0]) is None
