"""A server killed mid-run (SIGKILL) and started again on the same cache folder: the owner's browser finds
its run again, paused at a step no earlier than its last save, and Resume trains it on; a clean stop
(SIGTERM) while it trains saves it where it is."""
import os
import re
import signal
import time

import pytest
from conftest import start_app_server, stop_server, wait_for_app
from test_browser_training import TRAINING_URL, click, steps_shown, wait_for_steps_above

from makemore_core import run_store

pytestmark = pytest.mark.browser


# the run's status line, drawn: its state and its step counter
PAUSED_AT_A_STEP = """() => { const t = document.querySelector('[data-testid=stMainBlockContainer]')?.innerText || '';
    return /step [\\d,]+ \\/ [\\d,]+/.test(t) && t.includes('paused'); }"""


def saved(cache):
    """(link, step, state) of each run file in the cache folder."""
    return [(m["run"]["link"], m["step"], m["run"]["state"]) for m, _ in run_store.load_all(cache / "runs" / "default")]


def test_a_killed_server_gives_the_owner_back_its_run_paused(browser, tmp_path):
    cache = tmp_path / "cache"
    env = {"MAKEMORE_CACHE_DIR": str(cache), "MAKEMORE_SAVE_RUNS": "1"}   # the default save interval (10 s)
    proc, url = start_app_server(env)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{url}/training")
        wait_for_app(page)
        click(page, "Start a new run")
        wait_for_steps_above(page, 0, timeout=60)
        link = re.search(r"run=([\w-]+)", page.url).group(1)
        deadline = time.time() + 60
        while not saved(cache) and time.time() < deadline:   # its first save, after SAVE_EVERY_S of training
            time.sleep(0.5)
        (saved_link, saved_step, state), = saved(cache)
        assert saved_link == link and saved_step > 0 and state == "paused"   # "paused": it comes back paused
        shown_before = wait_for_steps_above(page, saved_step)
        os.kill(proc.pid, signal.SIGKILL)                    # a crash: no clean exit, no last save
        proc.wait(10)
        (_, last_save, _), = saved(cache)                    # the newest whole file the dead server left
        # the new server saves only at a pause, an end or a clean stop: the last check sees the stop's save
        proc, url = start_app_server({**env, "MAKEMORE_RUN_SAVE_S": "3600"})
        page.goto(f"{url}/training?run={link}")              # the owner's browser, its cookie, its link
        page.wait_for_url(TRAINING_URL)
        wait_for_app(page)
        page.wait_for_function(PAUSED_AT_A_STEP, timeout=30_000)
        back_at = steps_shown(page)
        assert back_at == last_save >= saved_step
        print(f"\nSIGKILL restart: the page showed step {shown_before:,} before the kill; the run came back at "
              f"step {back_at:,} (its last save); lost about {shown_before - back_at:,} steps")
        assert "There is no run" not in page.inner_text("body")
        assert page.get_by_role("button", name="Pause", exact=True).is_disabled()
        click(page, "Resume")                                # its owner's controls: not watched read-only
        before_stop = wait_for_steps_above(page, back_at + 20, timeout=60)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "training" in page.inner_text('[data-testid="stMainBlockContainer"]')
        context.close()                                      # (the run trains on; no connection to wind down)
        proc.terminate()                                     # a clean stop (SIGTERM) while it trains ...
        proc.wait(timeout=120)                               # (however loaded the machine: no kill after 10 s)
        assert proc.returncode == -signal.SIGTERM            # stopped by it
    finally:
        context.close()
        stop_server(proc)
    # ... saves it where it is at the exit: past the step the page showed just before, paused
    (_, final_step, final_state), = saved(cache)
    assert final_step >= before_stop and final_state == "paused"
