"""The model: layer list, shapes, parameter counts, init scales, train/eval, state, device."""
import math

import pytest
import torch
import torch.nn.functional as F

from makemore_core.data import Dataset
from makemore_core.device import describe, pick_device
from makemore_core.layers import BatchNorm1d, Linear, ReLU, Tanh
from makemore_core.model import LECTURE_SEED, MLP, ModelConfig

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(scope="module")
def default_data(default_names):
    dataset = Dataset.from_path(default_names)
    return dataset, dataset.tensors(3)


def test_default_config_is_the_lecture_deep_net():
    model = MLP(ModelConfig())
    assert model.num_parameters() == 47_024
    assert model.C.shape == (27, 10)
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [Linear, BatchNorm1d, Tanh] * 5 + [Linear, BatchNorm1d]
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    assert [tuple(l.weight.shape) for l in linears] == [(30, 100)] + [(100, 100)] * 4 + [(100, 27)]
    assert all(l.bias is None for l in linears)             # every Linear is followed by BatchNorm
    assert torch.allclose(model.layers[-1].gamma, torch.full((27,), 0.1))   # softened output
    assert all(p.requires_grad for p in model.parameters())


def test_lecture_two_layer_net_has_12097_parameters():
    model = MLP(ModelConfig(n_hidden=200, hidden_layers=1, batchnorm_output=False))
    assert model.num_parameters() == 12_097
    assert [type(l) for l in model.layers] == [Linear, BatchNorm1d, Tanh, Linear]
    assert model.layers[0].bias is None and model.layers[-1].bias is not None


def test_generator_order_is_the_notebook_order():
    """C first, then each Linear's weight, all from one generator seeded 2147483647."""
    model = MLP(ModelConfig())
    g = torch.Generator().manual_seed(LECTURE_SEED)
    assert torch.equal(model.C, torch.randn((27, 10), generator=g))
    for layer in model.layers:
        if isinstance(layer, Linear):
            fan_in, fan_out = layer.weight.shape
            assert torch.equal(layer.weight, torch.randn((fan_in, fan_out), generator=g) / fan_in**0.5)
    # the model's generator goes on from there: the first minibatch draw is the notebook's
    assert torch.equal(torch.randint(0, 1000, (32,), generator=model.generator),
                       torch.randint(0, 1000, (32,), generator=g))


@pytest.mark.parametrize("batch, block_size, hidden_layers", [(32, 3, 5), (1, 1, 0), (7, 16, 2)])
def test_forward_shapes(batch, block_size, hidden_layers):
    model = MLP(ModelConfig(block_size=block_size, hidden_layers=hidden_layers)).eval()
    X = torch.randint(0, 27, (batch, block_size))
    assert model(X).shape == (batch, 27)
    model.train()
    if batch > 1:
        assert model(X).shape == (batch, 27)


def test_bias_default_is_bias_exactly_where_no_batchnorm():
    no_bn = MLP(ModelConfig(batchnorm=False))
    assert all(l.bias is not None for l in no_bn.layers if isinstance(l, Linear))
    assert no_bn.num_parameters() == 27 * 10 + (30 * 100 + 100) + 4 * (100 * 100 + 100) + (100 * 27 + 27)
    forced = MLP(ModelConfig(batchnorm=True, bias=True))
    assert forced.num_parameters() == 47_024 + 5 * 100 + 27
    none = MLP(ModelConfig(batchnorm=False, bias=False))
    assert all(l.bias is None for l in none.layers if isinstance(l, Linear))


@pytest.mark.parametrize("kw", [
    {}, {"batchnorm": False}, {"batchnorm_output": False}, {"bias": True}, {"bias": False, "batchnorm": False},
    {"hidden_layers": 0}, {"hidden_layers": 2, "n_hidden": 7, "n_embd": 3, "block_size": 5},
    {"nonlinearity": "none"}, {"vocab_size": 40},
])
def test_config_parameter_count_matches_the_built_model(kw):
    config = ModelConfig(**kw)
    model = MLP(config)
    assert config.num_parameters() == model.num_parameters()
    assert sum(count for _, count in model.parameter_counts()) == model.num_parameters()
    assert len(model.named_parameters()) == len(model.parameters())


def test_parameter_counts_per_layer():
    rows = MLP(ModelConfig()).parameter_counts()
    assert rows[0] == ("C (embedding)", 270)
    assert rows[1] == ("0: Linear(30, 100, bias=False)", 3000)
    assert rows[2] == ("1: BatchNorm1d(100)", 200)
    assert rows[3] == ("2: Tanh()", 0)
    assert rows[-1] == ("16: BatchNorm1d(27)", 54)


def test_nonlinearity_choice():
    assert any(isinstance(l, ReLU) for l in MLP(ModelConfig(nonlinearity="relu")).layers)
    plain = MLP(ModelConfig(nonlinearity="none"))
    assert not any(isinstance(l, (Tanh, ReLU)) for l in plain.layers)


def test_gain_scales_linears_as_the_notebook_does():
    """The notebook multiplies every Linear in layers[:-1] by the gain: with a BatchNorm at the end
    that is every Linear; without, the output Linear is the last layer and is softened instead."""
    linears = lambda m: [l for l in m.layers if isinstance(l, Linear)]  # noqa: E731
    base, gained = MLP(ModelConfig()), MLP(ModelConfig(gain=5 / 3))
    for a, b in zip(linears(base), linears(gained)):
        assert torch.allclose(b.weight, a.weight * 5 / 3, rtol=0, atol=1e-6)
    base, gained = MLP(ModelConfig(batchnorm=False)), MLP(ModelConfig(batchnorm=False, gain=5 / 3))
    for a, b in zip(linears(base)[:-1], linears(gained)[:-1]):
        assert torch.allclose(b.weight, a.weight * 5 / 3, rtol=0, atol=1e-6)
    assert torch.equal(linears(base)[-1].weight, linears(gained)[-1].weight)


def test_softening_without_batchnorm_scales_the_last_weight():
    soft, hard = MLP(ModelConfig(batchnorm=False, soften_last=0.1)), MLP(ModelConfig(batchnorm=False, soften_last=1))
    assert torch.allclose(soft.layers[-1].weight, hard.layers[-1].weight * 0.1, rtol=0, atol=1e-7)


def test_fan_in_scaling_off_gives_plain_randn():
    model = MLP(ModelConfig(fan_in_scaling=False, batchnorm=False, soften_last=1.0))
    assert 0.9 < float(model.layers[0].weight.detach().std()) < 1.1


def init_loss(model, data):
    X, Y = data["train"]
    ix = torch.randint(0, X.shape[0], (32,), generator=model.generator)
    return F.cross_entropy(model(X[ix]), Y[ix]).item()


@pytest.mark.parametrize("kw", [{}, {"batchnorm": False}, {"batchnorm": False, "gain": 5 / 3}])
def test_init_loss_is_near_a_uniform_guess_with_softening(default_data, kw):
    _, data = default_data
    loss = init_loss(MLP(ModelConfig(**kw)), data)
    assert abs(loss - math.log(27)) < 0.05, loss


def test_without_softening_the_init_loss_is_far_worse(default_data):
    _, data = default_data
    loss = init_loss(MLP(ModelConfig(batchnorm=False, soften_last=1.0, fan_in_scaling=False)), data)
    assert loss > math.log(27) + 5     # confidently wrong: the lecture's "hockey stick" start


def test_train_eval_switch_every_batchnorm():
    model = MLP(ModelConfig())
    assert model.training and all(bn.training for bn in model.batchnorms())
    assert model.eval() is model and not model.training
    assert not any(bn.training for bn in model.batchnorms())
    model.train()
    assert all(bn.training for bn in model.batchnorms())
    assert MLP(ModelConfig(batchnorm=False)).training        # nothing to switch: always "training"


def test_state_dict_round_trip_and_copy():
    model = MLP(ModelConfig())
    X = torch.randint(0, 27, (32, 3), generator=torch.Generator().manual_seed(1))
    model(X)                                                  # moves the running buffers
    other = MLP(ModelConfig(seed=1))
    other.load_state_dict(model.state_dict())
    for a, b in zip(model.parameters(), other.parameters()):
        assert torch.equal(a, b)
    for bn_a, bn_b in zip(model.batchnorms(), other.batchnorms()):
        assert torch.equal(bn_a.running_mean, bn_b.running_mean) and torch.equal(bn_a.running_var, bn_b.running_var)
    snapshot = model.copy()
    assert torch.equal(snapshot.eval()(X), model.eval()(X))
    with torch.no_grad():
        model.C += 1                                          # the copy is independent
    assert not torch.equal(snapshot.C, model.C)
    assert snapshot.state_dict().keys() == model.state_dict().keys()


def test_load_state_dict_rejects_missing_or_misshapen_tensors():
    model = MLP(ModelConfig())
    state = model.state_dict()
    del state["layers.0.weight"]
    with pytest.raises(KeyError, match="missing"):
        model.load_state_dict(state)
    state = MLP(ModelConfig(n_hidden=50)).state_dict()
    with pytest.raises(ValueError, match="shape"):
        model.load_state_dict(state)


@pytest.mark.parametrize("kw, message", [
    ({"block_size": 0}, "block_size"), ({"block_size": 17}, "block_size"), ({"n_hidden": 0}, "n_hidden"),
    ({"n_embd": 0}, "n_embd"), ({"hidden_layers": -1}, "hidden_layers"), ({"vocab_size": 1}, "vocab_size"),
    ({"gain": -1.0}, "gain"), ({"gain": float("nan")}, "gain"), ({"soften_last": float("inf")}, "soften_last"),
    ({"nonlinearity": "sigmoid"}, "nonlinearity"), ({"bias_init": "ones"}, "bias_init"), ({"seed": -1}, "seed"),
    ({"seed": 2**64}, "seed"),
])
def test_config_rejects_bad_values(kw, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(**kw)


def test_config_dict_round_trip_ignores_unknown_keys():
    config = ModelConfig(n_hidden=64, gain=5 / 3, bias=True)
    assert ModelConfig.from_dict({**config.to_dict(), "from_the_future": 1}) == config


# ---------------------------------------------------------------- device

def test_pick_device(monkeypatch):
    assert pick_device("cpu") == torch.device("cpu")
    assert describe("cpu") == "CPU"
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        pick_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="no CUDA GPU"):
        pick_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device("auto") == torch.device("cuda")      # auto prefers CUDA when there is one


def test_one_intra_op_thread_for_small_models():
    pick_device("cpu")
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("device", DEVICES)
def test_every_tensor_and_the_generator_live_on_the_device(device):
    model = MLP(ModelConfig(), device)
    assert model.generator.device.type == device
    tensors = [model.C] + [p for l in model.layers for p in l.parameters()]
    tensors += [b for bn in model.batchnorms() for b in bn.running]
    assert all(t.device.type == device for t in tensors)
    X = torch.randint(0, 27, (32, 3), generator=model.generator, device=device)
    assert model(X).device.type == device
    assert all(b.device.type == device for bn in model.batchnorms() for b in bn.running)
    assert model.copy().C.device.type == device


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
def test_the_whole_pipeline_runs_on_cuda(default_names):
    from makemore_core import checkpoint, evaluation, sampling
    from makemore_core.training import TrainConfig, Trainer
    dataset = Dataset.from_path(default_names)
    data = dataset.tensors(3, "cuda")
    assert all(t.device.type == "cuda" for pair in data.values() for t in pair)
    model = MLP(ModelConfig(), "cuda")
    trainer = Trainer(model, data, TrainConfig(steps=20, stats_every=10, eval_every=10))
    trainer.run()
    assert trainer.status == "finished" and len(trainer.stats) == 2 and len(trainer.val_losses) == 2
    assert math.isfinite(evaluation.split_loss(model, *data["val"]))
    assert len(evaluation.batchnorm_mode_losses(model, data, max_examples=64)) == 4
    assert len(evaluation.word_nll(model, dataset.vocab, "emma", 3)) == 5
    assert len(sampling.sample(model, dataset.vocab, n=5)) == 5
    assert sampling.sample(model, dataset.vocab, n=5, seed=1) == sampling.sample(model, dataset.vocab, n=5, seed=1)
    assert len(sampling.beam_search(model, dataset.vocab, width=3)) == 3
    loaded, _, _ = checkpoint.from_bytes(checkpoint.to_bytes(model, dataset.vocab), "cuda")
    assert loaded.C.device.type == "cuda"
    assert torch.equal(loaded(data["val"][0][:64]), model.eval()(data["val"][0][:64]))


@pytest.mark.parametrize("config", [ModelConfig(), ModelConfig(batchnorm=False, nonlinearity="none"),
                                    ModelConfig(batchnorm_output=False, hidden_layers=2, bias=True),
                                    ModelConfig(batchnorm_kind="lecture", nonlinearity="relu", hidden_layers=0)])
def test_layer_plan_is_what_mlp_builds(config):
    """MLP, num_parameters and the shape tracer all read ModelConfig.layer_plan(): it must describe the real net."""
    model = MLP(config)
    plan = config.layer_plan()
    assert len(plan) == len(model.layers)
    for spec, layer in zip(plan, model.layers):
        assert spec.kind == {"Linear": "linear", "BatchNorm1d": "batchnorm", "LectureBatchNorm": "batchnorm",
                             "Tanh": "nonlinearity", "ReLU": "nonlinearity"}[type(layer).__name__]
        assert spec.num_parameters() == sum(p.nelement() for p in layer.parameters())
        if spec.kind == "linear":
            assert tuple(layer.weight.shape) == (spec.fan_in, spec.fan_out)
            assert (layer.bias is not None) == spec.bias
    assert config.num_parameters() == model.num_parameters()
    names = [name for name, _, _ in model.named_tensors()]
    assert set(names) == set(model.state_dict()) and len(names) == len(set(names))


def test_eval_mode_and_batch_stats_mode_restore_the_mode_even_on_error():
    model = MLP(ModelConfig(n_hidden=8, hidden_layers=1))
    running = [t.clone() for bn in model.batchnorms() for t in bn.running]
    for mode in (model.eval_mode, model.batch_stats_mode):
        for start in (True, False):
            model.train(start)
            with pytest.raises(RuntimeError):
                with mode():
                    assert model.training == (mode == model.batch_stats_mode)
                    model(torch.randint(0, 27, (4, 3)))
                    raise RuntimeError("inside the block")
            assert model.training == start
            assert all(bn.update_running for bn in model.batchnorms())
    # neither mode moved the running statistics
    assert all(torch.equal(a, b) for a, b in zip(running, [t for bn in model.batchnorms() for t in bn.running]))
