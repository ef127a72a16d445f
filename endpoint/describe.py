"""Describe the service (SPARQL Service Description) and the dataset (VoID), computed once per data version."""
import hashlib
import json
import os
import tempfile
from pathlib import Path

import pyoxigraph as ox
from flask import current_app, render_template, request, url_for
from rdflib import BNode, Graph, Literal, URIRef

from cdkg.endpoint.conneg import NotAcceptable, negotiate
from cdkg.endpoint.limits import bounded
from cdkg.endpoint.protocol import Problem
from cdkg.endpoint.web import problem_response, serve_representation, state
from cdkg.ontology.namespaces import (
    CDS, DCTERMS, FORMATS, GN, GRAPH, ID, OWL, PREFIXES, RDF, SD, SKOS, VOID, WD, XSD, bind_prefixes,
)

RDFLIB_FORMATS = {
    "turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt", "trig": "trig", "nquads": "nquads",
}
OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
}
DUMP_FILES = ("citydiplomacy.trig", "citydiplomacy.ttl")
STATEMENT_GRAPHS = str(GRAPH) + "statement/"


def rdf_format(name):
    """Return the pyoxigraph RdfFormat of a format name."""
    return OX_FORMATS[name]


def serialize_graph(graph, format_name):
    """Serialise an rdflib graph in the named format as UTF-8 bytes."""
    return graph.serialize(format=RDFLIB_FORMATS[format_name], encoding="utf-8")


def format_iri(fmt):
    """Return the W3C registry IRI of a format (pyoxigraph names JSON-LD with an IRI outside the registry)."""
    return FORMATS["JSON-LD"] if fmt == ox.RdfFormat.JSON_LD else URIRef(fmt.iri)


def site_root():
    """Return the public root URL of the service (configured, else from the request)."""
    return (current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/") + "/"


def scalar(sparql):
    """Return the integer of a one-cell SELECT."""
    rows = state().backend.query(sparql).rows()
    return int(rows[0]["n"]["value"]) if rows else 0


def table(sparql):
    """Return the rows of a SELECT as lists of plain values."""
    return [[cell["value"] for cell in row.values()] for row in state().backend.query(sparql).rows()]


def statistics():
    """Compute the dataset statistics VoID reports (once per data version and worker)."""
    base = current_app.config["IRI_BASE"]
    graphs = table("SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g ORDER BY ?g")
    return {
        "triples": state().backend.triple_count(),
        "subjects": scalar("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
        "objects": scalar("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
        "properties": scalar("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
        "classes": scalar(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{RDF.type}> ?c }} }}"),
        "entities": scalar(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                           f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{base}\")) }}"),
        "class_partitions": table(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{RDF.type}> ?c }} }}"
                                  " GROUP BY ?c ORDER BY ?c"),
        "property_partitions": table("SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p"),
        "graphs": [(name, int(count)) for name, count in graphs],
        "wikidata_links": scalar(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{OWL.sameAs}> ?o }} "
                                 f"FILTER(STRSTARTS(STR(?o), \"{WD}\")) }}"),
        "geonames_links": scalar(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{SKOS.exactMatch}> ?o }} "
                                 f"FILTER(STRSTARTS(STR(?o), \"{GN}\")) }}"),
        "examples": [row[0] for row in table(
            f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s <{RDF.type}> ?c }} FILTER(STRSTARTS(STR(?s), \"{ID}\")) }} "
            f"ORDER BY ?s LIMIT {int(current_app.config['VOID_EXAMPLE_RESOURCES'])}")],
    }


def cached_statistics():
    """Return the statistics, shared through a file keyed by the build's kg_hash while the data is unchanged."""
    kg = state()
    if kg.generation:  # written since start-up: the build's statistics no longer hold
        return statistics()
    identity = repr((kg.kg_hash, kg.backend.name, current_app.config["IRI_BASE"],
                     current_app.config["VOID_EXAMPLE_RESOURCES"]))
    path = Path(tempfile.gettempdir()) / f"cdkg-void-{hashlib.sha256(identity.encode()).hexdigest()[:24]}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    computed = statistics()
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(computed), encoding="utf-8")
    partial.replace(path)  # atomic: workers computing at once all write complete files
    return computed


def count(value):
    """Return an xsd:integer literal."""
    return Literal(value, datatype=XSD.integer)


def void_graph(root):
    """Build the VoID description of the served dataset."""
    stats = state().memo("statistics", cached_statistics)
    config = current_app.config
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD)
    dataset = URIRef(root + ".well-known/void#dataset")
    add = graph.add
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, DCTERMS.title, Literal(config["TITLE"], lang="en")))
    add((dataset, DCTERMS.license, URIRef(config["LICENSE"])))
    add((dataset, DCTERMS.modified, Literal(state().built.isoformat(), datatype=XSD.dateTime)))
    add((dataset, VOID.sparqlEndpoint, URIRef(root + "sparql")))
    add((dataset, VOID.uriSpace, Literal(config["IRI_BASE"])))
    for name, key in (("triples", "triples"), ("distinctSubjects", "subjects"), ("distinctObjects", "objects"),
                      ("properties", "properties"), ("classes", "classes"), ("entities", "entities")):
        add((dataset, VOID[name], count(stats[key])))
    for example in stats["examples"]:
        add((dataset, VOID.exampleResource, URIRef(example)))
    for dump in DUMP_FILES:
        if (Path(config["KG_DIR"]) / dump).is_file():
            add((dataset, VOID.dataDump, URIRef(root + "dumps/" + dump)))
    for class_iri, entities in stats["class_partitions"]:
        partition = BNode()
        add((dataset, VOID.classPartition, partition))
        add((partition, VOID["class"], URIRef(class_iri)))
        add((partition, VOID.entities, count(int(entities))))
    for property_iri, triples in stats["property_partitions"]:
        partition = BNode()
        add((dataset, VOID.propertyPartition, partition))
        add((partition, VOID.property, URIRef(property_iri)))
        add((partition, VOID.triples, count(int(triples))))
    add_graph_subsets(graph, dataset, stats["graphs"], config["VOID_MAX_GRAPH_SUBSETS"])
    for target, links, predicate in ((WD, stats["wikidata_links"], OWL.sameAs),
                                     (GN, stats["geonames_links"], SKOS.exactMatch)):
        linkset = URIRef(root + ".well-known/void#links-" + ("wikidata" if target == WD else "geonames"))
        add((linkset, RDF.type, VOID.Linkset))
        add((linkset, VOID.subjectsTarget, dataset))
        add((linkset, VOID.objectsTarget, URIRef(str(target))))
        add((linkset, VOID.linkPredicate, predicate))
        add((linkset, VOID.triples, count(links)))
        add((dataset, VOID.subset, linkset))
    return graph


def add_graph_subsets(graph, dataset, graphs, limit):
    """Describe each named graph as a subset (the statement graphs one by one only up to `limit`)."""
    statement_graphs = [(name, size) for name, size in graphs if name.startswith(STATEMENT_GRAPHS)]
    listed = [(name, size) for name, size in graphs if not name.startswith(STATEMENT_GRAPHS)]
    if len(statement_graphs) <= limit:
        listed += statement_graphs
    else:
        # too many to list: one subset stands for all statement graphs
        statements = BNode()
        graph.add((dataset, VOID.subset, statements))
        graph.add((statements, DCTERMS.description, Literal(f"{len(statement_graphs)} statement graphs", lang="en")))
        graph.add((statements, VOID.triples, count(sum(size for _, size in statement_graphs))))
    for name, size in listed:
        subset = BNode()
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, SD.name, URIRef(name)))
        graph.add((subset, VOID.triples, count(size)))


def service_graph(root):
    """Build the SPARQL Service Description of this endpoint."""
    config = current_app.config
    stats = state().memo("statistics", cached_statistics)
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD)
    service = URIRef(root + "sparql")
    add = graph.add
    add((service, RDF.type, SD.Service))
    add((service, SD.endpoint, service))
    add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if config["UPDATE_ENABLED"]:
        add((service, SD.supportedLanguage, SD.SPARQL11Update))
    add((service, SD.feature, SD.UnionDefaultGraph))
    if config["SERVICE_ALLOWLIST"]:
        add((service, SD.feature, SD.BasicFederatedQuery))
    for fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.CSV,
                ox.QueryResultsFormat.TSV, *OX_FORMATS.values()):
        add((service, SD.resultFormat, format_iri(fmt)))
    void_dataset = URIRef(root + ".well-known/void#dataset")
    dataset, default_graph = BNode(), BNode()
    add((service, SD.defaultDataset, dataset))
    add((dataset, RDF.type, SD.Dataset))
    add((dataset, VOID.inDataset, void_dataset))
    add((dataset, SD.defaultGraph, default_graph))
    add((default_graph, RDF.type, SD.Graph))
    add((default_graph, RDF.type, VOID.Dataset))
    add((default_graph, VOID.triples, count(stats["triples"])))
    add((default_graph, DCTERMS.description, Literal("the union of all named graphs", lang="en")))
    for name, size in stats["graphs"][: config["VOID_MAX_GRAPH_SUBSETS"]]:
        named, described = BNode(), BNode()
        add((dataset, SD.namedGraph, named))
        add((named, SD.name, URIRef(name)))
        add((named, SD.graph, described))
        add((described, RDF.type, SD.Graph))
        add((described, VOID.triples, count(size)))
    add((void_dataset, RDF.type, VOID.Dataset))
    return graph


def describe_response(kind_table, build, format_param, title):
    """Negotiate a description's format (HTML for people, RDF for machines); serve it through the validators and
    cache."""
    chosen = negotiate(kind_table, request.headers.get("Accept"), format_param)
    if isinstance(chosen, NotAcceptable):
        return problem_response(Problem(406, chosen.message))
    root = site_root()
    if chosen.name == "html":
        return serve_representation((build.__name__, root, "html"),
                                    bounded(lambda: (readable_page(build(root), title), chosen.content_type)))
    return serve_representation(
        (build.__name__, root, chosen.name),
        bounded(lambda: (serialize_graph(build(root), chosen.name), chosen.content_type)),
        shared=bool(current_app.config["PUBLIC_URL"]),
    )


def readable_page(graph, title):
    """Render a description graph as a page: one table per subject, blank nodes nested where they are used."""
    from cdkg.endpoint import curie

    def short(iri):
        return f"sd:{iri[len(str(SD)):]}" if iri.startswith(str(SD)) else curie(iri)

    def cell(term):
        if isinstance(term, BNode):
            return {"nested": [(short(str(p)), cell(o)) for p, o in sorted(graph.predicate_objects(term))]}
        if isinstance(term, URIRef):
            return {"iri": str(term), "text": short(str(term))}
        return {"text": str(term), "lang": term.language}

    subjects = sorted({s for s in graph.subjects() if not isinstance(s, BNode)}, key=str)
    described = [(str(s), short(str(s)), [(short(str(p)), cell(o)) for p, o in sorted(graph.predicate_objects(s))])
                 for s in subjects]
    formats = [("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("rdfxml", "RDF/XML"), ("ntriples", "N-Triples")]
    return render_template("description.html", title=title, described=described, formats=formats).encode("utf-8")


def service_description(format_param):
    """Answer GET /sparql without a query: the query UI for browsers, else the service description."""
    chosen = negotiate("description", request.headers.get("Accept"), format_param)
    if not isinstance(chosen, NotAcceptable) and chosen.name == "html" and format_param != "html":
        return query_ui()  # a browser opening /sparql; ?format=html asks for the description as a page
    return describe_response("description", service_graph, format_param, "SPARQL service description")


def void_description():
    """Answer the VoID description in the negotiated RDF format."""
    return describe_response("description", void_graph, request.args.get("format"), "VoID description of the dataset")


def query_ui():
    """Render the query UI page."""
    return render_template("ui.html", examples=ui_examples(), endpoint=url_for("sparql.sparql"),
                           prefixes=ui_prefixes(), iri_base=current_app.config["IRI_BASE"])


def ui_prefixes():
    """Return {prefix: namespace} the query UI declares in new queries and offers after PREFIX."""
    return {**{prefix: str(namespace) for prefix, namespace in PREFIXES.items()}, "rdf": str(RDF), "cds": str(CDS)}


def ui_examples():
    """Return the competency questions as UI example tabs (name, titles in fa and en, query)."""
    try:
        from cdkg.ontology.queries import load_queries
    except ImportError:  # the ontology package ships the questions; a checkout without them still serves a UI
        return []
    return [
        {"name": name, "title": title, "question_en": question_en, "question_fa": question_fa, "query": sparql}
        for name, title, question_en, question_fa, sparql in load_queries()
    ]

