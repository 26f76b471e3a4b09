"""Home: the whole pipeline on one picture, and where each stage is taught."""
import streamlit as st

from ui import navigation, state
from ui.safe_text import literal

st.title("makemore lab")
st.markdown(
    "Watch a character-level name generator being built and trained, end to end, and poke every part of it. "
    "This follows **makemore part 3** (activations, gradients, BatchNorm): a deep MLP of Linear, BatchNorm1d and "
    "Tanh layers learns to predict the next character of a name from the few before it."
)
st.plotly_chart(state.home_picture(), key="pipeline", config={"displayModeBar": False})

dataset = state.current_dataset()
st.caption(f"Data set in use: **{literal(dataset.name)}** — {len(dataset.words):,} words, vocabulary of "
           f"{len(dataset.vocab)} characters ('.' included). Device: {state.device_label()}.")

STEPS = [
    ("pages/data.py", "1 · Data & vocabulary", "The word list, its characters, and which pairs follow which."),
    ("pages/context.py", "2 · Context windows", "How a name becomes (context → next character) examples."),
    ("pages/embeddings.py", "3 · Embeddings & shapes", "C[X], the shape of every tensor, and where the parameters are."),
    ("pages/init.py", "4 · Initialization lab", "At step 0: gains, BatchNorm, saturation and gradients, live."),
    ("pages/training.py", "5 · Training", "Train in the background and watch the insides learn."),
    ("pages/evaluation.py", "6 · Evaluation", "Loss per split, BatchNorm in eval mode, a name's likelihood."),
    ("pages/sampling.py", "7 · Sampling", "Make up new names, one character at a time."),
]
left, right = st.columns(2)
for i, (path, label, caption) in enumerate(STEPS):
    with (left if i % 2 == 0 else right):
        st.page_link(navigation.page_file(path), label=label)
        st.caption(caption)
