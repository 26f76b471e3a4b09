"""Initialization lab: the deep net at step 0. Change the init with sliders and watch what it does to
the activations, the gradients and the initial loss (one forward + backward of one minibatch)."""
import functools

import pandas as pd
import streamlit as st

from ui import classroom, lab_hints, links, state
from ui import init_lab as lab
from ui.figures import init_lab as figs
from ui.hints import plural
from ui.safe_text import literal

WIDGETS = lab.WIDGETS
PARSE = {  # setting -> parser; a setting is named after the core's field, in the address too

    "hidden_layers": links.integer(1, 10), "n_hidden": links.choice(lab.WIDTHS), "gain": links.choice(lab.GAINS),
    "fan_in_scaling": links.boolean, "batchnorm": links.boolean, "bias": links.choice(lab.BIAS_CHOICES),
    "nonlinearity": links.choice(lab.NONLINEARITIES), "soften_last": links.number(0.0, 1.0),
    "batch_size": links.choice(lab.BATCH_SIZES), "seed": links.integer(0, 2**53 - 1),
    "n_embd": links.integer(2, 30), "block_size": links.integer(1, 8),
    "stage": links.choice(lab.STAGES), "init": links.choice(lab.INITS),
}
SETTINGS = [links.Setting(s, key, lab.DEFAULTS[s], PARSE[s]) for s, key in WIDGETS.items()]
LEVEL_MARK = {"good": ":blue-badge[fine]", "info": ":gray-badge[note]", "warn": ":orange-badge[look]",
              "bad": ":red-badge[problem]"}


def apply_preset(name):
    settings = lab.clean(lab.PRESETS[name]["settings"])   # every setting: a preset also leaves a stage
    links.set_values("init", SETTINGS, settings)
    lab.save_settings(settings)
    st.session_state[lab.PRESET_KEY] = name


def layer_table(layers):
    return pd.DataFrame({"layer": [r["label"] for r in layers], "mean": [r["mean"] for r in layers],
                         "std": [r["std"] for r in layers], "saturated %": [r["saturation_pct"] for r in layers]})


def grad_table(layers):
    return pd.DataFrame({"layer": [r["label"] for r in layers], "grad mean": [r.get("grad_mean") for r in layers],
                         "grad std": [r.get("grad_std") for r in layers]})


def weight_table(params):
    weights = [p for p in params if p["ndim"] == 2]
    ratios = [p["grad_to_data"] for p in weights]
    median = pd.Series(ratios, dtype=float).median()
    return pd.DataFrame({"parameter": [p["name"] for p in weights],
                         "shape": ["×".join(map(str, p["shape"])) for p in weights],
                         "grad std": [p["grad_std"] for p in weights], "grad:data": ratios,
                         "÷ median": [r / median if r and median else None for r in ratios]})


NUMBER = st.column_config.NumberColumn
SCI = "%.2e"


def show_tables(make, rows, formats):
    """One table per result, side by side in Compare (A | B). A static table wraps its headers
    instead of clipping them (a half-width grid cut off "saturated %")."""
    columns = st.columns(len(rows))
    for column, (tag, data, _) in zip(columns, rows):
        with column:
            if tag:
                st.markdown(f"**{'A (pinned)' if tag == 'A' else 'B (current)'}**")
            table = make(data)
            st.table(table.style.format({c: (lambda f: lambda v: "—" if pd.isna(v) else f % v)(f)
                                         for c, f in formats.items()}).hide(axis="index"))


# ---------------------------------------------------------------- intro, data, presets

st.title("Initialization lab")
st.markdown(
    "The lecture's deep net **at step 0**: one minibatch forward and back, no update. How the weights are "
    "drawn decides whether it can learn at all: move a control and watch the initial loss, the activations "
    "layer by layer and the gradients."
)


def current_settings():
    return lab.clean({s: st.session_state[k] for s, k in WIDGETS.items()})


def preset_note(settings):
    """The preset whose note shows above the controls for these settings, or None: its note shows
    until a control moves away from it."""
    preset = st.session_state.get(lab.PRESET_KEY)
    return preset if preset and lab.PRESETS[preset]["settings"] == settings else None


def control_moved():
    """A step of a control redraws the results only, not the 25 controls the learner just moved: half
    of what a step sends (issue 13). Where the step may also change what the controls or the presets
    show (a stage to leave, a preset's note shown or gone), the whole lab is redrawn instead."""
    before, now = st.session_state.get(lab.SETTINGS_KEY), current_settings()
    if before is not None and not now["stage"] and preset_note(lab.clean(before)) == preset_note(now):
        st.rerun("init_results")


def choose_stage():
    stage = st.session_state["init_stage"]
    if stage:
        lab.apply_settings(lab.stage_settings(stage, len(state.current_dataset().vocab)))


def draw_controls(pinned, dataset, vocab_size):
    """The lab's controls (the left column)."""
    with st.container(border=True):
        st.markdown("**Compare A / B**")
        if pinned is None:
            st.button("Pin these settings as A", key="init_pin", width="stretch",
                      on_click=lambda: lab.pin({s: st.session_state[k] for s, k in WIDGETS.items()}),
                      help="Keep the current settings as A, then change the controls: they become B. "
                           "Both use the same seed and minibatch, drawn together.")
        else:
            st.markdown(f"**A:** {lab.describe(pinned)}  \n**B:** the controls below")
            st.caption("Dashed lines are A, solid B. Same seed, same minibatch.")
            st.button("Unpin A", key="init_unpin", on_click=unpin, width="stretch")

    st.selectbox("Lecture stage", [None, *lab.STAGES], key="init_stage", on_change=choose_stage,
                 format_func=lambda stage: stage or "none: the controls below",
                 placeholder="none: the controls below",
                 help="The lecture's networks, in order: the one-layer net fixed step by step (original, "
                      "softmax-fix, tanh-fix, kaiming, batchnorm), then the deep net. A stage sets the net and "
                      "its init; moving an init control leaves it.")
    stage, left = st.session_state["init_stage"], st.session_state.pop("init_left_stage", None)
    # a first-half stage scales plain randn draws itself: the gain and fan-in controls do not show it
    scales = lab_hints.stage_scales(stage or left, vocab_size, int(st.session_state["init_hidden_layers"]))
    if stage:
        st.caption(lab.STAGE_DESCRIPTIONS[stage])
        if scales:
            st.caption(f"**This stage's scales:** plain randn times {scales}. The gain, fan-in and softening "
                       "controls below do not describe them: moving one leaves the stage.")
    elif left:
        st.warning(f"You left stage **{left}**: a control it fixes was moved, so the model now follows the "
                   "controls below" + (f", no longer the stage's scales ({scales})" if scales else "") + ".")
    st.markdown("**Network**")
    st.slider("Depth (hidden blocks)", **links.bounds(SETTINGS, "init_hidden_layers"), key="init_hidden_layers", on_change=control_moved,
              help="How many Linear → (BatchNorm) → nonlinearity blocks come before the output layer.")
    st.select_slider("Width (neurons per layer)", lab.WIDTHS, key="init_n_hidden", on_change=control_moved)
    st.radio("Nonlinearity", list(lab.NONLINEARITIES), format_func=lab.NONLINEARITIES.get, key="init_nonlinearity",
             on_change=control_moved, horizontal=True,
             help="tanh squashes into (-1, 1); ReLU zeroes the negatives; none leaves it linear.")
    st.toggle("BatchNorm", key="init_batchnorm", on_change=control_moved,
              help="A BatchNorm1d after every Linear. It normalizes each neuron over the minibatch to mean 0, std 1, then scales by gamma and "
                   "shifts by beta. It undoes a bad gain.")
    st.selectbox("Linear bias", list(lab.BIAS_CHOICES), format_func=lab.BIAS_CHOICES.get, key="init_bias",
                 on_change=control_moved,
                 help="auto: a bias (starting at zero) only where no BatchNorm follows; a bias right before BatchNorm "
                      "does nothing, since BatchNorm subtracts the mean anyway. randn: the original init's random "
                      "biases.")

    st.markdown("**Initialization**")
    st.select_slider("Gain (× every hidden weight)", lab.GAINS, format_func=lab.gain_label, key="init_gain",
                     on_change=control_moved,
                     help="1 keeps a linear layer's spread; 5/3 makes up for tanh's squashing (Kaiming init).")
    st.caption("Marks: **1** keeps a linear layer's spread · **5/3** is the gain for tanh.")
    st.toggle("Fan-in scaling", key="init_fan_in_scaling", on_change=control_moved,
              help="Divide each weight by √fan_in, so a layer keeps the spread of its input. Without it each "
                   "weight has std 1, and every layer multiplies the spread by about √fan_in.")
    st.radio("Weights start as", list(lab.INITS), format_func=lab.INITS.get, key="init_init", horizontal=True,
             on_change=control_moved,
             help="All zeros (the lecture's exercise E01): C and every Linear weight and bias start at 0, so the "
                  "gain, fan-in scaling and bias controls change nothing; BatchNorm keeps gamma 1 and beta 0.")
    st.caption("All zeros is the lecture's exercise E01: guess what it does (the Lecture's Exercises chapter) "
               "before you pick it; the charts below then show it.")   # the caption never gives the answer away
    st.slider("Last-layer softening", **links.bounds(SETTINGS, "init_soften_last"), step=0.01, key="init_soften_last", on_change=control_moved,
              help="With BatchNorm it multiplies the last BatchNorm's gamma, without it the last weights. "
                   "Small values make the first predictions near uniform.")

    st.markdown("**Minibatch**")
    locked = "Locked while comparing: A and B share the seed and the minibatch." if pinned else None
    st.select_slider("Batch size (examples)", lab.BATCH_SIZES, key="init_batch_size", disabled=bool(pinned),
                     on_change=control_moved,
                     help=locked or "How many examples go through the net; statistics are over all of them.")
    st.number_input("Seed", **links.bounds(SETTINGS, "init_seed"), step=1, key="init_seed", disabled=bool(pinned),
                    on_change=control_moved,
                    help=locked or "Seeds the weights and then the minibatch (2147483647 as in the lecture).")
    with st.expander("Embedding & context"):
        st.slider("Embedding size (n_embd)", **links.bounds(SETTINGS, "init_n_embd"), key="init_n_embd", on_change=control_moved)
        st.slider("Context length (block_size)", **links.bounds(SETTINGS, "init_block_size"), key="init_block_size", on_change=control_moved)
    st.markdown(f"**Data:** {literal(dataset.name)} · vocabulary {vocab_size}  \n"
                "Use another word list from the sidebar.")


def draw_presets():
    """The presets row, and the explanation of the preset in use."""
    st.markdown("**Presets: the lecture's experiments, one click each**")
    names = list(lab.PRESETS)
    preset_columns = st.columns(4)
    for i, name in enumerate(names):
        with preset_columns[i % 4]:
            st.button(name, key=f"init_preset_{i}", on_click=apply_preset, args=(name,), width="stretch",
                      help=lab.PRESETS[name]["description"])

    preset = preset_note(current_settings())
    if preset:
        st.info(f"**{preset}.** {lab.PRESETS[preset]['description']}")


PIN_QUERY = "pin"   # A's settings in the address: "default", or "query:value;..." where they differ from it


def pin_text(settings: dict) -> str:
    parts = [f"{s.query}:{s.text(settings[s.query])}" for s in SETTINGS if settings[s.query] != s.default]
    return ";".join(parts) or "default"


def pin_from_text(text: str) -> dict:
    """A's settings from the address; ValueError says which part is bad."""
    by_query = {s.query: s for s in SETTINGS}
    settings = dict(lab.DEFAULTS)
    for part in ([] if text == "default" else text.split(";")):
        query, _, value = part.partition(":")
        if query not in by_query:
            raise ValueError(f"{query[:30]!r} is not a setting")
        try:
            settings[query] = by_query[query].parse(value)
        except (ValueError, TypeError) as e:
            raise ValueError(f"{query}={value[:30]} ({e})") from None
    return settings


def pin_from_address():
    """A pinned A survives F5 and travels with a shared link: it is in the address (`pin=`)."""
    if lab.pinned() is None and PIN_QUERY in st.query_params:
        try:
            lab.pin(pin_from_text(st.query_params[PIN_QUERY]))
        except ValueError as e:
            st.warning(f"The pinned settings (A) in this link were not valid: {literal(e, 300)}. Nothing is pinned.")
            del st.query_params[PIN_QUERY]


def unpin():
    lab.unpin()
    if PIN_QUERY in st.query_params:
        del st.query_params[PIN_QUERY]


def pin_to_address(pinned):
    if pinned is not None:
        if st.query_params.get(PIN_QUERY) != pin_text(pinned):
            st.query_params[PIN_QUERY] = pin_text(pinned)
    elif PIN_QUERY in st.query_params:
        del st.query_params[PIN_QUERY]


class Scrubber:
    """A scrubber over one of the lab's settings (a family computed once, answered in the browser). `prefix`
    names its chart's keys and what it keeps in session_state: `_from`, the value it starts at (the one last
    set by anything but it), and `_at`, the one it last committed."""

    def __init__(self, prefix, setting, values_from, selection, width="content"):
        self.prefix, self.setting, self.values_from, self.selection = prefix, setting, values_from, selection
        self.width = width   # "content" for a concat of fixed-width views, "stretch" for one view

    def start(self, value):
        """(its values, the index it starts at, its chart's key). The key is a new one whenever the scrubber
        starts at another value, for Streamlit gives a keyed chart back the selection it had (the thumb would
        stay where it was, not where the server's control went)."""
        at, start = f"{self.prefix}_at", f"{self.prefix}_from"
        if st.session_state.get(at) != value or start not in st.session_state \
                or self._key(st.session_state[start]) not in st.session_state:   # set elsewhere, or a new chart
            st.session_state[start] = st.session_state[at] = value
        values = self.values_from(st.session_state[start])
        return values, values.index(st.session_state[start]), self._key(st.session_state[start])

    def _key(self, start):
        return f"{self.prefix}_{self.values_from(start).index(start)}"

    def released(self, key, values, commit):
        """The thumb rests (Streamlit reports the selection 150 ms after its last move): `commit` its value."""
        picked = (st.session_state[key] or {}).get("selection", {}).get(self.selection) or []
        if picked:
            value = values[int(picked[0]["m"])]
            st.session_state[f"{self.prefix}_at"] = value
            commit(value)

    def chart(self, data_spec, values, key, commit):
        st.vega_lite_chart(*data_spec, key=key, selection_mode=self.selection, width=self.width,
                           on_select=functools.partial(self.released, key, values, commit))


def commit_setting(setting, value):
    """A scrubber's value becomes the lab's: the address, the server's control, the tables and the A/B pin
    follow."""
    links.set_values("init", SETTINGS, {setting: value})
    st.rerun("init_lab")   # the whole lab: the server's control and the presets' note show the new value too


GAIN_SCRUB = Scrubber("init_scrub", "gain", lab.family_gains, figs.SCRUB)
SOFTEN_SCRUB = Scrubber("init_soften_scrub", "soften_last", lab.family_softenings, figs.SOFTEN)
BN_SCRUB = Scrubber("init_bn_scrub", None, lambda start: lab.BN_MOVED, figs.BN_SCRUB, width="stretch")


def scrubbed_family(scrub, settings, pinned, dataset):
    """(values, start index, key, members) of a scrubber over a lab setting; None while a stage fixes it."""
    if settings["stage"]:
        st.caption(f"A lecture stage fixes the {'gain' if scrub.setting == 'gain' else 'softening'}: choose "
                   "*none* as the Lecture stage to scrub it.")
        return None
    values, start, key = scrub.start(settings[scrub.setting])
    if pinned:
        members = lab.family_for(lab.compared_settings(settings, pinned), values, dataset, batch_from=pinned,
                                 setting=scrub.setting)
    else:
        members = lab.family_for(settings, values, dataset, setting=scrub.setting)
    return values, start, key, members


def gain_scrubber(settings, pinned, dataset, result_a, big):
    """Every gain-dependent view in one chart over a family of gains computed once: the browser answers the
    thumb. Other controls (depth, width, ...) recompute the family on the server."""
    family = scrubbed_family(GAIN_SCRUB, settings, pinned, dataset)
    if family is None:
        return
    gains, start, key, members = family
    st.markdown("**Drag the gain:** every chart below follows the thumb at once (the net at all "
                f"{len(gains)} gains was computed together); when you let go, the gain becomes the lab's."
                + (" Dashed: A, pinned." if pinned else ""))
    GAIN_SCRUB.chart(figs.gain_scrub_chart(members, gains, start, result_a["stats"] if pinned else None, big,
                                           [lab.gain_label(g) for g in gains]),
                     gains, key, functools.partial(commit_setting, "gain"))


def softening_scrubber(settings, pinned, dataset, result_a, big):
    """The last layer's scale over a family computed once: the initial loss and the logits follow the thumb."""
    st.caption("The last layer's scale at init: with BatchNorm the last BatchNorm's γ, without it the last "
               "weights. Near 0 the net's first guesses are near uniform and the initial loss is −ln(1/vocab); "
               "at 1 the logits are wide and the net is confidently wrong.")
    family = scrubbed_family(SOFTEN_SCRUB, settings, pinned, dataset)
    if family is None:
        return
    values, start, key, members = family
    st.markdown(f"**Drag the softening:** the charts follow the thumb (the net at all {len(values)} values was "
                "computed together); when you let go, it becomes the lab's." + (" Dashed: A, pinned." if pinned else ""))
    SOFTEN_SCRUB.chart(figs.soften_scrub_chart(members, values, start, result_a["stats"] if pinned else None, big),
                       values, key, functools.partial(commit_setting, "soften_last"))


BN_SLIDERS = {"init_bn_gamma": 1.0, "init_bn_beta": 0.0}   # their defaults
BN_VALUE = "init_bn_value"   # where the orange value rests: the explainer's scrubber puts it there


def commit_bn_value(value):
    st.session_state[BN_VALUE] = value   # the chart's on_select reruns the explainer's fragment


@st.fragment
def batchnorm_explainer(big):
    """One BatchNorm unit on a handful of values; the orange value is a scrubber over all its places (answered
    in the browser), γ and β sliders rerun only this fragment."""
    st.caption("One neuron, a minibatch of six examples. BatchNorm subtracts the batch mean, divides by the "
               "batch std, then scales by γ and shifts by β (both learned). Drag the orange value: the mean and "
               "std move, so every other example's normalized value moves too. The examples of a batch are "
               "coupled, which is why BatchNorm needs running statistics at test time.")
    # Streamlit forgets a widget whose tab is closed, and the browser then draws it at its default:
    # coming back, the sliders are set again from the values kept below.
    if st.session_state.pop("init_bn_reopened", False):
        for key in BN_SLIDERS:
            if f"{key}_kept" in st.session_state:
                st.session_state[key] = st.session_state[f"{key}_kept"]
    for key, default in BN_SLIDERS.items():
        st.session_state.setdefault(key, default)
    b, c = st.columns(2)
    gamma = b.slider("γ (gamma, scale)", 0.0, 3.0, step=0.1, key="init_bn_gamma")
    beta = c.slider("β (beta, shift)", -3.0, 3.0, step=0.1, key="init_bn_beta")
    for key in BN_SLIDERS:
        st.session_state[f"{key}_kept"] = st.session_state[key]
    # on the scrubber's grid (a value kept from before, or set by a test, may be a float's neighbour)
    moved = min(lab.BN_MOVED, key=lambda v: abs(v - float(st.session_state.get(BN_VALUE, lab.BN_VALUES[-1]))))
    values, start, key = BN_SCRUB.start(moved)
    with st.container(key="init_bn_box"):
        BN_SCRUB.chart(figs.batchnorm_scrub_chart(lab.batchnorm_family(gamma, beta), start, gamma, beta, big),
                       values, key, commit_bn_value)
    batch = [*lab.BN_VALUES[:-1], moved]
    xhat, out, mean, std = lab.batchnorm_demo(batch, gamma, beta)
    st.markdown(f"batch mean **{mean:+.3f}**, batch std **{std:.3f}** → x̂ = (x {'−' if mean >= 0 else '+'} {abs(mean):.3f}) / √({std:.3f}² + 1e-5) "
                f"has mean 0 and std 1 → out = **{gamma:.1f}** · x̂ {'+' if beta >= 0 else '−'} **{abs(beta):.1f}**")
    table = pd.DataFrame([batch, xhat, out], index=["x", "x̂ (normalized)", "γ·x̂ + β"],
                         columns=[f"example {i + 1}" for i in range(len(batch))])
    st.dataframe(table, width="stretch", column_config={c: NUMBER(format="%.3f") for c in table.columns})


@st.fragment(key="init_lab")
def lab_page():
    """Everything below the intro. A control reruns only this fragment, not the whole app (sidebar,
    navigation), and most steps only its results (`control_moved`): what a slider step costs is then
    the lab's own work (issue 13)."""
    dataset = state.current_dataset()
    links.restore("init", SETTINGS)
    pin_from_address()
    if st.session_state["init_stage"] and not lab.keeps_stage(current_settings(), len(dataset.vocab)):
        # a control the stage fixes was moved: leave it, and say so beside the stage's box
        st.session_state["init_left_stage"] = st.session_state["init_stage"]
        st.session_state["init_stage"] = None
        links.save("init", SETTINGS)

    presets = st.container()
    controls, main = st.columns([1.15, 3], gap="large")
    # The results go out first, then the presets and the controls: the browser draws the new loss before
    # it is busy with the rest (issue 13). A widget's value is in session_state before it is drawn.
    with main:
        lab_results()
    with presets:
        draw_presets()
    with controls:
        draw_controls(lab.pinned(), dataset, len(dataset.vocab))


@st.fragment(key="init_results")
def lab_results():
    """The numbers, charts and tables of the lab's current settings (and of A, when pinned)."""
    dataset = state.current_dataset()
    vocab_size = len(dataset.vocab)
    pinned = lab.pinned()
    settings = current_settings()
    lab.save_settings(settings)   # what the Training page reads as "the Initialization lab's settings"
    links.save("init", SETTINGS)  # the address follows every step, also one that reruns the results only
    pin_to_address(pinned)

    # ---------------------------------------------------------------- compute (cached on the settings)

    try:
        if pinned:
            result_a = lab.result_for(pinned, dataset)
            result = lab.result_for(lab.compared_settings(settings, pinned), dataset, batch_from=pinned)
            results = [("A", result_a, True), ("B", result, False)]
        else:
            result = lab.result_for(settings, dataset)
            results = [("", result, False)]
    except (ValueError, RuntimeError) as e:  # e.g. a data set these settings cannot use; the settings are kept
        st.error(f"These settings could not be run on {literal(dataset.name)}: {literal(e, 300)}")
        return
    stats = result["stats"]

    def rows(part):
        """[(tag, part of each result, dashed)] for the figures."""
        return [(tag, part(r), dash) for tag, r, dash in results]

    big = classroom.projecting()   # the charts' type grows with projector mode's

    # ---------------------------------------------------------------- outputs

    left, right = st.columns([1, 1])
    with left:
        level, verdict = lab_hints.verdict(result, lab_hints.hints(result))
        m1, m2 = st.columns(2)
        m1.metric("Initial loss", f"{stats['loss']:.4f}")
        m2.metric("Uniform guess", f"{stats['uniform_loss']:.4f}",
                  help=f"The loss if every one of the {vocab_size} characters got probability 1/{vocab_size}: "
                       f"−ln(1/{vocab_size}).")
        st.markdown(f"**Verdict** {LEVEL_MARK[level]} {verdict}")
        st.vega_lite_chart(*figs.loss_chart([(tag, r["stats"]["loss"]) for tag, r, _ in results],
                                             stats["uniform_loss"], vocab_size, big), width="stretch",
                           key="init_loss_chart")
    with right:
        st.markdown(f"**logits at step 0** · {figs.logits_summary(rows(lambda r: r['stats']))}")
        st.vega_lite_chart(*figs.logits_chart(rows(lambda r: r["stats"]), big), width="stretch",
                           key="init_logits_chart")
        st.caption("If every character got the same probability 1/vocab, the loss would be −ln(1/vocab). "
                   "Wide logits make confident guesses, mostly wrong ones.")

    with st.expander("The same numbers on the command line"):
        path = "data/names.txt" if state.using_default_data() else "your_words.txt"
        st.code("python -m makemore_core " + " ".join(lab.cli_args(result["settings"], path)) + " --json",
                language="bash", wrap_lines=True)
        if pinned:
            st.caption("In Compare, B is evaluated on A's minibatch; the command draws B's own minibatch, so "
                       "its numbers can differ from B's here.")
        st.caption("The lab and the `stats` command share one code path: the model is drawn from the seed's "
                   "generator, then the minibatch from the same generator, then one forward and backward pass.")

    with st.container(border=True, key="init_scrub"):
        gain_scrubber(settings, pinned, dataset, result_a if pinned else None, big)

    with st.container(border=True):
        st.markdown("**What the numbers say**" + (" (about B)" if pinned else ""))
        st.markdown("\n".join(f"- {LEVEL_MARK[lvl]} {text}" for lvl, text in lab_hints.hints(result)))

    # a tab reruns the results when chosen, so only the open one is drawn: 2 charts instead of 7 per step
    tabs = st.tabs(["Activations", "Gradients", "Weight gradients", "Saturation", "Softening", "BatchNorm explained"],
                   key="init_tab", on_change="rerun")
    with tabs[0]:
        if tabs[0].open:   # only the open tab is drawn (issue 13)
            st.caption("The output of every nonlinearity over the minibatch. Healthy: the same spread in every "
                       "layer, few values stuck at ±1 (the saturated % counts |t| > 0.97, the lecture's histograms' threshold).")
            st.markdown("**activation distribution**")
            st.vega_lite_chart(*figs.histogram_chart(rows(lambda r: r["stats"]["layers"]), big=big),
                               width="stretch", key="init_act_chart")
            show_tables(layer_table, rows(lambda r: r["stats"]["layers"]),
                        {"mean": "%+.3f", "std": "%.3f", "saturated %": "%.2f"})
    with tabs[1]:
        if tabs[1].open:   # only the open tab is drawn (issue 13)
            st.caption("The gradient of the loss with respect to each of those outputs. Healthy: about the same "
                       "spread in every layer, so that every layer learns at the same pace.")
            st.markdown("**gradient distribution**")
            st.vega_lite_chart(*figs.histogram_chart(rows(lambda r: r["stats"]["layers"]), "grad_hist",
                                                     "init_grad_chart", "gradient value", big), width="stretch",
                               key="init_grad_chart")
            show_tables(grad_table, rows(lambda r: r["stats"]["layers"]), {"grad mean": SCI, "grad std": SCI})
    with tabs[2]:
        if tabs[2].open:   # only the open tab is drawn (issue 13)
            st.caption("The gradient of every 2-D weight, and grad:data = std(grad) / std(weight): how big a step "
                       "is next to the weight it changes. The softened last layer stands out at step 0.")
            st.plotly_chart(figs.weight_grad_figure(rows(lambda r: r["stats"]["params"]), big), key="init_wgrad_chart")
            show_tables(weight_table, rows(lambda r: r["stats"]["params"]),
                        {"grad std": SCI, "grad:data": SCI, "÷ median": "%.1f"})
    with tabs[3]:
        if tabs[3].open:   # only the open tab is drawn (issue 13)
            views = result["views"]
            blocks = [v["block"] for v in views]
            if st.session_state.get("init_sat_layer") not in blocks:   # also: back from another tab
                kept = st.session_state.get("init_sat_layer_kept")
                st.session_state["init_sat_layer"] = kept if kept in blocks else blocks[0]
            labels = {v["block"]: f"block {v['block']}: {v['label']}" for v in views}
            chosen = st.selectbox("Layer", blocks, format_func=labels.get, key="init_sat_layer")
            st.session_state["init_sat_layer_kept"] = chosen   # the widget's value goes with its tab
            picked = [(tag, next((v for v in r["views"] if v["block"] == chosen), None), dash) for tag, r, dash in results]
            picked = [(tag, v, dash) for tag, v, dash in picked if v is not None]
            if settings["nonlinearity"] == "none":
                st.info("Linear layers have no flat region, so nothing saturates: choose tanh or ReLU to see the image.")
            else:
                what = "|h| > 0.99 (tanh is flat there)" if settings["nonlinearity"] == "tanh" else "h = 0 (ReLU is flat there)"
                st.caption(f"Rows are examples, columns neurons; white where {what}: no gradient flows back through "
                           "a white cell. A column white in every example is a dead neuron: it never learns.")
                image_columns = st.columns(len(picked))
                for column, (tag, v, _) in zip(image_columns, picked):
                    with column:
                        if v["image"] is None:
                            st.info(f"{tag}: linear layers do not saturate.")
                            continue
                        shown = v["image"].shape[0]
                        title = f"{tag} · {v['label']}" if tag else v["label"]
                        st.plotly_chart(figs.saturation_figure(v["image"], title, big=big), key=f"init_sat_chart_{tag or 'B'}",
                                        config=figs.NO_TOOLBAR)
                        st.markdown(f"**{v['flat_pct']:.1f}%** of the cells are white · {plural(v['dead'], 'dead neuron', bold=True)} "
                                    f"of {v['image'].shape[1]}" + (f" · first {shown} of {v['examples']} examples drawn"
                                                                   if shown < v["examples"] else ""))
            st.plotly_chart(figs.preactivation_figure(picked, settings["nonlinearity"], big), key="init_preact_chart")
            st.caption("The input of the nonlinearity. For tanh, the shaded tails beyond ±2.65 are where it is flat: "
                       "the wider this distribution, the more white in the image.")
    with tabs[4]:
        if tabs[4].open:   # only the open tab is drawn (issue 13)
            with st.container(key="init_soften_box"):
                softening_scrubber(settings, pinned, dataset, result_a if pinned else None, big)
    with tabs[5]:
        if tabs[5].open:   # only the open tab is drawn (issue 13)
            batchnorm_explainer(big)
        else:
            st.session_state["init_bn_reopened"] = True


lab_page()
