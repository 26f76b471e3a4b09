"""The Training page's form settings, kept where other pages can set them too (the Lecture page's
"try it"). They live under a plain session_state key (widget values are dropped when a page is
left); each widget's key is "tr_" + the setting's name."""
import streamlit as st

from makemore_core.model import LECTURE_SEED

SETTINGS_KEY = "training_settings"
LECTURE = {
    "steps": 200_000, "batch_size": 32, "lr": 0.1, "milestones": "150000", "factor": 0.1, "optimizer": "sgd",
    "stats_every": 100, "eval_every": 1000, "seed": LECTURE_SEED, "model_source": "page",
    "hidden_layers": 5, "n_hidden": 100, "n_embd": 10, "block_size": 3, "batchnorm": True, "gain": 1.0,
    "nonlinearity": "tanh", "engine": "eager",
}
QUICK = {**LECTURE, "steps": 5_000, "milestones": "3750"}


def saved_settings() -> dict:
    return st.session_state.setdefault(SETTINGS_KEY, dict(LECTURE))


def load(settings: dict):
    """Put these values into the form (and its widgets, when the page is showing)."""
    saved_settings().update(settings)
    for name, value in settings.items():
        st.session_state[f"tr_{name}"] = value
