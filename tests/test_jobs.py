"""ui.jobs: a keyed job is computed once however many ask, and every kind of work shares one bound."""
import threading
import time

import pytest

from ui import jobs


class Holder:
    """Stands for a training run in the queue: an owner and a stop request."""

    def __init__(self, owner):
        self.owner, self.stop_requested = owner, threading.Event()


def test_two_concurrent_requests_for_one_key_compute_once():
    runner = jobs.Runner(jobs.Slots(2))
    calls, release = [], threading.Event()

    def compute(job):
        calls.append(1)
        job.report(0.5, "half")
        release.wait(30)
        return {"answer": 42}

    start = threading.Barrier(8)
    got = []

    def ask():
        start.wait(30)
        got.append(runner.submit("same key", compute))

    askers = [threading.Thread(target=ask) for _ in range(8)]
    for t in askers:
        t.start()
    for t in askers:
        t.join(30)
    assert len(got) == 8 and all(job is got[0] for job in got)
    release.set()
    assert got[0].result(timeout=30) == {"answer": 42}
    assert len(calls) == 1
    assert runner.submit("same key", compute) is got[0] and len(calls) == 1   # later: the result, no new run


def test_a_failed_job_reports_its_error_and_is_tried_again():
    runner = jobs.Runner(jobs.Slots(1))
    first = runner.submit("k", lambda job: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        first.result(timeout=30)
    assert first.state == "failed"
    second = runner.submit("k", lambda job: "fine")
    assert second is not first and second.result(timeout=30) == "fine"


def test_the_bound_is_shared_by_jobs_of_every_kind_and_training_runs():
    slots = jobs.Slots(2)
    runner = jobs.Runner(slots)
    trainer = Holder("browser-1")
    assert slots.acquire(trainer)                      # a student's run holds one slot
    running, most, lock, release = [], [0], threading.Lock(), threading.Event()

    def compute(job):
        with lock:
            running.append(job.key)
            most[0] = max(most[0], slots.busy())
        release.wait(30)
        with lock:
            running.remove(job.key)
        return job.key

    submitted = [runner.submit(("evaluation", 1), compute), runner.submit(("lecture", "curves"), compute),
                 runner.submit(("loss-log", "x"), compute)]
    assert _until(lambda: len(running) == 1)
    waiting = [job for job in submitted if job.state == "waiting"]
    assert len(waiting) == 2 and all(job.position() for job in waiting)   # in line behind the one slot left
    second_run = Holder("browser-2")
    in_line = threading.Thread(target=slots.acquire, args=(second_run,))
    in_line.start()
    assert _until(lambda: slots.position(second_run) == 3)   # after the two jobs that came first
    slots.release(trainer)
    release.set()
    assert [job.result(timeout=30) for job in submitted] == [job.key for job in submitted]
    in_line.join(30)
    assert second_run in slots.holding and most[0] <= 2
    slots.release(second_run)
    assert slots.busy() == 0


def test_one_training_run_per_owner_but_jobs_are_not_limited_per_owner():
    slots = jobs.Slots(3)
    a1, a2 = Holder("a"), Holder("a")
    assert slots.acquire(a1)
    second = threading.Thread(target=slots.acquire, args=(a2,))
    second.start()
    assert _until(lambda: slots.position(a2) == 1)
    runner = jobs.Runner(slots)
    job = runner.submit("k", lambda job: "done")   # passes the owner's second run, which must wait
    assert job.result(timeout=30) == "done"
    assert slots.position(a2) == 1
    a2.stop_requested.set()                          # a stopped run leaves the line
    second.join(30)
    assert a2 not in slots.holding and slots.position(a2) is None


def _until(predicate, timeout=30.0) -> bool:
    """Poll until predicate() holds (the other threads move on their own)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_training_runs_and_jobs_take_their_slots_from_the_same_bound(dataset, data, monkeypatch, stop_all_runs):
    from makemore_core.model import ModelConfig
    from makemore_core.training import TrainConfig
    from ui import run_queue
    from ui.training_run import Run
    monkeypatch.setattr(run_queue.queue, "size", 1)
    run = Run("test", dataset, data, ModelConfig(vocab_size=len(dataset.vocab), n_hidden=16, hidden_layers=1),
              TrainConfig(steps=1_000_000, eval_every=0), "cpu")
    run.start()
    assert run.wait_until(lambda r: r.state == "running", 30)
    job = jobs.submit(("test", "bound"), lambda job: list(run_queue.queue.holding) == [job])   # behind the run
    assert _until(lambda: job.position() == 1) and job.state == "waiting" and not job.done()
    run.stop()
    assert job.result(timeout=30)   # it ran alone, once the run had given its slot back
