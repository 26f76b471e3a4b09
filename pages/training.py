"""Training: train the net in the background and watch its insides while it learns.

The run is a thread on the server (ui.runs), found again by the browser that started it; this script only starts, steers and draws it.
The live view is a fragment that re-runs by itself twice a second while the run trains.
"""
import math

import pandas as pd
import streamlit as st
import torch

from makemore_core.model import LECTURE_SEED, ModelConfig
from makemore_core.stages import STAGE_DESCRIPTIONS, STAGES
from makemore_core.training import ENGINES, TrainConfig, decay_step
from ui import classroom, init_lab, links
from ui import runs as run_lib
from ui import training_settings as form
from ui import state
from ui.figures import init_lab as init_figs
from ui.figures import live as live_figs
from ui.figures import training as figs
from ui.safe_text import literal
from ui.training_settings import LECTURE, QUICK

LIVE_HEIGHT = 95                   # six live charts' plotting areas, two a row: the first four and the
                                   # controls fit one 1280x800 screen
CHART_REFRESH_S = 2.0              # the charts: each refresh redraws them from scratch in the browser
REFRESH_S = 0.5                    # live view refresh while training: twice a second (the browser redraw is the cost)
MODEL_SOURCES = {"page": "these settings", "lab": "the Initialization lab's settings"}
# While a run trains the charts redraw twice a second: static plots (no hover/zoom layers) are
# cheaper for the browser; they become interactive again once the run pauses or ends.
LIVE_CHART = {"displayModeBar": False}
STATE_TEXT = {"created": "ready", "queued": "queued", "running": "training", "paused": "paused",
              "finished": "finished", "diverged": "diverged", "stopped": "stopped"}

QUERY = {"milestones": "lr_milestones", "factor": "lr_factor"}   # else the name is the core's field name
PARSE = {
    "steps": links.integer(1, 2_000_000), "batch_size": links.integer(1, 4096), "lr": links.number(1e-6, 1e6),
    "milestones": links.text(200), "factor": links.number(1e-6, 10.0), "optimizer": links.choice(["sgd", "adam"]),
    "stats_every": links.integer(1, 100_000), "eval_every": links.integer(0, 1_000_000),
    "seed": links.integer(0, 10**12), "model_source": links.choice(MODEL_SOURCES),
    "hidden_layers": links.integer(0, 12), "n_hidden": links.integer(1, 1024), "n_embd": links.integer(1, 64),
    "block_size": links.integer(1, 16), "batchnorm": links.boolean, "gain": links.number(0.0, 10.0),
    "nonlinearity": links.choice(["tanh", "relu", "none"]), "engine": links.choice(ENGINES),
    "stage": links.choice(STAGES), "init": links.choice(["normal", "zeros"]),
}
SETTINGS = [links.Setting(QUERY.get(name, name), f"tr_{name}", value, PARSE[name]) for name, value in LECTURE.items()]
TRAINING_KEYS = ["steps", "batch_size", "lr", "milestones", "factor", "optimizer"]  # what a preset sets

manager = run_lib.session_runs()
dataset = state.current_dataset()


def current_settings() -> dict:
    """The form's values by name (steps, lr, ...), as the widgets hold them now."""
    return {name: st.session_state.get(f"tr_{name}", value) for name, value in LECTURE.items()}


def load_preset(preset):
    """A preset sets the training schedule only: the model and where it comes from stay as chosen
    (a lecture stage, which comes with its own schedule, is left)."""
    links.set_values("training", SETTINGS, {**{QUERY.get(n, n): preset[n] for n in TRAINING_KEYS}, "stage": None})


def choose_stage():
    form.load(form.stage_settings(st.session_state["tr_stage"], len(dataset.vocab)))


def decay_at(steps: int) -> str:
    return str(decay_step(steps))


def follow_steps():
    """When the steps change, a decay step still at 3/4 of the old count moves with it."""
    old = st.session_state.get("tr_steps_before", LECTURE["steps"])
    if str(st.session_state.get("tr_milestones", "")).strip() == decay_at(old):
        st.session_state["tr_milestones"] = decay_at(int(st.session_state["tr_steps"]))


links.restore("training", SETTINGS)


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


def build_configs():
    """(ModelConfig, TrainConfig, note) from the form; raises ValueError with a message for the user."""
    s = current_settings()
    if int(s["steps"]) < 1:
        raise ValueError("Steps must be at least 1")
    train = TrainConfig(steps=int(s["steps"]), batch_size=int(s["batch_size"]), lr=float(s["lr"]),
                        lr_milestones=parse_milestones(s["milestones"], int(s["steps"])), lr_factor=float(s["factor"]),
                        optimizer=s["optimizer"], stats_every=int(s["stats_every"]), eval_every=int(s["eval_every"]))
    note = ""
    if s["model_source"] == "lab":
        model, note = lab_model_config(len(dataset.vocab))
        if model is not None:
            return model, train, "model from the Initialization lab"
    if s.get("stage"):
        return form.stage_model(s, len(dataset.vocab)), train, note
    model = ModelConfig(vocab_size=len(dataset.vocab), block_size=int(s["block_size"]), n_embd=int(s["n_embd"]),
                        n_hidden=int(s["n_hidden"]), hidden_layers=int(s["hidden_layers"]),
                        batchnorm=bool(s["batchnorm"]), gain=float(s["gain"]), nonlinearity=s["nonlinearity"],
                        seed=int(s["seed"]), init=s.get("init", "normal"))
    return model, train, note


def run_label(model: ModelConfig, train: TrainConfig) -> str:
    bn = "BatchNorm" if model.batchnorm else "no BatchNorm"
    s = current_settings()
    stage = f"stage {s['stage']}, " if s.get("stage") and s["model_source"] == "page" else ""
    init = ", all-zero init" if model.init == "zeros" else ""
    return (stage + f"{model.hidden_layers}x{model.n_hidden} {model.nonlinearity}, {bn}{init}, gain {model.gain:.3g}, "
            f"{train.optimizer.upper()} lr {train.lr:g}, {train.steps:,} steps")


def start_new_run():
    st.session_state.pop("tr_watching", None)
    try:
        model, train, note = build_configs()
        data = state.dataset_tensors(dataset, model.block_size)
        run = manager.new_run(run_label(model, train), dataset, data, model, train, state.device(),
                              engine=current_settings()["engine"])
    except ValueError as e:
        st.session_state["tr_error"] = f"Not started: {literal(e, 300)}"
        return
    if note:
        st.session_state["tr_note"] = note
    run.start()
    st.session_state["tr_scroll_to_live"] = True
    run.wait_until(lambda r: r.state != "queued" or r.trainer.step_num > 0, timeout=0.5)


# Scrolls again until the four charts below the controls are drawn and the controls stay put (the page
# grows as the charts arrive, later on a busy machine), for at most 15 s, never once the learner scrolls.
SCROLL_TO_LIVE = """<script>
let ticks = 0, still = 0, last = null, left = false;
const leave = () => { left = true; };
['wheel', 'touchmove', 'keydown'].forEach(e => window.addEventListener(e, leave, {once: true, passive: true}));
const charts = ['tr_loss_chart', 'tr_act_hist', 'tr_ud_chart', 'tr_sat_chart'];
const timer = setInterval(() => {
    const top = document.querySelector('.st-key-tr_live_top')?.parentElement;   // the sticky controls
    const first = document.querySelector('.st-key-tr_loss_chart');
    if (!left && first && top) {
        // the first chart just under the controls. Not top.scrollIntoView(): once the controls are stuck
        // (the page above shrank after a scroll) they report their stuck place and it never scrolls back
        first.style.scrollMarginTop = (parseFloat(getComputedStyle(top).top) + top.offsetHeight + 16) + 'px';
        first.scrollIntoView({block: 'start'});
    } else if (!left && top) top.scrollIntoView({block: 'start'});
    const drawn = charts.every(k => document.querySelector('.st-key-' + k + ' svg.marks'));
    const place = first ? Math.round(first.getBoundingClientRect().top) : null;   // where it ended up
    still = drawn && place === last ? still + 1 : 0;
    last = place;
    if (left || still >= 3 || ++ticks > 75) clearInterval(timer);
}, 200);
</script>"""


def scroll_to_live_view():
    """Once, after Start: the controls at the top of the screen, the four main charts under them."""
    st.html(SCROLL_TO_LIVE, unsafe_allow_javascript=True)


def settle(run, target=None):
    """Give the thread a moment so that the page redraws the new state, not the old one."""
    if target is not None:
        run.wait_until(lambda r: r.trainer.step_num >= target or not r.alive, timeout=2.0)
    run.wait_until(lambda r: r.state in ("paused", "finished", "diverged", "stopped"), timeout=0.5)


def pause(run):
    run.pause()
    settle(run)


def resume(run):
    run.unpause()
    run.wait_until(lambda r: r.state != "paused", timeout=0.5)


def step(run, n):
    target = min(run.trainer.step_num + int(n), run.trainer.config.steps)
    run.step(int(n))
    settle(run, target=target)


def stop_and_reset(run):
    run.stop()
    run.wait(timeout=2.0)
    manager.shown_id = None


def apply_lr(run):
    lr = float(st.session_state["tr_lr_now"])
    try:
        run.set_lr(lr)
    except ValueError as e:
        st.session_state["tr_error"] = str(e)


def engine_text(run, run_state):
    """The engine's state; a compile still under way when the run ended is not 'compiling' any more."""
    status = run.trainer.engine_status
    if run_state in ("finished", "stopped", "diverged") and status.startswith("compiling"):
        return "fast-uncompiled (the run ended before the compile did)"
    return status


def number(x: float) -> str:
    return f"{x:.4f}" if abs(x) < 1000 else f"{x:.3g}"


def saturation_views(run):
    """The model as it is now on one minibatch (drawn from the lecture's seed): each layer's
    saturation image, as the Initialization lab shows it at step 0."""
    model = run.model_snapshot()
    X = run.trainer.Xtr
    g = torch.Generator(device=X.device).manual_seed(LECTURE_SEED)
    ix = torch.randint(0, X.shape[0], (32,), generator=g, device=X.device)
    with torch.no_grad():
        model(X[ix])
    return [v for v in init_lab.layer_views(model) if v["image"] is not None]


def inside_the_net(run):
    """Once a run pauses or ends: its weight gradients (latest statistics step) and saturation image."""
    latest = run.snapshot()["stats"]
    if latest is None:
        return
    step, stats = latest
    st.subheader("Inside the net, now")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Weight gradients at step {step:,}**")
        st.caption("The gradient of every 2-D weight; the legend's order is the layers'. Similar widths: every "
                   "layer learns at a similar pace.")
        st.plotly_chart(init_figs.weight_grad_figure([("", stats["params"], False)]), key="tr_wgrad_chart")
    views = saturation_views(run)
    if not views:
        right.info("Linear layers have no flat region: nothing saturates.")
        return
    with right:
        labels = {v["block"]: f"block {v['block']}: {v['label']}" for v in views}
        if st.session_state.get("tr_sat_layer") not in labels:
            st.session_state["tr_sat_layer"] = views[0]["block"]
        chosen = st.selectbox("Saturation image of", list(labels), format_func=labels.get, key="tr_sat_layer")
        view = next(v for v in views if v["block"] == chosen)
        st.plotly_chart(init_figs.saturation_figure(view["image"], f"{view['label']}, 32 examples"),
                        key="tr_sat_image", config=init_figs.NO_TOOLBAR)
        st.caption(f"White where the unit is flat (|h| > 0.99 for tanh): **{view['flat_pct']:.1f}%** of the cells, "
                   f"**{view['dead']}** dead neurons (white for every example).")


def draw_controls(run, status):
    """Pause, Resume, Step, Stop, Download. Drawn inside the live fragment: a click reruns only the
    fragment, so Pause takes effect at once instead of waiting for the whole page to rerun."""
    controls = st.columns([1, 1, 1, 1.1, 1.1, 1.5, 1.7])
    controls[0].button("Pause", key="tr_pause", on_click=pause, args=(run,), disabled=status != "running",
                       width="stretch")
    controls[1].button("Resume", key="tr_resume", on_click=resume, args=(run,), disabled=status != "paused",
                       width="stretch")
    controls[2].button("Step 1", key="tr_step1", on_click=step, args=(run, 1),
                       disabled=status not in ("paused", "created"), width="stretch",
                       help="Train one step, then pause.")
    n_steps = controls[3].number_input("N steps", min_value=1, max_value=100_000, value=100, key="tr_step_n",
                                       label_visibility="collapsed")
    controls[4].button(f"Step {n_steps:,}", key="tr_stepn", on_click=step, args=(run, n_steps),
                       disabled=status not in ("paused", "created"), width="stretch",
                       help="Train this many steps, then pause.")
    controls[5].button("Stop & reset", key="tr_stop", on_click=stop_and_reset, args=(run,), width="stretch",
                       help="Stop this run (it stays in the run list) and clear the view for a new one.")
    controls[6].download_button("Download model", data=run.checkpoint_bytes, key="tr_download",
                                file_name=f"makemore-run{run.id}.pt", mime="application/octet-stream",
                                on_click="ignore", width="stretch",
                                help="A checkpoint file (.pt) of the model as it is now, with its vocabulary: "
                                     "upload it below to train on, or use it on the Sampling page.")


# ---------------------------------------------------------------- the page

st.title("Training")
st.markdown(
    "Train the net and watch its insides while it learns: the **activations** and **gradients** of every layer, "
    "how many tanh units are **saturated**, and how big each step is **relative to the weights** (about 1e-3 is "
    "good). The run trains **in the background on the server**: visit other pages, reload, come back, it keeps going."
)

# Messages that come and go are drawn into containers that are always there: every element below keeps its
# place in the page whatever the run's state, so a redraw never shows the live view twice (a new copy drawn
# at a shifted place while the old one is still on screen) and the live fragments keep their identity.
link_notice = st.container()
# The address carries the shown run (?run=<link>): a reload finds it again, and the same link in another
# browser shows it read-only ("watching"). A link is read once, when the address brings one this tab did
# not write (a first load, a reload, a pasted link); the browser may send back a stale one meanwhile.
link = st.query_params.get("run")
written = st.session_state.setdefault("tr_links_written", set())
if link and link not in written:
    written.add(link)
    linked, foreign = run_lib.watched_run(manager)
    st.session_state.pop("tr_watching", None)
    if linked is not None and not foreign:
        manager.shown_id = linked.id
    elif linked is not None:
        st.session_state["tr_watching"] = linked.link
    else:
        link_notice.warning(f"There is no run {literal(link.split('-')[0])} on this server (any more): runs are forgotten "
                   f"{run_lib.KEEP_S / 60:g} minutes after their browser's last tab left, and when the server "
                   "restarts.")
watched = run_lib.find_run(st.session_state.get("tr_watching"))
watching = watched is not None
shown = watched if watching else manager.shown
address = None if shown is None else shown.link
if address != link:
    if address is None:
        st.query_params.pop("run", None)
    else:
        st.query_params["run"] = address
        written.add(address)
st.caption(run_lib.keep_note())
# Another label once a run is shown: a new expander, closed, so Pause, Step and the charts fit the screen.
with st.expander("Settings for a new run" if shown is None else "Settings for the next run", expanded=shown is None):
    st.caption("Defaults are the lecture's run: 200,000 steps of SGD at lr 0.1, then 0.01 from step 150,000; "
               "batch 32; seed 2147483647. With the eager engine, the same settings and seed give exactly the same "
               "losses as `python -m makemore_core train --engine eager`.")
    p1, p2, _ = st.columns([1.4, 1.4, 2])
    p1.button("Lecture run (200,000 steps)", key="tr_preset_lecture", on_click=load_preset, args=(LECTURE,),
              width="stretch")
    p2.button("Quick look (5,000 steps)", key="tr_preset_quick", on_click=load_preset, args=(QUICK,), width="stretch")
    left, right = st.columns(2)
    with left:
        st.markdown("**Training**")
        a, b = st.columns(2)
        a.number_input("Steps", min_value=0, max_value=2_000_000, step=1000, key="tr_steps", on_change=follow_steps,
                       help="Minibatch updates in the run.")
        b.number_input("Batch size", min_value=1, max_value=4096, step=8, key="tr_batch_size",
                       help="Examples per step. Bigger batches give smoother, slower steps.")
        a.number_input("Learning rate", min_value=1e-6, max_value=1e6, format="%g", key="tr_lr",
                       help="How far each step moves the weights along the gradient.")
        b.selectbox("Optimizer", ["sgd", "adam"], key="tr_optimizer", format_func=str.upper,
                    help="SGD: the lecture's p -= lr * grad. Adam adapts each weight's step size.")
        a.text_input("Learning-rate milestones (steps)", key="tr_milestones",
                     help="At each of these steps the learning rate is multiplied by the factor, e.g. 150000.")
        b.number_input("Factor at each milestone", min_value=1e-6, max_value=10.0, format="%g", key="tr_factor")
        a.number_input("Statistics every N steps", min_value=1, max_value=100_000, step=50, key="tr_stats_every",
                       help="How often the histograms and ratios below are measured (each costs a little speed).")
        b.number_input("Val loss every N steps", min_value=0, max_value=1_000_000, step=500, key="tr_eval_every",
                       help="Loss on the validation split (names the net never trains on). 0: never.")
        a.selectbox("Engine", list(ENGINES), key="tr_engine",
                    help="  \n".join(f"**{name}**: {text}." for name, text in ENGINES.items())
                         + "  \nAdam always runs the eager step. The command line's `--engine` has the same names.")
        a.caption(f"{ENGINES[st.session_state['tr_engine']].capitalize()}.")
    with right:
        st.markdown("**Model**")
        st.radio("Model settings", list(MODEL_SOURCES), format_func=MODEL_SOURCES.get, key="tr_model_source",
                 horizontal=True, help="Train exactly the net you built in the Initialization lab, or set it here.")
        from_lab = st.session_state["tr_model_source"] == "lab"
        if not from_lab:
            st.selectbox("Lecture stage", [None, *STAGES], key="tr_stage", on_change=choose_stage,
                         format_func=lambda stage: stage or "none: the settings below",
                         placeholder="none: the settings below",
                         help="The lecture's networks with their schedules: the one-layer net fixed step by step, "
                              "then the deep net. A stage sets the net, its init and the training settings.")
        staged = not from_lab and bool(st.session_state["tr_stage"])
        if staged:
            st.caption(STAGE_DESCRIPTIONS[st.session_state["tr_stage"]] + " Its init follows the sizes and seed "
                       "below; choose 'none' to change the rest.")
        if from_lab:
            lab_config, reason = lab_model_config(len(dataset.vocab))
            if lab_config is None:
                st.info(f"{reason} Until then these settings are used.")
            else:
                st.success(f"From the lab: {lab_config.hidden_layers} hidden layers of {lab_config.n_hidden}, "
                           f"{lab_config.nonlinearity}, {'BatchNorm' if lab_config.batchnorm else 'no BatchNorm'}, "
                           f"gain {lab_config.gain:.3g}, seed {lab_config.seed}.")
        c, d = st.columns(2)
        c.number_input("Hidden layers", min_value=0, max_value=12, key="tr_hidden_layers", disabled=from_lab)
        d.number_input("Neurons per layer", min_value=1, max_value=1024, key="tr_n_hidden", disabled=from_lab)
        c.number_input("Embedding size", min_value=1, max_value=64, key="tr_n_embd", disabled=from_lab)
        d.number_input("Context (block size)", min_value=1, max_value=16, key="tr_block_size", disabled=from_lab)
        c.selectbox("Nonlinearity", ["tanh", "relu", "none"], key="tr_nonlinearity", disabled=from_lab or staged)
        d.number_input("Gain (5/3 suits tanh)", min_value=0.0, max_value=10.0, format="%g", step=0.1,
                       key="tr_gain", disabled=from_lab or staged, help="Every hidden Linear's weights are multiplied by it.")
        c.toggle("BatchNorm", key="tr_batchnorm", disabled=from_lab or staged,
                 help="Normalize each layer's pre-activations over the batch.")
        d.number_input("Seed", min_value=0, max_value=10**12, key="tr_seed", disabled=from_lab,
                       help="Seeds the weights and the minibatch order: same seed, same run.")
        c.selectbox("Initialization", ["normal", "zeros"], key="tr_init", disabled=from_lab,
                    format_func={"normal": "normal (randn, scaled)", "zeros": "all zeros (exercise E01)"}.get,
                    help="All zeros: C and every weight and bias start at 0 (the lecture's exercise E01). Every "
                         "activation is then 0 and only the output bias learns: the loss stalls near 2.9.")
    busy = shown is not None and shown.active and shown.state != "created"
    st.button("Start a new run", key="tr_start", type="primary", on_click=start_new_run,
              help="Starts training in the background with these settings." +
                   (" The run now training keeps going too." if busy else ""))
links.save("training", SETTINGS)
st.session_state["tr_steps_before"] = int(st.session_state["tr_steps"])   # what follow_steps compares with

notices = st.container()     # errors, notes, what is shown, the paused run's learning rate
for key, show in (("tr_error", notices.error), ("tr_note", notices.info)):
    if st.session_state.get(key):
        show(st.session_state.pop(key))

if shown is None:
    notices.info("No run shown. Choose settings above and press **Start a new run**." +
                 (" Earlier runs are in the run list below." if manager.runs else ""))
elif watching:
    run = shown
    status = run.state
    notices.info(f"Watching run {run.id}, another browser's run: read-only, live. Start your own with the "
                 "settings above.")
else:
    run = shown
    status = run.state
if shown is not None and not watching:
    if status == "paused":
        lr1, lr2, _ = notices.columns([2, 1, 4], vertical_alignment="bottom")
        st.session_state.setdefault("tr_lr_now", float(run.trainer.lr))
        lr1.number_input("Learning rate from now on", min_value=1e-8, max_value=1e6, format="%g", key="tr_lr_now",
                         help="Change it while paused, then Resume. Later milestones still multiply it.")
        lr2.button("Apply", key="tr_lr_apply", on_click=apply_lr, args=(run,))
    else:
        st.session_state.pop("tr_lr_now", None)

if shown is not None:   # the live view: this browser's run, or one watched read-only
    def find_live(run_id):
        """This browser's run, or the run watched read-only (another browser's)."""
        return manager.get(run_id) or next((r for r in run_lib.all_runs() if r.id == run_id), None)

    def live_view(run_id, drawn_state):
        """Controls, status and progress of one run, from a snapshot taken under its lock. A small
        fragment: a click on Pause reruns only this, so the pause takes effect at once."""
        live = find_live(run_id)
        if live is None:
            return
        snap = live.status_line()
        # A new state (paused, finished) redraws the whole page too (the lr input, the charts' refresh). While
        # this view refreshes itself that waits one refresh, so that this line says the new state at once: the
        # browser shows a fragment's output only when its run ends, and a rerun asked for here ends it in the
        # full rerun, which takes much longer.
        ticking = drawn_state in ("queued", "running")
        if snap["state"] != drawn_state and (not ticking or st.session_state.get("tr_live_said") == snap["state"]):
            st.rerun()
        st.session_state["tr_live_said"] = snap["state"]
        if not watching:   # a run watched read-only has no controls
            draw_controls(live, snap["state"])
        engine = f" · engine: {engine_text(live, snap['state'])}" if live.engine != "eager" else ""
        done, total = snap["step"], max(snap["total"], 1)
        rate, left = snap["steps_per_s"], snap["seconds_left"]
        if snap["state"] == "running":
            speed = f"{rate:,.0f} steps/s" + ("" if left is None else f" · about {left // 60:.0f} min "
                                                                      f"{left % 60:02.0f} s left")
        else:
            speed = f"{done / snap['seconds']:,.0f} steps/s on average" if snap["seconds"] > 0 else "not started"
        st.markdown(f"**Run {snap['id']}** · {literal(snap['label'], 200)}{engine} · **{STATE_TEXT[snap['state']]}**")
        st.progress(min(done / total, 1.0), text=f"step {done:,} / {total:,} · {speed}")
        loss = "—" if snap["loss"] is None else number(snap["loss"])
        val = f"{snap['val'][-1][1]:.4f}" if snap["val"] else "—"
        st.markdown(f"Loss (this step) **{loss}** · val loss **{val}** · learning rate now **{snap['lr']:g}** "
                    f"({snap['optimizer'].upper()}) · {snap['device'].upper()} · uniform guess "
                    f"{snap['uniform_loss']:.4f}", help="The loss is the cross-entropy of the latest minibatch; "
                    "the val loss is on the validation names, with BatchNorm using its running statistics.")
        if snap["state"] == "queued":
            place = run_lib.queue_position(live)
            st.warning(f"Server busy: {run_lib.running_trainers()} runs are training on this server (the limit is "
                       f"{run_lib.MAX_TRAINERS}, and one per browser at a time). Your run is queued"
                       f"{f', number {place} in line,' if place else ''} and starts by itself when a slot frees.")

    def live_chart(key, heading, chart):
        """One live chart and its heading in a container of their own (the key names it for CSS and tests).
        The heading keeps to one line (CSS), so the charts below never move down as its numbers grow.
        Vega-Lite with the same spec on every refresh: the browser swaps the data in the drawn chart."""
        data, spec = chart
        with st.container(key=key):
            st.markdown(heading)
            st.vega_lite_chart(data, spec, width="stretch")

    def live_charts(run_id, drawn_state):
        """The charts of one run, refreshed less often than the status line. Every refresh draws the same
        elements in the same places (hints below the charts), so nothing above them jumps."""
        live = find_live(run_id)
        if live is None:
            return
        snap = live.snapshot()
        done = snap["step"]
        stats_step, stats = snap["stats"] or (None, None)
        series = snap["series"]
        big = classroom.projecting()
        # a run that ended between two statistics steps: say why the histograms are older than the run
        measured = f" (measured every {live.train_config.stats_every:,} steps; the run ended at " \
                   f"step {done:,})" if stats and snap["state"] == "finished" and stats_step < done else ""
        at = "" if stats is None else f" at step {stats_step:,}"
        g1, g2 = st.columns(2)
        with g1:
            live_chart("tr_loss_chart", "**Loss** (log10)", live_figs.loss_chart(snap, LIVE_HEIGHT, big))
        with g2:
            live_chart("tr_act_hist", f"**Activations{at}**{measured} · {live_figs.histogram_summary(stats)}",
                       live_figs.histogram_chart(stats, "hist", LIVE_HEIGHT, big))
        g3, g4 = st.columns(2)
        with g3:
            live_chart("tr_ud_chart", "**update:data ratio** (log10, per weight matrix)",
                       live_figs.update_to_data_chart(series, LIVE_HEIGHT, big))
        with g4:
            live_chart("tr_sat_chart", "**Saturation per layer** (%)",
                       live_figs.series_chart(series["steps"], series["saturation"], "saturated %",
                                              height=LIVE_HEIGHT, big=big, key="saturation"))
        for level, text in run_lib.hints(snap):   # below the charts: a hint that comes and goes moves nothing
            getattr(st, level)(text)
        g5, g6 = st.columns(2)
        with g5:
            live_chart("tr_grad_hist", f"**Activation gradients{at}**{measured} · "
                       f"{live_figs.histogram_summary(stats, 'grad_hist')}",
                       live_figs.histogram_chart(stats, "grad_hist", LIVE_HEIGHT, big))
        with g6:
            live_chart("tr_gd_chart", "**grad:data ratio** (per weight matrix, log scale)",
                       live_figs.series_chart(series["steps"], series["grad_to_data"], "grad / data", log_y=True,
                                              height=LIVE_HEIGHT, big=big, key="grad_to_data"))
        with st.expander("How to read these charts"):
            st.markdown(
                "- **Loss**: log10 of the loss, as the lecture plots it: the thin line is every step (noisy: each "
                "is one minibatch), the thick one its moving average, orange the validation loss. A drop where "
                "the learning rate decays is the schedule at work.\n"
                "- **Activations**: each layer's tanh outputs. Healthy: spread over (-1, 1), few piled up at ±1 "
                "(saturated).\n"
                "- **update:data**: how much one step changes the weights, relative to their size. About -3 (the "
                "dashed line) is healthy; far above: lr too high; far below: learning too slowly.\n"
                "- **Saturation**: share of tanh outputs with |t| > 0.97: there the gradient almost vanishes.\n"
                "- **Activation gradients**: gradients flowing back into each layer. Healthy: similar widths in "
                "every layer.\n"
                "- **grad:data**: gradient size relative to the weights. One matrix far above the others (often "
                "the last layer) trains faster than the rest.")
            if stats is None:
                st.caption("The histograms and ratios appear at the first statistics step.")

    training = status in ("queued", "running")
    with st.container(key="tr_live_top"):   # stays at the top of the screen while the charts scroll (CSS)
        st.fragment(live_view, run_every=REFRESH_S if training else None)(run.id, status)
    st.fragment(live_charts, run_every=CHART_REFRESH_S if training else None)(run.id, status)
    if status not in ("queued", "running"):
        inside_the_net(run)
    if st.session_state.pop("tr_scroll_to_live", False):   # below the charts: the element moves nothing
        scroll_to_live_view()

# ---------------------------------------------------------------- run list, overlay, checkpoints

st.divider()
st.header("Runs in this browser")
if not manager.runs:
    st.caption("Runs you start appear here with their settings; any two can be overlaid.")
else:
    text_col, number_col = st.column_config.TextColumn, st.column_config.NumberColumn
    st.dataframe(pd.DataFrame([r.settings() for r in manager.runs]), hide_index=True, key="tr_run_table",
                 column_config={"run": number_col(width="small"), "label": text_col(width="large"),
                                "steps": text_col(width="medium"), "lr": number_col(format="%g", width="small"),
                                "lr schedule": text_col(width="medium")})
    ids = [r.id for r in manager.runs]
    label_of = {r.id: f"run {r.id}: {r.label}" for r in manager.runs}
    # A fresh key whenever the list or the shown run changes: the widget then starts from the shown
    # run and no value the browser still holds from an older list of runs can overwrite it.
    # (no on_change: a browser may still report a value for the previous key, and fire it late)
    show_key = f"tr_show_{len(ids)}_{manager.shown_id}"
    options = [None] + ids
    choice = st.selectbox("Show above", options, key=show_key,
                          index=options.index(manager.shown_id) if manager.shown_id in ids else 0,
                          format_func=lambda i: "none" if i is None else label_of[i])
    if choice != manager.shown_id:
        manager.shown_id = choice
        st.session_state.pop("tr_watching", None)
        st.rerun()
    if len(ids) >= 2:
        st.subheader("Overlay two runs")
        st.caption("Same seed means same initial weights and the same minibatches: only your change differs. "
                   "Try BatchNorm on vs off, or gain 1 vs 5/3.")
        o1, o2, o3 = st.columns([2, 2, 2])
        # keys change with the number of runs: a new run is compared with the one before by default
        a = o1.selectbox("Run A", ids, index=len(ids) - 2, key=f"tr_overlay_a_{len(ids)}", format_func=label_of.get)
        b = o2.selectbox("Run B", ids, index=len(ids) - 1, key=f"tr_overlay_b_{len(ids)}", format_func=label_of.get)
        metric = o3.radio("Measure", list(figs.OVERLAY_METRICS), key="tr_overlay_metric", horizontal=True)
        snaps = [manager.get(i).snapshot() for i in dict.fromkeys([a, b])]
        st.plotly_chart(figs.overlay_figure(snaps, metric), key="tr_overlay_chart", config=LIVE_CHART)

st.subheader("Continue from a checkpoint")
st.caption("Upload a checkpoint downloaded from this page (or saved by `python -m makemore_core train --out`). "
           "You can train it further with the settings above, or sample from it on the Sampling page.")
state.upload_checkpoint_widget("tr_upload", "Checkpoint (.pt)")
loaded = state.uploaded_checkpoint()
if loaded is not None:
    ck_model, ck_vocab, ck_label = loaded
    c = ck_model.config
    st.markdown(f"Loaded **{literal(ck_label, 200)}**: {c.hidden_layers} hidden layers of {c.n_hidden}, {c.nonlinearity}, "
                f"{'BatchNorm' if c.batchnorm else 'no BatchNorm'}, {ck_model.num_parameters():,} parameters.")
    same_vocab = list(ck_vocab.itos) == list(dataset.vocab.itos)
    if not same_vocab:
        st.warning("This checkpoint was trained on a different alphabet than the data set in use, so it cannot "
                   "train on it. Switch the data set in the sidebar, or sample from it on the Sampling page.")
    if st.button("Continue training it", key="tr_continue", disabled=not same_vocab,
                 help="A new run starts from these weights, with the training settings above."):
        try:
            _, train, _ = build_configs()
        except ValueError as e:
            st.error(f"Not started: {literal(e, 300)}")
        else:
            data = state.dataset_tensors(dataset, c.block_size)
            model = ck_model.copy()
            run = manager.new_run(f"{ck_label}, then {train.optimizer.upper()} lr {train.lr:g}, {train.steps:,} steps",
                                  dataset, data, c, train, state.device(), model=model, source=ck_label,
                                  engine=current_settings()["engine"])
            run.start()
            st.rerun()
