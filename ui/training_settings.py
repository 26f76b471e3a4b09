"""The Training page's form settings, kept where other pages can set them too (the Lecture page's
"try it"). They live under a plain session_state key (widget values are dropped when a page is
left); each widget's key is "tr_" + the setting's name."""
import streamlit as st

from makemore_core.model import ModelConfig
from makemore_core.stages import stage_configs
from makemore_core.training import TrainConfig, decay_step

SETTINGS_KEY = "training_settings"


def form_values(model: ModelConfig, train: TrainConfig) -> dict:
    """The form's fields (a few names differ from the core's) filled from the configs."""
    return {"steps": train.steps, "batch_size": train.batch_size, "lr": train.lr,
            "milestones": " ".join(str(m) for m in train.lr_milestones), "factor": train.lr_factor,
            "optimizer": train.optimizer, "hidden_layers": model.hidden_layers, "n_hidden": model.n_hidden,
            "n_embd": model.n_embd, "block_size": model.block_size, "batchnorm": model.batchnorm,
            "gain": model.gain, "nonlinearity": model.nonlinearity, "seed": model.seed, "init": model.init}


# The lecture's run (the dataclasses' defaults), with the page's own choices: statistics and val loss
# often enough to draw, the reference engine, no stage.
LECTURE = {**form_values(ModelConfig(), TrainConfig()), "stats_every": 100, "eval_every": 1000,
           "model_source": "page", "engine": "eager", "stage": None}
QUICK = {**LECTURE, "steps": 5_000, "milestones": str(decay_step(5_000))}


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
    return {**form_values(model, train), "stage": stage, "model_source": "page"}


def stage_model(settings: dict, vocab_size: int):
    """The stage's ModelConfig with the form's sizes and seed (its init follows those widths)."""
    model, _ = stage_configs(settings["stage"], vocab_size, hidden_layers=int(settings["hidden_layers"]),
                             n_hidden=int(settings["n_hidden"]), n_embd=int(settings["n_embd"]),
                             block_size=int(settings["block_size"]), seed=int(settings["seed"]))
    return model
