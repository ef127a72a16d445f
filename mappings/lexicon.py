"""Compile the recogniser's lexicon from RDF: ontology labels and cues, concept labels, gazetteer labels."""
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from cdkg.kg.gazetteer import place_iri, slugify
from cdkg.mappings.normalize import ZWNJ, fold
from cdkg.mappings.terms import CDO
from cdkg.ontology.namespaces import DBO, OWL, RDF, RDFS, SKOS
from cdkg.ontology.posts import post_organisation_kinds

# What a lexicon key can denote. Class kinds come from the class tree under these roots.
PLACE, ORG, ROLE, ORG_KIND, PLACE_KIND, INSTRUMENT, ACTIVITY, RELATION_KIND, STATUS, CONCEPT, SPEECH = (
    "place", "org", "role", "org-kind", "place-kind", "instrument", "activity", "relation-kind", "status",
    "concept", "speech",
)
# Relation before Post/Organization...: the first root found among a class's ancestors gives its kind.
CLASS_ROOTS = {
    CDO.Post: ROLE, CDO.Organization: ORG_KIND, CDO.Place: PLACE_KIND, CDO.CooperationInstrument: INSTRUMENT,
    CDO.DiplomaticActivity: ACTIVITY, CDO.Relation: RELATION_KIND, CDO.Statement: SPEECH,
}
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, CDO.lexicalCue)
REFERENCE_PREDICATES = frozenset((RDF.type, CDO.country, DBO.populationTotal) + LABEL_PROPERTIES)
_TYPE, _COUNTRY, _POPULATION = (str(p) for p in (RDF.type, CDO.country, DBO.populationTotal))
_PREF, _LABEL = str(SKOS.prefLabel), str(RDFS.label)
_LABEL_KEYS = tuple(str(p) for p in LABEL_PROPERTIES)
_REFERENCE_KEYS = frozenset(str(p) for p in REFERENCE_PREDICATES)
GAP = "..."  # inside a cue: one or more words go here

# Suffixes a Persian noun takes without a space or ZWNJ in the wild: plural, ezafe, indefinite, adjectival.
SUFFIXES = ("هایی", "های", "ها", "ای", "ی", "ان", "ات")
_SUFFIX_ENDINGS = frozenset(suffix[-1] for suffix in SUFFIXES)
MIN_SUFFIXED_KEY = 3  # shorter keys plus a suffix are too often other words (بم + ی)
MAX_UNAMBIGUOUS_NAME = 2  # single-token names this short need a context cue, like listed ambiguous names
# The agent suffix "-dār" ("holder of"): a role word made of a place kind's label and it is the holder of
# that kind of place (استان + دار = governor of a province, شهر + دار = mayor of a city).
HOLDER_SUFFIX = "دار"


def lexicon_key(text):
    """Return the matching key of a label or phrase: letters unified, without spaces or ZWNJ."""
    return "".join(fold(text).split()).replace(ZWNJ, "")


def latin_key(text):
    """Return the matching key of a name in Latin letters: case-folded, one apostrophe, hyphens as spaces."""
    return " ".join(text.casefold().replace("’", "'").replace("-", " ").split())


@dataclass(frozen=True, slots=True)
class Sense:
    """One reading of a lexicon key: what kind of thing it names and which IRI."""

    kind: str
    iri: URIRef


@dataclass(slots=True)
class Entry:
    """What the graph says about an IRI the pipeline may emit: labels, types and links."""

    iri: URIRef
    label_fa: str | None = None
    label_en: str | None = None
    types: tuple = ()
    country: URIRef | None = None
    population: int = 0
    minted: bool = False  # a place the text names that the gazetteer lacks (its links go into the graph)


@dataclass(slots=True)
class Lexicon:
    """Keys to senses, the prefixes of keys (for early stop), and the entries of everything named."""

    senses: dict = field(default_factory=dict)
    prefixes: frozenset = frozenset()
    entries: dict = field(default_factory=dict)
    ambiguous: frozenset = frozenset()  # keys of place names that also are common words
    adjectival: frozenset = frozenset()  # the ambiguous keys whose everyday reading is an adjective (ساری)
    gapped: dict = field(default_factory=dict)  # head key -> ((sense, tail key), ...) for cues with a gap
    implied_org_kind: dict = field(default_factory=dict)  # role key -> org kind its words name (رئیس شورا)
    role_place_kind: dict = field(default_factory=dict)  # role key -> place class it holds (استاندار -> Province)
    role_org_kind: dict = field(default_factory=dict)  # role class -> organisation class it is a post in (org:postIn)
    keys_of_class: dict = field(default_factory=dict)  # class -> its label keys (to compose وزیر X -> وزارت X)
    gapped_starts: frozenset = frozenset()  # first words of gapped cue heads (skip the rest quickly)
    multiword: frozenset = frozenset()  # keys of labels written as several words (not one word split by chance)
    kind_of_class: dict = field(default_factory=dict)
    superclasses: dict = field(default_factory=dict)  # class -> every (transitive) superclass, itself included
    latin_places: dict = field(default_factory=dict)  # latin_key of a place's English label -> its senses
    max_tokens: int = 1

    def lookup(self, key):
        """Return the senses of a key, or of the key without a common suffix, and the key that matched."""
        senses = self.senses.get(key)
        if senses:
            return senses, key
        if len(key) > MIN_SUFFIXED_KEY and key[-1] in _SUFFIX_ENDINGS:
            for suffix in SUFFIXES:
                if key.endswith(suffix) and len(key) - len(suffix) >= MIN_SUFFIXED_KEY:
                    # A suffixed name is an adjective or another word (عمرانی، شیرازی), not the place.
                    senses = tuple(s for s in self.senses.get(key[: -len(suffix)], ()) if s.kind != PLACE)
                    if senses:
                        return senses, key[: -len(suffix)]
        return None, None

    def is_a(self, cls, ancestor):
        """Tell whether a class is the ancestor or one of its subclasses."""
        return ancestor in self.superclasses.get(cls, (cls,))

    def minted_city(self, label_fa, label_en, country=None):
        """Return the sense of a city the gazetteer lacks, named in the text with its Latin name (تونگ‌یونگ
        (Tongyeong)): one IRI per Latin name and country, `place/{name}-{country}`, labelled as this text writes it
        (the entry is this statement's: what another statement wrote does not change it, in any order)."""
        slug = slugify(label_en)
        if country is not None:
            slug += "-" + str(country).rsplit("/", 1)[-1]
        iri = place_iri(slug)
        entry = self.entries.get(iri)
        if entry is not None and not entry.minted:
            return None  # a gazetteer slug: some other place bears this name
        self.entries[iri] = Entry(iri, label_fa, label_en, (CDO.City,), country, minted=True)
        return Sense(PLACE, iri)

    def entity_is_a(self, iri, ancestor):
        """Tell whether any asserted type of an entity falls under a class."""
        entry = self.entries.get(iri)
        return bool(entry) and any(self.is_a(t, ancestor) for t in entry.types)


def light_triples(graph):
    """Yield an rdflib graph's triples in the light form add_reference reads."""
    for subject, predicate, obj in graph:
        if isinstance(obj, Literal):
            obj = (str(obj), (obj.language or "").lower())
        yield str(subject), str(predicate), str(obj) if isinstance(obj, URIRef) else obj


def _literal_text(value, language):
    if isinstance(value, Literal) and (value.language or "").lower().startswith(language):
        return str(value)
    return None


def _subclass_closure(graph):
    parents = defaultdict(set)
    for sub, sup in graph.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            parents[sub].add(sup)
    closure = {}
    for cls in set(parents) | {c for c in graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}:
        seen, todo = {cls}, [cls]
        while todo:
            for sup in parents.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        closure[cls] = frozenset(seen)
    return closure


def _share_iris(lexicon):
    """Make equal IRIs one object (the ontology's terms where they exist): a dict or set lookup then
    matches by identity instead of calling rdflib's Python-level __eq__ on every hit."""
    shared = {str(term): term for term in vars(CDO).values()}

    def one(iri):
        return shared.setdefault(str(iri), iri) if iri is not None else None

    lexicon.superclasses = {one(c): frozenset(one(a) for a in ancestors) for c, ancestors in lexicon.superclasses.items()}
    lexicon.kind_of_class = {one(c): kind for c, kind in lexicon.kind_of_class.items()}
    entries = {}
    for iri, entry in lexicon.entries.items():
        entry.iri, entry.types, entry.country = one(iri), tuple(one(t) for t in entry.types), one(entry.country)
        entries[entry.iri] = entry
    lexicon.entries = entries
    return one


class LexiconBuilder:
    """Collect senses and entries from RDF graphs, then freeze them into a Lexicon."""

    def __init__(self):
        self.lexicon = Lexicon()
        self._senses = defaultdict(dict)
        self._gapped = defaultdict(dict)
        self._extra_prefixes = set()
        self._multiword = set()
        self._gapped_starts = set()

    def _add_prefixes(self, key):
        self._extra_prefixes.add(key)

    def add_ontology(self, graph):
        """Read class labels and cues (roles, organisation, place, instrument, activity and relation kinds),
        status individuals and SKOS concepts."""
        closure = _subclass_closure(graph)
        self.lexicon.superclasses.update(closure)
        self.lexicon.role_org_kind.update(post_organisation_kinds(graph))
        for cls, ancestors in closure.items():
            kind = next((CLASS_ROOTS[root] for root in CLASS_ROOTS if root in ancestors), None)
            if kind:
                self.lexicon.kind_of_class[cls] = kind
                self._add_named(graph, cls, kind, (OWL.Class,))
        for status in graph.subjects(RDF.type, CDO.AgreementStatus):
            self._add_named(graph, status, STATUS, (CDO.AgreementStatus,))
        concepts = set(graph.subjects(RDF.type, SKOS.Concept))
        concepts |= set(graph.subjects(SKOS.inScheme, None))
        for concept in concepts:
            types = tuple(t for t in graph.objects(concept, RDF.type) if t != SKOS.Concept) or (SKOS.Concept,)
            self._add_named(graph, concept, CONCEPT, types)

    def add_reference(self, triples):
        """Read gazetteer places and organisations (labels, types, country, population) from light triples:
        (subject IRI, predicate IRI, object) with IRIs as str and literals as (text, language) pairs."""
        described = defaultdict(lambda: defaultdict(list))
        for subject, predicate, obj in triples:
            if predicate in _REFERENCE_KEYS:
                described[subject][predicate].append(obj)
        iris = {}

        def iri(value):
            return iris.setdefault(value, URIRef(value))

        for subject, properties in described.items():
            types = tuple(iri(t) for t in properties[_TYPE])
            kinds = {self.lexicon.kind_of_class.get(t) for t in types}
            kind = PLACE if PLACE_KIND in kinds else ORG if ORG_KIND in kinds else None
            if kind is None:
                continue
            subject_iri = iri(subject)
            entry = self._entry(subject_iri, types, ())
            for value in properties[_PREF] + properties[_LABEL]:
                text, language = value
                if language == "fa":
                    entry.label_fa = entry.label_fa or text
                elif language == "en":
                    entry.label_en = entry.label_en or text
            entry.country = next((iri(c) for c in properties[_COUNTRY]), None)
            entry.population = max((int(text) for text, _ in properties[_POPULATION]), default=0)
            sense = Sense(kind, subject_iri)
            for key in _LABEL_KEYS:
                for text, language in properties[key]:
                    if language == "fa":
                        self._add_text(text, sense)

    def add_ambiguous(self, names):
        """Mark place names that are also common words; they need a context cue to count as places. A mapping
        gives each name the part of speech of its everyday reading ("adjective" or "noun")."""
        self.lexicon.ambiguous = self.lexicon.ambiguous | {lexicon_key(name) for name in names if name.strip()}
        readings = names if isinstance(names, dict) else {}
        self.lexicon.adjectival = self.lexicon.adjectival | {
            lexicon_key(name) for name, reading in readings.items() if reading == "adjective"}

    def _add_named(self, graph, iri, kind, types):
        labels = list(graph.objects(iri, SKOS.prefLabel)) + list(graph.objects(iri, RDFS.label))
        entry = self._entry(iri, types, labels)
        for prop in LABEL_PROPERTIES:
            self._add_labels(graph.objects(iri, prop), Sense(kind, iri))
        return entry

    def _entry(self, iri, types, labels):
        entry = self.lexicon.entries.get(iri) or Entry(iri)
        entry.types = tuple(dict.fromkeys(entry.types + tuple(types)))
        for value in labels:
            entry.label_fa = entry.label_fa or _literal_text(value, "fa")
            entry.label_en = entry.label_en or _literal_text(value, "en")
        self.lexicon.entries[iri] = entry
        return entry

    def _add_labels(self, values, sense):
        for value in values:
            text = _literal_text(value, "fa")
            if text:
                self._add_text(text, sense)

    def _add_text(self, text, sense):
        if GAP in text:
            self._add_gapped(text, sense)
            return
        words = fold(text).replace(ZWNJ, " ").split()
        self._add_key("".join(words), sense, len(words))

    def _add_gapped(self, text, sense):
        words = fold(text.partition(GAP)[0]).replace(ZWNJ, " ").split()
        if words:
            self._gapped_starts.add(words[0])
        head, _, tail = (lexicon_key(part) for part in text.partition(GAP))
        if head and tail:
            self._gapped[head][(sense, tail)] = None
            self._add_prefixes(head)

    def _add_key(self, key, sense, token_count):
        if key:
            self._senses[key][sense] = None
            if token_count > 1:
                self._multiword.add(key)
            self.lexicon.max_tokens = max(self.lexicon.max_tokens, token_count + 2)  # + a split suffix

    def build(self):
        """Freeze and return the lexicon."""
        lexicon = self.lexicon
        one = _share_iris(lexicon)
        lexicon.senses = {key: tuple(Sense(s.kind, one(s.iri)) for s in senses) for key, senses in self._senses.items()}
        short_names = {
            key for key, senses in lexicon.senses.items()
            if len(key) <= MAX_UNAMBIGUOUS_NAME and any(s.kind == PLACE for s in senses)
        }
        lexicon.ambiguous = frozenset(lexicon.ambiguous | short_names)
        lexicon.gapped = {head: tuple((Sense(s.kind, one(s.iri)), tail) for s, tail in cues)
                          for head, cues in self._gapped.items()}
        lexicon.multiword = frozenset(self._multiword)
        lexicon.gapped_starts = frozenset(self._gapped_starts)
        keys = set(lexicon.senses) | self._extra_prefixes
        lexicon.prefixes = frozenset(key[:end] for key in keys for end in range(1, len(key) + 1))
        keys_of_class = defaultdict(list)
        for key, senses in lexicon.senses.items():
            for sense in senses:
                keys_of_class[sense.iri].append(key)
        lexicon.keys_of_class = {iri: tuple(sorted(keys, key=len, reverse=True)) for iri, keys in keys_of_class.items()}
        lexicon.implied_org_kind = self._implied_org_kinds(lexicon)
        lexicon.role_place_kind = self._role_place_kinds(lexicon)
        latin_places = defaultdict(dict)
        for senses in lexicon.senses.values():
            for sense in senses:
                entry = lexicon.entries.get(sense.iri)
                if sense.kind == PLACE and entry is not None and entry.label_en:
                    latin_places[latin_key(entry.label_en)][sense.iri] = sense
        lexicon.latin_places = {key: tuple(senses.values()) for key, senses in latin_places.items()}
        return lexicon

    @staticmethod
    def _role_place_kinds(lexicon):
        """Find role keys that are a place kind's key plus the agent suffix, e.g. استاندار (استان + دار)."""
        place_kinds = {key: s.iri for key, senses in lexicon.senses.items() for s in senses if s.kind == PLACE_KIND}
        return {
            key: place_kinds[key[: -len(HOLDER_SUFFIX)]]
            for key, senses in lexicon.senses.items()
            if key.endswith(HOLDER_SUFFIX) and key[: -len(HOLDER_SUFFIX)] in place_kinds
            and any(s.kind == ROLE for s in senses)
        }

    @staticmethod
    def _implied_org_kinds(lexicon):
        """Find role keys that end with an organisation kind's words, e.g. رئیس شورای اسلامی استان."""
        kind_keys = sorted(
            ((key, s.iri) for key, senses in lexicon.senses.items() for s in senses if s.kind == ORG_KIND),
            key=lambda pair: len(pair[0]), reverse=True,
        )
        implied = {}
        for key, senses in lexicon.senses.items():
            if not any(s.kind == ROLE for s in senses):
                continue
            for kind_key, kind in kind_keys:
                if len(kind_key) < len(key) and (key.endswith(kind_key) or key.endswith(kind_key + "ی")):
                    implied[key] = kind
                    break
        return implied
