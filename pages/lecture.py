"""The Lecture: makemore part 3, chapter by chapter, in the video's order. Each chapter says what to
look at, shows the lecture's experiment live, suggests one change, and opens the page where it can be
changed. The chapters live in ui/lecture/; this page lays them out."""
import streamlit as st

from ui import lecture_progress, lecture_words, links
from ui.lecture import CHAPTERS, chapter_id, notebook, predict, prepare_panel
from ui.lecture.common import CHAPTER_KEY, context, mark_seen, seen
from ui.lecture.questions import QUESTIONS, all_questions, top_question
from ui.safe_text import literal

ctx = context()
ids = [chapter_id(c) for c in CHAPTERS]
titles = {chapter_id(c): c.TITLE for c in CHAPTERS}
CHAPTER_LINK = [links.Setting("chapter", "lecture_pick", ids[0], links.choice(ids))]   # ?chapter=<id>


def short(cid):
    """A chapter's title up to its colon: the menu's label."""
    return titles[cid].split(":")[0]


def neighbours(index, suffix="", shortcuts=False):
    """Previous / Next: at the top (on the arrow keys too, for a teacher at the projector) and at the end."""
    back, _, forward = st.columns([1, 2, 1])
    if index > 0:
        back.button(f"← {short(ids[index - 1])}", key=f"lecture_back{suffix}", on_click=go_to, args=(ids[index - 1],),
                    width="stretch", shortcut="Left" if shortcuts else None)
    if index + 1 < len(ids):
        forward.button(f"{short(ids[index + 1])} →", key=f"lecture_next{suffix}", on_click=go_to,
                       args=(ids[index + 1],), width="stretch", shortcut="Right" if shortcuts else None)


def go_to(cid):
    st.session_state[CHAPTER_KEY] = cid
    st.session_state["lecture_pick"] = cid


def introduction():
    """What the lecture is, and which data the numbers come from."""
    st.markdown("Andrej Karpathy's *makemore part 3*: activations, gradients and BatchNorm. First a one-layer net "
                "that starts with a loss of 27.88, fixed step by step; then a deep net, and how to read its insides.")
    if ctx.lecture_data:
        st.success("The data is the lecture's own names.txt: each chapter shows the notebook's numbers beside its own, "
                   "at the notebook's precision and with the cell that prints them. Digit for digit: the "
                   f"{notebook.DIGIT_FOR_DIGIT}. The rest (gradient statistics to 7 digits, losses to 17) agree to float "
                   "rounding, or say how far apart they are; 27.8817 and 11,897 are the video's numbers, which the "
                   "notebook does not print.")
    else:
        st.warning(f"The data in use is **{literal(ctx.dataset.name)}**, not the lecture's names.txt: every experiment runs the "
                   "same way, but the numbers differ from the notebook's. For the notebook's numbers, the button "
                   "below downloads the lecture's list from the makemore repository on GitHub (or upload names.txt "
                   "in the sidebar; on the command line, `--data lecture`).")
        lecture_words.button("lecture_data_button")


if st.session_state.get(CHAPTER_KEY) in ids:   # a chapter chosen before (or by another page)
    st.session_state.setdefault("lecture_pick", st.session_state[CHAPTER_KEY])
links.restore("lecture", CHAPTER_LINK)          # a link names the chapter: ?chapter=<id>
current = st.session_state["lecture_pick"]
st.session_state[CHAPTER_KEY] = current
mark_seen(current)
predict.clear_if_asked(QUESTIONS.get(current, []))   # a teacher's link: ?chapter=<id>&ask=1
lecture_progress.write()
done = seen()

st.title("The lecture, chapter by chapter")
if ids.index(current) == 0:
    introduction()
else:   # from the second chapter on, the chapter's own content starts near the top of the screen
    with st.expander("About this page and its data"):
        introduction()

menu, main = st.columns([1, 4], gap="medium")
with menu:
    record = st.empty()   # filled after the chapter: its reveal may judge a guess
    st.radio("Chapter", ids, key="lecture_pick", label_visibility="collapsed",
             format_func=lambda cid: f"{'✓' if cid in done else '○'} {ids.index(cid) + 1}. {short(cid)}",
             on_change=lambda: go_to(st.session_state["lecture_pick"]))
    prepare_panel.render(ctx)   # the teacher's step before class: every chapter computed once
with main:
    index = ids.index(current)
    neighbours(index, "_top", shortcuts=True)
    st.header(f"{index + 1}. {titles[current]}")
    question = top_question(current)
    if question is not None:
        predict.ask(question, ctx)
    CHAPTERS[index].render(ctx)
    lecture_progress.write()   # the reveal may have judged a guess
    record.markdown(f"**Chapters** · {len(done & set(ids))} of {len(ids)} seen  \n"
                    f"**Predictions** · {predict.record(all_questions())}")
    st.divider()
    neighbours(index)
