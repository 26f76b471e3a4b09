"""The server-wide queue of training runs: at most MAX_TRAINERS train at once, first come first served,
at most one training run per owner; a paused run gives its slot back."""
import os
import threading

MAX_TRAINERS = max(1, int(os.environ.get("MAKEMORE_MAX_TRAINERS", "2")))


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


queue = TrainingQueue()


def running_trainers() -> int:
    """How many runs hold a training slot on this server now."""
    return len(queue.training)


def queued_runs() -> int:
    return len(queue.waiting)


def queue_position(run):
    return queue.position(run)
