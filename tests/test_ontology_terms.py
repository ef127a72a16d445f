"""The ontology's content: the terms code relies on, the header, alignments, the Persian lexicon, the concepts."""
import pytest
from rdflib import Graph, Literal, URIRef

from cdkg.ontology import namespaces

from cdkg.ontology import CATALOG, CDO_TTL, CONCEPTS_TTL, load_sources, ontology_graph
from cdkg.ontology.catalog import read_catalog
from cdkg.ontology.check import label_problems, namespace_module_problems, own_namespaces
from cdkg.ontology.namespaces import (
    BASE, CDC, CDO, CONCEPTS_IRI, DBO, DCTERMS, GEO, ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI, ORG, OWL, RDF, RDFS, SKOS,
    WDT,
)

DECLARATION_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual}


@pytest.fixture(scope="module")
def cdo():
    return load_sources([CDO_TTL])


@pytest.fixture(scope="module")
def graph():
    return ontology_graph()


def ask(graph, query):
    return graph.query("PREFIX cdo: <https://w3id.org/citydiplomacy/ontology#>\n" + query).askAnswer


def test_every_term_code_relies_on_is_declared_in_cdo_ttl(cdo):
    """namespaces.py names the terms code uses; cdo.ttl may declare more (an editor's addition needs no code)."""
    assert len(dir(CDO)) > 90
    assert namespace_module_problems(cdo) == []


def test_a_term_code_relies_on_missing_from_the_ontology_is_named(cdo):
    edited = Graph()
    edited += cdo
    edited.remove((CDO.Mayor, RDF.type, OWL.Class))
    assert namespace_module_problems(edited) == [
        "cdo:Mayor: named in ontology/namespaces.py (code relies on it) but not declared in the ontology"]


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
    assert (ontology, OWL.priorVersion, URIRef(BASE + "ontology/0.1.0")) in cdo
    assert (ontology, DCTERMS.modified, None) in cdo
    for predicate in (DCTERMS.creator, DCTERMS.publisher):  # agents are resources with a name, not strings
        agents = list(cdo.objects(ontology, predicate))
        assert agents and all(isinstance(a, URIRef) and (a, RDFS.label, None) in cdo for a in agents)


def test_every_term_is_defined_by_its_ontology(graph):
    terms = {s for kind in DECLARATION_TYPES for s in graph.subjects(RDF.type, kind) if s in CDO}
    concepts = set(graph.subjects(RDF.type, SKOS.Concept)) | set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert {t for t in terms if (t, RDFS.isDefinedBy, URIRef(ONTOLOGY_IRI)) not in graph} == set()
    assert {c for c in concepts if (c, RDFS.isDefinedBy, URIRef(CONCEPTS_IRI)) not in graph} == set()


def test_publisher_is_an_annotation_property_as_the_data_uses_it_with_a_name(cdo):
    assert (DCTERMS.publisher, RDF.type, OWL.AnnotationProperty) in cdo
    assert (DCTERMS.publisher, RDF.type, OWL.ObjectProperty) not in cdo


@pytest.mark.parametrize("term, label, not_of", [
    (CDO.County, "شهرستان", CDO.City), (CDO.CountyGovernor, "فرماندار", CDO.Governor),
])
def test_county_words_name_the_county_not_the_city(graph, term, label, not_of):
    assert (term, RDFS.label, Literal(label, lang="fa")) in graph
    assert not any(Literal(label, lang="fa") in graph.objects(not_of, p) for p in (RDFS.label, SKOS.altLabel))


def test_membership_is_aligned_with_w3c_org(cdo):
    assert (CDO.Membership, RDFS.subClassOf, ORG.Membership) in cdo
    assert (CDO.member, RDFS.subPropertyOf, ORG.member) in cdo
    assert (CDO.memberOf, RDFS.subPropertyOf, ORG.memberOf) in cdo


def test_inverse_properties_have_a_real_persian_definition(graph):
    """A Persian definition must say what the property links, not only "inverse of X"."""
    inverses = set(graph.subjects(OWL.inverseOf, None)) | set(graph.objects(None, OWL.inverseOf))
    thin = [p for p in inverses for d in graph.objects(p, SKOS.definition)
            if d.language == "fa" and len(d.split()) < 5]
    assert len(inverses) >= 8 and thin == []


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
    concepts = load_sources([CONCEPTS_TTL])
    imported = {str(iri) for iri in concepts.objects(URIRef(CONCEPTS_IRI), OWL.imports)}
    mappings = read_catalog(CATALOG)
    assert imported == {ONTOLOGY_VERSION_IRI}  # the version the concepts were written against
    assert mappings[ONTOLOGY_VERSION_IRI] == mappings[ONTOLOGY_IRI] == CDO_TTL
    assert all(path.exists() for path in mappings.values())
