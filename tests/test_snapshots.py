"""makemore_core.snapshots: a run's snapshots at its statistics steps (issue 25, time travel)."""
import pickle

import numpy as np
import pytest
import torch

from makemore_core import snapshots
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer
from ui.training_run import Run

pytestmark = pytest.mark.numerics


@pytest.fixture(autouse=True)
def stop_runs(stop_all_runs):
    """No training thread left behind."""


def at_step(store: dict, step: int):
    """The snapshot of that statistics step, or None when it was not kept."""
    return next((s for s in snapshots.members(store) if s["step"] == step), None)


def offered(n, limit):
    store = snapshots.new_store(limit)
    for k in range(n):
        snapshots.add(store, {"step": 10 * k})
    return store


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 16, 17, 30, 100, 1000, 1001])
def test_thinning_keeps_first_and_last_and_is_even(n):
    store = offered(n, limit=8)
    steps = snapshots.steps(store)
    assert steps[0] == 0 and steps[-1] == 10 * (n - 1)            # first and last kept
    assert len(store["kept"]) <= 8 and len(steps) <= 9
    gaps = np.diff([s["step"] for s in store["kept"]])
    assert len(set(gaps)) <= 1                                    # the kept ones evenly spaced
    if len(gaps):
        assert steps[-1] - store["kept"][-1]["step"] < gaps[0]    # the newest one, if extra, falls in the last gap
    assert len(steps) >= min(n, 4)                                # never thinned below half the bound
    assert steps == sorted(set(steps))


def test_the_bound_and_memory_stay_put_however_long_the_run():
    assert len(snapshots.steps(offered(100_000, snapshots.LIMIT))) <= snapshots.LIMIT + 1
    assert at_step(offered(5, 8), 30) == {"step": 30}
    assert at_step(offered(5, 8), 35) is None


def test_a_runs_snapshot_at_step_k_holds_what_the_run_showed_at_step_k(dataset, data):
    config = ModelConfig(vocab_size=len(dataset.vocab), n_hidden=32, hidden_layers=2, batchnorm=True)
    run = Run("test", dataset, data, config, TrainConfig(steps=60, stats_every=20), "cpu")
    run.start(steps=41)                       # pauses after step 40, a statistics step
    assert run.wait_until(lambda r: r.state == "paused", timeout=60)
    shown_step, shown = run.snapshot()["stats"]          # what the page showed
    assert shown_step == 40
    snap = at_step(run.snapshots, 40)
    assert snapshots.steps(run.snapshots) == [0, 20, 40]
    for layer, row in zip(snap["layers"], shown["layers"]):   # the same numbers, stored as float32
        assert layer["label"] == row["label"] and layer["saturation_pct"] == row["saturation_pct"]
        for key in ("hist", "grad_hist"):
            assert np.array_equal(layer[key]["density"], np.float32(row[key]["density"]))
            assert np.allclose(snapshots.centres(layer[key]), row[key]["x"], rtol=0, atol=1e-9)
    ratios = {p["name"]: p["update_to_data"] for p in shown["params"] if p["ndim"] == 2}
    assert {p["name"]: p["update_to_data"] for p in snap["params"]} == ratios

    # The same code path (the eager step), run again by hand to step 40: the same statistics and the same C.
    reference = Trainer(MLP(config), data, TrainConfig(steps=60, stats_every=20))
    reference.run(steps=41)
    step, stats = reference.stats[-1]
    assert step == 40
    for layer, row in zip(snap["layers"], stats["layers"]):
        assert np.array_equal(layer["hist"]["density"], np.float32(row["hist"]["density"]))
        assert np.array_equal(layer["grad_hist"]["density"], np.float32(row["grad_hist"]["density"]))
    assert np.array_equal(snap["C"], reference.model.C.detach().numpy())
    assert not np.array_equal(at_step(run.snapshots, 0)["C"], snap["C"])   # C moved meanwhile

    copy = pickle.loads(pickle.dumps(run.snapshots))     # plain data: kept on disk with the run as it is
    assert snapshots.steps(copy) == [0, 20, 40]
    assert np.array_equal(copy["kept"][1]["C"], at_step(run.snapshots, 20)["C"])
    run.stop()


def test_a_snapshot_is_small():
    config = ModelConfig(vocab_size=27)      # the lecture's deep net
    trainer = Trainer(MLP(config), {"train": (torch.randint(0, 27, (500, 3)), torch.randint(0, 27, (500,)))},
                      TrainConfig(steps=1, stats_every=1))
    trainer.run()
    snap = snapshots.snapshot(*trainer.stats[-1], trainer.model.C)
    assert len(snap["layers"]) == 5 and len(snap["params"]) == 7     # 5 tanh; C and 6 Linear weights
    assert len(pickle.dumps(snap)) < 8_000
