"""Families for the scrubbers outside the Initialization lab (issue 25): every member a scrubber can pick,
computed once on the server with the core's own functions, so the browser answers the thumb.

A family's values are a fixed grid plus the value the page's own control holds, so the scrubber can start
exactly there (a link may carry any temperature)."""
import torch

from makemore_core import sampling

TEMPERATURES = tuple(round(0.1 + 0.05 * i, 2) for i in range(59))   # 0.1 to 3.0, the Sampling page's range


def with_start(grid, start: float) -> tuple:
    """The grid, and `start` where it is not on it."""
    return tuple(grid) if any(abs(v - start) < 1e-9 for v in grid) else tuple(sorted((*grid, float(start))))


def index_of(values, start: float) -> int:
    return min(range(len(values)), key=lambda i: abs(values[i] - start))


@torch.no_grad()
def temperature_family(model, context, temperatures, top_k=None, top_p=None) -> list[dict]:
    """At each temperature: the next character's probabilities (sampling.next_char_probs, unfiltered) and
    which characters top-k / top-p would cut there."""
    members = []
    for t in temperatures:
        probs = sampling.next_char_probs(model, context, t)
        kept = sampling.next_char_probs(model, context, t, top_k, top_p) > 0
        members.append({"temperature": t, "probs": probs.tolist(), "cut": (~kept).tolist()})
    return members
