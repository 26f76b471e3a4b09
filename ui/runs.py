"""Training runs that live in the background for one browser tab.

A run is a plain Python thread that owns a core Trainer behind a lock and never calls st.*
(writing session_state from a thread silently does nothing). Pages read snapshots taken under
the lock. Reruns, widget changes and page switches leave the thread alone; closing the tab
releases the RunManager, which stops its threads. A server-wide semaphore caps how many runs
train at once; the others wait, queued.
"""
import itertools
import os
import threading
import time

import streamlit as st

from makemore_core.model import MLP, ModelConfig
from makemore_core.training import Trainer, TrainConfig

MAX_TRAINERS = int(os.environ.get("MAKEMORE_MAX_TRAINERS", "2"))
_slots = threading.BoundedSemaphore(MAX_TRAINERS)
_ids = itertools.count(1)


class Run:
    """One training run: settings, the trainer, and the thread that drives it."""

    def __init__(self, label, dataset, data, model_config: ModelConfig, train_config: TrainConfig, device):
        self.id = next(_ids)
        self.label = label
        self.dataset_name = dataset.name
        self.vocab = dataset.vocab
        self.model_config = model_config
        self.train_config = train_config
        self.trainer = Trainer(MLP(model_config, device), data, train_config)
        self.lock = threading.Lock()
        self.state = "created"        # created | queued | running | paused | finished | diverged | stopped
        self.pause_requested = threading.Event()
        self.stop_requested = threading.Event()
        self.resume = threading.Event()
        self.steps_budget = None      # when set, pause after this many more steps ("Step N")
        self.started_at = None
        self.thread = None
        self.error = None

    # ------------------------------------------------------------ control (called from the UI)

    def start(self, steps=None):
        """Start training in the background; with `steps`, pause again after that many."""
        if self.thread is not None and self.thread.is_alive():
            self.step(steps) if steps else self.unpause()
            return
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
        if self.thread is None or not self.thread.is_alive():
            self.start(steps=n)
            return
        self.steps_budget = n
        self.pause_requested.clear()
        self.resume.set()

    def stop(self):
        self.stop_requested.set()
        self.resume.set()

    def set_lr(self, lr: float):
        with self.lock:
            self.trainer.base_lr = float(lr)

    # ------------------------------------------------------------ the thread

    def _loop(self):
        with _slots:                  # queued until a slot frees
            if self.stop_requested.is_set():
                self.state = "stopped"
                return
            self.state = "running"
            self.started_at = time.perf_counter()
            try:
                self._train()
            except Exception as e:    # keep the history; tell the user instead of dying silently
                self.error = f"{type(e).__name__}: {e}"
                self.state = "stopped"

    def _train(self):
        trainer = self.trainer
        while not self.stop_requested.is_set():
            if trainer.done:
                break
            if self.pause_requested.is_set() or self.steps_budget == 0:
                self.state = "paused"
                self.resume.wait()
                self.resume.clear()
                self.state = "running"
                continue
            start = time.perf_counter()
            with self.lock:
                trainer.status = "running"
                loss = trainer.step()
                trainer.seconds += time.perf_counter() - start
            if loss is None:
                break
            if self.steps_budget is not None:
                self.steps_budget -= 1
        if trainer.status == "diverged":
            self.state = "diverged"
        elif self.stop_requested.is_set() and not trainer.done:
            self.state = "stopped"
        else:
            trainer.status = "finished"
            self.state = "finished"

    # ------------------------------------------------------------ reading (called from the UI)

    @property
    def alive(self):
        return self.thread is not None and self.thread.is_alive()

    def model_snapshot(self):
        """An independent copy of the model as it is now (the run may keep training)."""
        with self.lock:
            return self.trainer.model.copy()


class RunManager:
    """The runs of one browser tab."""

    def __init__(self):
        self.runs: list[Run] = []

    def new_run(self, label, dataset, data, model_config, train_config, device) -> Run:
        run = Run(label, dataset, data, model_config, train_config, device)
        self.runs.append(run)
        return run

    @property
    def current(self):
        return self.runs[-1] if self.runs else None

    def get(self, run_id):
        return next((r for r in self.runs if r.id == run_id), None)

    def latest_model(self):
        """(model snapshot, vocab, label) of the newest run that has trained at least one step, or None."""
        for run in reversed(self.runs):
            if run.trainer.step_num > 0:
                return run.model_snapshot(), run.vocab, f"run {run.id}: {run.label}"
        return None

    def release(self):
        for run in self.runs:
            run.stop()


def _release(manager):
    manager.release()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def session_runs() -> RunManager:
    """This browser tab's runs; released (threads stopped) when the tab goes."""
    return RunManager()
