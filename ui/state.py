"""What the pages share in one browser tab: the data set in use, the device, the model to inspect.

Values that must outlive a page switch live under plain (non-widget) session_state keys, since
Streamlit deletes a widget's value when its page is left.
"""
import functools
import hashlib
import os
import time
from pathlib import Path

import streamlit as st
import torch

from makemore_core import checkpoint
from makemore_core.data import DataError, Dataset
from makemore_core.device import describe, pick_device
from ui import upload_limit, uploads
from ui.caches import ByteBudgetCache
from ui.figures.pipeline import pipeline_figure
from ui.safe_text import literal

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data" / "names.txt"
DATASET_KEY = "dataset_upload"          # {"name", "bytes"} of an uploaded word list, or absent
CHECKPOINT_KEY = "uploaded_checkpoint"  # {"name", "bytes"} of an uploaded checkpoint, or absent
UPLOADER_VERSION = "dataset_uploader_version"  # part of the uploaders' keys: a new one empties them
DATA_WRITTEN = "dataset_link_written"   # the data= this tab last wrote to the address
NOT_STORED = ("The server could not keep a copy of this word list (its disk is full or read-only, or its store is "
              "full of lists in use): it works in this tab, but its link will not open it in another browser. "
              "Upload it again later to share it.")
# Files over the server's maxUploadSize never reach the app: the browser refuses them with only a small
# mark on the file, so the limit is said up front.
BROWSER_LIMIT = ("The browser refuses any file over 20 MB before it reaches the app (only a small red mark on the "
                 "file says so).")


@st.cache_resource(show_spinner=False)
def device() -> torch.device:
    return pick_device("auto")


def device_label() -> str:
    return describe(device())


@st.cache_resource(show_spinner=False, max_entries=8)
def _dataset(digest: str, name: str, _raw: bytes) -> Dataset:
    return Dataset.from_bytes(_raw, name)


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@functools.cache   # once per process, shared read-only by every session (the file does not change while serving)
def _default_words() -> tuple[bytes, Dataset]:
    raw = DEFAULT_DATA.read_bytes()
    return raw, Dataset.from_bytes(raw, "names.txt (default)")


def default_dataset() -> Dataset:
    return _default_words()[1]


@st.cache_resource(show_spinner=False)   # the same picture for every visitor: built once per server (~0.2 s)
def home_picture():
    return pipeline_figure()


def current_dataset() -> Dataset:
    """The uploaded word list when there is one, else the default data/names.txt."""
    upload = st.session_state.get(DATASET_KEY)
    if upload:
        return _dataset(_digest(upload["bytes"]), upload["name"], upload["bytes"])
    return default_dataset()


def using_default_data() -> bool:
    return not st.session_state.get(DATASET_KEY)


def use_uploaded_words(name: str, raw: bytes) -> Dataset:
    """Validate an uploaded word list and make it the data set in use. Raises DataError; on error
    the previous data set stays in use."""
    dataset = _dataset(_digest(raw), name, raw)
    link, stored = uploads.store(name, raw)
    st.session_state[DATASET_KEY] = {"name": name, "bytes": raw, "link": link, "stored": stored}
    st.query_params["data"] = st.session_state[DATA_WRITTEN] = link   # the address now opens this list
    return dataset


def use_default_words():
    """Back to data/names.txt; the uploaders are emptied, so a file still in one is not used again."""
    st.session_state.pop(DATASET_KEY, None)
    st.session_state[UPLOADER_VERSION] = st.session_state.get(UPLOADER_VERSION, 0) + 1
    if "data" in st.query_params:
        del st.query_params["data"]
    st.session_state[DATA_WRITTEN] = None


def data_from_link():
    """Load the word list a link names (`data=<hash prefix>`) when the address is new to this tab, and
    write the list in use back to the address (a page switch clears it)."""
    wanted = st.query_params.get("data")
    upload = st.session_state.get(DATASET_KEY)
    current = upload.get("link") if upload else None
    if wanted and wanted != current and wanted != st.session_state.get(DATA_WRITTEN):
        found = uploads.load(wanted)
        if found is None:
            st.warning(f"This link names a word list (data={literal(wanted, 16)}) that is not on this server: the "
                       f"{'list in use' if upload else 'default names'} stay in use.")
        else:
            try:
                use_uploaded_words(*found)
                current = st.session_state[DATASET_KEY]["link"]
            except DataError as e:
                st.warning(f"The link's word list was not used: {literal(e, 300)}")
    if current and st.query_params.get("data") != current:
        st.query_params["data"] = current
    elif not current and "data" in st.query_params:
        del st.query_params["data"]
    st.session_state[DATA_WRITTEN] = current


def _tensor_bytes(data) -> int:
    return sum(t.element_size() * t.numel() for pair in data.values() for t in pair)


# Shared by every session, bounded in bytes (a 3.5 MB word list at block_size 16 makes ~680 MB).
TENSOR_CACHE_BYTES = int(float(os.environ.get("MAKEMORE_TENSOR_CACHE_MB", "768")) * 2**20)
_tensor_cache = ByteBudgetCache(TENSOR_CACHE_BYTES, _tensor_bytes)


def dataset_tensors(dataset: Dataset, block_size: int):
    """{'train': (X, Y), 'val': ..., 'test': ...} for this data set and block_size, cached."""
    key = (dataset.digest, int(block_size), str(device()))
    return _tensor_cache.get_or_build(key, lambda: dataset.tensors(int(block_size), str(device())))


def upload_words_widget(key: str, label="Upload a word list (.txt, one word a line)"):
    """A file uploader that swaps the data set in use; invalid files get a clear message and change nothing,
    and a list the server's disk could not keep says so as long as it is in use."""
    _words_uploader(key, label)
    if (st.session_state.get(DATASET_KEY) or {}).get("stored") is False:
        st.warning(NOT_STORED)


def _words_uploader(key: str, label: str):
    widget_key = f"{key}_{st.session_state.get(UPLOADER_VERSION, 0)}"
    file = st.file_uploader(label, type=["txt"], key=widget_key,
                            help="Any characters except '.', which is reserved as the start/end token. "
                                 "At most 5 MB and 500,000 lines.")
    st.caption("At most 5 MB and 500,000 lines. " + BROWSER_LIMIT)
    if file is None:
        return
    raw = upload_limit.take(file, widget_key)
    upload = st.session_state.get(DATASET_KEY)
    if upload and upload["bytes"] == raw:
        return
    try:
        dataset = use_uploaded_words(file.name, raw)
    except DataError as e:
        st.error(f"That file was not used: {literal(e, 300)}")
        return
    st.success(f"Now using {literal(file.name)}: {len(dataset.words):,} words, vocabulary of {len(dataset.vocab)}.")


def sidebar():
    """The sidebar on every page: data set in use, device, a way back to the default data."""
    with st.sidebar:
        data_from_link()
        summary = st.empty()           # filled after the uploader, so that it names a list just uploaded
        upload_words_widget("sidebar_upload", "Use your own word list")
        from ui import lecture_words  # late import: it imports this module
        if not lecture_words.in_use():
            lecture_words.button("sidebar_lecture_data")
        if not using_default_data() and st.button("Back to the default names", key="sidebar_default"):
            use_default_words()
            st.rerun()
        dataset = current_dataset()
        summary.markdown(f"**Data set:** {literal(dataset.name)}  \n{len(dataset.words):,} words · "
                         f"vocabulary {len(dataset.vocab)}")
        st.markdown(f"**Device:** {device_label()}")


# ---------------------------------------------------------------- the model to inspect

def use_uploaded_checkpoint(name: str, raw: bytes):
    """Validate and keep an uploaded checkpoint. Raises CheckpointError; on error nothing changes."""
    model, vocab, extra = checkpoint.from_bytes(raw, device())
    st.session_state[CHECKPOINT_KEY] = {"name": name, "bytes": raw, "at": time.time()}
    return model, vocab, extra


@st.cache_resource(show_spinner=False, max_entries=4)
def _checkpoint(digest: str, _raw: bytes, device_name: str):
    return checkpoint.from_bytes(_raw, device_name)


def upload_checkpoint_widget(key: str, label="Checkpoint file (.pt, saved by the Training page or the command line)"):
    """A file uploader for a checkpoint; a bad file gets a clear message and changes nothing.
    Returns True when a new checkpoint was loaded by this run of the page."""
    file = st.file_uploader(label, type=["pt", "pth", "ckpt", "bin"], key=key,
                            help="A file written by `python -m makemore_core train --out model.pt` or the "
                                 "Training page's download. Loaded safely: no code in it runs.")
    st.caption(BROWSER_LIMIT)
    if file is None:
        return False
    raw = upload_limit.take(file, key)
    current = st.session_state.get(CHECKPOINT_KEY)
    if current and current["bytes"] == raw:
        return False
    try:
        use_uploaded_checkpoint(file.name, raw)
    except checkpoint.CheckpointError as e:
        st.error(f"That file was not used: {literal(e, 300)}.")
        return False
    except Exception:  # noqa: BLE001 - any unreadable file gets a message, never a traceback
        st.error("That file was not used: it could not be read as a makemore lab checkpoint.")
        return False
    st.success(f"Loaded {literal(file.name)}.")
    return True


def uploaded_checkpoint():
    """(model, vocab, label) of the uploaded checkpoint, or None."""
    upload = st.session_state.get(CHECKPOINT_KEY)
    if not upload:
        return None
    model, vocab, _ = _checkpoint(_digest(upload["bytes"]), upload["bytes"], str(device()))
    return model, vocab, f"uploaded checkpoint {upload['name']}"


def active_model():
    """The model the Embeddings page inspects: (model, vocab, label) or None. The newer of the latest
    run trained on the Training page (a snapshot, safe while it trains on) and an uploaded checkpoint."""
    from ui.runs import session_runs  # late import: runs imports this module
    run = session_runs().latest_trained_run()
    upload = st.session_state.get(CHECKPOINT_KEY)
    if run is not None and (not upload or run.created > upload.get("at", 0)):
        return run.model_snapshot(), run.vocab, f"run {run.number}: {run.label}"
    return uploaded_checkpoint()
