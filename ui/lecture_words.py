"""The "Use the lecture's names.txt" button (Lecture page and sidebar): the lecture's own word list in one
click, kept by content hash like any upload, so `data=` in the address opens it for everyone."""
import streamlit as st

from makemore_core import lecture_data
from ui import state, uploads

LABEL = "Use the lecture's names.txt"


def in_use() -> bool:
    return state.current_dataset().digest == lecture_data.SHA256


def fetch() -> bytes:
    """The lecture's list: this server's kept copy when there is one, else downloaded and checked."""
    kept = uploads.load(lecture_data.SHA256[:uploads.PREFIX])
    if kept is not None:
        return kept[1]
    return lecture_data.download()


def button(key: str):
    """The button; on success the page reruns with the new data, on failure one line says why and the
    data in use stays."""
    if not st.button(LABEL, key=key, help=f"Downloads names.txt from {lecture_data.url()} (228 KB), checks its "
                                          "sha256 and uses it: the chapters then show the notebook's numbers."):
        return
    try:
        with st.spinner("Fetching the lecture's names.txt…"):
            raw = fetch()
    except lecture_data.LectureDataError as e:
        st.error(f"Not changed: {e}")
        return
    state.use_uploaded_words(lecture_data.NAME, raw)
    st.rerun()
