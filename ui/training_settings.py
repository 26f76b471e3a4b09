"""The Training page's form settings, kept where other pages can set them too (the Lecture page's
"try it"). They live under a plain session_state key (widget values are dropped when a page is
left); each widget's key is "tr_" + the setting's name."""
import streamlit as st

from makemore_core.model import LECTURE_SEED
from makemore_core.stages import stage_configs

SETTINGS_KEY = "training_settings"
LECTURE = {
    "steps": 200_000, "batch_size": 32, "lr": 0.1, "milestones": "150000", "factor": 0.1, "optimizer": "sgd",
    "stats_every": 100, "eval_every": 1000, "seed": LECTURE_SEED, "model_source": "page",
    "hidden_layers": 5, "n_hidden": 100, "n_embd": 10, "block_size": 3, "batchnorm": True, "gain": 1.0,
    "nonlinearity": "tanh", "engine": "eager", "stage": None, "init": "normal",
}
QUICK = {**LECTURE, "steps": 5_000, "milestones": "3750"}


def saved_settings() -> dict:
    return st.session_state.setdefault(SETTINGS_KEY, dict(LECTURE))


def load(settings: dict):
    """Put these values into the form (and its widgets, when the page is showing)."""
    saved_settings().update(settings)
    for name, value in settings.items():
        st.session_state[f"tr_{name}"] = value


def stage_settings(stage: str | None, vocab_size: int) -> dict:
    """The form filled from a lecture stage: its net and its schedule (None: just leave the stage)."""
    if not stage:
        return {"stage": None}
    model, train = stage_configs(stage, vocab_size)
    return {"stage": stage, "model_source": "page", "steps": train.steps, "batch_size": train.batch_size,
            "lr": train.lr, "milestones": " ".join(str(m) for m in train.lr_milestones), "factor": train.lr_factor,
            "optimizer": train.optimizer, "hidden_layers": model.hidden_layers, "n_hidden": model.n_hidden,
            "n_embd": model.n_embd, "block_size": model.block_size, "batchnorm": model.batchnorm,
            "gain": model.gain, "nonlinearity": model.nonlinearity, "seed": model.seed, "init": model.init}


def stage_model(settings: dict, vocab_size: int):
    """The stage's ModelConfig with the form's sizes and seed (its init follows those widths)."""
    model, _ = stage_configs(settings["stage"], vocab_size, hidden_layers=int(settings["hidden_layers"]),
                             n_hidden=int(settings["n_hidden"]), n_embd=int(settings["n_embd"]),
                             block_size=int(settings["block_size"]), seed=int(settings["seed"]))
    return model
