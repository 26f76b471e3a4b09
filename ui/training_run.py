"""One training run: a plain Python thread on the server that owns a core Trainer behind a lock.

It never calls st.* (writing session_state from a thread silently does nothing). Pages read
`run.snapshot()`, taken under the lock and pre-aggregated for charts (ui.run_series). Who owns a run
and how long it is kept is ui.runs's business; when it may train, ui.run_queue's.
"""
import collections
import itertools
import math
import re
import secrets
import threading
import time
import weakref

from makemore_core import checkpoint, snapshots
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer
from ui import eval_jobs, run_queue, run_series, saved_runs

READ_WAIT_S = 0.05   # a page refresh waits at most this long for a training run's lock (see Run._copied)
_ids = itertools.count(1)
_every_run = weakref.WeakSet()  # all runs in this server process (tests and benchmarks stop them)

# A run's state: created | queued | running | paused | finished | diverged | stopped. The Trainer's own
# status (ready | running | finished | diverged) is the core's part of it: a run ends "finished" or
# "diverged" as its trainer does, or "stopped" by hand; only the run's thread writes it.
ACTIVE_STATES = ("queued", "running", "paused")


def all_runs() -> list:
    """Every run of every tab in this process, oldest first."""
    return sorted(_every_run, key=lambda r: r.id)


class Run:
    """One training run: settings, the trainer, and the thread that drives it."""

    def __init__(self, label, dataset, data, model_config: ModelConfig, train_config: TrainConfig, device,
                 model: MLP | None = None, source: str = "", engine: str = "eager", owner: str | None = None,
                 stage: str | None = None):
        self.id = next(_ids)          # server-wide: the run's link
        self.number = self.id         # what its browser calls it ("run 1"): RunManager numbers its own runs
        self.owner = owner if owner is not None else f"run-{self.id}"   # who may steer it; one training run each
        self.link = f"{self.id}-{secrets.token_hex(4)}"   # its ?run= in the address: not guessable from the id
        self.created = time.time()    # wall clock: which came last, this run or an uploaded checkpoint
        self.label = label
        self.dataset_name = dataset.name
        self.data, self.data_key = data, eval_jobs.data_key(dataset)   # what its evaluation runs on
        self.vocab = dataset.vocab
        self.words = dataset.words    # saved with the run where it is not the default list (ui.saved_runs)
        self.model_config = model_config if model is None else model.config
        self.device = str(device)
        self.source = source          # e.g. "continued from checkpoint x.pt"
        self.engine = engine          # one of training.ENGINES
        self.stage = stage            # the lecture's stage it trains (makemore_core.stages), or None
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
        self.series = run_series.new_series()
        self.latest_stats = None      # (step, stats with histograms); older stats keep numbers only
        self._history = run_series.LossHistory()
        self.snapshots = snapshots.new_store()   # what each statistics step showed, for the step scrubbers
        _every_run.add(self)

    # ------------------------------------------------------------ control (called from the UI)

    def start(self, steps=None):
        """Start training in the background; with `steps`, pause again after that many."""
        if self.alive:
            self.step(steps) if steps else self.unpause()
            return
        if self.state not in ("created", "paused"):   # paused with no thread: restored after a restart
            return                    # finished, diverged or stopped runs stay as they are
        if self.engine != "eager" and self.trainer.engine is None:   # a restored run makes its engine now
            from makemore_core.engine import make_engine
            self.trainer.engine = make_engine(self.trainer, self.engine)
        self.pause_requested.clear()
        self.steps_budget = steps
        self.state = "queued"
        self.thread = threading.Thread(target=self._loop, name=f"makemore-run-{self.id}", daemon=True)
        self.thread.start()

    def pause(self):
        self.pause_requested.set()

    def unpause(self):
        if not self.alive:
            self.start()
            return
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
        if self.state == "paused" and not self.alive:   # restored, never resumed: no thread to say it
            self.state = "stopped"
            saved_runs.save(self)

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
            self._train_and_wait()
        finally:
            saved_runs.save(self)     # paused, finished, stopped or failed: kept as it is now

    def _train_and_wait(self):
        try:
            while True:
                self.state = "queued"
                if not run_queue.queue.acquire(self):          # queued until a slot frees (or the run is stopped)
                    self.state = "stopped"
                    return
                try:
                    if self.stop_requested.is_set():
                        self.state = "stopped"
                        return
                    self.state = "running"
                    paused = self._train()
                finally:
                    run_queue.queue.release(self)               # a paused run gives its slot to the next in line
                if not paused:
                    if self.state == "finished":   # evaluated now, while the learner still looks at the run
                        self._queue_evaluation()
                    return
                self.state = "paused"
                self.progress.clear()
                saved_runs.save(self)
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
            saved_runs.save_if_due(self)
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
        run_series.record(self.series, step, s)
        snapshots.add(self.snapshots, snapshots.snapshot(step, s, self.trainer.model.C))

    # ------------------------------------------------------------ reading (called from the UI)

    @property
    def alive(self):
        return self.thread is not None and self.thread.is_alive()

    @property
    def active(self):
        return self.state in ACTIVE_STATES and (self.alive or self.state in ("created", "paused"))

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
            "id": self.id, "number": self.number, "label": self.label, "state": self.state, "step": t.step_num,
            "total": t.config.steps, "lr": t.lr, "lr_start": t.config.lr, "optimizer": t.config.optimizer,
            "loss": t.losses[-1] if t.losses else None,
            "val": t.val_losses[-1:],
            "device": self.device, "uniform_loss": math.log(self.model_config.vocab_size), "stage": self.stage,
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
                    "val": list(t.val_losses), "stats": self.latest_stats, "series": run_series.thinned(self.series),
                    "lr_changes": list(t.config.lr_changes),   # the loss chart marks them
                    "message": self.error or t.message}
        return {**self.status_line(), **self._copied("charts", charts)}

    def snapshot_members(self) -> list:
        """The run's snapshots at its statistics steps, in step order (makemore_core.snapshots), copied
        under the lock (a new list; the snapshots themselves never change once made)."""
        return self._copied("snapshots", lambda: snapshots.members(self.snapshots))

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
            "run": self.number, "label": self.label, "state": self.state,
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
