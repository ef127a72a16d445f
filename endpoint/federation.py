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
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
import requests

SPARQL_JSON = "application/sparql-results+json"
ACCEPT = f"{SPARQL_JSON}, application/sparql-results+xml;q=0.9"
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
BIND_JOIN_MAX = 1000  # distinct local values sent along with a service pattern; beyond, it is sent alone
HTTP_SCHEMES = ("http", "https")
LOCAL_NAMES = ("localhost",)

# Strings and comments are skipped so keywords and braces inside them do not count; IRIs are single tokens.
TOKEN = re.compile(
    r'''(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')'''
    r'''|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'''
    r'''|(?P<comment>\#[^\n]*)'''
    r'''|(?P<var>[?$][\w\u00B7\u00C0-\uFFFD]+)'''
    # a keyword, or a prefixed name (only a prefixed name's local part may hold dots, as in SPARQL)
    r'''|(?P<word>[A-Za-z_\u00C0-\uFFFD][\w\-\u00B7\u00C0-\uFFFD]*(?::[\w\-.%:\\\u00B7\u00C0-\uFFFD]*)?'''
    r'''|:[\w\-.%:\\\u00B7\u00C0-\uFFFD]*)'''
    r'''|(?P<open>\{)|(?P<close>\})|(?P<other>\S)''',
)
CODEPOINT_ESCAPE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")


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


def tokens(text):
    """Return the (kind, text, start, end) tokens of a SPARQL text, without strings and comments."""
    return [(match.lastgroup, match.group(), match.start(), match.end()) for match in TOKEN.finditer(text)
            if match.lastgroup not in ("string", "comment")]


def prologue(found):
    """Return the BASE IRI and the PREFIX map declared before the query form."""
    base, prefixes = None, {}
    index = 0
    while index < len(found):
        kind, value = found[index][0], found[index][1]
        if kind == "word" and value.upper() == "BASE" and index + 1 < len(found):
            base, index = found[index + 1][1][1:-1], index + 2
        elif kind == "word" and value.upper() == "PREFIX" and index + 2 < len(found):
            prefixes[found[index + 1][1].rstrip(":")] = found[index + 2][1][1:-1]
            index += 3
        else:
            break
    return base, prefixes


def resolve_target(kind, value, base, prefixes):
    """Return the endpoint IRI a SERVICE target denotes, or a Refusal."""
    if kind == "var":
        return Refusal(f"SERVICE {value}: a variable endpoint cannot be checked against the allowlist before "
                       "the query runs; name the endpoint with its IRI")
    if kind == "iri":
        return urljoin(base, value[1:-1]) if base else value[1:-1]
    prefix, _, local = value.partition(":")
    if kind == "word" and prefix in prefixes:
        return prefixes[prefix] + local
    return Refusal(f"SERVICE {value}: not an IRI this endpoint can read")


def matching_brace(found, open_index):
    """Return the index of the token closing the group opened at `open_index`, or None."""
    depth = 0
    for index in range(open_index, len(found)):
        if found[index][0] == "open":
            depth += 1
        elif found[index][0] == "close":
            depth -= 1
            if depth == 0:
                return index
    return None


def service_clauses(text):
    """Return every SERVICE clause (nested ones too), or a Refusal when one cannot be read."""
    found = tokens(text)
    base, prefixes = prologue(found)
    clauses = []
    for index, (kind, value, start, _) in enumerate(found):
        if kind != "word" or value.upper() != "SERVICE":
            continue
        cursor = index + 1
        silent = cursor < len(found) and found[cursor][0] == "word" and found[cursor][1].upper() == "SILENT"
        cursor += silent
        if cursor + 1 >= len(found) or found[cursor + 1][0] != "open":
            return Refusal(f"cannot read the SERVICE clause at offset {start}")
        target = resolve_target(found[cursor][0], found[cursor][1], base, prefixes)
        if isinstance(target, Refusal):
            return target
        close = matching_brace(found, cursor + 1)
        if close is None:
            return Refusal(f"the SERVICE clause at offset {start} is not closed")
        pattern = text[found[cursor + 1][3]:found[close][2]]
        clauses.append(ServiceClause(start, found[close][3], target, pattern, silent))
    return clauses


def hidden_service_keyword(text):
    """Refuse a keyword-like token that contains SERVICE without being it: a reading a store might not share."""
    for kind, value, start, _ in tokens(text):
        if kind == "word" and ":" not in value and "SERVICE" in value.upper() and value.upper() != "SERVICE":
            return Refusal(f"cannot read {value!r} at offset {start}")
    return None


def decode_codepoints(text):
    """Return the text with \\u/\\U escapes replaced, as some parsers (rdflib's) do before parsing."""
    return CODEPOINT_ESCAPE.sub(lambda match: chr(min(int(match.group()[2:], 16), 0x10FFFF)), text)


def mentions_service(text):
    """Tell whether the text could hold a SERVICE keyword, also once codepoint escapes are decoded."""
    return re.search("service", decode_codepoints(text), re.IGNORECASE) is not None


def refusal(text, allowlist):
    """Return a Refusal when the query has a SERVICE clause this endpoint must not run, else None (pure)."""
    if not mentions_service(text):
        return None
    if CODEPOINT_ESCAPE.search(text):
        return Refusal("a query with SERVICE may not use \\u codepoint escapes: write the characters themselves")
    hidden = hidden_service_keyword(text)
    if hidden:
        return hidden
    clauses = service_clauses(text)
    if isinstance(clauses, Refusal):
        return clauses
    allowed = set(allowlist)
    for clause in clauses:
        if clause.target not in allowed:
            return Refusal(f"SERVICE <{clause.target}> is not allowed: this endpoint federates only to the "
                           "endpoints in its SERVICE_ALLOWLIST" + ("" if allowed else " (empty)"))
        if urlsplit(clause.target).scheme not in HTTP_SCHEMES:
            return Refusal(f"SERVICE <{clause.target}>: only http and https endpoints can be queried")
    return None


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
    first = next((token for token in found if token[0] == "word" and token[1].upper() not in ("BASE", "PREFIX")
                  and not token[1].endswith(":")), None)
    return text[:first[2]] if first else ""


def service_query(text, clause, restriction=""):
    """Return the query sent to a service: the original prologue, the bind-join VALUES and the clause's pattern."""
    return f"{prologue_text(text, tokens(text))}SELECT * WHERE {{ {restriction} {{{clause.pattern}}} }}"


def variables_in(found):
    """Return the variable names among tokens (without ? or $)."""
    return {value[1:] for kind, value, _, _ in found if kind == "var"}


def enclosing_open(found, index):
    """Return the index of the `{` of the innermost group holding token `index`, or None."""
    depth = 0
    for position in range(index - 1, -1, -1):
        kind = found[position][0]
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
    while position < len(found) and found[position][1].upper() in ("NOT", "EXISTS"):
        position += 1
    if position < len(found) and found[position][0] == "word":
        position += 1  # a function name: regex(...), bound(...), a prefixed function
    opening = found[position][1] if position < len(found) else ""
    closing = {"(": ")", "{": "}"}.get(opening)
    if closing is None:
        return None
    depth = 0
    for end in range(position, len(found)):
        depth += found[end][1] == opening
        depth -= found[end][1] == closing
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
        kind, value = found[index][0], found[index][1].upper()
        if depth == 0 and kind == "word" and value in ("FILTER", "BIND", "VALUES"):
            end = constraint_end(found, index) if value != "VALUES" else values_end(found, index)
            if end is None or end > service_index:
                return None, None
            if value == "FILTER":
                filters.append((index, end))
            index = end
            continue
        depth += (kind == "open") - (kind == "close")
        if depth == 0 and kind == "var":
            bound.add(found[index][1][1:])
        index += 1
    return filters, bound


def values_end(found, index):
    """Return the index just past the data block of the VALUES token at `index`."""
    block = next((position for position in range(index, len(found)) if found[position][0] == "open"), None)
    close = None if block is None else matching_brace(found, block)
    return None if close is None else close + 1


def elements_before(text, found, open_index, service_index):
    """Return the group's text before the clause, or None when it cannot serve to narrow the service call.

    A FILTER of the group applies to the whole group: it is kept only when all its variables are surely bound
    before the clause (then the clause cannot change its verdict), otherwise dropped (the text then selects a
    superset, which is safe). A SERVICE before the clause disqualifies it: the local store must not call out.
    """
    if any(kind == "word" and value.upper() == "SERVICE" for kind, value, _, _ in found[open_index:service_index]):
        return None
    filters, bound = group_parts(found, open_index, service_index)
    if filters is None:
        return None
    pieces, position = [], found[open_index][3]
    for start, end in filters:
        if not variables_in(found[start:end]) <= bound:
            pieces.append(text[position:found[start][2]])
            position = found[end - 1][3]
    pieces.append(text[position:found[service_index][2]])
    return "".join(pieces)


def bind_join_values(text, clause, select_local):
    """Return a VALUES block of the local values the clause joins on, or "" to send the pattern alone."""
    found = tokens(text)
    service_index = next(index for index, token in enumerate(found) if token[2] == clause.start)
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


def fetch(url, query, timeout, max_rows):
    """Send a query to an allowed endpoint (form POST, no redirects) and return its parsed solutions."""
    check_resolution(url)
    try:
        with requests.post(url, data={"query": query}, headers={"Accept": ACCEPT}, timeout=timeout,
                           allow_redirects=False, stream=True) as response:
            if response.is_redirect:
                raise FederationError(f"SERVICE <{url}> redirected to {response.headers.get('Location')}; "
                                      "redirects are not followed")
            if not response.ok:
                raise FederationError(f"SERVICE <{url}> answered HTTP {response.status_code}")
            body = read_capped(response, url)
            content_type = response.headers.get("Content-Type", "")
    except requests.Timeout as error:
        raise FederationError(f"SERVICE <{url}> did not answer within {timeout} s", status=504) from error
    except requests.RequestException as error:
        raise FederationError(f"SERVICE <{url}> cannot be reached: {error}") from error
    return parse_solutions(url, body, content_type, max_rows)


def read_capped(response, url):
    """Read a response body, refusing one larger than MAX_RESPONSE_BYTES."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise FederationError(f"SERVICE <{url}> sent more than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_solutions(url, body, content_type, max_rows):
    """Parse SPARQL results into (variables, rows of terms), within the row cap."""
    results_format = ox.QueryResultsFormat.from_media_type(content_type)
    if results_format is None:
        raise FederationError(f"SERVICE <{url}> sent {content_type or 'no content type'}, not SPARQL results")
    try:
        results = ox.parse_query_results(body, format=results_format)
    except SyntaxError as error:
        raise FederationError(f"SERVICE <{url}> sent unreadable results: {error}") from error
    if isinstance(results, ox.QueryBoolean):
        raise FederationError(f"SERVICE <{url}> answered a boolean to a SELECT")
    variables = [variable.value for variable in results.variables]
    rows = []
    for solution in results:
        if len(rows) == max_rows:
            raise FederationError(f"SERVICE <{url}> returned more than {max_rows} solutions (SERVICE_MAX_ROWS); "
                                  "make the service pattern more selective")
        rows.append([solution[name] for name in variables])
    return variables, rows


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


def evaluate_services(text, allowlist, timeout, max_rows, mirrors=None, select_local=None):
    """Return the query with each allowed SERVICE clause replaced by its solutions, or raise FederationError.

    Call `refusal` first: this assumes every target is allowlisted. `mirrors` maps an endpoint IRI to the URL
    actually queried (a mirror or a local copy of it). `select_local(query) -> (variables, rows)` runs a SELECT
    on the local store for bind joins (without it, patterns are sent alone). A SILENT clause that fails becomes
    the one empty solution, as the standard says.
    """
    if not mentions_service(text):
        return text
    clauses = service_clauses(text)
    if isinstance(clauses, Refusal) or any(clause.target not in set(allowlist) for clause in clauses):
        raise FederationError("the query's SERVICE clauses were not checked against the allowlist", status=400)
    pieces, position = [], 0
    for clause in outermost(clauses):
        try:
            url = (mirrors or {}).get(clause.target, clause.target)
            restriction = bind_join_values(text, clause, select_local) if select_local else ""
            replacement = inline_data(url, *fetch(url, service_query(text, clause, restriction), timeout, max_rows))
        except FederationError:
            if not clause.silent:
                raise
            replacement = "VALUES () { () }"
        pieces += [text[position:clause.start], replacement]
        position = clause.end
    return "".join(pieces + [text[position:]])


def evaluate_configured(text, config, backend=None):
    """Return the text with its SERVICE clauses evaluated under the endpoint's SERVICE_* configuration."""
    select_local = (lambda query: solutions_of(backend.query(query).native)) if backend is not None else None
    return evaluate_services(text, config["SERVICE_ALLOWLIST"], config["SERVICE_TIMEOUT"], config["SERVICE_MAX_ROWS"],
                             config["SERVICE_MIRRORS"], select_local)


def solutions_of(results):
    """Return (variable names, rows of terms) of pyoxigraph query solutions."""
    variables = [variable.value for variable in results.variables]
    return variables, [[solution[name] for name in variables] for solution in results]
