"""The command line: `python -m makemore_core train | stats | sample`, end to end and on bad input.

End-to-end runs go through a real subprocess (as a user types them); the many bad inputs call
cli.main in-process, which is what __main__ runs, to stay quick.
"""
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from makemore_core import checkpoint, cli
from makemore_core.data import Dataset
from makemore_core.device import configure_threads
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

ROOT = Path(__file__).resolve().parent.parent
NAMES = "data/names.txt"
TRAIN_KEYS = {"steps", "seconds", "steps_per_s", "init_loss", "train_loss", "val_loss", "test_loss", "params", "device"}

configure_threads()


def run_module(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "makemore_core", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def run_main(capsys, *args):
    """cli.main in-process (relative paths from the repository root); (status, stdout, stderr)."""
    import os
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        status = cli.main(list(args))
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Every 10th name of data/names.txt (vocabulary 27 still): quick runs of the in-process checks."""
    words = (ROOT / NAMES).read_text().splitlines()[::10]
    path = tmp_path_factory.mktemp("small") / "names10.txt"
    path.write_text("\n".join(words) + "\n")
    return str(path)


# ---------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def trained_checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "model.pt"
    proc = run_module("train", "--data", NAMES, "--steps", "300", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_train_json_end_to_end(trained_checkpoint):
    out, proc = trained_checkpoint
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1                                   # one JSON object, nothing else on stdout
    result = json.loads(lines[0])
    assert set(result) == TRAIN_KEYS
    assert result["steps"] == 300 and result["params"] == 47_024 and result["device"] == "CPU"
    assert result["seconds"] > 0 and result["steps_per_s"] > 0
    assert abs(result["init_loss"] - math.log(27)) < 0.05
    assert 2.0 < result["val_loss"] < result["init_loss"]
    assert all(isinstance(result[k], float) for k in ("train_loss", "val_loss", "test_loss"))
    assert proc.stderr == ""                                 # no progress bar when stderr is not a terminal
    assert out.is_file()


def test_sample_end_to_end(trained_checkpoint, capsys):
    out, _ = trained_checkpoint
    proc = run_module("sample", "--checkpoint", str(out))
    assert proc.returncode == 0, proc.stderr
    names = proc.stdout.splitlines()
    assert len(names) == 20 and all(n == n.strip() and set(n) <= set("abcdefghijklmnopqrstuvwxyz") for n in names)
    _, again, _ = run_main(capsys, "sample", "--checkpoint", str(out))
    assert again == proc.stdout                                                     # seeded: the same names


def test_sample_options(trained_checkpoint, capsys):
    out, _ = trained_checkpoint
    status, stdout, _ = run_main(capsys, "sample", "--checkpoint", str(out), "-n", "5", "--seed", "3",
                                 "--temperature", "0.8", "--top-k", "5", "--top-p", "0.9")
    assert status == 0 and len(stdout.splitlines()) == 5
    status, beam, _ = run_main(capsys, "sample", "--checkpoint", str(out), "--beam", "4", "-n", "4")
    assert status == 0 and len(beam.splitlines()) == 4
    model, vocab, extra = checkpoint.load(out)
    from makemore_core.sampling import beam_search
    assert beam.splitlines() == [name for name, _ in beam_search(model, vocab, width=4, n=4)]
    assert extra["train_config"]["lr_milestones"] == [225]          # 75% of 300 steps


def test_stats_json_schema(capsys):
    status, stdout, _ = run_main(capsys, "stats", "--data", NAMES, "--json")
    assert status == 0
    result = json.loads(stdout)
    assert set(result) == {"loss", "layers", "params", "params_total"}
    assert result["params_total"] == 47_024 and isinstance(result["loss"], float)
    assert [r["kind"] for r in result["layers"]] == ["tanh"] * 5
    assert [r["index"] for r in result["layers"]] == [2, 5, 8, 11, 14]
    for r in result["layers"]:
        assert set(r) == {"index", "kind", "mean", "std", "saturation_pct", "grad_mean", "grad_std"}
        assert 0 <= r["saturation_pct"] <= 100 and r["std"] > 0
    assert [p["name"] for p in result["params"]] == ["C"] + [f"layers.{i}.weight" for i in (0, 3, 6, 9, 12, 15)]
    for p in result["params"]:
        assert set(p) == {"name", "shape", "grad_mean", "grad_std", "grad_to_data"} and len(p["shape"]) == 2
    assert result["params"][0]["shape"] == [27, 10]


def test_stats_at_init_is_the_first_minibatch_of_train(capsys, small):
    """stats --steps 0 diagnoses the minibatch that train's step 0 trains on: the same loss."""
    _, stats_out, _ = run_main(capsys, "stats", "--data", small, "--json")
    _, train_out, _ = run_main(capsys, "train", "--data", small, "--steps", "1", "--json", "--engine", "eager")
    # Two code paths (the stats pass keeps every layer's gradient) may sum in another order on another
    # processor's kernels: float32 rounding (~1e-7 of 3.3); another minibatch would differ by ~1e-2.
    assert json.loads(stats_out)["loss"] == pytest.approx(json.loads(train_out)["init_loss"], abs=1e-5)


def test_stats_after_k_updates_follows_the_lectures_schedule(capsys, default_names):
    _, stdout, _ = run_main(capsys, "stats", "--data", NAMES, "--steps", "5", "--json")
    dataset = Dataset.from_path(default_names)
    # lr 0.1 throughout: the lecture decays at step 150,000, not at 75% of the 5 steps
    trainer = Trainer(MLP(ModelConfig()), dataset.tensors(3), TrainConfig(steps=6, lr_milestones=[150_000]))
    trainer.run()
    assert json.loads(stdout)["loss"] == pytest.approx(trainer.losses[5], abs=1e-6)


@pytest.mark.parametrize("options, kind", [(["--nonlinearity", "relu"], "relu"), (["--nonlinearity", "none"], "linear")])
def test_stats_kinds(capsys, small, options, kind):
    _, stdout, _ = run_main(capsys, "stats", "--data", small, "--json", *options)
    assert {r["kind"] for r in json.loads(stdout)["layers"]} == {kind}


def test_stats_text_output(capsys, small):
    status, stdout, _ = run_main(capsys, "stats", "--data", small, "--gain", "0")   # grad:data undefined: zeros
    assert status == 0 and "parameters 47,024" in stdout and "undefined" in stdout


@pytest.mark.parametrize("options, params", [
    ([], 47_024),
    (["--no-batchnorm"], 27 * 10 + (30 * 100 + 100) + 4 * (100 * 100 + 100) + (100 * 27 + 27)),   # bias everywhere
    (["--no-batchnorm", "--no-bias"], 27 * 10 + 30 * 100 + 4 * 100 * 100 + 100 * 27),
    (["--bias"], 47_024 + 5 * 100 + 27),
    (["--n-embd", "4", "--n-hidden", "8", "--hidden-layers", "1", "--block-size", "5"],
     27 * 4 + 20 * 8 + 2 * 8 + 8 * 27 + 2 * 27),
])
def test_model_options_and_bias_default(capsys, small, options, params):
    status, stdout, _ = run_main(capsys, "train", "--data", small, "--steps", "0", "--json", *options)
    assert status == 0
    result = json.loads(stdout)
    assert result["params"] == params and result["steps"] == 0 and result["init_loss"] is None


def test_train_text_output_and_options(capsys, small):
    status, stdout, _ = run_main(capsys, "train", "--data", small, "--steps", "20", "--lr", "0.05",
                                 "--lr-decay-at", "10", "--lr-decay", "0.5", "--optimizer", "adam",
                                 "--batch-size", "16", "--gain", "1.6667", "--soften-last", "0.5",
                                 "--seed", "1", "--device", "cpu", "--stats-every", "5")
    assert status == 0
    assert "val_loss:" in stdout and "params: 47024" in stdout and "device: CPU" in stdout


def test_progress_bar_on_a_terminal(monkeypatch, small):
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    stdout, stderr = io.StringIO(), Terminal()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.chdir(ROOT)
    assert cli.main(["train", "--data", small, "--steps", "400", "--json"]) == 0
    bar = stderr.getvalue()
    assert "\r[" in bar and "400/400 steps" in bar and "steps/s" in bar and bar.endswith("\n")
    assert set(json.loads(stdout.getvalue())) == TRAIN_KEYS            # stdout stays clean JSON


# ---------------------------------------------------------------- bad input: exit 2, one line, no traceback

@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    files = {
        "empty": b"", "binary": b"\x7fELF\x02\x01\x01\x00\x00\x00", "latin1": "zoë\nanna\n".encode("latin-1"),
        "space": b"anna\nmary jane\n", "dot": b"anna\nj.r\n", "one": b"solo\n",
        "many_chars": "\n".join(chr(0x4E00 + i) for i in range(101)).encode(),
        "garbage.pt": b"this is not a checkpoint",
    }
    for name, raw in files.items():
        (d / name).write_bytes(raw)
    (d / "big").write_bytes(b"ab\n" * (5 * 1024 * 1024 // 3 + 10))
    (d / "lines").write_bytes(b"a\n" * 500_001)
    truncated = d / "truncated.pt"
    good = checkpoint.to_bytes(MLP(ModelConfig()), Dataset.from_path(ROOT / NAMES).vocab)
    truncated.write_bytes(good[: len(good) // 2])
    nan_model = MLP(ModelConfig())
    with torch.no_grad():
        nan_model.C[3, 1] = float("nan")
    checkpoint.save(d / "nan.pt", nan_model, Dataset.from_path(ROOT / NAMES).vocab)
    flipped = bytearray(good)   # one byte of the embedding table C changed: the checksum catches it
    at = good.find(MLP(ModelConfig()).C.detach().numpy().tobytes()[:64])
    flipped[at + 13] ^= 0x40
    (d / "flipped.pt").write_bytes(bytes(flipped))
    return d


BAD = [
    # (arguments, what the message must mention)
    (["train", "--data", "{d}/missing.txt", "--steps", "5"], "no such file"),
    (["train", "--data", "{d}", "--steps", "5"], "no such file"),
    (["train", "--data", "{d}/empty", "--steps", "5"], "empty"),
    (["train", "--data", "{d}/binary", "--steps", "5"], "binary"),
    (["train", "--data", "{d}/latin1", "--steps", "5"], "UTF-8"),
    (["train", "--data", "{d}/space", "--steps", "5"], "whitespace"),
    (["train", "--data", "{d}/dot", "--steps", "5"], "'.'"),
    (["train", "--data", "{d}/one", "--steps", "5"], "at least 2"),
    (["train", "--data", "{d}/many_chars", "--steps", "5"], "distinct characters"),
    (["train", "--data", "{d}/big", "--steps", "5"], "5 MB"),
    (["train", "--data", "{d}/lines", "--steps", "5"], "500,000"),
    (["train", "--data", NAMES, "--steps", "-1"], "--steps"),
    (["train", "--data", NAMES, "--steps", "many"], "--steps"),
    (["train", "--data", NAMES], "--steps"),
    (["train", "--steps", "5"], "--data"),
    (["train", "--data", NAMES, "--steps", "5", "--n-hidden", "0"], "n_hidden"),
    (["train", "--data", NAMES, "--steps", "5", "--n-embd", "-3"], "n_embd"),
    (["train", "--data", NAMES, "--steps", "5", "--hidden-layers", "-1"], "hidden_layers"),
    (["train", "--data", NAMES, "--steps", "5", "--block-size", "20"], "block_size"),
    (["train", "--data", NAMES, "--steps", "5", "--block-size", "0"], "block_size"),
    (["train", "--data", NAMES, "--steps", "5", "--lr", "0"], "learning rate"),
    (["train", "--data", NAMES, "--steps", "5", "--lr", "nan"], "learning rate"),
    (["train", "--data", NAMES, "--steps", "5", "--lr-decay", "0"], "decay"),
    (["train", "--data", NAMES, "--steps", "5", "--lr-decay-at", "-4"], "--lr-decay-at"),
    (["train", "--data", NAMES, "--steps", "5", "--batch-size", "0"], "--batch-size"),
    (["train", "--data", NAMES, "--steps", "5", "--batch-size", "1"], "BatchNorm"),
    (["train", "--data", NAMES, "--steps", "5", "--gain", "-1"], "gain"),
    (["train", "--data", NAMES, "--steps", "5", "--soften-last", "inf"], "soften_last"),
    (["train", "--data", NAMES, "--steps", "5", "--nonlinearity", "sigmoid"], "--nonlinearity"),
    (["train", "--data", NAMES, "--steps", "5", "--optimizer", "lbfgs"], "--optimizer"),
    (["train", "--data", NAMES, "--steps", "5", "--seed", "-1"], "--seed"),
    (["train", "--data", NAMES, "--steps", "5", "--seed", str(2**64)], "--seed"),
    (["train", "--data", NAMES, "--steps", "5", "--device", "tpu"], "--device"),
    (["train", "--data", NAMES, "--steps", "5", "--stats-every", "-1"], "--stats-every"),
    (["train", "--data", NAMES, "--steps", "5", "--out", "{d}/no/such/folder/m.pt"], "does not exist"),
    (["train", "--data", NAMES, "--steps", "5", "--out", "{d}"], "directory"),
    (["train", "--data", NAMES, "--steps", "50", "--lr", "100", "--no-batchnorm", "--nonlinearity", "none"],
     "learning rate"),                                                   # diverges: says so, keeps calm
    (["stats", "--data", NAMES, "--steps", "-2"], "--steps"),
    (["stats", "--data", "{d}/space"], "whitespace"),
    (["stats", "--data", NAMES, "--batch-size", "1"], "BatchNorm"),
    (["sample", "--checkpoint", "{d}/missing.pt"], "cannot read"),
    (["sample", "--checkpoint", "{d}"], "cannot read"),
    (["sample", "--checkpoint", "{d}/garbage.pt"], "not a makemore lab checkpoint"),
    (["sample", "--checkpoint", "{d}/truncated.pt"], "not a makemore lab checkpoint"),
    (["sample", "--checkpoint", "{d}/empty"], "not a makemore lab checkpoint"),
    (["sample", "--checkpoint", "{d}/nan.pt"], "NaN"),
    (["sample", "--checkpoint", "{d}/nan.pt", "--beam", "3"], "NaN"),
    (["sample", "--checkpoint", "{d}/flipped.pt"], "corrupted"),
    (["sample", "--checkpoint", "/dev/zero"], "limit"),          # read up to the limit, not forever
    (["sample"], "--checkpoint"),
    (["sample", "--checkpoint", "{ckpt}", "--temperature", "0"], "temperature"),
    (["sample", "--checkpoint", "{ckpt}", "--temperature", "-1"], "temperature"),
    (["sample", "--checkpoint", "{ckpt}", "--top-k", "0"], "--top-k"),
    (["sample", "--checkpoint", "{ckpt}", "--top-p", "1.5"], "top-p"),
    (["sample", "--checkpoint", "{ckpt}", "--top-p", "0"], "top-p"),
    (["sample", "--checkpoint", "{ckpt}", "-n", "0"], "-n"),
    (["sample", "--checkpoint", "{ckpt}", "--beam", "0"], "--beam"),
    (["sample", "--checkpoint", "{ckpt}", "--seed", "x"], "--seed"),
    (["fly"], "invalid choice"),
    ([], "command"),
]


@pytest.fixture(scope="module")
def small_checkpoint(tmp_path_factory, default_names):
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    dataset = Dataset.from_path(default_names)
    checkpoint.save(path, MLP(ModelConfig()), dataset.vocab)
    return path


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_input_exits_2_with_one_line(capsys, bad_files, small_checkpoint, args, message):
    args = [a.format(d=bad_files, ckpt=small_checkpoint) for a in args]
    status, stdout, stderr = run_main(capsys, *args)
    assert status == 2, stderr
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert message in lines[0]
    assert "Traceback" not in stderr


def test_checkpoint_whose_vocabulary_differs_from_the_data(tmp_path, capsys):
    """A checkpoint trained on other characters is refused with a clear message when it meets data."""
    other = Dataset.from_words(["zoë", "anna", "bob", "ëlla"])
    path = tmp_path / "other.pt"
    checkpoint.save(path, MLP(ModelConfig(vocab_size=len(other.vocab))), other.vocab)
    model, vocab, _ = checkpoint.load(path)
    with pytest.raises(checkpoint.CheckpointError, match="other characters"):
        checkpoint.check_vocab(vocab, Dataset.from_path(ROOT / NAMES).vocab)
    status, stdout, _ = run_main(capsys, "sample", "--checkpoint", str(path), "-n", "3")
    assert status == 0 and len(stdout.splitlines()) == 3        # on its own it samples its own characters


def test_bad_input_through_the_real_entry_point(bad_files):
    for args in (["train", "--data", str(bad_files / "space"), "--steps", "5"],
                 ["sample", "--checkpoint", str(bad_files / "garbage.pt")]):
        proc = run_module(*args)
        assert proc.returncode == 2
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
        assert proc.stdout == ""


def test_help_exits_0():
    proc = run_module("train", "--help")
    assert proc.returncode == 0 and "--bias" in proc.stdout and "--soften-last" in proc.stdout
    assert "--n-embd" in proc.stdout and "--device" in proc.stdout


def test_cuda_requested_without_a_gpu(capsys):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    status, _, stderr = run_main(capsys, "train", "--data", NAMES, "--steps", "1", "--device", "cuda")
    assert status == 2 and "no CUDA GPU" in stderr


def test_train_engines_agree(tmp_path):
    """--engine fast (the default) and --engine eager train to the same losses."""
    results = {}
    for engine in ("fast", "eager"):
        out = subprocess.run([sys.executable, "-m", "makemore_core", "train", "--data", "data/names.txt",
                              "--steps", "300", "--json", "--engine", engine], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent.parent, check=True)
        results[engine] = json.loads(out.stdout)
    for key in ("train_loss", "val_loss", "test_loss"):
        assert abs(results["fast"][key] - results["eager"][key]) < 1e-5
    assert results["fast"]["params"] == results["eager"]["params"] == 47024


# ---------------------------------------------------------------- --stage

@pytest.mark.parametrize("stage, params", [("original", 11_897), ("batchnorm", 12_097), ("deep", 47_024)])
def test_stats_stage_json(capsys, default_names, stage, params):
    """stats --stage S: the stage's net at init, diagnosed on the first minibatch (the step-0 loss)."""
    status, stdout, _ = run_main(capsys, "stats", "--stage", stage, "--data", NAMES, "--json")
    assert status == 0
    result = json.loads(stdout)
    assert result["stage"] == stage and result["params_total"] == params
    from makemore_core.stages import stage_configs
    model_config, _ = stage_configs(stage)
    trainer = Trainer(MLP(model_config), Dataset.from_path(default_names).tensors(3), TrainConfig(steps=1))
    trainer.run()
    assert result["loss"] == pytest.approx(trainer.losses[0], abs=1e-6)


def test_stage_options_the_user_did_not_give_keep_the_stage(capsys, small):
    """argparse defaults never override a stage; an option that is typed does."""
    _, staged, _ = run_main(capsys, "train", "--stage", "original", "--data", small, "--steps", "0", "--json")
    assert json.loads(staged)["params"] == 11_897 and json.loads(staged)["stage"] == "original"
    _, wider, _ = run_main(capsys, "train", "--stage", "original", "--data", small, "--steps", "0", "--json",
                           "--n-hidden", "100")
    assert json.loads(wider)["params"] == 27 * 10 + 30 * 100 + 100 + 100 * 27 + 27
    _, plain, _ = run_main(capsys, "train", "--data", small, "--steps", "0", "--json")
    assert json.loads(plain)["params"] == 47_024 and "stage" not in json.loads(plain)


def test_train_stage_schedule_and_overrides(tmp_path, capsys, small):
    out = tmp_path / "bn.pt"
    status, stdout, _ = run_main(capsys, "train", "--stage", "batchnorm", "--data", small, "--steps", "30",
                                 "--out", str(out), "--json")
    assert status == 0
    result = json.loads(stdout)
    assert result["params"] == 12_097 and set(result["calibrated"]) == {"train", "val"}
    model, _, extra = checkpoint.load(out)
    assert extra["train_config"]["lr_milestones"] == [100_000]           # the stage's, not 75% of 30
    assert model.config.batchnorm_kind == "lecture" and model.config.init_scales == (("kaiming", 0.01), (0.01, 0.0))
    status, stdout, _ = run_main(capsys, "train", "--stage", "batchnorm", "--data", small, "--steps", "30",
                                 "--lr-decay-at", "10", "--lr", "0.05", "--out", str(out), "--json")
    assert status == 0 and checkpoint.load(out)[2]["train_config"]["lr_milestones"] == [10]
    assert checkpoint.load(out)[2]["train_config"]["lr"] == 0.05


@pytest.mark.parametrize("args, message", [
    (["train", "--stage", "fixed", "--data", NAMES, "--steps", "5"], "invalid choice: 'fixed'"),
    (["stats", "--stage", "batchnorm", "--data", NAMES, "--batch-size", "1"], "BatchNorm"),
    (["train", "--stage", "original", "--data", NAMES, "--steps", "5", "--n-hidden", "0"], "n_hidden"),
])
def test_bad_stage_input_exits_2_with_one_line(capsys, args, message):
    status, stdout, stderr = run_main(capsys, *args)
    assert status == 2 and stdout == "" and len(stderr.splitlines()) == 1 and message in stderr


def test_a_learning_rate_far_too_high_is_reported_as_diverged(capsys, small):
    """lr 1e6 never makes the loss NaN (it sits near 1e7): still exit 2 with one line saying so."""
    status, stdout, stderr = run_main(capsys, "train", "--data", small, "--steps", "1000", "--lr", "1e6", "--json")
    assert status == 2 and stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1 and "uniform guess" in lines[0] and "Lower the learning rate" in lines[0]


def test_train_decays_at_75_percent_and_stats_at_the_lectures_step():
    """`train --steps K` decays at 75% of K; `stats --steps K` is the lecture's run at step K (x0.1 at
    150,000) unless a schedule is given."""
    def milestones(*argv):
        return cli.configs(cli.build_parser().parse_args([*argv, "--data", NAMES, "--steps", "1000"]), 27)[1].lr_milestones
    assert milestones("train") == [750]
    assert milestones("stats") == [150_000]
    assert milestones("stats", "--lr-decay-at", "750") == [750]
    assert milestones("stats", "--stage", "kaiming") == [100_000]