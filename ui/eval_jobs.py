"""Evaluations done once per model, off the request path (issue 13), as jobs of ui.jobs.

A training run that finishes hands its model here; the evaluation (`evaluation.evaluate`: every
split loss, BatchNorm's four modes, the calibration) runs in the background while the learner is
still on the Training page, and the Evaluation page finds the result ready. A model the page asks
for that nobody submitted (a checkpoint, a run stopped early) is queued the same way. Server-wide,
keyed by (model key, data key); it waits for a slot like every other job and every training run
(a class finishing thirty runs at once queues thirty evaluations). No Streamlit here: the run's
thread calls it too.
"""
from makemore_core import evaluation
from ui import jobs

BATCH_OF_ONE_EXAMPLES = 2048   # enough to show the NaN; every one of them is NaN


def data_key(dataset) -> str:
    """Identity of a word list (for caches of results computed on its splits)."""
    return dataset.digest[:16]


def key_of(model_key: str, data_key: str) -> tuple:
    return ("evaluation", model_key, data_key)


def submit(model_key: str, data_key: str, model, data) -> jobs.Job:
    """The evaluation of `model` on `data` under this key: the one already queued or done, else a new
    one, on a copy of `model` taken now (the page samples with swapped BatchNorm buffers meanwhile)."""
    key = key_of(model_key, data_key)
    found = jobs.find(key)
    if found is not None and found.error is None:
        return found
    copy = model.copy().eval()
    return jobs.submit(key, lambda job: evaluation.evaluate(copy, data, max_examples=BATCH_OF_ONE_EXAMPLES),
                       label="evaluation")


def find(model_key: str, data_key: str):
    return jobs.find(key_of(model_key, data_key))


def run_finished(run):
    """Queue the evaluation of a run that has just finished, under the key the pages give its model."""
    with run.lock:   # the copy is taken under the lock
        return submit(f"run:{run.id}@{run.trainer.step_num}", run.data_key, run.trainer.model, run.data)
