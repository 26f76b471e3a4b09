"""The Lecture page's "Prepare every chapter" button: the teacher's one step before a class.

It runs makemore_core.prepare (what `python -m makemore_core prepare` runs) in a background thread
of the server, one per data set, each computation as the ui.jobs job a chapter would start itself:
a chapter opened meanwhile joins the same job instead of computing it twice, and every one of them
waits for a slot like the students' runs. The thread holds no slot itself; it only hands out work.
"""
import threading
from dataclasses import dataclass, field

import streamlit as st

from makemore_core import prepare
from ui import jobs, state
from ui.lecture.compute import WAIT_S


@dataclass
class Preparation:
    fraction: float = 0.0
    text: str = "starting"
    error: str = ""
    timings: list = field(default_factory=list)
    thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


_preparations: dict[str, Preparation] = {}
_lock = threading.Lock()


def run_as_job(task, progress):
    """One task of prepare(), as the job of its name (the same key the chapter's own request uses)."""
    job = jobs.submit(("lecture", task.name), lambda j: task.run(j.report), label=task.label)
    while not job.wait(WAIT_S):
        place = job.position()
        progress(job.fraction, f"waiting for a free slot ({place} in line)" if place else job.text)
    job.result()


def start(ctx) -> Preparation:
    """Prepare every chapter for ctx's data set, unless that is under way already (claimed under the lock)."""
    data = ctx.tensors()   # this server's shared tensors, made here in the script thread
    device = state.device()
    with _lock:
        current = _preparations.get(ctx.digest)
        if current is not None and current.alive:
            return current
        new = _preparations[ctx.digest] = Preparation()

    def work():
        def report(fraction, text):
            new.fraction, new.text = fraction, text
        try:
            new.timings = prepare.prepare(ctx.dataset, report, device=device, data=lambda: data, run=run_as_job)
        except Exception as e:  # noqa: BLE001 - the page shows it
            new.error = f"{type(e).__name__}: {e}"
    new.thread = threading.Thread(target=work, daemon=True, name=f"makemore-prepare-{ctx.digest[:8]}")
    new.thread.start()
    return new


@st.fragment(run_every=1.0)
def progress_view(digest):
    """The preparation's progress, redrawn every second; the panel redraws when it ends."""
    found = _preparations.get(digest)
    if found is None or not found.alive:
        st.rerun()
    st.progress(found.fraction, text=found.text)


def render(ctx):
    """The button, its progress, or the note that every chapter is ready."""
    todo = [t for t in prepare.tasks(ctx.dataset, data=ctx.tensors) if not t.done()]
    found = _preparations.get(ctx.digest)
    if found is not None and found.error:
        st.error(f"Preparing stopped: {found.error}")
    if found is not None and found.alive:
        st.caption("Preparing every chapter (it goes on if you leave this page):")
        progress_view(ctx.digest)
    elif not todo:
        st.caption("Every chapter is prepared for this data set: each opens at once.")
    else:
        minutes = sum(t.seconds for t in todo) / 60
        if st.button("Prepare every chapter", key="lecture_prepare",
                     help="Computes everything the Lecture shows for this data set, once, into the cache every "
                          "visitor reads (the same as `python -m makemore_core prepare --data FILE`)."):
            start(ctx)
            st.rerun()
        st.caption(f"{len(todo)} computation{'s' * (len(todo) > 1)} not done yet: about {minutes:,.0f} min on a "
                   "2-core server, then every chapter opens at once. A teacher's step before class.")
