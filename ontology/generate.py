"""Derive the generated forms of the ontology from its edited Turtle sources: RDF/XML and HTML documentation."""
import logging
from html import escape
from pathlib import Path

from rdflib import Literal, URIRef

from ontology import CDO_OWL, CDO_TTL, CONCEPTS_OWL, CONCEPTS_TTL, DOCS_DIR, DOCS_INDEX, load_sources
from ontology.namespaces import CDO, DCTERMS, ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS

GENERATED_NOTE = "generated from {source} by `cdkg ontology generate`; do not edit"
DOCS_NOTE = "generated from cdo.ttl and concepts.ttl by `cdkg ontology docs`; do not edit"


def serialisation_targets():
    """Return {source: generated RDF/XML file} for each edited source."""
    return {CDO_TTL: CDO_OWL, CONCEPTS_TTL: CONCEPTS_OWL}


def generate_serialisations():
    """Write each source as RDF/XML (for Protégé and OWL API users) and return the files written."""
    # Plain "xml", not "pretty-xml": rdflib's pretty writer drops triples on list nodes (owl:unionOf...).
    written = []
    for source, target in serialisation_targets().items():
        graph = load_sources([source])
        xml = graph.serialize(format="xml", encoding="utf-8").decode("utf-8")
        declaration, _, body = xml.partition("\n")
        note = GENERATED_NOTE.format(source=source.name)
        target.write_text(f"{declaration}\n<!-- {note} -->\n{body}", encoding="utf-8")
        written.append(target)
    return written


def generate_docs(out_dir=DOCS_DIR):
    """Write the pyLODE HTML documentation of the ontology and its concepts to out_dir/index.html."""
    from pylode import OntPub  # imported here: pyLODE loads its background ontologies at import time

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))  # pyLODE logs at INFO
    ontology = load_sources([CDO_TTL])
    # pyLODE runs every title into one heading: give it the English title only (the Persian one stays in cdo.ttl).
    for title in list(ontology.objects(URIRef(ONTOLOGY_IRI), DCTERMS.title)):
        if not _in(title, "en"):
            ontology.remove((URIRef(ONTOLOGY_IRI), DCTERMS.title, title))
    html = OntPub(ontology, sort_subjects=True).make_html()
    # OntPub shows one label per term and no individuals: add the Persian lexicon, the statuses and the concepts.
    everything = load_sources()
    html = html.replace('<div id="namespaces">', individuals_section(everything) + '<div id="namespaces">', 1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / DOCS_INDEX.name
    doctype, _, body = html.partition("\n")
    target.write_text(f"{doctype}\n<!-- {DOCS_NOTE} -->\n{body}", encoding="utf-8")
    return target


def individuals_section(graph):
    """Return HTML sections listing the Persian labels of the classes, the agreement statuses and every concept."""
    classes = sorted(c for c in graph.subjects(RDF.type, OWL.Class) if c in CDO)
    parts = ['<div class="section" id="lexicon"><h2>Classes in Persian (the recogniser\'s lexicon)</h2>',
             individuals_table(graph, classes), "</div>\n",
             '<div class="section" id="individuals"><h2>Named Individuals</h2>',
             "<h3>Agreement statuses</h3>", individuals_table(graph, sorted(graph.subjects(RDF.type, CDO.AgreementStatus)))]
    for scheme in sorted(graph.subjects(RDF.type, SKOS.ConceptScheme)):
        title = " / ".join(labels(graph, scheme, SKOS.prefLabel, language) for language in ("en", "fa"))
        concepts = sorted(graph.subjects(SKOS.inScheme, scheme))
        parts += [f'<h3 id="{escape(str(scheme))}">Concept scheme: {escape(title)}</h3>', individuals_table(graph, concepts)]
    return "".join(parts) + "</div>\n"


def individuals_table(graph, individuals):
    """Return an HTML table of individuals: IRI, en and fa labels, Persian alternatives, definition, broader."""
    rows = ["<table><tr><th>IRI</th><th>label</th><th>برچسب</th><th>Persian variants and cues</th>"
            "<th>definition</th><th>broader</th></tr>"]
    for individual in individuals:
        label_property = SKOS.prefLabel if (individual, SKOS.prefLabel, None) in graph else RDFS.label
        variants = "، ".join(sorted(str(v) for p in (SKOS.altLabel, CDO.lexicalCue)
                                   for v in graph.objects(individual, p) if _in(v, "fa")))
        broader = " ".join(f'<a href="{escape(str(b))}">{escape(labels(graph, b, SKOS.prefLabel, "en"))}</a>'
                           for b in sorted(graph.objects(individual, SKOS.broader)))
        rows.append(
            f'<tr id="{escape(str(individual))}"><td><a href="{escape(str(individual))}">{escape(str(individual))}</a></td>'
            f"<td>{escape(labels(graph, individual, label_property, 'en'))}</td>"
            f'<td lang="fa" dir="rtl">{escape(labels(graph, individual, label_property, "fa"))}</td>'
            f'<td lang="fa" dir="rtl">{escape(variants)}</td>'
            f"<td>{escape(labels(graph, individual, SKOS.definition, 'en'))}</td><td>{broader}</td></tr>"
        )
    return "".join(rows) + "</table>"


def labels(graph, subject, predicate, language):
    """Return the values of subject's predicate in a language, joined."""
    return "; ".join(sorted(str(v) for v in graph.objects(subject, predicate) if _in(v, language)))


def _in(value, language):
    return isinstance(value, Literal) and value.language == language
