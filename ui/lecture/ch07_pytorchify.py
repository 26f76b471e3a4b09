"""Chapter 7: PyTorch-ifying. The same pieces as classes, stacked into a 5 x 100 net."""
import inspect

import pandas as pd
import streamlit as st

from makemore_core import notebook as cells
from makemore_core.model import MLP, ModelConfig
from ui.lecture import compute, notebook, try_it
from ui.lecture.common import change_one_thing, look_at, sentence

ID = "pytorchify"
TITLE = "PyTorch-ifying: Linear, BatchNorm1d, Tanh"


@st.cache_data(show_spinner=False, max_entries=8)
def layer_table(vocab_size: int) -> pd.DataFrame:
    model = MLP(ModelConfig(vocab_size=vocab_size))
    rows = model.parameter_counts()
    return pd.DataFrame({"layer": [name for name, _ in rows], "parameters": [count for _, count in rows]})


def render(ctx):
    look_at("The second half rewrites the net with classes shaped like torch.nn's: each layer is called like a "
            "function, keeps its output in `.out` (for the plots that follow) and lists its tensors in "
            "`.parameters()`. BatchNorm1d now uses the variance and an eps of 1e-5, momentum 0.1, and a "
            "`training` flag. Stacking them gives a deeper net: 5 hidden blocks of 100, BatchNorm after every "
            "Linear (so no Linear needs a bias), and the last BatchNorm's gamma x 0.1 to start unsure.")
    tabs = st.tabs(["Linear", "BatchNorm1d", "Tanh"])
    for tab, cls in zip(tabs, (cells.Linear, cells.BatchNorm1d, cells.Tanh)):
        tab.code(inspect.getsource(cls), language="python", wrap_lines=True)
    st.caption("The notebook's cell 11, as makemore_core/notebook.py keeps it. This app's nets run "
               "makemore_core/layers.py's versions, which the tests check against a replay of the notebook with these.")
    table = layer_table(ctx.vocab_size)
    total = int(table["parameters"].sum())
    left, right = st.columns([2, 1])
    left.dataframe(table, hide_index=True, width="stretch", key="lecture_layer_table")
    right.metric("Parameters", f"{total:,}")
    loss = compute.stage_step0(ctx.digest, "deep", ctx)["stats"]["loss"]
    right.metric("Step-0 loss", f"{loss:.4f}", help="The lecture's first minibatch of 32, before any update.")
    if ctx.lecture_data:
        right.caption(sentence(notebook.PARAMS["deep"].beside(total)) + " "
                      + sentence(notebook.STEP0_LOSS["deep"].beside(loss)))
    change_one_thing("In the Initialization lab (preset Lecture's final net), turn BatchNorm off: the Linear layers "
                     "get their biases back and the count changes.",
                     "Set the depth to 10 there: BatchNorm keeps the 10 layers' activations alike.")
    try_it.button(ID, ctx.vocab_size)
