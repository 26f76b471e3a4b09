"""The Training page's form: its settings (each widget's key is "tr_" + the setting's name), presets,
the address they travel in, the configs built from them and the label a run gets. Other pages set
them too (the Lecture page's "try it") through load()."""
import math

import streamlit as st

from makemore_core.model import ModelConfig
from makemore_core.stages import STAGES, stage_configs
from makemore_core.training import ENGINES, TrainConfig, decay_step
from ui import links

MODEL_SOURCES = {"page": "these settings", "lab": "the Initialization lab's settings"}


def form_values(model: ModelConfig, train: TrainConfig) -> dict:
    """The form's fields (named as the core's) filled from the configs."""
    return {"steps": train.steps, "batch_size": train.batch_size, "lr": train.lr,
            "lr_milestones": " ".join(str(m) for m in train.lr_milestones), "lr_factor": train.lr_factor,
            "optimizer": train.optimizer, "hidden_layers": model.hidden_layers, "n_hidden": model.n_hidden,
            "n_embd": model.n_embd, "block_size": model.block_size, "batchnorm": model.batchnorm,
            "gain": model.gain, "nonlinearity": model.nonlinearity, "seed": model.seed, "init": model.init}


# The lecture's run (the dataclasses' defaults), with the page's own choices: statistics and val loss
# often enough to draw, the reference engine, no stage.
LECTURE = {**form_values(ModelConfig(), TrainConfig()), "stats_every": 100, "eval_every": 1000,
           "model_source": "page", "engine": "eager", "stage": None}
QUICK = {**LECTURE, "steps": 5_000, "lr_milestones": str(decay_step(5_000))}
LECTURE_RUN = {**LECTURE, "engine": "fast"}   # the preset: 200,000 steps are minutes on the fast engine

PARSE = {
    "steps": links.integer(1, 2_000_000), "batch_size": links.integer(1, 4096), "lr": links.number(1e-6, 1e6),
    "lr_milestones": links.text(200), "lr_factor": links.number(1e-6, 10.0), "optimizer": links.choice(["sgd", "adam"]),
    "stats_every": links.integer(1, 100_000), "eval_every": links.integer(0, 1_000_000),
    "seed": links.integer(0, 10**12), "model_source": links.choice(MODEL_SOURCES),
    "hidden_layers": links.integer(0, 12), "n_hidden": links.integer(1, 1024), "n_embd": links.integer(1, 64),
    "block_size": links.integer(1, 16), "batchnorm": links.boolean, "gain": links.number(0.0, 10.0),
    "nonlinearity": links.choice(["tanh", "relu", "none"]), "engine": links.choice(ENGINES),
    "stage": links.choice(STAGES), "init": links.choice(["normal", "zeros"]),
}
SETTINGS = [links.Setting(name, f"tr_{name}", value, PARSE[name]) for name, value in LECTURE.items()]
TRAINING_KEYS = ["steps", "batch_size", "lr", "lr_milestones", "lr_factor", "optimizer"]  # what a preset sets


def current_settings() -> dict:
    """The form's values by name (steps, lr, ...), as the widgets hold them now."""
    return {name: st.session_state.get(f"tr_{name}", value) for name, value in LECTURE.items()}


def load(settings: dict):
    """Put these values into the form's widgets (the page's links.restore keeps them from there)."""
    for name, value in settings.items():
        st.session_state[f"tr_{name}"] = value


def load_preset(preset):
    """A preset sets the training schedule and its engine only: the model and where it comes from stay as
    chosen (a lecture stage, which comes with its own schedule, is left)."""
    links.set_values("training", SETTINGS, {**{n: preset[n] for n in TRAINING_KEYS},
                                            "engine": preset["engine"], "stage": None})


def stage_settings(stage: str | None, vocab_size: int) -> dict:
    """The form filled from a lecture stage: its net and its schedule (None: just leave the stage)."""
    if not stage:
        return {"stage": None}
    model, train = stage_configs(stage, vocab_size)
    return {**form_values(model, train), "stage": stage, "model_source": "page"}


def choose_stage(vocab_size: int):
    load(stage_settings(st.session_state["tr_stage"], vocab_size))


def stage_model(settings: dict, vocab_size: int):
    """The stage's ModelConfig with the form's sizes and seed (its init follows those widths)."""
    model, _ = stage_configs(settings["stage"], vocab_size, hidden_layers=int(settings["hidden_layers"]),
                             n_hidden=int(settings["n_hidden"]), n_embd=int(settings["n_embd"]),
                             block_size=int(settings["block_size"]), seed=int(settings["seed"]))
    return model


def decay_at(steps: int) -> str:
    return str(decay_step(steps))


def follow_steps():
    """When the steps change, a decay step still at 3/4 of the old count moves with it."""
    old = st.session_state.get("tr_steps_before", LECTURE["steps"])
    if str(st.session_state.get("tr_lr_milestones", "")).strip() == decay_at(old):
        st.session_state["tr_lr_milestones"] = decay_at(int(st.session_state["tr_steps"]))


def parse_milestones(text: str, steps: int) -> list[int]:
    parts = [p.strip().replace("_", "").replace(",", "") for p in str(text).replace(";", " ").split()]
    try:
        values = [float(p) for p in parts if p]
    except ValueError:
        raise ValueError(f"milestones must be step numbers separated by spaces, got {text!r}") from None
    if any(not (math.isfinite(v) and v > 0) for v in values):   # "1e400" is inf: no step number
        raise ValueError("milestones must be positive step numbers")
    return sorted(int(v) for v in values if v < steps)


def lab_model_config(vocab_size):
    """The Initialization lab's model, or (None, reason) when it has none (or is not built yet)."""
    try:
        from ui.init_lab import lab_model_config as from_lab
    except ImportError:
        return None, "The Initialization lab is not available in this version of the app."
    config = from_lab(vocab_size)
    if config is None:
        return None, "The Initialization lab has no settings yet in this tab: open it and choose some first."
    return config, ""


def train_config() -> TrainConfig:
    """The form's TrainConfig; raises ValueError with a message for the user."""
    s = current_settings()
    if int(s["steps"]) < 1:
        raise ValueError("Steps must be at least 1")
    return TrainConfig(steps=int(s["steps"]), batch_size=int(s["batch_size"]), lr=float(s["lr"]),
                       lr_milestones=parse_milestones(s["lr_milestones"], int(s["steps"])), lr_factor=float(s["lr_factor"]),
                       optimizer=s["optimizer"], stats_every=int(s["stats_every"]), eval_every=int(s["eval_every"]))


def build_configs(vocab_size: int):
    """(ModelConfig, TrainConfig, note) from the form; raises ValueError with a message for the user."""
    s = current_settings()
    train = train_config()
    note = ""
    if s["model_source"] == "lab":
        model, note = lab_model_config(vocab_size)
        if model is not None:
            return model, train, "model from the Initialization lab"
    if s.get("stage"):
        return stage_model(s, vocab_size), train, note
    model = ModelConfig(vocab_size=vocab_size, block_size=int(s["block_size"]), n_embd=int(s["n_embd"]),
                        n_hidden=int(s["n_hidden"]), hidden_layers=int(s["hidden_layers"]),
                        batchnorm=bool(s["batchnorm"]), gain=float(s["gain"]), nonlinearity=s["nonlinearity"],
                        seed=int(s["seed"]), init=s.get("init", "normal"))
    return model, train, note


def chosen_stage() -> str | None:
    """The lecture stage the next run trains, or None."""
    s = current_settings()
    return s["stage"] if s.get("stage") and s["model_source"] == "page" else None


def run_label(model: ModelConfig, train: TrainConfig) -> str:
    bn = "BatchNorm" if model.batchnorm else "no BatchNorm"
    stage = f"stage {chosen_stage()}, " if chosen_stage() else ""
    init = ", all-zero init" if model.init == "zeros" else ""
    return (stage + f"{model.hidden_layers}x{model.n_hidden} {model.nonlinearity}, {bn}{init}, gain {model.gain:.3g}, "
            f"{train.optimizer.upper()} lr {train.lr:g}, {train.steps:,} steps")


def continued_label(checkpoint_label: str, train: TrainConfig) -> str:
    return f"{checkpoint_label}, then {train.optimizer.upper()} lr {train.lr:g}, {train.steps:,} steps"
