"""The direct query path answers a plain GET query exactly as Flask's route does: status, headers and body."""
import gzip
from urllib.parse import quote

import pytest

from cdkg.endpoint import create_app
from cdkg.ontology.namespaces import CDO, RDFS
from tests.endpoint_support import build_kg_dir

SELECT = f"SELECT ?s ?label WHERE {{ ?s <{RDFS.label}> ?label }} ORDER BY ?s ?label LIMIT 5"
REQUESTS = [  # (query text, extra query-string parameters, Accept, Accept-Encoding)
    (SELECT, "", "application/sparql-results+json", ""),
    (SELECT, "", "application/sparql-results+xml", ""),
    (SELECT, "", "text/csv", "gzip"),
    (SELECT, "&format=tsv", "", ""),
    (SELECT, "", "text/html;q=0.5, text/tab-separated-values", ""),
    (f"ASK {{ ?s a <{CDO.City}> }}", "", "", ""),
    (f"CONSTRUCT {{ ?s <{RDFS.label}> ?label }} WHERE {{ ?s <{RDFS.label}> ?label }}", "", "text/turtle", "gzip"),
    ("SELECT * WHERE { ?s ?p }", "", "", ""),  # a syntax error: refused while it runs
    (SELECT, "", "image/png", ""),  # nothing acceptable
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "", "", ""),  # refused by a check
    ("SELECT ?s WHERE { ?s ?p ?o } " + "#" * 20_000, "", "", ""),  # over the query length limit
]
VOLATILE = {"Date"}  # the only headers that may differ between two answers of the same request


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """Return the endpoint with its fast path (the response cache on) and the same endpoint without it."""
    kg_dir = str(build_kg_dir(tmp_path_factory.mktemp("kg")))
    direct = create_app({"KG_DIR": kg_dir, "RESPONSE_CACHE_BYTES": 8_000_000, "MAX_QUERY_LENGTH": 10_000})
    flask_only = create_app({"KG_DIR": kg_dir, "RESPONSE_CACHE_BYTES": 0, "MAX_QUERY_LENGTH": 10_000})
    assert direct.wsgi_app is not flask_only.wsgi_app
    return direct, flask_only


def answer(app, query, params, accept, encoding):
    """Return (status, headers without the volatile ones, body decompressed) of a GET query."""
    headers = {name: value for name, value in (("Accept", accept), ("Accept-Encoding", encoding)) if value}
    response = app.test_client().get(f"/sparql?query={quote(query)}{params}", headers=headers)
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status_code, sorted((k, v) for k, v in response.headers.items() if k not in VOLATILE), body


@pytest.mark.parametrize("query, params, accept, encoding", REQUESTS)
def test_the_direct_path_answers_as_flask_does(apps, query, params, accept, encoding):
    direct, flask_only = apps
    first = answer(direct, query, params, accept, encoding)  # not kept yet: the direct path runs it
    assert first == answer(flask_only, query, params, accept, encoding)
    assert answer(direct, query, params, accept, encoding) == first  # and so does the kept answer
