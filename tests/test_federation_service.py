"""Outbound federation: SERVICE in queries sent to our endpoint reaches only allowlisted endpoints.

The pure check (`endpoint.federation.refusal`) is tested on query texts; the whole path with real servers on
loopback: our endpoint with a second instance allowlisted as the remote, a listener that is not allowlisted
(it must see no connection at all), and an allowlisted listener that never answers (the call's own timeout).
"""
import re
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from cdkg.endpoint.federation import bind_join_values, is_public, names_host_literally, refusal, service_clauses
from cdkg.ontology.namespaces import ID, OWL, WD, WDT
from tests.federation.data import KG_FIXTURE, WIKIDATA_FIXTURE, expected_rows, json_rows
from tests.federation.endpoint import Endpoint, make_kg_dir
from tests.federation.processes import free_port
from tests.federation.trap import SilentListener

FEDERATION_DOC = Path(__file__).resolve().parent.parent / "docs" / "federation.md"
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
SPARQL_JSON = "application/sparql-results+json"
ALLOWED = "http://127.0.0.1:1/sparql"


def readme_query(marker):
    """Return the text of docs/federation.md's ```sparql block whose first line names the marker."""
    for block in re.findall(r"```sparql\n(.*?)```", FEDERATION_DOC.read_text(encoding="utf-8"), re.DOTALL):
        if block.splitlines()[0].startswith(f"# {marker}:"):
            return block
    raise AssertionError(f"no sparql block '# {marker}:' in {FEDERATION_DOC}")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p 'SERVICE <http://10.0.0.1/> { }' }  # SERVICE <http://10.0.0.1/> {",
    f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SERVICE SILENT <{ALLOWED}> {{ ?s ?p ?o }} }}",
    "PREFIX x: <http://127.0.0.1:1/> SELECT * WHERE { service x:sparql { ?s ?p ?o } }",
    "BASE <http://127.0.0.1:1/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
])
def test_allowed_or_no_service(query):
    """Queries without SERVICE, or naming only the allowlisted endpoint (however spelled), pass the check."""
    assert refusal(query, [ALLOWED]) is None


@pytest.mark.parametrize("query,reason", [
    ("SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }", "<http://10.0.0.1/sparql> is not allowed"),
    ("SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }", "variable endpoint"),
    (f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ SERVICE <http://169.254.169.254/> {{ ?s ?p ?o }} }} }}",
     "<http://169.254.169.254/> is not allowed"),
    ("PREFIX x: <http://10.0.0.1/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }", "<http://10.0.0.1/sparql>"),
    ("BASE <http://10.0.0.1/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }", "<http://10.0.0.1/sparql>"),
    (r"SELECT * WHERE { SERVICE <http://127.0.0.1:1/sp\u0061rql> { ?s ?p ?o } }", "codepoint escapes"),
    (r"SELECT * WHERE { \u0053ERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }", "codepoint escapes"),
    ("SELECT * WHERE { ?s a ?o.SERVICE <file:///etc/passwd> { ?s ?p ?o } }", "<file:///etc/passwd> is not allowed"),
])
def test_refused_service(query, reason):
    """Each way of naming a non-allowlisted endpoint is refused with a reason naming it."""
    refused = refusal(query, [ALLOWED])
    assert refused is not None and reason in refused.message


def test_allowlisted_file_iri_is_still_refused():
    """Only HTTP endpoints are queried, even when a file: IRI is allowlisted."""
    refused = refusal("SELECT * WHERE { SERVICE <file:///data.ttl> { ?s ?p ?o } }", ["file:///data.ttl"])
    assert refused is not None and "only http and https" in refused.message


def test_service_clause_text_is_read_exactly():
    """The clause's pattern keeps nested groups and braces in strings, and SILENT is seen."""
    query = f'SELECT * WHERE {{ ?a ?b ?c . SERVICE SILENT <{ALLOWED}> {{ ?s ?p "}}" {{ ?x ?y ?z }} }} }}'
    [clause] = service_clauses(query)
    assert clause.silent and clause.target == ALLOWED
    assert clause.pattern.strip() == '?s ?p "}" { ?x ?y ?z }'
    assert query[clause.start:clause.end].startswith("SERVICE") and query[clause.end:].strip() == "}"


class RecordingStore:
    """Stand in for the local store in bind joins: record the queries, answer fixed rows."""

    def __init__(self, rows):
        """Answer every SELECT with these rows of one variable ?b."""
        self.rows, self.queries = rows, []

    def __call__(self, query):
        """Record the query and return (variables, rows)."""
        self.queries.append(query)
        return ["b"], self.rows


BIND_JOIN = ('SELECT * WHERE { ?a <urn:p> ?b FILTER(?b > 1) OPTIONAL { ?a <urn:r> ?c } FILTER(?c) '
             f'SERVICE <{ALLOWED}> {{ ?b <urn:s> ?d }} FILTER(?d) }}')


def test_bind_join_narrows_the_service_by_local_values():
    """The service gets the local values of the shared variable; FILTERs on unsure variables are left out."""
    store = RecordingStore([[ox.NamedNode("urn:x")], [ox.Literal("2")]])
    [clause] = service_clauses(BIND_JOIN)
    assert bind_join_values(BIND_JOIN, clause, store) == 'VALUES (?b) { (<urn:x>) ("2") }'
    [local] = store.queries
    assert "SELECT DISTINCT ?b" in local and "FILTER(?b > 1)" in local
    assert "FILTER(?c)" not in local and "FILTER(?d)" not in local and "SERVICE" not in local


@pytest.mark.parametrize("query,rows", [
    (BIND_JOIN, [[ox.BlankNode()]]),  # blank nodes cannot be sent
    (BIND_JOIN, [[None]]),  # an unbound value would duplicate solutions
    (f"SELECT * WHERE {{ ?a <urn:p> ?c SERVICE <{ALLOWED}> {{ ?b <urn:s> ?d }} }}", [[ox.NamedNode("urn:x")]]),
])
def test_bind_join_falls_back_to_the_plain_pattern(query, rows):
    """Without shared variables, or with values VALUES cannot carry, the pattern is sent alone."""
    [clause] = service_clauses(query)
    assert bind_join_values(query, clause, RecordingStore(rows)) == ""


def test_bind_join_never_lets_the_local_store_call_a_service():
    """Elements before the clause that hold another SERVICE are not run locally."""
    query = f"SELECT * WHERE {{ ?a <urn:p> ?b SERVICE <{ALLOWED}> {{ ?b <urn:t> ?e }} SERVICE <{ALLOWED}> {{ ?b <urn:s> ?d }} }}"
    store = RecordingStore([[ox.NamedNode("urn:x")]])
    assert bind_join_values(query, service_clauses(query)[1], store) == "" and store.queries == []


@pytest.mark.parametrize("address,public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.1", False), ("172.16.5.4", False),
    ("169.254.169.254", False), ("::1", False), ("fd00::1", False), ("0.0.0.0", False), ("8.8.8.8", True),
])
def test_only_global_addresses_are_public(address, public):
    """Loopback, private, link-local and unspecified addresses are not public."""
    assert is_public(address) is public


def test_ip_literals_and_localhost_are_named_on_purpose():
    """An allowlist entry naming an IP literal or localhost means it; other names are resolved and checked."""
    assert names_host_literally("127.0.0.1") and names_host_literally("::1") and names_host_literally("localhost")
    assert not names_host_literally("query.wikidata.org")


@pytest.fixture(scope="module")
def wikidata_endpoint(tmp_path_factory):
    """Serve the Wikidata-shaped fixture with a second instance of our endpoint."""
    work = tmp_path_factory.mktemp("wikidata-endpoint")
    endpoint = Endpoint(make_kg_dir(work / "kg", [WIKIDATA_FIXTURE]), work / "server.log")
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def refused_listener():
    """A loopback listener that is NOT allowlisted: it must never be connected to."""
    listener = SilentListener()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def hanging_listener():
    """An allowlisted loopback listener that accepts and never answers."""
    listener = SilentListener()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def kg_endpoint(tmp_path_factory, wikidata_endpoint, hanging_listener):
    """Serve the KG fixture with the second instance, the hanging listener and Wikidata (mirrored) allowlisted."""
    work = tmp_path_factory.mktemp("kg-endpoint")
    settings = {
        "SERVICE_ALLOWLIST": [wikidata_endpoint.sparql_url, hanging_listener.url, WIKIDATA_SPARQL],
        "SERVICE_MIRRORS": {WIKIDATA_SPARQL: wikidata_endpoint.sparql_url},
        "SERVICE_TIMEOUT": 1,
    }
    endpoint = Endpoint(make_kg_dir(work / "kg", [KG_FIXTURE]), work / "server.log", settings=settings)
    yield endpoint
    endpoint.stop()


def ask(endpoint, query):
    """Send a query by form POST asking for SPARQL JSON; return the response."""
    return requests.post(endpoint.sparql_url, data={"query": query}, headers={"Accept": SPARQL_JSON}, timeout=30)


COUNTRY_POPULATIONS = f"""PREFIX owl: <{OWL}>
PREFIX wdt: <{WDT}>
SELECT ?country ?population WHERE {{
  ?country owl:sameAs ?item .
  SERVICE <%s> {{ ?item wdt:P1082 ?population }}
}}"""


def test_service_to_an_allowlisted_instance_joins_its_solutions(kg_endpoint, wikidata_endpoint):
    """SERVICE to a second instance of our endpoint joins its solutions with the local ones."""
    response = ask(kg_endpoint, COUNTRY_POPULATIONS % wikidata_endpoint.sparql_url)
    assert response.status_code == 200, response.text
    rows = json_rows(response.json()["results"]["bindings"], ["country", "population"])
    local = COUNTRY_POPULATIONS.replace("SERVICE <%s> ", "")
    assert rows == expected_rows(local, KG_FIXTURE, WIKIDATA_FIXTURE) and len(rows) == 3


def test_readme_wikidata_join_runs_against_the_stand_in(kg_endpoint):
    """The Wikidata query of docs/federation.md, as written, joins the KG with the (mirrored) Wikidata stand-in."""
    query = readme_query("wikidata-join")
    assert f"SERVICE <{WIKIDATA_SPARQL}>" in query
    response = ask(kg_endpoint, query)
    assert response.status_code == 200, response.text
    variables = response.json()["head"]["vars"]
    rows = json_rows(response.json()["results"]["bindings"], variables)
    local = re.sub(r"SERVICE <[^>]+>\s*\{(.*?)\}", r"\1", query, flags=re.DOTALL)
    assert rows == expected_rows(local, KG_FIXTURE, WIKIDATA_FIXTURE)
    assert {row[variables.index("partner")] for row in rows} == {ID["place/novi-sad"], ID["place/doha"]}


def test_service_outside_the_allowlist_is_refused_before_connecting(kg_endpoint, refused_listener):
    """A SERVICE to a listening but non-allowlisted address is a 400 naming it, and no connection is made."""
    response = ask(kg_endpoint, f"SELECT * WHERE {{ SERVICE <{refused_listener.url}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 400 and refused_listener.url in response.text
    time.sleep(0.2)
    assert refused_listener.connections == []


@pytest.mark.parametrize("target", ["http://10.0.0.1/sparql", "http://169.254.169.254/latest/meta-data/",
                                    "file:///etc/passwd", str(WD)])
def test_private_metadata_and_file_targets_are_refused(kg_endpoint, target):
    """Private addresses, cloud metadata, files and non-endpoints are refused with a 400 (nothing is sent)."""
    response = ask(kg_endpoint, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 400 and target in response.text


def test_service_with_a_variable_endpoint_is_refused(kg_endpoint):
    """SERVICE ?x cannot be checked beforehand and is refused."""
    response = ask(kg_endpoint, "SELECT * WHERE { VALUES ?x { <http://10.0.0.1/> } SERVICE ?x { ?s ?p ?o } }")
    assert response.status_code == 400 and "variable endpoint" in response.text


def test_a_hanging_service_times_out_on_its_own_clock(kg_endpoint, hanging_listener):
    """An allowlisted endpoint that never answers fails the query with 504 after SERVICE_TIMEOUT."""
    start = time.monotonic()
    response = ask(kg_endpoint, f"SELECT * WHERE {{ SERVICE <{hanging_listener.url}> {{ ?s ?p ?o }} }}")
    elapsed = time.monotonic() - start
    assert response.status_code == 504 and "did not answer within 1" in response.text
    assert elapsed < 10


def test_silent_service_failure_leaves_the_rest_of_the_query(kg_endpoint, hanging_listener):
    """SERVICE SILENT that times out contributes the empty solution: the local part still answers."""
    query = (f"SELECT ?country WHERE {{ ?country <{OWL.sameAs}> ?item "
             f"SERVICE SILENT <{hanging_listener.url}> {{ ?item ?p ?o }} }}")
    response = ask(kg_endpoint, query)
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == 3


# Allowlisted but with nobody listening, and mirrored to the second instance: only the endpoint's own SERVICE
# evaluation (which follows the mirror) can answer; a store making the call itself would fail to connect.
UNREACHABLE = f"http://127.0.0.1:{free_port()}/sparql"


@pytest.fixture(scope="module")
def writable_endpoint(tmp_path_factory, wikidata_endpoint):
    """Serve the KG fixture with writes enabled (bearer token) and a mirrored allowlisted endpoint."""
    work = tmp_path_factory.mktemp("writable-endpoint")
    settings = {"SERVICE_ALLOWLIST": [UNREACHABLE], "SERVICE_MIRRORS": {UNREACHABLE: wikidata_endpoint.sparql_url},
                "UPDATE_ENABLED": "true", "UPDATE_TOKEN": "federation-test-token"}
    endpoint = Endpoint(make_kg_dir(work / "kg", [KG_FIXTURE]), work / "server.log", settings=settings)
    yield endpoint
    endpoint.stop()


def test_update_with_service_copies_remote_solutions(writable_endpoint):
    """An update's SERVICE is evaluated by the endpoint too: the remote solutions land in the local graph."""
    target = "urn:cdkg:test:populations"
    update = (f"PREFIX wdt: <{WDT}> INSERT {{ GRAPH <{target}> {{ ?item wdt:P1082 ?population }} }} "
              f"WHERE {{ SERVICE <{UNREACHABLE}> {{ ?item wdt:P1082 ?population }} }}")
    response = requests.post(writable_endpoint.base_url + "/update", data={"update": update},
                             headers={"Authorization": "Bearer federation-test-token"}, timeout=30)
    assert response.status_code == 204, response.text
    copied = ask(writable_endpoint, f"SELECT ?item ?population WHERE {{ GRAPH <{target}> {{ ?item ?p ?population }} }}")
    rows = json_rows(copied.json()["results"]["bindings"], ["item", "population"])
    assert rows == expected_rows(f"PREFIX wdt: <{WDT}> SELECT ?item ?population WHERE {{ ?item wdt:P1082 ?population }}",
                                 WIKIDATA_FIXTURE)


@pytest.fixture(scope="module")
def capped_endpoint(tmp_path_factory, wikidata_endpoint):
    """Serve the KG fixture with the Wikidata stand-in (mirrored) and a cap of 2 solutions per SERVICE call."""
    work = tmp_path_factory.mktemp("capped-endpoint")
    settings = {"SERVICE_ALLOWLIST": [WIKIDATA_SPARQL], "SERVICE_MIRRORS": {WIKIDATA_SPARQL: wikidata_endpoint.sparql_url},
                "SERVICE_MAX_ROWS": 2}
    endpoint = Endpoint(make_kg_dir(work / "kg", [KG_FIXTURE]), work / "server.log", settings=settings)
    yield endpoint
    endpoint.stop()


def test_too_many_service_solutions_fail_clearly(capped_endpoint):
    """A service pattern with more solutions than SERVICE_MAX_ROWS fails the query (502) saying so."""
    query = f"PREFIX wdt: <{WDT}> SELECT * WHERE {{ SERVICE <{WIKIDATA_SPARQL}> {{ ?item wdt:P1082 ?population }} }}"
    response = ask(capped_endpoint, query)
    assert response.status_code == 502 and "more than 2 solutions" in response.text


def test_bind_join_sends_only_the_local_values(capped_endpoint):
    """The documented join sends the service only the items the KG links (2 of the stand-in's 3), within the cap."""
    query = readme_query("wikidata-join")
    response = ask(capped_endpoint, query)
    assert response.status_code == 200, response.text
    variables = response.json()["head"]["vars"]
    local = re.sub(r"SERVICE <[^>]+>\s*\{(.*?)\}", r"\1", query, flags=re.DOTALL)
    assert json_rows(response.json()["results"]["bindings"], variables) == expected_rows(
        local, KG_FIXTURE, WIKIDATA_FIXTURE)
