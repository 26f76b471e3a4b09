"""Save and load a trained model together with its config and vocabulary.

A checkpoint is bad input until proven otherwise. Before anything in it is expanded, hashed, printed
or converted: its size, the size it unpacks to and its pickle's size are bounded; it is unpickled with
weights_only=True (no code runs); its config, vocabulary and metadata must be plain values of bounded
count, depth and length (a list shared many times over counts each time, as json.dumps would write
it); and its tensors must be exactly those its config declares, each of that shape, stored densely
(a stride-0 view of 4 bytes can claim gigabytes). Then a SHA-256 of its contents, stored at save, is
checked, and the model is built.
"""
import hashlib
import io
import json
import math
import typing
import zipfile
from dataclasses import fields

import torch

from .data import MAX_CHARS, Vocab
from .model import MLP, ModelConfig

FORMAT = "makemore-lab/1"
MAX_PARAMETERS = 16_000_000     # above the Training page's largest net (12 layers of 1,024: ~12.7 M)
MAX_BYTES = 4 * MAX_PARAMETERS + 16 * 2**20   # float32 weights, buffers and the pickle: ~77 MB, on disk and unpacked
MAX_PICKLE = 2**20              # data.pkl, the archive's index of everything but the tensors' bytes (a few KB)
MAX_RECORDS = 1_000             # files in the archive: one per tensor (at most ~200) and a few more
PAYLOAD_KEYS = {"format", "config", "itos", "state", "extra", "sha256"}
# Plain values (config, vocabulary, metadata): how many (nested ones included), how deep, how long a text.
MAX_VALUES = {"config": 256, "vocabulary": MAX_CHARS + 2, "metadata": 10_000}
MAX_DEPTH = 8
MAX_TEXT = 1_000
MAX_MESSAGE = 300               # characters of a damaged file's detail echoed in the error


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


def check_size(raw: bytes, limit: int | None = None):
    """Refuse files, and zip archives (torch.save's format) that unpack, beyond `limit` (MAX_BYTES,
    read at the call, unless given): a 1 MB file
    of compressed zeros would otherwise unpack to a gigabyte inside torch.load. Its pickle, which
    describes everything but the tensors' bytes, is a few KB in any checkpoint the lab writes."""
    mb = lambda n: f"{n / 2**20:.1f} MB"  # noqa: E731
    limit = MAX_BYTES if limit is None else limit
    if len(raw) > limit:
        raise CheckpointError(f"the file is {mb(len(raw))}; a checkpoint may be at most {mb(limit)}")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise CheckpointError("not a makemore lab checkpoint (the file could not be read as one)") from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limit:
        raise CheckpointError(f"the file unpacks to {mb(unpacked)}; a checkpoint may hold at most {mb(limit)}")
    pickle_size = sum(info.file_size for info in infos if info.filename.endswith("data.pkl"))
    if len(infos) > MAX_RECORDS or pickle_size > MAX_PICKLE:
        raise CheckpointError(f"not a makemore lab checkpoint (it describes more than any checkpoint does: "
                              f"{len(infos):,} files, an index of {mb(pickle_size)})")


def _check_plain(value, what: str):
    """Refuse anything in `value` but None, bools, numbers, texts of at most MAX_TEXT characters, and
    lists and dicts (text keys) of them, at most MAX_DEPTH deep and MAX_VALUES[what] in all. Walked
    without recursion, a shared list counted each time it is met: nothing here expands, prints or hashes."""
    limit, count, stack = MAX_VALUES[what], 1, [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"its {what} is nested more than {MAX_DEPTH} deep")
        if isinstance(v, (dict, list, tuple)):
            count += 2 * len(v) if isinstance(v, dict) else len(v)   # a dict's keys and values
            if count > limit:
                raise ValueError(f"its {what} holds more than {limit:,} values")
            if isinstance(v, dict) and not all(isinstance(k, str) for k in v):
                raise ValueError(f"its {what} has a key that is not a text")
            children = [*v.keys(), *v.values()] if isinstance(v, dict) else v
            stack += [(child, depth + 1) for child in children]
        elif isinstance(v, str) and len(v) > MAX_TEXT:
            raise ValueError(f"its {what} holds a text of {len(v):,} characters (at most {MAX_TEXT:,})")
        elif isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**64:
            raise ValueError(f"its {what} holds a number beyond 2**64")
        elif not (v is None or isinstance(v, (bool, int, float, str))):
            raise ValueError(f"its {what} holds a {type(v).__name__}, not a plain value")


def _field_accepts(annotation, value) -> bool:
    """Whether `value` is of a ModelConfig field's declared type (int | float | bool | str | tuple, or None)."""
    for kind in typing.get_args(annotation) or (annotation,):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if (value is None and kind is type(None)) or (kind is bool and isinstance(value, bool)) \
                or (kind is int and number and isinstance(value, int)) or (kind is float and number) \
                or (kind is str and isinstance(value, str)) or (kind is tuple and isinstance(value, (list, tuple))):
            return True
    return False


def _config(d) -> ModelConfig:
    """The ModelConfig of a checkpoint's config dict: only the settings ModelConfig declares, each of its
    type, and a model small enough to build (checked before MLP(config) allocates it)."""
    if not isinstance(d, dict):
        raise ValueError("its config is not a set of settings")
    _check_plain(d, "config")
    declared = {f.name: f.type for f in fields(ModelConfig)}
    for key, value in d.items():
        if key not in declared:
            raise ValueError(f"its config has a setting this lab does not know: {key[:40]!r}")
        if not _field_accepts(declared[key], value):
            raise ValueError(f"its config's {key} is a {type(value).__name__}")
    config = ModelConfig.from_dict(d)   # every key a declared one: nothing is dropped
    if config.num_parameters() > MAX_PARAMETERS:
        raise ValueError(f"its config describes {config.num_parameters():,} parameters; "
                         f"at most {MAX_PARAMETERS:,} are allowed")
    return config


def _vocab(itos, config: ModelConfig) -> Vocab:
    """The vocabulary: '.' then the config's vocab_size - 1 distinct single characters, sorted."""
    if not isinstance(itos, (list, tuple)):
        raise ValueError("its vocabulary is not a list of characters")
    _check_plain(itos, "vocabulary")
    if not all(isinstance(ch, str) and len(ch) == 1 for ch in itos):
        raise ValueError("its vocabulary holds entries that are not single characters")
    vocab = Vocab(itos[1:])
    if vocab.itos != list(itos) or len(vocab) != config.vocab_size:
        raise ValueError("its vocabulary does not match its config")
    return vocab


def _check_layout(state, config: ModelConfig):
    """Exactly the tensors the config declares (its tensor_plan), each of that shape, a floating-point
    tensor stored densely in its own storage: checked before any is read, hashed or copied."""
    if not isinstance(state, dict):
        raise ValueError("its tensors are not a dictionary")
    plan = {t.name: t.shape for t in config.tensor_plan()}
    unknown = [str(k)[:60] for k in state if k not in plan]
    if unknown:
        raise ValueError(f"it holds a tensor its config does not describe: {unknown[0]!r}")
    missing = [name for name in plan if name not in state]
    if missing:
        raise ValueError(f"missing tensors: {', '.join(missing[:3])}")
    for name, shape in plan.items():
        t = state[name]
        if not isinstance(t, torch.Tensor) or t.layout != torch.strided or not t.dtype.is_floating_point:
            raise ValueError(f"{name} is not a tensor of numbers")
        if tuple(t.shape) != shape:   # the count from the shapes alone: nothing is read
            stored = sum(math.prod(getattr(state[s.name], "shape", ())) for s in config.tensor_plan() if s.trainable)
            raise ValueError(f"it holds {stored:,} parameters but its config describes {config.num_parameters():,} "
                             f"({name} has shape {tuple(t.shape)}, expected {shape})")
        if not t.is_contiguous() or t.storage_offset() + t.numel() > t.untyped_storage().nbytes() // t.element_size():
            raise ValueError(f"{name} is not stored as a plain array of its numbers")


def _check_finite(state: dict):
    for name, t in state.items():
        if not torch.isfinite(t).all():
            raise ValueError(f"{name} holds NaN or infinite numbers (saved from a run that diverged?)")


def _payload(raw: bytes) -> dict:
    check_size(raw)
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception:
        raise CheckpointError("not a makemore lab checkpoint (the file could not be read as one)") from None
    if not isinstance(payload, dict) or not all(isinstance(k, str) for k in payload) \
            or not set(payload) <= PAYLOAD_KEYS or payload.get("format") != FORMAT:
        raise CheckpointError(f"not a makemore lab checkpoint (expected format {FORMAT})")
    return payload


def from_bytes(raw: bytes, device="cpu"):
    """-> (model in eval mode, vocab, extra). Loaded with weights_only=True: no code runs, and every
    value is checked against what the config declares before anything is expanded (see the top)."""
    payload = _payload(raw)
    try:
        config = _config(payload["config"])
        vocab = _vocab(payload["itos"], config)
        extra = payload.get("extra", {})
        _check_plain(extra, "metadata")
        state = payload["state"]
        _check_layout(state, config)   # before any tensor is hashed or copied
        # a checkpoint saved before the digest existed has none, and still loads
        if "sha256" in payload and payload["sha256"] != digest(payload["config"], list(vocab.itos), state):
            raise CheckpointError("the checkpoint is corrupted: its contents do not match the checksum saved "
                                  "with it (a damaged download or an edited file)")
        _check_finite(state)
        model = MLP(config, device)
        model.load_state_dict(state)
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, AttributeError, RuntimeError) as e:
        raise CheckpointError(f"the checkpoint is damaged or mismatched: {str(e)[:MAX_MESSAGE]}") from None
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
