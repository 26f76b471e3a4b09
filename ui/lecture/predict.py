"""Predict, then reveal: a chapter's one question, answered before its experiment is looked at.

A `Question` asks for a number (a slider) or a choice. The learner locks in a guess or skips; then the
answer, computed by the core on the data in use, stands beside the guess with how far off it was and
why. Guesses and verdicts live in ui/lecture_progress (kept in the address: F5 keeps them). A link
with `ask=1` opens the chapter with its question unanswered again (a teacher's link).
"""
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from ui import lecture_progress as progress

ASK_Q = "ask"


@dataclass(frozen=True)
class Answer:
    value: object          # a number, or a choice's key; None while it cannot be computed yet
    shown: str             # the answer as the chapter writes it
    why: str               # one or two sentences: why it is what it is
    pending: str = ""      # when value is None: what the learner must do first


@dataclass(frozen=True)
class Question:
    id: str                                 # key in the address; the chapter's id for its main question
    text: str
    answer: Callable                        # ctx -> Answer
    choices: dict | Callable | None = None  # key -> label (or ctx -> that); None: a number
    low: float = 0.0                        # the slider of a number question
    high: float = 1.0
    step: float = 0.1
    start: float = 0.5
    unit: str = ""
    within: float = 0.2                     # close when |guess - answer| <= within (x |answer| when relative)
    relative: bool = True

    def options(self, ctx) -> dict:
        return self.choices(ctx) if callable(self.choices) else self.choices

    def is_close(self, guess, answer) -> bool:
        if self.choices is not None:
            return guess == answer
        allowed = self.within * abs(answer) if self.relative else self.within
        return abs(float(guess) - float(answer)) <= allowed + 1e-12


def number_text(value: float) -> str:
    """A guess as the address keeps it: short, exact for slider steps."""
    return f"{value:.6g}"


def _input_key(q: Question) -> str:
    return f"predict_{q.id}_input"


def _lock(q: Question):
    value = st.session_state.get(_input_key(q))
    if value is not None:
        progress.set_guess(q.id, str(value) if q.choices is not None else number_text(value))


def _show_guess(q: Question, text: str, ctx) -> str:
    if q.choices is not None:
        return q.options(ctx).get(text, text)
    return f"{float(text):g}{q.unit}"


def ask(q: Question, ctx):
    """The question, or, once answered or skipped, the reveal. Drawn at the top of its chapter."""
    with st.container(border=True, key=f"predict_{q.id}"):
        entry = progress.guess(q.id)
        if entry is None:
            _question(q, ctx)
        else:
            _reveal(q, ctx, *entry)


def _question(q: Question, ctx):
    st.markdown(f"**Predict first.** {q.text}")
    if q.choices is not None:
        options = q.options(ctx)
        st.radio("Your guess", list(options), format_func=options.get, index=None, key=_input_key(q))
    else:
        st.slider(f"Your guess{f' ({q.unit.strip()})' if q.unit.strip() else ''}", q.low, q.high,
                  st.session_state.get(_input_key(q), q.start), q.step, key=_input_key(q))
    lock, skip, _ = st.columns([2, 2, 3])
    lock.button("Lock in my guess", key=f"predict_{q.id}_lock", type="primary", on_click=_lock, args=(q,),
                disabled=q.choices is not None and st.session_state.get(_input_key(q)) is None, width="stretch")
    skip.button("Skip: show me", key=f"predict_{q.id}_skip", on_click=progress.set_guess,
                args=(q.id, "", progress.SKIPPED), width="stretch")
    st.caption("Answer before you look further down: the chapter below shows it.")


def _reveal(q: Question, ctx, text: str, verdict: str):
    answer = q.answer(ctx)
    skipped = verdict == progress.SKIPPED
    if answer.value is None:
        st.markdown(f"**{q.text}** Your guess: **{_show_guess(q, text, ctx)}**. {answer.pending}")
    else:
        if not skipped:
            verdict = progress.CLOSE if q.is_close(text, answer.value) else progress.FAR
        yours, real, off = st.columns([1, 1, 2])
        yours.metric("Your guess", "skipped" if skipped else _show_guess(q, text, ctx))
        real.metric("The answer here", answer.shown)
        off.markdown(f"**{q.text}**\n\n{_how_far(q, text, answer, verdict)}")
        st.markdown(answer.why)
    progress.set_guess(q.id, text, verdict)
    st.button("Ask me again", key=f"predict_{q.id}_again", on_click=progress.forget, args=(q.id,))


def _how_far(q: Question, text: str, answer: Answer, verdict: str) -> str:
    if verdict == progress.SKIPPED:
        return "Skipped: next time, guess first."
    if q.choices is not None:
        return "**Right.**" if verdict == progress.CLOSE else "**Not this time.**"
    off = float(text) - float(answer.value)
    share = f" ({abs(off) / abs(answer.value):.0%} of it)" if answer.value else ""
    word = "**Close**" if verdict == progress.CLOSE else "**Off**"
    return f"{word}: your guess is {off:+.3g}{q.unit} from the answer{share}."


def clear_if_asked(questions):
    """A link with ask=1 opens these questions unanswered; the key then leaves the address, so that F5
    keeps what the learner answers next."""
    if ASK_Q in st.query_params:
        for q in questions:
            progress.forget(q.id)
        del st.query_params[ASK_Q]


def record(questions) -> str:
    """"7 of 11 predicted, 4 close": the questions guessed (not skipped) and those close."""
    entries = [progress.guess(q.id) for q in questions]
    made = [e for e in entries if e is not None and e[1] != progress.SKIPPED]
    close = sum(e[1] == progress.CLOSE for e in made)
    return f"{len(made)} of {len(questions)} predicted, {close} close"
