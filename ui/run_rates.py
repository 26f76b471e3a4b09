"""How long a run will take on this server, from a rate measured here: the newest run of the same engine
and net (running: its recent rate; finished: its average), else a short timing of the fast engine's
uncompiled step made now (once per server every few minutes). A promise of "minutes" is then this
server's, under its load, not a number from another machine."""
import time

import streamlit as st
import torch

from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer
from ui.training_run import all_runs

MIN_STEPS = 300      # a run that has trained fewer steps has not shown its rate yet
PROBE_STEPS = 200    # about half a second at this server's rates


def _same_net(a: ModelConfig, b: ModelConfig) -> bool:
    return (a.hidden_layers, a.n_hidden, a.n_embd, a.batchnorm) == (b.hidden_layers, b.n_hidden, b.n_embd, b.batchnorm)


def from_runs(engine: str, model: ModelConfig) -> tuple[float, str] | None:
    """(steps/s, where it was measured) of the newest run here with this engine and net, or None."""
    for run in sorted(all_runs(), key=lambda r: r.created, reverse=True):
        t = run.trainer
        if run.engine != engine or not _same_net(run.model_config, model) or t.step_num < MIN_STEPS:
            continue
        rate = run.steps_per_s() if run.state == "running" else t.step_num / max(t.seconds, 1e-9)
        if rate > 0:
            return rate, "measured by a run of this engine on this server"
    return None


@st.cache_resource(show_spinner="Timing this server ...", ttl=300, max_entries=8)
def _probe(engine: str, hidden_layers: int, n_hidden: int, n_embd: int, batchnorm: bool, vocab_size: int) -> float:
    """Steps/s of this engine's step (uncompiled) on this net, timed now on random data."""
    g = torch.Generator().manual_seed(0)
    X = torch.randint(0, vocab_size, (4096, 3), generator=g)
    Y = torch.randint(0, vocab_size, (4096,), generator=g)
    data = {split: (X, Y) for split in ("train", "val", "test")}
    config = ModelConfig(vocab_size=vocab_size, hidden_layers=hidden_layers, n_hidden=n_hidden, n_embd=n_embd,
                         batchnorm=batchnorm)
    trainer = Trainer(MLP(config), data, TrainConfig(steps=PROBE_STEPS + 20), engine=engine)
    trainer.run(steps=20)   # first steps warm the allocator
    start = time.perf_counter()
    trainer.run(steps=PROBE_STEPS)
    return PROBE_STEPS / (time.perf_counter() - start)


def rate(engine: str, model: ModelConfig) -> tuple[float, str]:
    """(steps/s, where it comes from) for a run of this engine and net on this server."""
    found = from_runs(engine, model)
    if found:
        return found
    timed = "eager" if engine == "eager" else "fast-uncompiled"   # compiling would take longer than the answer
    measured = _probe(timed, model.hidden_layers, model.n_hidden, model.n_embd, model.batchnorm, model.vocab_size)
    note = f"the {timed} step, timed on this server just now"
    if engine == "fast":
        note += "; once compiled (a one-off 5 to 25 s) the fast engine runs faster still"
    return measured, note


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"about {max(round(seconds), 1)} seconds"
    return f"about {round(seconds / 60)} minutes"


def expected_time(steps: int, engine: str, model: ModelConfig) -> str:
    """E.g. "about 9 minutes (200,000 steps at 370 steps/s, measured by run 3 on this server)"."""
    steps_per_s, source = rate(engine, model)
    return f"{duration(steps / steps_per_s)} ({steps:,} steps at {steps_per_s:,.0f} steps/s, {source})"
