"""Hostile checkpoint files, each a few kilobytes, for the tests of checkpoint.from_bytes's bounds.

Each is a valid torch.save archive (weights_only loads it) whose small pickle unpacks into something
that costs gigabytes, or a traceback, if anything expands it before checking: one list shared many
times over (the pickle stores it once), a stride-0 tensor of a huge shape, nesting 100,000 deep,
long strings, settings or vocabulary entries the config does not declare.
"""
import io
import struct
import zipfile

import torch

from makemore_core import MLP, ModelConfig, Vocab
from makemore_core.checkpoint import FORMAT, digest

VOCAB = Vocab("abcdefghijklmnopqrstuvwxyz")
MARKER = 1_234_567_891   # an int the pickle stores as BININT, replaced by raw opcodes after saving


def shared(depth, width=100):
    """A list that expands to width**depth zeros and pickles to about 2 * width * depth bytes."""
    node = [0] * width
    for _ in range(depth - 1):
        node = [node] * width
    return node


def payload(signed=False, **changes):
    """A small valid checkpoint's payload (a 1-layer net), with `changes` applied to its top level,
    config, vocabulary or state (keys "config.x", "state.x"; a value None removes the key).
    signed: with the checksum of what it holds (else a wrong one: only what expands before the
    checksum is compared matters then)."""
    model = MLP(ModelConfig(n_hidden=8, hidden_layers=1))
    p = {"format": FORMAT, "config": model.config.to_dict(), "itos": list(VOCAB.itos), "state": model.state_dict(),
         "extra": {}, "sha256": "0" * 64}
    for key, value in changes.items():
        where, _, name = key.partition(".") if "." in key else ("", "", key)
        target = p[where] if where else p
        if value is None:
            del target[name]
        else:
            target[name] = value
    if signed:
        p["sha256"] = digest(p["config"], p["itos"], p["state"])
    return p


def save(p):
    buffer = io.BytesIO()
    torch.save(p, buffer)
    return buffer.getvalue()


def patched(raw, old, new):
    """The archive with the one occurrence of the bytes `old` in its pickle (data.pkl) replaced by `new`."""
    source, out = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("data.pkl"):
                assert data.count(old) == 1
                data = data.replace(old, new)
            target.writestr(info, data)
    return out.getvalue()


def deep(where, depth=100_000):
    """A checkpoint whose `where` (e.g. "config.notes") is one list nested `depth` deep: the pickle's
    opcodes EMPTY_LIST x depth, APPEND x depth-1 (pickle itself would recurse to write it)."""
    raw = save(payload(True, **{where: [MARKER]}))
    return patched(raw, b"J" + struct.pack("<i", MARKER), b"]" * depth + b"a" * (depth - 1))


def crafted():
    """{name: (bytes, what it tries)}."""
    stride0 = torch.zeros(1).expand(20_000, 25_000)    # 2 GB once made contiguous; 4 bytes stored
    files = {
        "valid": (save(payload(True)), "a small valid checkpoint: it loads"),
        "shared-config-key": (save(payload(**{"config.notes": shared(5, 50)})),
                              "an unknown config key holding one list of 50 zeros shared 50**4 times (3e8 zeros)"),
        "shared-init-scales": (save(payload(**{"config.init_scales": [[shared(4), 0.0]] * 2})),
                               "init_scales whose weight scale is 1e8 shared zeros (the error message prints it)"),
        "stride0-unknown-key": (save(payload(**{"state.layers.9.extra": stride0})),
                                "a stride-0 tensor of 20,000 x 25,000 under a key the config does not declare"),
        "stride0-known-key": (save(payload(**{"state.C": stride0})),
                              "the embedding table C as a stride-0 tensor of 20,000 x 25,000"),
        "deep-config": (deep("config.notes"),
                        "an unknown config key nested 100,000 lists deep"),
        "deep-extra": (deep("extra.notes"),
                       "metadata (extra) nested 100,000 lists deep"),
        "long-string": (save(payload(True, **{"config.nonlinearity": "x" * 500_000})),
                        "a config string of 500,000 characters (echoed in the error message)"),
        "markdown-vocab": (save(payload(True, itos=["."] + [f"[{c}](https://evil.example.com/{c})" for c in "abcdefghijklm"
                                                      "nopqrstuvwxyz"])),
                           "vocabulary entries that are markdown links, not single characters"),
        "unknown-config-key": (save(payload(True, **{"config.colour": "red"})), "a config setting that does not exist"),
        "shared-extra": (save(payload(True, **{"extra.notes": shared(4)})), "metadata holding 1e8 shared zeros"),
        "huge-storage": (patched(save(payload(True)), b"M" + struct.pack("<H", 270), b"\x8a\x05" + (10**10).to_bytes(5, "little")),
                         "the storage of C (270 numbers, 1,080 bytes stored) declared as 1e10 numbers"),
    }
    return files


# ---------------------------------------------------------------- a load under an address-space cap

def _upload_page():
    """The pages' checkpoint uploader (ui.state.upload_checkpoint_widget), as an AppTest script."""
    from ui import state
    state.upload_checkpoint_widget("crafted_upload")


def probe(how, paths, cap_mb):
    """Load each of `paths` the way `how` says (cli: `sample --checkpoint`; upload: the pages' upload path)
    with the address space capped at cap_mb above what the imports took.
    -> [{status, message (300 characters at most), message_chars, base_mb, peak_mb}], peak_mb the
    process's high-water mark after that file."""
    import contextlib
    import resource

    from streamlit.testing.v1 import AppTest

    import ui.state  # noqa: F401  (imported before the cap is measured)
    from makemore_core import cli

    def max_rss_mb():
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    with open("/proc/self/status") as f:
        vm_size = next(int(line.split()[1]) for line in f if line.startswith("VmSize:")) * 1024
    cap = vm_size + cap_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    base, results = max_rss_mb(), []
    for path in paths:
        if how == "cli":
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                status = cli.main(["sample", "--checkpoint", path, "-n", "1", "--device", "cpu"])
            message = err.getvalue()
        else:
            with open(path, "rb") as f:
                raw = f.read()
            at = AppTest.from_function(_upload_page, default_timeout=120).run()
            at.file_uploader(key="crafted_upload").set_value(("crafted.pt", raw, "application/octet-stream")).run()
            status = "exception" if at.exception else "error" if at.error else "loaded" if at.success else "nothing"
            message = at.exception[0].value if at.exception else at.error[0].value if at.error else ""
        results.append({"status": status, "message": message[:300], "message_chars": len(message),
                        "base_mb": base, "peak_mb": max_rss_mb()})
    return results


if __name__ == "__main__":   # python tests/crafted_checkpoints.py cli|upload CAP_MB PATH...  -> one JSON line
    import json
    import sys
    print(json.dumps(probe(sys.argv[1], sys.argv[3:], int(sys.argv[2]))))
