"""The fast engine computes what the eager Trainer computes: losses, parameters, BatchNorm buffers,
statistics, divergence, generator state; and it hands over to the eager step where it must."""
import math

import pytest
import torch

from makemore_core import engine as engine_module
from makemore_core import training
from makemore_core.data import Dataset
from makemore_core.device import configure_threads
from makemore_core.engine import plan_of, train_step
from makemore_core.model import MLP, ModelConfig
from makemore_core.stages import STAGES, stage_configs
from makemore_core.training import MAX_CHUNK, TrainConfig, Trainer

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

TIGHT = 1e-5
configure_threads()  # one thread, as the app runs (two threads oversubscribe a busy 2-core machine)


@pytest.fixture(scope="module")
def data(default_names):
    return Dataset.from_path(default_names).tensors(3, "cpu")


def trainer(data, engine, **train):
    model_kw = train.pop("model", {})
    config = TrainConfig(**{"steps": 300, "lr_milestones": [150], **train})
    return Trainer(MLP(ModelConfig(**model_kw)), data, config, engine=engine)


def max_diff(a, b):
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def assert_same_state(a, b, tol=1e-4, rtol=1e-4):
    for (name, p), q in zip(a.model.named_parameters(), b.model.parameters()):
        assert torch.allclose(p, q, atol=tol, rtol=rtol), name
    for bn_a, bn_b in zip(a.model.batchnorms(), b.model.batchnorms()):
        for buf_a, buf_b in zip(bn_a.running, bn_b.running):   # mean, then var (or the lecture BN's std)
            assert torch.allclose(buf_a, buf_b, atol=tol, rtol=rtol)


def test_lecture_losses_parameters_and_buffers_match_eager(data):
    eager = trainer(data, "eager").run()
    fast = trainer(data, "fast-uncompiled").run()
    assert fast.engine_status.startswith("fast")
    assert len(fast.losses) == len(eager.losses) == 300
    assert max_diff(eager.losses[:100], fast.losses[:100]) < TIGHT
    assert max_diff(eager.losses, fast.losses) < 1e-4
    assert fast.lrs == eager.lrs and fast.lrs[149] == 0.1 and fast.lrs[150] == pytest.approx(0.01)
    assert_same_state(eager, fast)
    # the generator was advanced exactly as the eager loop advances it
    assert torch.equal(torch.randint(0, 10**6, (8,), generator=eager.g), torch.randint(0, 10**6, (8,), generator=fast.g))
    assert fast.status == eager.status == "finished"


def continue_from(base, d, engine, steps):
    """A new trainer on a copy of `base`'s model and generator: the same state for both engines."""
    g = torch.Generator().set_state(base.g.get_state())
    config = TrainConfig(steps=steps, lr_milestones=[150])
    return Trainer(base.model.copy(), d, config, generator=g, engine=engine)


def agree_from_the_same_state(d, model, warmup=100, steps=5):
    """Eager and fast steps from the same state, at init and after `warmup` eager steps.

    Compared over a few steps only: a ReLU net is chaotic (a ReLU that flips on a rounding
    difference of 1e-7 sends the runs apart), and another processor's kernels round differently
    (seen: 0.02 apart after 100 ReLU steps with AVX2 kernels). Measured over 5 steps, with AVX-512,
    AVX2 and default kernels: losses within 5e-7 and parameters within 1.2e-7; with one gradient 1%
    off (test below), parameters 3e-4 apart and losses up to 1.5e-4."""
    init = trainer(d, "eager", model=dict(model), steps=steps).run()
    fast_init = trainer(d, "fast-uncompiled", model=dict(model), steps=steps)
    assert fast_init.engine.covers(fast_init)
    fast_init.run()
    base = trainer(d, "eager", model=dict(model), steps=warmup).run()
    later = continue_from(base, d, "eager", steps).run()
    fast_later = continue_from(base, d, "fast-uncompiled", steps).run()
    return [(init, fast_init), (later, fast_later)]


@pytest.mark.parametrize("model", [
    {"nonlinearity": "relu"},
    {"batchnorm": False},                                  # a bias where no BatchNorm follows
    {"bias": True},                                        # bias and BatchNorm
    {"nonlinearity": "none", "batchnorm": False},
    {"hidden_layers": 0, "n_hidden": 50},                  # one Linear + BatchNorm
    {"gain": 5 / 3, "batchnorm_output": False, "n_embd": 4, "block_size": 5},
])
def test_other_architectures_match_eager(data, default_names, model):
    d = data if model.get("block_size", 3) == 3 else Dataset.from_path(default_names).tensors(model["block_size"], "cpu")
    for eager, fast in agree_from_the_same_state(d, model):
        assert max_diff(eager.losses, fast.losses) < 1e-5
        assert_same_state(eager, fast, tol=1e-5)


def test_the_same_state_check_catches_a_wrong_gradient(data, monkeypatch):
    """The check above fails when one gradient of the fast engine is 1% off (here the gradient of
    the first tensor its SGD update sees); eager steps update with `p += -lr * p.grad` instead."""
    real = torch._foreach_mul_

    def one_gradient_off(tensors, scalar):
        real(tensors, scalar)
        tensors[0].mul_(1.01)

    monkeypatch.setattr(torch, "_foreach_mul_", one_gradient_off)
    failures = 0
    for eager, fast in agree_from_the_same_state(data, {"nonlinearity": "relu"}, warmup=20):
        try:
            assert max_diff(eager.losses, fast.losses) < 1e-5
            assert_same_state(eager, fast, tol=1e-5)
        except AssertionError:
            failures += 1
    assert failures == 2


def stage_trainer(data, stage, engine, **train):
    model, config = stage_configs(stage, **{"steps": 100, **train})
    return Trainer(MLP(model), data, config, engine=engine)


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_matches_eager(data, stage):
    """The first half's biases and the lecture's own BatchNorm (std, no eps) run in the engine too.
    Float32 rounding differs between the two backward passes by about 1e-7 per operation; over 100
    steps of a tanh net the losses stay within 1e-5 of each other (relative: `original` starts at 27).
    `original`'s hockey stick (logits in the tens, saturated tanh) amplifies rounding about tenfold
    every 20 steps: there 10 steps agree to 1e-5, and the rest as a curve (mean loss to 1%)."""
    eager = stage_trainer(data, stage, "eager").run()
    fast = stage_trainer(data, stage, "fast-uncompiled").run()
    assert fast.engine.covers(fast) and fast.engine_status.startswith("fast")
    assert fast.losses[0] == pytest.approx(eager.losses[0], rel=1e-6)
    exact = 10 if stage == "original" else len(eager.losses)
    pairs = list(zip(eager.losses, fast.losses))[:exact]
    assert max(abs(x - y) / max(1.0, abs(x)) for x, y in pairs) < TIGHT
    assert sum(fast.losses) / len(fast.losses) == pytest.approx(sum(eager.losses) / len(eager.losses), rel=0.01)
    if stage != "original":
        assert_same_state(eager, fast, tol=1e-4)


@pytest.mark.parametrize("stage", ["batchnorm", "original"])
def test_stage_statistics_equal_the_eager_statistics(data, stage):
    eager = stage_trainer(data, stage, "eager", steps=1, stats_every=1).run()
    fast = stage_trainer(data, stage, "fast-uncompiled", steps=1, stats_every=1).run()
    assert_close_tree(eager.stats[0][1], fast.stats[0][1])


def test_lecture_batchnorm_running_std_over_a_milestone(data):
    """The running std (momentum 0.001) follows the eager layer's across the lr decay."""
    eager = stage_trainer(data, "batchnorm", "eager", steps=300, lr_milestones=[150]).run()
    fast = stage_trainer(data, "batchnorm", "fast-uncompiled", steps=300, lr_milestones=[150]).run()
    bn_e, bn_f = eager.model.batchnorms()[0], fast.model.batchnorms()[0]
    assert not torch.equal(bn_f.running_std, torch.ones_like(bn_f.running_std))
    assert torch.allclose(bn_e.running_std, bn_f.running_std, rtol=1e-5, atol=1e-6)
    assert max_diff(eager.losses, fast.losses) < 1e-4


def test_single_steps_equal_a_run(data):
    """The UI steps one at a time; that path must give the chunked run's numbers."""
    stepped = trainer(data, "fast-uncompiled", steps=120, stats_every=50)
    losses = [stepped.step() for _ in range(120)]
    ran = trainer(data, "fast-uncompiled", steps=120, stats_every=50).run()
    assert losses == stepped.losses
    assert max_diff(losses, ran.losses) < TIGHT
    assert [s for s, _ in stepped.stats] == [s for s, _ in ran.stats] == [0, 50, 100]


def structure(value):
    """The shape of a stats dict: keys and types, not the numbers."""
    if isinstance(value, dict):
        return {k: structure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [structure(v) for v in value[:3]] + [len(value)]
    return type(value).__name__ if value is not None else None


def moved_bins(a, b) -> float:
    """How far, in bins, the mass of one histogram must move to make the other (earth mover's distance,
    as a share of the mass)."""
    cum_a, cum_b, moved = 0.0, 0.0, 0.0
    for x, y in zip(a, b):
        cum_a, cum_b = cum_a + x, cum_b + y
        moved += abs(cum_a - cum_b)
    return moved / (sum(a) + 1e-9)


def assert_close_tree(a, b, path="stats"):
    """Same keys, same lengths, numbers equal to float32 noise. A histogram's values on a bin edge may fall
    on either side of it: a symmetric range puts zero on its middle edge, and C's rows that no example
    used have exactly zero gradient, so float noise in the edges can move that whole spike by one bin."""
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            assert_close_tree(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        if path.endswith("density"):
            assert moved_bins(a, b) <= 1.0, path
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                assert_close_tree(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-3, abs=1e-6), path
    else:
        assert a == b, path


@pytest.mark.parametrize("model", [{}, {"nonlinearity": "relu"}, {"nonlinearity": "none", "batchnorm": False}])
def test_engine_statistics_equal_the_eager_statistics(data, model):
    """Step 0 starts from the same weights in both: every number and histogram must agree."""
    eager = trainer(data, "eager", model=dict(model), steps=1, stats_every=1).run()
    fast = trainer(data, "fast-uncompiled", model=dict(model), steps=1, stats_every=1).run()
    assert_close_tree(eager.stats[0][1], fast.stats[0][1])
    for a, b in zip(eager.model.layers, fast.model.layers):   # the eager step's side effects, too
        assert torch.allclose(a.out, b.out, atol=1e-5)
    for p, q in zip(eager.model.parameters(), fast.model.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-6)


def test_statistics_have_the_eager_structure_and_values(data):
    eager = trainer(data, "eager", steps=201, stats_every=100).run()
    fast = trainer(data, "fast-uncompiled", steps=201, stats_every=100).run()
    assert [s for s, _ in fast.stats] == [s for s, _ in eager.stats] == [0, 100, 200]
    for (_, a), (_, b) in zip(eager.stats, fast.stats):
        assert structure(a) == structure(b)
        assert b["loss"] == pytest.approx(a["loss"], abs=1e-4)
        for ra, rb in zip(a["layers"], b["layers"]):
            assert rb["std"] == pytest.approx(ra["std"], rel=1e-3)
            assert rb["saturation_pct"] == pytest.approx(ra["saturation_pct"], abs=1.0)
        for ra, rb in zip(a["params"], b["params"]):
            assert rb["grad_std"] == pytest.approx(ra["grad_std"], rel=1e-2)


def test_validation_and_progress_land_on_the_same_steps(data):
    seen = {}
    for name in ("eager", "fast-uncompiled"):
        t = trainer(data, name, steps=250, eval_every=100)
        calls = []
        t.run(on_progress=lambda tr: calls.append(tr.step_num), progress_every=50)
        seen[name] = (calls, [s for s, _ in t.val_losses], [v for _, v in t.val_losses])
    assert seen["eager"][:2] == seen["fast-uncompiled"][:2] == ([50, 100, 150, 200, 250], [100, 200])
    assert max_diff(seen["eager"][2], seen["fast-uncompiled"][2]) < 1e-4


def test_should_stop_is_honoured_at_chunk_ends(data):
    t = trainer(data, "fast-uncompiled", steps=10_000)
    t.run(should_stop=lambda: t.step_num >= 30)
    assert 30 <= t.step_num <= 30 + MAX_CHUNK and t.status == "ready"


@pytest.mark.parametrize("settings", [
    {"lr": 1e30},                                           # infinite weights after step 0: NaN at step 1
    {"lr": 0.1, "lr_milestones": [40], "lr_factor": 1e30},  # a chunk boundary first, then NaN at step 41
])
def test_divergence_matches_eager_exactly(data, settings):
    """A too-large learning rate: the engine stops where the eager step stops, with the same
    message, history, parameters and generator state (it rolls the chunk back and replays)."""
    eager = trainer(data, "eager", **{"steps": 250, **settings}).run()
    fast = trainer(data, "fast-uncompiled", **{"steps": 250, **settings}).run()
    assert eager.status == "diverged" and 0 < eager.step_num < 250
    assert fast.status == "diverged" and fast.step_num == eager.step_num
    assert fast.message == eager.message
    assert max_diff(eager.losses, fast.losses) < 1e-3 and all(math.isfinite(v) for v in fast.losses)
    # the parameters are those from before the bad step: exactly what a run that stops there leaves
    stopped = trainer(data, "fast-uncompiled", **{**settings, "steps": fast.step_num}).run()
    for p, q in zip(stopped.model.parameters(), fast.model.parameters()):
        assert torch.equal(p, q) and torch.isfinite(q).all()
    assert torch.equal(torch.randint(0, 10**6, (8,), generator=eager.g), torch.randint(0, 10**6, (8,), generator=fast.g))


def test_single_step_divergence_returns_none(data):
    t = trainer(data, "fast-uncompiled", lr=1e30, steps=50)
    results = [t.step() for _ in range(3)]
    assert None in results and t.status == "diverged"
    assert all(math.isfinite(p.abs().max().item()) for p in t.model.parameters())


def test_adam_and_batch_of_one_fall_back_to_eager(data):
    adam = trainer(data, "fast-uncompiled", optimizer="adam", lr=1e-3, steps=30).run()
    reference = trainer(data, "eager", optimizer="adam", lr=1e-3, steps=30).run()
    assert not adam.engine.covers(adam) and adam.engine_status.startswith("eager")
    assert adam.losses == reference.losses
    tiny = trainer(data, "fast-uncompiled", batch_size=1, steps=5, model={"batchnorm": False})
    assert tiny.engine.covers(tiny)   # without BatchNorm a batch of one is fine
    assert len(tiny.run().losses) == 5
    with pytest.raises(ValueError, match="BatchNorm needs a batch of at least 2"):  # refused up front
        trainer(data, "fast-uncompiled", batch_size=1, steps=5)


def test_eval_mode_model_uses_the_eager_step(data):
    t = trainer(data, "fast-uncompiled", steps=10)
    t.model.eval()
    assert not t.fast()
    t.model.train()
    assert t.fast()


def test_unknown_engine_is_rejected(data):
    with pytest.raises(ValueError, match="engine"):
        trainer(data, "warp-speed")


def test_unknown_layer_is_not_planned():
    model = MLP(ModelConfig())
    model.layers.append(object())
    assert plan_of(model) is None


@pytest.mark.parametrize("kind", ["torch", "lecture"])
def test_the_cuda_graph_rebind_points_every_buffer_at_the_captured_tensors(kind):
    """After a CUDA graph replays, the layers must hold the captured buffers (BatchNorm's running
    statistics, whatever their names) and keep their parameters: checked here on the CPU."""
    model = MLP(ModelConfig(hidden_layers=2, batchnorm_kind=kind))
    static = [t.detach().clone() for t in engine_module.model_tensors(model)]
    engine_module.FastEngine._rebind(model, static)
    for (name, t, trainable), s in zip(model.named_tensors(), static):
        assert (t is s) != trainable, name   # buffers: the captured tensors; parameters: their own


def test_chunked_minibatch_draws_equal_per_step_draws():
    """The engine draws a chunk's minibatches in one randint call on the CPU."""
    a, b = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    per_step = torch.cat([torch.randint(0, 182_625, (32,), generator=a) for _ in range(50)])
    assert torch.equal(per_step, torch.randint(0, 182_625, (50 * 32,), generator=b))


def test_failed_compile_keeps_training_uncompiled(data, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no compiler here")
    monkeypatch.setattr(engine_module.torch, "compile", broken)
    t = trainer(data, "fast-compiled", steps=50)
    assert "compile failed" in t.engine_status
    reference = trainer(data, "eager", steps=50).run()
    assert max_diff(t.run().losses, reference.losses) < TIGHT


def test_background_compile_steps_meanwhile_and_reports_status(data, monkeypatch):
    """While the (stand-in) compile runs in its thread the uncompiled step trains; then the
    compiled function takes over."""
    import threading
    release, calls = threading.Event(), []

    def slow_compile(fn, **kwargs):
        release.wait(10)

        def compiled(*args):
            calls.append(1)
            return fn(*args)
        return compiled
    monkeypatch.setattr(engine_module.torch, "compile", slow_compile)
    t = trainer(data, "fast", steps=200)
    assert t.engine_status == "compiling (fast-uncompiled meanwhile)"
    t.run(steps=100)
    assert t.step_num == 100 and not calls
    release.set()
    for _ in range(100):
        if t.engine_status == "compiled":
            break
        threading.Event().wait(0.05)
    assert t.engine_status == "compiled"
    t.run()
    assert calls and t.step_num == 200
    reference = trainer(data, "eager", steps=200).run()
    assert max_diff(t.losses, reference.losses) < 1e-4


def test_real_compile_matches_eager(data):
    """torch.compile of the whole step (slow the first time: inductor compiles C++)."""
    fast = trainer(data, "fast-compiled", steps=120, stats_every=100)
    if "failed" in fast.engine_status:
        pytest.skip(f"torch.compile unavailable here: {fast.engine_status}")
    assert fast.engine_status == "compiled"
    eager = trainer(data, "eager", steps=120, stats_every=100).run()
    fast.run()
    assert max_diff(eager.losses[:100], fast.losses[:100]) < 1e-4
    assert_same_state(eager, fast)


def test_real_compile_of_the_lecture_batchnorm_stage_matches_eager(data):
    """The compiled step with the lecture's BatchNorm (std, no eps) and the output bias."""
    fast = stage_trainer(data, "batchnorm", "fast-compiled", steps=120)
    if "failed" in fast.engine_status:
        pytest.skip(f"torch.compile unavailable here: {fast.engine_status}")
    assert fast.engine_status == "compiled"
    eager = stage_trainer(data, "batchnorm", "eager", steps=120).run()
    fast.run()
    assert max_diff(eager.losses, fast.losses) < 1e-4
    assert_same_state(eager, fast)


def test_train_step_is_pure_tensor_code():
    """What the compiled/CUDA-graph paths rely on: train_step mutates in place and returns a 0-d loss."""
    model = MLP(ModelConfig(n_hidden=8, hidden_layers=1))
    plan = plan_of(model)
    before = model.C.detach().clone()
    X = torch.randint(0, 27, (4, 3))
    Y = torch.randint(0, 27, (4,))
    with torch.no_grad():
        loss = train_step(plan, [t.detach() for t in engine_module.model_tensors(model)], X, Y, torch.tensor(0.1))
    assert loss.ndim == 0 and math.isfinite(loss.item())
    assert not torch.equal(before, model.C)


def test_a_chunk_never_crosses_a_milestone_or_a_statistics_step(data, monkeypatch):
    """Callers such as the Training page's run thread may ask for any n: one chunk, one lr."""
    # a chunk's time budget without limit, whatever the steps measure on a loaded machine: only the
    # boundaries end a chunk
    monkeypatch.setattr(training, "CHUNK_SECONDS", 1e9)
    t = trainer(data, "fast-uncompiled", steps=300, lr_milestones=[30], stats_every=50)
    t.step_seconds = 1e-9        # measured already (else the first chunk is 10 steps)
    assert t.advance(1000) == 1 and t.stats[-1][0] == 0      # the statistics step alone
    assert t.advance(1000) == 29 and t.step_num == 30          # up to the milestone
    assert t.advance(1000) == 20 and t.step_num == 50          # up to the next statistics step
    assert t.lrs[29] == 0.1 and t.lrs[30] == pytest.approx(0.01)
    eager = trainer(data, "eager", steps=50, lr_milestones=[30], stats_every=50).run()
    assert max_diff(eager.losses, t.losses) < TIGHT
