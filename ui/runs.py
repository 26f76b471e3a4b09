"""Whose runs they are and how long they are kept: runs outlive the tab that started them.

Runs (ui.training_run) belong to an owner, the browser that started them (its XSRF cookie, which
survives a reload and a network blip; a tab's session where there is none), and live in a server-wide
registry, not in the tab's session: a reload or a reconnect finds them again. When no tab of the owner
has been connected for KEEP_S seconds, its runs are stopped and forgotten. Any tab may watch a run by
its id (the Training page's ?run= link), read-only when it is someone else's. Runs are kept on disk too
(ui.saved_runs): after a restart the first request brings them back to their owners, paused.
"""
import hashlib
import os
import threading
import time

import streamlit as st

from ui import saved_runs
from ui.training_run import Run

KEEP_S = float(os.environ.get("MAKEMORE_KEEP_RUNS_S", "1800"))   # runs kept after the owner's last tab left
MAX_WAITING = 3   # runs one browser may have waiting for a training slot: 80 of them inflated everyone's place in line


def find_run(link):
    """A run this server still keeps, by its link (the ?run= of an address), or None: a run forgotten with its
    owner is not watchable any more, even while something still holds it."""
    return next((r for r in kept_runs() if r.link == link), None)


def run_by_id(run_id):
    """A run this server still keeps, by its id, or None."""
    return next((r for r in kept_runs() if r.id == run_id), None)


def kept_runs() -> list:
    """The runs of every owner this server keeps (not yet forgotten), oldest first."""
    restore_saved()
    with _managers_lock:
        return sorted((r for m in _managers.values() for r in m.runs), key=lambda r: r.id)


class RunManager:
    """The runs of one owner (a browser), kept server-wide: every tab of that browser sees them."""

    def __init__(self, owner: str = ""):
        self.owner = owner or f"manager-{id(self)}"
        self.runs: list[Run] = []
        self.numbered = 0             # runs this browser has started (their numbers)
        self.shown_id = None          # the run the Training page shows; None after "Stop & reset"
        self.viewers = 0              # tabs of this owner connected now
        self.left_at = None           # when the last one left

    def new_run(self, label, dataset, data, model_config, train_config, device, model=None, source="",
                engine="eager", stage=None) -> Run:
        """A new run of this owner; ValueError (a sentence for the learner) when too many already wait."""
        waiting = sum(r.state == "queued" for r in self.runs)
        if waiting >= MAX_WAITING:
            raise ValueError(f"{waiting} of your runs are already waiting for a training slot, the most one browser "
                             "may queue. Stop one, or wait until one of them starts.")
        run = Run(label, dataset, data, model_config, train_config, device, model=model, source=source, engine=engine,
                  owner=self.owner, stage=stage)
        self.numbered += 1            # per browser: a learner's first run is run 1, whatever others ran
        run.number = self.numbered
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
        return None if run is None else (run.model_snapshot(), run.vocab, f"run {run.number}: {run.label}")

    def release(self):
        """Stop and drop every run, and its file: once their threads end, nothing of this server holds them."""
        for run in self.runs:
            saved_runs.forget(run)
            run.stop()
        self.runs.clear()
        self.shown_id = None


_managers: dict[str, RunManager] = {}   # owner -> its runs, server-wide
_managers_lock = threading.Lock()
_restored = False
_restore_lock = threading.Lock()


def restore_saved() -> int:
    """Bring back the runs saved by an earlier server (ui.saved_runs), once, before any run is listed (at server
    start: ui.warm): each to its owner, who has KEEP_S from now to come back for them. Returns how many."""
    global _restored
    if _restored:
        return 0
    with _restore_lock:
        if _restored:
            return 0
        back = saved_runs.restore()
        with _managers_lock:
            for run in back:
                manager = _managers.setdefault(run.owner, RunManager(run.owner))
                manager.runs.append(run)
                manager.numbered = max(manager.numbered, run.number)
                manager.shown_id = run.id
                if manager.viewers <= 0:
                    manager.left_at = time.time()
            if back:
                _wake_sweeper()
        _restored = True
        return len(back)


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
            _wake_sweeper()


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


# One sweeper thread for the server: it sleeps until the next owner's keep time ends (a timer thread per
# disconnect made 200 threads for 200 reconnects, each living 30 minutes).
_sweep = threading.Condition(_managers_lock)
_sweeper = None


def _wake_sweeper():
    """Tell the sweeper (started once) that a keep time began; call with _managers_lock held."""
    global _sweeper
    if _sweeper is None or not _sweeper.is_alive():
        _sweeper = threading.Thread(target=_sweep_forever, name="makemore-run-sweeper", daemon=True)
        _sweeper.start()
    _sweep.notify()


def _sweep_forever():
    while True:
        with _sweep:
            ends = [m.left_at + KEEP_S for m in _managers.values() if m.viewers <= 0 and m.left_at is not None]
            _sweep.wait(max(0.0, min(ends) - time.time()) if ends else None)
        expire_idle()


def keep_runs_alive():
    """Count this tab as a viewer of its browser's runs: any page, so that a tab which reconnects on a page
    that lists no runs (Home, Lecture, ...) still keeps them from being forgotten."""
    restore_saved()
    _viewer(owner_id())


def session_runs() -> RunManager:
    """The runs of this tab's owner (its browser), found again after a reload or a reconnect."""
    owner = owner_id()
    keep_runs_alive()
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
