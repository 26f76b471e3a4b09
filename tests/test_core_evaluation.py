"""Evaluation (split loss, BatchNorm calibration), diagnostics, and checkpoints."""
import io
import math

import pytest
import torch
import torch.nn.functional as F

from makemore_core import checkpoint, diagnostics, evaluation
from makemore_core.data import Dataset, Vocab
from makemore_core.device import configure_threads
from makemore_core.layers import BatchNorm1d
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

configure_threads()


@pytest.fixture(scope="module")
def trained(default_names):
    # a fifth of the default list keeps the whole-split passes (calibration) quick
    dataset = Dataset.from_words(Dataset.from_path(default_names).words[::5], name="names-fifth")
    data = dataset.tensors(3)
    model = MLP(ModelConfig())
    Trainer(model, data, TrainConfig(steps=300, lr_milestones=[200])).run()
    return model, dataset, data


def manual_eval_loss(model, X, Y):
    with torch.no_grad():
        model.eval()
        loss = F.cross_entropy(model(X), Y).item()
        model.train()
    return loss


# ---------------------------------------------------------------- split loss

def test_split_loss_is_eval_mode_no_grad_whole_split(trained, monkeypatch):
    model, _, data = trained
    X, Y = data["val"]
    expected = manual_eval_loss(model, X, Y)
    assert evaluation.split_loss(model, X, Y) == pytest.approx(expected, abs=1e-6)
    monkeypatch.setattr(evaluation, "PASS_CHUNK", 1000)     # chunking does not change the answer
    assert evaluation.split_loss(model, X, Y) == pytest.approx(expected, abs=1e-6)
    assert model.training
    running = [bn.running_mean.clone() for bn in model.batchnorms()]
    evaluation.all_split_losses(model, data)
    assert all(torch.equal(a, bn.running_mean) for a, bn in zip(running, model.batchnorms()))
    assert set(evaluation.all_split_losses(model, data)) == {"train", "val", "test"}


def test_calibrated_stats_are_the_whole_training_split_statistics(trained):
    model, _, data = trained
    Xtr = data["train"][0]
    stats = evaluation.calibrated_stats(model, Xtr)
    assert len(stats) == len(model.batchnorms()) == 6
    # the first BatchNorm sees embcat @ W1 (no bias): its statistics over the whole split
    with torch.no_grad():
        h = model.C[Xtr].view(Xtr.shape[0], -1) @ model.layers[0].weight
    mean, var = stats[0]
    assert torch.allclose(mean, h.mean(0), rtol=0, atol=1e-5)
    assert torch.allclose(var, h.var(0), rtol=1e-5, atol=1e-6)           # unbiased, as the lecture
    # running statistics after training are an estimate of the same
    assert torch.allclose(model.batchnorms()[0].running_mean, mean, atol=0.5)


def test_batchnorm_stats_context_swaps_and_restores(trained):
    model, _, data = trained
    X, Y = data["val"]
    stats = evaluation.calibrated_stats(model, data["train"][0])
    before = [(bn.running_mean, bn.running_var) for bn in model.batchnorms()]
    with evaluation.batchnorm_stats(model, stats):
        calibrated = evaluation.split_loss(model, X, Y)
        assert model.batchnorms()[0].running_mean is stats[0][0]
    assert [(bn.running_mean, bn.running_var) for bn in model.batchnorms()] == before
    assert abs(calibrated - evaluation.split_loss(model, X, Y)) < 0.1        # close, as the lecture shows


def test_batch_statistics_losses(trained):
    model, _, data = trained
    X, Y = data["val"]
    # one batch of everything = train-mode normalization over the whole (truncated) split
    n = 500
    with torch.no_grad():
        for bn in model.batchnorms():
            bn.update_running = False
        expected = F.cross_entropy(model(X[:n]), Y[:n]).item()
        for bn in model.batchnorms():
            bn.update_running = True
    assert evaluation.batch_stats_loss(model, X, Y, batch_size=n, max_examples=n) == pytest.approx(expected, abs=1e-5)
    assert math.isnan(evaluation.batch_stats_loss(model, X, Y, batch_size=1, max_examples=10))
    rows = evaluation.batchnorm_mode_losses(model, data)
    assert list(rows) == ["running statistics (eval mode)", "calibrated on the whole training split",
                          "batch statistics, batch of 32", "batch statistics, batch of 1"]
    assert math.isnan(rows["batch statistics, batch of 1"]) and all(math.isfinite(v) for v in list(rows.values())[:3])
    assert list(evaluation.batchnorm_mode_losses(MLP(ModelConfig(batchnorm=False)), data)) == [
        "running statistics (eval mode)"]


def loop_of_batches_loss(model, X, Y, batch_size):
    """The direct way: one train-mode forward per batch, running buffers left alone."""
    total = 0.0
    with torch.no_grad():
        for bn in model.batchnorms():
            bn.update_running = False
        for start in range(0, len(X), batch_size):
            total += F.cross_entropy(model(X[start:start + batch_size]), Y[start:start + batch_size],
                                     reduction="sum").item()
        for bn in model.batchnorms():
            bn.update_running = True
    return total / len(X)


@pytest.mark.parametrize("stage", [None, "batchnorm"])   # torch-style BatchNorm1d, the lecture's own (std, no eps)
def test_grouped_batch_statistics_match_a_loop_of_batches(trained, stage):
    _, _, data = trained
    if stage is None:
        model = trained[0]
    else:
        from makemore_core.stages import stage_configs
        model = MLP(stage_configs(stage, 27)[0])
    X, Y = data["val"]
    X, Y = X[:1000], Y[:1000]          # 31 batches of 32 and a last one of 8
    running = [bn.running for bn in model.batchnorms()]
    for batch_size in (32, 7):
        expected = loop_of_batches_loss(model, X, Y, batch_size)
        assert evaluation.batch_stats_loss(model, X, Y, batch_size) == pytest.approx(expected, rel=1e-5)
    logits = evaluation.grouped_forward(model, X[:64], 32)
    with torch.no_grad():
        for bn in model.batchnorms():
            bn.update_running = False
        direct = torch.cat([model(X[:32]), model(X[32:64])])
        for bn in model.batchnorms():
            bn.update_running = True
    torch.testing.assert_close(logits, direct, rtol=1e-5, atol=1e-5)
    assert all(torch.equal(a[0], b.running[0]) and torch.equal(a[1], b.running[1])
               for a, b in zip(running, model.batchnorms()))   # buffers untouched


def test_word_nll(trained):
    model, dataset, _ = trained
    rows = evaluation.word_nll(model, dataset.vocab, "emma", 3)
    assert [(r["context"], r["char"]) for r in rows] == [("...", "e"), ("..e", "m"), (".em", "m"), ("emm", "a"),
                                                         ("mma", ".")]
    X = torch.tensor([dataset.vocab.encode(c) for c in ["...", "..e", ".em", "emm", "mma"]])
    Y = torch.tensor(dataset.vocab.encode("emma") + [0])
    assert sum(r["nll"] for r in rows) / 5 == pytest.approx(manual_eval_loss(model, X, Y), abs=1e-5)
    assert all(r["prob"] == pytest.approx(math.exp(-r["nll"]), rel=1e-5) for r in rows)


# ---------------------------------------------------------------- diagnostics

def test_diagnose_schema_and_numbers(trained):
    model, _, data = trained
    Xb, Yb = data["train"][0][:32], data["train"][1][:32]
    stats = diagnostics.diagnose(model, Xb, Yb)
    assert stats["uniform_loss"] == pytest.approx(math.log(27))
    assert stats["params_total"] == 47_024
    assert stats["loss"] == pytest.approx(F.cross_entropy(model(Xb), Yb).item(), abs=1e-6)
    assert [r["index"] for r in stats["layers"]] == [2, 5, 8, 11, 14]
    for row in stats["layers"]:
        out = model.layers[row["index"]].out
        assert row["kind"] == "tanh"
        out = out.detach()
        assert row["mean"] == pytest.approx(float(out.mean()), abs=1e-7)
        assert row["std"] == pytest.approx(float(out.std()), abs=1e-7)
        assert row["saturation_pct"] == pytest.approx(float((out.abs() > 0.97).float().mean() * 100))
        width = row["hist"]["x"][1] - row["hist"]["x"][0]
        assert sum(row["hist"]["density"]) * width == pytest.approx(1, abs=1e-4)   # a density
        assert row["grad_std"] > 0
    names = [r["name"] for r in stats["params"]]
    assert names[0] == "C" and len(names) == len(model.parameters())
    compact = diagnostics.without_histograms(stats)
    assert set(compact) == {"loss", "layers", "params", "params_total"}
    assert set(compact["layers"][0]) == {"index", "kind", "mean", "std", "saturation_pct", "grad_mean", "grad_std"}
    assert set(compact["params"][0]) == {"name", "shape", "grad_mean", "grad_std", "grad_to_data"}
    assert [p["name"] for p in compact["params"]] == ["C"] + [f"layers.{i}.weight" for i in (0, 3, 6, 9, 12, 15)]


@pytest.mark.parametrize("nonlinearity, kind", [("relu", "relu"), ("none", "linear")])
def test_watched_layers_follow_the_nonlinearity(nonlinearity, kind):
    model = MLP(ModelConfig(nonlinearity=nonlinearity))
    X = torch.randint(0, 27, (32, 3), generator=torch.Generator().manual_seed(0))
    stats = diagnostics.diagnose(model, X, torch.zeros(32, dtype=torch.long))
    assert [r["kind"] for r in stats["layers"]] == [kind] * 5
    if kind == "relu":
        assert all(r["saturation_pct"] == pytest.approx(float((model.layers[r["index"]].out == 0).float().mean() * 100))
                   for r in stats["layers"])


def test_histogram_fixed_bins():
    h = diagnostics.histogram(torch.tensor([-1.0, 0.0, 0.5, 1.0]), -1, 1, bins=4)
    assert h["x"] == [-0.75, -0.25, 0.25, 0.75]
    assert sum(d * 0.5 for d in h["density"]) == pytest.approx(1)
    assert diagnostics.update_to_data(torch.zeros(5), 1.0) is None


# ---------------------------------------------------------------- checkpoints

def test_checkpoint_round_trip(trained, tmp_path):
    model, dataset, data = trained
    path = tmp_path / "m.pt"
    checkpoint.save(path, model, dataset.vocab, {"steps": 300})
    loaded, vocab, extra = checkpoint.load(path)
    assert not loaded.training and extra == {"steps": 300} and vocab.itos == dataset.vocab.itos
    assert loaded.config == model.config
    X = data["val"][0][:100]
    assert torch.equal(loaded(X), model.eval()(X))
    model.train()
    for a, b in zip(loaded.batchnorms(), model.batchnorms()):
        assert torch.equal(a.running_var, b.running_var)
    again, _, _ = checkpoint.from_bytes(checkpoint.to_bytes(model, dataset.vocab))
    assert all(torch.equal(a, b) for a, b in zip(again.parameters(), model.parameters()))


def payload(model, vocab, **changes):
    p = {"format": checkpoint.FORMAT, "config": model.config.to_dict(), "itos": list(vocab.itos),
         "state": model.state_dict(), "extra": {}}
    p.update(changes)
    buffer = io.BytesIO()
    torch.save(p, buffer)
    return buffer.getvalue()


def test_bad_checkpoints_give_clear_errors(trained, tmp_path):
    model, dataset, _ = trained
    vocab = dataset.vocab
    small = MLP(ModelConfig(n_hidden=20))
    huge_config = {**model.config.to_dict(), "n_hidden": 4096, "hidden_layers": 32}
    state = model.state_dict()
    bad_state = dict(state, **{"layers.0.weight": "not a tensor"})
    cases = [
        (b"", "could not be read"),
        (b"hello, not a checkpoint", "could not be read"),
        (payload(model, vocab, format="other/1"), "expected format"),
        (payload(model, vocab, config={"n_hidden": 0}), "n_hidden"),
        (payload(model, vocab, itos=list(vocab.itos)[:-1]), "vocabulary does not match"),
        (payload(model, vocab, itos=["a", "."] + list(vocab.itos)[2:]), "vocabulary does not match"),
        (payload(model, vocab, state=small.state_dict()), "parameters"),
        (payload(model, vocab, config=huge_config), "parameters"),        # refused before any allocation
        (payload(model, vocab, state=bad_state), "damaged"),
        (payload(model, vocab, state={k: v for k, v in state.items() if "running" not in k}), "missing"),
        (payload(model, vocab, config="nonsense"), "damaged"),
    ]
    for raw, message in cases:
        with pytest.raises(checkpoint.CheckpointError, match=message):
            checkpoint.from_bytes(raw)
    buffer = io.BytesIO()
    torch.save([1, 2, 3], buffer)
    with pytest.raises(checkpoint.CheckpointError, match="expected format"):
        checkpoint.from_bytes(buffer.getvalue())
    with pytest.raises(checkpoint.CheckpointError, match="cannot read"):
        checkpoint.load(tmp_path / "missing.pt")


def test_checkpoint_checksum_refuses_corrupted_bytes_and_old_files_still_load(trained):
    model, dataset, _ = trained
    raw = checkpoint.to_bytes(model, dataset.vocab)
    weights = model.layers[0].weight.detach().numpy().tobytes()
    at = raw.find(weights[:64])
    assert at > 0
    for offset in (0, 1001, len(weights) - 1):   # one bit of one weight, anywhere in the tensor
        damaged = bytearray(raw)
        damaged[at + offset] ^= 0x01
        with pytest.raises(checkpoint.CheckpointError, match="corrupted"):
            checkpoint.from_bytes(bytes(damaged))
    old = payload(model, dataset.vocab)          # saved before checksums: none stored, still loads
    loaded, _, _ = checkpoint.from_bytes(old)
    assert all(torch.equal(a, b) for a, b in zip(loaded.parameters(), model.parameters()))


def test_checkpoint_with_nan_weights_is_refused(trained):
    model, dataset, _ = trained
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["C"][0, 0] = float("nan")
    with pytest.raises(checkpoint.CheckpointError, match="NaN"):
        checkpoint.from_bytes(payload(model, dataset.vocab, state=state))
    state["C"][0, 0] = float("inf")
    with pytest.raises(checkpoint.CheckpointError, match="NaN or infinite"):
        checkpoint.from_bytes(payload(model, dataset.vocab, state=state))


PEAK_RSS_OF_A_LOAD = """
import resource, sys
from makemore_core import checkpoint
raw = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    checkpoint.from_bytes(raw)
except checkpoint.CheckpointError as e:
    print(e)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_memory_bombs_are_refused_before_allocating(trained, monkeypatch, tmp_path):
    import subprocess
    import sys
    import zipfile
    from pathlib import Path
    model, dataset, _ = trained
    # a file declaring 113 M parameters in 2 KB: its one tensor a stride-0 view of one number
    # (the loader used to build the model first: +1.3 GB)
    big = ModelConfig(n_hidden=2048, hidden_layers=28)
    assert big.num_parameters() > 100_000_000
    fake = {"C": torch.zeros(1).expand(big.num_parameters())}
    raw = payload(model, dataset.vocab, config=big.to_dict(), state=fake)
    assert len(raw) < 100_000
    with pytest.raises(checkpoint.CheckpointError, match="at most 16,000,000"):
        checkpoint.from_bytes(raw)
    (tmp_path / "bomb.pt").write_bytes(raw)   # peak memory, measured in a fresh process
    out = subprocess.run([sys.executable, "-c", PEAK_RSS_OF_A_LOAD, str(tmp_path / "bomb.pt")], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120).stdout.splitlines()
    assert "at most 16,000,000" in out[0] and int(out[-1]) < 100, out    # MB more than before the load
    # a small zip that unpacks to more than the limit (compressed zeros)
    monkeypatch.setattr(checkpoint, "MAX_BYTES", 2**20)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data/0", bytes(2 * 2**20))
    assert len(buffer.getvalue()) < 10_000
    with pytest.raises(checkpoint.CheckpointError, match="unpacks to 2.0 MB"):
        checkpoint.from_bytes(buffer.getvalue())
    with pytest.raises(checkpoint.CheckpointError, match="at most 1.0 MB"):
        checkpoint.from_bytes(bytes(2**20 + 1))
    with pytest.raises(checkpoint.CheckpointError, match="over 1.0 MB"):
        checkpoint.load("/dev/zero")               # reads at most the limit, never forever


class Exploit:
    def __reduce__(self):
        return (open, ("/tmp/makemore-core-test-exploit-ran", "w"))


def test_loading_runs_no_code(tmp_path):
    """weights_only=True: a pickle that would call a function on load is refused, and nothing runs."""
    import os
    marker = "/tmp/makemore-core-test-exploit-ran"
    if os.path.exists(marker):
        os.remove(marker)
    buffer = io.BytesIO()
    torch.save({"format": checkpoint.FORMAT, "payload": Exploit()}, buffer)
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.from_bytes(buffer.getvalue())
    assert not os.path.exists(marker)


def test_check_vocab_against_the_data(trained):
    model, dataset, _ = trained
    checkpoint.check_vocab(dataset.vocab, Vocab(dataset.vocab.itos))
    other = Dataset.from_words(["zoë", "anna", "bob"]).vocab
    with pytest.raises(checkpoint.CheckpointError, match="other characters"):
        checkpoint.check_vocab(dataset.vocab, other)


def test_checkpoint_is_loaded_onto_the_device(trained):
    model, dataset, _ = trained
    loaded, _, _ = checkpoint.from_bytes(checkpoint.to_bytes(model, dataset.vocab), "cpu")
    assert loaded.C.device.type == "cpu" and all(isinstance(b, BatchNorm1d) for b in loaded.batchnorms())
