"""Sampling: the model makes up names, one character at a time."""
import functools
import math
import random
import re

import streamlit as st

from makemore_core import checkpoint, sampling
from ui import classroom, families, links, model_source, state
from ui.choices import numbered_index
from ui.figures.sampling import SCRUB, entropy_bits, next_char_figure, temperature_scrub_chart
from ui.safe_text import literal

SETTINGS = [  # the page's settings in the address (query key, widget key, default, parser)
    links.Setting("n", "sampling_n", 20, links.integer(1, 100)),
    links.Setting("seed", "sampling_seed", sampling.SAMPLE_SEED, links.integer(0, 2**53 - 1)),
    links.Setting("temperature", "sampling_temperature", 1.0, links.number(0.1, 3.0)),
    links.Setting("top_k", "sampling_top_k", 0, links.integer(0, 1000)),
    links.Setting("top_p", "sampling_top_p", 1.0, links.number(0.05, 1.0)),
    links.Setting("beam", "sampling_beam", 5, links.integer(1, 10)),
    links.Setting("compare_temperature", "sampling_compare_temperature", 0.5, links.number(0.1, 3.0)),
]
MARKS = {"train": ("blue", "in the training set"), "val/test": ("orange", "in val or test only"),
         "new": ("violet", "new: in no split")}


@st.cache_data(show_spinner=False, max_entries=64)
def sample_names(model_key, n, seed, temperature, top_k, top_p, _model, _vocab):
    return sampling.sample(_model, _vocab, n=n, seed=seed, temperature=temperature, top_k=top_k, top_p=top_p)


@st.cache_data(show_spinner=False, max_entries=64)
def trace_name(model_key, index, seed, temperature, top_k, top_p, _model, _vocab):
    return sampling.trace(_model, _vocab, seed=seed, temperature=temperature, top_k=top_k, top_p=top_p, index=index)


@st.cache_data(show_spinner=False, max_entries=32)
def most_likely(model_key, width, _model, _vocab):
    return sampling.beam_search(_model, _vocab, width=width)


@st.cache_resource(show_spinner=False, max_entries=64)
def probs_chart(model_key, probs, chosen, title, y_max, _itos):
    """Cached: the same step at the same settings is drawn once (figure building is the slow part)."""
    return next_char_figure(probs, _itos, chosen, title, y_max)


@st.cache_data(show_spinner=False, max_entries=32)
def temperature_family(model_key, context, temperatures, top_k, top_p, _model):
    return families.temperature_family(_model, list(context), temperatures, top_k, top_p)


SCRUB_FROM = "sampling_scrub_from"   # the temperature the scrubber starts at: the one last set by anything but it
SCRUB_AT = "sampling_scrub_at"       # the temperature it last committed


def scrub_released(key, temperatures):
    """The thumb rests: its temperature becomes the compared one (the slider and the address follow)."""
    picked = (st.session_state[key] or {}).get("selection", {}).get(SCRUB) or []
    if picked:
        st.session_state[SCRUB_AT] = st.session_state["sampling_compare_temperature"] = temperatures[int(picked[0]["m"])]


def temperature_scrubber(compare_t, context, k, p, chosen):
    """The next character's distribution at every temperature, picked in the browser as the thumb moves."""
    key = f"sampling_scrub_{st.session_state.get(SCRUB_FROM)}"
    if st.session_state.get(SCRUB_AT) != compare_t or key not in st.session_state:   # set elsewhere, or a new chart
        st.session_state[SCRUB_FROM] = st.session_state[SCRUB_AT] = compare_t
        key = f"sampling_scrub_{compare_t}"
    temperatures = families.with_start(families.TEMPERATURES, st.session_state[SCRUB_FROM])
    members = temperature_family(choice.key, tuple(context), temperatures, k, p, model)
    start = families.index_of(temperatures, st.session_state[SCRUB_FROM])
    st.vega_lite_chart(*temperature_scrub_chart(members, vocab.itos, start, chosen, classroom.projecting()),
                       key=key, on_select=functools.partial(scrub_released, key, temperatures),
                       selection_mode=SCRUB, width="stretch")
    return members[start]


def new_seed():
    st.session_state["sampling_seed"] = random.randrange(1, 2**31)


def chip(name, where):
    # a word list may hold markdown's own characters: escape them so a name shows as typed
    shown = re.sub(r"([\\`*_{}\[\]()#+\-.!$:~|<>])", r"\\\1", name) if name else "(empty)"
    return f":{MARKS[where][0]}-background[{shown}]"


st.title("Sampling")
st.markdown("Start from the context '...', ask the model for the probability of every next character, draw "
            "one at random, slide the window, and repeat until it draws the end '.'. The model writes names it "
            "has never seen, one character at a time.")

links.restore("sampling", SETTINGS)   # first: a bad value in a link is said even before there is a model
choice = model_source.choose("sampling")
if choice is None:
    st.stop()
model, vocab = choice.model, choice.vocab
dataset = state.current_dataset()
st.session_state["sampling_top_k"] = min(int(st.session_state["sampling_top_k"]), len(vocab))  # a link's k > vocab

# ---------------------------------------------------------------- controls
st.header("Make up names")
c1, c2, c3 = st.columns(3)
n = c1.slider("How many names", **links.bounds(SETTINGS, "sampling_n"), key="sampling_n", help="Each name is drawn until the model picks the end '.' "
              f"(or {sampling.MAX_LENGTH} characters).")
c1.number_input("Seed", **links.bounds(SETTINGS, "sampling_seed"), step=1, key="sampling_seed",
                help="The random generator's starting point. The same seed (and settings) gives the same names, "
                     "here and with `python -m makemore_core sample --seed`. The default is the lecture's.")
c1.button("Another seed", key="sampling_new_seed", on_click=new_seed)
temperature = c2.slider("Temperature", **links.bounds(SETTINGS, "sampling_temperature"), step=0.05, key="sampling_temperature",
                        help="Logits are divided by it before the softmax. Below 1: the likely characters get "
                             "likelier (safe, repetitive names). Above 1: flatter, more surprising, more misspelled.")
top_k = c2.slider("Top-k (0 = off)", 0, len(vocab), key="sampling_top_k",
                  help="Keep only the k likeliest characters at each step, then renormalize.")
top_p = c3.slider("Top-p (1 = off)", **links.bounds(SETTINGS, "sampling_top_p"), step=0.05, key="sampling_top_p",
                  help="Keep the smallest set of likeliest characters whose probabilities add up to p "
                       "(nucleus sampling).")
beam = c3.slider("Beam width", **links.bounds(SETTINGS, "sampling_beam"), key="sampling_beam",
                 help="For the most likely names below: how many partial names beam search keeps at each step.")
links.save("sampling", SETTINGS)
seed = int(st.session_state["sampling_seed"])
k = top_k or None
p = top_p if top_p < 1 else None

names = sample_names(choice.key, n, seed, temperature, k, p, model, vocab)
sets = model_source.split_sets(dataset)
found = [model_source.where_found(sets, name) for name in names]
st.markdown("Legend: " + " ".join(f":{color}-background[{label}]" for color, label in MARKS.values()))
st.markdown(" ".join(chip(name, where) for name, where in zip(names, found)))
cols = st.columns(4)
for col, (where, (_, label)) in zip(cols, MARKS.items()):
    col.metric(label, f"{found.count(where) / len(names):.0%}", help=f"{found.count(where)} of {len(names)} names")
cols[3].download_button("Download the names (.txt)", "\n".join(names) + "\n", file_name=f"names-seed{seed}.txt",
                        mime="text/plain", key="sampling_download")
try:
    checkpoint.check_vocab(vocab, dataset.vocab)
except checkpoint.CheckpointError as e:
    st.warning(f"{literal(str(e)[0].upper() + str(e)[1:], 300)}: the marks below compare against a list it never saw.")
st.caption(f"Checked against the word list in use ({literal(dataset.name)}). Names in the training set were memorized or "
           "re-invented; names only in val or test are real names the model never saw; new ones are its own. "
           "Lower the temperature and more names come from the training set.")

# ---------------------------------------------------------------- one name, step by step
st.header("One name, step by step")
st.session_state["sampling_trace_pick"] = numbered_index(st.session_state.get("sampling_trace_pick", 0), len(names))
pick = st.selectbox("Follow the name", range(len(names)), key="sampling_trace_pick",
                    format_func=lambda i: f"{i + 1}. {names[i] or '(empty)'}")
name, steps = trace_name(choice.key, pick, seed, temperature, k, p, model, vocab)
step_col, compare_col = st.columns(2)
if len(steps) > 1:
    if st.session_state.get("sampling_step", 1) > len(steps):
        st.session_state["sampling_step"] = len(steps)
    step = step_col.slider("Step", 1, len(steps), key="sampling_step",
                           help="Each step predicts one character from the context of the last "
                                f"{model.config.block_size}.") - 1
else:
    step = 0
compare_t = compare_col.slider("Compare with temperature", **links.bounds(SETTINGS, "sampling_compare_temperature"), step=0.05,
                               key="sampling_compare_temperature",
                               help="The same context and the same model, re-drawn at another temperature.")
s = steps[step]
chosen = "the end '.'" if s["chosen"] == 0 else f"'{s['char']}'"
st.markdown(f"#### Context `{s['context']}` → drew {chosen}\n"
            f"Name so far: **{name[:step] or '(nothing yet)'}**{'' if s['chosen'] == 0 else ' + ' + s['char']}"
            f" (step {step + 1} of {len(steps)})")
links.save("sampling", SETTINGS)
context = vocab.encode(s["context"])
y_max = 1.0   # the scrubber's axis: both charts on one scale
left, right = st.columns(2)
with left:
    st.plotly_chart(probs_chart(choice.key, tuple(s["probs"]), s["chosen"], f"temperature {temperature:g} (used)", y_max,
                                vocab.itos),
                    key="sampling_probs_used", config={"displayModeBar": False})
    st.caption(f"Spread: {entropy_bits(s['probs']):.2f} bits (uniform: {math.log2(len(vocab)):.2f}). "
               "The drawn character is vermillion (orange-red)." + (
                   " Characters top-k or top-p removed have no bar (probability 0): their letters are grey."
                   if k or p else ""))
with right, st.container(key="sampling_scrub"):
    temperature_scrubber(compare_t, context, k, p, s["chosen"])
    st.caption("Drag the temperature: the same context and model at every temperature from 0.1 to 3, in the "
               "browser. Lower sharpens the distribution toward the favourite, higher flattens it toward uniform; "
               "grey bars are what top-k / top-p would cut there. When you let go, it becomes the compared "
               "temperature.")

# ---------------------------------------------------------------- beam search
st.header("The most likely names (beam search)")
st.markdown(f"Instead of drawing at random, keep the {beam} likeliest partial names at every step and extend "
            "each by every character. The result is the names the model finds most probable: short, common, "
            "usually straight from the training set. Random sampling is what makes the output varied.")
best = most_likely(choice.key, beam, model, vocab)
st.dataframe({"name": [b[0] for b in best], "log-probability": [round(b[1], 3) for b in best],
              "probability": [f"{math.exp(b[1]):.2e}" for b in best],
              "found in": [model_source.where_found(sets, b[0]) for b in best]},
             hide_index=True, key="sampling_beam_table")
