"""The Lecture page's last chapter: the video's two exercises, done in the app.

E01: every weight and bias zero. The learner guesses first, then trains it beside a normal init and
sees which parameters get a gradient and move. E02: fold BatchNorm into the Linear before it and
check that the forward pass is the same, faster and without BatchNorm.
"""
import pandas as pd
import streamlit as st

from makemore_core import checkpoint, fold, prepare
from ui import jobs, lecture_progress, state
from ui.figures import exercises as figs
from ui.figures import init_lab as lab_figs
from ui.lecture.compute import lecture_job, show_progress
from ui.safe_text import literal

TITLE = "Exercises: zero init and folding BatchNorm"

GUESSES = {
    "fine": "It trains fine, a little slower at first.",
    "none": "It does not train at all: the loss stays at ln(27) ≈ 3.30.",
    "part": "It trains only partly: some parameters learn, the rest stay where they are.",
}
E01_STEPS = prepare.E01_STEPS
FOLD_STEPS = prepare.FOLD_STEPS
SAMPLES = prepare.SAMPLES


def context_dataset(ctx):
    """The data set the lecture page passes (ctx.dataset or ctx["dataset"]), else the one in use."""
    found = ctx.get("dataset") if isinstance(ctx, dict) else getattr(ctx, "dataset", None)
    return found if found is not None else state.current_dataset()


def render(ctx=None):
    dataset = context_dataset(ctx)
    st.markdown("The video sets two exercises. Here you do both, on the data set in use "
                f"({literal(dataset.name)}).")
    e01(dataset)
    st.divider()
    e02(dataset)


# ---------------------------------------------------------------- E01

def e01_compute(dataset, steps):
    """The job's computation: both nets, on the tensors this server keeps for the data set."""
    return lambda report: prepare.e01(dataset, state.dataset_tensors(dataset, 3), steps, report, state.device())


def param_table(normal, zeros):
    rows = []
    for a, b in zip(normal["params"], zeros["params"]):
        rows.append({"parameter": a["name"], "shape": "×".join(map(str, a["shape"])),
                     "normal: max |grad|": a["grad_max"], "normal: mean |update|": a["update_mean"],
                     "zeros: max |grad|": b["grad_max"], "zeros: mean |update|": b["update_mean"],
                     "zeros: moved?": "yes" if b["update_max"] > 0 else "no"})   # short: the column fits 1280 px
    return pd.DataFrame(rows)


def e01(dataset):
    st.subheader("E01: initialize all weights and biases to zero")
    st.markdown("Take the lecture's deep net (5 hidden blocks of Linear → BatchNorm → tanh) and start it with "
                "**C and every weight and bias at zero** (BatchNorm keeps its γ = 1, β = 0). Then train it.")
    kept = lecture_progress.guess("e01")   # kept in the address: F5 keeps the guess
    st.session_state.setdefault("ex_e01_guess", kept[0] if kept and kept[0] in GUESSES else None)
    guess = st.radio("What do you expect?", list(GUESSES), format_func=GUESSES.get, index=None, key="ex_e01_guess",
                     on_change=lambda: lecture_progress.set_guess("e01", st.session_state["ex_e01_guess"]))
    if guess is None:
        st.info("Make your guess first: then train it and see.")
        return
    steps = st.select_slider("Steps for each net", E01_STEPS, value=E01_STEPS[len(E01_STEPS) // 2], key="ex_e01_steps")
    name = prepare.e01_name(dataset.digest, steps)
    running = jobs.find(("lecture", name))   # started by another browser: show its progress, no click needed
    if prepare.read(name) is None and running is None and not st.button(
            "Train both nets", key="ex_e01_train", type="primary",
            help="Trains the normal and the all-zero init on the same minibatches."):
        st.caption(f"Two runs of {steps:,} steps, seconds each; the result is kept for everyone on this server.")
        return
    e01_show(lecture_job(name, e01_compute(dataset, steps), f"Training both nets for {steps:,} steps"), guess)


def e01_show(runs, guess):
    normal, zeros, unigram = runs["normal"], runs["zeros"], runs["unigram"]
    verdict = {"part": "You were right", "none": "Not quite", "fine": "Not quite"}[guess]
    st.markdown(f"**{verdict}: it trains only partly.** The loss falls from 3.30, then stalls at the loss of "
                "the character frequencies alone, far above the normal init.")
    m = [*st.columns(2), *st.columns(2)]   # two by two: four long labels do not fit one row at 1280 px
    m[0].metric("Normal init: val loss", f"{normal['val_loss']:.4f}")
    m[1].metric("All zeros: val loss", f"{zeros['val_loss']:.4f}")
    m[2].metric("Character frequencies alone", f"{unigram:.4f}",
                help="The entropy of the next-character distribution of the training split: the best loss a net "
                     "can reach when its output ignores the input.")
    moved = [p["name"] for p in zeros["params"] if p["update_max"] > 0]
    answer = "part" if 0 < len(moved) < len(zeros["params"]) else ("fine" if moved else "none")
    lecture_progress.set_guess("e01", guess, lecture_progress.CLOSE if guess == answer else lecture_progress.FAR)
    m[3].metric("Parameters that moved (zeros)", f"{len(moved)} of {len(zeros['params'])}")
    st.plotly_chart(figs.loss_figure([("normal init", normal), ("all zeros", zeros)], unigram),
                    key="ex_e01_loss", config=lab_figs.NO_TOOLBAR)

    st.markdown("**Which parameters got a gradient and moved?** Mean |p − p₀| over the run; grey is exactly 0.")
    zmin, zmax = figs.heat_range(normal, zeros)
    # one above the other: side by side, the parameter names and the colour bar's title were cut at 1280 px
    st.plotly_chart(figs.update_heatmap(normal, "normal init", zmin, zmax, height=340), key="ex_e01_heat_normal")
    st.plotly_chart(figs.update_heatmap(zeros, "all zeros", zmin, zmax, height=340), key="ex_e01_heat_zeros")
    table = param_table(normal, zeros)
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3,   # every row, no scroll
                 column_config={c: st.column_config.NumberColumn(format="%.2e")
                                for c in ("normal: max |grad|", "normal: mean |update|",
                                          "zeros: max |grad|", "zeros: mean |update|")})

    st.markdown("**Activations and gradients per layer** after training (one minibatch; dashed: normal init).")
    rows = [("normal", normal["layers"], True), ("zeros", zeros["layers"], False)]
    a, b = st.columns(2)
    a.markdown("**activation distribution**")
    a.vega_lite_chart(*lab_figs.histogram_chart(rows, key="ex_e01_act", legend_columns=2), width="stretch",
                      key="ex_e01_act")
    b.markdown("**gradient distribution, normal init**")
    b.vega_lite_chart(*lab_figs.histogram_chart(rows[:1], "grad_hist", "ex_e01_grad", "gradient value",
                                                legend_columns=2),
                      width="stretch", key="ex_e01_grad")
    a.caption("All zeros: every tanh output is exactly 0, the one spike in the middle.")
    b.caption("All zeros: every one of these gradients is exactly 0 (the table's last column), so it is not drawn: "
              "its spike would flatten the normal init's curves.")
    st.dataframe(pd.DataFrame({
        "layer": [r["label"] for r in zeros["layers"]],
        "normal: std": [r["std"] for r in normal["layers"]], "normal: grad std": [r.get("grad_std") for r in normal["layers"]],
        "zeros: std": [r["std"] for r in zeros["layers"]], "zeros: grad std": [r.get("grad_std") for r in zeros["layers"]],
    }), hide_index=True, width="stretch")

    st.markdown("**Samples** (the same seed for both)")
    st.dataframe(pd.DataFrame({"normal init": normal["samples"], "all zeros": zeros["samples"]}), hide_index=True)

    st.markdown(f"""**What happened.** With every weight zero, every Linear outputs 0 whatever comes in;
BatchNorm turns a column of zeros into β = 0, and tanh(0) = 0: **every hidden activation is exactly 0**.
Now the backward pass: a Linear's weight gradient is `x.T @ dout`, zero because its input `x` is 0; the
gradient it passes back is `dout @ W.T`, zero because `W` is 0. So no gradient gets past the output
layer, and the biases, γ and β before it get none either. **Only {', '.join(moved) or 'nothing'}** — the
output bias, here the last BatchNorm's β — gets a gradient, `sum(softmax − onehot)`, which is never zero.
It learns how often each character comes next, whatever the context: the net becomes a table of
character frequencies, and its loss stalls at their entropy ({unigram:.3f}). And it stays that way: the
output bias never changes an activation, so the output weights keep a zero gradient, and so on up.

The cure is what the lecture does: random weights make every activation non-zero and different from its
neighbours', so that gradients flow back and every neuron learns something of its own. Biases may start at
zero — the weights may not.""")


# ---------------------------------------------------------------- E02

def e02_own_model(dataset):
    """The chapter's own small net: 3 Linear layers with BatchNorm, trained FOLD_STEPS steps."""
    name = prepare.e02_name(dataset.digest, FOLD_STEPS)
    raw = prepare.read_bytes(prepare.path_of(name, ".pt"))   # bytes: each use gets its own copy
    if raw is None:
        job = jobs.submit(("lecture", name), lambda _: prepare.e02_model_bytes(
            dataset, state.dataset_tensors(dataset, 3), state.device(), FOLD_STEPS), label="E02's net")
        show_progress(job, "Training the 3-layer net")
        raw = job.result()
    model, vocab, _ = checkpoint.from_bytes(raw, state.device())
    return model, vocab, f"the chapter's 3-layer net ({FOLD_STEPS:,} steps)"


SOURCES = {"own": "a small 3-layer net trained here", "run": "the latest Training run",
           "upload": "a checkpoint file"}


def e02_model(dataset, source):
    if source == "own":
        return e02_own_model(dataset)
    if source == "run":
        from ui.runs import session_runs
        found = session_runs().latest_model()
        if found is None:
            st.info("No run has trained yet in this tab: start one on the Training page.")
        return found
    state.upload_checkpoint_widget("ex_e02_upload")
    found = state.uploaded_checkpoint()
    if found is None:
        st.info("Upload a checkpoint with BatchNorm (from the Training page or `python -m makemore_core train`).")
    return found


def e02(dataset):
    st.subheader("E02: fold BatchNorm into the Linear layer before it")
    st.markdown(r"""After training, BatchNorm in eval mode is a fixed affine map of each column:
its running mean and variance no longer depend on the batch. A Linear followed by it is then one Linear
with other weights: with $s_j = \gamma_j / \sqrt{\mathrm{var}_j + \epsilon}$,
$W'_{ij} = W_{ij}\, s_j$ and $b'_j = (b_j - \mathrm{mean}_j)\, s_j + \beta_j$
(the lecture's own BatchNorm keeps a running std and no $\epsilon$: $s_j = \gamma_j / \mathrm{std}_j$).
BatchNorm disappears, and the forward pass should not change.""")
    source = st.radio("Fold", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="ex_e02_source")
    found = e02_model(dataset, source)
    if found is None:
        return
    model, vocab, label = found
    if not model.batchnorms():
        st.warning(f"{literal(label, 200)} has no BatchNorm layer: there is nothing to fold. Choose a model with BatchNorm.")
        return
    try:
        checkpoint.check_vocab(vocab, dataset.vocab)
    except checkpoint.CheckpointError as e:
        st.error(f"Cannot compare on this data set: {literal(e, 300)}. Use the word list it was trained on.")
        return
    X = state.dataset_tensors(dataset, model.config.block_size)["val"][0]
    if len(X) == 0:
        st.warning("The validation split of this word list is empty: use a longer list.")
        return
    if source == "own":   # kept on disk (`prepare` computes it before class): the first view computes nothing
        rep = prepare.on_disk(prepare.e02_report_name(dataset.digest, FOLD_STEPS), lambda: prepare.e02_report(
            dataset, state.dataset_tensors(dataset, 3), state.device(), FOLD_STEPS))
    else:
        rep = fold.report(model, vocab, X, SAMPLES)
    folded = fold.fold_batchnorm(model)   # for the download (a millisecond)
    diff32, diff64, t_model, t_folded = rep["diff32"], rep["diff64"], rep["seconds"], rep["folded_seconds"]

    st.markdown(f"**Folded: {literal(label, 200)}.**")
    m = [*st.columns(2), *st.columns(2)]   # two by two: four long labels do not fit one row at 1280 px
    m[0].metric("Largest |logit difference|, float32", f"{diff32:.2e}",
                help=f"Over all {rep['examples']:,} examples of the validation split: rounding, not a change of function.")
    m[1].metric("… in float64", f"{diff64:.2e}", help="The same fold and forward pass in double precision.")
    m[2].metric("Parameters", f"{rep['folded_params']:,}",
                delta=f"{rep['folded_params'] - rep['params']:,} (from {rep['params']:,})",
                delta_color="off")
    m[3].metric("Forward pass, whole val split", f"{t_folded * 1000:.0f} ms",
                delta=f"{t_model / t_folded:.2f}x faster than {t_model * 1000:.0f} ms", delta_color="off")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Before:** {len(rep['layers'])} layers")
        st.dataframe(pd.DataFrame({"layer": rep["layers"]}), hide_index=True, width="stretch")
    with right:
        st.markdown(f"**After:** {len(rep['folded_layers'])} layers, no BatchNorm")
        st.dataframe(pd.DataFrame({"layer": rep["folded_layers"]}), hide_index=True, width="stretch")
    before, after = rep["samples"], rep["folded_samples"]
    st.markdown("**Samples, same seed:** " + ("the same names from both." if before == after else
                                                "a name differs: a random draw fell within rounding of a boundary."))
    st.dataframe(pd.DataFrame({"with BatchNorm": before, "folded": after}), hide_index=True)
    size = rep["largest_logit"]
    st.markdown(f"""**What it shows.** The logits agree to {diff32:.0e} in float32 — a few units in the last
place of logits as large as {size:.1f} — and to {diff64:.0e} in float64: the fold changes only how the arithmetic
rounds, not the function. The folded net does one matrix multiply per block and skips BatchNorm's
subtract, divide, scale and shift: {t_model / t_folded:.1f}x faster here. It also drops γ, β and the running
statistics ({rep['params'] - rep['folded_params']:,} fewer numbers). What it gives up: it can no
longer be trained as a BatchNorm net. The command line does the same: `python -m makemore_core fold
--checkpoint model.pt --out folded.pt`.""")
    st.download_button("Download the folded model", data=checkpoint.to_bytes(folded, vocab, {"folded_from": label}),
                       file_name="folded.pt", mime="application/octet-stream", key="ex_e02_download", on_click="ignore")
