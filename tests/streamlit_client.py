"""A browser-less Streamlit session: it speaks the app's WebSocket protocol (protobuf messages on
/_stcore/stream) as a browser tab does, to measure the server alone under a class-sized load.

A session asks for a page, reads the elements the script sends until the run finishes, can press a
button by its label, and closes like a tab. It does no drawing: what it times is the server's work.
"""
import asyncio
import re
import threading
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY


class Session:
    def __init__(self, url: str, page: str, query: str = ""):
        self.stream = url.replace("http://", "ws://") + "/_stcore/stream"
        self.page, self.query = page, query
        self.ws = None
        self.session_id = None
        self.elements = {}     # delta path -> (kind, text, widget id) of the elements the last run drew

    async def open(self):
        self.ws = await websockets.connect(self.stream, subprotocols=["streamlit"], max_size=2**26)
        return self

    async def run(self, timeout: float, trigger: str | None = None) -> float:
        """Rerun the script (pressing the button whose id is `trigger`, if given); seconds until it finished."""
        started = time.perf_counter()
        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        msg.rerun_script.query_string = self.query
        if trigger:
            msg.rerun_script.widget_states.widgets.add(id=trigger, trigger_value=True)
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._read_until_finished(), timeout)
        return time.perf_counter() - started

    async def _read_until_finished(self):
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.elements = {}
                self.session_id = msg.new_session.initialize.session_id   # names the session's uploads
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self.elements[tuple(msg.metadata.delta_path)] = _describe(msg.delta.new_element)
            elif kind == "script_finished" and msg.script_finished == FINISHED:
                return     # a run that ended early for a rerun is followed by the one that counts

    def text(self) -> str:
        return "\n".join(text for _, text, _ in self.elements.values())

    def button(self, label: str) -> str | None:
        """The widget id of the button with this label, if the last run drew one."""
        return next((wid for kind, text, wid in self.elements.values() if kind == "button" and text == label), None)

    async def close(self):
        await self.ws.close()


def _describe(element):
    kind = element.WhichOneof("type")
    body = getattr(element, kind)
    text = next((getattr(body, name) for name in ("body", "text", "label") if hasattr(body, name)), "")
    return kind, str(text), getattr(body, "id", None)


# ---------------------------------------------------------------- a class of N on the Training page

STEP = re.compile(r"step ([\d,]+) / ([\d,]+)")
RUN_STATE = re.compile(r"\*\*Run \d+\*\* · .* · \*\*(\w+)\*\*")


def process_figures(pid):
    """(RSS in MB, threads) of a process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


def run_state(session):
    """(state, step, steps) of the run the session's page shows, or None."""
    text = session.text()
    state, step = RUN_STATE.search(text), STEP.search(text)
    if not state:
        return None
    done, total = (int(g.replace(",", "")) for g in step.groups()) if step else (0, 0)
    return state.group(1), done, total, "in line" in text


async def simulate_class(url, pid, students, steps, timeout=300, poll_s=2.0, settle_s=10.0):
    """N sessions open the Training page at once and each starts a run of `steps` steps; they watch until
    every run finished (or time is up), then close. Returns the figures a class would care about."""
    figures = {"students": students, "steps": steps, "first_render_s": [], "trainers_at_once": 0,
               "queued_at_once": 0, "runs_finished": 0, "unexplained_waits": 0}
    idle = process_figures(pid)
    peak, watching = list(idle), threading.Event()

    def watch():                     # the server's RSS and threads, 5 times a second
        while not watching.wait(0.2):
            try:
                rss, threads = process_figures(pid)
            except OSError:          # the server is gone (a failed class): nothing left to watch
                return
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], threads)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    sessions = [Session(url, "training", f"steps={steps}") for _ in range(students)]
    await asyncio.gather(*(s.open() for s in sessions))
    figures["first_render_s"] = sorted(await asyncio.gather(*(s.run(timeout) for s in sessions)))
    await asyncio.gather(*(s.run(timeout, trigger=s.button("Start a new run")) for s in sessions))
    deadline = time.time() + timeout
    while time.time() < deadline:
        await asyncio.sleep(poll_s)
        await asyncio.gather(*(s.run(timeout) for s in sessions))
        states = [run_state(s) for s in sessions]
        running = sum(1 for st in states if st and st[0] == "training")
        queued = [st for st in states if st and st[0] == "queued"]
        figures["trainers_at_once"] = max(figures["trainers_at_once"], running)
        figures["queued_at_once"] = max(figures["queued_at_once"], len(queued))
        # a run that waits must say where it is in line; one that is neither is a lost run
        figures["unexplained_waits"] += sum(1 for st in queued if not st[3]) + states.count(None)
        figures["runs_finished"] = sum(1 for st in states if st and st[0] == "finished" and st[1] == st[2])
        if figures["runs_finished"] == students:
            break
    watching.set()
    watcher.join()
    figures["rss_mb"] = {"idle": idle[0], "peak": peak[0]}
    figures["threads"] = {"idle": idle[1], "peak": peak[1]}
    await asyncio.gather(*(s.close() for s in sessions))
    await asyncio.sleep(settle_s)          # the server's disconnect TTL and run keep time (shortened by the caller)
    figures["rss_mb"]["after"], figures["threads"]["after"] = process_figures(pid)
    return figures
