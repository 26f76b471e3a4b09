"""Hints as small named rules: each says when it applies and what it says, read in order.

The Initialization lab (ui.lab_hints) and the Training page (ui.run_hints) each keep one list of
rules over a dict of facts they derive from their numbers; both judge saturation and update:data
by the thresholds named here, so that the two pages and the lecture agree.
"""
from dataclasses import dataclass
from typing import Callable

from makemore_core.diagnostics import SATURATION

# The lecture counts a tanh unit saturated where |t| > 0.97 in its activation histograms (the statistics
# here count the same); its saturation image, earlier, shows |h| > 0.99 (ui.init_lab.SATURATED).
SATURATED = f"|t| > {SATURATION:g}"
SATURATED_PCT = 25      # a layer with more of its tanh units saturated than this is a problem
SATURATED_BAD_PCT = 40  # ... a serious one (gain 3: 40-48% in every layer)
SOME_SATURATION_PCT = 10   # the lecture's gain-5/3 net: 20% in its first layer, 5-9% deeper; expected
UPDATE_GUIDE = -3.0     # log10 of update:data: "about -3 is healthy" (the lecture)


@dataclass(frozen=True)
class Rule:
    """A hint: `says(facts)` gives (level, text), or a list of them, where `applies(facts)` is true.
    A `last` rule that applies ends the reading; an `otherwise` rule applies only when nothing was said."""
    name: str
    applies: Callable[[dict], bool]
    says: Callable[[dict], tuple | list]
    last: bool = False
    otherwise: bool = False


def read(rules: list[Rule], facts: dict) -> list[tuple[str, str]]:
    """[(level, text)] of every rule that applies, in the list's order."""
    out = []
    for rule in rules:
        if (rule.otherwise and out) or not rule.applies(facts):
            continue
        said = rule.says(facts)
        out.extend(said if isinstance(said, list) else [said])
        if rule.last:
            break
    return out


def times_guide(log10_ratio: float) -> float:
    """How many times the 10^-3 guide an update:data of 10^log10_ratio is."""
    return 10 ** (log10_ratio - UPDATE_GUIDE)


def weight_name(name: str) -> str:
    """A weight matrix as the charts' legends name it (layers.2.weight -> layers.2)."""
    return name.removesuffix(".weight")


def plural(n: int, word: str, bold: bool = False) -> str:
    """ "1 dead neuron", "3 dead neurons" (the number in bold for markdown when asked)."""
    number = f"**{n}**" if bold else f"{n}"
    return f"{number} {word}" + ("" if n == 1 else "s")
