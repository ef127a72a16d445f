"""Map a statement's reading to RDF triples with the ontology's terms (tuples of rdflib terms, no Graph)."""
from rdflib import Literal, URIRef

from mappings.lexicon import CONCEPT
from mappings.relate import Fact
from mappings.terms import CDO
from ontology.namespaces import DCTERMS, ID, OWL, PROV, RDF, RDFS, SKOS

# Types that say nothing about what an entity is (every concept is an owl:NamedIndividual in the ontology).
_UNINFORMATIVE_TYPES = frozenset({OWL.NamedIndividual, OWL.Class, SKOS.Concept})
# Terms used per triple, looked up once (namespace attribute access costs microseconds each).
_TYPE, _LABEL, _CONCEPT = RDF.type, RDFS.label, SKOS.Concept
_STATEMENT_TERMS = (CDO.Statement, CDO.originalText, CDO.normalizedText, CDO.contentHash, CDO.sourceLine,
                    PROV.wasGeneratedBy, DCTERMS.date, DCTERMS.source, DCTERMS.publisher, CDO.speaker,
                    CDO.mentions, CDO.topic, CDO.reports)


def statement_iri(content_hash):
    """Return the IRI of the statement with this content hash."""
    return ID[f"statement/{content_hash[:16]}"]


def entity_triples(entity, cache):
    """Return an entity's asserted types, fa/en labels and, for minted ones, the links that define them
    (cached by IRI: an IRI always names the same description)."""
    triples = cache.get(entity.iri)
    if triples is None:
        triples = [(entity.iri, _TYPE, cls) for cls in entity.types if cls not in _UNINFORMATIVE_TYPES]
        if entity.kind == CONCEPT:
            triples.append((entity.iri, _TYPE, _CONCEPT))
        if entity.label_fa:
            triples.append((entity.iri, _LABEL, Literal(entity.label_fa, lang="fa")))
        if entity.label_en:
            triples.append((entity.iri, _LABEL, Literal(entity.label_en, lang="en")))
        triples.extend((entity.iri, predicate, obj) for predicate, obj in entity.links)
        cache[entity.iri] = triples = tuple(triples)
    return triples


def map_statement(record, normalized, content_hash, activity, analysis, reading, cache):
    """Return the statement's named-graph triples: the statement node, its facts and the entities used."""
    (statement, original, normal, digest, line, generated, date, source, publisher, speaker, mentions, topic,
     _) = _STATEMENT_TERMS
    node = statement_iri(content_hash)
    triples = [
        (node, _TYPE, statement),
        (node, original, Literal(record.text, lang="fa")),
        (node, normal, Literal(normalized, lang="fa")),
        (node, digest, Literal(content_hash)),
        (node, line, Literal(record.line)),
        (node, generated, activity),
    ]
    if record.date is not None:
        triples.append((node, date, Literal(record.date)))
    if record.source_url:
        triples.append((node, source, URIRef(record.source_url)))
    if record.publisher:
        triples.append((node, publisher, Literal(record.publisher)))
    if reading.speaker is not None:
        triples.append((node, speaker, reading.speaker.iri))
    triples.extend((node, predicate, obj) for predicate, obj in reading.statement_links
                   if predicate != date or record.date is None)  # the source's own date wins
    described = {}
    for entity in analysis.entities:
        for part in entity.closure():
            described.setdefault(part.iri, part)
    for iri, entity in described.items():
        if entity.kind != CONCEPT:
            triples.append((node, mentions, iri))
        triples.extend(entity_triples(entity, cache))
    for concept in reading.topics:
        triples.append((node, topic, concept))
    triples.extend(_fact_triples(node, content_hash, reading.facts))
    triples.extend(reading.assertions)
    return list(dict.fromkeys(triples)), len(described)


def _fact_triples(node, content_hash, facts):
    counters, iris = {}, {}
    for fact in facts:
        counters[fact.kind] = counters.get(fact.kind, 0) + 1
        iris[id(fact)] = ID[f"statement/{content_hash[:16]}/{fact.kind}-{counters[fact.kind]}"]
    for fact in facts:
        iri = iris[id(fact)]
        yield node, _STATEMENT_TERMS[-1], iri
        yield iri, _TYPE, fact.cls
        for predicate, obj in fact.links:
            yield iri, predicate, iris[id(obj)] if isinstance(obj, Fact) else obj
