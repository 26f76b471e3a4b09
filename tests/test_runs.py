"""ui.runs: background runs, their controls, the server-wide cap, snapshots and hints (no UI)."""
import gc
import math
import threading
import time
import weakref

import numpy as np
import pytest
import torch

from makemore_core import checkpoint
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer
from ui import run_hints, run_queue, run_series
from ui import runs as run_lib
from ui.run_series import LossHistory
from ui.training_run import Run

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors


@pytest.fixture(autouse=True)
def stop_runs(stop_all_runs):
    """Every test here leaves no training thread behind."""


def small_model(vocab_size, **kw):
    return ModelConfig(vocab_size=vocab_size, n_hidden=32, hidden_layers=2, **kw)


def make_run(dataset, data, steps=60, model=None, **train):
    model = model or small_model(len(dataset.vocab))
    return Run("test", dataset, data, model, TrainConfig(steps=steps, **train), "cpu")


def test_loss_history_downsamples_to_bucket_means():
    h = LossHistory()
    losses = list(np.linspace(3.0, 2.0, 5000))
    h.extend(losses[:1234])
    h.extend(losses[1234:])
    x, y, smooth, width = h.downsampled(limit=1000)
    assert width == 8 and len(x) == math.ceil(5000 / 8) <= 1000
    assert y[0] == pytest.approx(np.log10(losses[:8]).mean())
    assert y[-1] == pytest.approx(np.log10(losses[4992:]).mean())
    assert x[-1] <= 4999 and np.all(np.diff(x) > 0)
    assert smooth[-1] == pytest.approx(np.log10(losses[-100:]).mean())  # window: 2% of 5000 steps
    x, y, _, width = LossHistory().downsampled()
    assert len(x) == 0 and width == 1


def test_run_trains_in_background_and_matches_the_core_trainer(dataset, data):
    run = make_run(dataset, data, steps=40, stats_every=10, eval_every=20)
    run.start()
    run.wait(30)
    assert run.state == "finished" and run.trainer.step_num == 40
    reference = Trainer(MLP(run.model_config), data, TrainConfig(steps=40))
    reference.run()
    assert run.trainer.losses == reference.losses          # statistics steps change nothing
    assert [s for s, _ in run.trainer.val_losses] == [20, 40]
    # only the newest statistics keep their histograms
    assert "hist" in run.trainer.stats[-1][1]["layers"][0]
    assert all("hist" not in s["layers"][0] for _, s in run.trainer.stats[:-1])
    assert run.series["steps"] == [0, 10, 20, 30]


def test_pause_step_resume_stop(dataset, data):
    run = make_run(dataset, data, steps=100_000)
    run.step(5)
    assert run.wait_until(lambda r: r.state == "paused", 20)
    assert run.trainer.step_num == 5
    run.step(3)
    assert run.wait_until(lambda r: r.state == "paused" and r.trainer.step_num == 8, 20)
    run.unpause()
    assert run.wait_until(lambda r: r.trainer.step_num > 30, 20)
    run.pause()
    assert run.wait_until(lambda r: r.state == "paused", 20)
    paused_at = run.trainer.step_num
    threading.Event().wait(0.2)
    assert run.trainer.step_num == paused_at
    run.stop()
    run.wait(10)
    assert not run.alive and run.state == "stopped" and len(run.trainer.losses) == paused_at


def test_learning_rate_changed_while_paused_keeps_the_schedule(dataset, data):
    run = make_run(dataset, data, steps=100, lr=0.1, lr_milestones=[10], lr_factor=0.1)
    run.step(12)
    assert run.wait_until(lambda r: r.state == "paused", 20)
    assert run.trainer.lr == pytest.approx(0.01)
    run.set_lr(0.05)                     # the rate in effect now
    assert run.trainer.lr == pytest.approx(0.05)
    run.step(1)
    assert run.wait_until(lambda r: r.state == "paused" and r.trainer.step_num == 13, 20)
    assert run.trainer.lrs[-1] == pytest.approx(0.05)
    with pytest.raises(ValueError):
        run.set_lr(float("nan"))


def test_divergence_stops_the_run_and_keeps_history(dataset, data):
    model = small_model(len(dataset.vocab), batchnorm=False, nonlinearity="relu")
    run = make_run(dataset, data, steps=1000, model=model, lr=100.0)
    run.start()
    run.wait(30)
    assert run.state == "diverged"
    snap = run.snapshot()
    assert snap["step"] < 1000 and snap["loss_log10"].size == snap["step"] > 0
    assert f"step {snap['step']}" in snap["message"]
    level, text = run_hints.hints(snap)[0]
    assert level == "error" and "Lower the learning rate" in text


def test_server_cap_queues_runs_until_a_slot_frees(dataset, data, monkeypatch):
    monkeypatch.setattr(run_queue.queue, "size", 1)   # the one bound of ui.jobs
    first = make_run(dataset, data, steps=100_000)
    second = make_run(dataset, data, steps=100_000)
    first.start()
    assert first.wait_until(lambda r: r.state == "running", 10)
    second.start()
    assert second.wait_until(lambda r: run_queue.queued_runs() == 1, 10)
    assert second.state == "queued" and second.trainer.step_num == 0
    assert run_queue.running_trainers() == 1
    first.stop()
    assert second.wait_until(lambda r: r.trainer.step_num > 0, 20)
    assert second.state == "running" and first.state == "stopped"
    second.stop()
    second.wait(10)
    assert run_queue.running_trainers() == 0


def test_a_queued_run_can_be_stopped(dataset, data, monkeypatch):
    monkeypatch.setattr(run_queue.queue, "size", 1)   # the one bound of ui.jobs
    blocker = make_run(dataset, data, steps=100_000)
    blocker.start()
    queued = make_run(dataset, data, steps=100)
    queued.start()
    assert queued.wait_until(lambda r: r.state == "queued", 5)
    queued.stop()
    queued.wait(5)
    assert queued.state == "stopped" and queued.trainer.step_num == 0


def test_snapshot_is_small_for_long_runs(dataset, data):
    run = make_run(dataset, data, steps=10)
    fake = list(np.random.default_rng(0).uniform(2, 3, 200_000))
    run.trainer.losses = fake
    run.trainer.step_num = len(fake)
    for k in range(2000):                # 2,000 statistics steps' worth of series
        run.series["steps"].append(k * 100)
        run_series._append(run.series["update_to_data"], "C", k, -3.0)
    snap = run.snapshot()
    assert len(snap["loss_x"]) <= run_series.MAX_POINTS
    assert snap["bucket"] == 2 ** math.ceil(math.log2(200_000 / run_series.MAX_POINTS))
    assert len(snap["series"]["steps"]) <= run_series.MAX_SERIES + 1
    assert snap["series"]["steps"][-1] == 199_900
    assert len(snap["series"]["update_to_data"]["C"]) == len(snap["series"]["steps"])


def test_checkpoint_bytes_round_trip(dataset, data):
    run = make_run(dataset, data, steps=15)
    run.start()
    run.wait(20)
    model, vocab, extra = checkpoint.from_bytes(run.checkpoint_bytes())
    assert vocab.itos == dataset.vocab.itos and extra["steps_trained"] == 15
    for (name, a), (_, b) in zip(model.named_parameters(), run.trainer.model.named_parameters()):
        assert torch.equal(a, b), name


def test_hints_read_the_numbers():
    def snap_with(update_to_data, saturation=0.0, kind="tanh"):
        stats = {"layers": [{"label": "layer 2 (Tanh)", "kind": kind, "saturation_pct": saturation}],
                 "params": [{"name": "layers.0.weight", "ndim": 2, "update_to_data": update_to_data}]}
        return {"state": "running", "message": "", "uniform_loss": 3.2958, "loss": 2.5, "step": 500,
                "loss_smooth": np.array([math.log10(2.5)]), "stats": (500, stats), "val": []}
    assert "too high" in run_hints.hints(snap_with(-1.0))[0][1]
    assert "barely move" in run_hints.hints(snap_with(-5.0))[0][1]
    assert run_hints.hints(snap_with(-1.9))[0][0] == "warning"            # 10x the lecture's lr: not "fine"
    assert "times the 10^-3 guide" in run_hints.hints(snap_with(-2.4))[0][1]
    assert run_hints.hints(snap_with(-3.0))[0][0] == "success"
    assert any("saturated" in t for _, t in run_hints.hints(snap_with(-3.0, saturation=40)))
    assert any("ReLU" in t for _, t in run_hints.hints(snap_with(-3.0, saturation=90, kind="relu")))
    exploding = {**snap_with(-3.0), "loss_smooth": np.array([math.log10(9.0)])}
    assert any("far above a uniform guess" in t for _, t in run_hints.hints(exploding))


def test_fast_engine_runs_in_chunks_and_honours_step_budgets(dataset, data):
    model = small_model(len(dataset.vocab))
    exact = Run("exact", dataset, data, model, TrainConfig(steps=120, stats_every=50), "cpu")
    fast = Run("fast", dataset, data, model, TrainConfig(steps=120, stats_every=50), "cpu", engine="fast-uncompiled")
    fast.step(7)                          # a budget smaller than a chunk
    assert fast.wait_until(lambda r: r.state == "paused", 20) and fast.trainer.step_num == 7
    fast.unpause()
    exact.start()
    fast.wait(30)
    exact.wait(30)
    assert fast.state == exact.state == "finished" and fast.trainer.step_num == 120
    assert max(abs(a - b) for a, b in zip(fast.trainer.losses, exact.trainer.losses)) < 1e-4
    assert fast.series["steps"] == exact.series["steps"] == [0, 50, 100]
    assert fast.settings()["engine"] == "fast-uncompiled" and exact.settings()["engine"] == "eager"


def test_releasing_the_tab_stops_its_runs(dataset, data):
    """What the registry does KEEP_S after the owner's last tab went (expire_idle)."""
    manager = run_lib.RunManager()
    model, train = small_model(len(dataset.vocab)), TrainConfig(steps=1_000_000)
    running = manager.new_run("a", dataset, data, model, train, "cpu")
    paused = manager.new_run("b", dataset, data, model, train, "cpu")
    paused.step(3)
    assert paused.wait_until(lambda r: r.state == "paused", 20)
    running.start()                      # the paused run gave its slot back: this one trains
    assert running.wait_until(lambda r: r.state == "running", 10)
    manager.shown_id = paused.id
    assert manager.shown is paused and manager.latest_model()[2].startswith(f"run {paused.number}")
    manager.release()
    running.wait(10)
    paused.wait(10)
    assert not running.alive and not paused.alive
    assert running.state == paused.state == "stopped"


# ---------------------------------------------------------------- the queue and the server-wide registry

def owned_run(dataset, data, owner, steps=1_000_000):
    return Run("test", dataset, data, small_model(len(dataset.vocab)), TrainConfig(steps=steps), "cpu", owner=owner)


def training(run):
    return run.wait_until(lambda r: r.state == "running" and r.trainer.step_num > 0, 20)


def test_queue_is_first_come_first_served_with_one_training_run_per_owner(dataset, data, monkeypatch):
    monkeypatch.setattr(run_queue.queue, "size", 2)   # the one bound of ui.jobs
    a1, a2 = owned_run(dataset, data, "a"), owned_run(dataset, data, "a")
    b1, c1 = owned_run(dataset, data, "b"), owned_run(dataset, data, "c")
    a1.start()
    assert training(a1)
    a2.start()
    assert a2.wait_until(lambda r: run_queue.queue_position(r) == 1, 5)
    b1.start()                                 # a's second run waits for a's first; b's run takes the free slot
    assert training(b1)
    assert a2.state == "queued" and a2.trainer.step_num == 0
    c1.start()
    assert c1.wait_until(lambda r: run_queue.queue_position(r) == 2, 5)   # behind a2, which came first
    assert run_queue.running_trainers() == 2 and run_queue.queued_runs() == 2
    a1.stop()
    assert training(a2)                        # first in line when a slot freed, not the newest
    assert c1.state == "queued" and run_queue.queue_position(c1) == 1
    b1.stop()
    assert training(c1)
    for run in (a2, c1):
        run.stop()
        run.wait(10)
    assert run_queue.running_trainers() == 0 and run_queue.queued_runs() == 0


def test_a_paused_run_gives_its_slot_to_the_next_in_line(dataset, data, monkeypatch):
    monkeypatch.setattr(run_queue.queue, "size", 1)   # the one bound of ui.jobs
    mine, theirs = owned_run(dataset, data, "a"), owned_run(dataset, data, "b")
    mine.start()
    assert training(mine)
    theirs.start()
    assert theirs.wait_until(lambda r: r.state == "queued", 5)
    mine.pause()
    assert mine.wait_until(lambda r: r.state == "paused", 10)
    assert training(theirs)
    mine.unpause()                             # back in line behind the run now training
    assert mine.wait_until(lambda r: r.state == "queued", 10)
    theirs.stop()
    assert training(mine)


def test_runs_outlive_their_tab_until_the_keep_time(dataset, data, monkeypatch):
    """A tab that disconnects (a blip, a reload, closing it) leaves its runs training; they are
    found again by the same owner, and stopped only KEEP_S after the owner's last tab left."""
    monkeypatch.setattr(run_lib, "KEEP_S", 60.0)
    monkeypatch.setattr(run_lib, "_managers", {})
    viewer = run_lib._Viewer("browser-x")
    manager = run_lib._managers["browser-x"]
    run = manager.new_run("test", dataset, data, small_model(len(dataset.vocab)), TrainConfig(steps=1_000_000), "cpu")
    run.start()
    assert training(run) and run.owner == "browser-x"
    run_lib._viewer_left(viewer)               # the only tab went away
    left = manager.left_at
    assert run_lib.expire_idle(now=left + 59) == 0
    assert run.state == "running" and run_lib._managers["browser-x"] is manager
    run_lib._Viewer("browser-x")               # it came back (a reload): the same runs
    assert run_lib._managers["browser-x"].runs == [run] and manager.left_at is None
    assert run_lib.expire_idle(now=left + 3600) == 0
    assert run_lib.find_run(run.link) is run and run_lib.find_run(str(run.id)) is None   # the id alone finds nothing
    run_lib._viewer_left(viewer)
    assert run_lib.expire_idle(now=manager.left_at + 60) == 1
    run.wait(10)
    assert run.state == "stopped" and "browser-x" not in run_lib._managers


def test_statistics_every_step_keep_bounded_memory(dataset, data, monkeypatch):
    monkeypatch.setattr(run_series, "MAX_STATS_STEPS", 64)
    run = make_run(dataset, data, steps=300, stats_every=1)
    run.start()
    run.wait(60)
    assert run.state == "finished"
    assert len(run.trainer.stats) == 1 and run.latest_stats[0] == 299     # only the newest, with histograms
    steps = run.series["steps"]
    assert 32 <= len(steps) <= 64 and steps[0] == 0 and steps[-1] == 299
    assert all(len(column) == len(steps) for column in run.series["saturation"].values())


def test_a_learning_rate_changed_mid_run_is_what_the_run_reports(dataset, data):
    run = make_run(dataset, data, steps=100, lr=0.1, lr_milestones=[50], lr_factor=0.1)
    run.step(12)
    assert run.wait_until(lambda r: r.state == "paused", 20)
    run.set_lr(0.05)
    run.step(48)                               # through the milestone at 50: x0.1 of the rate set by hand
    assert run.wait_until(lambda r: r.state == "paused" and r.trainer.step_num == 60, 20)
    assert run.trainer.lrs[11] == 0.1 and run.trainer.lrs[12] == 0.05
    assert run.trainer.lrs[49] == 0.05 and run.trainer.lrs[50] == pytest.approx(0.005)
    assert run.label == "test"                  # no "lr ..." in this label to rewrite
    row = run.settings()
    assert row["lr"] == 0.1 and row["lr schedule"] == "x0.1 at 50, 0.05 from 12"
    _, _, extra = checkpoint.from_bytes(run.checkpoint_bytes())
    saved = TrainConfig.from_dict(extra["train_config"])
    assert [saved.lr_at(s) for s in (11, 12, 49, 50)] == pytest.approx([0.1, 0.05, 0.05, 0.005])


def test_set_lr_names_the_new_rate_in_the_label(dataset, data):
    run = Run("2x32 tanh, SGD lr 0.1, 100 steps", dataset, data, small_model(len(dataset.vocab)),
              TrainConfig(steps=100), "cpu")
    run.trainer.step_num = 20                  # as if trained this far
    run.set_lr(0.05)
    run.set_lr(0.02)
    assert run.label == "2x32 tanh, SGD lr 0.1, 0.02 from step 20, 100 steps"


def test_a_pause_requested_mid_chunk_stops_at_that_chunk_end(dataset, data):
    """The run looks at a pause request between chunks (each about 20 ms of work): one asked while
    a chunk trains stops the run right after that chunk."""
    run = make_run(dataset, data, steps=100_000)
    asked_at = []
    real_advance = run.trainer.advance

    def advance(max_steps=None):
        done = real_advance(max_steps)
        if run.trainer.step_num >= 30 and not asked_at:
            run.pause()                        # asked before this chunk has returned
            asked_at.append(run.trainer.step_num)
        return done
    run.trainer.advance = advance
    run.start()
    assert run.wait_until(lambda r: r.state == "paused", 20)
    assert run.trainer.step_num == asked_at[0]


def test_the_cli_and_a_run_both_train_through_trainer_advance(monkeypatch, dataset, data, default_names, tmp_path):
    from makemore_core import cli
    calls = []
    real_advance = Trainer.advance

    def advance(self, max_steps=None):
        calls.append(self)
        return real_advance(self, max_steps)
    monkeypatch.setattr(Trainer, "advance", advance)
    assert cli.main(["train", "--data", str(default_names), "--steps", "20", "--engine", "eager", "--n-hidden", "8",
                     "--hidden-layers", "1", "--json"]) == 0
    assert calls and all(t is calls[0] for t in calls)
    calls.clear()
    run = make_run(dataset, data, steps=20)
    run.start()
    run.wait(20)
    assert run.state == "finished" and calls and all(t is run.trainer for t in calls)


def test_a_page_refresh_does_not_wait_for_a_long_training_chunk(dataset, data):
    """While the trainer holds the run's lock for long (a val loss over the whole split), the status line
    and the charts show the copy made last time instead of waiting: a click on Pause queued behind such a
    refresh answered 0.6 s late."""
    run = make_run(dataset, data, steps=10)
    run.start(steps=3)
    assert run.wait_until(lambda r: r.state == "paused", 20)
    before = run.snapshot()
    assert before["step"] == 3 and len(before["loss_x"]) > 0
    released = threading.Event()
    holder = threading.Thread(target=lambda: (run.lock.acquire(), released.wait(10), run.lock.release()))
    holder.start()
    try:
        assert run.wait_until(lambda r: r.lock.locked(), 5)
        run.trainer.step_num = 7                      # what the trainer would be changing meanwhile
        run.state = "running"
        started = time.perf_counter()
        during = run.snapshot()
        assert time.perf_counter() - started < 5      # it did not wait for the lock's holder (10 s)
        assert during["step"] == 3 and during["loss_x"] is before["loss_x"]   # the last copy, whole
        assert during["state"] == "running"           # but the state as it is now: it redraws the page
    finally:
        released.set()
        holder.join()
        run.state = "paused"
    assert run.status_line()["step"] == 7             # once the lock is free, a new copy


def test_reconnect_churn_starts_no_thread_per_disconnect(monkeypatch):
    # issue 30: every disconnect started a 30-minute timer thread (200 reconnects, 200 threads)
    monkeypatch.setattr(run_lib, "KEEP_S", 1800.0)
    monkeypatch.setattr(run_lib, "_managers", {})
    before = threading.active_count()
    for i in range(200):
        run_lib._viewer_left(run_lib._Viewer(f"browser-churn-{i}"))
    assert threading.active_count() - before <= 1        # the one sweeper, if it was not running yet
    assert len(run_lib._managers) == 200 and all(m.left_at is not None for m in run_lib._managers.values())


def test_an_expired_run_is_freed_and_not_watchable(dataset, data, monkeypatch):
    # issue 30: runs past their expiry stayed in memory and watchable for minutes
    monkeypatch.setattr(run_lib, "KEEP_S", 0.5)
    monkeypatch.setattr(run_lib, "_managers", {})
    viewer = run_lib._Viewer("browser-gone")
    run = run_lib._managers["browser-gone"].new_run("test", dataset, data, small_model(len(dataset.vocab)),
                                                    TrainConfig(steps=1_000_000), "cpu")
    run.start()
    assert training(run) and run_lib.find_run(run.link) is run and run_lib.run_by_id(run.id) is run
    run_lib._viewer_left(viewer)
    deadline = time.monotonic() + 20      # the sweeper forgets the owner by itself once the keep time ends
    while "browser-gone" in run_lib._managers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "browser-gone" not in run_lib._managers
    run.wait(10)
    assert run.state == "stopped"
    # a watcher's page may still hold the run: it is not found by its link or its id any more
    assert run_lib.find_run(run.link) is None and run_lib.run_by_id(run.id) is None
    gone = weakref.ref(run)
    del run
    gc.collect()
    assert gone() is None                   # nothing of the server holds it: its memory is freed


def test_every_page_keeps_its_browsers_runs_alive(monkeypatch):
    # issue 30: a tab that reconnected on Home (Lecture, Data, ...) never counted as its runs' viewer again
    from conftest import open_app_page
    monkeypatch.setattr(run_lib, "_managers", {})
    monkeypatch.setattr(run_lib, "owner_id", lambda: "browser-on-home")   # AppTest's one session id is cached
    open_app_page("home")
    manager = run_lib._managers["browser-on-home"]
    assert manager.viewers == 1 and manager.left_at is None
