"""The server's background work, on one runner with one bound (issue 24 step 7, issue 28 item 1).

Every slow computation a page asks for (a finished model's evaluation, the Lecture's chapter runs,
the loss log, the exercises) is a keyed job: the first request claims the key under the lock and
starts it; every later request for that key, from any browser, gets the same job and reads its
progress and result. A job computes only once it holds a slot of SLOTS, and students' training runs
take their slots from the same SLOTS: at most MAKEMORE_MAX_TRAINERS computations at once, server-wide,
first come first served. No Streamlit here: run threads submit jobs too.
"""
import collections
import itertools
import os
import threading
from concurrent.futures import CancelledError

MAX_SLOTS = max(1, int(os.environ.get("MAKEMORE_MAX_TRAINERS", "2")))
MAX_KEPT = 64   # finished jobs (and their results) kept for later requests; the oldest go first
POLL_S = 0.2    # how often a waiter looks again for a stop request


class Slots:
    """At most `size` holders at once, in arrival order, at most one per owner (a browser trains one run
    at a time); a holder with owner None (a job) has no such limit. Holders need `.owner` and
    `.stop_requested` (a threading.Event: set, the holder leaves the queue)."""

    def __init__(self, size: int):
        self.size = size
        self.changed = threading.Condition()
        self.waiting = []             # first come first
        self.holding = []

    def may_start(self, holder) -> bool:
        busy = {h.owner for h in self.holding if h.owner is not None}
        first = next((h for h in self.waiting if h.owner is None or h.owner not in busy), None)
        return first is holder and len(self.holding) < self.size

    def acquire(self, holder) -> bool:
        """Wait for a slot; False when the holder was stopped meanwhile."""
        with self.changed:
            self.waiting.append(holder)
            try:
                while not self.may_start(holder):
                    if holder.stop_requested.is_set():
                        return False
                    self.changed.wait(POLL_S)
                self.holding.append(holder)
                return True
            finally:
                self.waiting.remove(holder)
                self.changed.notify_all()

    def release(self, holder):
        with self.changed:
            if holder in self.holding:
                self.holding.remove(holder)
            self.changed.notify_all()

    def position(self, holder):
        """1 for the next to start, or None when the holder is not waiting."""
        with self.changed:
            return self.waiting.index(holder) + 1 if holder in self.waiting else None

    def busy(self) -> int:
        with self.changed:
            return len(self.holding)


SLOTS = Slots(MAX_SLOTS)


class Job:
    """One keyed computation: its progress while it runs, then its result or its error. Reads like a
    concurrent.futures.Future (done(), result(timeout)) for the pages that waited on one."""

    owner = None                      # jobs are not limited per owner (see Slots)

    def __init__(self, key, slots: Slots, label: str = ""):
        self.key, self.slots, self.label = key, slots, label
        self.state = "waiting"        # waiting (for a slot) | running | done | failed
        self.fraction, self.text = 0.0, ""
        self.value = None
        self.error = None             # the exception, when it failed
        self.stop_requested = threading.Event()
        self._ended = threading.Event()

    def report(self, fraction: float, text: str = ""):
        """Called by the computation: how far it is (0..1) and what it does now."""
        self.fraction, self.text = min(max(float(fraction), 0.0), 1.0), text

    def done(self) -> bool:
        return self._ended.is_set()

    def wait(self, timeout=None) -> bool:
        return self._ended.wait(timeout)

    def result(self, timeout=None):
        if not self._ended.wait(timeout):
            raise TimeoutError(f"job {self.key!r} still running after {timeout} s")
        if self.error is not None:
            raise self.error
        return self.value

    def position(self):
        """Its place among everything waiting for a slot (training runs included), or None."""
        return self.slots.position(self)


class Runner:
    """Keyed jobs, each computed once on a thread of its own once it holds a slot of `slots`."""

    def __init__(self, slots: Slots, kept: int = MAX_KEPT):
        self.slots, self.kept = slots, kept
        self.jobs = collections.OrderedDict()   # key -> Job, the latest used last
        self.lock = threading.Lock()
        self.names = itertools.count(1)

    def find(self, key):
        with self.lock:
            return self.jobs.get(key)

    def submit(self, key, compute, label: str = "") -> Job:
        """The job for `key`: the one waiting, running or done, else a new one running compute(job) (a
        failed one is tried again). The key is claimed under the lock before anything is computed."""
        with self.lock:
            job = self.jobs.get(key)
            if job is not None and job.error is None:
                self.jobs.move_to_end(key)
                return job
            job = self.jobs[key] = Job(key, self.slots, label)
            self._forget_oldest()
        threading.Thread(target=self._run, args=(job, compute), daemon=True,
                         name=f"makemore-job-{next(self.names)}").start()
        return job

    def _forget_oldest(self):
        ended = [k for k, j in self.jobs.items() if j.done()]
        for k in ended[:max(len(self.jobs) - self.kept, 0)]:
            del self.jobs[k]

    def _run(self, job: Job, compute):
        try:
            if not self.slots.acquire(job):
                raise CancelledError(f"job {job.key!r} cancelled before it started")
            try:
                job.state = "running"
                job.value = compute(job)
                job.fraction = 1.0
            finally:
                self.slots.release(job)
        except BaseException as e:   # noqa: BLE001 - kept for the page to show; the thread must not die silently
            job.error = e
        job.state = "failed" if job.error is not None else "done"
        job._ended.set()


RUNNER = Runner(SLOTS)
submit = RUNNER.submit
find = RUNNER.find
