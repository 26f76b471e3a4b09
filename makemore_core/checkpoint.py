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
        vocab = Vocab(payload["itos"][1:])
        if vocab.itos != list(payload["itos"]) or len(vocab) != config.vocab_size:
            raise ValueError("its vocabulary does not match its config")
        model = MLP(config, device)
        model.load_state_dict(payload["state"])
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint is damaged or mismatched: {e}") from None
    return model.eval(), vocab, payload.get("extra", {})


def load(path, device="cpu"):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e.strerror}") from None
    return from_bytes(raw, device)
