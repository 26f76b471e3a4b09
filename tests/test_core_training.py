"""Training: the step-wise trainer, its schedule, divergence, statistics, and lecture exactness.

The lecture-exactness tests replay the notebook literally (its own data cells, Linear / BatchNorm1d /
Tanh classes and loop: makemore_core/notebook.py) on ../shared/data/names.txt and compare with the core.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from makemore_core import diagnostics, training
from makemore_core import notebook as notebook_cells
from makemore_core.data import Dataset
from makemore_core.device import configure_threads
from makemore_core.evaluation import split_loss
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

configure_threads()  # one intra-op thread, as the app and the CLI run


@pytest.fixture(scope="module")
def default_data(default_names):
    dataset = Dataset.from_path(default_names)
    return dataset, dataset.tensors(3)


# ---------------------------------------------------------------- config and schedule

def test_train_config_defaults_are_the_lecture():
    c = TrainConfig()
    assert (c.steps, c.batch_size, c.lr, c.lr_milestones, c.lr_factor, c.optimizer) == (
        200_000, 32, 0.1, [150_000], 0.1, "sgd")
    assert c.lr_at(0) == 0.1 and c.lr_at(149_999) == 0.1 and c.lr_at(150_000) == pytest.approx(0.01)


def test_decay_at_75_percent_and_several_milestones():
    assert TrainConfig.decayed_at(1000).lr_milestones == [750]
    c = TrainConfig(lr=1.0, lr_milestones=[20, 10], lr_factor=0.5)
    assert c.lr_milestones == [10, 20]
    assert [c.lr_at(s) for s in (0, 9, 10, 19, 20)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert c.lr_at(15, base_lr=0.2) == pytest.approx(0.1)
    assert TrainConfig.from_dict({**c.to_dict(), "unknown": 1}) == c


@pytest.mark.parametrize("kw", [{"steps": -1}, {"batch_size": 0}, {"lr": 0}, {"lr": float("nan")},
                                {"lr_factor": 0}, {"optimizer": "rmsprop"}, {"stats_every": -1}])
def test_train_config_rejects_bad_values(kw):
    with pytest.raises(ValueError):
        TrainConfig(**kw)


def test_history_and_lr_schedule(default_data):
    _, data = default_data
    trainer = Trainer(MLP(ModelConfig()), data, TrainConfig(steps=12, lr_milestones=[8], eval_every=5))
    trainer.run(steps=5)
    assert trainer.step_num == 5 and trainer.status == "ready"      # paused part way
    trainer.run()
    assert trainer.status == "finished" and trainer.step_num == 12 and trainer.done
    assert len(trainer.losses) == len(trainer.lrs) == 12
    assert trainer.lrs[:8] == [0.1] * 8 and trainer.lrs[8:] == pytest.approx([0.01] * 4)
    assert [s for s, _ in trainer.val_losses] == [5, 10]
    summary = trainer.summary()
    assert summary["steps"] == 12 and summary["init_loss"] == trainer.losses[0] and summary["steps_per_s"] > 0


def test_minibatches_come_from_the_model_generator(default_data):
    _, data = default_data
    model = MLP(ModelConfig())
    ref = torch.Generator().manual_seed(model.config.seed)
    ref.set_state(model.generator.get_state())
    trainer = Trainer(model, data, TrainConfig(steps=1))
    trainer.step()
    # the next draw of the model's generator is the reference's second draw
    torch.randint(0, data["train"][0].shape[0], (32,), generator=ref)
    assert torch.equal(torch.randint(0, 10, (5,), generator=ref), torch.randint(0, 10, (5,), generator=model.generator))


def test_sgd_update_is_minus_lr_times_grad(default_data):
    _, data = default_data
    model = MLP(ModelConfig())
    probe = model.copy()
    trainer = Trainer(model, data, TrainConfig(steps=1, lr=0.1))
    g = torch.Generator().manual_seed(model.config.seed)
    g.set_state(model.generator.get_state())
    trainer.step()
    Xtr, Ytr = data["train"]
    ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
    F.cross_entropy(probe(Xtr[ix]), Ytr[ix]).backward()
    for p_new, p_old in zip(model.parameters(), probe.parameters()):
        assert torch.allclose(p_new, p_old - 0.1 * p_old.grad, rtol=0, atol=1e-7)


def test_adam_trains(default_data):
    _, data = default_data
    trainer = Trainer(MLP(ModelConfig()), data, TrainConfig(steps=200, lr=0.01, optimizer="adam"))
    trainer.run()
    assert sum(trainer.losses[-20:]) / 20 < trainer.losses[0] - 0.5


def test_a_divergent_run_stops_with_a_clear_status_and_keeps_its_history(default_data):
    _, data = default_data
    model = MLP(ModelConfig(batchnorm=False, nonlinearity="none"))   # nothing to keep the updates in check
    trainer = Trainer(model, data, TrainConfig(steps=200, lr=10.0))
    trainer.run()
    assert trainer.status == "diverged"
    assert "learning rate" in trainer.message and "Lower" in trainer.message
    assert 0 < len(trainer.losses) < 200 and all(math.isfinite(x) for x in trainer.losses)
    assert trainer.done


def test_should_stop_and_progress_callbacks(default_data):
    _, data = default_data
    seen = []
    trainer = Trainer(MLP(ModelConfig()), data, TrainConfig(steps=100))
    trainer.run(should_stop=lambda: trainer.step_num >= 30, on_progress=lambda t: seen.append(t.step_num),
                progress_every=10)
    assert trainer.step_num == 30 and seen == [10, 20]      # a stop request wins over the last report


# ---------------------------------------------------------------- statistics only where asked

def test_statistics_only_on_the_steps_that_ask(default_data):
    _, data = default_data
    trainer = Trainer(MLP(ModelConfig()), data, TrainConfig(steps=7, stats_every=3))
    trainer.run()
    assert [s for s, _ in trainer.stats] == [0, 3, 6]
    step, stats = trainer.stats[0]
    assert stats["loss"] == trainer.losses[0] and stats["lr"] == 0.1
    assert [r["kind"] for r in stats["layers"]] == ["tanh"] * 5
    assert all("grad_std" in r for r in stats["layers"])
    assert all("update_to_data" in r for r in stats["params"])


def test_ordinary_steps_do_not_retain_activation_gradients(default_data):
    _, data = default_data
    model = MLP(ModelConfig())
    trainer = Trainer(model, data, TrainConfig(steps=2, stats_every=0))
    trainer.run()
    assert all(not layer.out.retains_grad for layer in model.layers)


def test_update_to_data_is_log10_of_lr_grad_over_data(default_data):
    _, data = default_data
    model = MLP(ModelConfig())
    trainer = Trainer(model, data, TrainConfig(steps=1, stats_every=1, lr=0.1))
    trainer.run()
    (_, stats), = trainer.stats
    by_name = {r["name"]: r for r in stats["params"]}
    assert set(by_name) == {name for name, _ in model.named_parameters()}
    for name, p in model.named_parameters():
        if name.endswith("beta"):
            continue        # one step away from all zeros: its ratios say little at step 0
        data_std, grad_std = float(p.detach().std()), float(p.grad.std())
        # the core measures the update as new - old, which float32 rounds: equal to 1e-4 in log10
        assert by_name[name]["update_to_data"] == pytest.approx(math.log10(0.1 * grad_std / data_std), abs=1e-4)
        assert by_name[name]["grad_to_data"] == pytest.approx(grad_std / data_std, rel=1e-5)
        assert by_name[name]["grad_std"] == pytest.approx(grad_std, rel=1e-6)


# ---------------------------------------------------------------- learning

def test_overfits_a_tiny_word_list_to_near_zero_loss():
    dataset = Dataset.from_words(["abcdefghij", "zyxwvutsrq"])         # training split: one word
    data = dataset.tensors(3)
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab)))
    trainer = Trainer(model, data, TrainConfig(steps=300, lr=0.01, optimizer="adam", lr_milestones=[]))
    trainer.run()
    assert trainer.losses[0] > 2.5
    assert split_loss(model, *data["train"]) < 0.1       # eval mode: BatchNorm's running statistics


def test_overfits_several_words_to_their_entropy_floor():
    """With many words the first letter cannot be known in advance: the floor is the data's own
    conditional entropy, which a big enough model reaches."""
    words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail"]
    dataset = Dataset.from_words(words)
    X, Y = dataset.tensors(3)["train"]
    counts = {}
    for x, y in zip(map(tuple, X.tolist()), Y.tolist()):
        counts.setdefault(x, {}).setdefault(y, 0)
        counts[x][y] += 1
    floor = -sum(c * math.log(c / sum(row.values())) for row in counts.values() for c in row.values()) / len(Y)
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab), batchnorm=False))
    trainer = Trainer(model, {"train": (X, Y)}, TrainConfig(steps=400, lr=0.01, optimizer="adam", lr_milestones=[],
                                                           batch_size=len(Y)))
    trainer.run()
    assert split_loss(model, X, Y) < floor + 0.05
    assert floor < 0.5 * trainer.losses[0]


def test_learns_on_the_default_data(default_data):
    _, data = default_data
    model = MLP(ModelConfig())
    trainer = Trainer(model, data, TrainConfig(steps=1000, lr_milestones=[750]))
    trainer.run()
    assert split_loss(model, *data["val"]) < 2.6 < trainer.losses[0]


# ---------------------------------------------------------------- lecture exactness

@pytest.fixture(scope="module")
def notebook(lecture_names):
    """The notebook's data preparation, network and loop, its own code (makemore_core/notebook.py)."""
    words = open(lecture_names, "r").read().splitlines()
    (Xtr, Ytr), (Xdev, Ydev), (Xte, Yte) = notebook_cells.build_splits(words)
    loop = notebook_cells.NotebookLoop(Xtr, Ytr)
    loop.run(STEPS)
    return {"splits": ((Xtr, Ytr), (Xdev, Ydev), (Xte, Yte)), "n_params": sum(p.nelement() for p in loop.parameters),
            "losses": loop.losses, "dev_loss": loop.split_loss(Xdev, Ydev), "C": loop.C.detach()}


STEPS = 30


@pytest.fixture(scope="module")
def core_run(lecture_names):
    dataset = Dataset.from_path(lecture_names)
    data = dataset.tensors(3)
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab)))
    trainer = Trainer(model, data, TrainConfig(steps=STEPS))
    n_params = model.num_parameters()
    trainer.run()
    return {"data": data, "model": model, "trainer": trainer, "n_params": n_params}


def test_lecture_shapes_and_tensors(notebook, core_run):
    data = core_run["data"]
    assert data["train"][0].shape == (182625, 3)
    assert data["val"][0].shape == (22655, 3)
    assert data["test"][0].shape == (22866, 3)
    for split, (X, Y) in zip(("train", "val", "test"), notebook["splits"]):
        assert torch.equal(data[split][0], X) and torch.equal(data[split][1], Y)


def test_lecture_parameter_count(notebook, core_run):
    assert core_run["n_params"] == notebook["n_params"] == 47_024


def test_lecture_step_zero_loss(notebook, core_run):
    assert round(core_run["trainer"].losses[0], 4) == 3.2870
    assert round(notebook["losses"][0], 4) == 3.2870


def test_lecture_first_losses_match_the_notebook_loop(notebook, core_run):
    ours, theirs = core_run["trainer"].losses, notebook["losses"]
    assert len(ours) == len(theirs) == STEPS
    assert max(abs(a - b) for a, b in zip(ours, theirs)) <= 1e-6


def test_lecture_parameters_and_dev_loss_after_training(notebook, core_run):
    model, data = core_run["model"], core_run["data"]
    assert torch.allclose(model.C, notebook["C"], rtol=0, atol=1e-6)
    assert split_loss(model, *data["val"]) == pytest.approx(notebook["dev_loss"], abs=1e-6)


def test_lecture_stats_at_init_are_the_notebook_plots(lecture_names, core_run):
    """At init the diagnostics run on the first minibatch: its loss is the step-0 loss."""
    data = core_run["data"]
    model = MLP(ModelConfig())
    Xtr, Ytr = data["train"]
    ix = torch.randint(0, Xtr.shape[0], (32,), generator=model.generator)
    stats = diagnostics.diagnose(model, Xtr[ix], Ytr[ix])
    assert stats["loss"] == core_run["trainer"].losses[0]
    assert stats["params_total"] == 47_024


def test_batchnorm_with_a_batch_of_one_is_refused():
    from makemore_core.data import Dataset
    from makemore_core.model import MLP, ModelConfig
    from makemore_core.training import TrainConfig, Trainer
    ds = Dataset.from_words(["anna", "bob", "carl", "dina", "emma", "fred", "gina", "hugo", "ida", "jon"])
    data = ds.tensors(3)
    with pytest.raises(ValueError, match="BatchNorm needs a batch of at least 2"):
        Trainer(MLP(ModelConfig(vocab_size=len(ds.vocab))), data, TrainConfig(steps=5, batch_size=1))
    # without BatchNorm a single example per step is fine
    trainer = Trainer(MLP(ModelConfig(vocab_size=len(ds.vocab), batchnorm=False)), data,
                      TrainConfig(steps=5, batch_size=1))
    trainer.run()
    assert trainer.step_num == 5


def test_a_loss_stuck_far_above_a_uniform_guess_is_divergence(default_names):
    """lr 1e6 never gives NaN here (the loss sits near 1e7): the run must still say it diverged."""
    data = Dataset.from_path(default_names).tensors(3)
    for engine in ("eager", "fast-uncompiled"):
        t = Trainer(MLP(ModelConfig()), data, TrainConfig(steps=2000, lr=1e6), engine=engine).run()
        assert t.status == "diverged" and t.step_num < 2000, (engine, t.status, t.losses[-1])
        assert "uniform guess" in t.message and "Lower the learning rate" in t.message
    lecture = Trainer(MLP(ModelConfig()), data, TrainConfig(steps=400)).run()
    assert lecture.status == "finished"
    # the lecture's first, bad init (plain randn weights): starts near 25 and learns: not diverged
    bad_init = ModelConfig(batchnorm=False, soften_last=1.0, fan_in_scaling=False, hidden_layers=1, n_hidden=200)
    t = Trainer(MLP(bad_init), data, TrainConfig(steps=400)).run()
    assert t.losses[0] > 20 and t.status == "finished"


# ---------------------------------------------------------------- one owner of the loop

def test_set_lr_records_the_rate_in_the_config(default_data):
    _, data = default_data
    trainer = Trainer(MLP(ModelConfig()), data, TrainConfig(steps=12, lr=0.1, lr_milestones=[8], lr_factor=0.5))
    trainer.run(steps=4)
    trainer.set_lr(0.04)                       # from step 4 on
    trainer.run()
    assert trainer.lrs[:4] == [0.1] * 4 and trainer.lrs[4:8] == [0.04] * 4 and trainer.lrs[8:] == [0.02] * 4
    assert trainer.config.lr_changes == [(4, 0.04)] and trainer.config.lr == 0.1
    with pytest.raises(ValueError):
        trainer.set_lr(-1.0)


def test_chunks_are_sized_by_the_measured_step_time(default_data):
    _, data = default_data
    trainer = Trainer(MLP(ModelConfig(n_hidden=8, hidden_layers=1)), data, TrainConfig(steps=5_000))
    assert trainer.chunk_size() == 10                    # nothing measured yet
    trainer.advance()
    assert trainer.step_seconds > 0 and trainer.step_num == 10
    trainer.step_seconds = training.CHUNK_SECONDS / 50   # 50 steps fill a chunk
    assert trainer.chunk_size() == 50
    trainer.step_seconds = 10 * training.CHUNK_SECONDS   # one step is longer than a chunk: one at a time
    assert trainer.chunk_size() == 1 and trainer.advance() == 1
    trainer.step_seconds = 1e-12                         # however fast: at most MAX_CHUNK between looks
    assert trainer.chunk_size() == training.MAX_CHUNK
    assert trainer.advance(7) == 7                       # and never more than asked


def test_a_finished_run_given_more_steps_trains_on(default_data):
    _, data = default_data
    trainer = Trainer(MLP(ModelConfig(n_hidden=8, hidden_layers=1)), data, TrainConfig(steps=10)).run()
    assert trainer.status == "finished" and trainer.done
    trainer.config.steps = 25
    assert not trainer.done
    trainer.run()
    assert trainer.step_num == 25 and trainer.status == "finished"
