"""The lexical reading of SPARQL text the protocol relies on: query form, FROM, SERVICE targets, updates."""
import pytest

from cdkg.endpoint.federation import service_clauses
from cdkg.endpoint.sparqltext import first_keyword, has_dataset_clause, is_update, string_value, tokens


@pytest.mark.parametrize("text, expected", [
    ("SELECT * FROM <http://g> WHERE { ?s ?p ?o }", True),
    ("select * from named <http://g> where { graph ?g { ?s ?p ?o } }", True),
    ("SELECT ?from WHERE { ?from <http://e/from> 'FROM' }", False),
    ("SELECT * WHERE { ?s <http://e/FROM> ?o } # FROM <http://g>", False),
    ('SELECT * WHERE { ?s ?p """a\nFROM <x>""" }', False),
    ("PREFIX from: <http://e/> SELECT * WHERE { ?s from:x ?o }", False),
])
def test_dataset_clause_is_found_outside_strings_iris_and_comments(text, expected):
    assert has_dataset_clause(text) is expected


@pytest.mark.parametrize("text, form", [
    ("PREFIX : <http://e/> BASE <http://b/> # a comment\nconstruct where { ?s ?p ?o }", "CONSTRUCT"),
    ("  ASK {}", "ASK"),
    ("PREFIX cdr: <http://e/> DESCRIBE cdr:x", "DESCRIBE"),
])
def test_query_form(text, form):
    assert first_keyword(text) == form and not is_update(text)


@pytest.mark.parametrize("text", [
    "INSERT DATA { <a> <b> <c> }", "PREFIX e: <http://e/>\nDELETE WHERE { ?s ?p ?o }", "LOAD <file:///etc/passwd>",
    "CLEAR ALL", "drop graph <http://g>", "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_recognised(text):
    assert is_update(text)


def test_service_clauses_are_read_by_the_grammar_not_in_strings():
    text = ("SELECT * WHERE { SERVICE <http://a/sparql> { ?s ?p ?o } SERVICE SILENT <http://b/sparql> { } "
            "FILTER(?o != 'SERVICE <http://c/>') }")
    assert [(clause.target, clause.silent) for clause in service_clauses(text)] == [
        ("http://a/sparql", False), ("http://b/sparql", True)]


@pytest.mark.parametrize("written, value", [
    ('"a\\tb"', "a\tb"),
    ("'it\\'s'", "it's"),
    ('"""two\nlines "quoted" """', 'two\nlines "quoted" '),
    ("'''x'''", "x"),
    ('"\\u0634\\U0001F600"', "\u0634\U0001F600"),
    ('""', ""),
])
def test_string_value_decodes_quotes_and_escapes(written, value):
    (token,) = tokens(written)
    assert token.kind == "string" and string_value(token) == value
