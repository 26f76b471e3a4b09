"""Each chapter's prediction (ui/lecture/predict.py): the question, and its answer as the core computes
it on the data in use, through the same cached functions the chapter draws with (so the reveal costs
nothing more than the chapter). QUESTIONS maps a chapter id to its questions; the first is asked at
the top of the chapter, the others where the chapter asks them (E01 asks its own)."""
import math

from makemore_core import fold, lossbook
from makemore_core import lecture_demos as demos
from makemore_core.model import MLP, ModelConfig
from ui.lecture import compute
from ui.lecture.predict import Answer, Question

# ---------------------------------------------------------------- 1. the starting point


def _uniform(ctx) -> Answer:
    stats = compute.stage_step0(ctx.digest, "original", ctx)["stats"]
    return Answer(stats["uniform_loss"], f"{stats['uniform_loss']:.4f}",
                  f"Knowing nothing means p = 1/{ctx.vocab_size} for every character, and the loss is "
                  f"−ln(1/{ctx.vocab_size}) = ln {ctx.vocab_size} = {stats['uniform_loss']:.4f}. The lecture's "
                  f"net starts at **{stats['loss']:.2f}** instead: it does not know nothing, it is confidently "
                  "wrong.")


# ---------------------------------------------------------------- 2. the hockey stick

SHAPES = {"cliff": "It plunges within the first 100 steps, then creeps down: a hockey stick.",
          "steady": "It falls steadily, about as much in every stretch of 100 steps.",
          "flat": "It hardly moves: a net this wrong cannot learn."}


def curve_shape(losses, uniform: float) -> tuple[str, float]:
    """("cliff" | "steady" | "flat", share of the whole drop made by step 100)."""
    first, at100 = losses[0], sum(losses[90:110]) / len(losses[90:110])
    end = sum(losses[-500:]) / len(losses[-500:])
    drop = first - end
    if drop < 0.1 * first:
        return "flat", 0.0
    share = (first - at100) / drop
    return ("cliff" if share > 0.7 else "steady"), share


def _hockey(ctx) -> Answer:
    losses = compute.early_curves(ctx.digest, ("original", "softmax-fix"), compute.CURVE_STEPS, ctx)["original"]
    uniform = compute.stage_step0(ctx.digest, "original", ctx)["stats"]["uniform_loss"]
    shape, share = curve_shape(losses, uniform)
    at100 = sum(losses[90:110]) / 20
    return Answer(shape, SHAPES[shape].split(":")[0].split(",")[0],
                  f"From {losses[0]:.2f} at step 0 to {at100:.2f} around step 100: **{share:.0%}** of the drop of the "
                  f"first {compute.CURVE_STEPS:,} steps is over by step 100. Those steps only shrink the huge "
                  "logits; the learning of names starts after them.")


# ---------------------------------------------------------------- 3. saturation

def _saturated(ctx) -> Answer:
    view = compute.stage_step0(ctx.digest, "softmax-fix", ctx)["views"][0]
    return Answer(view["flat_pct"], f"{view['flat_pct']:.1f}%",
                  f"The pre-activations have a std of {view['pre_std']:.1f}, and |tanh(x)| > 0.99 wherever "
                  f"|x| > {math.atanh(0.99):.2f}: most of them are out there, on tanh's flat tails, where no gradient "
                  "passes.")


# ---------------------------------------------------------------- 4. fan-in

def _fan_in(ctx) -> Answer:
    result = demos.fan_in_demo(1000, False)
    return Answer(result["y_std"], f"{result['y_std']:.1f}",
                  f"Each output sums 1,000 products of unit Gaussians: their variances add up to 1,000, so the std "
                  f"is √1000 = {math.sqrt(1000):.1f}. Divide w by √fan_in and it is 1 again.")


# ---------------------------------------------------------------- 5. BatchNorm and b1

B1_CHOICES = {"large": "As large as W1's gradient: b1 learns as before.",
              "small": "Smaller than W1's, but b1 still learns slowly.",
              "zero": "Zero (up to float rounding): b1 cannot learn."}


def _b1(ctx) -> Answer:
    std = compute.b1_gradient(ctx.digest, ctx)
    key = "zero" if std < 1e-6 else "small"
    return Answer(key, f"std {std:.1e}",
                  "BatchNorm subtracts the batch mean, and any bias added before it goes with the mean: the loss "
                  "does not depend on b1 at all, so its gradient is 0 up to rounding. bnbias does b1's job.")


# ---------------------------------------------------------------- 6. the loss log

def _stage_choices(ctx) -> dict:
    return {stage: stage for stage in compute.FIRST_HALF}


def _best_stage(ctx) -> Answer:
    results = {s: lossbook.cached_stage_losses(ctx.dataset, s) for s in compute.FIRST_HALF}
    if any(r is None for r in results.values()):
        return Answer(None, "", "", "The answer appears once every stage has run: the button below runs them.")
    vals = {s: r["val"] for s, r in results.items()}
    best = min(vals, key=vals.get)
    worst = max(vals, key=vals.get)
    return Answer(best, f"{best} ({vals[best]:.4f})",
                  f"Val losses after 200,000 steps: {', '.join(f'{s} {v:.4f}' for s, v in vals.items())}. The fixes "
                  f"are worth {vals[worst] - vals[best]:.3f} between the worst and the best; the last three are "
                  "within a few thousandths, a seed's worth.")


# ---------------------------------------------------------------- 7. the deep net's size

def _params(ctx) -> Answer:
    count = MLP(ModelConfig(vocab_size=ctx.vocab_size)).num_parameters()
    return Answer(count, f"{count:,}",
                  "C is 27 x 10; the first Linear 30 x 100; four Linear 100 x 100; the last 100 x 27, all without "
                  "bias; each BatchNorm has a gamma and a beta per column. Most of it is the four 100 x 100 "
                  "matrices: 40,000.")


# ---------------------------------------------------------------- 8. update:data

def weight_label(name: str, names: list) -> str:
    """'layers.15.weight' -> 'Linear 6 (output)': the chapter's layers as the lecture counts them."""
    if name == "C":
        return "C (the embedding)"
    linears = [n for n in names if n != "C"]
    k = linears.index(name) + 1
    return f"Linear {k}" + (" (output)" if k == len(linears) else "")


def _weights(ctx) -> dict:
    names = list(compute.deep_after(ctx.digest, 0.1, True, 1.0, ctx)["update_to_data"])
    return {name: weight_label(name, names) for name in names}


def _highest_update(ctx) -> Answer:
    run = compute.deep_after(ctx.digest, 0.1, True, 1.0, ctx)
    names = list(run["update_to_data"])
    last = {name: series[-1] for name, series in run["update_to_data"].items() if series[-1] is not None}
    top = max(last, key=last.get)
    return Answer(top, f"{weight_label(top, names)}: {last[top]:+.2f}",
                  "log10(update std / data std) at step 1,000: "
                  + ", ".join(f"{weight_label(n, names)} {v:+.2f}" for n, v in last.items())
                  + ". This is what the lecture reads such a plot for: a layer that stands apart from the others "
                  "learns at another speed, and the level near −3 says whether the learning rate is about right.")


# ---------------------------------------------------------------- 9. after 1,001 steps

def _val_after(ctx) -> Answer:
    run = compute.deep_after(ctx.digest, 0.1, True, 1.0, ctx)
    val = run["split"]["val"]
    return Answer(val, f"{val:.4f}",
                  f"1,001 steps of batch 32 see {1001 * 32:,} examples, not even one pass over the training split: "
                  f"the loss is well below the uniform guess but far from the 2.1 of a full run.")


# ---------------------------------------------------------------- 10. BatchNorm's widget

def _outlier(ctx) -> Answer:
    result = demos.normalize_five(30.0)
    bound = 4 / math.sqrt(5)
    return Answer(result["y"][0], f"{result['y'][0]:.2f}",
                  f"The outlier sets the std itself: with n values one normalized value can never pass "
                  f"(n − 1)/√n = {bound:.2f} (the notebook's unbiased std). However far you drag it, it stays below "
                  "that, and the other four bunch together.")


# ---------------------------------------------------------------- exercises

E02_CHOICES = {"exact": "Exactly the same logits, bit for bit.",
               "rounding": "The same up to float rounding.",
               "differ": "Different: folding changes the function."}


def e02_verdict(diff32: float, size: float) -> str:
    """How a folded net's logits compare: exactly, within float32 rounding of their size, or not."""
    if diff32 == 0:
        return "exact"
    return "rounding" if diff32 <= 1e-5 * max(1.0, size) else "differ"


def _fold(ctx) -> Answer:
    import torch

    from ui.lecture.exercises import e02_own_model  # late: the exercises import the lecture's modules
    model, _, _ = e02_own_model(ctx.dataset)
    model.eval()
    folded = fold.fold_batchnorm(model)
    X = ctx.tensors(model.config.block_size)["val"][0]
    diff = fold.max_difference(model, folded, X, torch.float32)
    size = float(fold.logits_eval(model, X).abs().max())
    key = e02_verdict(diff, size)
    return Answer(key, f"max diff {diff:.1e}",
                  f"On the chapter's 3-layer net, over the whole validation split: the largest |logit difference| "
                  f"is {diff:.1e} on logits up to {size:.1f}. The fold computes the same function, rounded in "
                  "another order.")


E01_CHOICES = {"fine": "It trains fine, a little slower at first.",
               "none": "It does not train at all: the loss stays at ln(27) ≈ 3.30.",
               "part": "It trains only partly: some parameters learn, the rest stay where they are."}


def _e01(ctx) -> Answer:
    return Answer(None, "", "", "Train both nets below to see.")


# ---------------------------------------------------------------- 11-15: the later chapters

def _coupling(ctx) -> Answer:
    from ui.lecture import beats_compute
    result = beats_compute.coupling(ctx.digest, ctx)
    return Answer(result["bn_jitter"], f"{result['bn_jitter']:.3f}",
                  f"About a fifth of a unit here: the 31 others shift the batch's mean and std, and the example with "
                  f"them. Under LayerNorm the same example moves by {result['ln_jitter']:.0e}: not at all.")


def _running_share(ctx) -> Answer:
    from ui.lecture import beats_compute
    trace = beats_compute.momentum(ctx.digest, ctx)
    share = 100 * trace["running"]["0.001"][-1] / trace["true_means"][-1]
    steps = len(trace["batch_means"])
    return Answer(share, f"{share:.0f}%",
                  f"Starting from 0, a running average with weight 0.001 covers 1 − 0.999^{steps:,} = "
                  f"{100 * (1 - 0.999 ** steps):.0f}% of the way to a fixed target in {steps:,} steps; the true mean "
                  "also moved while the net trained.")


def _tanh_std(ctx) -> Answer:
    std = demos.tanh_gain()["tanh_std"]
    return Answer(std, f"{std:.3f}",
                  f"tanh squashes everything beyond ±1 towards ±1, so the spread shrinks to {std:.3f}; 1/{std:.3f} = "
                  f"{1 / std:.2f} is the gain that restores it, and 5/3 rounds it up.")


def _torch_gain(ctx) -> Answer:
    gain = demos.torch_linear_gain()
    return Answer(gain, f"{gain:.3f}",
                  "A uniform draw in ±a has std a/√3; with a = 1/√fan_in the gain is √(1/3) = 0.577, about a third of "
                  "the 5/3 tanh wants.")


def _deep_saturation(ctx) -> Answer:
    run = compute.deep_after(ctx.digest, 0.1, True, 1.0, ctx)
    sat = [layer["saturation_pct"] for layer in run["last"]["layers"]]
    mean = sum(sat) / len(sat)
    return Answer(mean, f"{mean:.1f}%",
                  f"Per layer {', '.join(f'{s:.1f}' for s in sat)}% (|t| > 0.97): a few percent, alike in every layer, "
                  "which is what a healthy deep net with BatchNorm looks like.")


QUESTIONS = {
    "start": [Question("start", "A net that knows nothing gives each character the same probability. What loss "
                       "does it have on average?", _uniform, low=0.0, high=30.0, step=0.1, start=15.0,
                       within=0.3, relative=False)],
    "softmax": [Question("softmax", "The original net starts at a loss near 28. What does its loss do over the "
                         "first 100 steps of training (lr 0.1)?", _hockey, choices=SHAPES)],
    "tanh": [Question("tanh", "With the softmax fixed, what percentage of the hidden layer's tanh outputs are "
                      "beyond ±0.99 at step 0?", _saturated, low=0.0, high=100.0, step=1.0, start=50.0, unit="%",
                      within=10, relative=False)],
    "kaiming": [Question("kaiming", "x: 1,000 rows of 1,000 unit Gaussians (fan_in 1,000); w: unit Gaussians, not "
                         "divided by anything. What is the std of x @ w?", _fan_in, low=0.0, high=100.0, step=0.5,
                         start=1.0)],
    "batchnorm": [Question("batchnorm", "Suppose the first Linear keeps its bias b1, with BatchNorm right after "
                           "it. At step 0, how large is b1's gradient?", _b1, choices=B1_CHOICES)],
    "loss-log": [Question("loss-log", "Trained 200,000 steps each, which stage of the first half ends with the "
                          "lowest val loss?", _best_stage, choices=_stage_choices)],
    "pytorchify": [Question("pytorchify", "How many parameters has the deep net: embedding 27 x 10, five hidden "
                            "blocks of 100 with BatchNorm, and the output layer?", _params, low=0.0,
                            high=100_000.0, step=1000.0, start=10_000.0, within=0.15)],
    "diagnostics": [Question("diagnostics", "After 1,000 steps of the notebook's deep net, which weight has the "
                             "highest update:data?", _highest_update, choices=_weights)],
    "after-1001": [Question("after-1001", "After only 1,001 steps, what is the deep net's val loss (BatchNorm in "
                            "eval mode)?", _val_after, low=1.5, high=3.5, step=0.05, start=3.3, within=0.1,
                            relative=False)],
    "bonus": [Question("bonus", "Five values; drag one of them to 30, far from the others. After BatchNorm's "
                       "normalization (minus their mean, over their std), how large is it?", _outlier, low=0.0,
                       high=30.0, step=0.1, start=15.0, within=0.3, relative=False)],
    "coupling": [Question("coupling", "One example goes through BatchNorm in 40 batches, the other 31 drawn anew "
                          "each time. By how much does its normalized value jitter (std over the 40 draws, in units of "
                          "the layer's spread)?", _coupling, low=0.0, high=1.0, step=0.01, start=0.5, within=0.07,
                          relative=False)],
    "bn-details": [Question("bn-details", "A running mean with momentum 0.001 starts at 0. After 2,000 training "
                            "steps, what share of the true mean has it reached?", _running_share, low=0.0,
                            high=120.0, step=1.0, start=50.0, unit="%", within=10, relative=False)],
    "nonlinearities": [Question("nonlinearities", "x is a unit Gaussian, N(0, 1). What is the std of tanh(x)?",
                                _tanh_std, low=0.0, high=1.0, step=0.01, start=0.5, within=0.05, relative=False)],
    "torch-nn": [Question("torch-nn", "torch.nn.Linear draws its weights uniform in ±1/√fan_in. Times √fan_in, "
                          "what std (gain) is that?", _torch_gain, low=0.0, high=2.0, step=0.01, start=1.0,
                          within=0.08, relative=False)],
    "closing": [Question("closing", "Recall chapter 8: after 1,001 steps, what percentage of the deep net's tanh "
                         "outputs are saturated (|t| > 0.97), on average over its layers?", _deep_saturation,
                         low=0.0, high=100.0, step=0.5, start=50.0, unit="%", within=3, relative=False)],
    "exercises": [Question("e02", "E02: fold each BatchNorm into the Linear before it. Does the folded net give "
                           "the same logits?", _fold, choices=E02_CHOICES),
                  Question("e01", "E01: every weight and bias zero. What happens when it trains?", _e01,
                           choices=E01_CHOICES)],
}
ASKED_INSIDE = {"e01"}   # questions a chapter asks in its own place, not at its top


def all_questions() -> list:
    return [q for qs in QUESTIONS.values() for q in qs]


def top_question(chapter_id: str):
    return next((q for q in QUESTIONS.get(chapter_id, []) if q.id not in ASKED_INSIDE), None)
