"""Watching starves training? (issue 30 item 4). Total training throughput of a server while every
student watches their own run, with 2 students and with N, measured one after the other in one run.

    python bench/watchers.py [--students 30] [--seconds 40]

Each student is a WebSocket session (tests/streamlit_client.py) that opens the Training page, starts a
long run and then reruns the page's live fragments as a browser does: at the intervals the server asks
for (its auto_rerun messages). At most MAKEMORE_MAX_TRAINERS (2) runs train at once; the others wait in
line and their students watch them wait. Throughput: the steps of every run between the first and the
last reading of the window, per second, read from the status lines the sessions receive.
"""
import argparse
import asyncio
import os
import re
import sys
import time
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import start_app_server  # noqa: E402
from streamlit_client import Session, _describe  # noqa: E402

STEP = re.compile(r"step ([\d,]+) / ([\d,]+)")
FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FRAGMENT_FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
SERVER_ENV = {"MAKEMORE_KEEP_RUNS_S": "5", "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "2"}


class Watcher(Session):
    """A session that honours auto_rerun like a browser tab, and remembers the latest step it was shown."""

    def __init__(self, url):
        super().__init__(url, "training", "steps=2000000")
        self.fragments = {}           # fragment id -> rerun interval (s)
        self.step = 0
        self.fragment_runs = 0

    async def _read_until_finished(self):
        """Read a script run's messages (a full run or a fragment's) as the tab would, until it finished."""
        asked = {}                        # the auto_rerun requests of this run
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "auto_rerun":
                asked[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self.elements[tuple(msg.metadata.delta_path)] = element = _describe(msg.delta.new_element)
                found = STEP.search(element[1])
                if found:
                    self.step = int(found.group(1).replace(",", ""))
            elif kind == "script_finished" and msg.script_finished == FINISHED:
                self.fragments = asked    # a full run: the fragments that refresh are those it asked for
                return
            elif kind == "script_finished" and msg.script_finished == FRAGMENT_FINISHED:
                self.fragments.update(asked)
                return

    async def rerun_fragment(self, fragment_id):
        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        msg.rerun_script.query_string = self.query
        msg.rerun_script.fragment_id = fragment_id
        msg.rerun_script.is_auto_rerun = True
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._read_until_finished(), 60)
        self.fragment_runs += 1

    async def watch(self, until):
        """Rerun each live fragment at its interval until `until` (time.monotonic())."""
        due = {}
        while time.monotonic() < until:
            now = time.monotonic()
            for fragment, interval in list(self.fragments.items()):
                if due.setdefault(fragment, now + interval) <= now:
                    due[fragment] = now + interval
                    await self.rerun_fragment(fragment)
            await asyncio.sleep(0.05)


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def throughput(url, pid, students, seconds):
    """(steps per second of all runs together, fragment reruns per second, the server's CPU seconds per
    second) over the window."""
    sessions = [Watcher(url) for _ in range(students)]
    await asyncio.gather(*(s.open() for s in sessions))
    await asyncio.gather(*(s.run(120) for s in sessions))
    await asyncio.gather(*(s.run(120, trigger=s.button("Start a new run")) for s in sessions))
    warm = time.monotonic() + 8                     # the runs start and the views settle
    await asyncio.gather(*(s.watch(warm) for s in sessions))
    steps0, runs0, t0 = sum(s.step for s in sessions), sum(s.fragment_runs for s in sessions), time.monotonic()
    cpu0 = cpu_seconds(pid)
    await asyncio.gather(*(s.watch(t0 + seconds) for s in sessions))
    elapsed = time.monotonic() - t0
    cpu = (cpu_seconds(pid) - cpu0) / elapsed
    steps = sum(s.step for s in sessions) - steps0
    reruns = sum(s.fragment_runs for s in sessions) - runs0
    await asyncio.gather(*(s.close() for s in sessions))
    return steps / elapsed, reruns / elapsed, cpu


def measure(students, seconds):
    proc, url = start_app_server(SERVER_ENV)
    try:
        return asyncio.run(throughput(url, proc.pid, students, seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--seconds", type=float, default=40)
    p.add_argument("--rounds", type=int, default=1, help="2 then N students, this many times (the machine is shared)")
    args = p.parse_args()
    ratios = []
    for _ in range(args.rounds):
        load = os.getloadavg()[0]
        figures = {n: measure(n, args.seconds) for n in (2, args.students)}
        for n, (rate, reruns, cpu) in figures.items():
            print(f"{n} students watching: {rate:.0f} steps/s in all, {reruns:.1f} fragment reruns/s, "
                  f"server CPU {cpu:.2f} s/s")
        ratios.append(figures[args.students][0] / figures[2][0])
        print(f"ratio {ratios[-1]:.0%} of the 2-student throughput; load average {load:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after", flush=True)
    print(f"median ratio over {len(ratios)} rounds: {sorted(ratios)[len(ratios) // 2]:.0%}")


if __name__ == "__main__":
    main()
