"""Training runs that live in the background on the server, and outlive the tab that started them.

A run is a plain Python thread that owns a core Trainer behind a lock and never calls st.*
(writing session_state from a thread silently does nothing). Pages read `run.snapshot()`, taken
under the lock and pre-aggregated for charts (at most ~2,000 loss points, whatever the step count).

Runs belong to an owner, the browser that started them (its XSRF cookie, which survives a reload
and a network blip; a tab's session where there is none), and live in a server-wide registry, not
in the tab's session: a reload or a reconnect finds them again. When no tab of the owner has been
connected for KEEP_S seconds, its runs are stopped and forgotten. Any tab may watch a run by its
id (the Training page's ?run= link), read-only when it is someone else's.

A server-wide queue caps how many runs train at once: first come, first served, at most one
training run per owner; a paused run gives its slot back.
"""
import collections
import hashlib
import itertools
import math
import os
import re
import secrets
import threading
import time
import weakref

import numpy as np
import streamlit as st

from makemore_core import checkpoint
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import Trainer, TrainConfig
from ui import eval_jobs

MAX_TRAINERS = max(1, int(os.environ.get("MAKEMORE_MAX_TRAINERS", "2")))
READ_WAIT_S = 0.05   # a page refresh waits at most this long for a training run's lock (see Run._copied)
KEEP_S = float(os.environ.get("MAKEMORE_KEEP_RUNS_S", "1800"))   # runs kept after the owner's last tab left
MAX_POINTS = 600                # loss points sent to the browser, however long the run (~1 per 1.5 px)
MAX_SERIES = 200                # statistics steps per over-time line sent to the browser
MAX_STATS_STEPS = 4096          # statistics steps kept per run (numbers only, ~1 KB each); then every other
_ids = itertools.count(1)
_every_run = weakref.WeakSet()  # all runs in this server process (tests and benchmarks stop them)

# A run's state: created | queued | running | paused | finished | diverged | stopped. The Trainer's own
# status (ready | running | finished | diverged) is the core's part of it: a run ends "finished" or
# "diverged" as its trainer does, or "stopped" by hand; only the run's thread writes it.
ACTIVE_STATES = ("queued", "running", "paused")


class TrainingQueue:
    """At most MAX_TRAINERS runs train at once, at most one per owner; the others wait in arrival order."""

    def __init__(self):
        self.changed = threading.Condition()
        self.waiting = []             # runs, first come first
        self.training = []

    def may_start(self, run):
        busy = {r.owner for r in self.training}
        first = next((r for r in self.waiting if r.owner not in busy), None)
        return first is run and len(self.training) < MAX_TRAINERS

    def acquire(self, run) -> bool:
        """Wait for a slot (run.state "queued"); False when the run was stopped meanwhile."""
        with self.changed:
            self.waiting.append(run)
            try:
                while not self.may_start(run):
                    if run.stop_requested.is_set():
                        return False
                    self.changed.wait(0.2)
                self.training.append(run)
                return True
            finally:
                self.waiting.remove(run)
                self.changed.notify_all()

    def release(self, run):
        with self.changed:
            if run in self.training:
                self.training.remove(run)
            self.changed.notify_all()

    def position(self, run):
        """1 for the next run to start, or None when the run is not waiting."""
        with self.changed:
            return self.waiting.index(run) + 1 if run in self.waiting else None


_queue = TrainingQueue()


def running_trainers() -> int:
    """How many runs hold a training slot on this server now."""
    return len(_queue.training)


def queued_runs() -> int:
    return len(_queue.waiting)


def queue_position(run):
    return _queue.position(run)


def all_runs() -> list:
    """Every run of every tab in this process, oldest first."""
    return sorted(_every_run, key=lambda r: r.id)


def find_run(link):
    """Any run on this server by its link (the ?run= of an address), or None."""
    return next((r for r in all_runs() if r.link == link), None)


class LossHistory:
    """log10 of every step's loss in a growable array, and its downsampled view for charts.

    Bucket widths are powers of two, so bucket edges stay put as the run grows and the chart
    does not jitter from one refresh to the next."""

    def __init__(self):
        self.values = np.empty(1024)
        self.n = 0

    def extend(self, losses):
        if not losses:
            return
        new = np.log10(np.maximum(np.asarray(losses, dtype=np.float64), 1e-12))
        need = self.n + len(new)
        if need > len(self.values):
            self.values = np.resize(self.values, max(need, 2 * len(self.values)))
        self.values[self.n:need] = new
        self.n = need

    def downsampled(self, limit=MAX_POINTS):
        """(step of each point, mean log10 loss of its bucket, smoothed log10 loss, bucket width)."""
        n = self.n
        if n == 0:
            return np.empty(0), np.empty(0), np.empty(0), 1
        width = 1 << max(0, math.ceil(math.log2(n / limit))) if n > limit else 1
        y = self.values[:n]
        full = n // width * width
        means = y[:full].reshape(-1, width).mean(1)
        if full < n:
            means = np.append(means, y[full:].mean())
        x = np.minimum(np.arange(len(means)) * width + (width - 1) / 2, n - 1)
        # smoothed: a trailing moving average over ~2% of the run (at least 20 steps), like the
        # lecture's mean over 1,000-step chunks of 200,000
        window = max(20, n // 50)
        c = np.concatenate([[0.0], np.cumsum(y)])
        ends = np.minimum(np.arange(len(means)) * width + width, n)
        starts = np.maximum(ends - window, 0)
        smooth = (c[ends] - c[starts]) / (ends - starts)
        return x, means, smooth, width


class Run:
    """One training run: settings, the trainer, and the thread that drives it."""

    def __init__(self, label, dataset, data, model_config: ModelConfig, train_config: TrainConfig, device,
                 model: MLP | None = None, source: str = "", engine: str = "eager", owner: str | None = None):
        self.id = next(_ids)
        self.owner = owner if owner is not None else f"run-{self.id}"   # who may steer it; one training run each
        self.link = f"{self.id}-{secrets.token_hex(4)}"   # its ?run= in the address: not guessable from the id
        self.created = time.time()    # wall clock: which came last, this run or an uploaded checkpoint
        self.label = label
        self.dataset_name = dataset.name
        self.data, self.data_key = data, eval_jobs.data_key(dataset)   # what its evaluation runs on
        self.vocab = dataset.vocab
        self.model_config = model_config if model is None else model.config
        self.device = str(device)
        self.source = source          # e.g. "continued from checkpoint x.pt"
        self.engine = engine          # one of training.ENGINES
        self.trainer = Trainer(model.train() if model is not None else MLP(model_config, device), data,
                               train_config, engine=engine)
        self.lock = threading.Lock()
        self._last_copies = {}        # what the page read last (see _copied)
        self.state = "created"        # see ACTIVE_STATES for the vocabulary
        self.pause_requested = threading.Event()
        self.stop_requested = threading.Event()
        self.resume = threading.Event()
        self.steps_budget = None      # when set, pause after this many more steps ("Step N")
        self.thread = None
        self.error = None
        self.progress = collections.deque(maxlen=16)  # (time, step) every ~0.25 s, for steps/s
        self.series = {"steps": [], "saturation": {}, "update_to_data": {}, "grad_to_data": {}}
        self.latest_stats = None      # (step, stats with histograms); older stats keep numbers only
        self._history = LossHistory()
        _every_run.add(self)

    # ------------------------------------------------------------ control (called from the UI)

    def start(self, steps=None):
        """Start training in the background; with `steps`, pause again after that many."""
        if self.alive:
            self.step(steps) if steps else self.unpause()
            return
        if self.state != "created":
            return                    # finished, diverged or stopped runs stay as they are
        self.steps_budget = steps
        self.state = "queued"
        self.thread = threading.Thread(target=self._loop, name=f"makemore-run-{self.id}", daemon=True)
        self.thread.start()

    def pause(self):
        self.pause_requested.set()

    def unpause(self):
        self.steps_budget = None
        self.pause_requested.clear()
        self.resume.set()

    def step(self, n=1):
        """Train n more steps, then pause."""
        if not self.alive:
            self.start(steps=n)
            return
        self.steps_budget = n
        self.pause_requested.clear()
        self.resume.set()

    def stop(self):
        self.stop_requested.set()
        self.resume.set()

    @property
    def train_config(self) -> TrainConfig:
        """The trainer's config: it records a learning rate changed by hand."""
        return self.trainer.config

    def set_lr(self, lr: float):
        """Make the learning rate in effect now `lr` (later milestones still multiply it); the label
        names it: "lr 0.1" becomes "lr 0.1, 0.05 from step 1,200"."""
        with self.lock:
            self.trainer.set_lr(lr)
            step = self.trainer.step_num
        self.label = re.sub(r"(lr [^,]+?)(, [^,]+ from step [\d,]+)*(?=, [\d,]+ steps$|$)",
                            lambda m: f"{m.group(1)}, {lr:g} from step {step:,}", self.label, count=1)

    def wait(self, timeout=None):
        """Block until the thread ends (tests, benchmarks)."""
        if self.thread is not None:
            self.thread.join(timeout)

    def wait_until(self, predicate, timeout=30.0):
        """Poll until predicate(run) is true; returns whether it became true."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.01)
        return predicate(self)

    # ------------------------------------------------------------ the thread

    def _loop(self):
        try:
            while True:
                self.state = "queued"
                if not _queue.acquire(self):          # queued until a slot frees (or the run is stopped)
                    self.state = "stopped"
                    return
                try:
                    if self.stop_requested.is_set():
                        self.state = "stopped"
                        return
                    self.state = "running"
                    paused = self._train()
                finally:
                    _queue.release(self)               # a paused run gives its slot to the next in line
                if not paused:
                    if self.state == "finished":   # evaluated now, while the learner still looks at the run
                        self._queue_evaluation()
                    return
                self.state = "paused"
                self.progress.clear()
                self.resume.wait()
                self.resume.clear()
                if self.stop_requested.is_set():
                    self.state = "stopped"
                    return
        except Exception as e:        # keep the history; tell the user instead of dying silently
            self.error = f"{type(e).__name__}: {e}"
            self.state = "stopped"

    def _queue_evaluation(self):
        """Only a head start for the Evaluation page (it asks again itself): a failure here must not
        turn a finished run into a stopped one."""
        try:
            eval_jobs.run_finished(self)
        except RuntimeError:   # e.g. the worker is gone while the server shuts down
            pass

    def _train(self) -> bool:
        """Train chunk by chunk (each about 20 ms of work, never past a "Step N" budget) until done,
        stopped, diverged or paused; a request is seen between two chunks. True when it paused."""
        trainer = self.trainer
        next_mark = 0.0
        while not self.stop_requested.is_set() and not trainer.done:
            if self.pause_requested.is_set() or (self.steps_budget is not None and self.steps_budget <= 0):
                return True
            with self.lock:
                stats_before = len(trainer.stats)
                done = trainer.advance(self.steps_budget)
                if len(trainer.stats) > stats_before:
                    self._record_stats()
            if self.steps_budget is not None:
                self.steps_budget -= done
            now = time.perf_counter()
            if now >= next_mark:
                self.progress.append((now, trainer.step_num))
                next_mark = now + 0.25
        if trainer.status in ("finished", "diverged"):
            self.state = trainer.status
        elif trainer.done:
            self.state = "finished"
        else:
            self.state = "stopped"
        return False

    def _record_stats(self):
        """Keep the newest stats (with histograms) and, over time, only the numbers the charts draw:
        memory per run stays bounded, whatever the step count and "statistics every N steps"."""
        step, s = self.trainer.stats[-1]
        del self.trainer.stats[:-1]   # nothing reads older ones; every step's stats made ~12 KB a step
        self.latest_stats = (step, s)
        series = self.series
        series["steps"].append(step)
        k = len(series["steps"]) - 1
        for layer in s["layers"]:
            _append(series["saturation"], layer["label"], k, layer["saturation_pct"])
        for p in s["params"]:
            if p["ndim"] == 2:        # the lecture plots the weights (C and each Linear)
                _append(series["update_to_data"], p["name"], k, p.get("update_to_data"))
                _append(series["grad_to_data"], p["name"], k, p.get("grad_to_data"))
        if len(series["steps"]) > MAX_STATS_STEPS:   # keep every other older point: the charts show ~200
            series["steps"] = series["steps"][::2]
            for key in ("saturation", "update_to_data", "grad_to_data"):
                series[key] = {name: column[::2] for name, column in series[key].items()}

    # ------------------------------------------------------------ reading (called from the UI)

    @property
    def alive(self):
        return self.thread is not None and self.thread.is_alive()

    @property
    def active(self):
        return self.state in ACTIVE_STATES and (self.alive or self.state == "created")

    def steps_per_s(self):
        """Recent training speed (last few seconds), or the run's average when just resumed."""
        marks = list(self.progress)
        if len(marks) >= 2 and marks[-1][0] > marks[0][0]:
            return (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0])
        t = self.trainer
        return t.step_num / t.seconds if t.seconds > 0 else 0.0

    def _copied(self, name, copy):
        """copy() under the lock. While the trainer holds the lock longer than READ_WAIT_S (a val loss over
        the whole split, a statistics step), the copy made last time instead: a refresh of the page, and a
        click on Pause queued behind that refresh, never wait for training."""
        if not self.lock.acquire(timeout=READ_WAIT_S if name in self._last_copies else -1):
            return self._last_copies[name]
        try:
            self._last_copies[name] = copy()
        finally:
            self.lock.release()
        return self._last_copies[name]

    def status_line(self) -> dict:
        """What the status line draws: a few numbers copied under the lock (cheap enough for twice a second
        while the run trains: it competes with the training thread for the interpreter)."""
        t = self.trainer
        snap = dict(self._copied("status", lambda: {
            "id": self.id, "label": self.label, "state": self.state, "step": t.step_num,
            "total": t.config.steps, "lr": t.lr, "optimizer": t.config.optimizer,
            "loss": t.losses[-1] if t.losses else None,
            "val": t.val_losses[-1:],
            "device": self.device, "uniform_loss": math.log(self.model_config.vocab_size),
            "seconds": t.seconds,
        }), state=self.state)   # the state always as it is now: a new one redraws the page
        rate = self.steps_per_s() if self.state == "running" else 0.0
        snap["steps_per_s"] = rate
        snap["seconds_left"] = (snap["total"] - snap["step"]) / rate if rate > 0 else None
        return snap

    def snapshot(self) -> dict:
        """Everything the page draws (the progress, the charts' data), copied under the lock and
        pre-aggregated (small and cheap)."""
        t = self.trainer

        def charts():
            self._history.extend(t.losses[self._history.n:])
            x, y, smooth, width = self._history.downsampled()
            return {"first_loss": t.losses[0] if t.losses else None,
                    "loss_x": x, "loss_log10": y, "loss_smooth": smooth, "bucket": width,
                    "val": list(t.val_losses), "stats": self.latest_stats, "series": _thinned(self.series),
                    "message": self.error or t.message}
        return {**self.status_line(), **self._copied("charts", charts)}

    def model_snapshot(self):
        """An independent copy of the model as it is now (the run may keep training)."""
        with self.lock:
            return self.trainer.model.copy()

    def checkpoint_bytes(self) -> bytes:
        """The model as it is now, as a checkpoint file (makemore_core.checkpoint format)."""
        model = self.model_snapshot()
        extra = {"train_config": self.train_config.to_dict(), "steps_trained": self.trainer.step_num,
                 "data_set": self.dataset_name, "label": self.label}
        return checkpoint.to_bytes(model, self.vocab, extra)

    def settings(self) -> dict:
        """One row of the run list: what makes this run different from another."""
        m, c = self.model_config, self.train_config
        t = self.trainer
        return {
            "run": self.id, "label": self.label, "state": self.state,
            "steps": f"{t.step_num:,} / {c.steps:,}",
            "last loss": round(t.losses[-1], 4) if t.losses else None,
            "val loss": round(t.val_losses[-1][1], 4) if t.val_losses else None,
            "optimizer": c.optimizer, "lr": c.lr,
            "lr schedule": ", ".join([f"x{c.lr_factor:g} at {s:,}" for s in c.lr_milestones]
                                     + [f"{lr:g} from {s:,}" for s, lr in c.lr_changes]) or "none",
            "batch": c.batch_size, "layers": m.hidden_layers, "width": m.n_hidden,
            "BatchNorm": "yes" if m.batchnorm else "no", "gain": round(m.gain, 4), "nonlinearity": m.nonlinearity,
            "seed": m.seed, "engine": self.engine, "data": self.dataset_name,
        }


def _thinned(series, limit=MAX_SERIES):
    """A copy of the over-time series with at most ~limit points per line (every k-th, and the last)."""
    n = len(series["steps"])
    stride = 1 << max(0, math.ceil(math.log2(n / limit))) if n > limit else 1
    idx = list(range(0, n, stride))
    if idx and idx[-1] != n - 1:
        idx.append(n - 1)
    pick = lambda values: [values[i] if i < len(values) else None for i in idx]  # noqa: E731
    return {"steps": pick(series["steps"]),
            **{k: {name: pick(v) for name, v in series[k].items()}
               for k in ("saturation", "update_to_data", "grad_to_data")}}


def _append(table, name, k, value):
    """Append to a named series, padding with None where it first appears late."""
    column = table.setdefault(name, [])
    column.extend([None] * (k - len(column)))
    column.append(value)


class RunManager:
    """The runs of one owner (a browser), kept server-wide: every tab of that browser sees them."""

    def __init__(self, owner: str = ""):
        self.owner = owner or f"manager-{id(self)}"
        self.runs: list[Run] = []
        self.shown_id = None          # the run the Training page shows; None after "Stop & reset"
        self.viewers = 0              # tabs of this owner connected now
        self.left_at = None           # when the last one left

    def new_run(self, label, dataset, data, model_config, train_config, device, model=None, source="",
                engine="eager") -> Run:
        run = Run(label, dataset, data, model_config, train_config, device, model=model, source=source, engine=engine,
                  owner=self.owner)
        self.runs.append(run)
        self.shown_id = run.id
        return run

    @property
    def current(self):
        return self.runs[-1] if self.runs else None

    @property
    def shown(self):
        return self.get(self.shown_id)

    def get(self, run_id):
        return next((r for r in self.runs if r.id == run_id), None)

    def latest_trained_run(self):
        """The newest run that has trained at least one step, or None."""
        return next((run for run in reversed(self.runs) if run.trainer.step_num > 0), None)

    def latest_model(self):
        """(model snapshot, vocab, label) of the newest run that has trained at least one step, or None."""
        run = self.latest_trained_run()
        return None if run is None else (run.model_snapshot(), run.vocab, f"run {run.id}: {run.label}")

    def release(self):
        for run in self.runs:
            run.stop()


_managers: dict[str, RunManager] = {}   # owner -> its runs, server-wide
_managers_lock = threading.Lock()


def owner_id() -> str:
    """Who this tab is: its browser (a digest of the XSRF cookie, the same after a reload or a
    reconnect), or, without that cookie, this tab's session."""
    try:
        cookie = st.context.cookies.get("_streamlit_xsrf")
    except Exception:  # noqa: BLE001 - no request behind this session (AppTest): no cookie
        cookie = None
    if isinstance(cookie, str) and cookie:
        token = cookie.split("|")
        # the cookie is "2|mask|masked token|time": unmask so that a re-issued cookie is the same browser
        if len(token) == 4:
            try:
                mask, masked = bytes.fromhex(token[1]), bytes.fromhex(token[2])
                cookie = bytes(b ^ mask[i % 4] for i, b in enumerate(masked)).hex()
            except ValueError:
                pass
        return "browser-" + hashlib.sha256(cookie.encode()).hexdigest()[:16]
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    return "session-" + (ctx.session_id if ctx else "none")


class _Viewer:
    """One connected tab of an owner; Streamlit releases it when the tab disconnects."""

    def __init__(self, owner):
        self.owner = owner
        with _managers_lock:
            manager = _managers.setdefault(owner, RunManager(owner))
            manager.viewers += 1
            manager.left_at = None


def _viewer_left(viewer):
    with _managers_lock:
        manager = _managers.get(viewer.owner)
        if manager is None:
            return
        manager.viewers -= 1
        if manager.viewers <= 0:
            manager.left_at = time.time()
            timer = threading.Timer(KEEP_S, expire_idle)
            timer.daemon = True
            timer.start()


@st.cache_resource(scope="session", on_release=_viewer_left, show_spinner=False)
def _viewer(owner) -> _Viewer:
    return _Viewer(owner)


def expire_idle(now=None):
    """Stop and forget the runs of owners with no tab connected for KEEP_S seconds."""
    now = time.time() if now is None else now
    with _managers_lock:
        gone = [o for o, m in _managers.items() if m.viewers <= 0 and m.left_at is not None and now - m.left_at >= KEEP_S]
        released = [_managers.pop(o) for o in gone]
    for manager in released:
        manager.release()
    return len(released)


def session_runs() -> RunManager:
    """The runs of this tab's owner (its browser), found again after a reload or a reconnect."""
    owner = owner_id()
    _viewer(owner)
    with _managers_lock:
        return _managers.setdefault(owner, RunManager(owner))


def watched_run(manager: RunManager):
    """(run, read_only) for the ?run= link in the address: this owner's run, or another's to watch."""
    wanted = st.query_params.get("run")
    if not wanted:
        return None, False
    own = next((r for r in manager.runs if r.link == wanted), None)
    if own is not None:
        return own, False
    return find_run(wanted), True


def keep_note() -> str:
    minutes = KEEP_S / 60
    return (f"Runs keep training when this tab closes or its connection drops, and wait for you for "
            f"{minutes:g} minute{'s' if minutes != 1 else ''} after your last tab of this browser has left; "
            "then they are stopped and forgotten.")


# ---------------------------------------------------------------- hints that read the numbers

def hints(snap) -> list[tuple[str, str]]:
    """[(level, text)] about the run as it is now; level is error | warning | success | info."""
    out = []
    if snap["state"] == "diverged":
        return [("error", f"Diverged. {snap['message']}")]
    if snap["message"] and snap["state"] == "stopped":
        out.append(("error", f"The run stopped: {snap['message']}"))
    uniform = snap["uniform_loss"]
    if snap["loss"] is not None and snap["step"] > 50 and len(snap["loss_smooth"]):
        recent = 10 ** snap["loss_smooth"][-1]
        if recent > 1.5 * uniform:
            out.append(("warning", f"The smoothed loss ({recent:.2f}) is far above a uniform guess ({uniform:.2f}): "
                                   "the steps overshoot. Lower the learning rate."))
    stats = snap["stats"]
    if stats is None:
        return out
    step, s = stats
    ratios = [p["update_to_data"] for p in s["params"] if p["ndim"] == 2 and p.get("update_to_data") is not None]
    if ratios:
        typical = sorted(ratios)[len(ratios) // 2]
        times = 10 ** (typical + 3)   # how many times the lecture's guide of 10^-3
        if typical > -2.2:
            out.append(("warning", f"update:data is about 10^{typical:.1f}, {times:.0f} times the 10^-3 guide: each "
                                   "step changes the weights by a lot. The learning rate is probably too high."))
        elif typical > -2.6:
            out.append(("info", f"update:data is about 10^{typical:.1f}, {times:.1f} times the 10^-3 guide: fast "
                                "learning; if the loss stays noisy, a lower learning rate (or the decay) helps."))
        elif typical >= -3.5:
            out.append(("success", f"update:data is about 10^{typical:.1f}, near the 10^-3 guide: a healthy "
                                   "learning rate for these weights."))
        else:
            out.append(("info", f"update:data is about 10^{typical:.1f}, below the 10^-3 guide: the weights "
                                "barely move. The learning rate is probably low, or the schedule decayed it."))
    has_batchnorm = any(p["name"].endswith("gamma") for p in s["params"])
    remedy = "A smaller learning rate" if has_batchnorm else "A smaller gain or BatchNorm"
    saturated = [(layer["label"], layer["saturation_pct"]) for layer in s["layers"]
                 if layer["kind"] == "tanh" and layer["saturation_pct"] > 10]
    for label, pct in saturated[:2]:
        out.append(("warning", f"{label}: {pct:.0f}% of its tanh outputs are saturated (|t| > 0.97), where the "
                               f"gradient is nearly zero. {remedy} keeps them in the active range."))
    dead = [(layer["label"], layer["saturation_pct"]) for layer in s["layers"]
            if layer["kind"] == "relu" and layer["saturation_pct"] > 80]
    for label, pct in dead[:1]:
        out.append(("warning", f"{label}: {pct:.0f}% of its ReLU outputs are zero, and pass no gradient back."))
    if snap["val"] and len(snap["loss_smooth"]):
        val = snap["val"][-1][1]
        train = 10 ** snap["loss_smooth"][-1]
        if val - train > 0.15:
            out.append(("info", f"val loss {val:.3f} is above the training loss {train:.3f}: the net starts to "
                                "memorize the training names (overfitting)."))
    return out
