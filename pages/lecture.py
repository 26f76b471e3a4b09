"""The Lecture: makemore part 3, chapter by chapter, in the video's order. Each chapter says what to
look at, shows the lecture's experiment live, suggests one change, and opens the page where it can be
changed. The chapters live in ui/lecture/; this page lays them out."""
import streamlit as st

from ui import links
from ui.lecture import CHAPTERS, chapter_id, prepare_panel
from ui.lecture.common import CHAPTER_KEY, context, mark_seen, seen

ctx = context()
ids = [chapter_id(c) for c in CHAPTERS]
titles = {chapter_id(c): c.TITLE for c in CHAPTERS}
CHAPTER_LINK = [links.Setting("chapter", "lecture_pick", ids[0], links.choice(ids))]   # ?chapter=<id>


def short(cid):
    """A chapter's title up to its colon: the menu's label."""
    return titles[cid].split(":")[0]


def go_to(cid):
    st.session_state[CHAPTER_KEY] = cid
    st.session_state["lecture_pick"] = cid


st.title("The lecture, chapter by chapter")
st.markdown("Andrej Karpathy's *makemore part 3*: activations, gradients and BatchNorm. First a one-layer net "
            "that starts with a loss of 27.88, fixed step by step; then a deep net, and how to read its insides.")
if ctx.lecture_data:
    st.success("The data is the lecture's own names.txt: each chapter shows the notebook's numbers next to its "
               "own. The step-0 losses, the parameter counts and the deep net's 1,001 steps (statistics, losses, "
               "names) are the notebook's digit for digit.")
else:
    st.warning(f"The data in use is **{ctx.dataset.name}**, not the lecture's names.txt: every experiment runs the "
               "same way, but the numbers differ from the notebook's. For the notebook's numbers, get names.txt "
               "from the makemore repository (github.com/karpathy/makemore) and load it with the sidebar's "
               "upload, or with `--data names.txt` on the command line.")

if st.session_state.get(CHAPTER_KEY) in ids:   # a chapter chosen before (or by another page)
    st.session_state.setdefault("lecture_pick", st.session_state[CHAPTER_KEY])
links.restore("lecture", CHAPTER_LINK)          # a link names the chapter: ?chapter=<id>
current = st.session_state["lecture_pick"]
st.session_state[CHAPTER_KEY] = current
mark_seen(current)
done = seen()

menu, main = st.columns([1, 4], gap="medium")
with menu:
    st.markdown(f"**Chapters** · {len(done & set(ids))} of {len(ids)} seen")
    st.radio("Chapter", ids, key="lecture_pick", label_visibility="collapsed",
             format_func=lambda cid: f"{'✓' if cid in done else '○'} {ids.index(cid) + 1}. {short(cid)}",
             on_change=lambda: go_to(st.session_state["lecture_pick"]))
    prepare_panel.render(ctx)   # the teacher's step before class: every chapter computed once
with main:
    index = ids.index(current)
    st.header(f"{index + 1}. {titles[current]}")
    CHAPTERS[index].render(ctx)
    st.divider()
    back, _, forward = st.columns([1, 2, 1])
    if index > 0:
        back.button(f"← {short(ids[index - 1])}", key="lecture_back", on_click=go_to, args=(ids[index - 1],),
                    width="stretch")
    if index + 1 < len(ids):
        forward.button(f"{short(ids[index + 1])} →", key="lecture_next", on_click=go_to, args=(ids[index + 1],),
                       width="stretch")
