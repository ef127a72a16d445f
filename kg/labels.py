"""Give every node of the KG a human label: skos:prefLabel in Persian and English, generated where none exists.

- A resource with rdfs:label but no skos:prefLabel in a language gets its rdfs:label as prefLabel.
- A fact (an instrument, an activity, a relation...) is named after its class, the labels of what it links to and
  its status: "Memorandum of understanding: Shiraz Municipality – Novi Sad (signed)"; the class and status
  names come from the ontology's labels, so the Persian label reads "تفاهم‌نامه: شهرداری شیراز – نووی ساد (…)".
- A statement is named after its class and its first words, its named graph after its statement.
The labels go into their own named graph (cdg:labels), so they stay apart from what the sources said.
"""
import pyoxigraph as ox

from cdkg.ontology.namespaces import CDO, GRAPH, ID, LABELS_GRAPH, OWL, RDF, RDFS, SKOS

LANGUAGES = ("en", "fa")
STATEMENT_WORDS = 10  # words of a statement's text in its label
# Links of a fact that do not name what the fact is between: its kind, state, topic and provenance.
NOT_PARTIES = (RDF.type, CDO.status, CDO.cooperationDomain, CDO.purpose, CDO.about, CDO.concerns, CDO.reportedBy,
               OWL.sameAs)
DASH = " – "


def nn(iri):
    """Return a pyoxigraph named node."""
    return ox.NamedNode(str(iri))


def select(store, sparql):
    """Return the rows of a SELECT over the union of the store's named graphs, as tuples of terms.

    Rows are put in order here, not by ORDER BY: sorting in the store costs ten times the query.
    """
    return list(map(tuple, store.query(sparql, use_default_graph_as_union=True)))


def names(store, sparql):
    """Return {iri: {lang: label}} from a SELECT of ?x ?label (the least label per language)."""
    found = {}
    for x, label in select(store, sparql):
        if label.language in LANGUAGES:
            known = found.setdefault(x.value, {})
            if label.language not in known or label.value < known[label.language]:
                known[label.language] = label.value
    return found


def known_labels(store):
    """Return {iri: {lang: label}} of every resource: skos:prefLabel first, then rdfs:label."""
    preferred = names(store, f"SELECT ?x ?label WHERE {{ ?x <{SKOS.prefLabel}> ?label }}")
    plain = names(store, f"SELECT ?x ?label WHERE {{ ?x <{RDFS.label}> ?label }}")
    return preferred, {iri: {**plain.get(iri, {}), **preferred.get(iri, {})} for iri in {*plain, *preferred}}


def capitalised(text):
    """Return the text with its first letter in upper case (Persian is unchanged)."""
    return text[:1].upper() + text[1:]


def fact_label(lang, kind, parties, status):
    """Return a fact's label in one language, or None when its class has no name in that language."""
    if lang not in kind:
        return None
    label = capitalised(kind[lang])
    named = [party[lang] for party in parties if lang in party]
    if named:
        label += ": " + DASH.join(named)
    if status and lang in status:
        label += f" ({status[lang]})"
    return label


def facts(store):
    """Return {fact iri: (most specific class, [party iris], status iri)} of the nodes statements report (the
    least IRI where there are several)."""
    excluded = " ".join(f"<{p}>" for p in NOT_PARTIES)
    found = {}
    for fact, kind in sorted((fact.value, kind.value) for fact, kind in select(
            store, f"SELECT DISTINCT ?fact ?kind WHERE {{ ?statement <{CDO.reports}> ?fact . ?fact a ?kind "
                   f"FILTER NOT EXISTS {{ ?fact a ?other . ?other <{RDFS.subClassOf}>+ ?kind "
                   "FILTER(?other != ?kind) } }")):
        found.setdefault(fact, [kind, [], None])
    for fact, party in sorted((fact.value, party.value) for fact, _, party in select(
            store, f"SELECT DISTINCT ?fact ?p ?o WHERE {{ ?statement <{CDO.reports}> ?fact . ?fact ?p ?o "
                   f"FILTER(STRSTARTS(STR(?o), \"{ID}\") && ?p NOT IN ({', '.join(excluded.split())})) }}")):
        if fact in found:
            found[fact][1].append(party)
    for fact, status in sorted((fact.value, status.value) for fact, status in select(
            store, f"SELECT ?fact ?status WHERE {{ ?fact <{CDO.status}> ?status }}")):
        if fact in found and found[fact][2] is None:
            found[fact][2] = status
    return found


def statement_labels(store, labels):
    """Yield (statement, lang, label) and (its graph, lang, label): the class name and the first words."""
    kind = labels.get(str(CDO.Statement), {})
    for statement, text in sorted((statement.value, text.value) for statement, text in select(
            store, f"SELECT ?statement ?text WHERE {{ ?statement <{CDO.originalText}> ?text }}")):
        words = text.split()
        opening = " ".join(words[:STATEMENT_WORDS]) + ("…" if len(words) > STATEMENT_WORDS else "")
        graph = statement_graph(statement)
        for lang in LANGUAGES:
            if lang in kind:
                label = f"{capitalised(kind[lang])}: «{opening}»"
                yield statement, lang, label
                yield graph, lang, label


def statement_graph(statement):
    """Return the IRI of a statement's named graph: cdg:statement/{hash} for cdr:statement/{hash}."""
    return str(GRAPH) + statement.removeprefix(str(ID))


def label_quads(store):
    """Yield the cdg:labels quads: a skos:prefLabel in each language a node lacks one in."""
    preferred, labels = known_labels(store)
    generated = {}

    def add(iri, lang, text):
        if text and lang not in preferred.get(iri, {}) and (iri, lang) not in generated:
            generated[iri, lang] = text

    for iri, by_language in labels.items():
        if iri.startswith(str(ID)):  # the ontology's and the gazetteer's own terms keep their labels as they are
            for lang, text in by_language.items():
                add(iri, lang, text)
    for fact, (kind, parties, status) in facts(store).items():
        for lang in LANGUAGES:
            add(fact, lang, fact_label(lang, labels.get(kind, {}), [labels.get(p, {}) for p in parties],
                                       labels.get(status) if status else None))
    for iri, lang, text in statement_labels(store, labels):
        add(iri, lang, text)
    graph, predicate = nn(LABELS_GRAPH), nn(SKOS.prefLabel)
    for (iri, lang), text in sorted(generated.items()):
        yield ox.Quad(ox.NamedNode(iri), predicate, ox.Literal(text, language=lang), graph)
