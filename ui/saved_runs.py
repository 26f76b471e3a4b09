"""Runs kept on disk (makemore_core.run_store), so that a restart or a crash of the server loses little.

A run is saved by its own thread: every SAVE_EVERY_S seconds of training (between two chunks), when it
pauses, and when it ends (finished, diverged, stopped); every run still training is saved once more when
the server stops cleanly (SIGTERM, Ctrl-C: the app's lifespan ends; Streamlit's signal handling is left as is).
So a server killed mid-run loses at most the steps of the last SAVE_EVERY_S seconds of each run.
After a restart the runs come back with their owners (ui.runs) and their links, paused where they
were saved (a run that was training comes back paused); ended runs come back ended. A run forgotten
by ui.runs's sweeper has its file deleted: the next server does not bring it back either.

Whatever a run holds for its charts is listed in CHART_FIELDS, the one place saves and restores read.
No st.* here but through ui.state's caches (the restore builds the data set's tensors).
"""
import atexit
import logging
import os
import re
import threading
import time
import weakref

from makemore_core import run_store
from makemore_core.data import Dataset

SAVE_EVERY_S = float(os.environ.get("MAKEMORE_RUN_SAVE_S", "10"))
# Replicas that share one cache folder each name themselves, so that each brings back its own runs
SERVER = re.sub(r"[^\w.-]", "_", os.environ.get("MAKEMORE_SERVER_NAME", ""))[:64]
ENABLED = os.environ.get("MAKEMORE_SAVE_RUNS", "1") != "0"   # the test suite turns it off except where it tests it
CHART_FIELDS = ("series", "latest_stats", "snapshots")      # what a run holds for its charts (absent: not saved)
ENDED_STATES = ("finished", "diverged", "stopped")
log = logging.getLogger(__name__)


class _Saving:
    """One run's saving: the lock that orders its writes, when it was last saved, and whether it was forgotten."""

    def __init__(self):
        self.lock = threading.Lock()
        self.at = time.monotonic()
        self.forgotten = False


_saving = weakref.WeakKeyDictionary()   # run -> _Saving
_saving_guard = threading.Lock()


def folder():
    """Where this server keeps its runs (read at each use: tests point MAKEMORE_CACHE_DIR elsewhere)."""
    return run_store.directory(SERVER)


def _of(run) -> _Saving:
    with _saving_guard:
        return _saving.setdefault(run, _Saving())


def _default_data_key():
    from ui import eval_jobs, state
    return eval_jobs.data_key(state.default_dataset())


def record(run) -> tuple[bytes, dict]:
    """(meta as JSON, tensors) of a run; call with run.lock held (the JSON is written now, a copy)."""
    meta, tensors = run_store.trainer_state(run.trainer)
    state = run.state if run.state in ENDED_STATES else "paused"
    meta["run"] = {
        "link": run.link, "number": run.number, "owner": run.owner, "created": run.created, "label": run.label,
        "data_set": run.dataset_name, "data_key": run.data_key, "device": run.device, "source": run.source,
        "engine": run.engine, "stage": run.stage, "state": state, "error": run.error,
        "charts": {name: getattr(run, name) for name in CHART_FIELDS if hasattr(run, name)},
    }
    words = getattr(run, "words", None)
    if words is not None and run.data_key != _default_data_key():   # an uploaded list travels with its runs
        meta["run"]["words"] = "\n".join(words)
    return run_store.dumps(meta), tensors


def save(run, ended=None) -> int | None:
    """Save the run as it is now; returns the file's size, or None when not saved (turned off, forgotten,
    or the disk refused it: one line in the log, the run trains on)."""
    if not ENABLED:
        return None
    saving = _of(run)
    if saving.forgotten:
        return None
    with run.lock:
        meta_json, tensors = record(run)
    ended = run.state in ENDED_STATES if ended is None else ended
    with saving.lock:
        if saving.forgotten:
            return None
        saving.at = time.monotonic()
        try:
            return run_store.save(run.link, meta_json, tensors, ended, folder())
        except OSError as e:
            log.warning("makemore lab: run %s not saved: %s", run.link, e)
            return None


def save_if_due(run):
    """Called by a training run between two chunks: saved when SAVE_EVERY_S have passed since its last save."""
    if ENABLED and time.monotonic() - _of(run).at >= SAVE_EVERY_S:
        save(run, ended=False)


def forget(run):
    """The run is forgotten by this server (its owner's keep time ended): its file goes, and no later save
    of its thread writes it again."""
    saving = _of(run)
    with saving.lock:
        saving.forgotten = True
        if ENABLED:
            run_store.remove(run.link, folder())


@atexit.register
def save_all():
    """A clean stop (ui.warm's lifespan calls it when the server stops on SIGTERM or Ctrl-C; atexit where
    Python exits normally): save every run that may train on, where it is now (a paused one too: its
    learning rate may have been changed since it paused)."""
    from ui.training_run import ACTIVE_STATES, all_runs
    for run in all_runs():
        if run.state in ACTIVE_STATES:
            run.pause()
            save(run, ended=False)


# ---------------------------------------------------------------- after a restart

def _dataset(info):
    """The data set a saved run trained on: the default list, or the list saved with it."""
    from ui import state
    if info["data_key"] == _default_data_key():
        return state.default_dataset()
    if "words" not in info:
        raise run_store.RunFileError("its word list was not saved with it")
    dataset = Dataset.from_words(info["words"].split("\n"), name=str(info["data_set"]))
    if dataset.digest[:len(info["data_key"])] != info["data_key"]:
        raise run_store.RunFileError("its word list does not match the one it trained on")
    return dataset


def _rebuild(meta, tensors):
    """A Run (ui.training_run) from a saved one, paused (or ended) where it was saved, no thread yet."""
    from ui import state
    from ui.training_run import Run
    info = meta["run"]
    dataset = _dataset(info)
    model = run_store.load_model(meta, tensors, state.device())
    data = state.dataset_tensors(dataset, model.config.block_size)
    # the engine is made when the run trains again (Run.start): no compile for runs that may never resume
    run = Run(str(info["label"]), dataset, data, model.config, run_store.train_config(meta), state.device(),
              model=model, source=str(info["source"]), engine="eager", owner=str(info["owner"]), stage=info["stage"])
    run.engine = str(info["engine"])
    run_store.restore_trainer(run.trainer, meta, tensors)
    run.link, run.number, run.created = str(info["link"]), int(info["number"]), float(info["created"])
    run.label, run.error = str(info["label"]), info["error"]
    run.state = info["state"] if info["state"] in ENDED_STATES else "paused"
    for name, value in info["charts"].items():
        if name in CHART_FIELDS:
            setattr(run, name, value)
    if run.latest_stats is not None:
        run.latest_stats = tuple(run.latest_stats)
        run.trainer.stats = [run.latest_stats]
    _of(run)   # saved just now, as far as the next save is concerned
    return run


def restore() -> list:
    """Every run saved in the cache folder, rebuilt, oldest first; one that cannot be is skipped with one
    line in the log."""
    if not ENABLED:
        return []
    def created(item):
        info = item[0].get("run")
        return info.get("created", 0.0) if isinstance(info, dict) and isinstance(info.get("created"), float) else 0.0

    runs = []   # rebuilt oldest first: the run ids (ui.runs lists runs by id) keep their order
    for meta, tensors in sorted(run_store.load_all(folder()), key=created):
        try:
            runs.append(_rebuild(meta, tensors))
        except Exception as e:   # noqa: BLE001 - any damage means the same: skipped, said once, never a crash
            link = (meta.get("run") or {}).get("link", "?") if isinstance(meta.get("run"), dict) else "?"
            log.warning("makemore lab: saved run %s skipped: %s: %s", str(link)[:40], type(e).__name__,
                        str(e).splitlines()[0][:200] if str(e) else "")
    return runs
