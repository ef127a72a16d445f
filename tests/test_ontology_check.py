"""`cdkg ontology check` on the real sources and on deliberately broken ontologies, through the real CLI."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "ontology"


def run_check(*files):
    """Run `cdkg ontology check FILE...` in a subprocess and return the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", "ontology", "check", *map(str, files)],
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_sources_are_consistent_satisfiable_dl_and_labelled():
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert "OK - consistent, every class satisfiable (HermiT), OWL 2 DL" in result.stdout
    counts = dict((kind, int(n)) for n, kind in re.findall(r"(\d+) (classes|concepts|concept schemes)", result.stdout))
    assert counts["classes"] >= 50 and counts["concepts"] >= 30 and counts["concept schemes"] == 2


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("unsatisfiable.ttl", ["HermiT: unsatisfiable class", "unsatisfiable#CityHall"]),
        ("inconsistent.ttl", ["HermiT: the ontology is inconsistent"]),
        ("missing-fa-label.ttl", ["missing-fa-label#Mayoress>: no rdfs:label @fa"]),
        ("non-dl.ttl", ["OWL 2 DL (non-dl.ttl): violation: Use of non-simple property", "ontology#locatedIn"]),
        ("undeclared-term.ttl", ["cdo:Muncipality: used but never declared", "Use of undeclared class"]),
        ("missing-import.ttl", ["imports <https://w3id.org/citydiplomacy/nowhere>, which has no local copy"]),
        ("syntax-error.ttl", ["cannot parse", "syntax-error.ttl: at line 5"]),
    ],
)
def test_broken_ontology_fails_naming_the_problem(fixture, expected):
    result = run_check(FIXTURES / fixture)
    assert result.returncode == 1, result.stdout + result.stderr
    for fragment in expected:
        assert fragment in result.stderr


def test_only_the_broken_fixture_is_blamed():
    result = run_check(FIXTURES / "unsatisfiable.ttl")
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert problems == ["  - HermiT: unsatisfiable class <https://w3id.org/citydiplomacy/test/unsatisfiable#CityHall>"]


def test_missing_file_is_named():
    result = run_check(FIXTURES / "no-such-file.ttl")
    assert result.returncode == 2
    assert "no such file" in result.stderr and "no-such-file.ttl" in result.stderr
