"""Check that materialisation follows the ontology's axioms, including ones an editor adds."""
import pytest
from rdflib import Graph, Literal

from cdkg.kg.inference import Entailment, Materializer
from cdkg.ontology import ontology_graph
from cdkg.ontology import namespaces  # SDO via the module: pytest would probe a module-level SDO and warn
from cdkg.ontology.namespaces import CDO, DBO, ID, ORG, OWL, PROV, RDF, RDFS, WDT

SHIRAZ, NOVI_SAD, FARS, IRAN = ID["place/shiraz"], ID["place/novi-sad"], ID["place/fars"], ID["place/iran"]
MUNICIPALITY = ID["org/shiraz-municipality"]
MOU = ID["statement/0123456789abcdef/agreement-1"]


@pytest.fixture(scope="module")
def ontology():
    return ontology_graph()


def materialise(ontology, triples, asserted=()):
    """Return what the triples entail beyond the asserted set."""
    materializer = Materializer(Entailment(ontology))
    entailed = materializer.add(triples) | materializer.finish()
    return entailed - set(triples) - set(asserted)


def test_superclass_types_follow_the_subclass_closure_to_external_classes(ontology):
    entailed = materialise(ontology, [(MOU, RDF.type, CDO.MemorandumOfUnderstanding),
                                      (MUNICIPALITY, RDF.type, CDO.Municipality)])
    assert (MOU, RDF.type, CDO.CooperationInstrument) in entailed
    assert (MUNICIPALITY, RDF.type, CDO.GovernmentOrganization) in entailed
    assert (MUNICIPALITY, RDF.type, CDO.Organization) in entailed
    assert (MUNICIPALITY, RDF.type, ORG.FormalOrganization) in entailed


def test_symmetric_inverse_and_super_properties(ontology):
    entailed = materialise(ontology, [(SHIRAZ, CDO.twinnedWith, NOVI_SAD), (MOU, CDO.party, MUNICIPALITY),
                                      (MUNICIPALITY, CDO.governs, SHIRAZ)])
    assert (NOVI_SAD, CDO.twinnedWith, SHIRAZ) in entailed
    assert (SHIRAZ, WDT.P190, NOVI_SAD) in entailed and (NOVI_SAD, DBO.twinCity, SHIRAZ) in entailed
    assert (MUNICIPALITY, CDO.partyTo, MOU) in entailed
    assert (SHIRAZ, CDO.governedBy, MUNICIPALITY) in entailed


def test_transitive_chains_and_their_super_properties(ontology):
    entailed = materialise(ontology, [(SHIRAZ, CDO.locatedIn, FARS), (FARS, CDO.locatedIn, IRAN)])
    assert (SHIRAZ, CDO.locatedIn, IRAN) in entailed
    assert (SHIRAZ, namespaces.SDO.containedInPlace, IRAN) in entailed
    assert (IRAN, CDO.locatedIn, SHIRAZ) not in entailed


def test_literals_never_become_subjects(ontology):
    extended = Graph() + ontology
    extended.add((CDO.originalText, OWL.inverseOf, CDO.normalizedText))
    entailed = materialise(extended, [(MOU, CDO.originalText, Literal("متن", lang="fa"))])
    assert entailed == set()


def test_a_class_an_editor_adds_flows_through_without_code_changes(ontology):
    extended = Graph() + ontology
    friendship_pact = ID["test/FriendshipPact"]
    extended.add((friendship_pact, RDFS.subClassOf, CDO.SisterCityAgreement))
    entailed = materialise(extended, [(MOU, RDF.type, friendship_pact)])
    assert {(MOU, RDF.type, CDO.SisterCityAgreement), (MOU, RDF.type, CDO.CooperationInstrument)} <= entailed


def test_statements_are_provenance_entities(ontology):
    statement = ID["statement/0123456789abcdef"]
    entailed = materialise(ontology, [(statement, RDF.type, CDO.Statement)])
    assert (statement, RDF.type, PROV.Entity) in entailed
