"""Whose runs they are and how long they are kept: runs outlive the tab that started them.

Runs (ui.training_run) belong to an owner, the browser that started them (its XSRF cookie, which
survives a reload and a network blip; a tab's session where there is none), and live in a server-wide
registry, not in the tab's session: a reload or a reconnect finds them again. When no tab of the owner
has been connected for KEEP_S seconds, its runs are stopped and forgotten. Any tab may watch a run by
its id (the Training page's ?run= link), read-only when it is someone else's.
"""
import hashlib
import os
import threading
import time

import streamlit as st

from ui.training_run import Run, all_runs

KEEP_S = float(os.environ.get("MAKEMORE_KEEP_RUNS_S", "1800"))   # runs kept after the owner's last tab left


def find_run(link):
    """Any run on this server by its link (the ?run= of an address), or None."""
    return next((r for r in all_runs() if r.link == link), None)


class RunManager:
    """The runs of one owner (a browser), kept server-wide: every tab of that browser sees them."""

    def __init__(self, owner: str = ""):
        self.owner = owner or f"manager-{id(self)}"
        self.runs: list[Run] = []
        self.shown_id = None          # the run the Training page shows; None after "Stop & reset"
        self.viewers = 0              # tabs of this owner connected now
        self.left_at = None           # when the last one left

    def new_run(self, label, dataset, data, model_config, train_config, device, model=None, source="",
                engine="eager", stage=None) -> Run:
        run = Run(label, dataset, data, model_config, train_config, device, model=model, source=source, engine=engine,
                  owner=self.owner, stage=stage)
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
