"""Embeddings & shapes: C[X], the shape of every tensor in the forward pass, and where the parameters are."""
import warnings

import numpy as np
import pandas as pd
import streamlit as st
import torch

from makemore_core.model import MLP, ModelConfig
from makemore_core.shapes import format_shape, total_parameters, trace_shapes
from ui import classroom, links, runs, state
from ui.embedding_map import project_2d
from ui.figures.embeddings import embedding_heatmap, embedding_map, parameter_share
from ui.figures.time_travel import embedding_scrub_chart
from ui.safe_text import literal

LECTURE = {"emb_n_embd": 10, "emb_block_size": 3, "emb_n_hidden": 100, "emb_hidden_layers": 5,
           "emb_batch_size": 32, "emb_batchnorm": True}
BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
PARSE = {"emb_n_embd": links.integer(1, 32), "emb_block_size": links.integer(1, 10),
         "emb_n_hidden": links.integer(10, 500, step=10), "emb_hidden_layers": links.integer(0, 10),
         "emb_batch_size": links.choice(BATCH_SIZES), "emb_batchnorm": links.boolean}
SETTINGS = [links.Setting(key.removeprefix("emb_"), key, value, PARSE[key]) for key, value in LECTURE.items()]


def keep():
    links.save("embeddings", SETTINGS)


def lecture_settings():
    links.set_values("embeddings", SETTINGS, {s.query: s.default for s in SETTINGS})


@st.cache_resource(show_spinner=False, max_entries=32)
def fresh_model(config: ModelConfig) -> MLP:
    """The model as initialized (the lecture's seed), before any training."""
    return MLP(config)


@st.cache_data(show_spinner=False, max_entries=64)
def real_shapes(config: ModelConfig, batch_size: int):
    """Run one random batch through a freshly built model and record each output's shape."""
    model = MLP(config)  # its own copy: the forward pass updates BatchNorm's running statistics
    X = torch.randint(0, config.vocab_size, (batch_size, config.block_size),
                      generator=torch.Generator().manual_seed(0))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BatchNorm's variance of a batch of 1 is NaN; only shapes matter here
        emb = model.C[X]
        shapes = [tuple(X.shape), tuple(emb.shape), tuple(emb.view(batch_size, -1).shape)]
        model.train()
        model(X)
        shapes += [tuple(layer.out.shape) for layer in model.layers]
    return shapes


def character_map(column, C, itos, what: str, key: str):
    """The characters on a plane, under a heading that says which C, its n_embd and what PCA keeps."""
    xy, axes, kept = project_2d(C)
    n_embd = C.shape[1]
    with column:
        st.markdown(f"**{what}** (n_embd {n_embd})" + (f" · PCA keeps {kept:.0%} of the spread" if n_embd > 2 else ""))
        st.vega_lite_chart(*embedding_map(xy, itos, axes, key, classroom.projecting()), width="stretch", key=key)


@st.cache_data(show_spinner=False, max_entries=16)
def travel_chart(run_id, step, count, big, _members, _itos):
    """C's map at each of a run's snapshots: built once per run, step and number of snapshots."""
    return embedding_scrub_chart(_members, _itos, big)


def c_over_time():
    """C's map scrubbed over the statistics steps of this browser's latest run: the vowels gather."""
    run = runs.session_runs().latest_trained_run()
    if run is None:
        st.caption("Train a run on the **Training** page: its C at every statistics step appears here, with a step "
                   "scrubber.")
        return
    members = [s for s in run.snapshot_members() if np.isfinite(s["C"]).all()]   # a diverged run's C: NaN
    if len(members) < 2:
        st.caption(f"Run {run.number} has {len(members)} statistics step so far: C's journey appears here from the "
                   "second one on (statistics every N steps, on the Training page).")
        return
    data, spec, kept = travel_chart(run.id, run.trainer.step_num, len(members), classroom.projecting(), members,
                                    tuple(run.vocab.itos))
    st.markdown(f"**Run {run.number}**: {literal(run.label, 200)} · C at {len(members)} statistics steps, from step "
                f"{members[0]['step']:,} to {members[-1]['step']:,}"
                + (f" · PCA of the last C keeps {kept:.0%} of its spread" if members[-1]["C"].shape[1] > 2 else ""))
    with st.container(key="emb_travel"):
        st.vega_lite_chart(data, spec, key="emb_travel_chart", width="stretch")
    st.caption("Drag the step from the start of the run to its end: the characters start where `randn` put them and "
               "drift as training uses them: over a long run the vowels (orange) gather, and '.' keeps apart. "
               "Every step is drawn on the same axes (the last C's own, when n_embd > 2).")


links.restore("embeddings", SETTINGS)

dataset = state.current_dataset()
vocab = dataset.vocab

def where_most(hidden_layers: int, n_hidden: int, n_in: int, vocab_size: int) -> str:
    """Which weights hold most of the numbers: the H×H layers exist only from the second hidden block on."""
    if hidden_layers >= 2:
        return (f"so the hidden {n_hidden}×{n_hidden} layers hold almost everything: doubling H quadruples them.")
    if hidden_layers == 1:
        return (f"so the one hidden block ({n_in}×{n_hidden}) and the output ({n_hidden}×{vocab_size}) hold most: "
                "doubling H doubles them. Add a block for an H×H layer.")
    return (f"and with no hidden block the output Linear ({n_in}×{vocab_size}) maps the concatenated embeddings "
            "straight to the logits: it holds almost everything.")


st.title("Embeddings & shapes")
st.markdown(
    "The first layer is a lookup table **C**: one row of `n_embd` learned numbers per character. `C[X]` swaps every "
    "index in a batch of contexts for its row, the rows of each example are laid side by side, and the result goes "
    "through the Linear → BatchNorm → Tanh blocks to one score (logit) per character. Move the sliders and watch "
    "every shape and every parameter count follow."
)

@st.fragment
def embeddings_page():
    """Everything below the intro. A control reruns only this fragment, not the sidebar and the
    navigation: a slider step costs this page's own work only (issue 13)."""
    # ---------------------------------------------------------------- controls
    c1, c2, c3 = st.columns(3)
    n_embd = c1.slider("n_embd (E): numbers per character", **links.bounds(SETTINGS, "emb_n_embd"), key="emb_n_embd", on_change=keep,
                       help="The width of C. The lecture uses 10; 2 lets you see C directly as a plane.")
    block_size = c1.slider("block_size (T): characters of context", **links.bounds(SETTINGS, "emb_block_size"), key="emb_block_size", on_change=keep,
                           help="How many embeddings are concatenated: the first Linear gets T·E inputs.")
    n_hidden = c2.slider("n_hidden (H): neurons per hidden layer", **links.bounds(SETTINGS, "emb_n_hidden"), key="emb_n_hidden", on_change=keep,
                         help="Each hidden Linear is H×H: parameters grow with the square of H.")
    hidden_layers = c2.slider("hidden blocks: Linear → BatchNorm → Tanh", **links.bounds(SETTINGS, "emb_hidden_layers"), key="emb_hidden_layers", on_change=keep,
                              help="The lecture's deep net has 5, then the output Linear (+ BatchNorm).")
    batch_size = c3.select_slider("batch size (B): examples per step", BATCH_SIZES, key="emb_batch_size", on_change=keep,
                                  help="Changes every shape's first number, but no parameter count.")
    batchnorm = c3.toggle("BatchNorm after each Linear", key="emb_batchnorm", on_change=keep,
                          help="Off: each Linear gets a bias instead, as there is no β to shift the output.")
    c3.button("Back to the lecture's settings", key="emb_reset", on_click=lecture_settings)

    config = ModelConfig(vocab_size=len(vocab), block_size=block_size, n_embd=n_embd, n_hidden=n_hidden,
                         hidden_layers=hidden_layers, batchnorm=batchnorm)
    rows = trace_shapes(config, batch_size)
    total = total_parameters(rows)

    # ---------------------------------------------------------------- the shape tracer
    st.header("1 · The forward pass, shape by shape")
    m1, m2, m3 = st.columns(3)
    m1.metric("parameters in all", f"{total:,}")
    m2.metric("first Linear's inputs (T·E)", f"{block_size * n_embd}")
    m3.metric("outputs (V, the vocabulary)", f"{len(vocab)}")
    if config == ModelConfig(vocab_size=27) and batch_size == 32:
        st.caption(f"These are the lecture's settings: **{total:,}** parameters, as the notebook prints.")
    else:
        st.caption("The lecture's settings (n_embd 10, block_size 3, n_hidden 100, 5 hidden blocks, BatchNorm, "
                   "vocabulary 27) give 47,024 parameters.")

    table = pd.DataFrame([{
        "step": r.stage, "what happens": r.operation,
        "shape": format_shape(r.symbols) if r.symbols else "()",
        f"shape at B={batch_size}": format_shape(r.shape), "parameters": r.params,
        "share": 100 * r.params / total if total else 0.0,
    } for r in rows])
    real = real_shapes(config, batch_size)
    # Formats in column_config, not a pandas Styler: a Styler costs tens of ms a slider step (issue 13).
    st.dataframe(table, hide_index=True, width="stretch", key="emb_trace", height=classroom.table_height(len(table)),
                 column_config={"parameters": st.column_config.NumberColumn(format="%,d"),
                                "share": st.column_config.NumberColumn(format="%.1f%%")})
    if [r.shape for r in rows[:-1]] == real:
        st.success(f"Checked: a real batch of {batch_size} pushed through a freshly built model gives exactly these "
                   f"shapes, and the loss is one number (shape `()`).")
    else:
        st.error("The traced shapes differ from a real forward pass: please report this.")
    left, right = st.columns([3, 2])
    with left:
        st.vega_lite_chart(*parameter_share([r.stage for r in rows], [r.params for r in rows], classroom.projecting()),
                           width="stretch", key="emb_share")
    with right:
        st.markdown(
            f"**Where the {total:,} numbers live.** A Linear layer from *a* to *b* neurons holds an a×b weight matrix, "
            f"{where_most(hidden_layers, n_hidden, block_size * n_embd, len(vocab))} "
            f"C is tiny: {len(vocab)}×{n_embd} = {len(vocab) * n_embd:,} numbers. BatchNorm adds only γ and β, 2 per "
            f"neuron. The batch size changes no parameter count — only how many examples flow through at once."
        )
    if batchnorm and batch_size == 1:
        st.warning("With a batch of 1, BatchNorm has no spread to measure: the variance of one number is undefined, "
                   "so training would give NaN. BatchNorm needs batches — and couples the examples in them.")
    if not batchnorm:
        st.caption("Without BatchNorm every Linear has a bias (+H each), and the output Linear gives the logits directly.")

    # ---------------------------------------------------------------- C itself
    st.header("2 · The embedding table C")
    st.markdown(
        f"C is **{len(vocab)} × {n_embd}** here: a row per character, drawn at random (`torch.randn`, the lecture's "
        "seed 2147483647) before training. Training moves each row so that characters that behave alike end up close. "
        "Red is positive, blue negative."
    )
    fresh_C = fresh_model(config).C.detach()
    st.vega_lite_chart(*embedding_heatmap(fresh_C.numpy(), vocab.itos, classroom.projecting()), width="stretch",
                       key="emb_C")

    # ---------------------------------------------------------------- characters on a plane
    st.header("3 · The characters on a plane")
    st.markdown(
        "Each character as a point. With `n_embd = 2` these are C's two columns exactly; with more dimensions we "
        "project onto the two directions along which the rows differ most (PCA). Before training the points are "
        "scattered at random. Training pulls characters that are used in similar places towards each other — slowly: "
        "C starts with numbers of size about 1 and a learning rate of 0.1 moves them a little per step, so the "
        "picture changes over tens of thousands of steps, not hundreds."
    )
    trained = state.active_model()
    a, b = st.columns(2)
    character_map(a, fresh_C, vocab.itos, "initialized", "emb_map_fresh")
    if trained is None:
        with b:
            st.info("No trained model in this session yet. Train one on the **Training** page, or load a checkpoint "
                    "saved from it: its map then appears here beside this one.")
            if state.upload_checkpoint_widget("emb_checkpoint", "Load a checkpoint (.pt)"):
                st.rerun()
    else:
        model, trained_vocab, label = trained
        character_map(b, model.C, trained_vocab.itos, "trained", "emb_map_trained")
        start_C = fresh_model(model.config).C.detach()  # the same seed and settings give the trained model's starting C
        moved = float((model.C.detach().cpu() - start_C).norm() / start_C.norm())
        st.caption(f"Right: {literal(label, 200)}. It has its own settings (n_embd {model.config.n_embd}, block_size "
                   f"{model.config.block_size}); the sliders above change only the model on the left. Training has "
                   f"moved its C by **{moved:.0%}** of C's initial size (‖C − C₀‖ / ‖C₀‖).")

    # ---------------------------------------------------------------- C over a run
    st.header("4 · C during a run")
    c_over_time()


embeddings_page()
