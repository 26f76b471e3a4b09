"""Runs kept on disk (makemore_core.run_store): a restored trainer goes on as if never stopped, a damaged
file is skipped with one line in the log, and the size bound deletes ended runs first, oldest first."""
import json
import logging
import os
import time

import pytest
import torch

from makemore_core import run_store
from makemore_core.device import configure_threads
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer

configure_threads()

SMALL = ModelConfig(n_embd=4, n_hidden=16, hidden_layers=2)


def _saved_and_restored(trainer, data, engine="eager"):
    """A new Trainer built from `trainer`'s file bytes only, as a restarted server builds it."""
    meta, tensors = run_store.trainer_state(trainer)
    raw = run_store.encode(json.dumps(meta).encode(), tensors)
    meta, tensors = run_store.decode(raw)
    model = run_store.load_model(meta, tensors)
    restored = Trainer(model.train(), data, run_store.train_config(meta), engine=engine)
    run_store.restore_trainer(restored, meta, tensors)
    return restored


def _assert_same_run(a, b):
    # the same operations on the same numbers in one process: bit for bit the same (no tolerance to justify)
    assert a.step_num == b.step_num and a.lrs == b.lrs and a.val_losses == b.val_losses
    assert a.losses == b.losses
    for (name, p), (_, q) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert torch.equal(p, q), name
    assert torch.equal(a.g.get_state(), b.g.get_state())


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_restored_trainer_continues_exactly_as_an_uninterrupted_one(data, optimizer):
    # crosses an lr milestone, a rate set by hand, statistics and validation steps after the restore
    config = dict(steps=120, lr_milestones=[70], stats_every=25, eval_every=40, optimizer=optimizer,
                  lr=0.1 if optimizer == "sgd" else 0.01)
    straight = Trainer(MLP(SMALL), data, TrainConfig(**config))
    straight.run(steps=50)
    straight.set_lr(0.05)
    straight.run()

    first = Trainer(MLP(SMALL), data, TrainConfig(**config))
    first.run(steps=50)
    first.set_lr(0.05)
    second = _saved_and_restored(first, data)
    assert second.config.lr_changes == [(50, 0.05)] and second.step_num == 50
    second.run()
    assert second.status == "finished"
    _assert_same_run(straight, second)


def test_a_restored_trainer_continues_with_the_fast_engine(data):
    config = TrainConfig(steps=300, lr_milestones=[200], stats_every=100)
    straight = Trainer(MLP(SMALL), data, config, engine="fast-uncompiled")
    straight.run()
    first = Trainer(MLP(SMALL), data, TrainConfig(**config.to_dict()), engine="fast-uncompiled")
    first.run(steps=130)
    second = _saved_and_restored(first, data, engine="fast-uncompiled")
    second.run()
    # chunks may split differently after the restore; the hand-written step is the same operations either way
    assert second.step_num == 300
    torch.testing.assert_close(torch.tensor(second.losses), torch.tensor(straight.losses), rtol=0, atol=1e-6)
    for (name, p), (_, q) in zip(straight.model.state_dict().items(), second.model.state_dict().items()):
        torch.testing.assert_close(q, p, rtol=0, atol=1e-6, msg=name)


def _save(cache, link, trainer, ended=False, max_total=None):
    meta, tensors = run_store.trainer_state(trainer)
    meta["run"] = {"link": link}
    return run_store.save(link, json.dumps(meta).encode(), tensors, ended, folder=cache, max_total=max_total)


def test_a_truncated_or_foreign_file_is_skipped_with_one_log_line(tmp_path, data, caplog):
    trainer = Trainer(MLP(SMALL), data, TrainConfig(steps=10))
    trainer.run()
    _save(tmp_path, "1-good", trainer)
    size = _save(tmp_path, "2-cut", trainer)
    cut = run_store.path_of("2-cut", False, tmp_path)
    cut.write_bytes(cut.read_bytes()[:size // 2])          # what a crash mid-write would leave without atomicity
    run_store.path_of("3-junk", True, tmp_path).write_bytes(b"not a run")
    deep = run_store.encode(b"[" * 100_000 + b"]" * 100_000, {})   # JSON nested past Python's recursion limit
    run_store.path_of("5-deep", False, tmp_path).write_bytes(deep)
    stray = tmp_path / ".4-x.pt.abc.tmp"   # a temporary file left by a killed write
    stray.write_bytes(b"half")
    os.utime(stray, (time.time() - 3600,) * 2)
    with caplog.at_level(logging.WARNING, logger="makemore_core.run_store"):
        loaded = run_store.load_all(tmp_path)
    assert [meta["run"]["link"] for meta, _ in loaded] == ["1-good"]
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3 and all(any(name in line for line in lines) for name in ("2-cut.pt", "3-junk", "5-deep"))
    assert all("\n" not in line for line in lines)
    assert not stray.exists()


def test_a_write_that_fails_leaves_the_last_whole_file(tmp_path, data, monkeypatch):
    trainer = Trainer(MLP(SMALL), data, TrainConfig(steps=20))
    trainer.run(steps=5)
    _save(tmp_path, "1-a", trainer)
    trainer.run()

    def full_disk(fd, *args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        _save(tmp_path, "1-a", trainer)
    monkeypatch.undo()
    (meta, _), = run_store.load_all(tmp_path)
    assert meta["step"] == 5
    assert not list(tmp_path.glob(".*"))   # no temporary file left behind


def test_an_ended_run_replaces_its_file_and_wins_over_a_stale_one(tmp_path, data):
    trainer = Trainer(MLP(SMALL), data, TrainConfig(steps=10))
    trainer.run(steps=4)
    _save(tmp_path, "7-r", trainer)
    stale = run_store.path_of("7-r", False, tmp_path).read_bytes()
    trainer.run()
    _save(tmp_path, "7-r", trainer, ended=True)
    assert [p.name for p in tmp_path.iterdir()] == ["7-r.done.pt"]
    run_store.path_of("7-r", False, tmp_path).write_bytes(stale)   # a crash between the write and the delete
    (meta, _), = run_store.load_all(tmp_path)
    assert meta["step"] == 10 and meta["status"] == "finished"
    assert not run_store.path_of("7-r", False, tmp_path).exists()


def test_the_size_bound_deletes_ended_runs_first_oldest_first(tmp_path, data):
    trainer = Trainer(MLP(SMALL), data, TrainConfig(steps=10))
    trainer.run()
    names = [("1-old-ended", True), ("2-old-active", False), ("3-new-ended", True), ("4-new-active", False)]
    sizes = [_save(tmp_path, link, trainer, ended) for link, ended in names]
    folder = tmp_path
    for age, path in enumerate(sorted(folder.iterdir())):   # mtimes in the order of the names
        os.utime(path, (1_000_000 + age,) * 2)
    _save(tmp_path, "5-just-saved", trainer, max_total=sum(sizes) + sizes[0] // 2)   # room for four
    left = sorted(p.name for p in folder.iterdir())
    assert left == ["2-old-active.pt", "3-new-ended.done.pt", "4-new-active.pt", "5-just-saved.pt"]
    run_store.trim(2 * sizes[0] + sizes[0] // 2, folder=tmp_path)   # room for two: the ended, then the oldest
    assert sorted(p.name for p in folder.iterdir()) == ["4-new-active.pt", "5-just-saved.pt"]
    run_store.trim(sizes[0] // 2, keep=folder / "5-just-saved.pt", folder=tmp_path)
    assert [p.name for p in folder.iterdir()] == ["5-just-saved.pt"]   # the file just written always stays
