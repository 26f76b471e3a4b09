"""Save and load a trained model together with its config and vocabulary."""
import io

import torch

from .data import Vocab
from .model import MLP, ModelConfig

FORMAT = "makemore-lab/1"


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint, with a message meant for the user."""


def to_bytes(model: MLP, vocab: Vocab, extra: dict | None = None) -> bytes:
    payload = {
        "format": FORMAT,
        "config": model.config.to_dict(),
        "itos": list(vocab.itos),
        "state": model.state_dict(),
        "extra": extra or {},
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def save(path, model: MLP, vocab: Vocab, extra: dict | None = None):
    with open(path, "wb") as f:
        f.write(to_bytes(model, vocab, extra))


def from_bytes(raw: bytes, device="cpu"):
    """-> (model in eval mode, vocab, extra). Loaded with weights_only=True: no code runs."""
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception:
        raise CheckpointError("not a makemore lab checkpoint (the file could not be read as one)") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"not a makemore lab checkpoint (expected format {FORMAT})")
    try:
        config = ModelConfig.from_dict(payload["config"])
        itos = list(payload["itos"])
        vocab = Vocab(itos[1:])
        if vocab.itos != itos or len(vocab) != config.vocab_size:
            raise ValueError("its vocabulary does not match its config")
        state = payload["state"]
        stored = sum(t.numel() for k, t in state.items() if not k.endswith(("running_mean", "running_var", "running_std")))
        if stored != config.num_parameters():  # checked before any memory is spent on the model
            raise ValueError(f"it holds {stored:,} parameters but its config describes {config.num_parameters():,}")
        model = MLP(config, device)
        model.load_state_dict(state)
    except (KeyError, ValueError, TypeError, AttributeError, RuntimeError) as e:
        raise CheckpointError(f"the checkpoint is damaged or mismatched: {e}") from None
    extra = payload.get("extra", {})
    return model.eval(), vocab, extra if isinstance(extra, dict) else {}


def check_vocab(vocab: Vocab, data_vocab: Vocab):
    """Raise CheckpointError when a checkpoint's vocabulary is not the data set's: its indices
    would then mean other characters (or fall outside its embedding table)."""
    if list(vocab.itos) != list(data_vocab.itos):
        ours, theirs = "".join(vocab.itos[1:]), "".join(data_vocab.itos[1:])
        raise CheckpointError(f"the checkpoint was trained on other characters ({len(vocab)} tokens: {ours[:40]!r}) "
                              f"than the data set in use ({len(data_vocab)} tokens: {theirs[:40]!r})")


def load(path, device="cpu"):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e.strerror}") from None
    return from_bytes(raw, device)
