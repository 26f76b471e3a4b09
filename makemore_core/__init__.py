"""makemore_core: the library behind makemore lab. Read it top to bottom like the notebook:

data -> layers -> model -> training (+ stats) -> evaluation -> sampling, on the device of device.py.
"""
from .checkpoint import CheckpointError
from .data import DataError, Dataset, Vocab, build_examples, context_windows, split_words
from .device import describe, pick_device
from .layers import BatchNorm1d, LectureBatchNorm, Linear, ReLU, Tanh
from .model import LECTURE_SEED, MLP, ModelConfig
from .stages import STAGE_DESCRIPTIONS, STAGES, stage_configs
from .training import TrainConfig, Trainer

__all__ = [
    "BatchNorm1d", "CheckpointError", "DataError", "Dataset", "LECTURE_SEED", "LectureBatchNorm", "Linear", "MLP",
    "ModelConfig", "ReLU", "STAGES", "STAGE_DESCRIPTIONS", "Tanh", "Trainer", "TrainConfig", "Vocab", "build_examples",
    "context_windows", "describe", "pick_device", "split_words", "stage_configs",
]
