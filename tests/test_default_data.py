"""Checks on the default word list data/names.txt and the script that builds it.

No network: the script is imported, not run, and fed a tiny in-memory CSV.
"""

import hashlib
import importlib.util
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.numerics   # rerun by .ci/run with the kernels of other processors

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT / "data" / "names.txt"
README = ROOT / "data" / "README.md"
SCRIPT = ROOT / "scripts" / "build_names.py"


@pytest.fixture(scope="module")
def names_bytes():
    return NAMES.read_bytes()


@pytest.fixture(scope="module")
def lines(names_bytes):
    return names_bytes.decode("ascii").split("\n")[:-1]


@pytest.fixture(scope="module")
def build_names():
    spec = importlib.util.spec_from_file_location("build_names", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_names_file_not_empty(names_bytes, lines):
    assert names_bytes
    assert names_bytes.endswith(b"\n")
    assert b"\r" not in names_bytes
    assert lines


def test_every_line_is_lowercase_letters(lines):
    pattern = re.compile(r"^[a-z]+$")
    bad = [line for line in lines if not pattern.match(line)]
    assert bad == []


def test_count_in_expected_range(lines):
    assert 30_000 <= len(lines) <= 36_000


def test_first_line_is_top_girl_name_of_2015(lines):
    assert lines[0] == "emma"


def test_sha256_matches_readme(names_bytes):
    found = re.findall(r"sha256\s*\|\s*`([0-9a-f]{64})`", README.read_text())
    assert len(found) == 1, "README should record exactly one sha256"
    assert hashlib.sha256(names_bytes).hexdigest() == found[0]


TINY_CSV = """first_name,sex,count,year_of_birth
Zoe,f,50,2015
Ann,f,80,2015
Bea,f,50,2015
Noah,m,90,2015
Noah,f,5,2015
Mary-Jo,f,99,2015
Jose\u0301,m,70,2015
Liam,m,90,2015
Emma,f,1000,2014
Adam,M,10,2015
"""


def test_select_names_orders_and_filters(build_names):
    assert build_names.select_names(TINY_CSV) == [
        "ann", "bea", "zoe", "noah",   # girls: count desc, ties by name
        "liam", "noah", "adam",        # boys: count desc, ties by name
    ]


def test_to_bytes_one_name_per_line(build_names):
    assert build_names.to_bytes(["ann", "bo"]) == b"ann\nbo\n"
