"""Chapter 9: after 1,001 steps. Split losses in eval mode, and 20 names."""
import pandas as pd
import streamlit as st

from ui.lecture import compute, notebook, try_it
from ui.lecture.common import DASH, change_one_thing, look_at

ID = "after-1001"
TITLE = "After 1,001 steps: losses and names"


def row(split: str, loss: float, lecture_data: bool) -> dict:
    """A split's loss; on the lecture's data beside what cell 19 prints, at its precision (a dash for the
    test split, which the notebook does not measure)."""
    printed = notebook.DEEP_SPLIT.get(split) if lecture_data else None
    out = {"split": split, "loss": loss}
    if lecture_data:
        out.update({"cell 19 prints": printed.text if printed else DASH,
                    "here": printed.fmt(loss) if printed else DASH,
                    "vs notebook": printed.verdict(loss) if printed else DASH})
    return out


def render(ctx):
    look_at("The notebook stops its deep net after 1,001 steps (it was debugging the plots), switches every "
            "BatchNorm to eval mode (running statistics) and measures the whole train and val splits, then "
            "samples 20 names with the generator seeded 2147483647 + 10. The net is barely trained: the loss is "
            "2.40, and the names are only half plausible.")
    run = compute.deep_after(ctx.digest, 0.1, True, 1.0, ctx)
    rows = [row(split, loss, ctx.lecture_data) for split, loss in run["split"].items()]
    left, right = st.columns([1, 1])
    with left:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="lecture_split_table",
                     column_config={"loss": st.column_config.NumberColumn(format="%.4f")})
        st.caption("Eval mode: each BatchNorm normalizes with its running mean and variance.")
    with right:
        same = ctx.lecture_data and run["names"] == notebook.DEEP_NAMES
        st.markdown("**20 names** (seed 2147483657)" + (f" — cell {notebook.NAMES_CELL}'s, name for name" if same
                                                         else ""))
        st.code("\n".join(f"{name}." for name in run["names"]), language=None)
    change_one_thing("On the Training page, train the lecture's whole 200,000 steps (about 2 minutes with the "
                     "fast engine) and sample again: the names get much better.",
                     "On the Sampling page, lower the temperature to 0.5: fewer odd names, less variety.")
    try_it.button(ID, ctx.vocab_size)
