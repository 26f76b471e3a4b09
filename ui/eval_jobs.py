"""Evaluations done once per model, off the request path (issue 13).

A training run that finishes hands its model here; one background worker evaluates it
(`evaluation.evaluate`: every split loss, BatchNorm's four modes, the calibration) while the learner
is still on the Training page, and the Evaluation page finds the result ready. A model the page asks
for that nobody submitted (a checkpoint, a run stopped early) is queued the same way. Server-wide,
keyed by (model key, data key), the newest MAX_KEPT results kept. No Streamlit here: the run's
thread calls it too.
"""
import collections
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from makemore_core import evaluation

BATCH_OF_ONE_EXAMPLES = 2048   # enough to show the NaN; every one of them is NaN
MAX_KEPT = 32

# One worker: a class finishing thirty runs at once queues thirty evaluations instead of running them
# side by side on two cores (evaluate() already uses a second thread of its own).
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="makemore-eval")
_jobs: collections.OrderedDict = collections.OrderedDict()   # (model key, data key) -> Future
_lock = threading.Lock()


def data_key(dataset) -> str:
    """Identity of a word list (for caches of results computed on its splits)."""
    return dataset.digest[:16]


def submit(model_key: str, data_key: str, model, data) -> Future:
    """The evaluation of `model` on `data` under this key: the one already queued or done, else a new
    one, on a copy of `model` (the page samples with swapped BatchNorm buffers while the worker reads)."""
    key = (model_key, data_key)
    with _lock:
        if key in _jobs:
            _jobs.move_to_end(key)
            return _jobs[key]
        job = _worker.submit(evaluation.evaluate, model.copy().eval(), data, max_examples=BATCH_OF_ONE_EXAMPLES)
        _jobs[key] = job
        while len(_jobs) > MAX_KEPT:
            _jobs.popitem(last=False)
        return job


def run_finished(run):
    """Queue the evaluation of a run that has just finished, under the key the pages give its model."""
    with run.lock:   # the copy is taken under the lock
        return submit(f"run:{run.id}@{run.trainer.step_num}", run.data_key, run.trainer.model, run.data)
