"""Outbound federation: SERVICE clauses reach only allowlisted endpoints, and we make those calls ourselves.

A query's SERVICE targets are read from its text before anything runs. A target outside SERVICE_ALLOWLIST, a
variable target, or a non-HTTP scheme is refused (400) before any connection. Allowed clauses are evaluated
here, one request each, with our own timeout, no redirects and a cap on the solutions; their solutions replace
the clause as inline data (VALUES), so the store evaluates a query without SERVICE and never connects anywhere
itself. This is the evaluation SPARQL 1.1 Federated Query defines: the service pattern is evaluated at the
remote endpoint and its solutions are joined where the clause stood.

Bind join: when the elements before the clause in its group share variables with it, the local store is first
asked for the distinct values of those variables (the elements before the clause, without the group's
FILTERs, over the whole store: a superset of what the clause will be joined with), and the service gets them
as VALUES. Joining with a superset of the partner values leaves the join's solutions unchanged, and the
remote side only sends what can join (e.g. a few Wikidata items instead of every item with a population).
Without shared variables, with more than BIND_JOIN_MAX values or unbound ones, the pattern is sent alone.
"""
import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import pyoxigraph as ox

from cdkg.endpoint import isolation
from cdkg.endpoint.sparqltext import (
    decode_codepoints, has_codepoint_escapes, iri_value, local_name, prologue, prologue_end, tokens,
)

SPARQL_JSON = "application/sparql-results+json"
ACCEPT = f"{SPARQL_JSON}, application/sparql-results+xml;q=0.9"
ACCEPT_RDF = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8, application/ld+json;q=0.7"
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
READ_BYTES = 64 * 1024
BIND_JOIN_MAX = 1000  # distinct local values sent along with a service pattern; beyond, it is sent alone
HTTP_SCHEMES = ("http", "https")
LOCAL_NAMES = ("localhost",)
OUTBOUND_KEYWORDS = ("SERVICE", "LOAD")  # the operations that name a place to connect to


@dataclass(frozen=True)
class Refusal:
    """A query this endpoint will not federate, with the reason sent to the client."""

    message: str


@dataclass(frozen=True)
class ServiceClause:
    """A SERVICE clause as written: where it is in the text, its target, its pattern text and SILENT."""

    start: int
    end: int
    target: str
    pattern: str
    silent: bool


class FederationError(Exception):
    """An allowed SERVICE endpoint failed (timeout, error status, unreadable or oversized answer)."""

    def __init__(self, message, status=502):
        """Keep the HTTP status to answer with: 502 for a failed endpoint, 504 for a timeout."""
        super().__init__(message)
        self.status = status


def resolve_target(token, base, prefixes):
    """Return the IRI a SERVICE or LOAD target denotes, or a Refusal."""
    if token.kind == "var":
        return Refusal(f"SERVICE {token.text}: a variable endpoint cannot be checked against the allowlist before "
                       "the query runs; name the endpoint with its IRI")
    if token.kind == "iri":
        value = iri_value(token)
        return urljoin(base, value) if base else value
    if token.kind == "pname":
        prefix, local = local_name(token)
        if prefix in prefixes:
            return prefixes[prefix] + local
        return Refusal(f"{token.text}: the prefix {prefix}: is not declared")
    return Refusal(f"{token.text!r} at offset {token.start}: not an IRI this endpoint can read")


def matching_brace(found, open_index):
    """Return the index of the token closing the group opened at `open_index`, or None."""
    depth = 0
    for index in range(open_index, len(found)):
        if found[index].kind == "punct" and found[index].text == "{":
            depth += 1
        elif found[index].kind == "punct" and found[index].text == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def is_open(token):
    """Tell whether a token opens a group."""
    return token.kind == "punct" and token.text == "{"


@functools.lru_cache(maxsize=256)  # the allowlist, the outbound check and the search service read it in turn
def service_clauses(text):
    """Return every SERVICE clause (nested ones too) as a tuple, or a Refusal when one cannot be read."""
    found = tokens(text)
    base, prefixes = prologue(found)
    clauses = []
    for index, token in enumerate(found):
        if not token.is_word("SERVICE"):
            continue
        cursor = index + 1
        silent = cursor < len(found) and found[cursor].is_word("SILENT")
        cursor += silent
        if cursor + 1 >= len(found) or not is_open(found[cursor + 1]):
            return Refusal(f"cannot read the SERVICE clause at offset {token.start}")
        target = resolve_target(found[cursor], base, prefixes)
        if isinstance(target, Refusal):
            return target
        close = matching_brace(found, cursor + 1)
        if close is None:
            return Refusal(f"the SERVICE clause at offset {token.start} is not closed")
        pattern = text[found[cursor + 1].end:found[close].start]
        clauses.append(ServiceClause(token.start, found[close].end, target, pattern, silent))
    return tuple(clauses)


@dataclass(frozen=True)
class LoadOperation:
    """A LOAD operation as written: where it is, the document IRI, the target graph (None: default) and SILENT."""

    start: int
    end: int
    source: str
    graph: str
    silent: bool


def load_operations(text):
    """Return every LOAD operation of an update (LOAD SILENT? iri (INTO GRAPH iri)?), or a Refusal."""
    found = tokens(text)
    base, prefixes = prologue(found)
    operations = []
    for index, token in enumerate(found):
        if not token.is_word("LOAD"):
            continue
        cursor = index + 1
        silent = cursor < len(found) and found[cursor].is_word("SILENT")
        cursor += silent
        if cursor >= len(found):
            return Refusal(f"cannot read the LOAD operation at offset {token.start}")
        source = resolve_target(found[cursor], base, prefixes)
        if isinstance(source, Refusal):
            return source
        graph, end = None, found[cursor].end
        if cursor + 3 < len(found) and found[cursor + 1].is_word("INTO") and found[cursor + 2].is_word("GRAPH"):
            graph = resolve_target(found[cursor + 3], base, prefixes)
            if isinstance(graph, Refusal):
                return graph
            end = found[cursor + 3].end
        operations.append(LoadOperation(token.start, end, source, graph, silent))
    return operations


def names_outbound(text):
    """Tell whether the text says SERVICE or LOAD, as written or with its codepoint escapes decoded."""
    return any(token.is_word(*OUTBOUND_KEYWORDS) for token in tokens(text)) or (
        has_codepoint_escapes(text) and any(token.is_word(*OUTBOUND_KEYWORDS)
                                            for token in tokens(decode_codepoints(text))))


def unreadable(text):
    """Return a Refusal when SERVICE or LOAD cannot be read with certainty in the text, else None.

    Engines decode \\u escapes in different places (everywhere, or only in IRIs and strings), and a character
    no terminal accepts may be read otherwise by a store: text naming SERVICE or LOAD must have neither.
    """
    if not names_outbound(text):
        return None
    found = tokens(text)
    if has_codepoint_escapes(text):
        return Refusal("a request with SERVICE or LOAD may not use \\u codepoint escapes: write the characters "
                       "themselves")
    bad = next((token for token in found if token.kind == "invalid"), None)
    if bad is not None:
        return Refusal(f"cannot read {bad.text!r} at offset {bad.start}")
    return None


def target_refusal(kind, target, allowed):
    """Return a Refusal when a SERVICE or LOAD target is not an allowlisted HTTP(S) IRI, else None."""
    if target not in allowed:
        return Refusal(f"{kind} <{target}> is not allowed: this endpoint federates only to the endpoints in its "
                       "SERVICE_ALLOWLIST" + ("" if allowed else " (empty)"))
    if urlsplit(target).scheme not in HTTP_SCHEMES:
        return Refusal(f"{kind} <{target}>: only http and https endpoints can be queried")
    return None


def refusal(text, allowlist):
    """Return a Refusal when the text has a SERVICE clause or LOAD this endpoint must not run, else None (pure)."""
    if not names_outbound(text):  # most queries: nothing to look for
        return None
    problem = unreadable(text)
    if problem:
        return problem
    clauses, loads = service_clauses(text), load_operations(text)
    for found in (clauses, loads):
        if isinstance(found, Refusal):
            return found
    allowed = set(allowlist)
    targets = [("SERVICE", clause.target) for clause in clauses] + [("LOAD", load.source) for load in loads]
    return next(filter(None, (target_refusal(kind, target, allowed) for kind, target in targets)), None)


def reaches_out(text, answered_here=()):
    """Tell whether the text has a LOAD, or a SERVICE clause to a target other than those answered here."""
    if not names_outbound(text):
        return False
    if any(token.is_word("LOAD") for token in tokens(text)):
        return True
    clauses = service_clauses(text)
    return isinstance(clauses, Refusal) or any(clause.target not in answered_here for clause in clauses)


def outermost(clauses):
    """Return the clauses not nested in another one (those are evaluated by the remote endpoint)."""
    kept = []
    for clause in sorted(clauses, key=lambda c: c.start):
        if not kept or clause.start >= kept[-1].end:
            kept.append(clause)
    return kept


def is_public(address):
    """Tell whether an IP address is globally routable (not loopback, private, link-local, reserved...)."""
    return ipaddress.ip_address(address).is_global


def names_host_literally(host):
    """Tell whether a host is an IP literal or localhost: an allowlist entry naming it means it on purpose."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return host.lower() in LOCAL_NAMES


def check_resolution(url):
    """Refuse a host NAME that resolves to a non-public address (an allowlisted name must not lead inside)."""
    host = urlsplit(url).hostname or ""
    if names_host_literally(host):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as error:
        raise FederationError(f"SERVICE <{url}>: cannot resolve {host}: {error}") from error
    inner = sorted(address for address in addresses if not is_public(address))
    if inner:
        raise FederationError(f"SERVICE <{url}>: {host} resolves to a non-public address ({', '.join(inner)}); "
                              "allowlist the address itself to reach it")


def prologue_text(text, found):
    """Return the query's BASE/PREFIX declarations as written."""
    end = prologue_end(found)
    return text[:found[end].start] if end < len(found) else text


def service_query(text, clause, restriction=""):
    """Return the query sent to a service: the original prologue, the bind-join VALUES and the clause's pattern."""
    return f"{prologue_text(text, tokens(text))}SELECT * WHERE {{ {restriction} {{{clause.pattern}}} }}"


def variables_in(found):
    """Return the variable names among tokens (without ? or $)."""
    return {token.text[1:] for token in found if token.kind == "var"}


def brace(token):
    """Return "open" or "close" for a group's brace, else None."""
    if token.kind == "punct" and token.text in "{}":
        return "open" if token.text == "{" else "close"
    return None


def enclosing_open(found, index):
    """Return the index of the `{` of the innermost group holding token `index`, or None."""
    depth = 0
    for position in range(index - 1, -1, -1):
        kind = brace(found[position])
        if kind == "close":
            depth += 1
        elif kind == "open":
            if depth == 0:
                return position
            depth -= 1
    return None


def constraint_end(found, index):
    """Return the index just past the constraint of the FILTER token at `index` (brackets or EXISTS group)."""
    position = index + 1
    while position < len(found) and found[position].is_word("NOT", "EXISTS"):
        position += 1
    if position < len(found) and found[position].kind in ("word", "pname", "iri"):
        position += 1  # a function name: regex(...), bound(...), a prefixed function
    opening = found[position].text if position < len(found) and found[position].kind == "punct" else ""
    closing = {"(": ")", "{": "}"}.get(opening)
    if closing is None:
        return None
    depth = 0
    for end in range(position, len(found)):
        depth += found[end].kind == "punct" and found[end].text == opening
        depth -= found[end].kind == "punct" and found[end].text == closing
        if depth == 0:
            return end + 1
    return None


def group_parts(found, open_index, service_index):
    """Return the group's FILTER token ranges and the variables its triple patterns surely bind, before the clause.

    Surely bound: variables of the group's own triple patterns (and GRAPH names), not those only inside nested
    groups (OPTIONAL, UNION...), FILTER and BIND expressions or VALUES (which may leave them unbound).
    """
    filters, bound, index, depth = [], set(), open_index + 1, 0
    while index < service_index:
        token = found[index]
        if depth == 0 and token.is_word("FILTER", "BIND", "VALUES"):
            end = constraint_end(found, index) if not token.is_word("VALUES") else values_end(found, index)
            if end is None or end > service_index:
                return None, None
            if token.is_word("FILTER"):
                filters.append((index, end))
            index = end
            continue
        depth += (brace(token) == "open") - (brace(token) == "close")
        if depth == 0 and token.kind == "var":
            bound.add(token.text[1:])
        index += 1
    return filters, bound


def values_end(found, index):
    """Return the index just past the data block of the VALUES token at `index`."""
    block = next((position for position in range(index, len(found)) if is_open(found[position])), None)
    close = None if block is None else matching_brace(found, block)
    return None if close is None else close + 1


def elements_before(text, found, open_index, service_index):
    """Return the group's text before the clause, or None when it cannot serve to narrow the service call.

    A FILTER of the group applies to the whole group: it is kept only when all its variables are surely bound
    before the clause (then the clause cannot change its verdict), otherwise dropped (the text then selects a
    superset, which is safe). A SERVICE before the clause disqualifies it: the local store must not call out.
    """
    if any(token.is_word("SERVICE") for token in found[open_index:service_index]):
        return None
    filters, bound = group_parts(found, open_index, service_index)
    if filters is None:
        return None
    pieces, position = [], found[open_index].end
    for start, end in filters:
        if not variables_in(found[start:end]) <= bound:
            pieces.append(text[position:found[start].start])
            position = found[end - 1].end
    pieces.append(text[position:found[service_index].start])
    return "".join(pieces)


def bind_join_values(text, clause, select_local):
    """Return a VALUES block of the local values the clause joins on, or "" to send the pattern alone."""
    found = tokens(text)
    service_index = next(index for index, token in enumerate(found) if token.start == clause.start)
    open_index = enclosing_open(found, service_index)
    if open_index is None:
        return ""
    shared = sorted(variables_in(found[open_index + 1:service_index]) & variables_in(tokens(clause.pattern)))
    before = elements_before(text, found, open_index, service_index) if shared else None
    if not before:
        return ""
    head = " ".join(f"?{name}" for name in shared)
    variables, rows = select_local(f"{prologue_text(text, found)}SELECT DISTINCT {head} WHERE {{ {before} }} "
                                   f"LIMIT {BIND_JOIN_MAX + 1}")
    if len(rows) > BIND_JOIN_MAX or any(value is None or isinstance(value, ox.BlankNode)
                                        for row in rows for value in row):
        return ""
    return inline_data(clause.target, variables, rows)


def cut_off(sock):
    """Shut a socket, waking a thread blocked reading it (the call's deadline has passed)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def exchange(what, url, method, body, headers, deadline, limit):
    """Send one request to an allowed URL and return (content type, body), all before the monotonic deadline.

    Our own client, on an outbound thread: no redirects, no proxies from the environment, a cap on the body,
    and one deadline for the whole call (connect, headers and body: a watchdog shuts the socket when it
    passes, so an endpoint sending a byte now and then cannot stretch it). `what` names the operation in
    messages (SERVICE, LOAD), `limit` the deadline's origin.
    """
    check_resolution(url)
    parts = urlsplit(url)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FederationError(f"{what} <{url}> was not called: no time was left ({limit})", status=504)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=remaining,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=remaining)
    watchdog = None
    try:
        connection.connect()  # within the socket timeout; the watchdog covers everything after
        # the socket itself: http.client drops its own reference when the answer closes the connection
        watchdog = threading.Timer(deadline - time.monotonic(), cut_off, (connection.sock,))
        watchdog.daemon = True
        watchdog.start()
        connection.request(method, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body, headers)
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise FederationError(f"{what} <{url}> redirected to {response.getheader('Location')}; redirects are not "
                                  "followed")
        if response.status >= 400:
            raise FederationError(f"{what} <{url}> answered HTTP {response.status}")
        chunks, size = [], 0
        while chunk := response.read1(READ_BYTES):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise FederationError(f"{what} <{url}> sent more than {MAX_RESPONSE_BYTES} bytes")
            chunks.append(chunk)
        if time.monotonic() >= deadline:
            raise OSError("cut off at the deadline")
        return response.getheader("Content-Type", ""), b"".join(chunks)
    except (OSError, http.client.HTTPException) as error:
        if time.monotonic() >= deadline:
            raise FederationError(f"{what} <{url}> did not answer within {limit}", status=504) from error
        raise FederationError(f"{what} <{url}> cannot be reached or read: {error}") from error
    finally:
        if watchdog is not None:
            watchdog.cancel()
        connection.close()


def call_deadline(deadline, timeout):
    """Return (deadline, its name) of one outbound call: SERVICE_TIMEOUT from now, or the request's if sooner."""
    own = time.monotonic() + timeout
    if deadline is not None and deadline < own:
        return deadline, f"the request's time limit (QUERY_TIMEOUT), {max(deadline - time.monotonic(), 0):.3g} s left"
    return own, f"{timeout:g} s (SERVICE_TIMEOUT)"


def fetch(url, query, deadline, max_rows):
    """Send a query to an allowed endpoint (form POST) and return its parsed solutions."""
    body = urlencode({"query": query}).encode("ascii")
    headers = {"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"}
    content_type, payload = isolation.outbound(lambda: exchange("SERVICE", url, "POST", body, headers, *deadline))
    return parse_solutions(url, payload, content_type, max_rows)


def parse_solutions(url, body, content_type, max_rows):
    """Parse SPARQL results into (variables, rows of terms), within the row cap."""
    results_format = ox.QueryResultsFormat.from_media_type(content_type)
    if results_format is None:
        raise FederationError(f"SERVICE <{url}> sent {content_type or 'no content type'}, not SPARQL results")
    rows = []
    try:  # the results are parsed while they are read: an error may come at any solution
        results = ox.parse_query_results(body, format=results_format)
        if isinstance(results, ox.QueryBoolean):
            raise FederationError(f"SERVICE <{url}> answered a boolean to a SELECT")
        variables = [variable.value for variable in results.variables]
        for solution in results:
            if len(rows) == max_rows:
                raise FederationError(f"SERVICE <{url}> returned more than {max_rows} solutions (SERVICE_MAX_ROWS); "
                                      "make the service pattern more selective")
            rows.append([solution[name] for name in variables])
    except (SyntaxError, ValueError, OSError) as error:
        raise FederationError(f"SERVICE <{url}> sent unreadable results ({content_type}): {error}") from error
    return variables, rows


def load_data(load, url, deadline):
    """Fetch the RDF document of an allowed LOAD ourselves and return the INSERT DATA that adds its triples."""
    content_type, payload = isolation.outbound(
        lambda: exchange("LOAD", url, "GET", None, {"Accept": ACCEPT_RDF}, *deadline))
    rdf_format = ox.RdfFormat.from_media_type(content_type)
    if rdf_format is None:
        raise FederationError(f"LOAD <{load.source}> sent {content_type or 'no content type'}, not RDF")
    try:
        triples = [quad.triple for quad in ox.parse(payload, format=rdf_format, base_iri=load.source)]
    except (SyntaxError, ValueError, OSError) as error:
        raise FederationError(f"LOAD <{load.source}> sent unreadable RDF ({content_type}): {error}") from error
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return f"INSERT DATA {{ GRAPH <{load.graph}> {{ {data} }} }}" if load.graph else f"INSERT DATA {{ {data} }}"


def inline_data(url, variables, rows):
    """Return a VALUES block holding the solutions (blank nodes cannot be written in VALUES)."""
    def term(value):
        if value is None:
            return "UNDEF"
        if isinstance(value, ox.BlankNode):
            raise FederationError(f"SERVICE <{url}> returned blank nodes, which cannot be joined here")
        return str(value)

    head = " ".join(f"?{name}" for name in variables)
    body = " ".join("(" + " ".join(term(value) for value in row) + ")" for row in rows)
    return f"VALUES ({head}) {{ {body} }}"


def evaluate_services(text, allowlist, timeout, max_rows, mirrors=None, select_local=None, deadline=None):
    """Return the text with each allowed SERVICE clause replaced by its solutions and each LOAD by its data.

    Call `refusal` first: this assumes every target is allowlisted. `mirrors` maps an endpoint IRI to the URL
    actually queried (a mirror or a local copy of it). `select_local(query) -> (variables, rows)` runs a SELECT
    on the local store for bind joins (without it, patterns are sent alone). Each call ends by SERVICE_TIMEOUT
    (`timeout`) and by the request's monotonic `deadline`. A SILENT clause that fails becomes the one empty
    solution, a SILENT LOAD that fails loads nothing, as the standard says.
    """
    clauses, loads = service_clauses(text), load_operations(text)
    if isinstance(clauses, Refusal) or isinstance(loads, Refusal) or any(
            target not in set(allowlist) for target in [c.target for c in clauses] + [l.source for l in loads]):
        raise FederationError("the request's SERVICE and LOAD targets were not checked against the allowlist",
                              status=400)
    pieces, position = [], 0
    for part in sorted(outermost(clauses) + loads, key=lambda part: part.start):
        try:
            if isinstance(part, LoadOperation):
                replacement = load_data(part, (mirrors or {}).get(part.source, part.source),
                                        call_deadline(deadline, timeout))
            else:
                url = (mirrors or {}).get(part.target, part.target)
                restriction = bind_join_values(text, part, select_local) if select_local else ""
                query = service_query(text, part, restriction)
                replacement = inline_data(url, *fetch(url, query, call_deadline(deadline, timeout), max_rows))
        except FederationError:
            if not part.silent:
                raise
            replacement = "INSERT DATA {}" if isinstance(part, LoadOperation) else "VALUES () { () }"
        pieces += [text[position:part.start], replacement]
        position = part.end
    return "".join(pieces + [text[position:]])


def evaluate_configured(text, config, backend=None, deadline=None):
    """Return the text with its SERVICE clauses and LOADs evaluated under the endpoint's SERVICE_* configuration."""
    select_local = (lambda query: solutions_of(backend.query(query).native)) if backend is not None else None
    return evaluate_services(text, config["SERVICE_ALLOWLIST"], config["SERVICE_TIMEOUT"], config["SERVICE_MAX_ROWS"],
                             config["SERVICE_MIRRORS"], select_local, deadline)


def solutions_of(results):
    """Return (variable names, rows of terms) of pyoxigraph query solutions."""
    variables = [variable.value for variable in results.variables]
    return variables, [[solution[name] for name in variables] for solution in results]
