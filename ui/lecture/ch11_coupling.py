"""Chapter 11: BatchNorm couples the examples of a batch; LayerNorm does not."""
import streamlit as st

from ui import classroom
from ui.figures.lecture_beats import coupling_chart
from ui.lecture import beats_compute, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "coupling"
TITLE = "Batch coupling: BatchNorm ties the examples together, LayerNorm does not"


def render(ctx):
    look_at("BatchNorm normalizes each neuron over the batch, so one example's output depends on the 31 others "
            "drawn with it. Below, the first example of the training split goes through the first hidden layer "
            "(the batchnorm stage at step 0) in 40 batches, the other 31 drawn anew each time. Drag the slider: "
            "BatchNorm's points jump with every draw, LayerNorm's (normalize over the 200 features of one "
            "example) never move.")
    result = beats_compute.coupling(ctx.digest, ctx)
    st.vega_lite_chart(*coupling_chart(result, classroom.projecting()), width="stretch", key="lecture_coupling_chart")
    a, b = st.columns(2)
    a.metric("BatchNorm: the example's jitter", f"{result['bn_jitter']:.3f}",
             help="std over the 40 draws of the example's normalized value, averaged over the 8 neurons shown")
    b.metric("LayerNorm: the example's jitter", f"{result['ln_jitter']:.3f}",
             help="the same example, normalized over its own features: the other examples play no part")
    st.markdown(f"""**Why the jitter regularizes.** Each time an example is seen its hidden values move by about
{result['bn_jitter']:.2f} of a unit, depending on its company: a little noise, a kind of data augmentation, which
makes it harder to memorize any one example. The lecture calls this a side effect that turned out useful, and the
reason BatchNorm is hard to remove even though the coupling is awkward.

**What changes at inference.** BatchNorm has no batch there: it needs the running mean and variance kept during
training, and a switch (eval mode) to use them; forget it and a single example cannot be normalized at all (the
next chapter). LayerNorm computes the same thing in training and at inference, from the example alone: no running
statistics, no mode, any batch size. That is why transformers use it.""")
    change_one_thing("Drag the draw slider and follow one neuron: how far does BatchNorm move it, and LayerNorm?",
                     "In the Initialization lab, lower the batch size to 8: each BatchNorm's mean and std come from "
                     "fewer examples and the layer's statistics get noisier.")
    try_it.button(ID, ctx.vocab_size)
