"""Chapter 13: other nonlinearities (tanh, sigmoid, ReLU, ELU) and where 5/3 comes from."""
import streamlit as st

from makemore_core import lecture_demos as demos
from ui import classroom
from ui.figures.lecture_beats import activations_chart, flat_chart, spread_chart
from ui.lecture import beats_compute, try_it
from ui.lecture.common import change_one_thing, look_at

ID = "nonlinearities"
TITLE = "Nonlinearities: tanh, sigmoid, ReLU, ELU, and where 5/3 comes from"
DEAD = {
    "tanh": "flat at both ends: |x| > 3 passes under 1% of the gradient. A neuron saturated for every example "
            "(a white column in chapter 3) is dead while it stays there.",
    "sigmoid": "flat at both ends too, and its slope is at most 0.25 (at 0): gradients shrink even where it is "
               "not saturated; its output is never centred on 0.",
    "ReLU": "slope exactly 0 for every x < 0: a neuron whose input is negative for every example gets no gradient "
            "at all and never comes back (a dead ReLU, e.g. after one large update). Slope 1 elsewhere: no "
            "squashing, so its Kaiming gain is √2.",
    "ELU": "slope exp(x) for x < 0: small but never 0, so it cannot die for good; flat only far below 0.",
}


@st.cache_data(show_spinner=False)
def curves():
    return demos.activation_curves()


@st.cache_data(show_spinner=False)
def gain_numbers():
    measured = demos.tanh_gain()
    spreads = {"gain 1": demos.deep_spread(1.0),
               f"gain {measured['restoring_gain']:.2f} (1 / std of tanh)": demos.deep_spread(measured["restoring_gain"]),
               "gain 5/3": demos.deep_spread(5 / 3)}
    return measured, spreads


def render(ctx):
    look_at("The lecture uses tanh, and its gain 5/3, and mentions the others. Each nonlinearity has regions where "
            "its slope is near 0: a gradient passing back is multiplied by that slope, so whatever lands there "
            "stops learning. Where the flat parts are decides how wide the pre-activations may be: that is what "
            "the init and BatchNorm control.")
    left, right = st.columns(2)
    big = classroom.projecting()
    left.vega_lite_chart(*activations_chart(curves(), "y", big), width="stretch", key="lecture_act_curves")
    right.vega_lite_chart(*activations_chart(curves(), "slope", big), width="stretch", key="lecture_act_slopes")
    st.markdown("**How much lands on the flat part?** Pre-activations drawn from N(0, std²); drag the std.")
    st.vega_lite_chart(*flat_chart(beats_compute.flat_family(), classroom.projecting()), width="stretch",
                       key="lecture_flat_chart")
    st.markdown("\n".join(f"- **{name}**: {text}" for name, text in DEAD.items()))

    st.subheader("Where does 5/3 come from?")
    measured, spreads = gain_numbers()
    a, b, c = st.columns(3)
    a.metric("std of tanh(x), x ~ N(0, 1)", f"{measured['tanh_std']:.4f}", help="a million draws, float64")
    b.metric("the gain that restores std 1", f"{measured['restoring_gain']:.3f}", help="1 / std of tanh(x)")
    c.metric("torch's calculate_gain('tanh')", f"{measured['torch']:.4f}")
    st.markdown(f"tanh shrinks a unit Gaussian to a std of {measured['tanh_std']:.3f}; multiplying the next "
                f"layer's weights by {measured['restoring_gain']:.2f} gives it back. PyTorch's 5/3 is a round "
                "number a little above that, and in a deep stack both settle "
                "near a steady spread where gain 1 keeps shrinking:")
    st.vega_lite_chart(*spread_chart(spreads, "lecture_gain_spread", big), width="stretch", key="lecture_gain_spread")
    change_one_thing("Drag the std to 3: tanh and sigmoid put a third or more of their inputs on the flat part; "
                     "ReLU always puts half there, whatever the std.",
                     "In the Initialization lab (No BN, gain 5/3), switch the nonlinearity to ReLU and the gain to "
                     "1.4 (√2): ReLU's Kaiming gain.")
    try_it.button(ID, ctx.vocab_size)
