"""HTTP-level hostility against real servers: headers and encodings that used to give 500s, unbounded metric
labels, Host-built descriptions in shared caches, HEAD, error bodies, and workers that crash."""
import os
import signal

import pytest
import requests

from cdkg.ontology.namespaces import BASE
from tests.endpoint_support import build_kg_dir
from tests.hardening_support import raw_request, serving, wait_for

TIMEOUT = 20
TOKEN = "s3cret-token"
SETTLE_SECONDS = 30


@pytest.fixture(scope="module")
def kg_dir(tmp_path_factory):
    """Build the fixture KG once for the module."""
    return build_kg_dir(tmp_path_factory.mktemp("http") / "kg")


@pytest.fixture(scope="module")
def metrics_dir(tmp_path_factory):
    """The directory the read-only server's workers share their metrics through."""
    return tmp_path_factory.mktemp("metrics")


@pytest.fixture(scope="module")
def server(kg_dir, metrics_dir):
    """Serve the fixture KG read-only with two workers."""
    with serving(kg_dir, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}) as running:
        yield running


@pytest.fixture(scope="module")
def writable(kg_dir, tmp_path_factory):
    """Serve a copy of the fixture KG with writes enabled behind a bearer token."""
    env = {"CDKG_UPDATE_ENABLED": "true", "CDKG_UPDATE_TOKEN": TOKEN}
    with serving(build_kg_dir(tmp_path_factory.mktemp("http-write") / "kg"), workers=1, env=env) as running:
        yield running


def send(base, request_bytes, body=b""):
    """Send a raw request (Host and Connection: close added); return (status, headers, body)."""
    status, answer = raw_request(base, request_bytes + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n" + body)
    headers, _, body = answer.partition(b"\r\n\r\n")
    return status, headers.decode("latin-1").lower(), body


# --- inputs that were 500s or passed through

@pytest.mark.parametrize("path", ["update", "rdf-graph-store?default"])
def test_a_non_ascii_authorization_header_is_refused_not_a_500(server, writable, path):
    method = b"POST" if path == "update" else b"PUT"
    for running, expected in ((writable, 401), (server, 403)):
        status, headers, body = send(running.base, method + f" /{path} HTTP/1.1\r\n".encode()
                                     + b"Content-Type: application/sparql-update\r\nContent-Length: 9\r\n"
                                     + b"Authorization: Bearer \xc3\xa9t\xe9\r\n", b"CLEAR ALL")
        assert status == expected, body[:300]
        assert "text/plain" in headers


def test_a_utf8_token_sent_as_utf8_bytes_is_accepted(tmp_path):
    token = "تیکه-رمز"
    env = {"CDKG_UPDATE_ENABLED": "true", "CDKG_UPDATE_TOKEN": token}
    update = b"INSERT DATA { <http://a/s> <http://a/p> 1 }"
    with serving(build_kg_dir(tmp_path / "kg"), workers=1, env=env) as running:
        status, _, answer = send(running.base, b"POST /update HTTP/1.1\r\nContent-Type: application/sparql-update\r\n"
                                 + f"Content-Length: {len(update)}\r\n".encode()
                                 + b"Authorization: Bearer " + token.encode("utf-8") + b"\r\n", update)
        assert status == 204, answer[:200]
        ask = requests.get(running.base + "sparql", params={"query": "ASK { <http://a/s> <http://a/p> 1 }"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=TIMEOUT)
        assert ask.json()["boolean"] is True


@pytest.mark.parametrize("request_line", [
    b"GET /sparql?query=ASK%7B%7D&format=json%FF HTTP/1.1",
    b"GET /sparql?query=ASK%7B%7D&x%C3=1 HTTP/1.1",
    b"GET /?query=%E9 HTTP/1.1",
    b"GET /.well-known/void?format=%C0%AF HTTP/1.1",
    b"GET /id/place/shiraz?format=%FFturtle HTTP/1.1",
])
def test_invalid_percent_encoded_utf8_is_a_400_naming_the_field(server, request_line):
    status, headers, body = send(server.base, request_line + b"\r\nAccept: text/turtle\r\n")
    assert status == 400, body[:300]
    assert b"not valid percent-encoded UTF-8" in body and "text/plain" in headers


def test_invalid_percent_encoded_utf8_in_a_form_body_is_a_400(server):
    response = requests.post(server.base + "sparql", data=b"query=ASK%20%7B%7D&default-graph-uri=%FF%FE",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=TIMEOUT)
    assert response.status_code == 400 and "default-graph-uri" in response.text


def test_method_strings_do_not_become_metric_labels(server):
    for number in range(5):
        send(server.base, f"X-INVENTED-{number} /sparql HTTP/1.1\r\n".encode())
    metrics = requests.get(server.base + "metrics", timeout=TIMEOUT)
    assert metrics.status_code == 200
    assert "X-INVENTED" not in metrics.text and 'method="other"' in metrics.text


# --- descriptions built from the Host header

@pytest.mark.parametrize("path", ["sparql", ".well-known/void"])
def test_a_description_built_from_host_is_not_shared_cacheable(server, path):
    response = requests.get(server.base + path, headers={"Host": "evil.example", "Accept": "text/turtle"},
                            timeout=TIMEOUT)
    assert response.status_code == 200 and "evil.example" in response.text
    assert "public" not in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    assert "host" in response.headers["Vary"].lower()


def test_relative_iris_resolve_against_the_endpoint_url_not_shared_across_hosts(server):
    query = {"query": "SELECT ?x WHERE { BIND(<relative> AS ?x) }"}
    answers = {}
    for host in ("a.example", "b.example"):
        response = requests.get(server.base + "sparql", params=query,
                                headers={"Host": host, "Accept": "application/sparql-results+json"}, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        answers[host] = response.json()["results"]["bindings"][0]["x"]["value"]
        assert "private" in response.headers["Cache-Control"] and "host" in response.headers["Vary"].lower()
    assert answers == {"a.example": "http://a.example/relative", "b.example": "http://b.example/relative"}
    absolute = requests.get(server.base + "sparql", params={"query": "ASK { BIND(<urn:x> AS ?x) }"}, timeout=TIMEOUT)
    assert absolute.headers["Cache-Control"].startswith("public")


def test_a_configured_public_url_is_named_whatever_the_host(kg_dir):
    public = "https://kg.example.org/"
    with serving(kg_dir, workers=1, env={"CDKG_PUBLIC_URL": public}) as running:
        response = requests.get(running.base + "sparql", headers={"Host": "evil.example", "Accept": "text/turtle"},
                                timeout=TIMEOUT)
        relative = requests.get(running.base + "sparql", params={"query": "SELECT ?x WHERE { BIND(<r> AS ?x) }"},
                                headers={"Host": "evil.example", "Accept": "application/sparql-results+json"},
                                timeout=TIMEOUT)
    assert response.status_code == 200 and "evil.example" not in response.text and public + "sparql" in response.text
    assert response.headers["Cache-Control"].startswith("public")
    assert relative.json()["results"]["bindings"][0]["x"]["value"] == public + "r"
    assert relative.headers["Cache-Control"].startswith("public")


# --- HEAD mirrors GET; errors are never HTML

HEAD_PATHS = ["", "sparql", "sparql?query=ASK%7B%7D", "rdf-graph-store?default", "rdf-graph-store?graph=urn:none",
              ".well-known/void", "id/place/shiraz", "id/place/nowhere-at-all", "healthz", "ontology", "no/such/page",
              "sparql?query=SELECT"]


@pytest.mark.parametrize("path", HEAD_PATHS)
def test_head_mirrors_get(server, path):
    for accept in ("text/turtle", "text/html"):
        got = requests.get(server.base + path, headers={"Accept": accept}, timeout=TIMEOUT)
        head = requests.head(server.base + path, headers={"Accept": accept}, timeout=TIMEOUT)
        assert head.status_code == got.status_code, (path, accept, head.status_code, got.status_code)
        assert head.headers.get("Content-Type") == got.headers.get("Content-Type")
        assert head.content == b""


ERRORS = [("GET", "no/such/page", 404), ("DELETE", "sparql", 405), ("PATCH", "update", 405),
          ("GET", "update", 405), ("PUT", "sparql", 405), ("GET", "dumps/secret.txt", 404),
          ("POST", "healthz", 405), ("GET", "sparql?query=SELECT", 400)]


@pytest.mark.parametrize("method, path, status", ERRORS)
def test_errors_are_plain_text_or_problem_json(server, method, path, status):
    plain = requests.request(method, server.base + path, timeout=TIMEOUT)
    assert plain.status_code == status
    assert plain.headers["Content-Type"].startswith("text/plain") and "<html" not in plain.text.lower()
    assert plain.text.strip()
    if status == 405:
        assert plain.headers["Allow"]
    problem = requests.request(method, server.base + path, headers={"Accept": "application/problem+json, */*;q=0.1"},
                               timeout=TIMEOUT)
    assert problem.status_code == status and problem.headers["Content-Type"] == "application/problem+json"
    assert problem.json()["status"] == status and problem.json()["detail"]


# --- crashed workers

def test_metrics_stay_200_when_a_worker_left_an_empty_file(server, metrics_dir):
    (metrics_dir / "counter_999999.db").write_bytes(b"")  # what a worker killed while starting leaves
    (metrics_dir / "gauge_livesum_999998.db").write_bytes(b"\x00" * 4)
    response = requests.get(server.base + "metrics", timeout=TIMEOUT)
    assert response.status_code == 200 and "cdkg_http_requests_total" in response.text


def test_a_crashed_worker_is_replaced_and_metrics_answer(server):
    before = wait_for(lambda: len(server.workers()) == 2 and server.workers(), SETTLE_SECONDS)
    victim = before[0]
    os.kill(victim, signal.SIGSEGV)
    after = wait_for(lambda: len(server.workers()) == 2 and victim not in server.workers() and server.workers(),
                     SETTLE_SECONDS)
    assert after and victim not in after
    answers = [requests.get(server.base + "sparql", params={"query": f"ASK {{ ?s ?p ?o }} # {n}"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=TIMEOUT)
               for n in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 6
    assert all(answer.json()["boolean"] for answer in answers)
    metrics = requests.get(server.base + "metrics", timeout=TIMEOUT)
    assert metrics.status_code == 200 and "cdkg_http_requests_total" in metrics.text


# --- memory

CEILING = 300 * 1024 * 1024
LONG = "a" * 3000
# Every solution holds a 9 MB string, and ORDER BY keeps them all: gigabytes long before the time limit.
MEMORY_HOG = (f'SELECT ?big WHERE {{ ?a ?b ?c . ?d ?e ?f BIND(CONCAT(STR(?a), STR(?d), REPLACE("{LONG}", "a", '
              f'"{LONG}")) AS ?big) }} ORDER BY ?big')


def test_a_query_past_the_memory_ceiling_gets_503_and_the_worker_is_replaced(kg_dir):
    env = {"CDKG_MAX_WORKER_MEMORY": str(CEILING)}
    with serving(kg_dir, "--query-timeout", "20", workers=1, env=env) as running:
        before = running.workers()
        response = requests.post(running.base + "sparql", data={"query": MEMORY_HOG}, timeout=30,
                                 headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 503, response.text[:300]
        assert response.headers["X-CDKG-Limit"] == f"MAX_WORKER_MEMORY={CEILING}"
        assert "MAX_WORKER_MEMORY" in response.text and "300 MiB" in response.text
        after = wait_for(lambda: running.workers() and set(running.workers()) != set(before) and running.workers(),
                         SETTLE_SECONDS)
        assert after, "the worker holding the memory was not replaced"
        assert running.rss_split()[0] < CEILING  # the memory went with the old worker
        ask = requests.get(running.base + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=TIMEOUT,
                           headers={"Accept": "application/sparql-results+json"})
        assert ask.status_code == 200 and ask.json()["boolean"] is True


# --- Graph Store Protocol statuses and the service description's formats

def test_graph_store_statuses_follow_the_protocol(writable):
    store, auth = writable.base + "rdf-graph-store", {"Authorization": f"Bearer {TOKEN}"}
    graph = {"graph": "http://example.org/gsp/new"}
    turtle = {**auth, "Content-Type": "text/turtle"}
    assert requests.delete(store, params=graph, headers=auth, timeout=TIMEOUT).status_code == 404
    assert requests.put(store, params=graph, data=b"<urn:s> <urn:p> 1 .", headers=turtle,
                        timeout=TIMEOUT).status_code == 201
    assert requests.put(store, params=graph, data=b"<urn:s> <urn:p> 2 .", headers=turtle,
                        timeout=TIMEOUT).status_code == 204
    posted = {"graph": "http://example.org/gsp/posted"}
    assert requests.post(store, params=posted, data=b"<urn:s> <urn:p> 3 .", headers=turtle,
                         timeout=TIMEOUT).status_code == 201
    assert requests.head(store, params=posted, timeout=TIMEOUT).status_code == 200
    assert requests.delete(store, params=posted, headers=auth, timeout=TIMEOUT).status_code == 204
    assert requests.head(store, params=posted, timeout=TIMEOUT).status_code == 404
    assert requests.get(store, params=graph, headers={"Accept": "application/n-triples"},
                        timeout=TIMEOUT).text.strip() == '<urn:s> <urn:p> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .'


def test_a_post_to_the_store_itself_creates_a_graph_named_in_location(server, writable):
    turtle = {"Content-Type": "text/turtle"}
    refused = requests.post(server.base + "rdf-graph-store", data=b"<urn:s> <urn:p> 1 .",
                            headers={**turtle, "Authorization": f"Bearer {TOKEN}"}, timeout=TIMEOUT)
    assert refused.status_code == 403 and "Location" not in refused.headers
    store, auth = writable.base + "rdf-graph-store", {"Authorization": f"Bearer {TOKEN}"}
    locations = set()
    for _ in range(2):
        created = requests.post(store, data=b"<urn:s> <urn:p> 1 .", headers={**auth, **turtle}, timeout=TIMEOUT)
        assert created.status_code == 201, created.text
        locations.add(created.headers["Location"])
    assert len(locations) == 2  # each POST a fresh graph
    for location in locations:
        got = requests.get(store, params={"graph": location}, headers={"Accept": "application/n-triples"},
                           timeout=TIMEOUT)
        assert got.status_code == 200 and got.text.startswith("<urn:s> <urn:p>")
        page = requests.get(writable.base + location.removeprefix(BASE), headers={"Accept": "application/n-triples"},
                            timeout=TIMEOUT)  # the IRI dereferences here
        assert page.status_code == 200 and "<urn:s> <urn:p>" in page.text


def multipart(*parts):
    """Return (body, content type) of a multipart/form-data body of (name, filename, content type, bytes) parts."""
    boundary = "cdkg-test-boundary"
    body = b""
    for name, filename, content_type, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        body += (f"Content-Type: {content_type}\r\n" if content_type else "").encode() + b"\r\n" + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_multipart_post_reads_each_file_by_its_type_or_extension(writable):
    store, auth = writable.base + "rdf-graph-store", {"Authorization": f"Bearer {TOKEN}"}
    graph = {"graph": "http://example.org/gsp/multipart"}
    body, content_type = multipart(("a", "a.ttl", "text/turtle", b"<urn:s> <urn:p> 1 ."),
                                   ("b", "b.nt", "application/octet-stream", b'<urn:s> <urn:p> "2" .'),
                                   ("c", "c.rdf", None, b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
                                                        b'syntax-ns#"><rdf:Description rdf:about="urn:s"><p xmlns='
                                                        b'"urn:">3</p></rdf:Description></rdf:RDF>'))
    posted = requests.post(store, params=graph, data=body, headers={**auth, "Content-Type": content_type},
                           timeout=TIMEOUT)
    assert posted.status_code == 201, posted.text
    got = requests.get(store, params=graph, headers={"Accept": "application/n-triples"}, timeout=TIMEOUT)
    objects = {line.split()[2].split("^^")[0] for line in got.text.splitlines()}
    assert objects == {'"1"', '"2"', '"3"'}, got.text


@pytest.mark.parametrize("part, named", [
    (("people", "people.ttl", "text/turtle", b"<urn:s> <urn:p> ."), "'people'"),  # does not parse
    (("sheet", "sheet.xlsx", "application/vnd.ms-excel", b"PK"), "'sheet'"),  # no graph type nor extension
    (("quads", "quads.nq", "application/n-quads", b"<urn:s> <urn:p> <urn:o> <urn:g> ."), "'quads'"),  # a dataset
    (("note", None, None, b"<urn:s> <urn:p> 1 ."), "'note'"),  # a plain field, not a file
])
def test_a_bad_multipart_part_is_a_400_naming_it(writable, part, named):
    body, content_type = multipart(("good", "good.ttl", "text/turtle", b"<urn:s> <urn:p> 1 ."), part)
    response = requests.post(writable.base + "rdf-graph-store", params={"graph": "http://example.org/gsp/bad"},
                             data=body, headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type},
                             timeout=TIMEOUT)
    assert response.status_code == 400 and named in response.text, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    missing = requests.get(writable.base + "rdf-graph-store", params={"graph": "http://example.org/gsp/bad"},
                           timeout=TIMEOUT)
    assert missing.status_code == 404  # nothing of the request was written


def test_a_multipart_body_is_bounded_like_any_body(writable):
    body, content_type = multipart(("big", "big.nt", "application/n-triples", b"<urn:s> <urn:p> 1 .\n" * 200_000))
    response = requests.post(writable.base + "rdf-graph-store", params={"graph": "http://example.org/gsp/big"},
                             data=body, headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type},
                             timeout=TIMEOUT)
    assert response.status_code == 413 and "MAX_REQUEST_BYTES" in response.text


def test_the_service_description_names_formats_by_their_registry_iri(server):
    description = requests.get(server.base + "sparql", headers={"Accept": "application/n-triples"}, timeout=TIMEOUT)
    formats = {line.split()[2].strip("<>") for line in description.text.splitlines()
               if "sparql-service-description#resultFormat" in line}
    assert "http://www.w3.org/ns/formats/JSON-LD" in formats
    assert all(iri.startswith("http://www.w3.org/ns/formats/") for iri in formats), formats
