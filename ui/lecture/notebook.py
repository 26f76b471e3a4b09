"""What the lecture's notebook prints (karpathy/nn-zero-to-hero, lectures/makemore/makemore_part3_bn.ipynb),
on its names.txt: each number exactly as printed, with the cell that prints it (its execution count), so
a chapter can show ours at the notebook's own precision beside it and say honestly how they compare.

The notebook holds the lecture's *final* code, cells rerun after every fix: the video's first numbers
(the loss of 27.8817, the 11,897 parameters of the un-fixed net) are on screen in the video only.
"""
from dataclasses import dataclass

ROUNDING = 1e-5   # relative: float32 sums in another order, over up to 1,001 steps, stay well inside this


@dataclass(frozen=True)
class Printed:
    """A number as the notebook (or the video) prints it."""
    text: str                 # exactly as printed, e.g. "2.640702e-03"
    cell: int | None = None   # the code cell's execution count; None with `where` for the rest
    where: str = ""           # e.g. "the video shows", "the loss log (the markdown cell after cell 10) records"

    @property
    def value(self) -> float:
        return float(self.text)

    @property
    def source(self) -> str:
        return self.where or f"cell {self.cell} prints"

    def fmt(self, ours: float) -> str:
        """Our number at this one's precision (digits, exponent, sign) as the notebook would print it."""
        text = self.text
        sign = "+" if text.startswith("+") else ""
        if "e" in text:
            return f"{ours:{sign}.{len(text.split('e')[0].split('.')[-1])}e}"
        if "." in text:
            return f"{ours:{sign}.{len(text.split('.')[1])}f}"
        return f"{round(ours):{sign}d}"

    def verdict(self, ours: float) -> str:
        """"the same" (digit for digit), "float rounding" (within ROUNDING) or how far apart."""
        if self.fmt(ours) == self.text:
            return "the same"
        if abs(ours - self.value) <= ROUNDING * max(1.0, abs(self.value)):
            return "float rounding"
        return f"{ours - self.value:+.4f} apart"

    def beside(self, ours: float) -> str:
        """E.g. "cell 16 prints 2.640702e-03; here 2.640701e-03: float rounding"."""
        here = self.fmt(ours)
        verdict = self.verdict(ours)
        return f"{self.source} {self.text}; here {here}" + (", the same" if verdict == "the same" else f": {verdict}")


def cells(texts, cell) -> list[Printed]:
    return [Printed(t, cell) for t in texts]


VIDEO = "the video shows"   # not in the notebook: its cells were rerun after the fixes
LOSS_LOG_CELL = "the loss log (the markdown cell after cell 10) records"

STEP0_LOSS = {"original": Printed("27.8817", where=VIDEO),   # the un-fixed net's step 0, in the video only
              "batchnorm": Printed("3.3239", 7), "deep": Printed("3.2870", 14)}
UNIFORM_LOSS = 3.2958                               # -ln(1/27)
PARAMS = {"original": Printed("11897", where=VIDEO), "batchnorm": Printed("12097", 6), "deep": Printed("47024", 13)}

# the loss log after 200,000 steps: train / val
LOSS_LOG = {
    "original": (Printed("2.1245384216308594", where=LOSS_LOG_CELL), Printed("2.168196439743042", where=LOSS_LOG_CELL)),
    "softmax-fix": (Printed("2.07", where=LOSS_LOG_CELL), Printed("2.13", where=LOSS_LOG_CELL)),
    "tanh-fix": (Printed("2.0355966091156006", where=LOSS_LOG_CELL), Printed("2.1026785373687744", where=LOSS_LOG_CELL)),
    "kaiming": (Printed("2.0376641750335693", where=LOSS_LOG_CELL), Printed("2.106989622116089", where=LOSS_LOG_CELL)),
    "batchnorm": (Printed("2.0668270587921143", where=LOSS_LOG_CELL), Printed("2.104844808578491", where=LOSS_LOG_CELL)),
}
BATCHNORM_RUNNING = (Printed("2.0674145221710205", 10), Printed("2.1056840419769287", 10))  # running mean/std

# the deep net after its 1,001 debugging steps (cells 15-20)
DEEP_LAYERS = [2, 5, 8, 11, 14]
DEEP_ACT_MEAN = cells(["-0.00", "+0.00", "-0.00", "+0.00", "+0.00"], 15)
DEEP_ACT_STD = cells(["0.63", "0.64", "0.65", "0.65", "0.65"], 15)
DEEP_SATURATED = cells(["2.78", "2.56", "2.25", "1.69", "1.88"], 15)      # percent, |t| > 0.97
DEEP_GRAD_STD = cells(["2.640702e-03", "2.245584e-03", "2.045742e-03", "1.983134e-03", "1.952382e-03"], 16)
DEEP_GRAD_TO_DATA = cells(["8.012630e-03", "4.881091e-02", "6.964619e-02", "6.073741e-02", "5.631483e-02",
                           "5.570125e-02", "1.160106e-01"], 17)
DEEP_SPLIT = {"train": Printed("2.4002976417541504", 19), "val": Printed("2.3982467651367188", 19)}
NAMES_CELL = 20
DEEP_NAMES = ["carpah", "qarlileif", "jmrix", "thty", "sacansa", "jazhnte", "dpn", "arciigqeiunellaia", "chriiv",
              "kalein", "dhlm", "join", "qhinn", "sroin", "arian", "quiqaelogiearyxix", "kaeklinsan", "ed", "ecoia",
              "gtleley"]

# the bonus cells 23 and 24: statistics of a Linear, and of a Linear followed by a BatchNorm
LINEAR = {key: Printed(text, 23) for key, text in {
    "a std": "0.9875972270965576", "b std": "1.0006722211837769", "c std": "31.01241683959961",
    "c grad std": "0.9782556295394897", "a grad std": "30.8818302154541", "b grad std": "0.9666601419448853"}.items()}
LINEAR_BATCHNORM = {key: Printed(text, 24) for key, text in {
    "inp std": "0.9875972270965576", "w std": "1.0006722211837769", "x std": "31.01241683959961", "out std": "1.0",
    "out grad std": "0.9782556295394897", "x grad std": "0.031543977558612823", "w grad std": "0.031169468536973",
    "inp grad std": "0.9953052997589111"}.items()}

# What the Lecture page's banner promises digit for digit on the lecture's names.txt (tests check each):
# the step-0 losses and parameter counts, cell 15's activation statistics and cell 20's names. The rest
# (cells 16, 17, 19 and the 200,000-step runs) agree to float rounding, each shown beside its cell.
DIGIT_FOR_DIGIT = ("step-0 losses (cells 7 and 14), the parameter counts (cells 6 and 13), the deep net's "
                   "activation statistics after 1,001 steps (cell 15) and its 20 names (cell 20)")


def compare_all(printed: list[Printed], ours: list[float]) -> str:
    """One line for a row of printed numbers, e.g. "cell 16 prints 2.640702e-03, 2.245584e-03; here
    2.640701e-03, 2.245583e-03: float rounding" (the worst verdict of them all)."""
    printed = printed[:len(ours)]
    verdicts = [p.verdict(v) for p, v in zip(printed, ours)]
    worst = next((v for v in verdicts if v not in ("the same", "float rounding")), None)
    worst = worst and "not the same: " + ", ".join(verdicts)
    verdict = worst or ("float rounding" if "float rounding" in verdicts else "the same, digit for digit")
    return (f"{printed[0].source} {', '.join(p.text for p in printed)}; "
            f"here {', '.join(p.fmt(v) for p, v in zip(printed, ours))}: {verdict}")
