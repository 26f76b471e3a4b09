"""The shape tracer (makemore_core.shapes) against a real forward pass and real parameter counts."""
import itertools

import pytest
import torch

from makemore_core.model import MLP, ModelConfig
from makemore_core.shapes import format_shape, total_parameters, trace_shapes

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors


def real_forward_shapes(config, batch_size):
    model = MLP(config)
    X = torch.randint(0, config.vocab_size, (batch_size, config.block_size))
    emb = model.C[X]
    shapes = [tuple(X.shape), tuple(emb.shape), tuple(emb.view(batch_size, -1).shape)]
    with torch.no_grad():
        model(X)
    return model, shapes + [tuple(layer.out.shape) for layer in model.layers]


def test_lecture_settings_total_47024_and_shapes():
    rows = trace_shapes(ModelConfig(), 32)
    assert total_parameters(rows) == 47_024
    by_stage = {r.stage: r for r in rows}
    assert by_stage["X"].shape == (32, 3)
    assert by_stage["C[X]"].shape == (32, 3, 10) and by_stage["C[X]"].params == 270
    assert by_stage["view"].shape == (32, 30)
    assert by_stage["Linear 1"].params == 3_000 and by_stage["Linear 2"].params == 10_000
    assert by_stage["Linear 6"].shape == (32, 27) and by_stage["Linear 6"].params == 2_700
    assert by_stage["BatchNorm1d 6"].params == 54 and by_stage["BatchNorm1d 6"].kind == "logits"
    assert rows[-1].stage == "loss" and rows[-1].shape == ()
    assert len({r.stage for r in rows}) == len(rows), "stage names must be unique (they label chart bars)"


CONFIGS = [
    dict(n_embd=e, block_size=t, n_hidden=h, hidden_layers=n, batchnorm=bn)
    for e, t, h, n, bn in itertools.product((1, 2, 10), (1, 4), (10, 64), (0, 1, 3), (True, False))
]


@pytest.mark.parametrize("settings", CONFIGS[::3] + [dict(nonlinearity="relu"), dict(nonlinearity="none"),
                                                     dict(batchnorm_output=False), dict(bias=True)])
def test_trace_matches_real_model(settings):
    config = ModelConfig(**settings)
    rows = trace_shapes(config, 8)
    model, shapes = real_forward_shapes(config, 8)
    assert [r.shape for r in rows[:-1]] == shapes
    assert total_parameters(rows) == model.num_parameters() == config.num_parameters()
    # per layer, too: the tracer's rows after `view` line up with model.layers
    counts = [sum(p.nelement() for p in layer.parameters()) for layer in model.layers]
    assert [r.params for r in rows[3:-1]] == counts


def test_batchnorm_off_gives_each_linear_a_bias():
    rows = trace_shapes(ModelConfig(batchnorm=False), 32)
    linear = [r for r in rows if r.kind in ("linear", "logits") and r.stage.startswith("Linear")]
    assert [r.params for r in linear] == [30 * 100 + 100] + [100 * 100 + 100] * 4 + [100 * 27 + 27]
    assert all("+ b" in r.operation for r in linear)
    assert rows[-2].stage == "Linear 6" and rows[-2].kind == "logits"


def test_batch_size_changes_shapes_not_parameters():
    a, b = trace_shapes(ModelConfig(), 32), trace_shapes(ModelConfig(), 256)
    assert total_parameters(a) == total_parameters(b)
    assert [r.shape[0] for r in b[:-1]] == [256] * (len(b) - 1)


def test_format_shape():
    assert format_shape((182625, 3)) == "(182,625, 3)"
    assert format_shape(("B", "T·E")) == "(B, T·E)"
    assert format_shape(()) == "() scalar"
