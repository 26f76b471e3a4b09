"""Command line: `python -m makemore_core train | stats | sample | fold | prepare ...`.

Bad input ends with exit status 2 and one line on stderr, never a traceback.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import torch

from . import checkpoint, diagnostics, fold, lecture_data, lossbook, prepare, sampling
from .data import DataError, Dataset
from .device import describe, pick_device
from .engine import COMPILE_PAYS_OFF_AT
from .evaluation import calibrated_split_losses, split_loss
from .model import MLP, ModelConfig
from .stages import STAGE_DESCRIPTIONS, STAGES, stage_configs
from .training import ENGINES, TrainConfig, Trainer, decay_step


class UsageError(Exception):
    pass


LECTURE = "lecture"   # --data lecture: the lecture's own names.txt (makemore_core.lecture_data)
DATA_HELP = "a word list (one word a line), or `lecture` for the lecture's names.txt (downloaded once, checked)"


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


# Options left unset (None) take the stage's value, or without --stage ModelConfig's / TrainConfig's
# default: an option the user did not type never overrides a stage.
MODEL_OPTIONS = ("n_embd", "n_hidden", "hidden_layers", "block_size", "gain", "batchnorm", "bias", "soften_last",
                 "fan_in_scaling", "bias_init", "init", "nonlinearity", "seed")


def model_options(p):
    d = ModelConfig()
    m = p.add_argument_group("model (defaults: the --stage's, else the lecture's deep net)")
    m.add_argument("--stage", choices=STAGES, default=None,
                   help="one of the lecture's nets, with its init and schedule: "
                        + "; ".join(f"{name}: {text}" for name, text in STAGE_DESCRIPTIONS.items()).replace("%", "%%"))
    m.add_argument("--n-embd", type=int, help=f"default {d.n_embd}")
    m.add_argument("--n-hidden", type=int, help=f"default {d.n_hidden}")
    m.add_argument("--hidden-layers", type=int, help=f"default {d.hidden_layers}")
    m.add_argument("--block-size", type=int, help=f"default {d.block_size}")
    m.add_argument("--gain", type=float, help=f"default {d.gain}")
    m.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, help="default: on")
    m.add_argument("--bias", action=argparse.BooleanOptionalAction,
                   help="default: a bias exactly where no BatchNorm follows")
    m.add_argument("--soften-last", type=float, help=f"default {d.soften_last}")
    m.add_argument("--fan-in-scaling", action=argparse.BooleanOptionalAction,
                   help="weights / sqrt(fan_in) (default); --no-fan-in-scaling: plain randn")
    m.add_argument("--bias-init", choices=["zeros", "randn"], help="randn: the lecture's original, un-fixed init")
    m.add_argument("--init", choices=["normal", "zeros"],
                   help="zeros: exercise E01, every weight and bias (and C) starts at zero (default normal)")
    m.add_argument("--nonlinearity", choices=["tanh", "relu", "none"], help="default tanh")
    m.add_argument("--seed", type=seed_int, help=f"default {d.seed}")
    m.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")


def schedule_options(p, decay_default):
    d = TrainConfig()
    p.add_argument("--batch-size", type=positive_int, help=f"default {d.batch_size}")
    p.add_argument("--lr", type=float, help=f"default {d.lr}")
    p.add_argument("--lr-decay-at", type=non_negative_int, help=f"default: the --stage's, else {decay_default}")
    p.add_argument("--lr-decay", type=float, help=f"lr x this at --lr-decay-at (default {d.lr_factor})")
    p.add_argument("--optimizer", choices=["sgd", "adam"], help=f"default {d.optimizer}")


def build_parser():
    parser = Parser(prog="python -m makemore_core", description="makemore lab, headless.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    train = sub.add_parser("train", help="train a model")
    train.add_argument("--data", required=True, help=DATA_HELP)
    train.add_argument("--steps", type=int, help="required, unless --stage gives the lecture's 200,000")
    schedule_options(train, "75%% of --steps")
    train.add_argument("--stats-every", type=non_negative_int, default=0,
                       help="take the diagnostics every N steps (0: never); for timing their cost")
    train.add_argument("--engine", choices=list(ENGINES), default="fast",
                       help="; ".join(f"{name}: {text}" for name, text in ENGINES.items())
                            + f" (fast runs uncompiled below {COMPILE_PAYS_OFF_AT:,} steps)")
    train.add_argument("--out")
    train.add_argument("--json", action="store_true")
    model_options(train)

    st = sub.add_parser("stats", help="diagnostics of one forward + backward pass")
    st.add_argument("--data", required=True, help=DATA_HELP)
    st.add_argument("--steps", type=int, default=0,
                    help="training updates first (0: at init), on the lecture's schedule: the statistics of its run at that step")
    schedule_options(st, "the lecture's step 150,000")
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

    pr = sub.add_parser("prepare", help="compute everything the Lecture page shows, once, into the cache the "
                                         "server reads ($MAKEMORE_CACHE_DIR)")
    pr.add_argument("--data", required=True)
    pr.add_argument("--loss-log-steps", type=positive_int, default=None,
                    help="steps of each loss log run (default: the lecture's 200,000, what the page reads)")
    pr.add_argument("--quick", action="store_true", help="loss log runs of 1,000 steps (a test of the setup)")
    pr.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu")
    return parser


def configs(args, vocab_size):
    """(ModelConfig, TrainConfig): the --stage's (or the defaults), then every option the user gave."""
    model = {key: getattr(args, key) for key in MODEL_OPTIONS if getattr(args, key) is not None}
    given = {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "optimizer": args.optimizer,
             "lr_factor": args.lr_decay, "lr_milestones": None if args.lr_decay_at is None else [args.lr_decay_at]}
    train = {key: value for key, value in given.items() if value is not None}
    train["stats_every"] = getattr(args, "stats_every", 0)
    if args.stage:
        model_config, train_config = stage_configs(args.stage, vocab_size, **model, **train)
    else:
        if args.command == "train":   # stats: the lecture's run at step K (TrainConfig's x0.1 at 150,000)
            train.setdefault("lr_milestones", [decay_step(train.get("steps", 0))])
        model_config, train_config = ModelConfig(vocab_size=vocab_size, **model), TrainConfig(**train)
    if model_config.batchnorm and train_config.batch_size < 2:
        raise UsageError("--batch-size must be at least 2 with BatchNorm (one example has no variance)")
    return model_config, train_config


def check_out(path):
    """Fail before training, not after it, when the checkpoint cannot be written there."""
    if path is None:
        return
    out = Path(path)
    if out.is_dir():
        raise UsageError(f"--out {path} is a directory; give a file name such as model.pt")
    if not out.parent.is_dir():
        raise UsageError(f"--out {path}: the folder {out.parent} does not exist")


def load_dataset(data: str) -> Dataset:
    """A word list's path, or `lecture`: the lecture's names.txt, downloaded once and checked."""
    if data != LECTURE or Path(data).exists():
        return Dataset.from_path(data)
    try:
        raw = lecture_data.fetch(lossbook.cache_root() / "uploads" / f"{lecture_data.SHA256}.txt")
    except lecture_data.LectureDataError as e:
        raise UsageError(f"--data lecture: {e}") from None
    return Dataset.from_bytes(raw, lecture_data.NAME)


def setup(args):
    """-> device, dataset, its tensors, the model, its TrainConfig."""
    dataset = load_dataset(args.data)
    model_config, train_config = configs(args, len(dataset.vocab))
    device = pick_device(args.device)
    model = MLP(model_config, device)
    return device, dataset, dataset.tensors(model_config.block_size, device), model, train_config


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




def engine_for(args, steps):
    if args.engine == "fast" and steps < COMPILE_PAYS_OFF_AT:
        return "fast-uncompiled"
    return args.engine


def check_steps(args):
    if args.steps is not None and args.steps < 0:
        raise UsageError("--steps must not be negative")


def cmd_train(args):
    check_steps(args)
    if args.steps is None and not args.stage:
        raise UsageError("the following arguments are required: --steps (or --stage, for the lecture's 200,000)")
    check_out(args.out)
    device, dataset, data, model, config = setup(args)
    trainer = Trainer(model, data, config, engine=engine_for(args, config.steps))
    bar = ProgressBar(config.steps)
    trainer.run(on_progress=bar, progress_every=max(config.steps // 200, 1))
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
    if args.stage:   # the stage, and for a BatchNorm net the notebook's calibration pass (its cell 9)
        result["stage"] = args.stage
        if model.batchnorms():
            result["calibrated"] = calibrated_split_losses(model, data)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>12}: {value}")


def cmd_stats(args):
    check_steps(args)
    device, dataset, data, model, config = setup(args)
    trainer = Trainer(model, data, config)
    bar = ProgressBar(config.steps)
    trainer.run(on_progress=bar, progress_every=max(config.steps // 200, 1))
    bar.close()
    if trainer.status == "diverged":
        raise UsageError(trainer.message)
    # "the next minibatch": drawn from the same generator, exactly as step K+1 would draw it
    Xtr, Ytr = data["train"]
    ix = torch.randint(0, Xtr.shape[0], (config.batch_size,), generator=trainer.g, device=Xtr.device)
    result = diagnostics.without_histograms(diagnostics.diagnose(model, Xtr[ix], Ytr[ix]))
    if args.stage:
        result["stage"] = args.stage
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


def cmd_prepare(args):
    steps = args.loss_log_steps or (1_000 if args.quick else lossbook.STEPS)
    dataset = Dataset.from_path(args.data)
    bar = PrepareBar()
    timings = prepare.prepare(dataset, bar, loss_log_steps=steps, device=pick_device(args.device))
    bar.close()
    for label, seconds in timings:
        print(f"{seconds:8.1f} s  {label}" if seconds else f"   ready    {label}")
    print(f"{sum(s for _, s in timings):8.1f} s  in all; cache: {lossbook.cache_root()}")


class PrepareBar:
    """prepare's progress on one terminal line (silent when stderr is not a terminal)."""

    def __init__(self):
        self.enabled = sys.stderr.isatty()

    def __call__(self, fraction, text):
        if self.enabled:
            filled = int(30 * fraction)
            sys.stderr.write(f"\r\033[K[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {text[:90]}")
            sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


COMMANDS = {"train": cmd_train, "stats": cmd_stats, "sample": cmd_sample, "fold": cmd_fold, "prepare": cmd_prepare}


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
