"""Evaluation: how good is the model? Loss per split, BatchNorm's statistics, one name's likelihood."""
import math

import pandas as pd
import streamlit as st

from makemore_core import evaluation, sampling
from makemore_core.data import DataError
from ui import eval_jobs, links, model_source, runs, state
from ui.figures.evaluation import batchnorm_modes_figure, history_figure, nll_strip_figure
from ui.safe_text import literal

SAMPLES_PER_MODE = 5
SETTINGS = [links.Setting("word", "eval_word", "emma", links.text(40))]   # ?word=<name>
RUN_WRITTEN = "eval_run_written"   # the ?run= this tab last wrote: another one in the address is a link opened


def model_report(model_key, data_key, model, data):
    """Every loss of sections 1 and 2, once per model, done by the background worker: a finished run
    was handed to it when it finished, so the result is usually ready; otherwise wait for it here."""
    job = eval_jobs.submit(model_key, data_key, model, data)
    if not job.done():
        with st.spinner("Evaluating every example of every split, and BatchNorm's four modes (once per model)..."):
            return job.result()
    return job.result()


@st.cache_data(show_spinner=False, max_entries=32)
def mode_names(model_key, data_key, _model, _vocab, _calibrated):
    """{mode: a few names sampled with BatchNorm's statistics taken from there}."""
    model, vocab = _model, _vocab
    names = {evaluation.RUNNING: sampling.sample(model, vocab, SAMPLES_PER_MODE)}
    if not model.batchnorms():
        return names
    with evaluation.batchnorm_stats(model, _calibrated):
        names[evaluation.CALIBRATED] = sampling.sample(model, vocab, SAMPLES_PER_MODE)
    names[evaluation.BATCH_OF_32] = sampling.sample_batch_stats(model, vocab, 32)[:SAMPLES_PER_MODE]
    names[evaluation.BATCH_OF_1] = sampling.sample_batch_stats(model, vocab, 1)
    return names


# Figures are cached per model as well: building a plotly figure costs tens of ms, and a rerun
# after typing a name should not rebuild the charts that did not change.
@st.cache_resource(show_spinner=False, max_entries=32)
def modes_chart(model_key, data_key, _rows, uniform):
    return batchnorm_modes_figure(_rows, uniform)


@st.cache_resource(show_spinner=False, max_entries=64)
def strip_chart(model_key, word, _rows):
    return nll_strip_figure(_rows)


@st.cache_resource(show_spinner=False, max_entries=16)
def history_chart(model_key, n_losses, _losses, _val, uniform, step):
    return history_figure(_losses, _val, uniform, step)


def worst_last(rows):
    """Best (lowest loss) first; a NaN loss is worse than any number."""
    return sorted(rows, key=lambda r: (not math.isfinite(r[1]), r[1] if math.isfinite(r[1]) else 0))


MODE_NOTES = {
    "running statistics (eval mode)":
        "The averages each BatchNorm kept while training (momentum 0.1). This is `model.eval()`: every example "
        "is judged on its own, and the same input always gives the same output.",
    "calibrated on the whole training split":
        "The lecture's extra pass after training: the exact mean and variance of every BatchNorm input over all "
        "training examples. It lands very close to the running averages, which is why in practice the running "
        "averages replace this pass.",
    "batch statistics, batch of 32":
        "Normalize by the statistics of each batch of 32 val examples, as during training. The loss is close, but an "
        "example's prediction now depends on which other examples share its batch. The names were sampled 32 side by "
        "side, sharing statistics: at the first step all 32 contexts are '...', the batch has no spread, every "
        "BatchNorm outputs its beta, and the first letter ignores the input entirely.",
    "batch statistics, batch of 1":
        "A single example has no spread. The lecture's variance `x.var(0)` is unbiased: it divides by n - 1 = 0, so it "
        "is NaN, and the NaN flows through every layer into the loss. No name can be sampled one at a time this way. "
        "This is why BatchNorm keeps running statistics and switches to them in eval mode.",
}

st.title("Evaluation")
st.markdown("How good is the trained model? The loss on names it never trained on, what BatchNorm does when "
            "there is no batch, and how likely the model finds any name you type.")



def linked_run_key():
    """The candidate a ?run=<link> of this browser's runs names, when the address is new to this tab."""
    wanted = st.query_params.get("run")
    if not wanted or wanted == st.session_state.get(RUN_WRITTEN):
        return None
    run, read_only = runs.watched_run(runs.session_runs())
    return None if run is None or read_only else f"run:{run.id}"


def write_run_link(choice):
    """The address names the run whose model this page shows (?run=<link>), or none for a checkpoint."""
    link = choice.run.link if choice.run is not None else None
    st.session_state[RUN_WRITTEN] = link
    if link and st.query_params.get("run") != link:
        st.query_params["run"] = link
    elif not link and "run" in st.query_params:
        del st.query_params["run"]


links.restore("evaluation", SETTINGS)
choice = model_source.choose("evaluation", wanted=linked_run_key())
if choice is None:
    st.stop()
write_run_link(choice)
model, vocab = choice.model, choice.vocab
block_size = model.config.block_size
uniform = math.log(len(vocab))
dataset = state.current_dataset()
same_vocab = dataset.vocab.itos == vocab.itos

# ---------------------------------------------------------------- 1. loss per split
st.header("Loss on train, val and test")
if not same_vocab:
    st.warning(f"This model knows {len(vocab)} characters, but the data set in use ({literal(dataset.name)}) has "
               f"{len(dataset.vocab)}: its losses need the word list it was trained on. Pick that word list in the "
               "sidebar. The name likelihood below still works.")
else:
    data = state.dataset_tensors(dataset, block_size)
    data_key = model_source.data_key(dataset)
    report = model_report(choice.key, data_key, model, data)
    losses = report.splits
    train, val, test = (losses.get(s, math.nan) for s in ("train", "val", "test"))
    empty = [s for s in ("train", "val", "test") if s not in losses]   # a list of a few words leaves some empty
    shown = lambda x: f"{x:.4f}" if math.isfinite(x) else "empty split"  # noqa: E731
    gap = lambda x: f"{x - train:+.4f} vs train" if math.isfinite(x - train) else None  # noqa: E731
    cols = st.columns(4)
    cols[0].metric("train loss", shown(train), help="Mean cross-entropy over every training example.")
    cols[1].metric("val loss", shown(val), delta=gap(val), delta_color="off",
                   help="Names the model never trained on; used to choose settings.")
    cols[2].metric("test loss", shown(test), delta=gap(test), delta_color="off",
                   help="Held back until the very end: a last, honest check.")
    cols[3].metric("uniform guess", f"{uniform:.4f}", help=f"-ln(1/{len(vocab)}): the loss of knowing nothing.")
    st.caption(f"On {literal(dataset.name)}, with BatchNorm in eval mode (running statistics) and no gradients. "
               "A small gap between train and val means the net is not memorizing names: it could afford to be "
               "bigger. A val loss well above train means it is overfitting. The lecture's deep net reaches about "
               "2.0 on train and 2.1 on val after 200,000 steps.")

    if empty:
        st.info(f"The {' and '.join(empty)} split{'s are' if len(empty) > 1 else ' is'} empty: {literal(dataset.name)} has "
                f"{len(dataset.words)} words, and an 80/10/10 split of so few leaves no names for "
                f"{'them' if len(empty) > 1 else 'it'}. Use a list of at least 10 words to see every split's loss.")

    # ------------------------------------------------------------ 2. BatchNorm modes
    st.header("BatchNorm: where do the mean and variance come from?")
    st.markdown("While training, BatchNorm normalizes every feature by the mean and variance **of the batch**. "
                "After training we want to feed one example at a time. Four ways to get those statistics, each "
                "scored on the val split and asked for a few names:")
if same_vocab and "val" in empty:
    st.info("This comparison scores each way on the val split, which is empty for this word list.")
elif same_vocab:
    names = mode_names(choice.key, data_key, model, vocab, report.calibrated)
    rows = worst_last([(mode, loss, names[mode]) for mode, loss in report.modes.items()])
    table = pd.DataFrame({
        "BatchNorm statistics": [r[0] for r in rows],
        "val loss": [f"{r[1]:.4f}" if math.isfinite(r[1]) else "NaN" for r in rows],
        "verdict": ["best" if i == 0 else ("worst" if i == len(rows) - 1 else "") for i in range(len(rows))],
        "sampled names": [", ".join(n for n in r[2] if n is not None) or "none: every probability is NaN"
                          for r in rows],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="eval_bn_table")
    st.plotly_chart(modes_chart(choice.key, data_key, [(r[0], r[1]) for r in rows], uniform), key="eval_bn_chart",
                    config={"displayModeBar": False})
    if len(rows) == 1:
        st.info("This model has no BatchNorm layers, so it behaves the same in training and eval mode.")
    else:
        st.caption("The first three land close together; which of them wins depends on the model (early in "
                   "training the running averages lag behind the weights). A batch of one always fails.")
        for mode, _, _ in rows:
            st.markdown(f"- **{mode}**: {MODE_NOTES[mode]}")

# ---------------------------------------------------------------- 3. one name
st.header("How likely is a name?")
st.markdown("The model reads the name one character at a time and gives every possible next character a "
            "probability. Each cell is the probability it gave the character that really came next (blue: "
            "expected, orange-red: surprised). The negative log-likelihood (NLL) -ln p adds up along the name; its mean is "
            "the loss on this one name.")
word = st.text_input("Type a name", max_chars=40, key="eval_word").strip()   # restore() gave its value
if not word:
    st.info("Type a name to see how likely the model finds it.")
elif "." in word:
    st.error("'.' cannot be part of a name: the model uses it to mark the start and the end.")
else:
    try:
        rows = evaluation.word_nll(model, vocab, word, block_size)
    except DataError:
        unknown = "".join(sorted(set(word) - set(vocab.itos)))
        hint = " (the vocabulary is lowercase: try it in lowercase)" if word.lower() != word and \
            not set(word.lower()) - set(vocab.itos) else ""
        st.error(f"The model cannot read {literal(repr(word))}: {literal(repr(unknown))} is not in its vocabulary{hint}. "
                 f"It knows: {literal(''.join(vocab.itos[1:]), None)}")
    else:
        st.plotly_chart(strip_chart(choice.key, word, rows), key="eval_nll_strip", config={"displayModeBar": False})
        total = sum(r["nll"] for r in rows)
        sets = model_source.split_sets(dataset)
        found = [s for s in ("train", "val", "test") if word in sets[s]]
        cols = st.columns(4)
        cols[0].metric("total NLL", f"{total:.3f}", help="Sum of -ln p over the characters and the end '.'.")
        cols[1].metric("mean NLL", f"{total / len(rows):.3f}", help="The loss on this name; compare with the val loss.")
        cols[2].metric("P(name)", f"{math.exp(-total):.2e}", help="The probability of the whole name, end included: exp(-total NLL).")
        cols[3].metric("in the data", ", ".join(found) if found else "no",
                       help="Which splits of the word list in use contain this name.")

# ---------------------------------------------------------------- 4. the run's history
if choice.run is not None:
    st.header("Loss during the run")
    with choice.run.lock:
        losses_so_far = list(choice.run.trainer.losses)
        val_history = list(choice.run.trainer.val_losses)
    chart = history_chart(choice.key, len(losses_so_far), losses_so_far, val_history, uniform, choice.step)
    st.plotly_chart(chart, key="eval_history",
                    config={"displayModeBar": False})
    st.caption("The dashed line marks the step whose weights this page evaluates.")
    if val_history:
        st.caption("The val loss is measured on the whole val split every few steps. When it stops falling while "
                   "the training loss keeps going down, the net has started to memorize its training names.")
    else:
        st.caption("This run did not measure val loss along the way (the Training page's periodic val loss was "
                   "off), so only the minibatch training loss is shown.")
