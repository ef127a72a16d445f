"""Each shape against conforming and violating fixtures, checked on the SHACL report graph."""
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

from cdkg.ontology.namespaces import CDC, CDO, DCTERMS, ID, NIF, ORG, OWL, PROV, RDF, RDFS, SH, SHAPES, SKOS
from cdkg.shapes import shapes_graph
from cdkg.shapes.gate import Gate

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"

RESULTS = """
    SELECT ?focus ?shape ?path ?severity WHERE {
        ?report a sh:ValidationReport ; sh:result ?result .
        ?result sh:focusNode ?focus ; sh:sourceShape ?shape ; sh:resultSeverity ?severity .
        OPTIONAL { ?result sh:resultPath ?path }
    }
"""

V, W = SH.Violation, SH.Warning
AGREEMENT = ID["statement/c000000000000005/agreement-1"]

# fixture -> the (focus node, source shape, result path, severity) the report must hold, and nothing else.
EXPECTED = {
    "statement-ok.trig": set(),
    "agreement-ok-multilateral.trig": set(),
    "post-ok-holder.trig": set(),
    "evidence-ok-dated.trig": set(),
    "evidence-bad-dated.trig": {
        (ID["statement/e000000000000002#char=8,12"], SHAPES["Evidence-context"], NIF.referenceContext, V),
        (ID["statement/e000000000000002#char=8,12"], SHAPES["Evidence-anchor"], NIF.anchorOf, V),
        (ID["statement/e000000000000002#char=0,5"], SHAPES["EvidenceShape"], None, V),
        (ID["statement/e000000000000002"], SHAPES["DatedEventShape"], None, V),
        (ID["person/unnamed"], SHAPES["Person-name"], RDFS.label, V),
        (ID["person/unnamed"], SHAPES["Person-foaf"], RDF.type, V),
        (ID["person/unnamed"], SHAPES["Person-schema"], RDF.type, V),
        (ID["statement/e000000000000002#char=1,2"], SHAPES["Evidence-begin"], NIF.beginIndex, V),
        (ID["statement/e000000000000002#char=1,2"], SHAPES["Evidence-end"], NIF.endIndex, V),
        (ID["statement/e000000000000002/meeting-1"], SHAPES["DatedEvent-start"], CDO.dateStart, V),
        (ID["statement/e000000000000002/meeting-1"], SHAPES["DatedEvent-end"], CDO.dateEnd, V),
        (ID["statement/e000000000000002/meeting-1"], SHAPES["Activity-status"], CDO.status, V),
        (ID["statement/e000000000000002/relation-1"], SHAPES["Relation-status"], CDO.status, V)},
    "entity-ok-organisation.trig": set(),
    "concepts-ok.ttl": set(),
    "statement-warning-no-mentions.trig": {
        (ID["statement/b000000000000004"], SHAPES["Statement-mentions"], CDO.mentions, W)},
    "statement-bad-no-text.trig": {
        (ID["statement/b000000000000001"], SHAPES["Statement-originalText"], CDO.originalText, V)},
    "statement-bad-provenance.trig": {
        (ID["statement/b000000000000002"], SHAPES["Statement-originalText"], CDO.originalText, V),
        (ID["statement/b000000000000002"], SHAPES["Statement-contentHash"], CDO.contentHash, V),
        (ID["statement/b000000000000002"], SHAPES["Statement-wasGeneratedBy"], PROV.wasGeneratedBy, V),
        (ID["statement/b000000000000002"], SHAPES["Statement-speaker"], CDO.speaker, V),
        (ID["statement/b000000000000002"], SHAPES["Statement-source"], DCTERMS.source, V),
        (ID["statement/b000000000000002"], SHAPES["Statement-date"], DCTERMS.date, V)},
    "statement-bad-two-texts.trig": {
        (ID["statement/b000000000000003"], SHAPES["Statement-originalText"], CDO.originalText, V),
        (ID["statement/b000000000000003"], SHAPES["Statement-wasGeneratedBy"], PROV.wasGeneratedBy, V),
        (ID["statement/b000000000000003"], SHAPES["Statement-publisher"], DCTERMS.publisher, V)},
    "statement-bad-details.trig": {
        (ID["statement/b000000000000005"], SHAPES["Statement-normalizedText"], CDO.normalizedText, V),
        (ID["statement/b000000000000005"], SHAPES["Statement-sourceLine"], CDO.sourceLine, V),
        (ID["statement/b000000000000005"], SHAPES["Statement-wasDerivedFrom"], PROV.wasDerivedFrom, V),
        (ID["extraction/test-5"], SHAPES["ExtractionActivity-startedAtTime"], PROV.startedAtTime, V),
        (ID["source/example-news-5"], SHAPES["Source-url"], DCTERMS.source, V)},
    "agreement-bad-purpose.trig": {
        (ID["statement/c000000000000007/agreement-1"], SHAPES["CooperationInstrument-purpose"], CDO.purpose, V),
        (ID["statement/c000000000000007/agreement-1"], SHAPES["CooperationInstrument-purposeText"],
         CDO.purposeText, V),
        (ID["org/shiraz-municipality"], SHAPES["GoverningBody-governs"], CDO.governs, V)},
    "agreement-bad-one-party.trig": {
        (ID["statement/c000000000000002/agreement-1"], SHAPES["CooperationInstrument-party"], CDO.party, V)},
    "agreement-bad-same-party-twice.trig": {
        (ID["statement/c000000000000003/agreement-1"], SHAPES["CooperationInstrument-party"], CDO.party, V)},
    "agreement-bad-same-side.trig": {
        (ID["statement/c000000000000004/agreement-1"], SHAPES["DistinctPartiesShape"], None, V)},
    "agreement-bad-values.trig": {
        (AGREEMENT, SHAPES["CooperationInstrument-party"], CDO.party, V),
        (AGREEMENT, SHAPES["CooperationInstrument-domain"], CDO.cooperationDomain, V),
        (AGREEMENT, SHAPES["CooperationInstrument-status"], CDO.status, V),
        (AGREEMENT, SHAPES["CooperationInstrument-date"], DCTERMS.date, V),
        (AGREEMENT, SHAPES["CooperationInstrumentKindShape"], None, V),
        (ID["statement/c000000000000005/relation-1"], SHAPES["Relation-status"], CDO.status, V)},
    "agreement-bad-date.trig": {
        (ID["statement/c000000000000006/agreement-1"], SHAPES["CooperationInstrument-date"], DCTERMS.date, V),
        (ID["statement/c000000000000006/agreement-1"], SHAPES["CooperationInstrument-status"], CDO.status, V)},
    "post-bad-no-organisation.trig": {
        (ID["post/mayor/shiraz"], SHAPES["Post-postIn"], ORG.postIn, V)},
    "post-bad-role-holder.trig": {
        (ID["post/official/shiraz"], SHAPES["PostRoleShape"], None, V),
        (ID["post/official/shiraz"], SHAPES["Post-postIn"], ORG.postIn, V),
        (ID["post/official/shiraz"], SHAPES["Post-heldBy"], ORG.heldBy, V)},
    "entity-bad-labels.trig": {
        (ID["org/test-association"], SHAPES["NamedEntity-labelEn"], RDFS.label, V),
        (ID["org/test-association"], SHAPES["NamedEntity-label"], RDFS.label, V),
        (ID["place/atlantis"], SHAPES["NamedEntity-labelEn"], RDFS.label, V),
        (ID["place/atlantis"], SHAPES["City-country"], CDO.country, V),
        (ID["org/test-network"], SHAPES["NamedEntity-labelFa"], RDFS.label, V)},
    "entity-bad-links.trig": {
        (ID["place/shiraz"], SHAPES["NamedEntity-wikidata"], OWL.sameAs, V),
        (ID["place/shiraz"], SHAPES["NamedEntity-geonames"], SKOS.exactMatch, V),
        (ID["place/shiraz"], SHAPES["NamedEntity-prefLabel"], SKOS.prefLabel, V)},
    "statusclaim-ok.trig": set(),
    "statusclaim-bad.trig": {
        (ID["statement/d000000000000002/agreement-1"], SHAPES["StatusClaim-status"], CDO.claimedStatus, V),
        (ID["statement/d000000000000002/agreement-1"], SHAPES["StatusClaim-date"], CDO.statusDate, V),
        (ID["statement/d000000000000002/agreement-1"], SHAPES["StatusClaim-report"], PROV.wasDerivedFrom, V),
        (ID["statement/d000000000000002/agreement-2"], SHAPES["StatusClaimShape"], None, V),
        (ID["statement/d000000000000002/agreement-3"], SHAPES["StatusClaimShape"], None, V)},
    "concepts-bad.ttl": {
        (CDC["test-no-english"], SHAPES["Concept-labelEn"], SKOS.prefLabel, V),
        (CDC["test-no-english"], SHAPES["Concept-prefLabel"], SKOS.prefLabel, V),
        (CDC["test-no-english"], SHAPES["Concept-inScheme"], SKOS.inScheme, V),
        (CDC["test-foreign-broader"], SHAPES["Concept-broader"], SKOS.broader, V),
        (CDC["test-no-scheme"], SHAPES["Concept-inScheme"], SKOS.inScheme, V),
        (CDC["test-no-persian"], SHAPES["Concept-labelFa"], SKOS.prefLabel, V),
        (CDC["test-no-persian"], SHAPES["Concept-narrower"], SKOS.narrower, V)},
}


def fixture_items(name):
    """Return a fixture's graphs as (graph IRI, triples) items; a Turtle file is one unnamed graph."""
    dataset = Dataset()
    dataset.parse(FIXTURES / name)
    return [(None if name.endswith(".ttl") else graph.identifier, list(graph))
            for graph in dataset.graphs() if len(graph)]


def reported(verdict):
    """Return the (focus, shape, path, severity) rows of a verdict's report graph."""
    return {(row.focus, row.shape, row.path, row.severity)
            for row in verdict.report_graph.query(RESULTS, initNs={"sh": SH})}


@pytest.fixture(scope="module")
def gate():
    return Gate.load()


@pytest.fixture(scope="module")
def engines():
    """Return a gate per engine; they share nothing but the files they load."""
    return {engine: Gate.load(engine=engine) for engine in ("pyshacl",)}


def result_shapes():
    """Return the shapes that produce results: named property shapes and SPARQL-constrained node shapes."""
    graph = shapes_graph()
    properties = set(graph.objects(None, SH.property)) & set(graph.subjects(SH.path, None))
    return {s for s in properties | set(graph.subjects(SH.sparql, None)) if isinstance(s, URIRef)}


def test_every_shape_has_a_violating_and_a_conforming_fixture():
    violated = {row[1] for expected in EXPECTED.values() for row in expected}
    assert result_shapes() - violated == set(), "shapes that no fixture violates"
    targeted = set(shapes_graph().subjects(SH.targetClass, None))
    conforming = [name for name, expected in EXPECTED.items() if not expected]
    typed = set()  # the target classes that have instances in the conforming fixtures
    for name in conforming:
        typed |= {o for _, triples in fixture_items(name) for _, p, o in triples if p == RDF.type}
    for shape in targeted:
        assert set(shapes_graph().objects(shape, SH.targetClass)) & closure_of(typed), shape


def closure_of(classes):
    """Return the classes and all their superclasses in the ontology."""
    from cdkg.ontology import ontology_graph

    graph = ontology_graph()
    return set(classes) | {sup for cls in classes for sup in graph.transitive_objects(cls, RDFS.subClassOf)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_report(gate, name):
    verdicts = gate.check(fixture_items(name))
    found = set().union(*(reported(v) for v in verdicts))
    assert found == EXPECTED[name]
    assert all(v.conforms == (not any(r[3] == V for r in reported(v))) for v in verdicts)
    for verdict in verdicts:
        [conforms] = verdict.report_graph.objects(None, SH.conforms)
        assert conforms.toPython() == (not verdict.results)  # SHACL's: a warning is a result too


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_engines_agree_with_pyshacl(gate, engines, name):
    items = fixture_items(name)
    reference = [{r.key() for r in v.results} for v in engines["pyshacl"].check(items)]
    assert [{r.key() for r in v.results} for v in gate.check(items)] == reference


def test_warnings_alone_still_conform(gate):
    [verdict] = gate.check(fixture_items("statement-warning-no-mentions.trig"))
    assert verdict.conforms and len(verdict.warnings) == 1 and not verdict.violations


def test_every_result_carries_english_and_persian_messages(gate):
    items = [item for name in EXPECTED for item in fixture_items(name)]
    for verdict in gate.check(items):
        for result in verdict.report_graph.objects(None, SH.result):
            languages = {m.language for m in verdict.report_graph.objects(result, SH.resultMessage)}
            assert languages == {"en", "fa"}


def test_offending_values_are_reported(gate):
    [verdict] = gate.check(fixture_items("agreement-bad-values.trig"))
    values = {(row.path, row.value) for row in verdict.report_graph.query(
        "SELECT ?path ?value WHERE { ?r sh:resultPath ?path ; sh:value ?value }", initNs={"sh": SH})}
    assert (CDO.cooperationDomain, CDC["city-diplomacy"]) in values
    assert (CDO.status, CDO.Meeting) in values
    assert (CDO.party, ID["post/mayor/shiraz-municipality"]) in values
