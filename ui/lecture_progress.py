"""The learner's way through the Lecture, kept in the address so that F5, a bookmark or a network blip
keeps it: the chapters seen and each prediction made (with its verdict).

    ?seen=start~softmax~tanh          chapter ids
    &guess=start_3.3_c~tanh_40_f      question id _ the guess _ verdict (c close, f far, s skipped, p pending)

The address is read once, when a tab's session starts (F5 starts a new one); from then on the session
is the truth and every page view writes it back (app.py calls carry()), so the two keys survive a trip
to another page and back. They are short: a dozen chapters and guesses fit in about 200 characters.
"""
import re

import streamlit as st

SEEN_KEY = "lecture_seen"              # set of chapter ids the learner has opened
GUESS_KEY = "lecture_guesses"          # {question id: (guess text, verdict)}
LOADED_KEY = "lecture_progress_loaded"   # the address has been read in this session
SEEN_Q, GUESS_Q = "seen", "guess"
VERDICTS = {"c": "close", "f": "far", "s": "skipped", "p": "pending"}
CLOSE, FAR, SKIPPED, PENDING = VERDICTS
_ID = r"[a-z0-9-]{1,24}"
_SEEN = re.compile(_ID)
_GUESS = re.compile(rf"({_ID})_([a-z0-9.+-]{{0,24}})_([{''.join(VERDICTS)}])")


def seen() -> set:
    return st.session_state.setdefault(SEEN_KEY, set())


def guesses() -> dict:
    return st.session_state.setdefault(GUESS_KEY, {})


def guess(question_id: str):
    """(guess text, verdict), or None when the question is not answered."""
    return guesses().get(question_id)


def set_guess(question_id: str, text: str, verdict: str = PENDING):
    guesses()[question_id] = (text, verdict)


def forget(question_id: str):
    guesses().pop(question_id, None)


# ---------------------------------------------------------------- the address

def parse_seen(text: str) -> set:
    return {part for part in text.split("~") if _SEEN.fullmatch(part)}


def parse_guesses(text: str) -> dict:
    """Entries that do not read are left out: a hand-edited address costs its own entry only."""
    found = {}
    for part in text.split("~"):
        match = _GUESS.fullmatch(part)
        if match:
            found[match[1]] = (match[2], match[3])
    return found


def seen_text(ids) -> str:
    return "~".join(sorted(ids))


def guesses_text(entries: dict) -> str:
    return "~".join(f"{qid}_{text}_{verdict}" for qid, (text, verdict) in sorted(entries.items()))


def _put(key: str, text: str):
    if text and st.query_params.get(key) != text:
        st.query_params[key] = text
    elif not text and key in st.query_params:
        del st.query_params[key]


def write():
    """The session's progress into the address (only what there is: no progress, no keys)."""
    _put(SEEN_Q, seen_text(seen()))
    _put(GUESS_Q, guesses_text(guesses()))


def carry():
    """Every page view: at a session's first run read the address, then write the progress back."""
    if not st.session_state.get(LOADED_KEY):
        st.session_state[LOADED_KEY] = True
        seen().update(parse_seen(st.query_params.get(SEEN_Q, "")))
        for qid, entry in parse_guesses(st.query_params.get(GUESS_Q, "")).items():
            guesses().setdefault(qid, entry)
    write()
