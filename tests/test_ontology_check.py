"""`cdkg ontology check` on the real sources and on deliberately broken ontologies, through the real CLI."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cdkg.ontology import CATALOG, CDO_TTL, CONCEPTS_TTL
from cdkg.ontology.catalog import DocumentError, document_format

FIXTURES = Path(__file__).parent / "fixtures" / "ontology"


def run_check(*files):
    """Run `cdkg ontology check FILE...` in a subprocess and return the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "cdkg.kg.cli", "ontology", "check", *map(str, files)],
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


def edited_sources(tmp_path, cdo_ttl=lambda text: text):
    """Copy the sources and the catalog to tmp_path, passing cdo.ttl's text through an edit; return both paths."""
    for source in (CATALOG, CONCEPTS_TTL):
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / CDO_TTL.name).write_text(cdo_ttl(CDO_TTL.read_text(encoding="utf-8")), encoding="utf-8")
    return tmp_path / CDO_TTL.name, tmp_path / CONCEPTS_TTL.name


def test_a_persian_label_two_terms_share_fails_naming_both(tmp_path):
    result = run_check(*edited_sources(tmp_path, lambda text: text + '\ncdo:partyTo skos:altLabel "طرف"@fa .\n'))
    assert result.returncode == 1
    assert 'Persian label "طرف" is shared by cdo:party, cdo:partyTo' in result.stderr


def test_the_declared_shared_sense_is_what_lets_a_label_be_shared(tmp_path):
    declaration = "    cdo:sharesLabelWith cdo:Hosting ;\n"
    assert declaration in CDO_TTL.read_text(encoding="utf-8")
    result = run_check(*edited_sources(tmp_path, lambda text: text.replace(declaration, "")))
    assert result.returncode == 1
    assert 'Persian label "میزبان" is shared by cdo:Hosting, cdo:host' in result.stderr


@pytest.mark.parametrize("head, expected", [
    ("@prefix cdo: <https://w3id.org/citydiplomacy/ontology#> .", "turtle"),
    ("<https://w3id.org/citydiplomacy/ontology> a <http://www.w3.org/2002/07/owl#Ontology> .", "turtle"),
    ('\ufeff<?xml version="1.0"?>\n<!-- generated -->\n<!DOCTYPE rdf:RDF [ <!ENTITY owl "x"> ]>\n<rdf:RDF>', "xml"),
    ("<RDF xmlns='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>", "xml"),
])
def test_document_format_is_read_from_the_content(head, expected):
    assert document_format("cdo.ttl", head) == expected


@pytest.mark.parametrize("head, syntax", [
    ('<?xml version="1.0"?>\n<Ontology xmlns="http://www.w3.org/2002/07/owl#">', "OWL/XML"),
    ("Prefix(:=<https://w3id.org/citydiplomacy/ontology#>)\nOntology(", "OWL functional syntax"),
    ("Prefix: cdo: <https://w3id.org/citydiplomacy/ontology#>", "Manchester syntax"),
])
def test_formats_the_project_does_not_read_are_named(head, syntax):
    with pytest.raises(DocumentError, match=f"{syntax} is not an ontology format the project reads"):
        document_format("cdo.ttl", head)
