"""The ontology's content: the terms code relies on, the header, alignments, the Persian lexicon, the concepts."""
import pytest
from rdflib import Graph, Literal, URIRef

from ontology import namespaces

from ontology import CATALOG, CDO_TTL, CONCEPTS_TTL, ontology_graph
from ontology.catalog import read_catalog
from ontology.check import label_problems, own_namespaces
from ontology.namespaces import (
    CDC, CDO, CONCEPTS_IRI, DBO, GEO, ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI, ORG, OWL, RDF, RDFS, SKOS, WDT,
    bind_prefixes,
)

DECLARATION_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual}


@pytest.fixture(scope="module")
def cdo():
    return bind_prefixes(Graph()).parse(CDO_TTL)


@pytest.fixture(scope="module")
def graph():
    return ontology_graph()


def ask(graph, query):
    return graph.query("PREFIX cdo: <https://w3id.org/citydiplomacy/ontology#>\n" + query).askAnswer


def test_every_namespace_term_is_declared_in_cdo_ttl(cdo):
    undeclared = [term for term in dir(CDO) if not set(cdo.objects(CDO[term], RDF.type)) & DECLARATION_TYPES]
    assert undeclared == []


def test_every_cdo_term_of_cdo_ttl_is_in_the_namespace_module(cdo):
    declared = {s for kind in DECLARATION_TYPES for s in cdo.subjects(RDF.type, kind) if s in CDO}
    in_module = {CDO[term] for term in dir(CDO)}
    assert declared == in_module


def test_every_term_and_concept_has_en_fa_labels_and_an_en_definition(graph):
    assert label_problems(graph, own_namespaces([graph])) == []


def test_header(cdo):
    ontology = URIRef(ONTOLOGY_IRI)
    assert (ontology, OWL.versionIRI, URIRef(ONTOLOGY_VERSION_IRI)) in cdo
    assert (ontology, URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"), Literal("cdo")) in cdo
    assert (ontology, URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"), Literal(str(CDO.uri))) in cdo
    titles = {t.language for t in cdo.objects(ontology, URIRef("http://purl.org/dc/terms/title"))}
    assert titles == {"en", "fa"}
    assert (ontology, URIRef("http://purl.org/dc/terms/license"), None) in cdo


@pytest.mark.parametrize("sub, sup", [
    (CDO.City, namespaces.SDO.City), (CDO.City, DBO.City), (CDO.Place, GEO.Feature), (CDO.Country, DBO.Country),
    (CDO.Organization, ORG.FormalOrganization), (CDO.Post, ORG.Post), (CDO.Statement, namespaces.SDO.Quotation),
    (CDO.DiplomacyConcept, SKOS.Concept), (CDO.CooperationDomain, SKOS.Concept),
])
def test_class_alignment(cdo, sub, sup):
    assert (sub, RDFS.subClassOf, sup) in cdo


def test_twinning_is_symmetric_and_aligned_with_wikidata_and_dbpedia(cdo):
    assert (CDO.twinnedWith, RDF.type, OWL.SymmetricProperty) in cdo
    assert (CDO.twinnedWith, RDFS.subPropertyOf, WDT.P190) in cdo
    assert (CDO.twinnedWith, RDFS.subPropertyOf, DBO.twinCity) in cdo


def test_located_in_is_transitive(cdo):
    assert (CDO.locatedIn, RDF.type, OWL.TransitiveProperty) in cdo


@pytest.mark.parametrize("first, second", [
    ("City", "Municipality"), ("Place", "Organization"), ("Post", "Organization"), ("Embassy", "Consulate"),
    ("Mayor", "Spokesperson"), ("Statement", "DiplomaticActivity"),
])
def test_disjointness(graph, first, second):
    assert ask(graph, f"""ASK {{
        {{ cdo:{first} owl:disjointWith cdo:{second} }} UNION {{ cdo:{second} owl:disjointWith cdo:{first} }}
        UNION {{ ?axiom a owl:AllDisjointClasses ; owl:members ?list .
                 ?list rdf:rest*/rdf:first cdo:{first} . ?list rdf:rest*/rdf:first cdo:{second} }}
        UNION {{ cdo:{first} rdfs:subClassOf* ?a . cdo:{second} rdfs:subClassOf* ?b .
                 ?axiom a owl:AllDisjointClasses ; owl:members ?list .
                 ?list rdf:rest*/rdf:first ?a . ?list rdf:rest*/rdf:first ?b . FILTER (?a != ?b) }}
    }}""")


def test_agreement_status_is_exactly_nine_individuals(graph):
    rows = graph.query("""SELECT ?status WHERE {
        cdo:AgreementStatus owl:equivalentClass/owl:oneOf/rdf:rest*/rdf:first ?status }""",
        initNs={"cdo": CDO, "owl": OWL, "rdf": RDF})
    assert {row.status for row in rows} == {CDO.Signed, CDO.Planned, CDO.Proposed, CDO.Existing, CDO.Cancelled,
                                            CDO.Renewed, CDO.Suspended, CDO.Denied, CDO.UnderStudy}


@pytest.mark.parametrize("term, label", [
    (CDO.Mayor, "شهردار"), (CDO.Spokesperson, "سخنگو"), (CDO.DeputyMinister, "معاون وزیر"),
    (CDO.Ambassador, "سفیر"), (CDO.BoardMember, "عضو هیئت مدیره"), (CDO.Municipality, "شهرداری"),
    (CDO.ProvincialCouncil, "شورای اسلامی استان"), (CDO.MemorandumOfUnderstanding, "تفاهم\u200cنامه"),
    (CDO.CooperationAgreement, "توافق\u200cنامه همکاری"), (CDO.SisterCityAgreement, "پیمان خواهرخواندگی"),
    (CDO.Meeting, "دیدار"), (CDO.Support, "حمایت"),
])
def test_persian_lexicon_labels(graph, term, label):
    labels = set(graph.objects(term, RDFS.label)) | set(graph.objects(term, SKOS.altLabel))
    assert Literal(label, lang="fa") in labels


@pytest.mark.parametrize("term, cue", [
    (CDO.Signed, "منعقد شد"), (CDO.Signed, "امضا شد"), (CDO.Planned, "قرار است"), (CDO.Proposed, "می\u200cتوانند"),
    (CDO.Denied, "تکذیب"), (CDO.Meeting, "در دیدار با"), (CDO.Support, "حمایت می\u200cکند"),
    (CDO.Comparison, "تشابهات"), (CDO.NationalCommission, "کمسیون ملی"),
])
def test_lexical_cues(graph, term, cue):
    assert (term, CDO.lexicalCue, Literal(cue, lang="fa")) in graph


def test_lexical_cue_is_an_annotation_property(graph):
    assert (CDO.lexicalCue, RDF.type, OWL.AnnotationProperty) in graph


def test_persian_labels_use_zwnj_not_stray_spaces(graph):
    """Standard Persian joins می/ها/نامه with a ZWNJ; a ZWNJ next to a space is always a typo."""
    bad = [(s, o) for s, p, o in graph if isinstance(o, Literal) and o.language == "fa"
           and ("\u200c " in o or " \u200c" in o or "  " in o)]
    assert bad == []


def test_city_diplomacy_is_narrower_than_second_track_diplomacy(graph):
    assert (CDC["city-diplomacy"], SKOS.broader, CDC["second-track-diplomacy"]) in graph
    assert (CDC["comprehensive-city-diplomacy"], SKOS.broader, CDC["city-diplomacy"]) in graph


def test_domains_are_typed_and_slugged(graph):
    domains = set(graph.subjects(SKOS.inScheme, CDC["cooperation-domains"]))
    assert len(domains) >= 15
    assert all(str(d).startswith(str(CDC["domain-"])) and (d, RDF.type, CDO.CooperationDomain) in graph for d in domains)
    assert all((d, SKOS.topConceptOf, CDC["cooperation-domains"]) in graph for d in domains)


def test_concepts_import_the_ontology_and_the_catalog_resolves_it():
    concepts = Graph().parse(CONCEPTS_TTL)
    imported = {str(iri) for iri in concepts.objects(URIRef(CONCEPTS_IRI), OWL.imports)}
    mappings = read_catalog(CATALOG)
    assert imported == {ONTOLOGY_IRI}
    assert mappings[ONTOLOGY_IRI] == CDO_TTL
    assert all(path.exists() for path in mappings.values())
