"""Spell every IRI of the project once: the ontology, concept, data and graph namespaces, and the external ones."""
from rdflib import Namespace
from rdflib.namespace import (  # re-exported so callers import every namespace from one place
    DCTERMS,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    VANN,
    VOID,
    XSD,
    ClosedNamespace,
)

# The persistent base: w3id.org redirects it to wherever the project is hosted; `cdkg serve` maps it to local paths.
BASE = "https://w3id.org/citydiplomacy/"

ONTOLOGY_IRI = BASE + "ontology"
# Version IRIs end with the release's file name (as OBO's do): owlready2 resolves an import offline by finding that
# name in its onto_path (ontology/), as Protégé does through catalog-v001.xml.
ONTOLOGY_VERSION_IRI = BASE + "ontology/0.2.0/cdo.owl"
# The SKOS concept schemes are their own ontology (ontology/concepts.ttl), which imports the one above.
CONCEPTS_IRI = BASE + "concepts"
CONCEPTS_VERSION_IRI = BASE + "concepts/0.2.0/concepts.owl"

# The ontology's own terms. A closed namespace makes a typo in code an error instead of a silent new IRI;
# tests check that every term listed here is declared in ontology/cdo.ttl.
CDO = ClosedNamespace(
    uri=BASE + "ontology#",
    terms=[
        # --- places
        "Place", "City", "County", "Province", "Country", "Region", "Route",
        # --- organisations
        "Organization", "GovernmentOrganization", "Municipality", "Council", "CityCouncil", "ProvincialCouncil",
        "Ministry", "DiplomaticMission", "Embassy", "Consulate", "InternationalOrganization", "CityNetwork",
        "NationalCommission", "Association", "ChamberOfCommerce", "Government", "Governorate",
        "University", "MedicalUniversity", "SportsClub",
        # --- posts (each role a subclass of Post; W3C ORG org:Post / org:postIn / org:heldBy)
        "Post", "Mayor", "DeputyMayor", "Spokesperson", "CouncilChair", "CouncilMember", "Minister",
        "DeputyMinister", "Ambassador", "ConsulGeneral", "Governor", "BoardMember", "DirectorGeneral",
        "SecretaryGeneral", "Counsellor", "ChiefExecutive", "CountyGovernor", "DistrictGovernor", "Person",
        "ChamberPresident", "UniversityPresident", "ViceChancellor", "Professor", "HeadCoach",
        # --- cooperation instruments
        "CooperationInstrument", "CooperationAgreement", "MemorandumOfUnderstanding", "SisterCityAgreement",
        "ActionPlan", "Contract",
        "AgreementStatus", "Signed", "Planned", "Proposed", "Existing", "Cancelled", "Renewed", "Suspended", "Denied",
        "UnderStudy", "ActiveStatus", "EndingStatus", "StatusClaim",
        # --- diplomatic activities and relations
        "DiplomaticActivity", "Meeting", "Visit", "Signing", "Designation", "Membership", "Hosting", "Support",
        "Relation", "Exchange", "Comparison",
        # --- statements and provenance
        "Statement", "ExtractionActivity", "Source",
        # --- concept schemes (the schemes themselves live in the concept namespace; these are their classes)
        "DiplomacyConcept", "CooperationDomain",
        # --- object properties
        "governs", "governedBy", "locatedIn", "country", "twinnedWith", "ofCountry", "accreditedTo",
        "party", "partyTo", "cooperationDomain", "purpose", "status",
        "participant", "participatesIn", "about", "concerns", "designated", "designatedBy", "designatedAs",
        "member", "memberOf", "host", "supporter", "supported", "relates", "comparedIn",
        "speaker", "mentions", "topic", "reports", "reportedBy", "activeIn", "narrowerFieldOf", "statusHistory",
        "claimedStatus",
        # --- datatype and annotation properties
        "originalText", "normalizedText", "contentHash", "purposeText", "designationTitle", "lexicalCue",
        "sharesLabelWith", "sourceLine", "softwareVersion", "statusDate", "dateStart", "dateEnd",
    ],
)

# SKOS concepts: the diplomacy concept scheme and the cooperation-domain scheme (ontology/concepts.ttl).
CDC = Namespace(BASE + "concept/")

# Data: entities, statements and their named graphs.
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")

# SHACL shapes (shapes/*.ttl): the node and property shapes that gate what is published.
SHAPES = Namespace(BASE + "shapes#")
# The SHACL gate's own scratch IRIs (its batch stores' graphs, focus marks, the $PATH stand-in): never in a KG.
GATE_SCRATCH = "urn:shapes:"

# Full-text search (docs/endpoint.md): the SERVICE IRI this endpoint evaluates itself, and the terms of its pattern.
SEARCH_SERVICE = BASE + "search"
CDS = ClosedNamespace(uri=BASE + "search#", terms=["query", "limit", "prefix", "type", "property", "lang", "score",
                                                   "text"])

# Named graphs other than the per-statement ones.
ONTOLOGY_GRAPH = GRAPH["ontology"]
REFERENCE_GRAPH = GRAPH["reference"]
INFERRED_GRAPH = GRAPH["inferred"]
LABELS_GRAPH = GRAPH["labels"]  # the skos:prefLabels the build generates (kg/labels.py)
# Graphs a Graph Store POST to the store itself creates, each named here with a fresh UUID (docs/endpoint.md).
UPLOADED_GRAPHS = Namespace(GRAPH + "upload/")

# External vocabularies used for alignment and linking.
ORG = Namespace("http://www.w3.org/ns/org#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
DBO = Namespace("http://dbpedia.org/ontology/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
GN = Namespace("https://sws.geonames.org/")
GNO = Namespace("http://www.geonames.org/ontology#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")  # the W3C registry of format IRIs
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
# Evidence: NIF 2.0 offset-based strings (a mention's characters in the statement's normalised text) and ITS 2.0
# entity identity (itsrdf:taIdentRef: the entity the characters name).
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
ITSRDF = Namespace("http://www.w3.org/2005/11/its/rdf#")
WGS84 = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")

# Prefixes bound on every graph the project writes, so serialisations read the same everywhere.
PREFIXES = {
    "cdo": Namespace(BASE + "ontology#"),
    "cdc": CDC,
    "cdr": ID,
    "cdg": GRAPH,
    "org": ORG,
    "prov": PROV,
    "schema": SDO,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "owl": OWL,
    "rdfs": RDFS,
    "xsd": XSD,
    "geo": GEO,
    "dbo": DBO,
    "wd": WD,
    "wdt": WDT,
    "gn": GN,
    "gno": GNO,
    "vann": VANN,
    "void": VOID,
    "sh": SH,
    "foaf": FOAF,
    "nif": NIF,
    "itsrdf": ITSRDF,
    "wgs84": WGS84,
}


def bind_prefixes(graph):
    """Bind the project's prefixes on an rdflib graph or dataset and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


__all__ = [
    "BASE", "ONTOLOGY_IRI", "ONTOLOGY_VERSION_IRI", "CONCEPTS_IRI", "CONCEPTS_VERSION_IRI", "CDO", "CDC", "ID", "GRAPH",
    "SHAPES", "SEARCH_SERVICE", "CDS", "ONTOLOGY_GRAPH", "REFERENCE_GRAPH", "INFERRED_GRAPH", "LABELS_GRAPH",
    "UPLOADED_GRAPHS", "ORG", "GEO", "DBO", "WD", "WDT", "GN", "GNO", "SD", "FOAF", "NIF", "ITSRDF", "WGS84",
    "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SDO", "SH", "SKOS", "VANN", "VOID", "XSD", "PREFIXES",
    "bind_prefixes",
]
