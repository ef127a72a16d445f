"""Give each real agreement and dated meeting one node, however many reports mention it (docs/model.md, Identity).

A statement's graph comes out of the mappings with a node per fact (`cdr:statement/{hash}/agreement-1`). Here an
agreement is renamed to the shared `cdr:agreement/{key}` (key: its kind and its parties' governing bodies, or the
two cities of a sister-city tie) and a meeting with a date to `cdr:meeting/{key}` (participants and date). What
the report said about the agreement's status stays in the report's graph on the per-report node, now a
cdo:StatusClaim with its date and prov:wasDerivedFrom the statement. The shared node's current status is decided
from all its claims once every report is read, into the graph `cdg:agreement/{key}`.
"""
import hashlib
from collections import defaultdict

import pyoxigraph as ox

from cdkg.ontology.namespaces import CDO, DCTERMS, GRAPH, ID, PROV, RDF, RDFS, SDO
from cdkg.shapes.terms import rdflib_term

_TYPE, _REPORTS, _PARTY, _STATUS, _DATE = RDF.type, CDO.reports, CDO.party, CDO.status, DCTERMS.date
_HISTORY, _CLAIMED, _STATUS_DATE = CDO.statusHistory, CDO.claimedStatus, CDO.statusDate


class IdentityRules:
    """What minting and the status rule read from the ontology: instrument kinds and status groups."""

    def __init__(self, ontology):
        """Collect the instrument classes and the active and ending statuses of an rdflib ontology graph."""
        self.instruments = frozenset(ontology.transitive_subjects(RDFS.subClassOf, CDO.CooperationInstrument))
        self.active = frozenset(ontology.subjects(_TYPE, CDO.ActiveStatus))
        self.ending = frozenset(ontology.subjects(_TYPE, CDO.EndingStatus))

    def rank(self, status):
        """Order statuses reported on the same date: an intention, then an active status, then an ending one."""
        return 2 if status in self.ending else 1 if status in self.active else 0


def _key(*parts):
    return hashlib.sha256("\n".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def by_subject(triples):
    """Return {subject: [its triples]} of a statement graph."""
    described = defaultdict(list)
    for triple in triples:
        described[triple[0]].append(triple)
    return described


def shared_nodes(described, statement, report_date, rules):
    """Return ({agreement: shared node}, {dated meeting: shared node}) for a statement (described: by subject)."""
    agreements, meetings = {}, {}
    for fact in [o for _, p, o in described[statement] if p == _REPORTS]:
        types = {o for _, p, o in described[fact] if p == _TYPE}
        kinds = sorted(types & rules.instruments - {CDO.CooperationInstrument})
        if kinds:
            parties = [_canonical_party(o, kinds[0], described) for _, p, o in described[fact] if p == _PARTY]
            agreements[fact] = agreement_iri(kinds[0], parties)
        elif CDO.Meeting in types:
            date = next((o for _, p, o in described[fact] if p == _DATE), report_date)
            if date is not None:  # an undated meeting stays the report's own: no key can tell two apart
                meetings[fact] = meeting_iri([o for _, p, o in described[fact] if p == CDO.participant], date)
    return agreements, meetings


def agreement_iri(kind, parties):
    """Return the shared IRI of the agreement of a kind between canonical parties (order does not matter)."""
    return ID[f"agreement/{_key(kind, *sorted(map(str, parties)))}"]


def meeting_iri(participants, date):
    """Return the shared IRI of the meeting of these participants on a date."""
    return ID[f"meeting/{_key(date, *sorted(map(str, participants)))}"]


def current_graph(node):
    """Return the graph holding a shared agreement's current status: cdg:agreement/{key} for cdr:agreement/{key}."""
    return GRAPH[str(node)[len(str(ID)):]]


def resolve(triples, rules):
    """Return a statement graph's triples with agreements and dated meetings on shared nodes, status as claims."""
    described = by_subject(triples)
    statement = next(s for s, p, o in triples if p == _TYPE and o == CDO.Statement)
    report_date = next((o for _, p, o in described[statement] if p == _DATE), None)
    claims, meetings = shared_nodes(described, statement, report_date, rules)
    renamed = {**claims, **meetings}
    out = []
    for s, p, o in triples:
        if s in claims and p in (_STATUS, _DATE):
            out.append((s, _CLAIMED if p == _STATUS else p, o))
        else:
            out.append((renamed.get(s, s), p, renamed.get(o, o)))
    for fact, shared in claims.items():
        out += _claim(fact, shared, statement, described[fact], report_date)
    return list(dict.fromkeys(out))


def _canonical_party(party, kind, described):
    """A municipality stands for its city (the text names either); for a sister-city tie, any body governing
    a city does. Other bodies (a city council, a ministry) stay themselves."""
    governed = next((o for _, p, o in described.get(party, ()) if p == CDO.governs), None)
    if governed is None:
        return party
    types = {o for _, p, o in described[party] if p == _TYPE}
    return governed if CDO.Municipality in types or kind == CDO.SisterCityAgreement else party


def _claim(fact, shared, statement, description, report_date):
    """Return the triples making a fact's node the report's claim about a shared agreement (if it says anything
    about status or date)."""
    status = next((o for _, p, o in description if p == _STATUS), None)
    text_date = next((o for _, p, o in description if p == _DATE), None)
    if status is None and text_date is None:
        return []
    triples = [(shared, _HISTORY, fact), (fact, _TYPE, CDO.StatusClaim), (fact, PROV.wasDerivedFrom, statement)]
    date = text_date if text_date is not None else report_date
    if date is not None:
        triples.append((fact, _STATUS_DATE, date))
    return triples


def claim_triples(triples):
    """Return the triples of a statement graph StatusHistory.observe reads (so a worker can send just those)."""
    return [t for t in triples if t[1] in (_HISTORY, _CLAIMED, _STATUS_DATE, _DATE)]


class StatusHistory:
    """Collect the status claims of published statements and decide each shared agreement's current status."""

    def __init__(self, rules):
        """Start with no claims."""
        self.rules = rules
        self.claims = defaultdict(dict)  # shared node -> claim -> (status date or None, status, text date or None)

    def observe(self, triples):
        """Note the status claims a published statement graph makes."""
        found = {}
        for s, p, o in triples:
            if p == _HISTORY:
                found.setdefault(o, {})["node"] = s
            elif p in (_CLAIMED, _STATUS_DATE, _DATE):
                found.setdefault(s, {})[p] = o
        for claim, fields in found.items():
            if "node" in fields:
                self.claims[fields["node"]][claim] = (fields.get(_STATUS_DATE), fields.get(_CLAIMED), fields.get(_DATE))

    def observe_store(self, store, nodes):
        """Note the claims the published store already holds about some shared nodes (for an incremental build)."""
        history = ox.NamedNode(str(_HISTORY))
        for node in nodes:
            for link in store.quads_for_pattern(ox.NamedNode(str(node)), history, None, None):
                triples = [(node, _HISTORY, rdflib_term(link.object))]
                triples += [tuple(map(rdflib_term, (q.subject, q.predicate, q.object)))
                            for q in store.quads_for_pattern(link.object, None, None, link.graph_name)]
                self.observe(triples)

    def graphs(self, nodes=None):
        """Yield (graph, triples) with the current status, start and end of each shared agreement, in IRI order."""
        for node in sorted(self.claims if nodes is None else nodes, key=str):
            triples = self.current(node, self.claims[node])
            if triples:
                yield current_graph(node), triples

    def current(self, node, claims):
        """Return the current-state triples of one agreement by the rule of docs/model.md.

        Claims are read in date order (undated first, then by status rank, then IRI, so the outcome never depends
        on reading order); each replaces the status, except that a plan or proposal never undoes an active status.
        """
        rules, status, start, end = self.rules, None, None, None
        order = sorted(claims.items(), key=lambda item: (item[1][0] is not None, str(item[1][0] or ""),
                                                          rules.rank(item[1][1]), str(item[0])))
        for _, (date, claimed, text_date) in order:
            if claimed is None or (status in rules.active and rules.rank(claimed) == 0):
                continue
            if claimed in rules.active:
                if start is None and date is not None and (claimed != CDO.Existing or text_date is not None):
                    start = date  # a tie reported as standing says nothing of its start unless the text dates it
                end = None
            elif claimed in rules.ending and status in rules.active:
                end = date
            status = claimed
        if status is None:
            return []
        triples = [(node, _STATUS, status)]
        if start is not None:
            triples.append((node, SDO.startDate, start))
        if end is not None and status in rules.ending:
            triples.append((node, SDO.endDate, end))
        return triples

