"""Which model the Evaluation and Sampling pages look at, and where it came from.

Candidates: every run of this tab that has trained at least one step (Training page), and an
uploaded checkpoint. The newest candidate is chosen unless the user picks another. With none,
the page offers to train a quick model in the background, and shows what an untrained one says.

Each page gets its own copy of the weights (kept in session_state), so evaluation can switch
BatchNorm modes without touching a model that another page or another tab holds. A run that is
still training is pinned at the step it had when first seen, so reruns stay fast and consistent;
a button takes its newest weights.
"""
import hashlib
from dataclasses import dataclass

import streamlit as st
import torch

from makemore_core import sampling
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig
from ui import eval_jobs, run_queue, runs, state
from ui.safe_text import literal

CHOICE_KEY = "model_source_choice"      # the candidate the user picked (survives page switches)
SEEN_KEY = "model_source_seen"          # candidate keys in the order they first appeared
MODELS_KEY = "model_source_models"      # {candidate key: (step, private model copy)}
QUICK_KEY = "model_source_quick_runs"   # ids of the runs started by "Train a quick model"
QUICK_STEPS = [1_000, 2_000, 5_000, 10_000, 20_000]
TRAINING_STATES = ("queued", "running")


@dataclass
class ModelChoice:
    model: MLP            # this session's private copy, in eval mode
    vocab: object
    label: str
    key: str              # identity for caches: run id + step, or the checkpoint's digest
    run: object = None    # the Training page's Run when the model came from there
    step: int | None = None


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def data_key(dataset) -> str:
    """Identity of a word list (for caches of results computed on its splits)."""
    return eval_jobs.data_key(dataset)


def _is_training(run) -> bool:
    return run.state in TRAINING_STATES


def _candidates():
    """{candidate key: description} of the runs that trained and the uploaded checkpoint."""
    found = {}
    for run in runs.session_runs().runs:
        if run.trainer.step_num > 0:
            found[f"run:{run.id}"] = ("run", run)
    upload = st.session_state.get(state.CHECKPOINT_KEY)
    if upload:
        found[f"ckpt:{_digest(upload['bytes'])}"] = ("checkpoint", upload)
    return found


def _created(kind, item) -> float:
    """When a candidate came to be: a run's start, a checkpoint's upload (time.time())."""
    return item.created if kind == "run" else item.get("at", 0.0)


def _remember_order(found):
    """Keep the order in which candidates appeared; a new one becomes the choice (the most recent)."""
    seen = [k for k in st.session_state.get(SEEN_KEY, []) if k in found]
    for key in sorted(found, key=lambda k: _created(*found[k])):   # oldest first: the newest ends as the choice
        if key not in seen:
            seen.append(key)
            st.session_state[CHOICE_KEY] = key
    st.session_state[SEEN_KEY] = seen
    models = st.session_state.get(MODELS_KEY, {})
    for gone in [k for k in models if k not in found]:   # a removed run or a replaced checkpoint
        del models[gone]
    if st.session_state.get(CHOICE_KEY) not in found and seen:
        st.session_state[CHOICE_KEY] = seen[-1]
    return seen


def _label(kind, item):
    if kind == "run":
        run = item
        return f"Run {run.number}: {run.label} ({run.state}, {run.trainer.step_num:,} steps)"
    return f"Uploaded checkpoint {item['name']}"


def _upload_widget(page):
    state.upload_checkpoint_widget(f"{page}_checkpoint_upload",
                                   "Or use a checkpoint file (.pt, saved by the Training page or the command line)")


def _private_model(key, kind, item, refresh=False):
    """(step, this session's own copy of the candidate's weights), pinned under its key."""
    models = st.session_state.setdefault(MODELS_KEY, {})
    if kind == "run":
        run = item
        pinned = models.get(key)
        stale = pinned is not None and pinned[0] != run.trainer.step_num and not _is_training(run)
        if pinned is None or stale or refresh:
            with run.lock:
                step = run.trainer.step_num
                model = run.trainer.model.copy()
            models[key] = (step, model.eval())
        return models[key]
    if key not in models:
        model, _, _ = state.uploaded_checkpoint()
        models[key] = (None, model.copy().eval())
    return models[key]


def _training_quick_run():
    """The quick model this tab is training now, if any."""
    manager = runs.session_runs()
    for key in reversed(st.session_state.get(QUICK_KEY, [])):
        run = manager.get(int(key.split(":")[1]))
        if run is not None and _is_training(run):
            return run
    return None


def choose(page: str, wanted: str | None = None) -> ModelChoice | None:
    """The model picker at the top of a page. Returns the chosen model, or None (the page stops).
    `wanted`: a candidate key to choose (a link asked for it), when it is one."""
    with st.container(border=True):
        found = _candidates()
        before = st.session_state.get(CHOICE_KEY)   # a run just started is the choice before its first step
        seen = _remember_order(found)
        if wanted in found:
            st.session_state[CHOICE_KEY] = wanted
        quick = _training_quick_run()
        if quick is not None and f"run:{quick.id}" in (before, st.session_state.get(CHOICE_KEY)) or (
                quick is not None and st.session_state.get(CHOICE_KEY) is None):
            st.session_state[CHOICE_KEY] = f"run:{quick.id}"
            _quick_progress(quick.id)
            return None
        if not found:
            _offer_quick_model(page)
            _upload_widget(page)
            if _candidates():
                st.rerun()   # a checkpoint just arrived
            return None
        newest_first = list(reversed(seen))
        labels = {k: _label(*found[k]) for k in newest_first}
        if len(found) > 1:
            pick_key = f"{page}_model_pick"
            st.session_state[pick_key] = st.session_state[CHOICE_KEY]
            st.selectbox("Model", newest_first, format_func=labels.get, key=pick_key,
                         on_change=lambda: st.session_state.update({CHOICE_KEY: st.session_state[pick_key]}),
                         help="The newest is chosen by default: the latest run of the Training page, or the "
                              "checkpoint uploaded last.")
        key = st.session_state[CHOICE_KEY]
        kind, item = found[key]
        if len(found) == 1:
            st.markdown(f"**Model:** {literal(labels[key], 200)}")
        refresh = False
        if kind == "run" and _is_training(item):
            refresh = st.button("Use its newest weights", key=f"{page}_refresh_snapshot",
                                help="The run is still training. The page keeps the weights it first saw, so "
                                     "that every number on it refers to the same model.")
        with st.expander("Load a checkpoint file", expanded=False):
            _upload_widget(page)
        if set(_candidates()) != set(found):
            st.rerun()   # a checkpoint arrived or replaced the last one: it becomes the choice
        step, model = _private_model(key, kind, item, refresh)
        if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
            st.error("This model's weights are not all finite numbers (its training diverged), so it has no "
                     "probabilities to evaluate or sample. Pick another model, or train again with a lower "
                     "learning rate.")
            return None
        if kind == "run":
            note = f"Weights at step {step:,}"
            if _is_training(item):
                note += f"; the run is still training (now at step {item.trainer.step_num:,})"
            st.caption(note + ".")
            if item.state == "diverged":
                st.warning("This run diverged: its weights are whatever they were when the loss blew up.")
            return ModelChoice(model, item.vocab, labels[key], f"run:{item.id}@{step}", run=item, step=step)
        vocab = state.uploaded_checkpoint()[1]
        return ModelChoice(model, vocab, labels[key], key)


# ---------------------------------------------------------------- no model yet

@st.cache_data(show_spinner=False, max_entries=8)
def untrained_samples(itos: tuple, n=8) -> list[str]:
    """Names from a freshly initialized (untrained) model: the starting point of training."""
    from makemore_core.data import Vocab
    vocab = Vocab(itos[1:])
    model = MLP(ModelConfig(vocab_size=len(vocab)), "cpu")
    return sampling.sample(model, vocab, n=n)


def start_run(label, model_config, train_config, engine="eager"):
    """Train a model for this tab in the background, on the data in use, and make it the choice: the
    Evaluation and Sampling pages show its progress until it is done, then use its final weights. None (and a
    message) when this browser already has too many runs waiting."""
    dataset = state.current_dataset()
    data = state.dataset_tensors(dataset, model_config.block_size)
    try:
        run = runs.session_runs().new_run(label, dataset, data, model_config, train_config, state.device(),
                                          engine=engine)
    except ValueError as e:   # too many of this browser's runs already wait for a slot
        st.error(f"Not started: {e}")
        return None
    run.start()
    st.session_state.setdefault(QUICK_KEY, []).append(f"run:{run.id}")
    st.session_state[CHOICE_KEY] = f"run:{run.id}"
    return run


def _offer_quick_model(page):
    dataset = state.current_dataset()
    st.markdown("**No trained model yet.** Train one on the Training page, upload a checkpoint below, "
                "or train a quick one here; it trains in the background while you look around.")
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    st.session_state.setdefault(f"{page}_quick_steps", 5_000)   # a Lecture "try it" may have set it already
    steps = left.select_slider("Quick model: training steps", QUICK_STEPS, key=f"{page}_quick_steps",
                               format_func=lambda s: f"{s:,}",
                               help="The lecture's deep net (47,024 parameters), batch 32, learning rate 0.1 "
                                    "(x0.1 for the last quarter). 5,000 steps take about half a minute here "
                                    "and reach a loss near 2.4; the lecture trains 200,000.")
    if right.button("Train a quick model", key=f"{page}_quick_train", type="primary"):
        if start_run(f"a quick model, {steps:,} steps", ModelConfig(vocab_size=len(dataset.vocab)),
                     TrainConfig.decayed_at(steps, eval_every=max(steps // 10, 1))) is not None:
            st.rerun()
    st.markdown("Until then, here is what an **untrained** model makes up: its weights are random, so every "
                "character is about equally likely and the names are gibberish. Training turns this into "
                "names.")
    st.code("\n".join(untrained_samples(tuple(dataset.vocab.itos))), language=None)


@st.fragment(run_every=0.5)
def _quick_progress(run_id):
    """The quick model's progress bar; the whole page comes back when it is done."""
    run = runs.session_runs().get(run_id)
    if run is None or not _is_training(run):
        st.rerun()
    t = run.trainer
    recent = t.losses[-200:]
    loss = f" · recent loss {sum(recent) / len(recent):.3f}" if recent else ""
    if run.state == "queued":
        place = run_queue.queue_position(run)
        st.progress(0.0, text=f"Waiting for a free training slot{f' (number {place} in line)' if place else ''}: "
                              "this server trains only a few models at once, one per browser.")
    else:
        st.progress(min(t.step_num / max(t.config.steps, 1), 1.0),
                    text=f"Training {run.label}: step {t.step_num:,} of {t.config.steps:,}{loss}")
    st.caption("This page fills in when it is done. Untrained, the model makes up names like these "
               "(random weights: every character about equally likely, so gibberish):")
    st.code("\n".join(untrained_samples(tuple(run.vocab.itos), 5)), language=None)


# ---------------------------------------------------------------- where a name comes from

@st.cache_resource(show_spinner=False, max_entries=4)
def _split_sets(key, _dataset):
    return {split: frozenset(words) for split, words in _dataset.splits.items()}


def split_sets(dataset):
    """{'train': frozenset of names, 'val': ..., 'test': ...} of the word list in use (cached)."""
    return _split_sets(data_key(dataset), dataset)


def where_found(sets, name) -> str:
    """'train' when the training split has the name, 'val/test' when only those do, else 'new'."""
    if name in sets["train"]:
        return "train"
    if name in sets["val"] or name in sets["test"]:
        return "val/test"
    return "new"
