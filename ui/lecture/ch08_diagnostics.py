"""Chapter 8: the deep net's diagnostics. Forward and backward histograms per layer, the gain
without BatchNorm, grad:data, update:data over the first 1,000 steps."""
import pandas as pd
import streamlit as st

from makemore_core import prepare
from ui import classroom, init_lab
from ui.figures import init_lab as figs
from ui.figures.lecture import deep_scrub_chart
from ui.figures.lines import weight_grad_chart
from ui.lecture import compute, notebook, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "diagnostics"
TITLE = "The deep net's diagnostics"
RUNS = prepare.DEEP_RUNS  # run shown -> (lr, batchnorm, gain, fan_in_scaling); `prepare` computes each before a class
SWEEP = {"0.5": 0.5, "1": 1.0, "5/3": 5 / 3, "3": 3.0}


def activation_table(run, lecture_data):
    layers = run["last"]["layers"]
    table = pd.DataFrame({"layer": [r["label"] for r in layers], "mean": [r["mean"] for r in layers],
                          "std": [r["std"] for r in layers], "saturated %": [r["saturation_pct"] for r in layers],
                          "grad std": [r.get("grad_std") for r in layers]})
    if lecture_data:   # as the notebook prints them (text: its own precision)
        table["cell 15 std"] = [p.text for p in notebook.DEEP_ACT_STD][:len(table)]
        table["cell 15 sat. %"] = [p.text for p in notebook.DEEP_SATURATED][:len(table)]
        table["cell 16 grad std"] = [p.text for p in notebook.DEEP_GRAD_STD][:len(table)]
    return table


def versus_notebook(run) -> str:
    """The table's and the weights' numbers against the notebook's cells 15, 16 and 17, one line each."""
    layers = run["last"]["layers"]
    weights = [p["grad_to_data"] for p in run["last"]["params"] if p["ndim"] == 2]
    lines = [notebook.compare_all(notebook.DEEP_ACT_MEAN, [r["mean"] for r in layers]) + " (means)",
             notebook.compare_all(notebook.DEEP_ACT_STD, [r["std"] for r in layers]) + " (stds)",
             notebook.compare_all(notebook.DEEP_SATURATED, [r["saturation_pct"] for r in layers]) + " (saturated %)",
             notebook.compare_all(notebook.DEEP_GRAD_STD, [r["grad_std"] for r in layers]) + " (gradient stds)",
             notebook.compare_all(notebook.DEEP_GRAD_TO_DATA, weights) + " (grad:data)"]
    return "\n".join(f"- {line}" for line in lines)


@st.fragment   # its controls rerun only the sweep, not the chapter (issue 13)
def gain_sweep(dataset):
    a, b = st.columns([2, 1])
    gain_name = a.select_slider("gain", list(SWEEP), value="5/3", key="lecture_sweep_gain")
    linear = b.toggle("linear only (no tanh)", key="lecture_sweep_linear")
    settings = {**init_lab.DEFAULTS, "batchnorm": False, "gain": SWEEP[gain_name],
                "nonlinearity": "none" if linear else "tanh"}
    sweep = init_lab.result_for(settings, dataset)
    st.markdown("**activation distribution**")
    st.vega_lite_chart(*figs.histogram_chart([("", sweep["stats"]["layers"], False)], key="lecture_sweep_chart"),
                       width="stretch", key="lecture_sweep_chart")


def render(ctx):
    look_at("Five layers deep, what to watch is whether every layer looks alike. Forward: the tanh outputs "
            "should have the same spread and only a few percent saturated (|t| > 0.97). Backward: the gradients "
            "should have the same spread in every layer. Then each weight's grad:data, and over time its "
            "update:data: log10(lr·grad std / data std) near −3 means each step changes the weights by about "
            "a thousandth. The numbers are the notebook's last debugging step (step 1,000).")
    choice = st.radio("Run shown", list(RUNS), key="lecture_diag_run", horizontal=True)
    lr, batchnorm, gain, fan_in_scaling = RUNS[choice]
    run = compute.deep_after(ctx.digest, lr, batchnorm, gain, ctx, fan_in_scaling)
    with st.container(key="lecture_diag_scrub"):   # answered in the browser: every statistics step travels with it
        st.vega_lite_chart(*deep_scrub_chart(run, classroom.projecting()), width="content", key="lecture_diag_chart")
    st.caption(f"Drag the step (or focus it and use the arrow keys): the histograms and the cursor on update:data "
               f"follow at once, through the {len(run['history'])} statistics steps (every 25). It starts at step "
               "1,000, the step the table below and the notebook's cells 15-18 read.")
    same_run = ctx.lecture_data and choice == next(iter(RUNS))
    st.dataframe(activation_table(run, same_run), hide_index=True, width="stretch", key="lecture_diag_table",
                 column_config={"mean": st.column_config.NumberColumn(format="%+.2f"),
                                "std": st.column_config.NumberColumn(format="%.2f"),
                                "saturated %": st.column_config.NumberColumn(format="%.2f"),
                                "grad std": st.column_config.NumberColumn(format="%.6e")})
    st.vega_lite_chart(*weight_grad_chart(run["last"]["params"], "lecture_diag_wgrad", classroom.projecting()),
                       width="stretch", key="lecture_diag_wgrad")   # Vega-Lite: the chapter loads no plotly
    weights = [p for p in run["last"]["params"] if p["ndim"] == 2]
    ratios = ", ".join(f"{p['name']} {p['grad_to_data']:.6e}" for p in weights)
    st.caption(f"grad:data at step 1,000: {ratios}.")
    last = [series[-1] for series in run["update_to_data"].values() if series[-1] is not None]
    st.caption(f"update:data at step 1,000 spans {max(last) - min(last):.1f} decades ({min(last):+.2f} to "
               f"{max(last):+.2f}). Plotted: log10(std(lr·grad) / std(data)), the lecture's measure; cs231n's rule of "
               "thumb is a norm ratio ‖lr·grad‖ / ‖data‖ near 1e-3. For weights centred on 0 the two nearly agree (a "
               "norm is √n times the RMS, the RMS is the std when the mean is 0). −3 is a guide, not a target: a "
               "layer far from the others, or all of them far from −3, is the signal.")
    if not fan_in_scaling:
        st.caption("This run's weights are plain randn × 5/3, not divided by √fan_in: each layer's updates and "
                   "weights are no longer on one scale, so the update:data lines fan out over decades instead of "
                   "running together near −3. Dividing by √fan_in is what lines them up.")
    if same_run:
        st.markdown("**Against the notebook** (same step, same random numbers):\n" + versus_notebook(run))

    st.subheader("The gain, without BatchNorm, at step 0")
    st.caption("Five tanh layers without BatchNorm, drawn at each gain (the Initialization lab's numbers). Too "
               "small and the activations shrink layer by layer; too large and they saturate. Without tanh "
               "(linear only) gain 1 is right and 5/3 makes them grow.")
    gain_sweep(ctx.dataset)
    change_one_thing("Pick 'a learning rate too low': update:data sits near −5, the net learns a hundred times "
                     "too slowly.",
                     "Pick 'no BatchNorm, gain 5/3', then on the Training page train it with gain 3 and watch the "
                     "saturation per layer.")
    try_it.button(ID, ctx.vocab_size)
