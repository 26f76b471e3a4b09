"""Chapter 6: the loss log. Each first-half stage trained for 200,000 steps, train and val side by side."""
import pandas as pd
import streamlit as st

from makemore_core import lossbook
from ui import classroom
from ui.figures.lecture import loss_log_chart, loss_log_curves_chart
from ui.lecture import compute, loss_log_jobs, notebook, try_it
from ui.lecture.common import change_one_thing, look_at, shown

ID = "loss-log"
TITLE = "The loss log: every fix, 200,000 steps each"



def versus(stage: str, got: dict | None) -> str:
    """One line: what the notebook's loss log records for a stage, ours at its precision, and how they compare."""
    printed = notebook.LOSS_LOG[stage]
    if not got:
        return f"**{stage}**: train {printed[0].text}, val {printed[1].text}; not run here yet"
    return f"**{stage}**: " + "; ".join(f"{split} {p.text}, here {p.fmt(got[split])}: {p.verdict(got[split])}"
                                        for p, split in zip(printed, ("train", "val")))


def table(results: dict) -> pd.DataFrame:
    """One row a stage, every cell text: our losses at 4 decimals, a dash where there is nothing yet."""
    rows = []
    for stage in compute.FIRST_HALF:
        got = results.get(stage) or {}
        calibrated = got.get("calibrated") or {}
        rows.append({"stage": stage, "train": shown(got.get("train")), "val": shown(got.get("val")),
                     "calibrated train": shown(calibrated.get("train")), "calibrated val": shown(calibrated.get("val")),
                     "took (s)": shown(got.get("seconds"), ".0f")})
    return pd.DataFrame(rows)


@st.fragment(run_every=1.0)
def progress_view(digest):
    """The background run's progress, refreshed every second; the chapter redraws when it ends."""
    job = loss_log_jobs.job(digest)
    if job is None or not job.alive:
        st.rerun()
    st.progress(job.fraction, text=f"stage {job.stage} ({len(job.finished) + 1} of {len(job.stages)}): step "
                                   f"{job.done:,} of {job.total:,}. It keeps going if you leave this page.")


def render(ctx):
    look_at("Each fix of the first half, trained the lecture's whole way: 200,000 steps of batch 32, lr 0.1 then "
            "0.01 from step 100,000. Fixing the init buys about 0.06 on val: the steps no longer go to undoing a "
            "bad start. Kaiming's principled scale does as well as the hand-picked 0.2, and BatchNorm as well "
            "again, without any scale to pick (on a one-layer net it cannot do better; on deep nets it is what "
            "makes training work at all). Each stage's run is kept on disk per data set: once one learner has "
            "run it, everyone gets it at once.")
    results = {stage: lossbook.cached_stage_losses(ctx.dataset, stage) for stage in compute.FIRST_HALF}
    missing = [stage for stage, got in results.items() if got is None]
    if missing:
        st.markdown(f"Not run yet on this data set: **{', '.join(missing)}** (a few minutes each on this "
                    "server). They run in the background, once for everyone, and stay on disk.")
        job = loss_log_jobs.job(ctx.digest)
        if job is not None and job.error:
            st.error(f"The last run stopped: {job.error}")
        if job is not None and job.alive:
            progress_view(ctx.digest)
        elif st.button(f"Run the {len(missing)} missing stage{'s' * (len(missing) > 1)}", key="lecture_run_log"):
            loss_log_jobs.start(ctx.dataset, ctx.digest, missing)
            st.rerun()
    st.dataframe(table(results), hide_index=True, width="stretch", key="lecture_log_table")
    if ctx.lecture_data:
        st.markdown("**Against the notebook's loss log** (the markdown cell after cell 10, at its precision):\n"
                    + "\n".join(f"- {versus(stage, got)}" for stage, got in results.items()))
    st.caption("train / val: BatchNorm with its running mean and std (the notebook's cell 10). calibrated: with the "
               "mean and std measured over the whole training split (cell 9). The loss log records full float "
               f"precision (softmax-fix only 2 decimals). For the batchnorm stage it records {notebook.LOSS_LOG['batchnorm'][0].text} / "
               f"{notebook.LOSS_LOG['batchnorm'][1].text}: measured with b1 still in the net and each split "
               "normalized by its own mean and std (cell 10's commented-out line); cell 10 itself prints "
               f"{notebook.BATCHNORM_RUNNING[0].text} / {notebook.BATCHNORM_RUNNING[1].text} with the running "
               "statistics. `original` cannot match to the digit: its hockey stick amplifies float rounding, so any "
               f"two engines part after about 100 steps. Float rounding: within {notebook.ROUNDING:.0e} of the "
               "notebook's number. Each run uses the fast engine "
               "(its losses agree with the lecture's step to about 1e-5); the time is this server's.")
    curves = {stage: got["curve"] for stage, got in results.items() if got and got.get("curve", {}).get("step")}
    if curves:
        st.markdown("**The loss of every run, over its 200,000 steps** (the notebook's `plt.plot(lossi)`, smoothed)")
        with st.container(key="lecture_log_scrub"):   # answered in the browser: the whole curves travel with it
            st.vega_lite_chart(*loss_log_curves_chart(curves, classroom.projecting()), width="stretch",
                               key="lecture_log_curves")
        st.caption("Each point is the mean loss of 1,000 steps (the lecture's `lossi.view(-1, 1000).mean(1)`, here of "
                   "the loss itself, on a log axis as lossi is log10). Drag the cursor, or focus it and use the arrow "
                   "keys: the line above the chart reads each stage's loss there. The step down at 100,000 is the "
                   "learning rate going from 0.1 to 0.01.")
    ran = [{"stage": stage, **(got or {})} for stage, got in results.items()]
    if any(got for got in results.values()):
        st.vega_lite_chart(*loss_log_chart(ran, classroom.projecting()), width="stretch", key="lecture_log_chart")
    change_one_thing("On the Training page, pick the stage kaiming and change the seed: how much of the difference "
                     "between two stages is just the seed?",
                     "Train the batchnorm stage with 400 neurons (Neurons per layer): does a wider net beat 2.10?")
    try_it.button(ID, ctx.vocab_size)
