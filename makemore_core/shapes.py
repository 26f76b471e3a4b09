"""The forward pass on paper: every tensor's shape and every layer's parameter count, no tensors built.

For the lecture's deep net at batch 32 this reads
    X (32, 3) -> C[X] (32, 3, 10) -> view (32, 30) -> Linear (32, 100) -> BatchNorm1d ... -> logits (32, 27) -> loss ()
with 47,024 parameters in all. It walks ModelConfig.layer_plan(), the description MLP is built from
(tests check it against a real forward pass).
"""
from dataclasses import dataclass

from .model import ModelConfig


@dataclass
class ShapeRow:
    stage: str          # what the step is, e.g. "C[X]", "Linear 2", "BatchNorm1d 2" (numbered by block)
    operation: str      # how it is computed, in the notebook's words
    symbols: tuple      # the shape in letters, e.g. ("B", "T·E")
    shape: tuple        # the shape in numbers, e.g. (32, 30)
    params: int         # trainable numbers this step owns
    kind: str           # input | embedding | view | linear | batchnorm | nonlinearity | logits | loss


def trace_shapes(config: ModelConfig, batch_size: int) -> list[ShapeRow]:
    """Each step of the forward pass for a batch of `batch_size` examples, with its output shape."""
    c, B = config, int(batch_size)
    T, E, V = c.block_size, c.n_embd, c.vocab_size
    rows = [
        ShapeRow("X", "a batch of contexts (character indices)", ("B", "T"), (B, T), 0, "input"),
        ShapeRow("C[X]", f"look up each index in C ({V}×{E})", ("B", "T", "E"), (B, T, E), V * E, "embedding"),
        ShapeRow("view", "concatenate the T embeddings of each example", ("B", "T·E"), (B, T * E), 0, "view"),
    ]
    plan = config.layer_plan()
    n_linear = sum(kind == "linear" for kind, *_ in plan)
    linear_seen = 0
    width = "H"
    for spec in plan:
        kind, fan_in, fan_out, bias = spec
        params = spec.num_parameters()
        if kind == "linear":
            linear_seen += 1
            width = "V" if linear_seen == n_linear else "H"
            op = f"x @ W ({fan_in}×{fan_out})" + (" + b" if bias else ", no bias (BatchNorm's β shifts instead)")
            rows.append(ShapeRow(f"Linear {linear_seen}", op, ("B", width), (B, fan_out), params, "linear"))
        elif kind == "batchnorm":
            lecture = c.batchnorm_kind == "lecture"   # the lecture's hand-written BatchNorm divides by the std
            rows.append(ShapeRow(f"{'LectureBatchNorm' if lecture else 'BatchNorm1d'} {linear_seen}",
                                 "normalize each column over the batch" + (" (its std, no eps)" if lecture else "")
                                 + ", then γ·x̂ + β", ("B", width), (B, fan_out), params, "batchnorm"))
        else:
            name = {"tanh": "Tanh", "relu": "ReLU"}[c.nonlinearity]
            rows.append(ShapeRow(f"{name} {linear_seen}", "squash each number, elementwise", ("B", width), (B, fan_out), 0,
                                 "nonlinearity"))
    last = rows[-1]  # the last layer's output is the logits: one score per character
    last.operation = {"batchnorm": "BatchNorm as above: its output is the logits",
                      "linear": last.operation + " → logits"}[last.kind]
    last.kind = "logits"
    rows.append(ShapeRow("loss", "cross_entropy(logits, Y): one number for the batch", (), (), 0, "loss"))
    return rows


def total_parameters(rows) -> int:
    return sum(r.params for r in rows)


def format_shape(shape) -> str:
    """(32, 30) -> '(32, 30)'; () -> '() scalar'."""
    if not shape:
        return "() scalar"
    return "(" + ", ".join(f"{s:,}" if isinstance(s, int) else s for s in shape) + ")"
