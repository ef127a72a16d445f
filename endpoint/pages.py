"""Pages for people and Linked Data clients: the query UI, entity pages, the ontology, dumps, health."""
import json
import re
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from markupsafe import Markup, escape
from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory

from cdkg import ontology
from cdkg.endpoint import curie, describe, search, views
from cdkg.endpoint.conneg import NotAcceptable, negotiate
from cdkg.endpoint.limits import bounded, cut_header
from cdkg.endpoint.protocol import Problem
from cdkg.endpoint.web import problem_response, serve_representation, state
from cdkg.kg.textindex import SearchError
from cdkg.ontology.namespaces import (
    CDO, CONCEPTS_IRI, DCTERMS, INFERRED_GRAPH, ONTOLOGY_GRAPH, ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI, PREFIXES, RDF,
    RDFS, SKOS, bind_prefixes,
)

blueprint = Blueprint("pages", __name__)

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel)
STATEMENT_LINKS = (CDO.mentions, CDO.reports, CDO.speaker, CDO.topic)
# The classes the search page offers as filters (their names come from the ontology's labels).
SEARCH_TYPES = (CDO.Place, CDO.Organization, CDO.Post, CDO.Person, CDO.CooperationInstrument,
                CDO.DiplomaticActivity, CDO.Statement)
ONTOLOGY_HTML = Path(ontology.__file__).parent / "docs" / "index.html"


@blueprint.app_context_processor
def served_kg():
    """Give every page the name of the KG it serves, for the header."""
    return {"served_kg": state().served}


@blueprint.get("/")
def home():
    """Serve the query UI (an optional ?query= opens in a new tab)."""
    return describe.query_ui()


@blueprint.get("/prefixes.json")
def prefixes():
    """Serve the prefixes the query editor offers and declares: the project's, the search vocabulary's."""
    return jsonify(describe.ui_prefixes())


@blueprint.get("/healthz")
def healthz():
    """Answer 200 when the store answers a query, else 503."""
    try:
        state().backend.query("ASK { ?s ?p ?o }")
    except OSError as error:
        return jsonify(status="unavailable", error=str(error)), 503
    return jsonify(status="ok", store=state().backend.name, kg_hash=state().kg_hash)


@blueprint.get("/dumps/<name>")
def dump(name):
    """Serve a data dump written by the build."""
    if name not in describe.DUMP_FILES:
        abort(404)
    return send_from_directory(Path(current_app.config["KG_DIR"]).resolve(), name)


@blueprint.get("/.well-known/void")
def void():
    """Serve the VoID description of the dataset."""
    return describe.void_description()


def search_request(args):
    """Return the search options of a request's parameters (q, type, limit, prefix), or a Problem naming one."""
    text = args.get("q", "").strip()
    if not text:
        return Problem(400, "parameter q: give the words to search for, e.g. ?q=شیراز")
    limit_text = args.get("limit", str(current_app.config["SEARCH_DEFAULT_LIMIT"]))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= current_app.config["MAX_RESULT_ROWS"]:
        return Problem(400, f"parameter limit: a whole number from 1 to {current_app.config['MAX_RESULT_ROWS']}, "
                            f"not {limit_text!r}")
    types = []
    for given in args.getlist("type"):
        expanded = expand_curie(given)
        if expanded is None:
            return Problem(400, f"parameter type: {given!r} is neither an IRI nor a prefixed name with a known "
                                f"prefix ({', '.join(sorted(PREFIXES))})")
        types.append(expanded)
    return {"text": text, "limit": int(limit_text), "types": types, "prefix": args.get("prefix") in ("1", "true")}


def expand_curie(value):
    """Return the IRI of a prefixed name with a project prefix or of a full http(s) IRI, else None."""
    if value.startswith(("http://", "https://")):
        try:
            return ox.NamedNode(value).value
        except ValueError:
            return None
    prefix, colon, local = value.partition(":")
    return str(PREFIXES[prefix]) + local if colon and prefix in PREFIXES else None


def search_hits(options):
    """Return the hits of a search as JSON-ready dicts, with each resource's labels and local link."""
    hits = search.search(options["text"], options["limit"], prefix=options["prefix"], types=options["types"])
    labels = labels_of(hit.iri for hit in hits)
    href = current_app.jinja_env.globals["local_href"]
    return [{"iri": hit.iri, "href": href(hit.iri), "labels": labels.get(hit.iri, {}), "text": hit.text,
             "lang": hit.lang, "property": hit.property, "types": list(hit.types), "score": hit.score}
            for hit in hits]


@blueprint.get("/api/search")
def search_api():
    """Answer a search as JSON: {query, hits: [{iri, href, labels, text, lang, property, types, score}]}."""
    options = search_request(request.args)
    if isinstance(options, Problem):
        return problem_response(options)

    def render():
        try:
            body = json.dumps({"query": options["text"], "hits": search_hits(options)}, ensure_ascii=False)
        except SearchError as error:
            return Problem(400, f"parameter q: {error}")
        return body.encode("utf-8"), "application/json"

    return serve_representation(("search", repr(sorted(options.items())), "json"), bounded(render))


@blueprint.get("/search")
def search_page():
    """Serve the search page: a form, and the hits when ?q= is given."""
    options = search_request(request.args) if request.args.get("q", "").strip() else None
    if isinstance(options, Problem) and "parameter q" not in options.message:
        return problem_response(options)

    def render():
        hits, error = [], None
        if options:
            try:
                hits = search_hits(options)
            except SearchError as problem:
                error = str(problem)
        html = render_template("search.html", options=options, hits=hits, error=error,
                               type_choices=search_type_choices())
        return html.encode("utf-8"), "text/html; charset=utf-8"

    return serve_representation(("search", repr(sorted((options or {}).items())), "html"), bounded(render))


@blueprint.app_template_filter("cell")
def cell_filter(term):
    """Turn an rdflib term into the SPARQL JSON cell the templates show."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, Literal):
        cell = {"type": "literal", "value": str(term)}
        if term.language:
            cell["xml:lang"] = term.language
        return cell
    return {"type": "bnode", "value": str(term)}


PERSIAN_RUN = re.compile(r"[\u0600-\u06ff\u200c][\u0600-\u06ff\u200c\s«»،؛؟!.:0-9]*[\u0600-\u06ff\u200c»]|[\u0600-\u06ff]")


@blueprint.app_template_filter("persian_marked")
def persian_marked(text):
    """Escape text and mark its Persian runs (a Persian sentence quoted in an English label) as lang="fa"."""
    pieces, position = [], 0
    for match in PERSIAN_RUN.finditer(text):
        pieces += [escape(text[position:match.start()]),
                   Markup('<span lang="fa" dir="rtl">') + escape(match.group()) + Markup("</span>")]
        position = match.end()
    return Markup("").join(pieces + [escape(text[position:])])


@blueprint.app_template_filter("expand_curie")
def expand_curie_filter(value):
    """Expand a prefixed name in templates (see expand_curie)."""
    return expand_curie(value)


@blueprint.app_context_processor
def search_globals():
    """Give every template the search service's IRI and an example query using it."""
    return {"search_service": search.SEARCH_SERVICE, "search_query": search.example_query("شیراز")}


def search_type_choices():
    """Return (curie, labels) of the classes the search page offers as filters."""
    labels = labels_of(str(kind) for kind in SEARCH_TYPES)
    return [(curie(str(kind)), labels.get(str(kind), {})) for kind in SEARCH_TYPES]


@blueprint.get("/why")
def why_page():
    """Explain a result row (?row= its SPARQL JSON bindings): matching triples, their graphs, the reports."""
    row = request.args.get("row", "")

    def render():
        try:
            explained = views.why(row)
        except ValueError as error:
            return Problem(400, str(error))
        mentioned = {cell["value"] for triple in explained["triples"] for cell in (triple["s"], triple["p"], triple["o"])
                     if cell["type"] == "uri"} | {graph for triple in explained["triples"] for graph in triple["graphs"]}
        mentioned |= {text[1:-1] for text in explained["terms"].values() if text.startswith("<")}
        html = render_template("why.html", labels=labels_of(mentioned), **explained)
        return html.encode("utf-8"), "text/html; charset=utf-8"

    return serve_representation(("why", row), bounded(render))


@blueprint.get("/extract")
def extract_page():
    """The extraction playground: a pasted sentence's triples, SHACL verdict and cues; nothing is stored."""
    text = request.args.get("text", "")

    def render():
        result, error = None, None
        if text.strip():
            try:
                result = views.extract(text)
            except ValueError as problem:
                error = str(problem)
        mentioned = {str(term) for triple in (result or {}).get("triples", []) for term in triple
                     if isinstance(term, URIRef)}
        html = render_template("extract.html", text=text, result=result, error=error, labels=labels_of(mentioned))
        return html.encode("utf-8"), "text/html; charset=utf-8"

    return serve_representation(("extract", text), bounded(render))


@blueprint.app_errorhandler(404)
def not_found(error):
    """Answer an unknown path: a page offering search for browsers, a line of text for others."""
    return not_found_response(f"{request.path} is not a page of this site")


def not_found_response(message):
    """Return a 404: a page offering to search for the path's last words for browsers, else plain text."""
    chosen = negotiate("page", request.headers.get("Accept"), None)
    if isinstance(chosen, NotAcceptable) or chosen.name != "html":
        return problem_response(Problem(404, message))
    guess = request.path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    html = render_template("not_found.html", message=message, guess=guess)
    return html, 404, {"Content-Type": "text/html; charset=utf-8"}


def iri_of_path():
    """Return the KG IRI that the request path stands for, or None when it is not a valid IRI."""
    iri = current_app.config["IRI_BASE"] + request.path.lstrip("/")
    try:
        return ox.NamedNode(iri).value
    except ValueError:
        return None


@blueprint.get("/id/<path:rest>")
@blueprint.get("/concept/<path:rest>")
@blueprint.get("/graph/<path:rest>")
def entity(rest):
    """Dereference a KG IRI: an HTML page for browsers, its description in RDF for machines."""
    iri = iri_of_path()
    if iri is None:
        abort(404)
    return resource_response(iri, is_graph=request.path.startswith("/graph/"))


@blueprint.get("/ontology")
@blueprint.get("/ontology/<path:rest>")
@blueprint.get("/concepts")
def ontology_document(rest=None):
    """Serve the ontology or the concept schemes: HTML documentation for browsers, triples for machines."""
    if rest is not None and current_app.config["IRI_BASE"] + "ontology/" + rest != ONTOLOGY_VERSION_IRI:
        return not_found_response(f"{request.path} is not a part of the ontology: its terms are "
                                  "/ontology#Term (hash IRIs)")
    iri = CONCEPTS_IRI if request.path == "/concepts" else ONTOLOGY_IRI
    chosen = negotiate("page", request.headers.get("Accept"), request.args.get("format"))
    if not isinstance(chosen, NotAcceptable) and chosen.name == "html" and ONTOLOGY_HTML.is_file():
        return serve_representation(("ontology-html",), lambda: (ONTOLOGY_HTML.read_bytes(), chosen.content_type))
    return resource_response(iri, is_graph=False, graph_iri=str(ONTOLOGY_GRAPH))


def resource_response(iri, is_graph, graph_iri=None):
    """Negotiate and serve the description of one resource (a graph's contents for graph IRIs)."""
    chosen = negotiate("page", request.headers.get("Accept"), request.args.get("format"))
    if isinstance(chosen, NotAcceptable):
        return problem_response(Problem(406, chosen.message))
    contents = iri if is_graph else graph_iri
    if chosen.name == "html":
        response = serve_representation(("page", iri, "html"), bounded(lambda: render_page(iri, contents)))
        return not_found_response(f"{iri} is not described in this knowledge graph") \
            if response.status_code == 404 else response
    return serve_representation(("page", iri, chosen.name), bounded(lambda: render_rdf(iri, contents, chosen)))


def row_limit():
    """Return how many rows a page section or description part may list (PAGE_ROW_LIMIT)."""
    return current_app.config["PAGE_ROW_LIMIT"]


def first(items, limit):
    """Return at most limit items and whether there were more (reading one past the limit, no further)."""
    taken = list(islice(items, limit + 1))
    return taken[:limit], len(taken) > limit


def description_triples(iri, graph_iri):
    """Return the CBD of a resource, the triples pointing at it, the contents of graph_iri if given, and the
    names of the parts cut at PAGE_ROW_LIMIT."""
    backend, limit = state().backend, row_limit()
    parts = {
        "links out": f"DESCRIBE <{iri}>",
        "links in": f"CONSTRUCT {{ ?s ?p <{iri}> }} WHERE {{ ?s ?p <{iri}> }} LIMIT {limit + 1}",
    }
    if graph_iri:
        parts["graph contents"] = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }} "
                                   f"LIMIT {limit + 1}")
    triples, cut = set(), []
    for part, sparql in parts.items():
        found, more = first(iter(backend.query(sparql).native), limit)
        triples.update(found)
        if more:
            cut.append(part)
    return sorted(triples, key=str), cut


def render_rdf(iri, graph_iri, chosen):
    """Render a resource's description in an RDF format, or a 404 Problem when the KG does not know it."""
    triples, cut = description_triples(iri, graph_iri)
    if not triples:
        return Problem(404, f"{iri} is not described in this knowledge graph")
    headers = {**cut_header(cut, row_limit()), "Link": link_header()}
    if chosen.name in READABLE_WITH_RDFLIB:
        return readable_rdf(triples, chosen.name), chosen.content_type, headers
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    body = ox.serialize(triples, format=describe.rdf_format(chosen.name), prefixes=prefixes)
    return body, chosen.content_type, headers


def readable_rdf(triples, format_name):
    """Serialise triples as compacted JSON-LD (the project's prefixes as @context) or Turtle with full IRIs
    where a prefixed name would need escapes (rdflib writes <…/place/shiraz>, not cdr:place\\/shiraz)."""
    graph = bind_prefixes(Graph())
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    if format_name == "jsonld":
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()} | {"rdf": str(RDF)}
        return graph.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
    return describe.serialize_graph(graph, format_name)


def rows(sparql):
    """Return the bindings of a SELECT run on the union default graph."""
    return state().backend.query(sparql).rows()


def section(select, order):
    """Return a page section's rows (at most PAGE_ROW_LIMIT, sorted), whether more were cut, and the query for all."""
    limit = row_limit()
    # Sorted here, not by ORDER BY: on a hub (Iran: 10,000 triples in) the store would sort them all to cut 1,000.
    found = rows(f"{select} LIMIT {limit + 1}")
    variables = order.replace("?", "").split()
    shown = sorted(found[:limit], key=lambda row: tuple((row[v]["type"], row[v]["value"]) if v in row else ("", "")
                                                         for v in variables))
    return shown, len(found) > limit, f"{select} ORDER BY {order}"


def labels_of(iris):
    """Return {iri: {lang: label}} for the given IRIs: skos:prefLabel where there is one, else rdfs:label."""
    iris = sorted(set(iris))
    if not iris:
        return {}
    values = " ".join(f"<{value}>" for value in iris)
    found = {}
    for predicate in (SKOS.prefLabel, RDFS.label):
        for row in rows(f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} ?x <{predicate}> ?label }}"):
            found.setdefault(row["x"]["value"], {}).setdefault(row["label"].get("xml:lang", ""), row["label"]["value"])
    return found


def unique_literals(cells):
    """Return literal cells without repeats of the same text and language, in order."""
    seen, unique = set(), []
    for cell in cells:
        key = (cell["value"], cell.get("xml:lang"))
        if key not in seen:
            seen.add(key)
            unique.append(cell)
    return unique


def with_graphs(found, key):
    """Group rows that differ only in ?g: one row per triple with the graphs asserting it, inferred or not."""
    grouped = {}
    for row in found:
        graph = row.pop("g", None)
        entry = grouped.setdefault(tuple(row[name]["value"] + row[name]["type"] for name in key),
                                   {**row, "graphs": []})
        if graph:
            entry["graphs"].append(graph)
    inferred = str(INFERRED_GRAPH)
    for entry in grouped.values():
        entry["inferred"] = bool(entry["graphs"]) and all(graph["value"] == inferred for graph in entry["graphs"])
    return list(grouped.values())


def render_page(iri, graph_iri):
    """Render the HTML page of a resource, or a 404 Problem when the KG does not know it."""
    links = " ".join(f"<{predicate}>" for predicate in STATEMENT_LINKS)
    # GRAPH ?g: every triple shows the named graphs asserting it (the inferred graph: entailed, not asserted)
    queries = {
        "outgoing": (f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}", "?p ?o ?g"),  # quads: no repeats
        "incoming": (f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} }}", "?p ?s ?g"),
        "statements": (f"SELECT DISTINCT ?statement ?text ?date ?publisher ?source WHERE {{ {{ VALUES ?link "
                       f"{{ {links} }} ?statement ?link <{iri}> }} UNION {{ <{iri}> <{CDO.reportedBy}> ?statement }} "
                       f"UNION {{ VALUES ?statement {{ <{iri}> }} }} ?statement <{CDO.originalText}> ?text "
                       f"OPTIONAL {{ ?statement <{DCTERMS.date}> ?date }} "
                       f"OPTIONAL {{ ?statement <{DCTERMS.publisher}> ?publisher }} "
                       f"OPTIONAL {{ ?statement <{DCTERMS.source}> ?source }} }}", "?statement"),
    }
    if graph_iri:
        queries["contents"] = (f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}", "?s ?p ?o")
    found, cut = {}, {}  # cut: section name -> the query listing all of it
    for name, (select, order) in queries.items():
        found[name], more, query_for_all = section(select, order)
        if more:
            cut[name] = query_for_all
    outgoing, incoming = with_graphs(found["outgoing"], ("p", "o")), with_graphs(found["incoming"], ("s", "p"))
    contents = found.get("contents", [])
    if not (outgoing or incoming or contents):
        return Problem(404, f"{iri} is not described in this knowledge graph")
    # The graphs are those of the triples listed (no second pass over a hub's triples); complete unless those were cut.
    graphs = [{"g": cell} for cell in sorted({graph["value"]: graph for row in outgoing + incoming
                                              for graph in row["graphs"]}.values(), key=lambda g: g["value"])]
    if cut.keys() & {"outgoing", "incoming"}:
        cut["graphs"] = (f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }} }} "
                         "ORDER BY ?g")
    mentioned = {iri} | {cell["value"] for row in outgoing + incoming + contents + graphs + found["statements"]
                         for cell in [*row.values(), *row.get("graphs", [])]
                         if isinstance(cell, dict) and cell["type"] == "uri"}
    types = [row["o"] for row in outgoing if row["p"]["value"] == str(RDF.type)]
    sentence = views.sentence_graph(iri) if any(t["value"] == str(CDO.Statement) for t in types) else None
    if sentence:
        mentioned |= {iri for phrase in sentence["phrases"] for iri in phrase["entities"] + phrase["facts"]}
        mentioned |= {*sentence["unused"], *sentence["facts"], *sentence["unseen"]}
    labels = labels_of(mentioned)
    html = render_template(
        "entity.html",
        sentence=sentence,
        iri=iri,
        labels=labels,
        page_lang="fa" if "fa" in labels.get(iri, {}) and "en" not in labels.get(iri, {}) else "en",
        types=types,
        own_labels=unique_literals(row["o"] for row in outgoing
                                   if row["p"]["value"] in {str(p) for p in (*LABEL_PROPERTIES, SKOS.altLabel)}),
        outgoing=outgoing,
        incoming=incoming,
        contents=contents,
        statements=found["statements"],
        graphs=graphs,
        cut=cut,
        row_limit=row_limit(),
        alternates=alternates(),
        query=f"SELECT ?property ?value WHERE {{\n  <{iri}> ?property ?value\n}}",
    )
    headers = {**cut_header(sorted(cut), row_limit()), "Link": link_header()}
    return html.encode("utf-8"), "text/html; charset=utf-8", headers


READABLE_WITH_RDFLIB = ("jsonld", "turtle")
ALTERNATES = (("turtle", "text/turtle", "Turtle"), ("jsonld", "application/ld+json", "JSON-LD"),
              ("rdfxml", "application/rdf+xml", "RDF/XML"), ("ntriples", "application/n-triples", "N-Triples"))


def alternates():
    """Return (href, media type, name) of the machine-readable representations of the requested page."""
    return [(f"{request.path}?format={name}", media_type, title) for name, media_type, title in ALTERNATES]


def link_header():
    """Return the Link header naming the page's alternate representations."""
    return ", ".join(f'<{href}>; rel="alternate"; type="{media_type}"' for href, media_type, _ in alternates())
