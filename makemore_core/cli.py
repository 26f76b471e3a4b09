"""Command line: `python -m makemore_core train | stats | sample ...`.

Bad input ends with exit status 2 and one line on stderr, never a traceback.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import torch

from . import bench, checkpoint, fold, sampling
from . import stats as diagnostics
from .data import DataError, Dataset
from .device import describe, pick_device
from .evaluation import split_loss
from .model import MLP, ModelConfig
from .training import Trainer, TrainConfig

LECTURE_DECAY_STEP = 150_000


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + message; we want one line
        raise UsageError(message)


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def seed_int(text):
    value = int(text)
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**64 - 1, got {value}")
    return value


def model_options(p):
    m = p.add_argument_group("model (defaults: the lecture's deep net)")
    m.add_argument("--n-embd", type=int, default=10)
    m.add_argument("--n-hidden", type=int, default=100)
    m.add_argument("--hidden-layers", type=int, default=5)
    m.add_argument("--block-size", type=int, default=3)
    m.add_argument("--gain", type=float, default=1.0)
    m.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=True)
    m.add_argument("--bias", action=argparse.BooleanOptionalAction, default=None,
                   help="default: a bias exactly where no BatchNorm follows")
    m.add_argument("--soften-last", type=float, default=0.1)
    m.add_argument("--fan-in-scaling", action=argparse.BooleanOptionalAction, default=True,
                   help="weights / sqrt(fan_in); --no-fan-in-scaling: plain randn")
    m.add_argument("--bias-init", choices=["zeros", "randn"], default="zeros",
                   help="randn: the lecture's original, un-fixed init")
    m.add_argument("--init", choices=["normal", "zeros"], default="normal",
                   help="zeros: exercise E01, every weight and bias (and C) starts at zero")
    m.add_argument("--nonlinearity", choices=["tanh", "relu", "none"], default="tanh")
    m.add_argument("--seed", type=seed_int, default=2147483647)
    m.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")


def build_parser():
    parser = Parser(prog="python -m makemore_core", description="makemore lab, headless.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    train = sub.add_parser("train", help="train a model")
    train.add_argument("--data", required=True)
    train.add_argument("--steps", type=int, required=True)
    train.add_argument("--batch-size", type=positive_int, default=32)
    train.add_argument("--lr", type=float, default=0.1)
    train.add_argument("--lr-decay-at", type=non_negative_int, default=None, help="default: 75%% of the steps")
    train.add_argument("--lr-decay", type=float, default=0.1)
    train.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    train.add_argument("--stats-every", type=non_negative_int, default=0,
                       help="take the diagnostics every N steps (0: never); for timing their cost")
    train.add_argument("--engine", choices=["fast", "eager"], default="fast",
                       help="fast: hand-written backward, compiled in the background (same losses); "
                            "eager: the notebook's autograd step, the reference")
    train.add_argument("--out")
    train.add_argument("--json", action="store_true")
    model_options(train)

    st = sub.add_parser("stats", help="diagnostics of one forward + backward pass")
    st.add_argument("--data", required=True)
    st.add_argument("--steps", type=int, default=0, help="training updates first (0: at init)")
    st.add_argument("--batch-size", type=positive_int, default=32)
    st.add_argument("--lr", type=float, default=0.1)
    st.add_argument("--lr-decay-at", type=non_negative_int, default=LECTURE_DECAY_STEP)
    st.add_argument("--lr-decay", type=float, default=0.1)
    st.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    st.add_argument("--json", action="store_true")
    model_options(st)

    sm = sub.add_parser("sample", help="sample names from a checkpoint")
    sm.add_argument("--checkpoint", required=True)
    sm.add_argument("-n", type=positive_int, default=20)
    sm.add_argument("--temperature", type=float, default=1.0)
    sm.add_argument("--top-k", type=positive_int, default=None)
    sm.add_argument("--top-p", type=float, default=None)
    sm.add_argument("--beam", type=positive_int, default=None,
                    help="beam search of width W: the most likely names (no randomness; ignores the sampling options)")
    sm.add_argument("--seed", type=seed_int, default=sampling.SAMPLE_SEED)
    sm.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")

    fd = sub.add_parser("fold", help="fold BatchNorm into the Linear layers of a checkpoint (exercise E02)")
    fd.add_argument("--checkpoint", required=True)
    fd.add_argument("--out", required=True)

    bench.add_parser(sub)
    return parser


def model_config(args, vocab_size):
    return ModelConfig(vocab_size=vocab_size, block_size=args.block_size, n_embd=args.n_embd,
                       n_hidden=args.n_hidden, hidden_layers=args.hidden_layers, batchnorm=args.batchnorm,
                       bias=args.bias, gain=args.gain, soften_last=args.soften_last,
                       nonlinearity=args.nonlinearity, seed=args.seed, fan_in_scaling=args.fan_in_scaling,
                       bias_init=args.bias_init, init=args.init)


def train_config(args, steps, decay_at):
    return TrainConfig(steps=steps, batch_size=args.batch_size, lr=args.lr, lr_milestones=[decay_at],
                       lr_factor=args.lr_decay, optimizer=args.optimizer,
                       stats_every=getattr(args, "stats_every", 0))


def check_batch(args):
    if args.batchnorm and args.batch_size < 2:
        raise UsageError("--batch-size must be at least 2 with BatchNorm (one example has no variance)")


def check_out(path):
    """Fail before training, not after it, when the checkpoint cannot be written there."""
    if path is None:
        return
    out = Path(path)
    if out.is_dir():
        raise UsageError(f"--out {path} is a directory; give a file name such as model.pt")
    if not out.parent.is_dir():
        raise UsageError(f"--out {path}: the folder {out.parent} does not exist")


def setup(args):
    check_batch(args)
    device = pick_device(args.device)
    dataset = Dataset.from_path(args.data)
    model = MLP(model_config(args, len(dataset.vocab)), device)
    return device, dataset, dataset.tensors(args.block_size, device), model


class ProgressBar:
    """A one-line progress bar on a terminal (silent when stderr is not one)."""

    def __init__(self, total):
        self.total, self.start, self.enabled = total, time.perf_counter(), sys.stderr.isatty()

    def __call__(self, trainer):
        if not self.enabled:
            return
        done = trainer.step_num
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        filled = int(30 * done / max(self.total, 1))
        eta = (self.total - done) / rate if rate else 0
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{self.total:,} steps"
                         f"  {rate:,.0f} steps/s  loss {trainer.losses[-1]:.4f}  {eta:,.0f}s left ")
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


COMPILE_PAYS_OFF_AT = 5_000  # steps; below this the one-off compile (about 10 s) costs more than it saves


def engine_for(args):
    if args.engine == "fast" and args.steps < COMPILE_PAYS_OFF_AT:
        return "fast-uncompiled"
    return args.engine


def cmd_train(args):
    if args.steps < 0:
        raise UsageError("--steps must not be negative")
    check_out(args.out)
    device, dataset, data, model = setup(args)
    decay_at = args.lr_decay_at if args.lr_decay_at is not None else int(0.75 * args.steps)
    trainer = Trainer(model, data, train_config(args, args.steps, decay_at), engine=engine_for(args))
    bar = ProgressBar(args.steps)
    trainer.run(on_progress=bar, progress_every=max(args.steps // 200, 1))
    bar.close()
    if trainer.status == "diverged":
        raise UsageError(trainer.message)
    losses = {f"{split}_loss": split_loss(model, *data[split]) if len(data[split][0]) else None
              for split in ("train", "val", "test")}
    if args.out:
        checkpoint.save(args.out, model, dataset.vocab, {"train_config": trainer.config.to_dict()})
    s = trainer.summary()
    result = {"steps": s["steps"], "seconds": round(s["seconds"], 3), "steps_per_s": round(s["steps_per_s"], 1),
              "init_loss": s["init_loss"], **losses, "params": model.num_parameters(), "device": describe(device)}
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>12}: {value}")


def cmd_stats(args):
    if args.steps < 0:
        raise UsageError("--steps must not be negative")
    device, dataset, data, model = setup(args)
    trainer = Trainer(model, data, train_config(args, args.steps, args.lr_decay_at))
    bar = ProgressBar(args.steps)
    trainer.run(on_progress=bar, progress_every=max(args.steps // 200, 1))
    bar.close()
    if trainer.status == "diverged":
        raise UsageError(trainer.message)
    # "the next minibatch": drawn from the same generator, exactly as step K+1 would draw it
    Xtr, Ytr = data["train"]
    ix = torch.randint(0, Xtr.shape[0], (args.batch_size,), generator=trainer.g, device=Xtr.device)
    result = diagnostics.without_histograms(diagnostics.diagnose(model, Xtr[ix], Ytr[ix]))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"loss {result['loss']:.4f}   parameters {result['params_total']:,}")
        for r in result["layers"]:
            print(f"layer {r['index']:>2} ({r['kind']:>6}): mean {r['mean']:+.3f}, std {r['std']:.3f}, "
                  f"saturated {r['saturation_pct']:.2f}%, grad std {r['grad_std']:.2e}")
        for r in result["params"]:
            ratio = "undefined" if r["grad_to_data"] is None else f"{r['grad_to_data']:.2e}"
            print(f"{r['name']:>18} {str(tuple(r['shape'])):>10}: grad std {r['grad_std']:.2e}, "
                  f"grad:data {ratio}")


def cmd_sample(args):
    device = pick_device(args.device)
    model, vocab, _ = checkpoint.load(args.checkpoint, device)
    if args.beam:
        names = [name for name, _ in sampling.beam_search(model, vocab, width=args.beam, n=args.n)]
    else:
        names = sampling.sample(model, vocab, n=args.n, seed=args.seed, temperature=args.temperature,
                                top_k=args.top_k, top_p=args.top_p)
    for name in names:
        print(name)


def cmd_fold(args):
    check_out(args.out)
    model, vocab, extra = checkpoint.load(args.checkpoint)
    if not model.batchnorms():
        raise UsageError(f"{args.checkpoint} has no BatchNorm layer: there is nothing to fold")
    folded = fold.fold_batchnorm(model)
    checkpoint.save(args.out, folded, vocab, {**extra, "folded_from": Path(args.checkpoint).name})
    print(f"folded {len(model.batchnorms())} BatchNorm layers: {model.num_parameters():,} -> "
          f"{folded.num_parameters():,} parameters, {len(model.layers)} -> {len(folded.layers)} layers; "
          f"wrote {args.out}")


def cmd_bench(args):
    if bench.main(args) != 0:
        raise UsageError("the engines' first 100 losses disagree (see the table)")


COMMANDS = {"train": cmd_train, "stats": cmd_stats, "sample": cmd_sample, "fold": cmd_fold, "bench": cmd_bench}


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
        COMMANDS[args.command](args)
    except (UsageError, DataError, checkpoint.CheckpointError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # e.g. a file that cannot be read or written
        print(f"error: {e.strerror or e}" + (f": {e.filename}" if e.filename else ""), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - a bug or an exhausted machine: still one line, no traceback
        print(f"error: unexpected {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", file=sys.stderr)
        return 1
    return 0
