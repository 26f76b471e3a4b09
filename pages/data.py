"""Data & vocabulary: the word list, its characters, which character follows which, and the split."""
import pandas as pd
import streamlit as st

from makemore_core.data import END, SPLITS
from ui import classroom, state
from ui.data_stats import dataset_stats, find_word
from ui.figures.data import bigram_heatmap, char_frequency, length_histogram
from ui.safe_text import literal

NOTICE_KEY = "data_page_notice"  # a message that must survive the rerun an upload triggers
SPLIT_NAMES = {"train": "train (80%)", "val": "validation (10%)", "test": "test (10%)"}


# Building a plotly figure costs 40-50 ms; a rerun that changes nothing in a chart should not pay it again.
@st.cache_resource(show_spinner=False, max_entries=16)
def cached_figure(name, data_key, options, _build):
    return _build()


st.title("Data & vocabulary")
st.markdown(
    "Everything the network will ever learn comes from this word list. Here you see what is in it, the "
    "**vocabulary** of characters it turns into numbers, and the simplest statistics of *which character comes "
    "next* — the thing the model is trained to predict."
)

# ---------------------------------------------------------------- the data set in use (and a way to change it)
with st.expander("Use your own word list", expanded=False):
    st.caption("One word a line, UTF-8 text. Any characters but '.', which is reserved as the start/end token. "
               "A file that cannot be used gets a message and the current data stays in use.")
    before = st.session_state.get(state.DATASET_KEY)
    state.upload_words_widget("data_upload")
    if st.session_state.get(state.DATASET_KEY) is not before:
        st.session_state[NOTICE_KEY] = "Now using your word list. Every page uses it from here on."
        st.rerun()  # so the sidebar, drawn before this page, shows the new data set too
    if not state.using_default_data() and st.button("Back to the default names", key="data_default"):
        state.use_default_words()
        st.session_state[NOTICE_KEY] = "Back to the default names."
        st.rerun()
if st.session_state.get(NOTICE_KEY):
    st.success(st.session_state.pop(NOTICE_KEY))

dataset = state.current_dataset()
stats = dataset_stats(dataset)
key = stats["key"]  # identifies this data set in the figure cache
summary = stats["summary"]
vocab = dataset.vocab

# ---------------------------------------------------------------- 1. the words
st.header("1 · The words")
st.caption(f"Data set in use: **{literal(dataset.name)}**" + (" (the app's default list of 2015 US baby names)"
                                                    if state.using_default_data() else ""))
cols = st.columns(6)
cols[0].metric("words", f"{summary['words']:,}", help="Lines in the file (blank lines skipped).")
cols[1].metric("distinct words", f"{summary['distinct']:,}", help="A name can appear more than once.")
cols[2].metric("shortest (chars)", summary["shortest"])
cols[3].metric("mean (chars)", f"{summary['mean_length']:.2f}")
cols[4].metric("longest (chars)", summary["longest"])
cols[5].metric("vocabulary", summary["vocab_size"], help="Distinct characters, plus '.'.")

left, right = st.columns([2, 3])
with left:
    st.plotly_chart(cached_figure("lengths", key, (), lambda: length_histogram(stats["lengths"])), key="data_lengths", config={"displayModeBar": False})
    st.caption("Most names are 4–8 characters long. Every character of a word becomes one training example, "
               "plus one more for the '.' that ends it — so long names give more examples.")
with right:
    order = st.radio("Order the characters by", ["vocabulary index", "count"], horizontal=True, key="data_char_order")
    st.plotly_chart(cached_figure("chars", key, order, lambda: char_frequency(
                        vocab.itos, stats["chars"], "count" if order == "count" else "index")),
                    key="data_chars", config={"displayModeBar": False})
    st.caption("Some characters are far more common than others. '.' (vermillion, orange-red) is counted once per word: the end "
               "marker the model must learn to predict, so it knows when a name is finished.")

query = st.text_input("Is a name in the data?", key="data_search", placeholder="type a name, e.g. emma",
                      max_chars=60, help="Exact match, case included. Also says which split it landed in.")
word = query.strip()
if word:
    found = find_word(dataset, word)
    unknown = sorted(set(word) - set(vocab.stoi) | ({END} & set(word)))
    if found["total"]:
        where = " and ".join(f"the **{s}** split" + (f" ({n} times)" if n > 1 else "")
                             for s, n in found["splits"].items())
        times = "once" if found["total"] == 1 else f"{found['total']} times"
        st.success(f"**{literal(word)}** is in the data {times}: in {where}.")
    else:
        hint = ""
        if word.lower() != word and find_word(dataset, word.lower())["total"]:
            hint = f" (but **{literal(word.lower())}** is: the data is lower case)"
        if unknown:
            st.warning(f"**{literal(word)}** is not in the data{hint}, and it could not be: it uses characters that are not "
                       f"in the vocabulary: {literal(' '.join(repr(c) for c in unknown), None)}.")
        else:
            st.info(f"**{literal(word)}** is not in the data{hint}. A good model should still find it a plausible name if "
                    f"it looks like one: that is what generalizing means.")

# ---------------------------------------------------------------- 2. the vocabulary
st.header("2 · The vocabulary: characters become numbers")
st.markdown(
    "A network works on numbers, so each character gets an index. **'.' is index 0**: it pads the start of a "
    "name and marks its end. The other characters follow in sorted order from 1. "
    f"This data has **{len(vocab)}** tokens, so the network's last layer has {len(vocab)} outputs."
)
table = pd.DataFrame({"index": range(len(vocab)), "character": vocab.itos, "count": stats["chars"]})
table["share"] = table["count"] / max(1, table["count"].sum())


def highlight_end(row):
    return ["background-color: #fde2e1; font-weight: bold" if row["index"] == 0 else ""] * len(row)


per_column = -(-len(table) // 3)
for col, start in zip(st.columns(3), range(0, len(table), per_column)):
    chunk = table.iloc[start:start + per_column]
    styled_chunk = chunk.style.apply(highlight_end, axis=1).format({"count": "{:,}", "share": "{:.1%}"})
    col.dataframe(styled_chunk, hide_index=True, width="stretch", key=f"data_vocab_{start}",
                  height=classroom.table_height(len(chunk), 11))
st.caption("'.' (highlighted) counts one per word. The share is of all characters, '.' included.")

# ---------------------------------------------------------------- 3. bigram counts
st.header("3 · Which character follows which?")
st.markdown(
    "Count every pair of neighbouring characters, with '.' before and after each word. Row = the character, "
    "column = the one that comes next. The '.' **row** shows how names *start*, the '.' **column** how they *end*. "
    "This table alone is a language model (makemore part 1): the MLP learns the same thing, but looks further "
    "back than one character. Hover a cell to see the pair and its count."
)
opt1, opt2 = st.columns(2)
log_scale = opt1.toggle("Colour by log(count)", value=True, key="data_bigram_log",
                        help="With a plain scale a few very common pairs make everything else look empty.")
numbers = opt2.toggle("Write the counts in the cells", value=False, key="data_bigram_numbers",
                      disabled=len(vocab) > 40, help="Readable up to about 30 characters.")
counts = stats["bigrams"]
st.plotly_chart(cached_figure("bigrams", key, (log_scale, numbers), lambda: bigram_heatmap(
                    vocab.itos, counts, log_scale, numbers and len(vocab) <= 40)), key="data_bigrams",
                config={"displayModeBar": False})
flat = counts.ravel().argsort()[::-1][:5]
top = [f"'{vocab.itos[i // len(vocab)]}{vocab.itos[i % len(vocab)]}' ({counts.flat[i]:,})" for i in flat]
st.caption(f"{int(counts.sum()):,} pairs in all; {int((counts > 0).sum())} of {counts.size} possible pairs occur. "
           f"Most common: {', '.join(top)}.")

# ---------------------------------------------------------------- 4. the split
st.header("4 · Train, validation and test")
st.markdown(
    "The words are shuffled with `random.seed(42)` and cut 80% / 10% / 10%. The network learns from **train**; "
    "**validation** (`dev` in the lecture) picks the settings; **test** is looked at once, at the very end. "
    "Each word gives `len(word) + 1` examples, shown here for the lecture's **block_size 3**."
)
tensors = state.dataset_tensors(dataset, 3)
split_rows, all_inside = [], True
for split in SPLITS:
    X, Y = tensors[split]
    low = min(int(X.min()), int(Y.min())) if len(Y) else 0
    high = max(int(X.max()), int(Y.max())) if len(Y) else 0
    inside = 0 <= low and high < len(vocab)
    all_inside &= inside
    split_rows.append({"split": SPLIT_NAMES[split], "words": len(dataset.splits[split]), "examples": len(Y),
                       "X shape": str(tuple(X.shape)), "Y shape": str(tuple(Y.shape)),
                       "smallest index": low, "largest index": high, f"inside [0, {len(vocab)})": "✓" if inside else "✗"})
st.dataframe(pd.DataFrame(split_rows), hide_index=True, width="stretch", key="data_splits",   # no Styler: cheaper
             column_config={k: st.column_config.NumberColumn(format="%,d") for k in ("words", "examples")})
empty = [SPLIT_NAMES[split].split(" (")[0] for split in SPLITS if not len(tensors[split][1])]
if all_inside:   # an empty split has no index to check: said so, not counted as passed
    checked = "the non-empty splits" if empty else "X and Y"
    st.success(f"Index check passed: every index in {checked} lies in [0, {len(vocab)}), so every lookup `C[X]` "
               f"and every target of the loss is valid." + (
                   f" The {' and '.join(empty)} split{'s are' if len(empty) > 1 else ' is'} empty: nothing to check "
                   "there, and nothing to measure on it." if empty else ""))
else:
    st.error("Some index lies outside the vocabulary: this data cannot be trained on.")
if summary["words"] == 32_033:
    st.caption("With the lecture's names.txt these are the notebook's numbers: Xtr (182625, 3), "
               "Xdev (22655, 3), Xte (22866, 3).")
else:
    st.caption("The lecture's own names.txt (32,033 words) gives Xtr (182625, 3), Xdev (22655, 3), Xte (22866, 3); "
               "this list is a different one, so its numbers differ.")
