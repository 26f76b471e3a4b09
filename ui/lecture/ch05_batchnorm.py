"""Chapter 5: BatchNorm by hand. Normalize over the batch, then gain and bias; keep running stats."""
import inspect

import streamlit as st

from makemore_core import layers, lossbook
from ui import classroom
from ui.figures.lecture import running_vs_calibrated_chart
from ui.lecture import compute, notebook, try_it
from ui.lecture.common import change_one_thing, lecture_number, look_at

ID = "batchnorm"
TITLE = "BatchNorm by hand"


def render(ctx):
    look_at("Why hand-tune a scale at all? BatchNorm makes the pre-activations unit Gaussian by force: "
            "subtract the batch mean, divide by the batch std. Then `bngain` and `bnbias` (learned) let the "
            "net move them where it likes. b1 is gone: a bias added before BatchNorm is subtracted again with "
            "the mean, its gradient is exactly 0. At test time a single example has no batch, so BatchNorm "
            "keeps a running mean and std during training (momentum 0.001 here) and uses those.")
    result = compute.stage_step0(ctx.digest, "batchnorm", ctx)
    view = result["views"][0]
    a, b, c = st.columns(3)
    a.metric("Parameters", f"{result['params']:,}", help="11,897 - 200 (b1) + 200 (bngain) + 200 (bnbias)")
    b.metric("tanh input std at step 0", f"{view['pre_std']:.3f}", help="BatchNorm's output: 1 by construction")
    c.metric("Step-0 loss", f"{result['stats']['loss']:.4f}")
    st.markdown(f"Step-0 loss **{lecture_number(ctx, result['stats']['loss'], notebook.STEP0_LOSS['batchnorm'])}**"
                + (f"; parameters: {notebook.PARAMS['batchnorm'].beside(result['params'])}." if ctx.lecture_data
                   else "."))
    st.markdown(f"Put b1 back and its gradient at step 0 has a std of **{compute.b1_gradient(ctx.digest, ctx):.1e}**: "
                "float rounding. BatchNorm subtracts the batch mean, and b1 with it; BatchNorm's own bnbias "
                "does b1's job.")
    with st.expander("The lecture's BatchNorm, as written in makemore_core/layers.py", expanded=True):
        st.code(inspect.getsource(layers.LectureBatchNorm), language="python", wrap_lines=True)

    st.subheader("Running statistics against a calibration pass")
    steps = compute.CALIBRATION_STEPS
    cal = compute.calibration(ctx.digest, steps, ctx)
    st.markdown(f"With momentum 0.001 the running mean forgets its start slowly: after **{steps:,}** steps it has "
                f"covered 1 − 0.999^{steps:,} = **{1 - 0.999 ** steps:.0%}** of the way from 0, and it averages "
                "over weights that kept changing. The notebook's cell 9 measures the mean and std over the whole "
                "training split instead (calibration):")
    m1, m2 = st.columns(2)
    m1.metric("val loss, running mean/std", f"{cal['val_running']:.4f}")
    m2.metric("val loss, calibrated on the training split", f"{cal['val_calibrated']:.4f}",
              delta=f"{cal['val_calibrated'] - cal['val_running']:+.4f}", delta_color="inverse")
    st.vega_lite_chart(*running_vs_calibrated_chart(cal["calibrated_mean"], cal["running_mean"], steps,
                                                    classroom.projecting()), width="stretch", key="lecture_calibration_chart")
    logged = lossbook.cached_stage_losses(ctx.dataset, "batchnorm")
    after = (f" This app's 200,000-step run (the loss log chapter): val {logged['val']:.4f} running, "
             f"{logged['calibrated']['val']:.4f} calibrated." if logged and logged.get("calibrated") else "")
    st.caption("After 200,000 steps the running statistics have caught up with the calibrated ones, which is why "
               f"practice keeps only the running ones. The notebook's cell 10 prints val {notebook.BATCHNORM_RUNNING[1].text} "
               "with the running mean and std." + after)
    change_one_thing("On the Evaluation page, compare running, calibrated and batch statistics for any model you "
                     "trained, and see why a batch of one gives NaN.",
                     "In the Initialization lab (stage batchnorm), set the depth to 3: BatchNorm keeps every "
                     "layer's spread the same, without any gain.")
    try_it.button(ID, ctx.vocab_size)
