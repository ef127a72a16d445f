"""Full-text search for queries and pages: the SERVICE <https://w3id.org/citydiplomacy/search> clause, evaluated here.

A query names the search service as it names any SERVICE; instead of a remote call, this endpoint answers the
clause from its text index (kg/textindex.py) and puts the hits in its place as inline data (VALUES), as it does
for allowlisted services. The clause is a list of triple patterns about one subject variable:

    PREFIX cds: <https://w3id.org/citydiplomacy/search#>
    SERVICE <https://w3id.org/citydiplomacy/search> {
      ?hit cds:query "شیراز" ;          # the words (required); matched as a phrase
           cds:limit 10 ;              # at most this many hits (default SEARCH_DEFAULT_LIMIT)
           cds:prefix true ;           # the last word may be the start of a word (autocomplete)
           cds:type cdo:City ;         # only resources of this class (repeatable)
           cds:property rdfs:label ;   # only this property's literals (repeatable), or ?p to bind it
           cds:lang "fa" ;             # only literals in this language
           cds:score ?score ;          # binds the rank (higher is better)
           cds:text ?text .            # binds the literal that matched
    }
"""
import re
import tempfile
from pathlib import Path

import pyoxigraph as ox
from flask import current_app

from cdkg.endpoint import federation
from cdkg.endpoint.sparqltext import prologue, tokens
from cdkg.endpoint.web import state
from cdkg.kg.textindex import INDEX_FILE, SearchError, TextIndex, build_from_store, rows_of, write_index
from cdkg.ontology.namespaces import CDS, RDFS, SEARCH_SERVICE, XSD

PATTERN_TOKEN = re.compile(
    r'''\s*(?:(?P<comment>\#[^\n]*)|(?P<var>[?$][\w\u00B7\u00C0-\uFFFD]+)'''
    r'''|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'''
    r'''|(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)?'''
    r'''|(?P<number>\d+)(?![\w.])|(?P<boolean>true|false)(?![\w:])|(?P<a>a)(?=\s)'''
    r'''|(?P<pname>(?:[A-Za-z][\w\-.]*)?:[\w\-]*(?:[\w\-.]*[\w\-])?)|(?P<punct>[;,.]))'''
)
ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
# Plain strings: rdflib terms compare unequal to the str IRIs read from the query.
QUERY, LIMIT, PREFIX, TYPE, PROPERTY, LANG, SCORE, TEXT = (str(CDS[term]) for term in (
    "query", "limit", "prefix", "type", "property", "lang", "score", "text"))
INPUTS = {QUERY: "string", LIMIT: "number", PREFIX: "boolean", TYPE: "iri", PROPERTY: "iri", LANG: "string"}
OUTPUTS = (SCORE, TEXT, PROPERTY)
REPEATABLE = (TYPE, PROPERTY)
DOUBLE = ox.NamedNode(str(XSD.double))


def example_query(words):
    """Return a query finding resources by name with the search service, best first."""
    return (f"PREFIX cds: <{CDS}>\nPREFIX rdfs: <{RDFS}>\n"
            "SELECT ?hit ?score ?text WHERE {\n"
            f"  SERVICE <{SEARCH_SERVICE}> {{\n"
            f'    ?hit cds:query "{words}" ; cds:limit 20 ; cds:score ?score ; cds:text ?text .\n'
            "  }\n} ORDER BY DESC(?score)")


def fail(message):
    """Raise the error a failed SERVICE clause answers with (400: the clause is at fault)."""
    raise federation.FederationError(f"SERVICE <{SEARCH_SERVICE}>: {message}", status=400)


def unescape(quoted):
    """Return the value of a quoted SPARQL string."""
    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)",
                  lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "uU" else ESCAPES.get(m.group(1), ""),
                  quoted[1:-1])


def pattern_tokens(pattern):
    """Return the (kind, value) tokens of a search pattern, or fail naming the offset that cannot be read."""
    found, position = [], 0
    while pattern[position:].strip():
        match = PATTERN_TOKEN.match(pattern, position)
        if match is None or match.end() == position:
            fail(f"cannot read the search pattern at {pattern[position:].strip()[:30]!r}")
        if match.lastgroup != "comment":
            kind = "string" if match.group("string") else match.lastgroup
            value = (unescape(match.group("string")), (match.group("lang") or "")[1:]) if kind == "string" \
                else match.group(kind)
            found.append((kind, value))
        position = match.end()
    return found


def resolve(kind, value, prefixes):
    """Return the IRI an iri or prefixed-name token denotes, or fail naming an undeclared prefix."""
    if kind == "iri":
        return value[1:-1]
    prefix, _, local = value.partition(":")
    if prefix not in prefixes:
        fail(f"unknown prefix {prefix}: (declare it with PREFIX {prefix}: <...>)")
    return prefixes[prefix] + local


def parse_pattern(pattern, prefixes):
    """Return (subject variable, {predicate IRI: [(kind, value)]}) of a search pattern."""
    found = pattern_tokens(pattern)
    if not found or found[0][0] != "var":
        fail("the pattern must start with the variable that takes the hits, e.g. ?hit cds:query \"...\"")
    subject, arguments, index = found[0][1][1:], {}, 1
    while index < len(found):
        kind, value = found[index]
        if kind not in ("iri", "pname"):
            fail(f"expected a search property (cds:query, cds:limit...) but found {value!r}")
        predicate = resolve(kind, value, prefixes)
        if predicate not in INPUTS and predicate not in OUTPUTS:
            fail(f"<{predicate}> is not a search property; use one of "
                 + ", ".join(sorted("cds:" + term.removeprefix(str(CDS)) for term in {*INPUTS, *OUTPUTS})))
        index += 1
        while True:
            if index >= len(found):
                fail(f"{value} has no value")
            arguments.setdefault(predicate, []).append(found[index])
            index += 1
            if index < len(found) and found[index] == ("punct", ","):
                index += 1
                continue
            break
        if index < len(found):
            if found[index][0] != "punct" or found[index][1] == ",":
                fail(f"expected ';' or '.' after the value of {value}")
            index += 1
    return subject, arguments


def request_of(subject, arguments, prefixes, default_limit, max_limit):
    """Return the search keyword arguments and the output variables {variable: what} of a parsed pattern."""
    search, outputs = {"types": [], "properties": []}, {subject: "hit"}
    for predicate, values in arguments.items():
        if len(values) > 1 and predicate not in REPEATABLE:
            fail(f"<{predicate}> is given {len(values)} times; give it once")
        for kind, value in values:
            if kind == "var" and predicate in OUTPUTS:
                name = value[1:]
                if name in outputs:
                    fail(f"?{name} is bound twice in the search pattern")
                outputs[name] = predicate
                continue
            expected = INPUTS.get(predicate)
            if expected is None:
                fail(f"<{predicate}> takes a variable, not {value!r}")
            if expected == "iri" and kind in ("iri", "pname"):
                search["types" if predicate == TYPE else "properties"].append(resolve(kind, value, prefixes))
            elif expected != kind:
                shown = f'"{value[0]}"' if kind == "string" else value
                fail(f"<{predicate}> takes a {expected}, not {shown}")
            elif predicate == QUERY:
                search["text"] = value[0]
            elif predicate == LANG:
                search["lang"] = value[0]
            elif predicate == LIMIT:
                search["limit"] = int(value)
            elif predicate == PREFIX:
                search["prefix"] = value == "true"
    if "text" not in search:
        fail('the pattern needs the words to search for: ?hit cds:query "..."')
    limit = search.setdefault("limit", default_limit)
    if not 1 <= limit <= max_limit:
        fail(f"cds:limit must be between 1 and {max_limit} (MAX_RESULT_ROWS), not {limit}")
    return search, outputs


def values_block(hits, outputs):
    """Return the VALUES block holding the hits in the output variables."""
    def cell(hit, what):
        if what == "hit":
            return ox.NamedNode(hit.iri)
        if what == SCORE:
            return ox.Literal(repr(hit.score), datatype=DOUBLE)
        if what == TEXT:
            return ox.Literal(hit.text, language=hit.lang) if hit.lang else ox.Literal(hit.text)
        return ox.NamedNode(hit.property)

    head = " ".join(f"?{name}" for name in outputs)
    body = " ".join("(" + " ".join(str(cell(hit, what)) for what in outputs.values()) + ")" for hit in hits)
    return f"VALUES ({head}) {{ {body} }}"


def index():
    """Return the served KG's text index: the build's file, else one built from the store for this data version."""
    kg, config = state(), current_app.config

    def open_or_build():
        built = Path(config["KG_DIR"]) / INDEX_FILE
        if built.is_file() and not kg.generation and not config["DATA_FILES"] and config["STORE"] == "oxigraph":
            return TextIndex(built)
        path = Path(tempfile.mkdtemp(prefix="cdkg-search-")) / INDEX_FILE
        write_index(path, *rows_of(lambda sparql: federation.solutions_of(kg.backend.query(sparql).native)[1]))
        return TextIndex(path)

    return kg.memo("text-index", open_or_build)


def search(text, limit, **options):
    """Return the Hits of a search on the served KG, or raise SearchError for a request that cannot be answered."""
    return index().search(text, limit, **options)


def evaluate(text):
    """Return the query with each search SERVICE clause replaced by its hits (VALUES), or fail with a 400."""
    if SEARCH_SERVICE not in text:
        return text
    clauses = federation.service_clauses(text)
    if isinstance(clauses, federation.Refusal):
        fail(clauses.message)
    _, prefixes = prologue(tokens(text))
    config, pieces, position = current_app.config, [], 0
    for clause in sorted((c for c in clauses if c.target == SEARCH_SERVICE), key=lambda c: c.start):
        if clause.start < position:
            fail("a search clause cannot be nested in another search clause")
        subject, arguments = parse_pattern(clause.pattern, prefixes)
        request, outputs = request_of(subject, arguments, prefixes, config["SEARCH_DEFAULT_LIMIT"],
                                      config["MAX_RESULT_ROWS"])
        try:
            hits = search(request.pop("text"), request.pop("limit"), **request)
        except SearchError as error:
            fail(str(error))
        pieces += [text[position:clause.start], values_block(hits, outputs)]
        position = clause.end
    return "".join(pieces + [text[position:]])
