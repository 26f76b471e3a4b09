"""What every chapter of the Lecture page shares: the context it runs in, the chapter frame
("what to look at", "now change one thing", "try it") and the list of chapters seen."""
from dataclasses import dataclass

import streamlit as st

from makemore_core.data import Dataset
from ui import state
from ui.data_stats import digest
from ui.lecture_progress import SEEN_KEY, seen  # noqa: F401 - kept across reloads there

# sha256 of the lecture's names.txt (the makemore repository's word list, 32,033 names)
LECTURE_NAMES_SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"
CHAPTER_KEY = "lecture_chapter"  # the chapter shown, kept apart from the widget's own key


@dataclass
class Context:
    """The data set in use and how to get its tensors: all a chapter needs from the app."""
    dataset: Dataset
    digest: str            # sha256 of the word list: the key of every cached number
    lecture_data: bool     # the lecture's names.txt: the numbers are the notebook's

    @property
    def vocab_size(self) -> int:
        return len(self.dataset.vocab)

    def tensors(self, block_size: int = 3):
        return state.dataset_tensors(self.dataset, block_size)


def context() -> Context:
    dataset = state.current_dataset()
    key = digest(dataset)
    return Context(dataset, key, key == LECTURE_NAMES_SHA256)


def mark_seen(chapter_id: str):
    seen().add(chapter_id)


def look_at(text: str):
    """The chapter's "what to look at, and why"."""
    st.info(f"**What to look at, and why.** {text}")


def change_one_thing(*ideas: str):
    """One or two experiments for the learner to run next."""
    st.markdown("**Now change one thing**\n" + "\n".join(f"- {idea}" for idea in ideas))


def lecture_number(ctx: Context, ours: float, printed, digits: int = 4) -> str:
    """Our number; on the lecture's data, at the notebook's precision beside what it prints and where
    (printed: a ui.lecture.notebook.Printed), e.g. "3.2870 (cell 14 prints 3.2870; here 3.2870, the same)"."""
    if not ctx.lecture_data:
        return f"{ours:.{digits}f}"
    return f"{printed.fmt(ours)} ({printed.beside(ours)})"


DASH = "—"   # an empty table cell: nothing to show (not "None")


def sentence(text: str) -> str:
    """text with a capital first letter and a full stop."""
    return text[:1].upper() + text[1:] + "."


def shown(value, fmt: str = ".4f") -> str:
    """A table cell: the number formatted, or a dash when there is none."""
    return DASH if value is None else f"{value:{fmt}}"
