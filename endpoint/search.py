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
import tempfile
from pathlib import Path

import pyoxigraph as ox
from flask import current_app

from cdkg.endpoint import federation
from cdkg.endpoint.sparqltext import iri_value, local_name, prologue, string_value, tokens
from cdkg.endpoint.web import state
from cdkg.kg.textindex import INDEX_FILE, SearchError, TextIndex, rows_of, write_index
from cdkg.ontology.namespaces import CDS, RDFS, SEARCH_SERVICE, XSD

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


def clause_tokens(found, clause):
    """Return the tokens of a SERVICE clause's pattern: those between its braces, from the query's own tokens."""
    inside = [token for token in found if clause.start <= token.start and token.end <= clause.end]
    opening = next(index for index, token in enumerate(inside) if token.text == "{")
    return inside[opening + 1:-1]


def pattern_terms(pattern):
    """Return the (kind, value) terms of a search pattern's tokens, or fail naming the first that is not one."""
    found, index = [], 0
    while index < len(pattern):
        token = pattern[index]
        if token.kind == "string":
            following = pattern[index + 1] if index + 1 < len(pattern) else None
            lang = following.text[1:] if following is not None and following.kind == "langtag" else ""
            found.append(("string", (string_value(token), lang)))
            index += 1 + bool(lang)
            continue
        if token.kind in ("var", "iri", "pname", "number") or token.kind == "punct" and token.text in ";,.":
            found.append((token.kind, token))
        elif token.is_word("TRUE", "FALSE"):
            found.append(("boolean", token))
        else:
            fail(f"cannot read the search pattern at {token.text[:30]!r} (offset {token.start})")
        index += 1
    return found


def resolve(token, prefixes):
    """Return the IRI an IRIREF or prefixed-name token denotes, or fail naming an undeclared prefix."""
    if token.kind == "iri":
        return iri_value(token)
    prefix, local = local_name(token)
    if prefix not in prefixes:
        fail(f"unknown prefix {prefix}: (declare it with PREFIX {prefix}: <...>)")
    return prefixes[prefix] + local


def shown(kind, value):
    """Return a pattern term as its author wrote it, for messages."""
    return f'"{value[0]}"' if kind == "string" else value.text


def parse_pattern(pattern, prefixes):
    """Return (subject variable, {predicate IRI: [(kind, value)]}) of a search pattern's tokens."""
    found = pattern_terms(pattern)
    if not found or found[0][0] != "var":
        fail("the pattern must start with the variable that takes the hits, e.g. ?hit cds:query \"...\"")
    subject, arguments, index = found[0][1].text[1:], {}, 1
    while index < len(found):
        kind, value = found[index]
        if kind not in ("iri", "pname"):
            fail(f"expected a search property (cds:query, cds:limit...) but found {shown(kind, value)!r}")
        predicate = resolve(value, prefixes)
        if predicate not in INPUTS and predicate not in OUTPUTS:
            fail(f"<{predicate}> is not a search property; use one of "
                 + ", ".join(sorted("cds:" + term.removeprefix(str(CDS)) for term in {*INPUTS, *OUTPUTS})))
        index += 1
        while True:
            if index >= len(found):
                fail(f"{value.text} has no value")
            arguments.setdefault(predicate, []).append(found[index])
            index += 1
            if index < len(found) and found[index][0] == "punct" and found[index][1].text == ",":
                index += 1
                continue
            break
        if index < len(found):
            if found[index][0] != "punct" or found[index][1].text == ",":
                fail(f"expected ';' or '.' after the value of {value.text}")
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
                name = value.text[1:]
                if name in outputs:
                    fail(f"?{name} is bound twice in the search pattern")
                outputs[name] = predicate
                continue
            expected = INPUTS.get(predicate)
            if expected is None:
                fail(f"<{predicate}> takes a variable, not {shown(kind, value)!r}")
            if expected == "iri" and kind in ("iri", "pname"):
                search["types" if predicate == TYPE else "properties"].append(resolve(value, prefixes))
            elif expected != kind or kind == "number" and not value.text.isdigit():
                fail(f"<{predicate}> takes {'an integer' if expected == 'number' else 'a ' + expected}, "
                     f"not {shown(kind, value)}")
            elif predicate == QUERY:
                search["text"] = value[0]
            elif predicate == LANG:
                search["lang"] = value[0]
            elif predicate == LIMIT:
                search["limit"] = int(value.text)
            elif predicate == PREFIX:
                search["prefix"] = value.is_word("TRUE")
    if "text" not in search:
        fail('the pattern needs the words to search for: ?hit cds:query "..."')
    limit = search.setdefault("limit", default_limit)
    if not 1 <= limit <= max_limit:
        fail(f"cds:limit must be between 1 and {max_limit} (MAX_RESULT_ROWS), not {limit}")
    return search, outputs


def term_of(what):
    """Return the function writing an output of a hit as a SPARQL term (through pyoxigraph, which escapes it)."""
    if what == "hit":
        return lambda hit: str(ox.NamedNode(hit.iri))
    if what == SCORE:
        return lambda hit: str(ox.Literal(repr(hit.score), datatype=DOUBLE))
    if what == TEXT:
        return lambda hit: str(ox.Literal(hit.text, language=hit.lang or None))
    return lambda hit: str(ox.NamedNode(hit.property))


def values_block(hits, outputs):
    """Return the VALUES block holding the hits in the output variables."""
    terms = [term_of(what) for what in outputs.values()]
    head = " ".join(f"?{name}" for name in outputs)
    body = " ".join("(" + " ".join(term(hit) for term in terms) + ")" for hit in hits)
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
    found = tokens(text)
    _, prefixes = prologue(found)
    config, pieces, position = current_app.config, [], 0
    for clause in sorted((c for c in clauses if c.target == SEARCH_SERVICE), key=lambda c: c.start):
        if clause.start < position:
            fail("a search clause cannot be nested in another search clause")
        subject, arguments = parse_pattern(clause_tokens(found, clause), prefixes)
        request, outputs = request_of(subject, arguments, prefixes, config["SEARCH_DEFAULT_LIMIT"],
                                      config["MAX_RESULT_ROWS"])
        try:
            hits = search(request.pop("text"), request.pop("limit"), **request)
        except SearchError as error:
            fail(str(error))
        pieces += [text[position:clause.start], values_block(hits, outputs)]
        position = clause.end
    return "".join(pieces + [text[position:]])
