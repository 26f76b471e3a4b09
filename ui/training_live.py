"""The Training page's live view of one run: its controls, status line and charts, refreshed by
fragments while it trains, and what is inside the net once it pauses or ends.

A run watched read-only (another browser's) gets no controls. Every function reads the run afresh by
its id: a fragment reruns on its own, with the arguments it was first given.
"""
import streamlit as st
import torch

from makemore_core.model import LECTURE_SEED
from ui import classroom, init_lab, run_hints, run_queue, runs
from ui.figures import init_lab as init_figs
from ui.figures import live as live_figs
from ui.figures import time_travel as travel_figs
from ui.hints import plural
from ui.safe_text import literal

LIVE_HEIGHT = 95                   # six live charts' plotting areas, two a row: the first four and the
                                   # controls fit one 1280x800 screen
CHART_REFRESH_S = 2.0              # the charts: each refresh redraws them from scratch in the browser
REFRESH_S = 0.5                    # live view refresh while training: twice a second (the browser redraw is the cost)
QUEUED_REFRESH_S = 3.0             # a queued run's status line: its place in line changes slowly
STATE_TEXT = {"created": "ready", "queued": "queued", "running": "training", "paused": "paused",
              "finished": "finished", "diverged": "diverged", "stopped": "stopped"}


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


def stop_and_reset(run, manager):
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


@st.cache_data(show_spinner=False, max_entries=16)
def travel_chart(run_id, step, count, big, _members, _loss_x, _loss_smooth):
    """The step scrubber's family, built once per run, step and number of snapshots (a run at rest)."""
    return travel_figs.training_scrub_chart(_members, _loss_x, _loss_smooth, big)


def time_travel(run):
    """Once a run pauses or ends, or is watched while it does not train: every diagnostic chart at any of
    its statistics steps, picked in the browser by a step scrubber (the run's snapshots travel with the chart)."""
    members = run.snapshot_members()
    if len(members) < 2:
        return
    snap = run.snapshot()
    st.subheader("Back in time")
    st.caption(f"Drag the step: every chart below shows the run at that statistics step ({len(members)} kept, "
               f"steps {members[0]['step']:,} to {members[-1]['step']:,}); the red line marks it on the loss and the "
               "update:data ratios. Watch the histograms settle and the ratios fall as the run learns.")
    with st.container(key="tr_travel"):
        datasets, spec = travel_chart(run.id, snap["step"], len(members), classroom.projecting(), members,
                                      snap["loss_x"], snap["loss_smooth"])
        st.vega_lite_chart(None, {**spec, "datasets": datasets}, key="tr_travel_chart", width="content")


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
                   f"{plural(view['dead'], 'dead neuron', bold=True)} (white for every example).")


def draw_controls(run, status, manager):
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
    controls[5].button("Stop & reset", key="tr_stop", on_click=stop_and_reset, args=(run, manager), width="stretch",
                       help="Stop this run (it stays in the run list) and clear the view for a new one.")
    controls[6].download_button("Download model", data=run.checkpoint_bytes, key="tr_download",
                                file_name=f"makemore-run{run.id}.pt", mime="application/octet-stream",
                                on_click="ignore", width="stretch",
                                help="A checkpoint file (.pt) of the model as it is now, with its vocabulary: "
                                     "upload it below to train on, or use it on the Sampling page.")


def find_live(run_id):
    """This browser's run, or the run watched read-only (another browser's); None once it is forgotten."""
    return runs.run_by_id(run_id)

def live_view(run_id, drawn_state, manager, watching):
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
    ticking = drawn_state == "running"   # a queued run that starts redraws the page at once
    if snap["state"] != drawn_state and (not ticking or st.session_state.get("tr_live_said") == snap["state"]):
        st.rerun()
    st.session_state["tr_live_said"] = snap["state"]
    if not watching:   # a run watched read-only has no controls
        draw_controls(live, snap["state"], manager)
    engine = f" · engine: {engine_text(live, snap['state'])}" if live.engine != "eager" else ""
    done, total = snap["step"], max(snap["total"], 1)
    rate, left = snap["steps_per_s"], snap["seconds_left"]
    if snap["state"] == "running":
        speed = f"{rate:,.0f} steps/s" + ("" if left is None else f" · about {left // 60:.0f} min "
                                                                  f"{left % 60:02.0f} s left")
    else:
        speed = f"{done / snap['seconds']:,.0f} steps/s on average" if snap["seconds"] > 0 else "not started"
    st.markdown(f"**Run {snap['number']}** · {literal(snap['label'], 200)}{engine} · **{STATE_TEXT[snap['state']]}**")
    st.progress(min(done / total, 1.0), text=f"step {done:,} / {total:,} · {speed}")
    loss = "—" if snap["loss"] is None else number(snap["loss"])
    val = f"{snap['val'][-1][1]:.4f}" if snap["val"] else "—"
    st.markdown(f"Loss (this step) **{loss}** · val loss **{val}** · learning rate now **{snap['lr']:g}** "
                f"({snap['optimizer'].upper()}) · {snap['device'].upper()} · uniform guess "
                f"{snap['uniform_loss']:.4f}", help="The loss is the cross-entropy of the latest minibatch; "
                "the val loss is on the validation names, with BatchNorm using its running statistics.")
    if snap["state"] == "queued":
        place = run_queue.queue_position(live)
        st.warning(f"Server busy: {run_queue.running_trainers()} runs are training on this server (the limit is "
                   f"{run_queue.MAX_TRAINERS}, and one per browser at a time). Your run is queued"
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
    for level, text in run_hints.hints(snap):   # below the charts: a hint that comes and goes moves nothing
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


def refresh_every(status) -> tuple[float | None, float | None]:
    """(status line, charts) refresh intervals in seconds, None for none. A queued run's charts do not
    change and its place in line changes slowly: with 28 of a class's 30 runs waiting for one of the two
    slots, refreshing their views as often as a training run's took the trainers' interpreter time."""
    if status == "running":
        return REFRESH_S, CHART_REFRESH_S
    return (QUEUED_REFRESH_S, None) if status == "queued" else (None, None)


def show(run, status, manager, watching):
    """The live view of `run` as it is now (`status`): refreshing while it trains or waits to."""
    status_every, charts_every = refresh_every(status)
    with st.container(key="tr_live_top"):   # stays at the top of the screen while the charts scroll (CSS)
        st.fragment(live_view, run_every=status_every)(run.id, status, manager, watching)
    st.fragment(live_charts, run_every=charts_every)(run.id, status)
    if status not in ("queued", "running"):
        time_travel(run)
        inside_the_net(run)
    if st.session_state.pop("tr_scroll_to_live", False):   # below the charts: the element moves nothing
        scroll_to_live_view()


def learning_rate_input(container, run, status):
    """While this browser's run is paused: the learning rate from now on."""
    if status != "paused":
        st.session_state.pop("tr_lr_now", None)
        return
    lr1, lr2, _ = container.columns([2, 1, 4], vertical_alignment="bottom")
    st.session_state.setdefault("tr_lr_now", float(run.trainer.lr))
    lr1.number_input("Learning rate from now on", min_value=1e-8, max_value=1e6, format="%g", key="tr_lr_now",
                     help="Change it while paused, then Resume. Later milestones still multiply it.")
    lr2.button("Apply", key="tr_lr_apply", on_click=apply_lr, args=(run,))
