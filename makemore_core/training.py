"""Training: the lecture's loop, in short chunks of steps, so that a UI can pause, step and resume.

    ix = randint(0, len(Xtr), (batch,), generator=g)     # minibatch
    loss = cross_entropy(model(Xtr[ix]), Ytr[ix])          # forward
    p.grad = None; loss.backward()                         # backward
    p.data += -lr * p.grad                                 # SGD update (or Adam)

Statistics are gathered only on the steps that ask for them, so ordinary steps pay nothing
for retain_grad.
"""
import math
import time
from dataclasses import asdict, dataclass, field, fields

import torch
import torch.nn.functional as F

from . import diagnostics
from .evaluation import split_loss

DECAY_AT = 0.75          # the lr decays at 75% of the steps unless told otherwise (the lecture: 150,000 of 200,000)
# The training engines, by the names the CLI, the pages and the run list all use, in one sentence each
# (engine.py computes the fast ones; its "fast-compiled", compiled before the first step, is for benchmarks).
ENGINES = {
    "eager": "the notebook's step, autograd through the hand-written layers: the reference",
    "fast-uncompiled": "the same math with the backward pass written out by hand (makemore part 4): "
                       "about twice as fast, losses within about 1e-5 of eager",
    "fast": "the hand-written step compiled by torch.compile: several times faster again once the one-off "
            "compile (10-25 s, in the background, fast-uncompiled meanwhile) is done",
}
RUNAWAY_WINDOW = 200     # steps: a run whose loss stayed above RUNAWAY_FACTOR x a uniform guess's
RUNAWAY_FACTOR = 10      # for this long is diverged, even when its loss never becomes NaN


@dataclass
class TrainConfig:
    steps: int = 200_000
    batch_size: int = 32
    lr: float = 0.1
    lr_milestones: list = field(default_factory=lambda: [150_000])  # lr x factor at each milestone
    lr_factor: float = 0.1
    optimizer: str = "sgd"          # sgd | adam
    stats_every: int = 0            # diagnostics every N steps (0: never)
    eval_every: int = 0             # val loss every N steps (0: never)
    lr_changes: list = field(default_factory=list)  # [(step, lr)]: rates set by hand during the run

    def __post_init__(self):
        checks = [
            (self.steps >= 0, "steps must not be negative"),
            (self.batch_size >= 1, "batch size must be at least 1"),
            (self.lr > 0 and math.isfinite(self.lr), "learning rate must be a positive number"),
            (self.lr_factor > 0, "the lr decay factor must be positive"),
            (self.optimizer in ("sgd", "adam"), "optimizer must be sgd or adam"),
            (self.stats_every >= 0 and self.eval_every >= 0, "intervals must not be negative"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        self.lr_milestones = sorted(int(m) for m in self.lr_milestones)
        self.lr_changes = sorted((int(s), float(lr)) for s, lr in self.lr_changes)

    @classmethod
    def decayed_at(cls, steps, **kw):
        """lr decayed x0.1 at DECAY_AT of the steps: the CLI's and the pages' default schedule."""
        return cls(steps=steps, lr_milestones=[decay_step(steps)], **kw)

    @classmethod
    def from_dict(cls, d):
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    def to_dict(self):
        return asdict(self)

    def lr_at(self, step: int, base_lr: float | None = None) -> float:
        """The rate of a step: the last one set by hand at or before it (else `lr`, or `base_lr`),
        times lr_factor for each milestone passed since it was set."""
        since, lr = next(((s, r) for s, r in reversed(self.lr_changes) if s <= step),
                         (-1, self.lr if base_lr is None else base_lr))
        passed = sum(1 for m in self.lr_milestones if since < m <= step)
        return lr * self.lr_factor ** passed

    def change_lr(self, step: int, lr: float):
        """From `step` on the rate is `lr` (later milestones still multiply it)."""
        self.lr_changes = sorted([(s, r) for s, r in self.lr_changes if s != step] + [(step, lr)])


def decay_step(steps: int) -> int:
    """The step at DECAY_AT of a run of `steps`."""
    return int(steps * DECAY_AT)


MAX_CHUNK = 1_000       # steps: at most this many between two looks at a pause or stop request
CHUNK_SECONDS = 0.02    # a chunk's work, aimed at: a pause or stop waits at most about this long


class Trainer:
    """Owns one run on one model: its optimizer, learning rate and history, and the loop.

    `advance()` trains one chunk (the fast engine computes it, or the eager step below) and
    records it; `run()` is the CLI's loop of chunks, the Training page's run thread calls
    `advance()` itself, between pause requests."""

    def __init__(self, model, data, config: TrainConfig, generator=None, engine="eager"):
        if model.batchnorms() and config.batch_size < 2:
            raise ValueError("BatchNorm needs a batch of at least 2: the variance of one example is undefined "
                             "(turn BatchNorm off to train on single examples)")
        self.model = model.train()
        self.Xtr, self.Ytr = data["train"]
        self.val = data.get("val")
        self.config = config
        # The lecture draws minibatches from the same generator that initialized the model.
        self.g = generator if generator is not None else model.generator
        self.step_num = 0
        self.losses = []                # loss of every step
        self.lrs = []
        self.val_losses = []            # (step, val loss)
        self.stats = []                 # (step, diagnostics dict)
        self.status = "ready"           # ready | running | finished | diverged
        self.message = ""
        self.seconds = 0.0
        self.step_seconds = None        # measured time of an ordinary step: sizes the chunks
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr) if config.optimizer == "adam" else None
        # engine "eager": the step below, the reference. "fast" / "fast-uncompiled": the same math with a
        # hand-written backward (engine.py), torch.compile'd in the background for "fast".
        self.engine = None
        if engine != "eager":
            from .engine import make_engine
            self.engine = make_engine(self, engine)

    # ------------------------------------------------------------ state

    @property
    def lr(self):
        return self.config.lr_at(self.step_num)

    def set_lr(self, lr: float):
        """Make the learning rate in effect from this step `lr`; later milestones still multiply it.
        The config records it, so a checkpoint and the run list report the rate that was used."""
        if not (lr > 0 and math.isfinite(lr)):
            raise ValueError("the learning rate must be a positive number")
        self.config.change_lr(self.step_num, float(lr))

    @property
    def done(self):
        """Diverged, or all its steps trained (a run given more steps afterwards trains on)."""
        return self.status == "diverged" or self.step_num >= self.config.steps

    def wants_stats(self, step):
        every = self.config.stats_every
        return every > 0 and step % every == 0

    @property
    def engine_status(self):
        return "eager" if self.engine is None else self.engine.status

    def fast(self):
        """True when the next step can go through the fast engine."""
        return self.engine is not None and self.engine.covers(self)

    # ------------------------------------------------------------ chunks of steps

    def chunk_size(self):
        """Steps in about CHUNK_SECONDS of work, from the measured step time (10 until measured)."""
        if self.step_seconds is None:
            return 10
        return max(1, min(MAX_CHUNK, int(CHUNK_SECONDS / self.step_seconds)))

    def next_boundary(self, target):
        """The first step after step_num where a chunk must end (one chunk, one learning rate):
        the target, the next lr milestone, statistics step or validation step."""
        s, c = self.step_num, self.config
        ends = [target, *[m for m in c.lr_milestones if m > s][:1]]
        for every in (c.stats_every, c.eval_every):
            if every:
                ends.append((s // every + 1) * every)
        return min(ends)

    def advance(self, max_steps=None):
        """Train one chunk and record it: a statistics step alone, or ordinary steps up to the next
        boundary, at most max_steps and about CHUNK_SECONDS of work. Returns the steps done."""
        if self.done:
            return 0
        limit = self.config.steps - self.step_num if max_steps is None else max_steps
        self.status = "running"
        start, before = time.perf_counter(), self.step_num
        if self.wants_stats(before):
            self.stats_step()
        else:
            n = max(1, min(limit, self.chunk_size(), self.next_boundary(self.config.steps) - before))
            if self.fast():
                self.fast_steps(n)
            else:
                for _ in range(n):
                    if self.eager_step() is None:
                        break
        elapsed = time.perf_counter() - start
        done = self.step_num - before
        self.seconds += elapsed
        if done and not self.wants_stats(before):    # statistics steps are slower: not a measure
            measured = elapsed / done
            self.step_seconds = measured if self.step_seconds is None else 0.7 * self.step_seconds + 0.3 * measured
        if self.status == "running":
            self.check_runaway()
        if self.status == "running":
            self.status = "finished" if self.step_num >= self.config.steps else "ready"
        return done

    def fast_steps(self, n):
        """n ordinary steps through the engine. It stops short of a step whose loss is not finite,
        rolled back to just before it: the eager step then meets that step and says so."""
        lr = self.lr
        losses = self.engine.steps(self, n, lr)
        self.record(losses, lr)
        if len(losses) < n:
            self.eager_step()

    def stats_step(self):
        """One step that also records the statistics (the engine's or the eager step's, same dict)."""
        step, lr = self.step_num, self.lr
        if not self.fast():
            return self.eager_step()
        result = self.engine.stats_step(self, lr)
        if result is None:                  # not finite: rolled back; the eager step records it
            return self.eager_step()
        loss, collected = result
        layers, params = diagnostics.collected_statistics(self.model, collected)
        self.stats.append((step, {"loss": loss, "lr": lr, "layers": layers, "params": params}))
        self.record([loss], lr)
        return loss

    def record(self, losses, lr):
        """Add steps done at one learning rate to the history (and a validation loss where due)."""
        self.losses.extend(losses)
        self.lrs.extend([lr] * len(losses))
        self.step_num += len(losses)
        if losses and self.config.eval_every and self.step_num % self.config.eval_every == 0:
            self.record_val_loss()

    # ------------------------------------------------------------ one step

    def step(self):
        """One training step. Returns its loss, or None when the loss was not finite (the run stops)."""
        before = self.step_num
        self.advance(1)
        return self.losses[-1] if self.step_num > before else None

    def eager_step(self):
        """One step, the lecture's way (autograd), with the statistics where asked. Returns its loss,
        or None when it was not finite (the run is then diverged)."""
        model, lr, step = self.model, self.lr, self.step_num
        ix = torch.randint(0, self.Xtr.shape[0], (self.config.batch_size,), generator=self.g, device=self.Xtr.device)
        Xb, Yb = self.Xtr[ix], self.Ytr[ix]
        collect = self.wants_stats(step)

        logits = model(Xb)
        loss = F.cross_entropy(logits, Yb)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            self.status = "diverged"
            self.message = (f"The loss became {loss_value} at step {step:,} (learning rate {lr:g}): "
                            "the updates were too large. Lower the learning rate and start again.")
            return None
        if collect:
            diagnostics.retain_layer_grads(model)
        params = model.parameters()
        for p in params:
            p.grad = None
        loss.backward()
        before = [p.detach().clone() for p in params] if collect else None
        self.update(params, lr)
        if collect:
            updates = {name: p.detach() - b for (name, p), b in zip(model.named_parameters(), before)}
            self.stats.append((step, {
                "loss": loss_value, "lr": lr,
                "layers": diagnostics.layer_statistics(model),
                "params": diagnostics.parameter_statistics(model, updates),
            }))
        self.record([loss_value], lr)
        return loss_value

    def check_runaway(self):
        """A learning rate far too high may never give NaN (lr 1e6: the loss sits near 1e7): call the
        run diverged when its loss stayed above 10x a uniform guess's for 200 steps. A bad init starts
        near 27 (8x) and falls within a few hundred steps; a run that learns is far below."""
        uniform = math.log(self.model.config.vocab_size)
        recent = self.losses[-RUNAWAY_WINDOW:]
        if len(recent) < RUNAWAY_WINDOW or self.status == "diverged" or min(recent) <= RUNAWAY_FACTOR * uniform:
            return False
        self.status = "diverged"
        self.message = (f"The loss stayed above {RUNAWAY_FACTOR} times a uniform guess's ({uniform:.2f}) for "
                        f"{RUNAWAY_WINDOW} steps, up to step {self.step_num:,} (last {self.losses[-1]:.3g}, "
                        f"learning rate {self.lr:g}): the updates are far too large. Lower the learning rate "
                        "and start again.")
        return True

    def update(self, params, lr):
        if self.optimizer is None:
            with torch.no_grad():
                for p in params:
                    p += -lr * p.grad
        else:
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            self.optimizer.step()

    def record_val_loss(self):
        if self.val is not None and len(self.val[0]):
            self.val_losses.append((self.step_num, split_loss(self.model, *self.val)))  # restores train mode

    # ------------------------------------------------------------ many steps

    def run(self, steps=None, should_stop=None, on_progress=None, progress_every=1000):
        """Train until `steps` more are done (default: to the end), `should_stop()` is true, or the loss
        diverges; `on_progress(trainer)` every `progress_every` steps. Checks both between chunks."""
        target = self.config.steps if steps is None else min(self.config.steps, self.step_num + steps)
        while self.step_num < target and not self.done:
            next_report = (self.step_num // progress_every + 1) * progress_every
            self.advance(min(target, next_report) - self.step_num)
            if self.status == "diverged" or (should_stop is not None and should_stop()):
                break
            if on_progress is not None and self.step_num % progress_every == 0:
                on_progress(self)
        if self.status == "ready" and self.step_num >= self.config.steps:
            self.status = "finished"
        return self

    def summary(self):
        return {
            "steps": self.step_num,
            "seconds": self.seconds,
            "steps_per_s": self.step_num / self.seconds if self.seconds else 0.0,
            "init_loss": self.losses[0] if self.losses else None,
            "last_loss": self.losses[-1] if self.losses else None,
            "status": self.status,
        }
