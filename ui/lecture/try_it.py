"""Each chapter's "try it": the page where its experiment can be changed, and the settings it lands
with. The whole mapping is the table below; `open_page` sets the target page's own settings (the
same session_state keys that page keeps them under) and switches to it."""
from dataclasses import dataclass, field

import streamlit as st

from makemore_core.sampling import SAMPLE_SEED
from makemore_core.stages import stage_configs
from ui import init_lab, model_source, runs, training_settings
from ui.navigation import page_file
from ui.run_rates import expected_time

INIT, TRAINING, EVALUATION, SAMPLING = "pages/init.py", "pages/training.py", "pages/evaluation.py", "pages/sampling.py"
PAGE_TITLES = {INIT: "Initialization lab", TRAINING: "Training", EVALUATION: "Evaluation", SAMPLING: "Sampling"}


@dataclass(frozen=True)
class TryIt:
    page: str
    what: str                                      # one line under the button: what the page will show
    stage: str | None = None                       # a lecture stage (Initialization lab, Training)
    preset: str | None = None                      # an Initialization lab preset
    settings: dict = field(default_factory=dict)   # more of the page's settings
    run_steps: int | None = None                   # Sampling: first train the stage this many steps, exactly


TRY_IT = {
    "start": TryIt(INIT, "The original net at step 0: plain randn everywhere, a loss of 27.88.", stage="original"),
    "softmax": TryIt(TRAINING, "Train the softmax-fixed net for 5,000 steps and watch its loss start near 3.3.",
                     stage="softmax-fix", settings={"steps": 5_000, "stats_every": 100}),
    "tanh": TryIt(INIT, "The tanh-fixed net at step 0: its saturation image is nearly all black.", stage="tanh-fix"),
    "kaiming": TryIt(INIT, "The deep net without BatchNorm at gain 5/3: a steady spread through all layers.",
                     preset="No BN, gain 5/3"),
    "batchnorm": TryIt(INIT, "The single-layer net with the lecture's hand-written BatchNorm, at step 0.",
                       stage="batchnorm"),
    "loss-log": TryIt(TRAINING, "The batchnorm stage's whole 200,000-step run, in the background, on the fast "
                                "engine.",
                      stage="batchnorm", settings={"stats_every": 1000, "engine": "fast"}),
    "pytorchify": TryIt(INIT, "The 5 x 100 net built from Linear, BatchNorm1d and Tanh: 47,024 parameters.",
                        preset="Lecture's final net"),
    "diagnostics": TryIt(TRAINING, "The deep net's first 1,001 steps, diagnostics every 10 steps.", stage="deep",
                         settings={"steps": 1_001, "stats_every": 10, "eval_every": 0}),
    "after-1001": TryIt(SAMPLING, "The deep net trained the notebook's exact 1,001 steps (lr 0.1, a few seconds), "
                                  "then 20 names from the lecture's sampling seed 2147483657.",
                        stage="deep", run_steps=1_001,
                        settings={"sampling_n": 20, "sampling_seed": SAMPLE_SEED, "sampling_temperature": 1.0,
                                  "sampling_top_k": 0, "sampling_top_p": 1.0}),
    "bonus": TryIt(INIT, "The lecture's final net, its BatchNorm explained one neuron at a time.",
                   preset="Lecture's final net", settings={"init_bn_value": 3.0, "init_tab": "BatchNorm explained"}),
    # chapters 11-15 (issue 27)
    "coupling": TryIt(INIT, "The lecture's final net at step 0: set the batch size to 8, and fewer examples share "
                            "each BatchNorm's mean and std.", preset="Lecture's final net"),
    "bn-details": TryIt(INIT, "The one-layer net with the lecture's hand-written BatchNorm (momentum 0.001), at "
                              "step 0.", stage="batchnorm"),
    "nonlinearities": TryIt(INIT, "The deep net without BatchNorm at gain 5/3: switch its nonlinearity to ReLU and "
                                  "compare the flat parts.", preset="No BN, gain 5/3"),
    "torch-nn": TryIt(INIT, "PyTorch's default init in a deep tanh net: the activations shrink layer by layer.",
                      preset="nn.Linear's default"),
    "closing": TryIt(TRAINING, "The lecture's deep net, the whole 200,000 steps on the fast engine: then read "
                               "its histograms and update:data.", stage="deep",
                     settings={"stats_every": 1000, "engine": "fast"}),
}


def apply(item: TryIt, vocab_size: int, chapter_id: str = ""):
    """Set the target page's settings in this tab's session state."""
    if item.page == INIT:
        if item.stage:
            init_lab.apply_settings(init_lab.stage_settings(item.stage, vocab_size), preset=None)
        elif item.preset:
            init_lab.apply_settings(init_lab.PRESETS[item.preset]["settings"], preset=item.preset)
        st.session_state.update(item.settings)
    elif item.page == TRAINING:
        training_settings.load({**training_settings.stage_settings(item.stage, vocab_size), **item.settings})
        st.session_state[LANDING_KEY] = {"chapter": chapter_id, "run": None}
        runs.session_runs().shown_id = None   # the previous run out of the way (still in the run list)
    else:   # the widgets' own keys: the page's links.restore keeps them
        if item.run_steps:   # the lecture's own run, step for step: Sampling shows it training, then samples
            model, train = stage_configs(item.stage, vocab_size, steps=item.run_steps)
            model_source.start_run(f"the lecture's {item.stage} net, {item.run_steps:,} steps", model, train,
                                   engine="fast-uncompiled")
        st.session_state.update(item.settings)


def button(chapter_id: str, vocab_size: int):
    """The chapter's one-click "try it"."""
    item = TRY_IT[chapter_id]
    title = PAGE_TITLES[item.page]
    if st.button(f"Try it on the {title} page", key=f"lecture_try_{chapter_id}", type="primary",
                 help=item.what):
        apply(item, vocab_size, chapter_id)
        st.switch_page(page_file(item.page))
    st.caption(f"Opens **{title}** with these settings: {item.what}")


# ---------------------------------------------------------------- landing on the Training page

LANDING_KEY = "lecture_landing"   # {"chapter": id, "run": id of the run started from it, or None}


def _start(start_run):
    before = runs.session_runs().shown_id
    start_run()
    shown = runs.session_runs().shown_id
    if shown is not None and shown != before:
        st.session_state[LANDING_KEY]["run"] = shown


def _back_to(chapter_id: str):
    from ui.lecture.common import CHAPTER_KEY
    st.session_state[CHAPTER_KEY] = st.session_state["lecture_pick"] = chapter_id
    st.session_state.pop(LANDING_KEY, None)


def landing(start_run, vocab_size: int) -> bool:
    """On the Training page after a chapter's "try it": the chapter's experiment at the top with one button
    to run it (the form's Start, with the settings the chapter put there), then its run's state. Returns
    whether it is shown (the page then keeps its settings closed)."""
    from ui.lecture import CHAPTERS  # late: the chapters import this module
    from ui.lecture import chapter_id as id_of
    landed = st.session_state.get(LANDING_KEY)
    if not landed or landed.get("chapter") not in TRY_IT:
        return False
    cid, item = landed["chapter"], TRY_IT[landed["chapter"]]
    number = next(i for i, c in enumerate(CHAPTERS) if id_of(c) == cid) + 1
    run = runs.session_runs().get(landed["run"])
    with st.container(border=True, key="tr_lecture_landing"):
        st.markdown(f"**Chapter {number}'s experiment:** {item.what}")
        go, back = st.columns([2, 1])
        if run is None:
            try:
                model, train, _ = training_settings.build_configs(vocab_size)
                engine = training_settings.current_settings()["engine"]
                st.caption(f"Expected time ({engine} engine): {expected_time(train.steps, engine, model)}. "
                           "It trains in the background: you can read on and come back.")
            except ValueError as e:
                st.caption(str(e))
            go.button(f"Run chapter {number}'s experiment", key="tr_lecture_start", type="primary",
                      on_click=_start, args=(start_run,), width="stretch")
        elif run.active:
            go.markdown(f"**Running** as run {run.number}: its live view is below.")
        else:
            go.markdown(f"Run {run.number} is **{run.state}**: its charts are below.")
        if back.button(f"Back to chapter {number}", key="tr_lecture_back", width="stretch"):
            _back_to(cid)
            st.switch_page(page_file("pages/lecture.py"))
    return True
