"""Each setting has one name, the core's (its address key, and its widget key after the page's prefix),
and its range is stated once, in its parser (issue 24 step 3): the widget a page draws for it
takes the same bounds (links.bounds), so a link can never carry a value its widget refuses, nor the
widget offer one a link is refused."""
import dataclasses
import inspect

import pytest
from conftest import open_app_page

from makemore_core import checkpoint, sampling
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig
from ui import links

PREFIX = {"context": "context_", "embeddings": "emb_", "init": "init_", "training": "tr_", "sampling": "sampling_"}
CORE_NAMES = ({f.name for f in dataclasses.fields(ModelConfig)} | {f.name for f in dataclasses.fields(TrainConfig)}
              | set(inspect.signature(sampling.sample).parameters))
# settings that are no field of the core, and why
PAGE_ONLY = {"stage": "a lecture stage (--stage)", "bias": "the lab's bias choice: the core's bias and bias_init in one",
             "model_source": "the page's settings or the lab's", "engine": "--engine",
             "beam": "--beam (beam_search's width)", "compare_temperature": "a second temperature to compare",
             "name": "the Context page's word"}

# widgets that knowingly differ from the link's range, and why
EXCEPTIONS = {"tr_steps": "the form takes 0 to say why a run of 0 steps cannot start",
              "sampling_top_k": "its widget stops at the vocabulary's size, which a link cannot know"}


def test_a_parser_states_its_range_once():
    assert links.integer(1, 10).bounds == {"min_value": 1, "max_value": 10}
    assert links.integer(10, 500, step=10).bounds == {"min_value": 10, "max_value": 500, "step": 10}
    assert links.number(0.1, 3.0).bounds == {"min_value": 0.1, "max_value": 3.0}
    assert links.choice([1, 2]).bounds == {"options": [1, 2]}
    with pytest.raises(ValueError):
        links.integer(10, 500, step=10)("15")
    settings = [links.Setting("n", "page_n", 5, links.integer(1, 10))]
    assert links.bounds(settings, "page_n") == {"min_value": 1, "max_value": 10}


@pytest.fixture
def declared(monkeypatch):
    """Every Setting a page hands links.restore while it runs."""
    found = {}
    restore = links.restore

    def spy(page, settings):
        found.update({s.key: s for s in settings})
        return restore(page, settings)
    monkeypatch.setattr(links, "restore", spy)
    return found


@pytest.mark.parametrize("page", ["context", "embeddings", "init", "training", "sampling"])
def test_every_widget_takes_its_settings_range(page, dataset, declared):
    raw = checkpoint.to_bytes(MLP(ModelConfig(vocab_size=len(dataset.vocab))), dataset.vocab)
    at = open_app_page(page, {"uploaded_checkpoint": {"name": "m.pt", "bytes": raw}}, timeout=120)
    for s in declared.values():   # one name per setting: the core's, in the address and after the widget's prefix
        if s.key.startswith("classroom_"):   # the app's own (projector, hide), on every page
            continue
        assert s.key == PREFIX[page] + s.query and (s.query in CORE_NAMES or s.query in PAGE_ONLY), s
    widgets = {node.key: node for node in at._tree if getattr(node, "key", None) in declared}
    checked = []
    for key, widget in widgets.items():
        bounds = getattr(declared[key].parse, "bounds", None)
        if key in EXCEPTIONS or bounds is None:
            continue
        if "options" in bounds and hasattr(widget, "options"):
            unset = declared[key].default not in bounds["options"]     # "none": the default, not in a link
            assert len(widget.options) == len(bounds["options"]) + unset, key
        elif "min_value" in bounds:
            assert (widget.min, widget.max) == pytest.approx((bounds["min_value"], bounds["max_value"])), key
        else:
            continue
        checked.append(key)
    assert checked, (page, sorted(widgets))          # the page has such widgets: the check above ran
