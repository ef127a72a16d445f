"""The generated forms: RDF/XML in sync with the Turtle sources, and the pyLODE documentation."""
from html.parser import HTMLParser
from xml.dom import minidom

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from cdkg.ontology import DOCS_DIR, load_sources, ontology_graph
from cdkg.ontology.generate import generate_docs, generated_annotation, rdf_xml, serialisation_targets
from cdkg.ontology.namespaces import CDO, OWL, RDF, SKOS


@pytest.mark.parametrize("source, generated", sorted(serialisation_targets().items()))
def test_rdfxml_is_in_sync_with_its_source(source, generated):
    expected = load_sources([source])
    for ontology in expected.subjects(RDF.type, OWL.Ontology):
        expected.add((ontology, SKOS.editorialNote, generated_annotation(source)))
    actual = Graph().parse(generated, format="xml")
    if not isomorphic(expected, actual):
        _, only_source, only_generated = graph_diff(expected, actual)
        pytest.fail(f"{generated.name} is stale (run `cdkg ontology generate`): "
                    f"{len(only_source)} triples only in {source.name}, {len(only_generated)} only in {generated.name}")


@pytest.mark.parametrize("source", sorted(serialisation_targets()))
def test_rdfxml_is_the_same_text_for_the_same_triples(source):
    first = load_sources([source])
    lines = first.serialize(format="nt").splitlines()
    second = Graph()  # the same triples, added in the reverse order, with blank nodes labelled anew
    for prefix, namespace in first.namespaces():
        second.bind(prefix, namespace)
    second.parse(data="\n".join(sorted(lines, reverse=True)), format="nt")
    assert rdf_xml(second) == rdf_xml(first)
    assert isomorphic(Graph().parse(data=rdf_xml(first), format="xml"), first)


@pytest.mark.parametrize("source, generated", sorted(serialisation_targets().items()))
def test_rdfxml_is_marked_as_generated_in_a_comment_and_in_the_ontology_header(source, generated):
    comments = [node.data for node in minidom.parse(str(generated)).childNodes if node.nodeType == node.COMMENT_NODE]
    assert any("cdkg ontology generate" in comment and "do not edit" in comment for comment in comments)
    graph = Graph().parse(generated, format="xml")
    notes = [str(note) for ontology in graph.subjects(RDF.type, OWL.Ontology)
             for note in graph.objects(ontology, SKOS.editorialNote)]
    assert any("GENERATED" in note and source.name in note and "do not edit" in note for note in notes)


class DocumentedIris(HTMLParser):
    """Collect the IRIs an HTML page links to or names as text."""

    def __init__(self):
        super().__init__()
        self.iris, self.comments = set(), []

    def handle_starttag(self, tag, attrs):
        self.iris |= {value for name, value in attrs if name in ("href", "id", "title") and value}

    def handle_data(self, data):
        self.iris.add(data.strip())

    def handle_comment(self, data):
        self.comments.append(data)


def documented(path):
    parser = DocumentedIris()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def documented_terms():
    """Return the IRIs the documentation must cover: every class, status and concept."""
    graph = ontology_graph()
    terms = {c for c in graph.subjects(RDF.type, OWL.Class) if c in CDO}
    terms |= set(graph.subjects(RDF.type, CDO.AgreementStatus)) | set(graph.subjects(RDF.type, SKOS.Concept))
    return {str(term) for term in terms}


def test_docs_generate_and_document_every_class_status_and_concept(tmp_path):
    page = documented(generate_docs(tmp_path))
    assert documented_terms() - page.iris == set()
    assert any("do not edit" in comment for comment in page.comments)
    assert "شهرداری" in page.iris and "دیپلماسی شهری" in page.iris  # Persian labels shown as text


def test_committed_docs_document_every_class_status_and_concept():
    page = documented(DOCS_DIR / "index.html")
    assert documented_terms() - page.iris == set(), "run `cdkg ontology docs`"

