"""The federation fixtures and the reference answers rdflib computes over them (an engine independent of ours)."""
from pathlib import Path

import rdflib

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "federation"
KG_FIXTURE = FIXTURES / "kg.trig"
WIKIDATA_FIXTURE = FIXTURES / "wikidata.ttl"


def fixture_dataset(*paths):
    """Return an rdflib Dataset of fixture files whose default graph is the union of its graphs."""
    dataset = rdflib.Dataset(default_union=True)
    for path in paths:
        if path.suffix == ".trig":
            dataset.parse(path, format="trig")
        else:
            dataset.graph(rdflib.URIRef(path.resolve().as_uri())).parse(path, format="turtle")
    return dataset


def expected_rows(query, *paths):
    """Return the solutions rdflib finds for the query over the fixture files, as sorted tuples of terms."""
    return sorted(tuple(row) for row in fixture_dataset(*paths).query(query))


def json_rows(bindings, variables):
    """Convert SPARQL JSON bindings to sorted tuples of rdflib terms."""
    return sorted(tuple(json_term(row.get(name)) for name in variables) for row in bindings)


def json_term(binding):
    """Convert one SPARQL JSON binding to an rdflib term (None when unbound)."""
    if binding is None:
        return None
    if binding["type"] == "uri":
        return rdflib.URIRef(binding["value"])
    if binding["type"] == "bnode":
        return rdflib.BNode(binding["value"])
    datatype = binding.get("datatype")
    return rdflib.Literal(binding["value"], lang=binding.get("xml:lang"),
                          datatype=rdflib.URIRef(datatype) if datatype else None)
