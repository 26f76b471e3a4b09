"""Context windows: how one name becomes (context -> next character) examples, and how many there are."""
import random

import pandas as pd
import streamlit as st

from makemore_core.data import END, SPLITS, DataError, context_windows
from ui import classroom, links, state
from ui.data_stats import dataset_stats
from ui.figures.context import window_chart
from ui.safe_text import literal

SPLIT_NAMES = {"train": "train", "val": "validation", "test": "test"}

dataset = state.current_dataset()
vocab = dataset.vocab
stats = dataset_stats(dataset)


def default_name():
    return "emma" if set("emma") <= set(vocab.stoi) else dataset.words[0]


SETTINGS = [links.Setting("name", "context_name", default_name(), links.text(30)),
            links.Setting("block_size", "context_block_size", 3, links.integer(1, 10))]


def keep():
    links.save("context", SETTINGS)


def typed_name():
    st.session_state["context_pick"] = ""  # the picker no longer shows the name in use
    keep()


def use_name(name):
    st.session_state["context_name"] = name
    keep()


def pick_from_data():
    if st.session_state["context_pick"]:
        use_name(st.session_state["context_pick"])


def random_name():
    use_name(random.choice(dataset.words))


links.restore("context", SETTINGS)

st.title("Context windows")
st.markdown(
    "The network never sees a whole name at once. It sees a short **context** — the last `block_size` "
    "characters — and must guess the **next** one. Each name is padded on the left with '.' (index 0) so the "
    "first letter has a context too, and ends with a '.' the network must learn to predict. Slide the window "
    "along a name and every position becomes one training example."
)

@st.fragment
def context_page():
    """Everything below the intro. A control reruns only this fragment, not the sidebar and the
    navigation: a slider step costs this page's own work only (issue 13)."""
    # ---------------------------------------------------------------- controls
    c1, c2, c3 = st.columns([2, 2, 1.2])
    with c1:
        block_size = st.slider("block_size: how many characters the network sees", **links.bounds(SETTINGS, "context_block_size"),
                               key="context_block_size",
                               on_change=keep,
                               help="The lecture uses 3. A longer context can capture more, but costs more inputs.")
    with c2:
        name = st.text_input("A name (type any)", key="context_name", max_chars=30, on_change=typed_name,
                             help="Any word made of the data's characters, in the data or not.").strip()
    with c3:
        st.selectbox("…or pick one from the data", [""] + stats["sample"], key="context_pick", on_change=pick_from_data,
                     format_func=lambda w: w or "(choose)")
        st.button("Random name", key="context_random", help="A name drawn at random from the data in use.", on_click=random_name)

    # ---------------------------------------------------------------- one name, every example
    st.header(f"1 · '{literal(name)}' as training examples" if name else "1 · A name as training examples")
    pairs = None
    if not name:
        st.info("Type a name above, or pick one from the data.")
    elif END in name:
        st.error("A name cannot contain '.': it is the special start/end token (index 0).")
    else:
        try:
            pairs = context_windows(name, vocab, block_size)
        except DataError:
            unknown = sorted(set(name) - set(vocab.stoi))
            hint = f" Try **{literal(name.lower())}**: the data is lower case." if set(name.lower()) <= set(vocab.stoi) else ""
            st.error(f"'{literal(name)}' uses characters that are not in this data's vocabulary: "
                     f"{literal(', '.join(repr(c) for c in unknown), None)}. The network has no index, and so no embedding, for them. "
                     f"The vocabulary is: {literal(' '.join(vocab.itos), None)}.{hint}")

    if pairs:
        st.markdown(
            f"**{len(name)} letter{'s' * (len(name) != 1)} + 1 end marker = {len(pairs)} examples.** Each row is one example: the blue (and "
            f"grey) cells are what the network is given, the orange cell what it must predict. The grey '.' cells are "
            f"**padding**: before the name starts there is nothing to look at, so the context is filled with '.'."
        )
        wide = block_size + len(name) + 1 > 14  # a long row of cells needs the full width, the table goes below
        left, right = (st.container(), st.container()) if wide else st.columns([3, 2])
        with left:
            st.vega_lite_chart(*window_chart(name, block_size, pairs, vocab.itos, classroom.projecting()),
                               width="stretch", key="context_windows")
        with right:
            rows = []
            for i, (context, target) in enumerate(pairs):
                rows.append({"context": "".join(vocab.itos[ix] for ix in context), "target": vocab.itos[target],
                             "X row (indices)": str(context), "Y": target})
            table = pd.DataFrame(rows)
            padded = [i < block_size for i in range(len(rows))]  # row i still has block_size - i padding dots

            def mark(row):
                pad = "background-color: #e6e6e6; " if padded[row.name] else ""
                end = "background-color: #fdae6b; font-weight: bold" if row["Y"] == 0 else "background-color: #fde5cf"
                return [pad + "font-family: monospace", end, pad + "font-family: monospace", end]

            st.dataframe(table.style.apply(mark, axis=1), hide_index=True, width="stretch", key="context_table",
                         height=classroom.table_height(len(table), 34))
            st.caption("As the network gets it: X holds the context as indices ('.' = 0), Y the index of the target. "
                       "Grey rows still contain padding; the last row's target is '.' — the name ends here.")

    # ---------------------------------------------------------------- all the data
    st.header("2 · The whole data set as tensors")
    splits = stats["splits"]
    st.markdown(
        "Do this for every word and stack the rows: **X** has one row of `block_size` indices per example, **Y** one "
        "target per example. Move the slider: X gets wider, but the *number* of examples stays the same — every "
        "word gives `len(word) + 1` examples, whatever the context length."
    )
    shape_rows = []
    for split in SPLITS:
        s = splits[split]
        shape_rows.append({
            "split": SPLIT_NAMES[split], "words": s["words"], "Σ len(word)": s["letters"], "+ one '.' per word": s["words"],
            "= examples": s["examples"], "X shape": f"({s['examples']:,}, {block_size})", "Y shape": f"({s['examples']:,},)",
            "X size": f"{s['examples'] * block_size * 8 / 2**20:.1f} MB",
        })
    # Formats in column_config, not a pandas Styler: a Styler costs tens of ms a slider step (issue 13).
    thousands = {k: st.column_config.NumberColumn(format="%,d")
                 for k in ("words", "Σ len(word)", "+ one '.' per word", "= examples")}
    st.dataframe(pd.DataFrame(shape_rows), hide_index=True, width="stretch", key="context_shapes",
                 column_config=thousands)
    total = {k: sum(splits[s][k] for s in SPLITS) for k in ("words", "letters", "examples")}
    train = splits["train"]
    st.markdown(
        f"**examples = Σ (len(word) + 1)** — for the training split: {train['letters']:,} letters + "
        f"{train['words']:,} end markers = **{train['examples']:,}** examples, so `Xtr.shape = ({train['examples']:,}, "
        f"{block_size})` and `Ytr.shape = ({train['examples']:,},)`. All splits together: {total['letters']:,} + "
        f"{total['words']:,} = {total['examples']:,}."
    )
    st.caption("X is stored as 64-bit integers (8 bytes each), hence the sizes. The lecture's names.txt at block_size 3 "
               "gives Xtr (182625, 3), Xdev (22655, 3), Xte (22866, 3).")

    if st.button(f"Build X and Y at block_size {block_size} and check these shapes", key="context_build"):
        with st.spinner("Building the tensors…"):
            tensors = state.dataset_tensors(dataset, block_size)
        built = {s: (tuple(tensors[s][0].shape), tuple(tensors[s][1].shape)) for s in SPLITS}
        expected = {s: ((splits[s]["examples"], block_size), (splits[s]["examples"],)) for s in SPLITS}
        text = "; ".join(f"{SPLIT_NAMES[s]}: X {built[s][0]}, Y {built[s][1]}" for s in SPLITS)
        if built == expected:
            st.success(f"Built for real — the shapes match the formula. {text}")
        else:
            st.error(f"The built shapes differ from the formula: {text}")


context_page()
