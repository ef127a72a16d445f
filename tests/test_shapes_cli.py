"""`cdkg validate` run as a real process: exit statuses, grouped text output, the Turtle report, bad input."""
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from cdkg.ontology.namespaces import ID, SH, SHAPES

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
REPO = Path(__file__).resolve().parents[1]


def validate(*args):
    """Run `cdkg validate` with the arguments; return the completed process."""
    return subprocess.run([sys.executable, "-m", "cdkg.kg.cli", "validate", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def violating():
    return validate(FIXTURES / "agreement-bad-values.trig", FIXTURES / "statement-ok.trig")


def test_violations_exit_1_and_are_grouped_by_focus_node(violating):
    assert violating.returncode == 1, violating.stderr
    lines = violating.stdout.splitlines()
    focus = f"<{ID['statement/c000000000000005/agreement-1']}>"
    start = lines.index(focus)
    group = []
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        group.append(line)
    results = [line for line in group if line.startswith("  Violation")]
    assert len(results) == 5  # party, domain, status, date, kind: all under their one focus node
    assert any("cdc:city-diplomacy" in line and "cdo:cooperationDomain" in line for line in results)
    assert any("1402/05/10" in line for line in results)
    messages = [line for line in group if line.startswith("    ")]
    assert len(messages) == 10  # each result in English and in Persian
    assert any("\u0600" <= char <= "\u06ff" for line in messages for char in line)


def test_each_file_gets_its_verdict(violating):
    summaries = [line for line in violating.stdout.splitlines() if line.startswith(str(FIXTURES))]
    assert len(summaries) == 2
    assert "does not conform (6 violations" in summaries[0]  # the six of test_shapes_fixtures.EXPECTED and "statement-ok.trig: conforms" in summaries[1]


def test_warnings_alone_exit_0():
    done = validate(FIXTURES / "statement-warning-no-mentions.trig")
    assert done.returncode == 0, done.stderr
    assert "Warning" in done.stdout and "cdo:mentions" in done.stdout


def test_turtle_report_is_a_shacl_report(tmp_path):
    done = validate("--format", "turtle", FIXTURES / "post-bad-no-organisation.trig")
    assert done.returncode == 1
    report = Graph().parse(data=done.stdout, format="turtle")
    rows = set(report.query(
        "SELECT ?focus ?shape WHERE { ?r a sh:ValidationReport ; sh:conforms false ; sh:result ?x . "
        "?x sh:focusNode ?focus ; sh:sourceShape ?shape ; sh:resultSeverity sh:Violation }", initNs={"sh": SH}))
    assert {(row.focus, row.shape) for row in rows} == {(ID["post/mayor/shiraz"], SHAPES["Post-postIn"])}


@pytest.mark.parametrize("suffix", ["nt", "jsonld", "rdf", "nq"])
def test_other_rdf_syntaxes_are_read(tmp_path, suffix):
    formats = {"nt": "nt", "jsonld": "json-ld", "rdf": "xml", "nq": "nquads"}
    graph = Graph().parse(FIXTURES / "concepts-bad.ttl")
    path = tmp_path / f"concepts.{suffix}"
    if suffix == "nq":
        from rdflib import Dataset

        dataset = Dataset()
        named = dataset.graph(ID["test-graph"])
        for triple in graph:
            named.add(triple)
        dataset.serialize(path, format=formats[suffix])
    else:
        graph.serialize(path, format=formats[suffix])
    done = validate(path)
    assert done.returncode == 1, done.stderr
    assert "Concept-inScheme" in done.stdout


def test_unreadable_input_exits_2_naming_the_line(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix x: <http://example.org/> .\nx:a x:b x:c .\nx:d x:e "unterminated .\n')
    done = validate(broken, FIXTURES / "statement-ok.trig")
    assert done.returncode == 2
    assert str(broken) in done.stderr and "line 3" in done.stderr
    assert "statement-ok.trig: conforms" in done.stdout  # the readable file is still validated


def test_missing_file_and_unknown_extension_exit_2(tmp_path):
    unknown = tmp_path / "data.xyz"
    unknown.write_text("nothing")
    done = validate(tmp_path / "absent.ttl", unknown)
    assert done.returncode == 2
    assert "absent.ttl: no such file" in done.stderr and "data.xyz: cannot tell the RDF format" in done.stderr
