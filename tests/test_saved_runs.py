"""ui.saved_runs: a run is saved when it pauses, ends and every SAVE_EVERY_S while it trains; a restarted
server (here: a restore into empty registries) brings it back to its owner, paused, and it resumes; a run
forgotten by the sweeper loses its file. The browser test (test_browser_restart) kills a real server."""
import numpy as np
import pytest

from makemore_core import run_store
from makemore_core.model import ModelConfig
from makemore_core.training import TrainConfig
from ui import runs as run_lib
from ui import saved_runs
from ui.training_run import Run


@pytest.fixture
def cache(tmp_path, monkeypatch, stop_all_runs):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(saved_runs, "ENABLED", True)
    monkeypatch.setattr(run_lib, "_managers", {})
    monkeypatch.setattr(run_lib, "_restored", True)   # this process's registry starts empty, as a new server's
    return tmp_path


def _file(link, ended):
    return run_store.path_of(link, ended, saved_runs.folder())


def _restart(monkeypatch):
    """What a new server process starts with: empty registries, the runs still on disk."""
    monkeypatch.setattr(run_lib, "_managers", {})
    monkeypatch.setattr(run_lib, "_restored", False)


def _assert_same_snapshots(a, b):
    from makemore_core import snapshots
    assert snapshots.steps(a) == snapshots.steps(b) == [0, 50, 100]
    for x, y in zip(snapshots.members(a), snapshots.members(b)):
        assert isinstance(x["C"], np.ndarray) and x["C"].dtype == y["C"].dtype and np.array_equal(x["C"], y["C"])
        h, k = x["layers"][0]["hist"], y["layers"][0]["hist"]
        assert h["density"].dtype == np.float32 and np.array_equal(h["density"], k["density"]) and h["x0"] == k["x0"]


def _new_run(dataset, data, owner="browser-a", **train):
    manager = run_lib._managers.setdefault(owner, run_lib.RunManager(owner))
    config = ModelConfig(vocab_size=len(dataset.vocab), n_hidden=16, hidden_layers=2)
    return manager.new_run("lr 0.1, 400 steps", dataset, data, config, TrainConfig(steps=400, stats_every=50), "cpu")


def test_a_paused_run_comes_back_paused_with_its_owner_and_resumes(cache, dataset, data, monkeypatch):
    run = _new_run(dataset, data)
    run.step(120)
    assert run.wait_until(lambda r: r.state == "paused", timeout=60)
    assert run.wait_until(lambda r: _file(r.link, False).exists(), timeout=10)   # saved on pause
    link, losses, series = run.link, list(run.trainer.losses), run.series
    _restart(monkeypatch)
    back = run_lib.find_run(link)
    assert back is not None and back is not run
    assert (back.owner, back.state, back.trainer.step_num, back.number) == ("browser-a", "paused", 120, 1)
    assert back.trainer.losses == losses and back.series == series and back.latest_stats[0] == 100
    assert back.active and run_lib._managers["browser-a"].shown is back
    _assert_same_snapshots(back.snapshots, run.snapshots)        # the step scrubbers' data, arrays as arrays
    back.unpause()                                   # Resume
    assert back.wait_until(lambda r: r.state == "finished", timeout=60)
    back.wait(30)                                    # its last save, as its thread ends
    assert back.trainer.step_num == 400 and back.trainer.losses[:120] == losses
    assert _file(link, True).exists() and not _file(link, False).exists()
    _restart(monkeypatch)
    again = run_lib.find_run(link)
    assert again.state == "finished" and again.trainer.step_num == 400 and not again.active


def test_a_training_run_is_saved_every_few_seconds(cache, dataset, data, monkeypatch):
    monkeypatch.setattr(saved_runs, "SAVE_EVERY_S", 0.0)       # every chunk
    run = _new_run(dataset, data)
    run.start()
    path = _file(run.link, False)
    assert run.wait_until(lambda r: path.exists(), timeout=60)
    (meta, _), = run_store.load_all(saved_runs.folder())
    assert meta["run"]["state"] == "paused"                    # a run that was training comes back paused
    run.stop()
    run.wait(30)


def test_a_forgotten_run_loses_its_file_and_a_stopped_one_keeps_it(cache, dataset, data, monkeypatch):
    kept = _new_run(dataset, data, owner="browser-kept")
    kept.step(10)
    gone = _new_run(dataset, data, owner="browser-gone")
    gone.step(10)
    for run in (kept, gone):
        assert run.wait_until(lambda r: r.state == "paused", timeout=60)
    kept.stop()
    kept.wait(30)
    assert _file(kept.link, True).exists()         # stopped by hand: kept, ended
    manager = run_lib._managers["browser-gone"]
    manager.left_at = 0.0
    assert run_lib.expire_idle(now=run_lib.KEEP_S + 1) == 1
    gone.wait(30)
    assert not _file(gone.link, False).exists() and not _file(gone.link, True).exists()
    _restart(monkeypatch)
    assert [r.link for r in run_lib.kept_runs()] == [kept.link]
    assert run_lib.find_run(kept.link).state == "stopped"


def test_an_uploaded_word_list_travels_with_its_run(cache, dataset, data, monkeypatch):
    from makemore_core.data import Dataset
    words = Dataset.from_words(["anna", "bob", "carl", "dora", "emil", "fay", "gus", "hal", "ida", "jo"], "mine.txt")
    run = Run("mine", words, words.tensors(3), ModelConfig(vocab_size=len(words.vocab), n_hidden=8, hidden_layers=1, batchnorm=False),
              TrainConfig(steps=5, batch_size=4), "cpu", owner="browser-b")
    run.start()
    run.wait(30)
    assert run.state == "finished"
    _restart(monkeypatch)
    back = run_lib.find_run(run.link)
    assert back.dataset_name == "mine.txt" and back.words == words.words and back.state == "finished"


def test_a_restored_fast_run_makes_its_engine_when_it_resumes(cache, dataset, data, monkeypatch):
    manager = run_lib._managers.setdefault("browser-f", run_lib.RunManager("browser-f"))
    config = ModelConfig(vocab_size=len(dataset.vocab), n_hidden=16, hidden_layers=2)
    run = manager.new_run("lr 0.1, 300 steps", dataset, data, config, TrainConfig(steps=300), "cpu", engine="fast-uncompiled")
    run.step(100)
    assert run.wait_until(lambda r: r.state == "paused", timeout=60)
    run.set_lr(0.05)                                  # changed while paused: saved by the clean stop
    saved_runs.save_all()
    _restart(monkeypatch)
    back = run_lib.find_run(run.link)
    assert back.engine == "fast-uncompiled" and back.trainer.engine is None   # nothing compiled at restart
    assert back.train_config.lr_changes == [(100, 0.05)] and "0.05 from step 100" in back.label
    back.step(50)
    assert back.wait_until(lambda r: r.state == "paused" and r.trainer.step_num == 150, timeout=60)
    assert back.trainer.engine_status == "fast-uncompiled" and back.trainer.lrs[-1] == 0.05
