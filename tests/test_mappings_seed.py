"""The seed statements yield the facts the project promises, asked by SPARQL over each statement's graph."""
from pathlib import Path

import pytest
from rdflib import Graph

from cdkg.mappings.pipeline import default_pipeline
from cdkg.mappings.record import SourceRecord
from cdkg.ontology.namespaces import ID, PREFIXES

SEED = Path(__file__).resolve().parent.parent / "kg" / "sources" / "seed-statements-fa.txt"


@pytest.fixture(scope="module")
def graphs():
    """Return {line number: graph of that statement's triples} for the seed corpus."""
    pipeline = default_pipeline()
    result = {}
    for number, text in enumerate(SEED.read_text(encoding="utf-8").splitlines(), 1):
        graph = Graph()
        for triple in pipeline.extract(SourceRecord(text, number, SEED.name)).triples:
            graph.add(triple)
        result[number] = graph
    return result


def r(path):
    """Return a data IRI (cdr:...) written for a SPARQL query."""
    return f"<{ID[path]}>"


def ask(graph, where):
    """Return the answer of an ASK query over a statement graph, with the project's prefixes."""
    return graph.query(f"ASK {{ {where} }}", initNs=PREFIXES).askAnswer


def test_seed_has_eleven_statements(graphs):
    assert len(graphs) == 11


def test_1_mayor_of_shiraz_speaks_of_twinning_memoranda_and_networks(graphs):
    g = graphs[1]
    assert ask(g, f"""?s cdo:speaker {r('post/mayor/shiraz-municipality')} .
        {r('post/mayor/shiraz-municipality')} a cdo:Mayor ; org:postIn {r('org/shiraz-municipality')} .
        {r('org/shiraz-municipality')} a cdo:Municipality ; cdo:governs {r('place/shiraz')} .""")
    for concept in ("sister-city-relations", "cooperation-memoranda", "bilateral-relations",
                    "international-organisation-presence", "network-relations"):
        assert ask(g, f"?s a cdo:Statement ; cdo:topic cdc:{concept}"), concept


def test_2_shiraz_designated_environmental_capital_of_asian_mayors_forum(graphs):
    g = graphs[2]
    assert ask(g, f"?s cdo:speaker ?p . ?p a cdo:Spokesperson ; org:postIn {r('org/shiraz-municipality')}")
    assert ask(g, f"""?s cdo:reports ?d . ?d a cdo:Designation ; cdo:designated {r('place/shiraz')} ;
        cdo:designatedBy {r('org/asian-mayors-forum')} ; cdo:designationTitle ?title .
        FILTER(CONTAINS(STR(?title), "پایتخت محیط زیستی"))""")
    assert ask(g, "?s cdo:topic cdc:comprehensive-city-diplomacy")


def test_3_signed_agreement_shiraz_municipality_novi_sad(graphs):
    g = graphs[3]
    assert ask(g, f"""?s cdo:reports ?a . ?a a cdo:CooperationAgreement ; cdo:status cdo:Signed ;
        cdo:party {r('org/shiraz-municipality')}, {r('place/novi-sad')} ;
        cdo:concerns {r('place/iran')}, {r('place/serbia')} ; cdo:purposeText ?purpose .""")
    for domain in ("domain-culture", "domain-investment", "domain-tourism", "domain-urban-management"):
        assert ask(g, f"?a a cdo:CooperationAgreement ; cdo:cooperationDomain cdc:{domain}"), domain
    assert not ask(g, "?a a cdo:CooperationAgreement ; cdo:party ?p1, ?p2, ?p3 FILTER(?p1 != ?p2 && ?p2 != ?p3 && ?p1 != ?p3)")


def test_4_mayor_of_shiraz_met_iran_ambassador_to_qatar_about_shiraz_doha(graphs):
    g = graphs[4]
    embassy = r("org/embassy-of-iran-in-qatar")
    assert ask(g, f"""?s cdo:reports ?m . ?m a cdo:Meeting ;
        cdo:participant {r('post/mayor/shiraz-municipality')}, ?amb .
        ?amb a cdo:Ambassador ; org:postIn {embassy} .
        {embassy} a cdo:Embassy ; cdo:ofCountry {r('place/iran')} ; cdo:accreditedTo {r('place/qatar')} .
        ?m cdo:about ?rel . ?rel a cdo:Relation ; cdo:relates {r('place/shiraz')}, {r('place/doha')} .""")
    assert ask(g, "?s cdo:topic cdc:city-diplomacy")


def test_5_mayor_of_mashhad_on_city_diplomacy_and_sister_cities(graphs):
    g = graphs[5]
    assert ask(g, f"?s cdo:speaker ?p . ?p a cdo:Mayor ; org:postIn {r('org/mashhad-municipality')}")
    assert ask(g, "?s cdo:topic cdc:city-diplomacy, cdc:sister-city-relations")


def test_6_foreign_ministry_supports_mashhad_central_asia(graphs):
    g = graphs[6]
    mfa = r("org/iran-ministry-of-foreign-affairs")
    assert ask(g, f"?s cdo:speaker ?p . ?p a cdo:Spokesperson ; org:postIn {mfa}")
    assert ask(g, f"""?s cdo:reports ?support . ?support a cdo:Support ; cdo:supporter {mfa} ; cdo:supported ?rel .
        ?rel a cdo:Relation ; cdo:relates {r('place/mashhad')}, {r('place/central-asia')} .""")
    assert ask(g, f"{r('org/mashhad-municipality')} cdo:activeIn cdc:city-diplomacy")


def test_7_provincial_council_mou_with_unesco_commission(graphs):
    g = graphs[7]
    council = r("org/tehran-province-provincial-council")
    assert ask(g, f"""?s cdo:speaker ?p . ?p a cdo:CouncilChair ; org:postIn {council} .
        {council} a cdo:ProvincialCouncil ; cdo:governs {r('place/tehran-province')} .""")
    assert ask(g, f"""?s cdo:reports ?mou . ?mou a cdo:MemorandumOfUnderstanding ;
        cdo:party {council}, {r('org/iran-national-commission-for-unesco')} ; cdo:purpose cdc:city-diplomacy .""")


def test_8_isfahan_finances_yield_no_diplomatic_fact(graphs):
    g = graphs[8]
    assert ask(g, f"?s cdo:speaker ?p . ?p a cdo:Mayor ; org:postIn {r('org/isfahan-municipality')}")
    assert not ask(g, "?s cdo:reports ?fact")
    assert not ask(g, "?s cdo:topic ?c . ?c a cdo:DiplomacyConcept")
    assert not ask(g, "?x cdo:activeIn|cdo:memberOf|cdo:narrowerFieldOf ?y")


def test_9_deputy_interior_minister_compares_isfahan_and_tabriz(graphs):
    g = graphs[9]
    assert ask(g, f"?s cdo:speaker ?p . ?p a cdo:DeputyMinister ; org:postIn {r('org/iran-ministry-of-interior')}")
    assert ask(g, f"""?s cdo:reports ?c . ?c a cdo:Comparison ; cdo:relates {r('place/isfahan')}, {r('place/tabriz')} ;
        cdo:comparedIn cdc:domain-architecture, cdc:domain-social, cdc:domain-culture .""")


def test_10_city_diplomacy_narrower_than_second_track(graphs):
    g = graphs[10]
    assoc = r("org/iranian-scientific-association-of-urban-economics")
    assert ask(g, f"?s cdo:speaker ?p . ?p a cdo:BoardMember ; org:postIn {assoc}")
    assert ask(g, "cdc:city-diplomacy cdo:narrowerFieldOf cdc:second-track-diplomacy")
    assert ask(g, "?s cdo:topic cdc:domain-investment")


def test_11_silk_road_exchanges_without_speaker(graphs):
    g = graphs[11]
    assert not ask(g, "?s cdo:speaker ?p")
    assert ask(g, f"""?s cdo:reports ?e . ?e a cdo:Exchange ; cdo:relates {r('place/silk-road')} ;
        cdo:cooperationDomain cdc:domain-culture, cdc:domain-economy, cdc:domain-tourism, cdc:domain-civilisation .""")


@pytest.mark.parametrize("number", range(1, 12))
def test_every_entity_used_has_type_and_both_labels(graphs, number):
    g = graphs[number]
    unlabelled = g.query("""SELECT ?e WHERE {
        ?s a cdo:Statement . { ?s cdo:mentions|cdo:speaker|cdo:topic ?e } UNION { ?f cdo:party|cdo:relates ?e }
        FILTER NOT EXISTS { ?e a ?type . ?e rdfs:label ?fa . ?e rdfs:label ?en
                            FILTER(LANG(?fa) = "fa" && LANG(?en) = "en") } }""", initNs=PREFIXES)
    assert list(unlabelled) == []
