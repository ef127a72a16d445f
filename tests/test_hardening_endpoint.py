"""Hostile input against a real server: every case answers a 4xx (or a correct 2xx), never a 5xx, a hang,
a file read, a crashed worker or an outbound connection; and the size limits refuse, never truncate."""
import html.parser
import json

import pyoxigraph as ox
import pytest
import requests

from cdkg.ontology.namespaces import CDO, GRAPH, ID, RDF, RDFS
from tests.federation.trap import SilentListener
from tests.hardening_support import kg_with_extra_quads, raw_request, redirecting_endpoint, serving

MAX_ROWS = 20
MAX_BYTES = 100_000
MAX_BODY = 300_000
TIMEOUT = 20  # seconds a client waits: a hang fails the test instead of blocking the run
PASSWD_LINE = "root:x:0:0"
EVIL = ID["place/evil-town"]
EVIL_STATEMENT = ID["statement/evil"]
HOSTILE_GRAPH = GRAPH["statement/evil"]
LABEL_ATTACK = '"><img src=x onerror=alert(1)>'
COMMENT_ATTACK = "</span><script>alert(2)</script>"
TEXT_ATTACK = "<script>alert(3)</script> <iframe src=javascript:alert(4)>"
JAVASCRIPT_IRI = "javascript:alert(document.cookie)"
ALL_TRIPLES = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"


def hostile_quads():
    """Return quads whose literals and IRIs try to inject markup and script into the entity pages."""
    graph = ox.NamedNode(str(HOSTILE_GRAPH))
    evil, statement = ox.NamedNode(str(EVIL)), ox.NamedNode(str(EVIL_STATEMENT))

    def quad(subject, predicate, value):
        return ox.Quad(subject, ox.NamedNode(str(predicate)), value, graph)

    return [
        quad(evil, RDF.type, ox.NamedNode(str(CDO.City))),
        quad(evil, RDFS.label, ox.Literal(LABEL_ATTACK, language="en")),
        quad(evil, RDFS.comment, ox.Literal(COMMENT_ATTACK)),
        quad(evil, RDFS.seeAlso, ox.NamedNode(JAVASCRIPT_IRI)),
        quad(statement, RDF.type, ox.NamedNode(str(CDO.Statement))),
        quad(statement, CDO.mentions, evil),
        quad(statement, CDO.originalText, ox.Literal(TEXT_ATTACK, language="fa")),
    ]


@pytest.fixture(scope="module")
def canary():
    """A loopback listener named by every hostile query: nothing may ever connect to it."""
    listener = SilentListener()
    yield listener
    listener.close()
    assert not listener.connections


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Serve the fixture KG plus hostile data, with small result limits."""
    kg_dir = kg_with_extra_quads(tmp_path_factory.mktemp("hostile"), hostile_quads())
    with serving(kg_dir, "--max-result-rows", str(MAX_ROWS), "--max-response-bytes", str(MAX_BYTES),
                 env={"CDKG_MAX_REQUEST_BYTES": str(MAX_BODY)}) as running:
        yield running


@pytest.fixture(scope="module")
def sparql(server):
    """Return the query endpoint URL."""
    return server.base + "sparql"


def assert_client_error(response):
    """Assert a 4xx answer with an explanation."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.text.strip()


def triple_count(sparql):
    """Count the quads served."""
    response = requests.get(sparql, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=TIMEOUT)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# --- malformed and pathological SPARQL

MALFORMED = [
    "SELECT", "SELECT * WHERE {", "}}}}", "SELECT * WHERE { ?s ?p ?o } LIMIT -1", "PREFIX : <",
    "ASK { FILTER(1 = ) }", "SELECT * WHERE { ?s ?p \"unterminated }", "SELECT * WHERE { <http://a b> ?p ?o }",
    "SELECT ?x WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }", "\u202eSELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } GROUP BY", "SELECT (COUNT(*) AS ?n) ?s WHERE { ?s ?p ?o }",
    "DESCRIBE", "CONSTRUCT { ?s ?p } WHERE { ?s ?p ?o }", "ASK { ?s ?p ?o " + "FILTER(" * 3,
    "SELECT * WHERE { ?s ?p ?o } ORDER BY", "\ufeff\ufeffASK {}", "SELECT * WHERE { ?s ?p 1e999999999999999 . ?x }",
]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_query_is_a_client_error(sparql, query):
    assert_client_error(requests.get(sparql, params={"query": query}, timeout=TIMEOUT))
    assert_client_error(requests.post(sparql, data=query.encode(), timeout=TIMEOUT,
                                      headers={"Content-Type": "application/sparql-query"}))


def nested(depth):
    """Return queries whose syntax trees are `depth` levels deep, by nesting and by chaining."""
    return {
        "parentheses": "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }",
        "groups": "SELECT * WHERE " + "{" * depth + "}" * depth,
        "subqueries": "SELECT * WHERE " + "{ SELECT * WHERE " * depth + "{}" + "}" * depth,
        "sum chain": "SELECT (" + "+".join(["1"] * depth) + " AS ?x) {}",
        "union chain": "SELECT * WHERE { " + " UNION ".join(["{ FILTER(false) }"] * depth) + " }",
        "and chain": "ASK { FILTER(" + " && ".join(["true"] * depth) + ") }",
        "bind chain": "SELECT * { " + " ".join(f"BIND({n} AS ?x{n})" for n in range(depth)) + " }",
    }


def test_a_flat_basic_graph_pattern_of_a_thousand_triples_is_served(server, sparql):
    """A long BGP is a flat list to the store: not refused as deep, answered (patterns, `;` and `,` lists)."""
    found = requests.post(sparql, data={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) } LIMIT 20"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=TIMEOUT)
    triples = [tuple(f"<{row[name]['value']}>" for name in "spo") for row in found.json()["results"]["bindings"]]
    assert len(triples) == 20
    patterns = [f"{s} {p} {o} ; {p} {o}" + f" , {o}" * 3 + " ." for s, p, o in triples] * 10  # 1,000 patterns
    query = "ASK WHERE { ?x ?y ?z . " + " ".join(patterns) + " }"
    response = requests.post(sparql, data={"query": query}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["boolean"] is True


def test_deep_nesting_is_refused_without_crashing_a_worker(server, sparql):
    """Trees deep enough to overflow the store's stack (it would kill the worker) are refused with 400."""
    workers = sorted(server.workers())
    for name, query in nested(4000).items():
        response = requests.post(sparql, data={"query": query}, timeout=TIMEOUT)
        assert response.status_code == 400, (name, response.status_code, response.text[:200])
        assert "MAX_QUERY_DEPTH" in response.text and response.headers["X-CDKG-Limit"].startswith("MAX_QUERY_DEPTH")
    for name, query in nested(100).items():  # moderate nesting is fine
        response = requests.post(sparql, data={"query": query}, timeout=TIMEOUT)
        assert response.status_code == 200, (name, response.text[:200])
    assert sorted(server.workers()) == workers  # no worker died
    assert requests.get(server.base + "healthz", timeout=TIMEOUT).status_code == 200


def test_huge_in_list_is_answered(sparql):
    members = ", ".join(f'"{number}"' for number in range(8000))
    for needle, expected in (('"7999"', True), ('"8000"', False)):
        query = f"ASK {{ FILTER({needle} IN ({members})) }}"
        response = requests.post(sparql, data={"query": query}, timeout=TIMEOUT,
                                 headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200 and response.json()["boolean"] is expected


# --- updates through every door

def test_updates_are_refused_by_every_method(server, sparql, canary):
    before = triple_count(sparql)
    load = f"LOAD <{canary.url}>"
    attempts = [
        requests.get(sparql, params={"update": "CLEAR ALL"}, timeout=TIMEOUT),
        requests.get(sparql, params={"query": load}, timeout=TIMEOUT),
        requests.get(sparql, params={"query": "CLEAR ALL"}, timeout=TIMEOUT),
        requests.get(sparql, params={"query": "# a comment first\nPREFIX x: <http://a/> INSERT DATA { x:a x:b x:c }"},
                     timeout=TIMEOUT),
        requests.post(sparql, data={"update": load}, timeout=TIMEOUT),
        requests.post(sparql, data={"query": "DROP ALL"}, timeout=TIMEOUT),
        requests.post(sparql, data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}, timeout=TIMEOUT),
        requests.post(server.base + "update", data=load.encode(), timeout=TIMEOUT,
                      headers={"Content-Type": "application/sparql-update"}),
        requests.post(server.base + "update", data={"update": "CLEAR ALL"}, timeout=TIMEOUT),
        requests.post(server.base + "update", data={"update": "INSERT DATA { <http://a/a> <http://a/b> 1 }"},
                      timeout=TIMEOUT),
        requests.get(server.base + "update", params={"update": "CLEAR ALL"}, timeout=TIMEOUT),
        requests.delete(server.base + "rdf-graph-store", params={"default": ""}, timeout=TIMEOUT),
    ]
    for response in attempts:
        assert_client_error(response)
    assert triple_count(sparql) == before


# --- nothing reaches outside: SERVICE, FROM, dataset parameters

def test_service_to_loopback_in_any_spelling_is_refused_before_connecting(sparql, canary):
    port = canary.port
    targets = [canary.url, f"http://localhost:{port}/sparql", f"http://2130706433:{port}/", f"http://127.1:{port}/",
               f"http://0x7f.0.0.1:{port}/", f"https://127.0.0.1:{port}/", f"http://user@127.0.0.1:{port}/"]
    for target in targets:
        for clause in (f"SERVICE <{target}>", f"SERVICE SILENT <{target}>"):
            query = f"SELECT * WHERE {{ OPTIONAL {{ {clause} {{ ?s ?p ?o }} }} }}"
            response = requests.post(sparql, data={"query": query}, timeout=TIMEOUT)
            assert response.status_code == 400, (target, response.text)
    escaped = f"SELECT * WHERE {{ \\u0053ERVICE <{canary.url}> {{ ?s ?p ?o }} }}"
    assert_client_error(requests.post(sparql, data={"query": escaped}, timeout=TIMEOUT))


def test_from_a_file_or_a_url_reads_nothing(sparql, canary):
    for source in ("file:///etc/passwd", canary.url):
        queries = [f"SELECT * FROM <{source}> WHERE {{ ?s ?p ?o }}",
                   f"SELECT * FROM NAMED <{source}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"]
        for query in queries:
            response = requests.get(sparql, params={"query": query}, timeout=TIMEOUT,
                                    headers={"Accept": "application/sparql-results+json"})
            assert response.status_code == 200 and response.json()["results"]["bindings"] == []
        for parameter in ("default-graph-uri", "named-graph-uri"):
            response = requests.get(sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }", parameter: source},
                                    timeout=TIMEOUT, headers={"Accept": "text/csv"})
            assert response.status_code == 200 and PASSWD_LINE not in response.text
            assert sorted(response.text.strip().split(",")) == ["o", "p", "s"]  # the header alone


def test_a_redirecting_endpoint_is_not_followed(tmp_path, canary):
    """An allowlisted endpoint that redirects elsewhere fails the query (502); the target is never contacted."""
    with redirecting_endpoint(canary.url) as redirector:
        allowlist = json.dumps([redirector])
        kg_dir = kg_with_extra_quads(tmp_path, [])
        with serving(kg_dir, workers=1, env={"CDKG_SERVICE_ALLOWLIST": allowlist}) as running:
            query = f"SELECT * WHERE {{ SERVICE <{redirector}> {{ ?s ?p ?o }} }}"
            response = requests.post(running.base + "sparql", data={"query": query}, timeout=TIMEOUT)
    assert response.status_code == 502, response.text
    assert not canary.connections


# --- bytes, types and headers a client should never send

@pytest.mark.parametrize("request_bytes", [
    b"GET /sparql?query=%FF%FE HTTP/1.1\r\n",
    b"GET /sparql?query=ASK%00%7B%7D HTTP/1.1\r\n",
    b"GET /sparql?query=ASK%7B%7D&default-graph-uri=%FF HTTP/1.1\r\n",
    b"GET /sparql?query=ASK%7B%7D&format=%00%FF HTTP/1.1\r\n",
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nAccept: \xff\xfe/\x80\r\n",
    b"GET /id/%FF%FE HTTP/1.1\r\nAccept: text/html\r\n",
    b"GET /id/place/%00 HTTP/1.1\r\n",
    b"GET /sparql?query=ASK%7B%7D&query=%C0%AF HTTP/1.1\r\n",
])
def test_invalid_bytes_in_parameters_are_client_errors(server, request_bytes):
    status, answer = raw_request(server.base, request_bytes + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status is not None and 400 <= status < 500, answer[:300]


@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/json", "multipart/form-data; boundary=x", "application/sparql-results+json",
    "application/x-www-form-urlencoded; charset=latin1x", "application/sparql-query; charset=utf-16",
])
def test_wrong_or_missing_content_type_is_a_client_error(sparql, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    body = "ASK {}" if "form" not in (content_type or "") else "qeury=ASK%20%7B%7D"
    session = requests.Session()
    prepared = requests.Request("POST", sparql, data=body.encode("utf-16" if "16" in (content_type or "") else "utf-8"),
                                headers=headers).prepare()
    if content_type is None:
        prepared.headers.pop("Content-Type", None)
    assert_client_error(session.send(prepared, timeout=TIMEOUT))


@pytest.mark.parametrize("accept", [
    "*/*;q=0", "text/html;q=2", "x" * 6000, ", ".join(["a/b"] * 1000), ";;;,,,;=", "*/*;q=NaN",
    "application/sparql-results+json;q=-1", "*/*;q=1e309", "text/*;level=1;level=2;q=0.5", "*/*" * 2000,
])
def test_absurd_accept_headers_get_a_result_or_406(sparql, accept):
    response = requests.get(sparql, params={"query": "ASK {}"}, headers={"Accept": accept}, timeout=TIMEOUT)
    assert response.status_code in (200, 406), (response.status_code, response.text[:200])


def test_header_injection_is_not_reflected(server, sparql):
    attempts = [
        requests.get(sparql, params={"query": "ASK {}", "format": "json\r\nSet-Cookie: injected=1"}, timeout=TIMEOUT),
        requests.get(server.base + "id/place/x%0d%0aSet-Cookie:%20injected=1", timeout=TIMEOUT),
        requests.get(sparql, params={"query": "ASK {}", "default-graph-uri": "http://a/\r\nSet-Cookie: injected=1"},
                     timeout=TIMEOUT),
        requests.get(sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }\r\nSet-Cookie: injected=1"}, timeout=TIMEOUT),
    ]
    for response in attempts:
        assert response.status_code < 500
        assert "Set-Cookie" not in response.headers and "injected" not in json.dumps(dict(response.headers))
    status, answer = raw_request(server.base, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              b"Origin: http://a\rX-Injected: 1\r\nConnection: close\r\n\r\n")
    assert status is not None and status < 500 and b"X-Injected" not in answer.split(b"\r\n\r\n")[0]
    status, answer = raw_request(server.base, b"GET / HTTP/1.1\r\nHost: a\"><script>alert(1)</script>\r\n"
                                              b"Accept: text/html\r\nConnection: close\r\n\r\n")
    assert status is not None and status < 500 and b"<script>alert(1)" not in answer


TRAVERSALS = [
    "/static/../../../../etc/passwd", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..\\..\\pyproject.toml", "/static/%252e%252e/%252e%252e/etc/passwd", "/static//etc/passwd",
    "/dumps/..%2fbuild-info.json", "/dumps/%2e%2e%2f%2e%2e%2fpyproject.toml", "/dumps/../../../etc/passwd",
    "/id/../../etc/passwd", "/id/%2e%2e/%2e%2e/etc/passwd", "/id/place/..%2f..%2f..%2fetc%2fpasswd",
    "/ontology/../../../etc/passwd", "//etc/passwd", "/concept/..%00/etc/passwd", "/graph/%2e%2e%5c%2e%2e%5cetc",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_reads_no_file(server, path):
    status, answer = raw_request(server.base, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Connection: close\r\n\r\n".encode())
    assert status is not None and status < 500, answer[:300]
    assert PASSWD_LINE.encode() not in answer and b"[project]" not in answer and b"kg_hash" not in answer


# --- script through the data: escaped, never executable

class Elements(html.parser.HTMLParser):
    """Collect the elements, their attributes and the text of an HTML page."""

    def __init__(self):
        super().__init__()
        self.elements, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_markup_in_the_data_is_escaped_and_never_executable(server):
    response = requests.get(server.base + "id/place/evil-town", headers={"Accept": "text/html"}, timeout=TIMEOUT)
    assert response.status_code == 200
    page = Elements()
    page.feed(response.text)
    tags = {tag for tag, _ in page.elements}
    assert "iframe" not in tags and "img" not in tags
    # The only scripts are the project's own files (the search box's suggestions), never one the data brought.
    scripts = [attrs for tag, attrs in page.elements if tag == "script"]
    assert all(attrs.get("src", "").startswith("/static/") for attrs in scripts)
    assert "<script>" not in response.text and "</script>" not in response.text.replace("></script>", "")
    handlers = [(tag, name) for tag, attrs in page.elements for name in attrs if name.lower().startswith("on")]
    assert handlers == []
    urls = [attrs.get("href") or attrs.get("src") or "" for tag, attrs in page.elements if tag != "link"]
    assert not [url for url in urls if url.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]
    text = "".join(page.text)
    assert LABEL_ATTACK in text and COMMENT_ATTACK in text and TEXT_ATTACK in text  # shown, as text


def test_security_headers_on_every_kind_of_response(server, sparql):
    responses = [
        requests.get(server.base + "id/place/evil-town", headers={"Accept": "text/html"}, timeout=TIMEOUT),
        requests.get(server.base + "id/place/nowhere", headers={"Accept": "text/html"}, timeout=TIMEOUT),
        requests.get(sparql, params={"query": "SELECT"}, timeout=TIMEOUT),
        requests.get(sparql, params={"query": "ASK {}"}, timeout=TIMEOUT),
        requests.get(server.base, timeout=TIMEOUT),
        requests.get(server.base + "static/app.css", timeout=TIMEOUT),
    ]
    for response in responses:
        policy = response.headers.get("Content-Security-Policy", "")
        directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
        assert directives.get("frame-ancestors") and "'unsafe-inline'" not in directives.get("script-src", ["x"])
        assert response.headers.get("X-Content-Type-Options") == "nosniff"


# --- sizes: refused with a status naming the limit, never truncated

@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_too_many_solutions_are_refused_not_truncated(sparql, accept):
    response = requests.get(sparql, params={"query": ALL_TRIPLES}, headers={"Accept": accept}, timeout=TIMEOUT)
    assert response.status_code == 422 and "MAX_RESULT_ROWS" in response.text
    assert response.headers["X-CDKG-Limit"] == f"MAX_RESULT_ROWS={MAX_ROWS}"
    exact = requests.get(sparql, params={"query": f"{ALL_TRIPLES} LIMIT {MAX_ROWS}"}, timeout=TIMEOUT,
                         headers={"Accept": "application/sparql-results+json"})
    assert exact.status_code == 200 and len(exact.json()["results"]["bindings"]) == MAX_ROWS
    over = requests.get(sparql, params={"query": f"{ALL_TRIPLES} LIMIT {MAX_ROWS + 1}"}, headers={"Accept": accept},
                        timeout=TIMEOUT)
    assert over.status_code == 422


def test_too_many_triples_are_refused_not_truncated(sparql):
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = requests.get(sparql, params={"query": construct}, headers={"Accept": "text/turtle"}, timeout=TIMEOUT)
    assert response.status_code == 422 and response.headers["X-CDKG-Limit"] == f"MAX_RESULT_ROWS={MAX_ROWS}"
    limited = requests.get(sparql, params={"query": construct + f" LIMIT {MAX_ROWS}"}, timeout=TIMEOUT,
                           headers={"Accept": "application/n-triples"})
    assert limited.status_code == 200 and len(limited.text.strip().splitlines()) == MAX_ROWS


def test_too_many_bytes_are_refused_not_truncated(sparql):
    query = ("SELECT (GROUP_CONCAT(CONCAT(STR(?a), STR(?b))) AS ?all) "
             "WHERE { GRAPH ?g { ?a ?p ?o } GRAPH ?h { ?b ?q ?r } FILTER(isIRI(?a) && isIRI(?b)) }")
    response = requests.get(sparql, params={"query": query}, timeout=TIMEOUT)
    assert response.status_code == 422 and response.headers["X-CDKG-Limit"] == f"MAX_RESPONSE_BYTES={MAX_BYTES}"


def test_request_line_and_body_limits(sparql):
    long_query = "ASK { FILTER(" + " || ".join(["true"] * 3000) + ") }"
    assert requests.get(sparql, params={"query": long_query}, timeout=TIMEOUT).status_code == 414
    text = "ASK {} #" + "x" * 100_000
    for response in (requests.post(sparql, data={"query": text}, timeout=TIMEOUT),
                     requests.post(sparql, data=text.encode(), timeout=TIMEOUT,
                                   headers={"Content-Type": "application/sparql-query"})):
        assert response.status_code == 413 and response.headers["X-CDKG-Limit"] == "MAX_QUERY_LENGTH=100000"
    body = b"ASK {} #" + b"x" * MAX_BODY
    response = requests.post(sparql, data=body, headers={"Content-Type": "application/sparql-query"}, timeout=TIMEOUT)
    assert response.status_code == 413 and "MAX_REQUEST_BYTES" in response.text
    chunked = requests.post(sparql, data=iter([body[:MAX_BODY // 2], body[MAX_BODY // 2:]]), timeout=TIMEOUT,
                            headers={"Content-Type": "application/sparql-query"})
    assert chunked.status_code == 413
    huge_header = requests.get(sparql, params={"query": "ASK {}"}, headers={"X-Filler": "y" * 20_000}, timeout=TIMEOUT)
    assert 400 <= huge_header.status_code < 500


def test_server_is_healthy_after_the_hostile_requests(server):
    assert requests.get(server.base + "healthz", timeout=TIMEOUT).json()["status"] == "ok"
    metrics = requests.get(server.base + "metrics", timeout=TIMEOUT).text
    server_errors = [line for line in metrics.splitlines()
                     if line.startswith("cdkg_http_requests_total") and 'status="5' in line]
    assert server_errors == []
