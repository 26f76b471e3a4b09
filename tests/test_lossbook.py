"""The loss log: a stage's run on a data set, through the fast engine, kept on disk by content and stage."""
import json
import threading
import time

import pytest

from makemore_core import lossbook
from makemore_core.data import Dataset
from makemore_core.device import configure_threads
from makemore_core.evaluation import split_loss
from makemore_core.model import MLP
from makemore_core.stages import stage_configs
from makemore_core.training import Trainer

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

configure_threads()
STEPS = 60


@pytest.fixture(scope="module")
def small(default_names):
    return Dataset.from_words(default_names.read_text().splitlines()[::20], name="names20")


def test_a_stage_run_is_the_trainers_and_is_kept(small, tmp_path):
    calls = []
    result = lossbook.stage_losses(small, "tanh-fix", progress=lambda done, total: calls.append((done, total)),
                                   cache_dir=tmp_path, steps=STEPS)
    # the same run by hand: the stage's configs, the fast engine, eval-mode split losses
    model_config, train_config = stage_configs("tanh-fix", vocab_size=len(small.vocab), steps=STEPS)
    data = small.tensors(3)
    model = MLP(model_config)
    trainer = Trainer(model, data, train_config, engine="fast-uncompiled").run()
    assert result["stage"] == "tanh-fix" and result["steps"] == STEPS and result["status"] == "finished"
    assert result["train"] == split_loss(model, *data["train"]) and result["val"] == split_loss(model, *data["val"])
    assert result["init_loss"] == trainer.losses[0] and result["head"] == trainer.losses
    assert result["params"] == 11_897 and "calibrated" not in result
    assert len(result["curve"]["loss"]) == STEPS and result["curve"]["loss"][:3] == trainer.losses[:3]
    assert calls[-1] == (STEPS, STEPS) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    path = lossbook.cache_path(small, "tanh-fix", STEPS, tmp_path)
    assert path.parent == tmp_path / "lossbook" and json.loads(path.read_text()) == result
    assert result["dataset"] == small.digest
    assert [p.name for p in path.parent.iterdir()] == [path.name]          # no temporary file left behind


def test_a_second_caller_gets_the_stored_result_without_training(small, tmp_path, monkeypatch):
    first = lossbook.stage_losses(small, "batchnorm", cache_dir=tmp_path, steps=STEPS)
    assert set(first["calibrated"]) == set(first["split_statistics"]) == {"train", "val"}
    # over a whole split, the calibration pass and the split's own statistics are the same thing
    assert first["split_statistics"]["train"] == pytest.approx(first["calibrated"]["train"], abs=1e-6)
    assert first["split_statistics"]["val"] != pytest.approx(first["calibrated"]["val"], abs=1e-6)

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")
    monkeypatch.setattr(lossbook, "run_stage", no_training)
    assert lossbook.stage_losses(small, "batchnorm", cache_dir=tmp_path, steps=STEPS) == first
    assert lossbook.cached_stage_losses(small, "batchnorm", STEPS, tmp_path) == first
    assert lossbook.cached_stage_losses(small, "kaiming", STEPS, tmp_path) is None        # another stage
    other = Dataset.from_words(small.words[::-1], name="names20")                         # other content
    assert lossbook.cached_stage_losses(other, "batchnorm", STEPS, tmp_path) is None


def test_the_cache_folder_comes_from_the_environment(small, tmp_path, monkeypatch):
    monkeypatch.setenv("MAKEMORE_CACHE_DIR", str(tmp_path / "env"))
    lossbook.stage_losses(small, "original", steps=5)
    assert lossbook.cache_path(small, "original", 5).is_file()
    assert lossbook.cache_path(small, "original", 5).parent == tmp_path / "env" / "lossbook"
    monkeypatch.delenv("MAKEMORE_CACHE_DIR")
    assert lossbook.cache_root() == lossbook.Path.home() / ".cache" / "makemore_lab"


def test_a_damaged_cache_file_is_run_again(small, tmp_path):
    path = lossbook.cache_path(small, "softmax-fix", 5, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"stage": "softm')                                                  # half a file
    result = lossbook.stage_losses(small, "softmax-fix", cache_dir=tmp_path, steps=5)
    assert result["steps"] == 5 and json.loads(path.read_text()) == result


def test_two_callers_at_once_train_once(small, tmp_path, monkeypatch):
    runs = []
    real = lossbook.run_stage

    def slow_run(*args, **kwargs):
        runs.append(1)
        time.sleep(0.3)
        return real(*args, **kwargs)
    monkeypatch.setattr(lossbook, "run_stage", slow_run)
    results = [None, None]

    def call(i):
        results[i] = lossbook.stage_losses(small, "kaiming", cache_dir=tmp_path, steps=5)
    threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(runs) == 1 and results[0] == results[1] is not None


def test_unknown_stage_is_refused(small, tmp_path):
    with pytest.raises(ValueError, match="the stages are"):
        lossbook.stage_losses(small, "final", cache_dir=tmp_path, steps=5)


def test_loss_curve_slices():
    curve = lossbook.loss_curve([float(i) for i in range(10)], points=5)
    assert curve == {"step": [0.5, 2.5, 4.5, 6.5, 8.5], "loss": [0.5, 2.5, 4.5, 6.5, 8.5]}
    assert lossbook.loss_curve([3.0, 1.0], points=200) == {"step": [0.0, 1.0], "loss": [3.0, 1.0]}
    assert lossbook.loss_curve([]) == {"step": [], "loss": []}
