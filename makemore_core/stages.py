"""The lecture's stages: the network of each chapter of makemore part 3, as configs.

The first half is one hidden layer (n_embd 10, n_hidden 200, block_size 3, tanh), fixed step by
step; every tensor is drawn from one generator in the notebook's order (C, W1, b1, W2, b2, then
the minibatches), and a fix only multiplies what was drawn:

    original      W1, b1, W2, b2 plain randn                         step-0 loss 27.88
    softmax-fix   W2 x 0.01, b2 x 0         (the logits start near 0)
    tanh-fix      also W1 x 0.2, b1 x 0.01  (the tanh starts unsaturated)
    kaiming       W1 x (5/3)/sqrt(30) in place of x 0.2
    batchnorm     kaiming, no b1 (not drawn), the lecture's own BatchNorm on the hidden layer
    deep          the second half: 5 x [Linear, BatchNorm1d, Tanh] of 100, Linear, BatchNorm1d

Schedule: 200,000 steps of batch 32, SGD, lr 0.1, then 0.01 from step 100,000 (deep: 150,000).
"""
from dataclasses import fields, replace

from .model import ModelConfig
from .training import TrainConfig

STAGE_DESCRIPTIONS = {
    "original": "One hidden layer of 200, every weight and bias plain randn: a step-0 loss of 27.88.",
    "softmax-fix": "The output layer shrunk (W2 x 0.01, b2 x 0): the softmax starts near uniform, no hockey stick.",
    "tanh-fix": "The hidden layer shrunk too (W1 x 0.2, b1 x 0.01): the tanh units start unsaturated.",
    "kaiming": "W1 x (5/3)/sqrt(fan_in), Kaiming's gain for tanh, in place of the hand-picked 0.2.",
    "batchnorm": "No b1, and a BatchNorm written by hand (batch mean and std) on the hidden pre-activations.",
    "deep": "The second half's net: 5 x [Linear, BatchNorm1d, Tanh] of 100 neurons, 47,024 parameters.",
}
STAGES = tuple(STAGE_DESCRIPTIONS)

FIRST_HALF = {"n_embd": 10, "n_hidden": 200, "hidden_layers": 1, "block_size": 3, "batchnorm": False}

# Per stage: (hidden Linears' (weight, bias) scale, the output Linear's (weight, bias) scale).
# "kaiming" is (5/3) / sqrt(fan_in), Kaiming's gain for tanh over the square root of the fan-in.
FIRST_HALF_SCALES = {
    "original": ((1.0, 1.0), (1.0, 1.0)),
    "softmax-fix": ((1.0, 1.0), (0.01, 0.0)),
    "tanh-fix": ((0.2, 0.01), (0.01, 0.0)),
    "kaiming": (("kaiming", 0.01), (0.01, 0.0)),
    "batchnorm": (("kaiming", 0.01), (0.01, 0.0)),   # b1's scale is unused: BatchNorm follows, no b1
}


def check_stage(name):
    if name not in STAGE_DESCRIPTIONS:
        raise ValueError(f"unknown stage {name!r}; the stages are: {', '.join(STAGES)}")


def init_scales(name, hidden_layers=1):
    """The (weight scale, bias scale) of every Linear of a first-half stage."""
    hidden, output = FIRST_HALF_SCALES[name]
    return (hidden,) * hidden_layers + (output,)


def stage_configs(name, vocab_size=27, **overrides):
    """(ModelConfig, TrainConfig) of a stage: its net, its init and the lecture's schedule for it.

    Any ModelConfig or TrainConfig field given in `overrides` wins over the stage's value (e.g.
    steps=1000, n_hidden=100); the init scales follow the number of layers the overrides give.
    """
    check_stage(name)
    model_keys = {f.name for f in fields(ModelConfig)}
    train_keys = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(overrides) - model_keys - train_keys)
    if unknown:
        raise ValueError(f"not a model or training option: {', '.join(unknown)}")
    model_over = {k: v for k, v in overrides.items() if k in model_keys}
    train_over = {k: v for k, v in overrides.items() if k in train_keys}

    if name == "deep":
        model = ModelConfig(vocab_size=vocab_size, **model_over)
        train = TrainConfig(**{"steps": 200_000, "lr_milestones": [150_000], **train_over})
        return model, train
    base = dict(FIRST_HALF, vocab_size=vocab_size)
    if name == "batchnorm":
        base.update(batchnorm=True, batchnorm_output=False, batchnorm_kind="lecture")
    model = ModelConfig(**{**base, **model_over})
    if "init_scales" not in model_over:
        model = replace(model, init_scales=init_scales(name, model.hidden_layers))
    train = TrainConfig(**{"steps": 200_000, "lr_milestones": [100_000], **train_over})
    return model, train
