"""Training: train the net in the background and watch its insides while it learns.

The run is a thread on the server (ui.training_run), found again by the browser that started it
(ui.runs); this script only starts, steers and draws it. Its form's settings are ui.training_settings;
the live view (ui.training_live) is a fragment that re-runs by itself twice a second while the run trains.
"""
import pandas as pd
import streamlit as st

from makemore_core.stages import STAGE_DESCRIPTIONS, STAGES
from makemore_core.training import ENGINES
from ui import links, state, training_live
from ui import runs as run_lib
from ui import training_settings as form
from ui.figures import training as figs
from ui.lecture import try_it
from ui.run_rates import expected_time
from ui.safe_text import literal
from ui.training_settings import LECTURE_RUN, MODEL_SOURCES, QUICK, SETTINGS

# While a run trains the charts redraw twice a second: static plots (no hover/zoom layers) are
# cheaper for the browser; they become interactive again once the run pauses or ends.
LIVE_CHART = {"displayModeBar": False}

manager = run_lib.session_runs()
dataset = state.current_dataset()
links.restore("training", SETTINGS)


def start_new_run():
    st.session_state.pop("tr_watching", None)
    try:
        model, train, note = form.build_configs(len(dataset.vocab))
        data = state.dataset_tensors(dataset, model.block_size)
        run = manager.new_run(form.run_label(model, train), dataset, data, model, train, state.device(),
                              engine=form.current_settings()["engine"], stage=form.chosen_stage())
    except ValueError as e:
        st.session_state["tr_error"] = f"Not started: {literal(e, 300)}"
        return
    if note:
        st.session_state["tr_note"] = note
    run.start()
    st.session_state["tr_scroll_to_live"] = True
    run.wait_until(lambda r: r.state != "queued" or r.trainer.step_num > 0, timeout=0.5)


def shown_run(notice):
    """(the run to show or None, whether it is another browser's, watched read-only).

    The address carries the shown run (?run=<link>): a reload finds it again, and the same link in another
    browser shows it read-only ("watching"). A link is read once, when the address brings one this tab did
    not write (a first load, a reload, a pasted link); the browser may send back a stale one meanwhile."""
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
            notice.warning(f"There is no run {literal(link.split('-')[0])} on this server (any more): runs are forgotten "
                           f"{run_lib.KEEP_S / 60:g} minutes after their browser's last tab left.")
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
    return shown, watching


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
shown, watching = shown_run(link_notice)
st.caption(run_lib.keep_note())
landed = try_it.landing(start_new_run, len(dataset.vocab))   # a chapter's experiment, on top, one button
# Another label once a run is shown: a new expander, closed, so Pause, Step and the charts fit the screen.
with st.expander("Settings for a new run" if shown is None else "Settings for the next run",
                 expanded=shown is None and not landed):
    st.caption("Defaults are the lecture's run: 200,000 steps of SGD at lr 0.1, then 0.01 from step 150,000; "
               "batch 32; seed 2147483647. With the eager engine, the same settings and seed give exactly the same "
               "losses as `python -m makemore_core train --engine eager`.")
    p1, p2, _ = st.columns([1.4, 1.4, 2])
    p1.button("Lecture run (200,000 steps)", key="tr_preset_lecture", on_click=form.load_preset, args=(LECTURE_RUN,),
              width="stretch", help="The lecture's schedule on the fast engine.")
    p2.button("Quick look (5,000 steps)", key="tr_preset_quick", on_click=form.load_preset, args=(QUICK,), width="stretch")
    if st.session_state["tr_steps"] >= 50_000:   # a lecture-length run: say how long, from this server's rate
        try:
            planned_model, planned, _ = form.build_configs(len(dataset.vocab))
            st.caption(f"Expected time with the {st.session_state['tr_engine']} engine: "
                       f"{expected_time(planned.steps, st.session_state['tr_engine'], planned_model)}.")
        except ValueError:
            pass   # the form's own check says what is wrong when Start is pressed
    left, right = st.columns(2)
    with left:
        st.markdown("**Training**")
        a, b = st.columns(2)
        a.number_input("Steps", min_value=0, max_value=2_000_000, step=1000, key="tr_steps", on_change=form.follow_steps,
                       help="Minibatch updates in the run.")
        b.number_input("Batch size", **links.bounds(SETTINGS, "tr_batch_size"), step=8, key="tr_batch_size",
                       help="Examples per step. Bigger batches give smoother, slower steps.")
        a.number_input("Learning rate", **links.bounds(SETTINGS, "tr_lr"), format="%g", key="tr_lr",
                       help="How far each step moves the weights along the gradient.")
        b.selectbox("Optimizer", ["sgd", "adam"], key="tr_optimizer", format_func=str.upper,
                    help="SGD: the lecture's p -= lr * grad. Adam adapts each weight's step size.")
        a.text_input("Learning-rate milestones (steps)", key="tr_lr_milestones",
                     help="At each of these steps the learning rate is multiplied by the factor, e.g. 150000.")
        b.number_input("Factor at each milestone", **links.bounds(SETTINGS, "tr_lr_factor"), format="%g", key="tr_lr_factor")
        a.number_input("Statistics every N steps", **links.bounds(SETTINGS, "tr_stats_every"), step=50, key="tr_stats_every",
                       help="How often the histograms and ratios below are measured (each costs a little speed).")
        b.number_input("Val loss every N steps", **links.bounds(SETTINGS, "tr_eval_every"), step=500, key="tr_eval_every",
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
            st.selectbox("Lecture stage", [None, *STAGES], key="tr_stage", on_change=form.choose_stage,
                         args=(len(dataset.vocab),), format_func=lambda stage: stage or "none: the settings below",
                         placeholder="none: the settings below",
                         help="The lecture's networks with their schedules: the one-layer net fixed step by step, "
                              "then the deep net. A stage sets the net, its init and the training settings.")
        staged = not from_lab and bool(st.session_state["tr_stage"])
        if staged:
            st.caption(STAGE_DESCRIPTIONS[st.session_state["tr_stage"]] + " Its init follows the sizes and seed "
                       "below; choose 'none' to change the rest.")
        if from_lab:
            lab_config, reason = form.lab_model_config(len(dataset.vocab))
            if lab_config is None:
                st.info(f"{reason} Until then these settings are used.")
            else:
                st.success(f"From the lab: {lab_config.hidden_layers} hidden layers of {lab_config.n_hidden}, "
                           f"{lab_config.nonlinearity}, {'BatchNorm' if lab_config.batchnorm else 'no BatchNorm'}, "
                           f"gain {lab_config.gain:.3g}, seed {lab_config.seed}.")
        c, d = st.columns(2)
        c.number_input("Hidden layers", **links.bounds(SETTINGS, "tr_hidden_layers"), key="tr_hidden_layers", disabled=from_lab)
        d.number_input("Neurons per layer", **links.bounds(SETTINGS, "tr_n_hidden"), key="tr_n_hidden", disabled=from_lab)
        c.number_input("Embedding size", **links.bounds(SETTINGS, "tr_n_embd"), key="tr_n_embd", disabled=from_lab)
        d.number_input("Context (block size)", **links.bounds(SETTINGS, "tr_block_size"), key="tr_block_size", disabled=from_lab)
        c.selectbox("Nonlinearity", ["tanh", "relu", "none"], key="tr_nonlinearity", disabled=from_lab or staged)
        d.number_input("Gain (5/3 suits tanh)", **links.bounds(SETTINGS, "tr_gain"), format="%g", step=0.1,
                       key="tr_gain", disabled=from_lab or staged, help="Every hidden Linear's weights are multiplied by it.")
        c.toggle("BatchNorm", key="tr_batchnorm", disabled=from_lab or staged,
                 help="Normalize each layer's pre-activations over the batch.")
        d.number_input("Seed", **links.bounds(SETTINGS, "tr_seed"), key="tr_seed", disabled=from_lab,
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
else:   # the live view: this browser's run, or one watched read-only
    if watching:
        notices.info(f"Watching run {shown.number}, another browser's run: read-only, live. Start your own with the "
                     "settings above.")
    else:
        training_live.learning_rate_input(notices, shown, shown.state)
    training_live.show(shown, shown.state, manager, watching)

# ---------------------------------------------------------------- run list, overlay, checkpoints

st.divider()
st.header("Runs in this browser")
if not manager.runs:
    st.caption("Runs you start appear here with their settings; any two can be overlaid.")
else:
    text_col, number_col = st.column_config.TextColumn, st.column_config.NumberColumn
    table = pd.DataFrame([r.settings() for r in manager.runs])
    # What fits 1280x800 without a sideways scroll (19 columns ran off the edge); the label names the settings,
    # and every setting is one click away, one column per run
    st.dataframe(table, hide_index=True, key="tr_run_table",
                 column_order=("run", "state", "steps", "last loss", "val loss", "label"),
                 column_config={"run": number_col(width="small"), "label": text_col(width="large")})
    with st.expander("Every setting of each run"):
        st.dataframe(table.set_index("run").T.rename(columns=lambda n: f"run {n}").astype(str),
                     key="tr_run_settings")
    ids = [r.id for r in manager.runs]
    label_of = {r.id: f"run {r.number}: {r.label}" for r in manager.runs}
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
            train = form.train_config()
        except ValueError as e:
            st.error(f"Not started: {literal(e, 300)}")
        else:
            data = state.dataset_tensors(dataset, c.block_size)
            try:
                run = manager.new_run(form.continued_label(ck_label, train), dataset, data, c, train,
                                      state.device(), model=ck_model.copy(), source=ck_label,
                                      engine=form.current_settings()["engine"])
            except ValueError as e:
                st.error(f"Not started: {e}")
            else:
                run.start()
                st.rerun()
