"""The server-wide queue of training runs: the slots of ui.jobs, which finished-run evaluations and the
Lecture's computations take too, so at most MAKEMORE_MAX_TRAINERS computations run at once, first come
first served, at most one training run per owner; a paused run gives its slot back."""
from ui import jobs

MAX_TRAINERS = jobs.MAX_SLOTS
queue = jobs.SLOTS


def running_trainers() -> int:
    """How many slots are taken on this server now (training runs and jobs)."""
    return queue.busy()


def queued_runs() -> int:
    with queue.changed:
        return len(queue.waiting)


def queue_position(run):
    return queue.position(run)
