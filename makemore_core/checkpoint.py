"""Save and load a trained model together with its config and vocabulary.

A checkpoint is bad input until proven otherwise: its size, the size it unpacks to and the model it
declares are checked against limits before anything big is allocated, it is unpickled with
weights_only=True (no code runs), and a SHA-256 of its contents, stored at save, is checked at load.
"""
import hashlib
import io
import json
import zipfile

import torch

from .data import Vocab
from .model import MLP, ModelConfig

FORMAT = "makemore-lab/1"
MAX_PARAMETERS = 16_000_000     # above the Training page's largest net (12 layers of 1,024: ~12.7 M)
MAX_BYTES = 4 * MAX_PARAMETERS + 16 * 2**20   # float32 weights, buffers and the pickle: ~77 MB, on disk and unpacked


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint, with a message meant for the user."""


def digest(config: dict, itos: list, state: dict) -> str:
    """SHA-256 of what makes the model: config, vocabulary, and every tensor's name, type, shape and bytes."""
    h = hashlib.sha256(json.dumps([config, itos], sort_keys=True).encode())
    for name, t in state.items():
        t = t.detach().cpu().contiguous()
        h.update(f"{name} {t.dtype} {tuple(t.shape)}".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def to_bytes(model: MLP, vocab: Vocab, extra: dict | None = None) -> bytes:
    config, itos, state = model.config.to_dict(), list(vocab.itos), model.state_dict()
    payload = {
        "format": FORMAT,
        "config": config,
        "itos": itos,
        "state": state,
        "extra": extra or {},
        "sha256": digest(config, itos, state),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def save(path, model: MLP, vocab: Vocab, extra: dict | None = None):
    with open(path, "wb") as f:
        f.write(to_bytes(model, vocab, extra))


def _check_size(raw: bytes):
    """Refuse files, and zip archives (torch.save's format) that unpack, beyond MAX_BYTES: a 1 MB file
    of compressed zeros would otherwise unpack to a gigabyte inside torch.load."""
    mb = lambda n: f"{n / 2**20:.1f} MB"  # noqa: E731
    if len(raw) > MAX_BYTES:
        raise CheckpointError(f"the file is {mb(len(raw))}; a checkpoint may be at most {mb(MAX_BYTES)}")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise CheckpointError("not a makemore lab checkpoint (the file could not be read as one)") from None
    if unpacked > MAX_BYTES:
        raise CheckpointError(f"the file unpacks to {mb(unpacked)}; a checkpoint may hold at most {mb(MAX_BYTES)}")


def _check_config(config: ModelConfig):
    """The declared model must be buildable: checked before MLP(config) allocates it."""
    if config.num_parameters() > MAX_PARAMETERS:
        raise ValueError(f"its config describes {config.num_parameters():,} parameters; "
                         f"at most {MAX_PARAMETERS:,} are allowed")


def _check_state(state: dict, config: ModelConfig):
    for name, t in state.items():
        if not isinstance(t, torch.Tensor) or not t.dtype.is_floating_point:
            raise ValueError(f"{name} is not a tensor of numbers")
        if not torch.isfinite(t).all():
            raise ValueError(f"{name} holds NaN or infinite numbers (saved from a run that diverged?)")
    stored = sum(t.numel() for k, t in state.items() if not k.endswith(("running_mean", "running_var", "running_std")))
    if stored != config.num_parameters():
        raise ValueError(f"it holds {stored:,} parameters but its config describes {config.num_parameters():,}")


def from_bytes(raw: bytes, device="cpu"):
    """-> (model in eval mode, vocab, extra). Loaded with weights_only=True: no code runs."""
    _check_size(raw)
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception:
        raise CheckpointError("not a makemore lab checkpoint (the file could not be read as one)") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"not a makemore lab checkpoint (expected format {FORMAT})")
    try:
        config = ModelConfig.from_dict(payload["config"])
        _check_config(config)
        itos = list(payload["itos"])
        vocab = Vocab(itos[1:])
        if vocab.itos != itos or len(vocab) != config.vocab_size:
            raise ValueError("its vocabulary does not match its config")
        state = payload["state"]
        # a checkpoint saved before the digest existed has none, and still loads
        if "sha256" in payload and payload["sha256"] != digest(payload["config"], itos, state):
            raise CheckpointError("the checkpoint is corrupted: its contents do not match the checksum saved "
                                  "with it (a damaged download or an edited file)")
        _check_state(state, config)   # before any memory is spent on the model
        model = MLP(config, device)
        model.load_state_dict(state)
    except CheckpointError:
        raise
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
            raw = f.read(MAX_BYTES + 1)   # never more: a path may be /dev/zero, or a huge file
    except OSError as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise CheckpointError(f"checkpoint {path} is over {MAX_BYTES / 2**20:.1f} MB, the limit")
    return from_bytes(raw, device)
