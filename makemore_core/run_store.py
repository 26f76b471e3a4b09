"""Training runs kept on disk, so that a restarted server finds them again (issue 28 item 3).

One file per run, named by the run's link (the ?run= of its address):

    $MAKEMORE_CACHE_DIR (default ~/.cache/makemore_lab) / runs / <server> / <link>.pt       may train on
                                                                          <link>.done.pt  has ended

A file is torch.save of {"format": FORMAT, "tensors": {name: tensor}}: the model's tensors, the
minibatch generator's state, the optimizer's state, every step's loss, and the run's plain data
(settings, owner, history, what its charts draw) as JSON text held in one uint8 tensor, "meta". It is
read back with the checkpoint's size bounds, then torch.load(weights_only=True) (no code runs), then
its model config is checked as an uploaded checkpoint's is. Files are written whole or not at all
(atomic.write_atomically). A file that cannot be read is skipped with one line in the log.

The folder has a size bound (MAKEMORE_RUNS_MB, default 500): past it, ended runs go first, oldest
first, then the oldest runs that could still train.
"""
import base64
import contextlib
import io
import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import torch

from . import checkpoint
from .atomic import write_atomically
from .lossbook import cache_root
from .model import MLP
from .training import TrainConfig

FORMAT = "makemore-lab-run/1"
MAX_TOTAL_BYTES = int(float(os.environ.get("MAKEMORE_RUNS_MB", "500")) * 2**20)
# a run file: a checkpoint's model, Adam's two moments of it, and every step's loss of a 2,000,000-step run
MAX_FILE_BYTES = 3 * checkpoint.MAX_BYTES + 8 * 2_000_000 + 64 * 2**20
MAX_META_BYTES = 32 * 2**20   # the JSON: a 5 MB word list, 4,096 statistics steps' series, 61 snapshots fit
STALE_TMP_S = 600   # a temporary file this old was left by a write that died (a crash, SIGKILL)
ENDED = ".done.pt"
ACTIVE = ".pt"
log = logging.getLogger(__name__)


class RunFileError(ValueError):
    """A run file that cannot be used (its message says why, in one line)."""


def directory(server: str = "", cache_dir=None) -> Path:
    """The folder of one server's runs (its name: see ui.saved_runs), so that replicas sharing a cache folder
    each bring back their own runs after a restart."""
    return cache_root(cache_dir) / "runs" / (server or "default")


def path_of(link: str, ended: bool, folder=None) -> Path:
    return Path(folder or directory()) / f"{link}{ENDED if ended else ACTIVE}"


def link_of(path: Path) -> str:
    name = path.name
    return name[:-len(ENDED)] if name.endswith(ENDED) else name[:-len(ACTIVE)]


# ---------------------------------------------------------------- a trainer's state

def _runs_of(values):
    """[[first index, value], ...] for each stretch of equal values (a run's lr per step: a few stretches)."""
    out = []
    for i, v in enumerate(values):
        if not out or out[-1][1] != v:
            out.append([i, v])
    return out


def _expand(runs, n):
    out = []
    for k, (start, value) in enumerate(runs):
        end = runs[k + 1][0] if k + 1 < len(runs) else n
        out += [value] * (end - start)
    return out


def trainer_state(trainer) -> tuple[dict, dict]:
    """(plain data, tensors) of everything a Trainer needs to go on as if it had never stopped: its
    model, generator, optimizer, schedule (its config, lr changes included) and history. Copies: call
    it where the trainer does not step meanwhile (under the run's lock)."""
    tensors = {f"model/{name}": t for name, t in trainer.model.state_dict().items()}   # state_dict copies
    tensors["generator"] = trainer.g.get_state()
    tensors["losses"] = torch.tensor(trainer.losses, dtype=torch.float64)
    groups = None
    if trainer.optimizer is not None:
        sd = trainer.optimizer.state_dict()
        for index, slot in sd["state"].items():
            for key, value in slot.items():
                tensors[f"optimizer/{index}/{key}"] = value.detach().cpu().clone()
        groups = sd["param_groups"]
    meta = {
        "model_config": trainer.model.config.to_dict(), "config": trainer.config.to_dict(),
        "step": trainer.step_num, "lrs": _runs_of(trainer.lrs), "val_losses": trainer.val_losses,
        "status": trainer.status, "message": trainer.message, "seconds": trainer.seconds,
        "step_seconds": trainer.step_seconds, "optimizer_groups": groups,
    }
    return meta, tensors


def load_model(meta: dict, tensors: dict, device="cpu") -> MLP:
    """The model of a saved trainer, its generator where it was: its config and tensors checked as an
    uploaded checkpoint's are (checkpoint._config, _check_layout) before anything is built."""
    config = checkpoint._config(meta["model_config"])
    state = {name[len("model/"):]: t for name, t in tensors.items() if name.startswith("model/")}
    checkpoint._check_layout(state, config)
    model = MLP(config, device)
    model.load_state_dict(state)
    model.generator.set_state(tensors["generator"])
    return model


def train_config(meta: dict) -> TrainConfig:
    return TrainConfig.from_dict(meta["config"])


def restore_trainer(trainer, meta: dict, tensors: dict):
    """Put a saved history and optimizer state into a Trainer built on load_model's model."""
    losses = tensors["losses"].tolist()
    if len(losses) != meta["step"]:
        raise RunFileError(f"{len(losses)} losses saved for {meta['step']} steps")
    trainer.step_num, trainer.losses = int(meta["step"]), losses
    trainer.lrs = _expand(meta["lrs"], len(losses))
    trainer.val_losses = [(int(s), float(v)) for s, v in meta["val_losses"]]
    trainer.status = meta["status"] if meta["status"] in ("finished", "diverged") else "ready"
    trainer.message, trainer.seconds = str(meta["message"]), float(meta["seconds"])
    trainer.step_seconds = meta["step_seconds"]
    if trainer.optimizer is not None and meta["optimizer_groups"] is not None:
        state = {}
        for name, t in tensors.items():
            if name.startswith("optimizer/"):
                _, index, key = name.split("/")
                state.setdefault(int(index), {})[key] = t
        trainer.optimizer.load_state_dict({"state": state, "param_groups": meta["optimizer_groups"]})


# ---------------------------------------------------------------- plain data as JSON

def _array_to_json(value):
    """json.dumps's default: a numpy array (or a tensor) of a chart's data as its dtype, shape and bytes,
    read back as the same array; a numpy number as a Python one."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"__ndarray__": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode(),
                "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"a {type(value).__name__} is not saved with a run")


def _array_from_json(d: dict):
    if "__ndarray__" not in d:
        return d
    dtype = np.dtype(d["dtype"])
    if dtype.kind not in "biuf":
        raise ValueError(f"an array of {dtype} in a run file")
    return np.frombuffer(base64.b64decode(d["__ndarray__"]), dtype=dtype).reshape(d["shape"]).copy()


def dumps(meta: dict) -> bytes:
    """A run's plain data as JSON (numbers, texts, lists, dicts and numpy arrays)."""
    return json.dumps(meta, default=_array_to_json).encode()


# ---------------------------------------------------------------- files

def encode(meta_json: bytes, tensors: dict) -> bytes:
    """A run file's bytes: meta_json (the run's plain data as JSON, encoded while the run was held
    still) and its tensors."""
    meta = torch.frombuffer(bytearray(meta_json), dtype=torch.uint8) if meta_json else torch.zeros(0, dtype=torch.uint8)
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, "tensors": {**tensors, "meta": meta}}, buffer)
    return buffer.getvalue()


def decode(raw: bytes) -> tuple[dict, dict]:
    """(meta, tensors) of a run file's bytes; RunFileError when it is not a whole run file of this format."""
    if len(raw) > MAX_FILE_BYTES:
        raise RunFileError(f"{len(raw):,} bytes, over the {MAX_FILE_BYTES:,} a run file may have")
    try:
        checkpoint.check_size(raw, MAX_FILE_BYTES)
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception as e:   # noqa: BLE001 - a damaged file: any error of the reader means the same
        raise RunFileError(f"not readable as a run file ({type(e).__name__}: {str(e)[:120]})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or not isinstance(payload.get("tensors"), dict):
        raise RunFileError(f"not a run file of format {FORMAT}")
    tensors = payload["tensors"]
    if not all(isinstance(k, str) and isinstance(t, torch.Tensor) for k, t in tensors.items()):
        raise RunFileError("its tensors are not a dictionary of named tensors")
    meta = tensors.pop("meta", None)
    if not isinstance(meta, torch.Tensor) or meta.dtype != torch.uint8 or meta.numel() > MAX_META_BYTES:
        raise RunFileError(f"its settings are missing or over {MAX_META_BYTES:,} bytes")
    try:
        meta = json.loads(meta.numpy().tobytes(), object_hook=_array_from_json)
    except (ValueError, TypeError, KeyError, RecursionError):
        raise RunFileError("its settings are not readable") from None
    if not isinstance(meta, dict):
        raise RunFileError("its settings are not a set of settings")
    return meta, tensors


def save(link: str, meta_json: bytes, tensors: dict, ended: bool, folder=None, max_total=None) -> int:
    """Write one run's file (replacing its last one), then keep the folder under its size bound;
    returns the file's size. OSError when the disk refuses it (the caller logs it: the run trains on)."""
    raw = encode(meta_json, tensors)
    path = path_of(link, ended, folder)
    write_atomically(path, raw)
    if ended:   # the file of the run while it could still train is out of date now
        with contextlib.suppress(OSError):
            path_of(link, False, folder).unlink()
    trim(MAX_TOTAL_BYTES if max_total is None else max_total, keep=path, folder=folder)
    return len(raw)


def remove(link: str, folder=None):
    """Delete a run's file (a run forgotten by its server is not brought back by the next one)."""
    for ended in (False, True):
        with contextlib.suppress(OSError):
            path_of(link, ended, folder).unlink()


def _files(folder: Path):
    """[(path, size, mtime, ended)] of the run files in the folder."""
    out = []
    for path in folder.glob("*.pt"):
        with contextlib.suppress(OSError):
            s = path.stat()
            out.append((path, s.st_size, s.st_mtime, path.name.endswith(ENDED)))
    return out


def trim(max_total: int, keep=None, folder=None) -> list:
    """Delete run files until the folder holds at most max_total bytes: ended runs first, oldest first,
    then the oldest of the others; never `keep` (the file just written). Returns the deleted paths."""
    files = sorted(_files(Path(folder or directory())), key=lambda f: (not f[3], f[2]))
    total = sum(f[1] for f in files)
    deleted = []
    for path, size, _, _ in files:
        if total <= max_total:
            break
        if keep is not None and path == Path(keep):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size
            deleted.append(path)
    return deleted


def load_all(folder=None) -> list:
    """[(meta, tensors)] of every readable run file, oldest first. A file that is not readable is
    skipped with one line in the log; where a run has both files (a crash between writing the ended
    one and deleting the other) the ended one is read and the other deleted."""
    folder = Path(folder or directory())
    for tmp in folder.glob(".*.tmp"):    # left by a write that a crash cut short: never read, deleted
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > STALE_TMP_S:
                tmp.unlink()
    files = _files(folder)
    ended_links = {link_of(f[0]) for f in files if f[3]}
    loaded = []
    for path, _, _, ended in sorted(files, key=lambda f: f[2]):
        if not ended and link_of(path) in ended_links:
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        try:
            with open(path, "rb") as f:
                raw = f.read(MAX_FILE_BYTES + 1)
            loaded.append(decode(raw))
        except (OSError, RunFileError) as e:
            log.warning("makemore lab: saved run %s skipped: %s", path.name, str(e).splitlines()[0] if str(e) else e)
    return loaded
