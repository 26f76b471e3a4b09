"""The loss log's 200,000-step runs, as one job of ui.jobs per data set, shared by the whole server.

A learner's click starts the missing stages one after another; the page only reads the progress,
so the run survives reruns, other widgets and page switches, and a second learner who clicks
meanwhile joins the same run. It waits for a slot like every other job and every training run.
Results go to makemore_core.lossbook's disk cache."""
import itertools
import threading
from dataclasses import dataclass, field

from makemore_core import lossbook
from ui import jobs


@dataclass
class Job:
    stages: list
    stage: str = ""            # the stage training now
    done: int = 0              # its steps so far
    total: int = 1
    finished: list = field(default_factory=list)
    error: str = ""
    runner_job: jobs.Job | None = None

    @property
    def alive(self) -> bool:
        return self.runner_job is not None and not self.runner_job.done()

    @property
    def fraction(self) -> float:
        return min((len(self.finished) + self.done / max(self.total, 1)) / max(len(self.stages), 1), 1.0)


_jobs: dict[str, Job] = {}
_guard = threading.Lock()
_starts = itertools.count(1)   # each start is a job of its own: a finished one is never handed back


def job(digest: str) -> Job | None:
    return _jobs.get(digest)


def start(dataset, digest: str, stages: list) -> Job:
    """Run these stages on this data set in the background, unless a run for it is going already."""
    with _guard:
        current = _jobs.get(digest)
        if current is not None and current.alive:
            return current
        new = _jobs[digest] = Job(list(stages))
        new.runner_job = jobs.submit(("loss-log", digest, tuple(stages), next(_starts)), lambda _: _run(new, dataset),
                                     label="loss log")
        return new


def _run(job: Job, dataset):
    def progress(done, total):
        job.done, job.total = done, total
    try:
        for stage in job.stages:
            job.stage, job.done = stage, 0
            lossbook.stage_losses(dataset, stage, progress=progress)
            job.finished.append(stage)
    except Exception as e:  # noqa: BLE001 - the page shows it
        job.error = f"{type(e).__name__}: {e}"
