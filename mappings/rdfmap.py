"""Map a statement's reading to RDF triples with the ontology's terms (tuples of rdflib terms, no Graph)."""
from rdflib import Literal, URIRef

from cdkg.mappings.lexicon import CONCEPT
from cdkg.mappings.relate import Fact
from cdkg.mappings.terms import CDO
from cdkg.ontology.namespaces import DCTERMS, ID, ITSRDF, NIF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

# Types that say nothing about what an entity is (every concept is an owl:NamedIndividual in the ontology).
_UNINFORMATIVE_TYPES = frozenset({OWL.NamedIndividual, OWL.Class, SKOS.Concept})
# Terms used per triple, looked up once (namespace attribute access costs microseconds each).
_TYPE, _LABEL, _CONCEPT, _HELD_BY = RDF.type, RDFS.label, SKOS.Concept, ORG.heldBy
_STATEMENT_TERMS = (CDO.Statement, CDO.originalText, CDO.normalizedText, CDO.contentHash, CDO.sourceLine,
                    PROV.wasGeneratedBy, DCTERMS.date, DCTERMS.source, DCTERMS.publisher, CDO.speaker,
                    CDO.mentions, CDO.topic, CDO.reports)


_PHRASE_TERMS = (NIF.Context, NIF.isString, NIF.Phrase, NIF.referenceContext, NIF.beginIndex, NIF.endIndex,
                 ITSRDF.taIdentRef, PROV.wasDerivedFrom)
_OFFSETS = {}  # int -> its xsd:nonNegativeInteger literal, built once (a Literal costs microseconds)


def _offset(number):
    literal = _OFFSETS.get(number)
    if literal is None:
        literal = _OFFSETS[number] = Literal(number, datatype=XSD.nonNegativeInteger)
    return literal


def statement_iri(content_hash):
    """Return the IRI of the statement with this content hash."""
    return ID[f"statement/{content_hash[:16]}"]


def entity_triples(entity, cache):
    """Return an entity's asserted types, fa/en labels and, for minted ones, the links that define them
    (cached by IRI and Persian label: a city minted from the text is labelled as each text writes it)."""
    key = (entity.iri, entity.label_fa)
    triples = cache.get(key)
    if triples is None:
        triples = [(entity.iri, _TYPE, cls) for cls in entity.types if cls not in _UNINFORMATIVE_TYPES]
        if entity.kind == CONCEPT:
            triples.append((entity.iri, _TYPE, _CONCEPT))
        if entity.label_fa:
            triples.append((entity.iri, _LABEL, Literal(entity.label_fa, lang="fa")))
        if entity.label_en:
            triples.append((entity.iri, _LABEL, Literal(entity.label_en, lang="en")))
        triples.extend((entity.iri, predicate, obj) for predicate, obj in entity.links)
        cache[key] = triples = tuple(triples)
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
    for person in analysis.persons:
        triples.append((node, mentions, person.iri))
        triples.extend(entity_triples(person, cache))
    triples.extend((post.iri, _HELD_BY, person.iri) for post, person in analysis.holders)
    for concept in reading.topics:
        triples.append((node, topic, concept))
    fact_iris = []
    triples.extend(_fact_triples(node, content_hash, reading.facts, fact_iris))
    triples.extend(reading.assertions)
    triples.extend(evidence_triples(node, normalized, analysis, zip(fact_iris, reading.facts)))
    return list(dict.fromkeys(triples)), len(described)


def evidence_triples(node, normalized, analysis, facts):
    """Yield NIF 2.0 evidence: the statement as the nif:Context of its normalised text, each mention's characters
    as a nif:Phrase naming its entity (itsrdf:taIdentRef), and each fact prov:wasDerivedFrom the sentence's. The
    offsets are the evidence; a phrase does not repeat its characters as nif:anchorOf (a literal per phrase would
    cost more than the rest of the extraction): SUBSTR(nif:isString) gives them."""
    context, is_string, phrase_class, reference, begin, end, names, derived = _PHRASE_TERMS
    yield node, _TYPE, context
    yield node, is_string, Literal(normalized)
    tokens, starts, made = analysis.tokens, analysis.starts, set()

    def phrase(first, last):
        a, b = starts[first], starts[last - 1] + len(tokens[last - 1])
        iri = URIRef(f"{node}#char={a},{b}")  # RFC 5147 fragment, NIF's offset-based IRI scheme
        if iri not in made:
            made.add(iri)
            yield from ((iri, _TYPE, phrase_class), (iri, reference, node), (iri, begin, _offset(a)),
                        (iri, end, _offset(b)))
        return iri

    mentions = [part for entity in analysis.entities if entity.kind != CONCEPT for part in entity.closure()]
    for entity in mentions + analysis.persons:
        if entity.end > entity.start:
            iri = yield from phrase(entity.start, entity.end)
            yield iri, names, entity.iri
    for fact_iri, fact in facts:
        if fact.evidence and fact.evidence[1] > fact.evidence[0]:
            iri = yield from phrase(*fact.evidence)
            yield fact_iri, derived, iri


def _fact_triples(node, content_hash, facts, fact_iris):
    counters, iris = {}, {}
    for fact in facts:
        counters[fact.kind] = counters.get(fact.kind, 0) + 1
        iris[id(fact)] = ID[f"statement/{content_hash[:16]}/{fact.kind}-{counters[fact.kind]}"]
        fact_iris.append(iris[id(fact)])
    for fact in facts:
        iri = iris[id(fact)]
        yield node, _STATEMENT_TERMS[-1], iri
        yield iri, _TYPE, fact.cls
        for predicate, obj in fact.links:
            yield iri, predicate, iris[id(obj)] if isinstance(obj, Fact) else obj
