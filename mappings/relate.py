"""Read facts from a statement's entities and cues by rules for Persian news language (not for sentences)."""
import bisect
import csv
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal

from cdkg.mappings.entities import COORDINATORS, LIST_OPENERS, ORGANISATION, POST, EntityComposer
from cdkg.mappings.lexicon import (ACTIVITY, CONCEPT, INSTRUMENT, ORG_KIND, PLACE, PLACE_KIND, RELATION_KIND, ROLE, SPEECH,
                                   STATUS)
from cdkg.mappings.recognize import PUNCTUATION
from cdkg.mappings.terms import CDO
from cdkg.ontology.namespaces import CDO as CDO_TERMS, DCTERMS, XSD

SENTENCE_ENDS = frozenset(".؟!")
CLAUSE_ENDS = SENTENCE_ENDS | {":"}
CLAUSE_BREAKS = CLAUSE_ENDS | {"،"}
QUOTES = frozenset("«»\"")
INDEFINITE = "یک"  # یک عضو شورا: a post still opens its clause
PRONOUNS = frozenset({"وی", "او", "ایشان"})  # وی گفت: the speaker the sentence before opened with
SUBJECT_REACH = 6  # words a clause may open with before its subject (معاون امور بین‌الملل شهرداری X)
# Grammar words of the rules, as ZWNJ/space-free keys; what they signal is in each rule's docstring.
WITH = "با"
LOCATIVES = frozenset({"در", "از", "به"})  # a place after these is where, not who (نماینده یونیسف در ایران)
FROM = "از"
TO = "به"
AS = "بهعنوان"
PURPOSE_OPENERS = ("باهدف", "بههدف", "بهمنظور")
PURPOSE_OF = "هدفاز"
DOMAIN_OPENERS = ("درحوزه", "درزمینه", "درحوزههای", "درزمینههای", "درعرصه", "درعرصههای", "درقالب")
ACTIVITY_WORD = "فعالیت"
SUBFIELD_WORDS = ("زیربخش", "زیرمجموعه", "زیرشاخه", "شاخه")
MEMBER_WORD = "عضو"
THIS = "این"  # این سازمان، این شبکه: the organisation named before
ENTERED = "وارد"  # هیئتی از X وارد Y شد: Y is the destination
DELEGATION_WORDS = frozenset({"هیئت", "هیئتی", "هیات", "هیاتی"})  # the visitor is the body after them
DELEGATION_REACH = 4  # words of a body's name a delegation's body may end within (هیئتی از وزارت بلدیه قطر)
HEADED_BY = ("بهریاست", "بهسرپرستی")  # هیئتی از X به ریاست Y: Y's post heads it
RELATIVE = "که"  # X که به Y سفر کرده است: X, the relative clause's head, is the visitor
PRONOUN = "وی"  # وی ... با Y دیدار کرد: the statement's speaker, whom the news names before
SIGNED_BY = "امضای"  # به امضای X و Y رسید: X and Y signed
CEREMONY = "مراسم"  # X در این مراسم گفت، after a signing: X was present
IN = "در"  # در Y امضا شد: Y is where the signing took place; عضویت در Y: the body follows, never before
ORDINAL_SUFFIX = "مین"  # در دوازدهمین اجلاس: the forum noun still follows در
AND = "و"  # X وارد Y شد و قرار است ...: a new clause, whose status is not the visit's
ALSO = frozenset({"نیز", "همچنین"})  # نیز همکاری کنند: a cooperation besides the instrument; X نیز در مراسم: X named before it
VISIT_BREAKS = CLAUSE_BREAKS | {AND, "؛"}  # where a visit's clause ends: a status cue after is another fact's
CEREMONY_STATUSES = (CDO.Signed, CDO.Renewed)  # a signing or renewal reported as done, with its officials there
FORUM_REACH = 10  # tokens between a meeting noun and the network that holds it (در نشست دفتر اجرایی ... UCLG)
UNHELD = (CDO.Planned, CDO.Proposed, CDO.Cancelled, CDO.Denied)  # a forum that has not taken place
VISIT_REACH = 10  # tokens between a nominal سفر and the به of its destination (سفر هفته گذشته هیئت X به Y)
DESIGNATION_VERBS = ("انتخابشد", "انتخابشده", "برگزیدهشد", "معرفیشد")
DEFAULT_INSTRUMENT = CDO.CooperationAgreement
# A relation has no document: it is never signed or renewed (shapes: Relation-status).
RELATION_STATUSES = (CDO.Existing, CDO.Planned, CDO.Proposed, CDO.UnderStudy, CDO.Suspended, CDO.Cancelled)
AFTER_SIGNING = (CDO.Renewed, CDO.Suspended, CDO.Cancelled)  # an event after the signing, with a date of its own
TWINNING_STATUSES = (CDO.Signed, CDO.Existing)  # a sister-city tie that holds, so the cities are twinned
INTENDED = (CDO.Proposed, CDO.Planned, CDO.UnderStudy)  # an instrument not yet in force: its sides' cooperation is its content
SIGNED = TWINNING_STATUSES  # their cues report the signing itself (امضا شده بود، از سال X خواهرخوانده‌اند)
NEAR = 4  # tokens between an instrument or relation word and the بین/با that introduces its parties
PARTNER_REACH = 7  # tokens between an instrument word and the با that introduces its partner (قرارداد آموزش ... با Y)
ANAPHORA_FILE = Path(__file__).with_name("anaphora-fa.csv")


def read_anaphora(refers, path=ANAPHORA_FILE):
    """Return the keys (spaces and ZWNJ removed) of the phrases that stand for both sides named before (pair)
    or for the one named last (one)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return frozenset(row["phrase"].replace(" ", "").replace("\u200c", "") for row in csv.DictReader(handle)
                         if row["refers"] == refers)


PAIR_ANAPHORA = read_anaphora("pair")
ONE_ANAPHORA = read_anaphora("one")
HYPOTHETICAL_FILE = Path(__file__).with_name("hypothetical-fa.csv")


def read_phrases(path, stage=None):
    """Return the keys (spaces and ZWNJ removed) of a phrase table's first column, or of its rows of one stage."""
    with open(path, encoding="utf-8", newline="") as handle:
        return frozenset(row["phrase"].replace(" ", "").replace("\u200c", "") for row in csv.DictReader(handle)
                         if stage is None or row["stage"] == stage)


HYPOTHETICAL = read_phrases(HYPOTHETICAL_FILE)
OPENERS = read_phrases(Path(__file__).with_name("openers-fa.csv"))
ATTRIBUTIONS = read_phrases(Path(__file__).with_name("attribution-fa.csv"))
BASIS = read_phrases(Path(__file__).with_name("basis-fa.csv"))
TIME_WORDS = read_phrases(Path(__file__).with_name("time-words-fa.csv"))
APPLIED = read_phrases(Path(__file__).with_name("application-fa.csv"), "applied")
ACCEPTED = read_phrases(Path(__file__).with_name("application-fa.csv"), "accepted")


def read_precedence(path=Path(__file__).with_name("status-precedence.csv")):
    """Return {status: rank} of the statuses that report a later event than the others (1 first)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {CDO_TERMS[row["status"]]: int(row["rank"]) for row in csv.DictReader(handle)}


STATUS_RANK = read_precedence()


def read_relation_heads(path=Path(__file__).with_name("relation-heads-fa.csv")):
    """Return {key: status} of the words before a relation word that say whether it is held or aimed at."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["phrase"].replace(" ", "").replace("\u200c", ""): CDO_TERMS[row["status"]]
                for row in csv.DictReader(handle)}


RELATION_HEADS = read_relation_heads()
# Kinds of place or body that act in city diplomacy; a fact needs one of them (a post stands for its body).
LOCAL_KINDS = (CDO.City, CDO.Province, CDO.Region, CDO.Municipality, CDO.Council, CDO.Governorate)
ABROAD_KINDS = (CDO.DiplomaticMission, CDO.InternationalOrganization, CDO.NationalCommission)
# Bodies that act at a city's or province's level when they are its own (اتاق بازرگانی اراک), not a nation's.
SEATED_KINDS = (CDO.ChamberOfCommerce,)


@dataclass(slots=True)
class Fact:
    """A fact the statement reports: an instrument, activity or relation with its links."""

    kind: str  # IRI segment: agreement, meeting, relation...
    cls: object
    links: list = field(default_factory=list)  # (predicate, object); object may be another Fact
    start: int = -1  # token where its cue starts, to find what a meeting or support is about
    evidence: tuple = ()  # (first token, token after the last) of the sentence that states it


@dataclass(slots=True)
class Reading:
    """What the rules read from one statement."""

    speaker: object = None
    facts: list = field(default_factory=list)
    assertions: list = field(default_factory=list)  # (subject, predicate, object) between entities
    topics: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    statement_links: list = field(default_factory=list)  # (predicate, object) on the statement itself


def date_links(mention):
    """Return the (predicate, literal) pairs of a date: dcterms:date (xsd:date) for a day, else cdo:dateStart and
    cdo:dateEnd (xsd:date, or xsd:gYear for a Gregorian year)."""
    if isinstance(mention.value, str):  # a Gregorian year is the period from its start to its end
        return [(CDO.dateStart, _date_literal(mention.value)), (CDO.dateEnd, _date_literal(mention.value))]
    if mention.value is not None:
        return [(DCTERMS.date, _date_literal(mention.value))]
    return [(CDO.dateStart, _date_literal(mention.first)), (CDO.dateEnd, _date_literal(mention.last))]


def _date_literal(value):
    return Literal(value, datatype=XSD.gYear) if isinstance(value, str) else Literal(value, datatype=XSD.date)


def _party(entity):
    """Return the place or organisation an entity stands for (a post stands for its organisation)."""
    return entity.parts[0] if entity.kind == POST else entity


class Relator:
    """Apply the relation rules to one analysis."""

    def __init__(self, lexicon, analysis, dates=()):
        self.lexicon, self.a = lexicon, analysis
        self.dates = dates
        self.tokens = analysis.tokens
        self.span_at = {span.start: span for span in analysis.spans}
        self.reading = Reading()
        self.sentences = self._sentences()
        self.by_kind = {}
        cue_spans = analysis.spans if not analysis.inner_cues else sorted(
            analysis.spans + analysis.inner_cues, key=lambda span: span.start)
        for span in cue_spans:
            for sense in span.senses:
                self.by_kind.setdefault(sense.kind, []).append((span, sense.iri))
        self._groups = None
        self.person_at = {person.start: person for person in analysis.persons}
        self.dated = {i for m in dates for i in range(self.token_at(m.start), self.token_at(m.end - 1) + 1)}
        self.mentioned = []  # (token, fact): an agreement named again (این سند، the same kind and sides), for dates
        self.attended = []  # (token, [IRI]): the officials placed at the signing a token names, for venue visits

    # ---- token helpers
    def _sentences(self):
        """Return the (start, end) tokens of each sentence."""
        bounds, start = [], 0
        for index, token in enumerate(self.tokens):
            if token in SENTENCE_ENDS:
                bounds.append((start, index))
                start = index + 1
        if start < len(self.tokens):
            bounds.append((start, len(self.tokens)))
        return bounds

    def sentence_of(self, token):
        """Return the (start, end) tokens of the sentence holding a token."""
        return next(((s, e) for s, e in self.sentences if s <= token < e), (0, len(self.tokens)))

    def clause_start(self, token):
        """Return the first token of the clause holding a token (after a colon or the sentence start, and
        after a news agency's opener: به گزارش ایرنا از تبریز، X ...)."""
        start, _ = self.sentence_of(token)
        for index in range(token - 1, start - 1, -1):
            if self.tokens[index] in CLAUSE_ENDS:
                return index + 1
        if self.has_phrase(start, start + 1, OPENERS):
            comma = next((i for i in range(start, token) if self.tokens[i] == "،"), None)
            if comma is not None:
                return comma + 1
        return start

    def phrase_end(self, token, key):
        """Return the token after a phrase whose joined tokens equal a key, or None."""
        joined = ""
        for index in range(token, min(len(self.tokens), token + 4)):
            joined += self.tokens[index]
            if joined == key:
                return index + 1
            if not key.startswith(joined):
                return None
        return None

    def find_word(self, start, stop, keys):
        """Return (position, end) of the first of some phrases between two tokens, or None."""
        tokens = self.tokens
        for index in range(start, min(stop, len(tokens))):
            token = tokens[index]
            if token in PUNCTUATION and token != "،":
                return None
            for key in keys:
                if key == token:
                    return index, index + 1
                if key.startswith(token):  # a phrase written as several tokens (به منظور)
                    end = self.phrase_end(index, key)
                    if end:
                        return index, end
        return None

    def skip_place_words(self, token):
        """Return the token after any place-kind words starting at a token (شهر، شهرهای، استان), or a plural kind
        of body not composed with the place after it (شهرداری‌های جنوب لبنان: the region stands for them)."""
        span = self.span_at.get(token)
        while span is not None and (span.kinds() == {PLACE_KIND} or (
                span.kinds() == {ORG_KIND} and span.plural and token not in self.a.token_entity)):
            token = span.end
            span = self.span_at.get(token)
        return token

    def skip_bare_role(self, token):
        """Skip a role word with no organisation: it stands for the place after it (استاندار اردبیل)."""
        span = self.span_at.get(token)
        if span is not None and token not in self.a.token_entity and ROLE in span.kinds():
            return span.end
        return token

    def skip_name(self, token):
        """Skip a person's name to the post it is written beside (با ماجد الوائلی، استاندار نجف)."""
        person = self.person_at.get(token)
        post = person.parts[0] if person is not None and person.parts else None
        return post.start if post is not None and post.start > token else token

    def last_with(self, start, stop):
        """Return the token after the last با between two tokens that has a side right after it."""
        for index in range(stop - 1, start - 1, -1):
            if self.tokens[index] == WITH and self.list_at(index + 1)[0]:
                return index + 1
        return None

    def list_at(self, token):
        """Return the coordinated entities starting at a token (A، B و شهر C) and the token after them."""
        found = []
        while True:
            token = self.skip_place_words(self.skip_bare_role(self.skip_name(token)))
            entity = self.a.token_entity.get(token)
            if entity is None or entity.kind == CONCEPT:
                return found, token
            found.append(entity)
            token = entity.end
            if token < len(self.tokens) and self.tokens[token] in COORDINATORS:
                following = self.skip_place_words(self.skip_bare_role(token + 1))
                if following in self.a.token_entity and self.a.token_entity[following].kind != CONCEPT:
                    token += 1
                    continue
            return found, token

    def subject(self, token):
        """Return the entities at the start of the clause holding a token (Persian puts the subject first);
        a role word with no organisation stands for the place after it (استاندار اردبیل)."""
        start = self.clause_start(token)
        entities, _ = self.list_at(start)
        if not entities:
            first = next((e for e in self.entities_between(start, min(token, start + SUBJECT_REACH + 1))
                          if e.kind != CONCEPT and (e.start == start or self.tokens[e.start - 1] not in LOCATIVES)),
                         None)
            entities = self.list_at(first.start)[0] if first is not None else []
        return entities

    def entities_between(self, start, end, kind=None):
        """Return the entities lying within two tokens, optionally of one kind."""
        return [e for e in self.a.entities if start <= e.start and e.end <= end and (kind is None or e.kind == kind)]

    def concepts_between(self, start, end, family):
        """Return the IRIs of the concepts of one class (diplomacy concept or domain) within two tokens."""
        return [
            e.iri for e in self.entities_between(start, end, CONCEPT)
            if any(self.lexicon.is_a(t, family) for t in self.lexicon.entries[e.iri].types)
        ]

    def cue_spans(self, kind, cls):
        """Return (span, sense IRI) of the spans naming a class, or a concept of that class, in text order."""
        return [
            (span, iri) for span, iri in self.by_kind.get(kind, ())
            if self.lexicon.is_a(iri, cls) or self.lexicon.entity_is_a(iri, cls)
        ]

    def text(self, start, end):
        """Return the normalised words between two tokens."""
        return " ".join(self.tokens[start:end])

    # ---- the rules
    def read(self):
        """Return the reading of the statement."""
        self.read_speaker()
        agreements = self.read_agreements()
        relations = self.read_relations(agreements)
        self.read_meetings(relations)
        self.read_support(relations + agreements)
        self.read_exchanges()
        self.read_comparisons()
        self.read_designations()
        self.read_memberships()
        self.read_hosting()
        self.read_visits()
        self.read_ceremonies(agreements)
        self.read_venue_visits()
        self.read_active_in()
        self.read_subfields()
        self.read_topics()
        self.read_dates()
        for fact in self.reading.facts:
            fact.evidence = self.sentence_of(fact.start) if fact.start >= 0 else (0, len(self.tokens))
        return self.reading

    def token_at(self, offset):
        """Return the index of the token holding a character offset of the normalised text."""
        return max(0, bisect.bisect_right(self.a.starts, offset) - 1)

    def read_dates(self):
        """A date dates a fact of its clause (the words a colon opens are another's: X روز ۱۸ مهر در دیدار با Y
        گفت: ...), else of its sentence: an agreement before a meeting before any other event (a visit or
        membership that the day's meeting or signing belongs to), and of those the one whose cue follows it
        nearest (۱۸ مهر در دیدار با، از سال ۱۳۹۵ خواهرخوانده هستند), else the nearest before it; a date with no
        fact in its sentence dates the statement. A fact named again (این سند، the same kind and sides) is
        dated there too. Of the dates of one fact, the one that a cue of its status follows nearest names it (the
        renewal's, as the status is the renewal: از سال ۱۳۸۹ خواهرخوانده‌اند و اسفند ۱۴۰۱ تمدید شد; a verb comes
        after its date, so a date after an anniversary's cue is the celebration's), else the one nearest such a
        cue, else the first; one of them in another sentence than that one dates the statement, as does the year
        of an event the text names by it (پس از سیل ۱۳۹۸ امضا شد: the flood's year, not the signing's)."""
        dated = [(f.start, f) for f in self.reading.facts if f.start >= 0] + self.mentioned + self.named_by_head()
        named = {}  # id(fact) -> (fact, [(token, date)] in text order)
        for mention in self.dates:
            if mention.event:
                self.reading.statement_links.extend(date_links(mention))
                continue
            token = self.token_at(mention.start)
            start, end = self.sentence_of(token)
            clause_end = next((i for i in range(token, end) if self.tokens[i] in CLAUSE_ENDS), end)
            here = [m for m in dated if self.clause_start(token) <= m[0] < clause_end] or [
                m for m in dated if start <= m[0] < end]
            first = min((self.date_rank(f) for _, f in here), default=None)
            after = [m for m in here if token <= m[0] and self.date_rank(m[1]) == first]
            before = [m for m in here if m[0] < token and self.date_rank(m[1]) == first]
            target = min(after, key=lambda m: m[0])[1] if after else (
                max(before, key=lambda m: m[0])[1] if before else None)
            if target is None:
                self.reading.statement_links.extend(date_links(mention))
            else:
                named.setdefault(id(target), (target, []))[1].append((token, mention))
        for fact, found in named.values():
            signed = self.signing_date(fact, found)
            if signed is not None:
                self.add_signing(fact, *signed)
                found = [f for f in found if f != signed]
                if not found:
                    continue
            sentences = {self.sentence_of(at) for at, _ in found}  # another fact's cue elsewhere is not this one's
            cues = [cue for cue in self.status_cues(fact) if self.sentence_of(cue) in sentences]
            followed = [(cue - at, at, mention) for at, mention in found for cue in cues if cue >= at]
            if followed:
                _, token, mention = min(followed, key=lambda f: f[:2])
            else:
                token, mention = min(found, key=lambda f: min(abs(f[0] - cue) for cue in cues)) if cues else found[0]
            fact.links.extend(date_links(mention))
            # a date of another sentence than the fact's date is another event the text reports (the
            # exhibition opened on the twinning's anniversary; they have been twinned since 1998): the statement's
            self.reading.statement_links.extend(link for at, other in found
                                                if self.sentence_of(at) != self.sentence_of(token)
                                                for link in date_links(other))

    def named_by_head(self):
        """Return (token, agreement) where این and the first word of an agreement's own wording name it again (برنامه
        اجرایی ... تمدید شد. این برنامه که ... امضا شده بود): there it is dated too, as by این سند."""
        groups = {g.start for g, _ in self.instrument_groups()}
        return [(i, f) for f in self.reading.facts if f.kind == "agreement"
                for i in range(f.start + 2, len(self.tokens)) if i not in groups
                and self.tokens[i - 1] == THIS and self.tokens[i] == self.tokens[f.start]]

    def signing_date(self, fact, found):
        """Return the first (token, date) of a renewed, suspended or cancelled instrument that a cue of its
        signing follows before one of its status (از سال ۱۳۸۹ خواهرخوانده‌اند و ... اسفند ۱۴۰۱ تمدید شد، که سال ۲۰۱۶
        امضا شده بود لغو کرد): the original signing's date, not the later event's; else None."""
        status = next((o for p, o in fact.links if p == CDO.status), None)
        if status not in AFTER_SIGNING:
            return None
        cues = sorted((s.start, x.iri) for s in self.a.spans for x in s.of_kind(STATUS) if x.iri in (status, *SIGNED))
        for at, mention in found:
            end = self.sentence_of(at)[1]
            if next((iri for cue, iri in cues if at <= cue < end), None) in SIGNED:
                return at, mention
        return None

    def add_signing(self, instrument, token, mention):
        """Report an instrument's original signing: an activity about it, of its parties, on the signing's date."""
        parties = [(CDO.participant, o) for p, o in instrument.links if p == CDO.party]
        self.reading.facts.append(Fact("signing", CDO.Signing, [(CDO.about, instrument), *parties, *date_links(mention)],
                                       token))

    def status_cues(self, fact):
        """Return the tokens of the cues of a fact's status in the text (none without a status)."""
        status = next((o for p, o in fact.links if p == CDO.status), None)
        return [s.start for s in self.a.spans if status is not None and any(x.iri == status for x in s.of_kind(STATUS))]

    @staticmethod
    def date_rank(fact):
        """Return which facts of a sentence a date names first: an agreement or relation, a meeting, the rest."""
        return {"agreement": 0, "relation": 0, "meeting": 1}.get(fact.kind, 2)

    def opens_clause(self, token, start):
        """Tell whether a token opens its clause: first of the sentence, after a break or a closing quote,
        after an indefinite یک that does (یک عضو شورای اسلامی شهر X گفت) or after the time words and dates
        a clause may open with (روز سه‌شنبه ۱۸ مهر ۱۴۰۲ شهردار تبریز گفت، mappings/time-words-fa.csv)."""
        if token > start and self.tokens[token - 1] == INDEFINITE:
            token -= 1
        while token > start:
            width = 1 if token - 1 in self.dated else self.time_word_before(token, start)
            if not width:
                break
            token -= width
        return token == start or self.tokens[token - 1] in CLAUSE_BREAKS | QUOTES

    def time_word_before(self, token, start):
        """Return how many tokens the time word right before a token takes (سه‌شنبه is two), 0 for none."""
        return next((w for w in (2, 1) if token - w >= start and "".join(self.tokens[token - w:token]) in TIME_WORDS), 0)

    def read_speaker(self):
        """The first post before a verb of saying in its sentence speaks (X گفت، X ... تأکید کرد،
        به گزارش ...، X گفت); a pronoun before the verb (وی گفت) is the post the sentence before opens
        with; else the post right after an attribution (به گفته شهردار زابل، ...)."""
        for verb, _ in self.by_kind.get(SPEECH, ()):
            start, _ = self.sentence_of(verb.start)
            posts = [e for e in self.entities_between(start, verb.start) if e.kind == POST
                     and self.opens_clause(e.start, start)]
            first = next((i for i in range(start, verb.start) if self.tokens[i] not in QUOTES), verb.start)
            if not posts and start > 0 and self.tokens[first] in PRONOUNS:
                posts = [e for e in self.subject(self.sentence_of(start - 1)[0]) if e.kind == POST][:1]
            if posts:
                self.reading.speaker = posts[0]
                break
        else:
            self.reading.speaker = next((
                e for e in self.a.entities if e.kind == POST and e.start >= 2
                and self.has_phrase(e.start - 2, e.start - 1, ATTRIBUTIONS)), None)
        self.read_speaker_name()

    def read_speaker_name(self):
        """A name that goes on after the speaker spoke (X گفت: ... علی احمدی افزود) holds the speaker's post,
        when the text names no other holder."""
        speaker = self.reading.speaker
        if speaker is None or any(post.iri == speaker.iri for post, _ in self.a.holders):
            return
        start, end, name = next(((s, e, n) for s, e, n in self.a.going_on if s > speaker.start), (None, None, None))
        if name is not None:
            person = EntityComposer.person(name, speaker, start, end)
            self.a.persons.append(person)
            self.a.holders.append((speaker, person))

    def instrument_groups(self):
        """Group adjacent instrument words (تفاهم‌نامه خواهرخواندگی) and pick the most specific kind."""
        if self._groups is None:
            self._groups = self._instrument_groups()
        return self._groups

    def _instrument_groups(self):
        groups = []
        for span, cls in self.cue_spans(INSTRUMENT, CDO.CooperationInstrument):
            if groups and groups[-1][0].end == span.start:
                first, first_cls = groups[-1]
                chosen = cls if self.lexicon.is_a(cls, CDO.SisterCityAgreement) else first_cls
                groups[-1] = (type(span)(first.start, span.end, first.key, first.senses), chosen)
            else:
                groups.append((span, cls))
        return groups

    def read_agreements(self):
        """Instrument word + parties (بین X و Y / X و Y / با Y, the subject as the other party) + status,
        domains and purpose from the same sentence."""
        facts = []
        for span, cls in self.instrument_groups():
            if span.start > 0 and self.tokens[span.start - 1] == THIS:  # بر اساس این تفاهم‌نامه: one named before
                if facts:
                    self.mentioned.append((span.start, facts[-1]))
                continue  # else one whose sides were not read: not a new agreement of whoever is named near
            # A document of no named kind (سند همکاری) is a cooperation agreement, or the one of its sides read before.
            generic = cls == CDO.CooperationInstrument
            cls = DEFAULT_INSTRUMENT if generic else cls
            parties = [self.city_for_mission(p, span) for p in self.agreement_parties(span)]
            same = next((f for f in facts if (f.cls == cls or generic) and {p.iri for p in parties} == {
                o for k, o in f.links if k == CDO.party}), None)
            if same is not None:  # the same instrument named again: it may say what the first mention did not,
                self.mentioned.append((span.start, same))  # or report a later event (خواهرخوانده‌اند، پیمان ... تمدید کردند)
                status = self.status_near(span, *self.sentence_of(span.start))
                known, unranked = next((o for k, o in same.links if k == CDO.status), None), len(STATUS_RANK) + 1
                if status is not None and (known is None or STATUS_RANK.get(status, unranked) < STATUS_RANK.get(
                        known, unranked)):
                    same.links = [(k, o) for k, o in same.links if k != CDO.status] + [(CDO.status, status)]
                continue
            seats = {next((o for p, o in e.links if p == CDO.governs), e.iri) for e in parties}
            if len(seats) < 2 or self.hypothetical(span.start) or not (
                    self.crosses_border(parties) or self.twinning_at_home(cls, parties)):
                continue
            fact = Fact("agreement", cls, [(CDO.party, p.iri) for p in parties], span.start)
            start, end = self.sentence_of(span.start)
            status = self.status_near(span, start, end)
            if status is not None:
                fact.links.append((CDO.status, status))
            if self.lexicon.is_a(cls, CDO.SisterCityAgreement) and status in TWINNING_STATUSES:
                self.add_twinning(parties)
            purpose = self.purpose_range(span, start, end)
            excluded = purpose or (0, 0)
            for concept in self.concepts_between(start, end, CDO.CooperationDomain):
                if not any(excluded[0] <= e.start < excluded[1] for e in self.a.entities if e.iri == concept):
                    fact.links.append((CDO.cooperationDomain, concept))
            if purpose:
                self.add_purpose(fact, purpose, parties)
            facts.append(fact)
            self.reading.facts.append(fact)
        return facts

    def city_for_mission(self, party, span):
        """A diplomatic mission stands for the one city of its country that the statement names (the ambassador
        of Nigeria speaks for Port Harcourt), if there is one; else it stays the party."""
        if not any(self.lexicon.is_a(t, CDO.DiplomaticMission) for t in party.types):
            return party
        country = next((o for p, o in party.links if p == CDO.ofCountry), None)
        cities = {e.iri: e for e in self.a.entities if e.kind == PLACE and e.iri != country and
                  self.lexicon.entity_is_a(e.iri, CDO.City) and self.country_of(e) == country}
        return next(iter(cities.values())) if len(cities) == 1 else party

    def agreement_parties(self, span):
        """Return the parties of an instrument word, by the first pattern that finds any."""
        start, end = self.sentence_of(span.start)
        opener = self.find_word(span.end, min(end, span.end + NEAR), LIST_OPENERS) or self.opener_past_qualifiers(
            span.end, end)
        if opener and self.list_at(opener[1])[0]:
            return self.distinct(self.with_partners(*self.list_at(opener[1])))
        if opener and len(self.anaphor_list(opener[1])) >= 2:  # میان این شهر و یزد
            return self.distinct(self.anaphor_list(opener[1]))
        listed, after = self.list_at(span.end)
        if len(listed) >= 2:
            return self.distinct(self.with_partners(listed, after))
        qualified = self.list_after_qualifiers(span.end, end)  # یادداشت تفاهم همکاری بندری بوشهر و لاذقیه
        if len(qualified) >= 2:
            return self.distinct(self.with_partners(*self.list_at(qualified[0].start)))
        preceding = self.list_before(span)
        if len(preceding) >= 2:
            return self.distinct(preceding)
        if self.anaphor_near(span, start, end):  # یادداشت تفاهم همکاری دو شهر: the sides named before
            sides = self.sides_before(span.start)
            if len(sides) == 2:
                return sides
        partner = self.find_word(span.end, min(end, span.end + PARTNER_REACH), (WITH,))
        subject = self.subject(span.start)
        if partner is None:
            before = [e for e in subject if e.end <= span.start]
            if len(listed) == 1 and before:  # X شهر خواهرخوانده Y است، X تفاهم‌نامه همکاری Y را امضا کرد
                return self.distinct(before + listed)
            clause = self.clause_start(span.start)
            partner = self.find_word(clause, span.start, (WITH,))
            if partner is None:
                return self.distinct(subject)
        partners = self.list_at(partner[1])[0]
        if not partners or self.generic(partner[1]):
            return []
        own = listed or subject or [e for e in self.entities_between(start, span.start) if e.kind != CONCEPT][-1:]
        if not own and self.reading.speaker is not None:
            own = [self.reading.speaker]
        return self.distinct(own + partners)

    def opener_past_qualifiers(self, token, end):
        """Return (position, end) of a بین/میان farther after an instrument word, past words that qualify it (its
        domains or aim: توافق‌نامه‌ای برای انتقال فناوری ... میان X و Y) but name no place or body, no status, no
        other instrument and no با; or None."""
        for index in range(token, end):
            span = self.span_at.get(index)
            entity = self.a.token_entity.get(index)
            if (self.tokens[index] in PUNCTUATION and self.tokens[index] != "،") or self.tokens[index] == WITH or (
                    entity is not None and entity.kind != CONCEPT) or (
                    span is not None and span.kinds() & {STATUS, INSTRUMENT}):
                return None
            if self.tokens[index] in LIST_OPENERS:
                return index, index + 1
        return None

    def with_partners(self, listed, after):
        """Return a list of sides with the sides a با right after it adds (شهرداری‌های آبادان و خرمشهر با
        استانداری بصره)."""
        if after < len(self.tokens) and self.tokens[after] == WITH and not self.generic(after + 1):
            return listed + self.list_at(after + 1)[0]
        return listed

    def has_phrase(self, start, end, keys):
        """Tell whether the tokens between two positions hold one of some phrases (keys without spaces)."""
        for index in range(start, end):
            joined = ""
            for token in self.tokens[index:index + 4]:
                joined += token
                if joined in keys:
                    return True
        return False

    def hypothetical(self, token):
        """Tell whether the sentence of a token is conditional or hypothetical (اگر ... شاید ... بتوانند):
        what it says may happen is not reported."""
        return self.has_phrase(*self.sentence_of(token), HYPOTHETICAL)

    def nation(self, entity):
        """Return the country of a place, body or post (a post's body's; an embassy's sending state)."""
        entity = _party(entity)
        if self.lexicon.entity_is_a(entity.iri, CDO.Country):
            return entity.iri
        for predicate, obj in entity.links:
            if predicate in (CDO.country, CDO.ofCountry):
                return obj
        governed = next((part for part in entity.parts if any(p == CDO.governs for p, _ in entity.links)), None)
        if governed is not None:
            return self.nation(governed)
        entry = self.lexicon.entries.get(entity.iri)
        return entry.country if entry else None

    def local(self, entity):
        """Tell whether a place or body is sub-national: a city, province or region, a body governing one, or a
        chamber of commerce of one."""
        entity = _party(entity)
        if any(self.lexicon.is_a(t, kind) for t in entity.types for kind in SEATED_KINDS):
            return any(self.local(part) for part in entity.parts)
        return any(self.lexicon.entity_is_a(entity.iri, kind) or kind in entity.types or any(
            self.lexicon.is_a(t, kind) for t in entity.types) for kind in LOCAL_KINDS)

    def crosses_border(self, entities):
        """City diplomacy: a sub-national side, and sides of two countries (unless a side's country is
        unknown) or a body facing abroad among them (a mission, an international organisation or its national
        commission). A domestic meeting or a state-to-state agreement is no such fact."""
        if not any(self.local(e) for e in entities):
            return False
        if any(self.abroad(e) for e in entities):
            return True
        nations = [self.nation(e) for e in entities]
        return None in nations or len(set(nations)) > 1

    def abroad(self, entity):
        """Tell whether a body (or a post's) faces abroad: a mission, an international organisation or its national
        commission."""
        return any(self.lexicon.is_a(t, kind) for t in _party(entity).types for kind in ABROAD_KINDS)

    def twinning_at_home(self, cls, parties):
        """A sister-city tie between two cities (or their bodies) of one country is still a twinning."""
        return self.lexicon.is_a(cls, CDO.SisterCityAgreement) and all(self.local(p) for p in parties)

    def anaphor_near(self, span, start, end):
        """Tell whether a phrase standing for both sides (دو شهر، طرفین) is in the instrument's sentence."""
        return self.has_phrase(start, end, PAIR_ANAPHORA)

    def anaphor_list(self, token):
        """Return the sides of a list that opens with a phrase standing for the one named last (این شهر و Y):
        that place or body (not a country), then the list after the coordinator."""
        for end in range(token + 1, min(len(self.tokens), token + 4) + 1):
            if "".join(self.tokens[token:end]) in ONE_ANAPHORA:
                named = [e for e in self.a.entities if e.end <= token and e.kind in (PLACE, ORGANISATION, POST)
                         and not self.lexicon.entity_is_a(_party(e).iri, CDO.Country)]
                if named and end < len(self.tokens) and self.tokens[end] in COORDINATORS:
                    return named[-1:] + self.list_at(end + 1)[0]
        return []

    def list_after_qualifiers(self, token, end):
        """Return a list of two or more sides a few words after a token, past words that qualify the
        instrument (همکاری، بندری، آموزش ...) but hold no entity or punctuation."""
        for index in range(token, min(end, token + NEAR + 1)):
            if self.tokens[index] in PUNCTUATION or self.tokens[index] == WITH:
                return []
            entity = self.a.token_entity.get(index)
            if entity is not None and entity.kind != CONCEPT:
                listed = self.list_at(index)[0]
                return listed if len(listed) >= 2 else []
        return []

    def sides_before(self, token):
        """Return the last two sides named before a token: those of an earlier fact, else the two distinct
        places or bodies named last (posts stand for their bodies)."""
        for fact in reversed(self.reading.facts):
            sides = [o for p, o in fact.links if p in (CDO.party, CDO.relates, CDO.participant)]
            if fact.start < token and len(sides) == 2:
                by_iri = {e.iri: e for e in self.a.entities}
                found = self.distinct([by_iri[iri] for iri in sides if iri in by_iri])
                if len(found) == 2:
                    return found
        named, seats = [], set()
        for party in self.distinct([e for e in reversed(self.a.entities) if e.end <= token and e.kind in (
                PLACE, ORGANISATION, POST) and not self.lexicon.entity_is_a(_party(e).iri, CDO.Country)
                and not self.at_venue(e)]):
            seat = next((o for p, o in party.links if p == CDO.governs), party.iri)
            if seat not in seats:  # شهرداری یاسوج and یاسوج are one side
                seats.add(seat)
                named.append(party)
        return named[1::-1] if len(named) >= 2 else []

    def at_venue(self, entity):
        """Tell whether a place is named as where something happens (در شهر کوت، در تهران), not as a side."""
        before = entity.start - 1
        if before > 0 and self.span_at.get(before) is not None and self.span_at[before].kinds() == {PLACE_KIND}:
            before -= 1
        return entity.kind == PLACE and before >= 0 and self.tokens[before] == IN

    def list_before(self, span):
        """Return the coordinated entities that end just before a word in its clause (میان X و Y تفاهم‌نامه،
        X و Y ... خواهرخوانده هستند): Persian puts the sides before a predicate."""
        clause = self.clause_start(span.start)
        found, covered = [], clause
        for entity in self.entities_between(clause, span.start):
            if entity.start < covered or entity.kind == CONCEPT:
                continue
            listed, end = self.list_at(entity.start)
            covered = max(end, entity.end)
            gap = self.tokens[end:span.start]
            if len(listed) >= 2 and len(gap) <= NEAR and not PUNCTUATION & set(gap):
                found = listed
        return found

    def add_twinning(self, parties):
        """Two cities (or their municipalities) in a signed or existing sister-city agreement are twinned."""
        cities = list(dict.fromkeys(city for city in (self.city_of(p) for p in parties) if city is not None))
        if len(parties) == 2 and len(cities) == 2:
            self.reading.assertions.append((cities[0], CDO.twinnedWith, cities[1]))

    def city_of(self, party):
        """Return the city a party is, or the city the municipality or council it is governs."""
        if self.lexicon.entity_is_a(party.iri, CDO.City):
            return party.iri
        governed = next((obj for predicate, obj in party.links if predicate == CDO.governs), None)
        return governed if governed is not None and self.lexicon.entity_is_a(governed, CDO.City) else None

    def generic(self, token):
        """Tell whether a party list opens with a plural place word (با شهرهای ایتالیا): a class of
        places, not the bodies that sign an agreement."""
        span = self.span_at.get(token)
        return span is not None and span.kinds() == {PLACE_KIND} and span.plural

    @staticmethod
    def distinct(entities):
        """Return the parties the entities stand for, each once, in order."""
        parties = []
        for entity in entities:
            party = _party(entity)
            if all(p.iri != party.iri for p in parties):
                parties.append(party)
        return parties

    def status_near(self, span, start, end):
        """A status that reports a later event (renewed, suspended, cancelled, under study, denied: the
        precedence table) anywhere in the sentence, else the status cue nearest after the instrument, else
        the nearest before it. A denied cancellation (شایعه لغو ... را تکذیب کرد) is neither: the instrument
        keeps its status. With several instruments in the sentence, a cue is the one's it belongs to. An
        instrument whose signing is cancelled (مراسم امضای X ... لغو شد) is still planned."""
        status = self.owned_status(span, start, end)
        if status == CDO.Cancelled and any(s.end == span.start for s, _ in self.cue_spans(ACTIVITY, CDO.Signing)):
            return CDO.Planned
        return status

    def owned_status(self, span, start, end):
        """Return the status the cues of a sentence give an instrument or relation (see status_near; the cues
        its word owns); one with no cue of its own shares those of the instrument coordinated with it (تفاهم‌نامه خواهرخواندگی و قرارداد همکاری ... امضا
        شد)."""
        spoken = [(s, iri) for s in self.a.spans if start <= s.start < end for iri in (x.iri for x in s.of_kind(STATUS))]
        owned = any(g.start == span.start for g, _ in self.instrument_groups() + self.cue_spans(
            RELATION_KIND, CDO.Relation))  # an instrument or relation word; else a meeting's: all cues
        cues = [c for c in spoken if self.owner(c[0], start, end) == span.start] if owned else spoken
        if not cues and span.end < len(self.tokens) and self.tokens[span.end] in COORDINATORS:
            cues = [c for c in spoken if self.owner(c[0], start, end) == span.end + 1]
        found = {iri for _, iri in cues}
        if CDO.Denied in found and CDO.Cancelled in found:
            cues = [c for c in cues if c[1] not in (CDO.Denied, CDO.Cancelled)]
        ranked = [c for c in cues if c[1] in STATUS_RANK]
        if ranked:
            return min(ranked, key=lambda c: (STATUS_RANK[c[1]], abs(c[0].start - span.start)))[1]
        after = [c for c in cues if c[0].start >= span.start and c[0].end >= span.end]  # or a cue holding it
        before = [c for c in cues if c[0].end <= span.start]
        if after:
            return after[0][1]
        return before[-1][1] if before else None

    def owner(self, cue, start, end):
        """Return the first token of the word a status cue of a sentence belongs to: the instrument or relation
        word it holds, else the nearest before it (Persian puts the verb after its object: لغو این قرارداد ... و
        دو شهر خواهرخوانده‌اند), else the nearest after it. An instrument named again (این تفاهم‌نامه) stands for
        the one read before it. A relation word counts before the sentence's instruments only: after one it
        qualifies it or says its purpose (برنامه اجرایی همکاری‌های ...، با هدف تعمیق روابط ...), unless both sides
        named again open its own clause (خواهرخوانده‌اند و طرفین بر گسترش همکاری‌ها تاکید کردند)."""
        groups = self.instrument_groups()
        words = [s for s, _ in groups if start <= s.start < end]
        first = words[0].start if words else end
        words += [s for s, cls in self.cue_spans(RELATION_KIND, CDO.Relation) if cls == CDO.Relation and start <= s.start < end
                  and (s.start < first or self.has_phrase(first, s.start, PAIR_ANAPHORA))]
        words.sort(key=lambda s: s.start)
        held = [s for s in words if cue.start <= s.start and s.end <= cue.end]
        before = [s for s in words if s.end <= cue.start]
        after = [s for s in words if s.start >= cue.end]
        found = held[0] if held else before[-1] if before else after[0] if after else None
        if found is None:
            return None
        starts = [g.start for g, _ in groups]
        at = starts.index(found.start) if found.start in starts else None
        while at and self.tokens[starts[at] - 1] == THIS:
            at -= 1
        return found.start if at is None else starts[at]

    def purpose_range(self, span, start, end):
        """The purpose: after باهدف/به‌منظور up to the domain phrase or status; or what follows "هدف از ...،"."""
        start = self.clause_start(span.start)
        found = self.find_word(start, end, PURPOSE_OPENERS)
        if found:
            stop = found[1]
            while stop < end and not self.find_word(stop, stop + 1, DOMAIN_OPENERS) and not (
                    stop in self.span_at and STATUS in self.span_at[stop].kinds()) and self.tokens[stop] != "،":
                stop += 1
            return (found[1], stop) if stop > found[1] else None
        of = self.find_word(start, span.start, (PURPOSE_OF,))
        if of:
            comma = next((i for i in range(span.end, end) if self.tokens[i] == "،"), None)
            if comma is not None:
                stop = end - 1 if self.tokens[end - 1] == "است" else end
                return comma + 1, stop
        return None

    def add_purpose(self, fact, purpose, parties):
        """Add the purpose text, the diplomacy concepts it names and the countries it concerns."""
        start, end = purpose
        fact.links.append((CDO.purposeText, Literal(self.text(start, end), lang="fa")))
        for concept in self.concepts_between(start, end, CDO.DiplomacyConcept):
            fact.links.append((CDO.purpose, concept))
        for concept in self.concepts_between(start, end, CDO.CooperationDomain):
            fact.links.append((CDO.purpose, concept))  # با هدف توسعه گردشگری
        countries = [e.iri for e in self.entities_between(start, end, PLACE)
                     if self.lexicon.entity_is_a(e.iri, CDO.Country)]
        names_countries = any(
            self.lexicon.is_a(s.iri, CDO.Country)
            for span in self.a.spans if start <= span.start < end for s in span.of_kind(PLACE_KIND)
        )
        if names_countries:  # "بین دو کشور": the parties' countries
            countries += [c for c in (self.country_of(p) for p in parties) if c is not None]
        for country in dict.fromkeys(countries):
            fact.links.append((CDO.concerns, country))

    def country_of(self, entity):
        """Return the country of a place or organisation, if known."""
        if self.lexicon.entity_is_a(entity.iri, CDO.Country):
            return entity.iri
        for predicate, obj in entity.links:
            if predicate == CDO.country:
                return obj
        entry = self.lexicon.entries.get(entity.iri)
        return entry.country if entry else None

    def sides(self, span, fallback_subject=True):
        """The sides of a relation word: بین X و Y (also past words that qualify it), X با Y، X و Y after it, or the
        clause's subject list."""
        start, end = self.sentence_of(span.start)
        opener = self.find_word(span.end, min(end, span.end + NEAR), LIST_OPENERS) or self.opener_past_qualifiers(
            span.end, end)
        if opener and self.list_at(opener[1])[0]:
            return self.distinct(self.list_at(opener[1])[0])
        listed, after = self.list_at(span.end)
        if listed and span.key.startswith(WITH) and fallback_subject:  # X ... با هماهنگی Y: Y is the partner
            return self.distinct(self.subject(span.start) + listed)
        if len(listed) == 1:
            partner = self.phrase_end(after, WITH)
            if partner:
                return self.distinct(listed + self.list_at(partner)[0])
        if len(listed) >= 2:
            return self.distinct(listed)
        subject = self.subject(span.start) if fallback_subject else []
        if len(subject) == 1:  # X ... همکاری‌های اقتصادی با Y، X با Y همکاری می‌کند
            partner = (self.find_word(span.end, min(end, span.end + NEAR), (WITH,))
                       or self.find_word(subject[0].end, span.start, (WITH,)))
            subject = subject + (self.list_at(partner[1])[0] if partner else [])
        return self.distinct(subject) if len(subject) >= 2 else []

    def read_relations(self, agreements):
        """A relation word (روابط، همکاری‌های دوجانبه، توسعه ارتباط X با Y) with two or more sides."""
        facts, seen = [], set()
        # sides of an agreement read from the same clause: its cooperation word is the agreement's, not a relation
        agreed = [(frozenset(o for p, o in f.links if p == CDO.party), f.start) for f in agreements]
        # the sides of an instrument only proposed, planned or studied: what they could do together is its content,
        # unless the sentence says they would also (نیز) do it
        intended = {sides for (sides, _), f in zip(agreed, agreements) if any(
            p == CDO.status and o in INTENDED for p, o in f.links)}
        triggers = [span for span, cls in self.cue_spans(RELATION_KIND, CDO.Relation) if cls == CDO.Relation]
        # A diplomacy concept naming a relation (همکاری‌های دوجانبه بین X و Y) counts when its sides follow.
        concept_triggers = [s for s, _ in self.cue_spans(CONCEPT, CDO.DiplomacyConcept)]
        word_ids = {id(span) for span in triggers}
        for span in sorted(triggers + concept_triggers, key=lambda s: s.start):
            sides = self.sides(span, fallback_subject=id(span) in word_ids)
            start, end = self.sentence_of(span.start)
            if len(sides) < 2 and self.has_phrase(start, end, PAIR_ANAPHORA):  # طرفین ... بر گسترش همکاری‌ها
                sides = self.sides_before(span.start)
            key = frozenset(s.iri for s in sides)
            besides = ALSO & set(self.tokens[start:end])
            if len(sides) < 2 or key in seen or (key in intended and not besides) or self.agreement_word(span, key, agreed) or self.hypothetical(
                    span.start) or not self.crosses_border(sides) or self.by_instrument(start, end):
                continue
            seen.add(key)
            fact = Fact("relation", CDO.Relation, [(CDO.relates, s.iri) for s in sides], span.start)
            start, end = self.sentence_of(span.start)
            status = self.relation_status(span, start, end)
            if status is not None:
                fact.links.append((CDO.status, status))
            if not any(start <= s.start < end for s, _ in self.instrument_groups()):
                fact.links += [(CDO.cooperationDomain, c) for c in self.concepts_between(start, end, CDO.CooperationDomain)]
            facts.append(fact)
            self.reading.facts.append(fact)
        return facts

    def relation_status(self, span, start, end):
        """Return the status a relation's own cues give it (see owned_status), one a relation can have; a word
        before it that says it is aimed at or held (relation-heads-fa.csv: برای همکاری، بر گسترش همکاری‌ها تاکید
        کردند، در ادامه همکاری‌ها) gives it that status, unless planned or later: the verb after it (ظرفیت ...
        برای همکاری ... دارند) is that word's."""
        status = self.owned_status(span, start, end)
        head = next((RELATION_HEADS[key] for width in (2, 1) if span.start - width >= start and (
            key := "".join(self.tokens[span.start - width:span.start])) in RELATION_HEADS), None)
        if status in (None, CDO.Existing) and head is not None:
            return head
        return status if status in RELATION_STATUSES else None

    def agreement_word(self, span, key, agreed):
        """Tell whether a relation word with these sides is in the clause of an agreement of the same sides (no
        comma between them): it is the agreement's cooperation word. Both sides named again between them (X و Y
        خواهرخوانده‌اند و طرفین بر گسترش همکاری‌ها تاکید کردند) open a clause of their own."""
        start, end = self.sentence_of(span.start)
        return any(key == sides and start <= at < end and "،" not in self.tokens[min(at, span.start):max(at, span.start)]
                   and not self.has_phrase(min(at, span.start), max(at, span.start), PAIR_ANAPHORA)
                   for sides, at in agreed)

    def by_instrument(self, start, end):
        """Tell whether a sentence speaks by an instrument named again (بر اساس این تفاهم‌نامه، ...): the
        cooperation it states is that instrument's content, not another relation."""
        return any(start < span.start < end and self.tokens[span.start - 1] == THIS and self.has_phrase(
            max(start, span.start - 4), span.start - 1, BASIS) for span, _ in self.instrument_groups())

    def read_meetings(self, relations):
        """X در دیدار با Y / X با Y دیدار کرد / X و Y دیدار کردند: a meeting of at least two participants."""
        done, cues = set(), self.cue_spans(ACTIVITY, CDO.Meeting)
        for span, _ in cues:
            sentence = self.sentence_of(span.start)
            if sentence in done:
                continue
            met = [f for f in self.reading.facts if f.kind == "meeting"]
            this = span.start > 0 and self.tokens[span.start - 1] == THIS
            if this and met:  # در این دیدار: the meeting already read
                self.mentioned.append((span.start, met[-1]))
                continue
            if this and any(sentence[0] <= s.start < sentence[1] and s.start > span.start for s, _ in cues):
                continue  # در حاشیه این اجلاس با Y دیدار کرد: the later cue reads the meeting
            clause = self.clause_start(span.start)
            subject = self.subject(span.start)
            if not subject:  # هیئتی از X ... با Y دیدار کرد: the delegation's body; در این مراسم X و Y حضور داشتند:
                # the sides right before the verb, unless after با; وی: the speaker; X گفت: ...: who quotes it
                before = self.list_ending(span.start)
                subject = [d for d in (self.delegation(clause, span.start),) if d is not None] or (
                    before if before and self.tokens[before[0].start - 1] != WITH else []) or (
                    [self.reading.speaker] if self.tokens[clause] == PRONOUN and self.reading.speaker else
                    self.quoting(span.start) if self.activity_status(span) is None else [])  # not دیدار با Y لغو شد
            partners = []
            if this:  # X در این دیدار گفت: X met the delegation that arrived, else attended the network's forum
                partners = [d for d in (self.delegation(0, span.start),) if d is not None] or [
                    e for e in self.entities_between(0, span.start) if self.international(e)][-1:]
            elif span.key.endswith(WITH):
                partners = self.sides_at(span.end)
            elif self.with_after(span.end):  # در نشست با Y، گفت‌وگوهای کارشناسی با Y
                partners = self.sides_at(self.with_after(span.end))
            else:
                named, after = self.list_at(span.end)
                if named and self.phrase_end(after, WITH):  # در دیدار X با Y
                    subject, partners = named, self.sides_at(after + 1)
                else:  # X ... با Y دیدار کرد: the nearest با before the verb
                    opener = self.last_with(clause, span.start)
                    partners = self.list_at(opener)[0] if opener is not None else []
            if not partners and self.after_in(span.start) and any(
                    e.kind == POST for e in subject):
                partners = self.forum_body(span, sentence)  # an official در نشست ... شبکه Y: attends Y's forum
            participants = {e.iri: e for e in subject + partners}
            if len(participants) < 2 or not self.crosses_border(list(participants.values())):
                continue
            done.add(sentence)
            # در این نشست: the meeting is the one a sentence before named, with its date and venue
            named = [s.start for s, _ in cues if s.start < sentence[0]] if this else []
            fact = Fact("meeting", CDO.Meeting, [(CDO.participant, iri) for iri in participants],
                        named[-1] if named else span.start)
            about = [r for r in relations if sentence[0] <= r.start < sentence[1]]
            fact.links += [(CDO.about, r) for r in about]
            if not about:
                fact.links += [(CDO.about, c) for c in self.concepts_between(*sentence, CDO.DiplomacyConcept)]
            self.reading.facts.append(fact)

    def with_after(self, token):
        """Return the token after a با at a token or past one qualifying word after it (کارشناسی با Y), or None."""
        for index in range(token, min(token + 2, len(self.tokens))):
            if self.tokens[index] == WITH:
                return index + 1
            if index in self.a.token_entity or self.tokens[index] in PUNCTUATION:
                return None
        return None

    def quoting(self, token):
        """Return [the official whose quoted words a token opens] (X گفت: گفت‌وگو با Y ...، وی افزود: ... of the
        speaker), or []: a meeting inside the quote's clause is not what it reports (موضوع در حد گفت‌وگو با Y بود)."""
        clause = self.clause_start(token)
        if clause < 2 or self.tokens[clause - 1] != ":" or not self.opens_clause(token, clause):
            return []
        verb = next((v for v, _ in self.by_kind.get(SPEECH, ()) if v.end == clause - 1), None)
        if verb is None:
            return []
        if self.tokens[self.clause_start(verb.start)] == PRONOUN:
            return [self.reading.speaker] if self.reading.speaker else []
        return [e for e in self.subject(verb.start) if e.kind == POST][:1]

    def list_ending(self, token):
        """Return the coordinated entities of a token's clause that end right at it (X و Y حضور داشتند)."""
        for entity in self.entities_between(self.clause_start(token), token):
            listed, end = self.list_at(entity.start)
            if end == token and entity.kind != CONCEPT:
                return listed
        return []

    def after_in(self, token):
        """Tell whether a token follows در, maybe past an ordinal (در دومین مجمع ...)."""
        before = token - (token > 1 and self.tokens[token - 1].endswith(ORDINAL_SUFFIX))
        return before > 0 and self.tokens[before - 1] == IN

    def forum_body(self, span, sentence):
        """Return [the international organisation] whose forum a meeting noun names (در نشست کمیته اجرایی
        متروپلیس، که ... برگزار شد), unless the sentence says it is to come or did not take place; else []."""
        for index in range(span.end, min(sentence[1], span.end + FORUM_REACH)):
            entity = self.a.token_entity.get(index)
            if self.tokens[index] == RELATIVE or self.tokens[index] in PUNCTUATION - {"("}:
                return []
            if entity is not None and self.international(entity):
                return [] if self.hypothetical(span.start) or self.status_near(span, *sentence) in UNHELD else [entity]
        return []

    def read_support(self, supportable):
        """X از ... حمایت می‌کند: X supports the relation (or instrument) named between از and the verb."""
        for span, _ in self.cue_spans(ACTIVITY, CDO.Support):
            start, _ = self.sentence_of(span.start)
            opener = next((i for i in range(span.start - 1, start - 1, -1) if self.tokens[i] == FROM), None)
            if opener is None:
                continue
            supporter = next((e for e in self.a.entities if e.end == opener and e.kind != CONCEPT), None)
            supporter = supporter or next(iter(self.subject(span.start)), None)
            supported = [f for f in supportable if opener < f.start < span.start]
            if supporter is None or not supported:
                continue
            fact = Fact("support", CDO.Support, [(CDO.supporter, _party(supporter).iri)])
            fact.links += [(CDO.supported, f) for f in supported]
            self.reading.facts.append(fact)

    def read_exchanges(self):
        """An exchange word (تبادلات فرهنگی و اقتصادی) outside an agreement: its sides, or the places
        named in its sentence, and the domains listed."""
        done = set()
        for span, cls in self.cue_spans(RELATION_KIND, CDO.Exchange):
            sentence = self.sentence_of(span.start)
            if sentence in done or any(sentence[0] <= s.start < sentence[1] for s, _ in self.instrument_groups()):
                continue
            sides = self.sides(span) or self.distinct(
                [e for e in self.entities_between(*sentence) if e.kind in (PLACE, ORGANISATION, POST)]
            )
            if not sides:
                continue
            done.add(sentence)
            fact = Fact("exchange", CDO.Exchange, [(CDO.relates, s.iri) for s in sides])
            fact.links += [(CDO.cooperationDomain, c) for c in self.concepts_between(*sentence, CDO.CooperationDomain)]
            self.reading.facts.append(fact)

    def read_comparisons(self):
        """A likeness word (تشابهات، شباهت‌ها، مقایسه) with the places compared and the domains named."""
        done = set()
        for span, _ in self.cue_spans(RELATION_KIND, CDO.Comparison):
            sentence = self.sentence_of(span.start)
            if sentence in done:
                continue
            sides = self.sides(span)
            if len(sides) < 2:
                continue
            done.add(sentence)
            fact = Fact("comparison", CDO.Comparison, [(CDO.relates, s.iri) for s in sides])
            fact.links += [(CDO.comparedIn, c) for c in self.concepts_between(*sentence, CDO.CooperationDomain)]
            self.reading.facts.append(fact)

    def read_designations(self):
        """انتخاب X به‌عنوان T / X به‌عنوان T انتخاب شد: X designated, by the organisation T names."""
        done = set()
        for span, _ in self.cue_spans(ACTIVITY, CDO.Designation):
            sentence = self.sentence_of(span.start)
            if sentence in done:
                continue
            found = self.designation_at(span, sentence)
            if found is None:
                continue
            designee, title_start, title_end = found
            done.add(sentence)
            fact = Fact("designation", CDO.Designation, [(CDO.designated, _party(designee).iri)])
            fact.links.append((CDO.designationTitle, Literal(self.text(title_start, title_end), lang="fa")))
            by = [e for e in self.entities_between(title_start, title_end) if e.kind == ORGANISATION]
            fact.links += [(CDO.designatedBy, e.iri) for e in by[-1:]]
            fact.links += [(CDO.designatedAs, c) for c in self.concepts_between(title_start, title_end, CDO.DiplomacyConcept)]
            self.reading.facts.append(fact)

    def designation_at(self, span, sentence):
        """Return (designee, title start, title end) of a designation cue, or None."""
        listed, after = self.list_at(span.end)
        title = self.phrase_end(after, AS) if listed else None
        if title:  # انتخاب X به‌عنوان T
            return listed[0], title, self.title_end(title, sentence[1])
        as_word = self.find_word(self.clause_start(span.start), span.start + 1, (AS,))
        if as_word:  # X به‌عنوان T انتخاب شد
            designee = next((e for e in self.a.entities if e.end == as_word[0] and e.kind != CONCEPT), None)
            verb = self.find_word(as_word[1], sentence[1], DESIGNATION_VERBS)
            if designee is not None and verb:
                return designee, as_word[1], verb[0]
        return None

    def title_end(self, start, end):
        """Return the token ending a designation title: the next punctuation or the sentence end."""
        for index in range(start, end):
            if self.tokens[index] in PUNCTUATION:
                return index
        return end

    def read_memberships(self):
        """عضویت X در Y / X به‌عنوان عضو Y / X و Z هر دو عضو Y هستند: each of X (and Z) is a member of an
        international organisation Y; "این سازمان/این شبکه" is the organisation named before. A membership applied
        for (درخواست ... برای عضویت در Y) is proposed, and no member (mappings/application-fa.csv)."""
        done = set()
        for index, token in enumerate(self.tokens):
            span = self.span_at.get(index)
            is_cue = span is not None and any(
                self.lexicon.is_a(s.iri, CDO.Membership) for s in span.of_kind(ACTIVITY))
            if not (is_cue or token == MEMBER_WORD):
                continue
            end = span.end if is_cue else index + 1
            sentence = self.sentence_of(index)
            body = next((e for e in self.entities_between(end, sentence[1]) if self.international(e)), None)
            clause = self.clause_start(index)
            if body is None and not (is_cue and span.key.endswith(IN)):  # X به Y پیوست: the body before the verb
                body = next((e for e in reversed(self.entities_between(clause, index)) if self.international(e)), None)
            if body is None and THIS in self.tokens[clause:end + 1]:  # به این شبکه پیوسته‌اند، عضویت این سازمان
                this = clause + self.tokens[clause:end + 1].index(THIS)
                kind = next((s.iri for s in getattr(self.span_at.get(this + 1), "senses", ()) if s.kind == ORG_KIND), None)
                body = next((e for e in reversed(self.entities_between(0, clause)) if self.international(e) and (
                    kind is None or self.lexicon.entity_is_a(e.iri, kind))), None)
            named_after = self.list_at(end)[0] if is_cue else []  # عضویت قزوین در شبکه ...
            members = [_party(m) for m in (named_after if any(self.local(m) for m in named_after)
                                           else self.subject(index))]
            for member in members:
                if body is None or member.iri == body.iri or (member.iri, body.iri) in done:
                    continue
                done.add((member.iri, body.iri))
                fact = Fact("membership", CDO.Membership, [(CDO.member, member.iri), (CDO.participant, body.iri)],
                            index)
                self.reading.facts.append(fact)
                if self.applied(clause, index, sentence[1]):
                    fact.links.append((CDO.status, CDO.Proposed))
                else:
                    self.reading.assertions.append((member.iri, CDO.memberOf, body.iri))

    def applied(self, clause, token, end):
        """Tell whether a membership's clause names an application before its cue (درخواست این شهر برای عضویت
        در Y) that its sentence does not say was accepted (... پذیرفته شد): the member has only applied."""
        return self.has_phrase(clause, token, APPLIED) and not self.has_phrase(clause, end, ACCEPTED)

    def international(self, entity):
        """Tell whether an entity is an international organisation (a city network is one)."""
        return entity.kind == ORGANISATION and self.lexicon.entity_is_a(entity.iri, CDO.InternationalOrganization)

    def read_hosting(self):
        """X میزبان ... است / X ... برگزار می‌کند: the clause's subject hosts."""
        for span, _ in self.cue_spans(ACTIVITY, CDO.Hosting):
            subject = self.subject(span.start)
            if not subject:
                continue
            fact = Fact("hosting", CDO.Hosting, [(CDO.host, _party(subject[0]).iri)])
            _, end = self.sentence_of(span.start)
            fact.links += [(CDO.about, e.iri) for e in self.entities_between(span.end, end, ORGANISATION)]
            self.reading.facts.append(fact)
            return

    def read_visits(self):
        """A visit of a visitor to a destination: X به Y سفر کرد، X در سفر به Y، سفر هیئت X به Y، هیئتی از X
        وارد Y شد، X که به Y سفر کرده است، X از ... Y بازدید کرد. The visitor is the delegation's body (هیئت/هیئتی
        از X), else the first side after a nominal سفر, else the head of the relative clause, else the clause's
        subject; the destination follows به (or وارد), else it is the place of what از names before the verb."""
        seen = set()
        for span, _ in self.cue_spans(ACTIVITY, CDO.Visit):
            start, end = self.sentence_of(span.start)
            clause = self.clause_start(span.start)
            destination, visitor_from, visitor_to = None, clause, span.start
            if span.key.endswith((TO, IN)) or span.key == ENTERED:  # با حضور در Y: Y or the body there
                destination = next(iter(self.list_at(span.end)[0]), None)
            if destination is None:
                to = self.last_to(clause, span.start)
                if to is not None:  # X ... به Y سفر کرد
                    destination, visitor_to = self.a.token_entity[to], to - 1
            if destination is None:
                to = self.to_this_place(clause, span.start)
                if to is not None:  # X که به این شهر سفر کرده بود: the place named last before
                    destination, visitor_to = next((e for e in reversed(self.a.entities) if e.end <= to and
                                                    e.kind == PLACE), None), to
            if destination is None:  # سفر هیئت X به Y
                to = next((i for i in range(span.end, min(end, span.end + VISIT_REACH)) if self.tokens[i] == TO
                           and (i + 1) in self.a.token_entity), None)
                if to is not None:
                    destination, visitor_from, visitor_to = self.a.token_entity[to + 1], span.end, to
            if destination is None:  # X از طرح‌های ... جزیره کیش بازدید کرد: the place of the sites seen
                seen_from = next((i for i in range(span.start - 1, clause, -1) if self.tokens[i] == FROM and
                                  self.tokens[i - 1] not in DELEGATION_WORDS), None)
                if seen_from is not None:
                    destination, visitor_to = next((e for e in reversed(self.entities_between(seen_from, span.start))
                                                    if e.kind == PLACE), None), seen_from
            if destination is None or destination.kind == CONCEPT:
                continue
            if visitor_from == span.end:  # سفر هیئت X به Y
                visitor = self.delegation(visitor_from, visitor_to) or next(
                    (e for e in self.entities_between(visitor_from, visitor_to) if e.kind != CONCEPT and
                     e.iri != destination.iri), None)
                if visitor is None and DELEGATION_WORDS & set(self.tokens[visitor_from:visitor_to]):
                    continue  # a delegation whose body is not named (هیئتی از نیش): not the clause's subject
            else:
                visitor = self.relative_head(clause, visitor_to) or self.delegation(clause, span.start)
            if visitor is None:  # the subject; a side after با is a companion or a host (پس از دیدار با X، ...)
                visitor = next((e for e in self.subject(span.start) if e.iri != destination.iri and
                                (e.start == 0 or self.tokens[e.start - 1] != WITH)), None)
            if visitor is None or (visitor.iri, destination.iri) in seen or not self.crosses_border([visitor, destination]):
                continue
            status = self.activity_status(span)
            if status is False:
                continue
            seen.add((visitor.iri, destination.iri))
            fact = Fact("visit", CDO.Visit, [(CDO.participant, visitor.iri), (CDO.participant, destination.iri)],
                        span.start)
            if status is not None:
                fact.links.append((CDO.status, status))
            self.reading.facts.append(fact)

    def activity_status(self, span):
        """Return the status of a visit (or meeting) its own clause reports (None: it took place), or False for none
        at all.

        Planned: its cue is a planned one (سفر خواهد کرد، می‌آید) or one opens its clause before it (قرار است ...
        سفر کند); cancelled: a cancelling cue follows it in its clause (سفر ... لغو شد); a denied, conditional or
        negated visit (اگر ... سفر کند، قصد ندارد ... سفر کند) is none. A cue of a later clause, or after an
        instrument named after the visit, is another fact's (سفر کرد؛ امضای تفاهم‌نامه به تعویق افتاد، در سفر ...
        هیچ سندی امضا نشد)."""
        if self.hypothetical(span.start):
            return False
        start, end = self.clause_start(span.start), self.sentence_of(span.start)[1]
        end = next((i for i in range(span.end, end) if self.tokens[i] in VISIT_BREAKS), end)
        instruments = [g.start for g, _ in self.instrument_groups() if span.end <= g.start < end]
        said = [(x.iri, s.start) for s in self.a.spans if start <= s.start < end for x in s.of_kind(STATUS)
                if s.start < span.end or not any(i < s.start for i in instruments)]  # else the instrument's
        if any(iri == CDO.Denied for iri, _ in said):
            return False
        if any(iri == CDO.Cancelled and at >= span.end for iri, at in said):
            return CDO.Cancelled
        if any(iri == CDO.Planned and at < span.end for iri, at in said):
            return CDO.Planned
        return None

    def to_this_place(self, start, stop):
        """Return the token of به in به این شهر (a place kind after این) between two tokens, or None."""
        for index in range(stop - 3, start - 1, -1):
            kind = self.span_at.get(index + 2)
            if self.tokens[index] == TO and self.tokens[index + 1] == THIS and kind is not None and \
                    PLACE_KIND in kind.kinds():
                return index
        return None

    def relative_head(self, start, stop):
        """Return the entity a relative clause between two tokens is about (X، که ...; X (Latin) که ...), or None."""
        for index in range(stop - 1, start, -1):
            if self.tokens[index] != RELATIVE:
                continue
            head = index - (self.tokens[index - 1] == "،")
            if self.tokens[head - 1] == ")":  # a Latin gloss between the head and که
                head = next((i for i in range(head - 1, start - 1, -1) if self.tokens[i] == "("), head)
            return next((e for e in self.a.entities if e.end == head and e.kind != CONCEPT), None)
        return None

    def read_ceremonies(self, agreements):
        """A signing by officials of both sides (X و Y ... امضا کردند، به امضای شهرداران دو شهر رسید، or in a
        sentence naming it again: این سند را X و Y امضا کردند) is a meeting of the signers and of the officials the next sentence places at the ceremony (در این مراسم). An
        envoy placed there (سفیر ... نیز در مراسم تمدید آن حضور داشت) meets the parties, though no signer is named;
        the officials placed there are at the signing's venue (read_venue_visits)."""
        for fact in agreements:
            if not any(p == CDO.status and o in CEREMONY_STATUSES for p, o in fact.links):
                continue
            start, end = self.sentence_of(fact.start)
            present = self.present_after(end)
            self.attended.append((fact.start, [e.iri for e in present]))
            if any(f.kind == "meeting" and start <= f.start < end for f in self.reading.facts):
                continue  # در دیدار با Y ... امضا کرد: the meeting is read
            parties = {o for p, o in fact.links if p == CDO.party}
            signers = self.one_per_side([e for first, last in self.signing_sentences(fact)
                                         for e in self.entities_between(first, last, POST)
                                         if {_party(e).iri, self.seat(e)} & parties])
            if len({self.seat(e) for e in signers}) < 2:
                signers = self.pair_signers(start, end)
            if not signers and any(self.abroad(e) for e in present):
                named = {_party(e).iri: _party(e) for e in self.entities_between(start, end)}
                signers = [named[iri] for iri in parties if iri in named]  # the parties stand for their officials
            if not signers:
                continue
            participants = self.one_per_side(signers + present)
            if not self.crosses_border(participants):
                continue
            meeting = Fact("meeting", CDO.Meeting, [(CDO.participant, e.iri) for e in participants], fact.start)
            meeting.links.append((CDO.about, fact))
            self.reading.facts.append(meeting)

    def signing_sentences(self, fact):
        """Return the (start, end) tokens of the sentence naming an agreement and of those naming it again with a
        signing or renewal cue (این سند را X و Y امضا کردند)."""
        found = [self.sentence_of(fact.start)]
        for at, named in self.mentioned:
            first, last = self.sentence_of(at)
            if named is fact and any(x.iri in CEREMONY_STATUSES for s in self.a.spans if first <= s.start < last
                                     for x in s.of_kind(STATUS)):
                found.append((first, last))
        return found

    def read_venue_visits(self):
        """A meeting in a named city (در Y امضا شد، در نشست ... که در Y برگزار شد، در شهر Y گفت), or a signing
        there with officials placed at its ceremony, is a visit to Y of each local participant or official from
        another country, unless a visit of its side there, or to Y's
        country, is read (به چین سفر کرده است ... در گوانگجو: one trip)."""
        by_iri = {e.iri: e for e in self.a.entities}
        visited = set()
        for fact in self.reading.facts:
            if fact.kind == "visit":
                visitor, destination = (o for p, o in fact.links if p == CDO.participant)
                visited.add((self.seat(by_iri[visitor]) if visitor in by_iri else visitor, destination))
        meetings = [(f.start, [o for p, o in f.links if p == CDO.participant]) for f in self.reading.facts
                    if f.kind == "meeting"]
        for start, present in meetings + self.attended:
            venue = self.venue(*self.sentence_of(start))
            if venue is None:
                continue
            for iri in present:
                visitor = by_iri.get(iri)
                if visitor is None or not self.local(visitor) or self.nation(visitor) in (None, self.nation(venue)) \
                        or {(self.seat(visitor), venue.iri), (self.seat(visitor), self.nation(venue))} & visited:
                    continue
                visited.add((self.seat(visitor), venue.iri))
                self.reading.facts.append(Fact("visit", CDO.Visit, [(CDO.participant, iri),
                                                                    (CDO.participant, venue.iri)], start))

    def seat(self, entity):
        """Return the IRI of the place a post's body or a body governs, else of the body or place itself."""
        party = _party(entity)
        return next((o for p, o in party.links if p == CDO.governs), party.iri)

    def one_per_side(self, entities):
        """Return one entity per place governed, in order: an official rather than the place it stands for."""
        sides = {}
        for entity in entities:
            if self.seat(entity) not in sides or entity.kind == POST != sides[self.seat(entity)].kind:
                sides[self.seat(entity)] = entity
        return list(sides.values())

    def pair_signers(self, start, end):
        """به امضای شهرداران دو شهر رسید: the two sides named before sign, or nobody."""
        for index in range(start, end - 1):
            role = self.span_at.get(index + 1)
            if self.tokens[index] == SIGNED_BY and role is not None and ROLE in role.kinds() and self.has_phrase(
                    role.end, role.end + 1, PAIR_ANAPHORA):
                return self.sides_before(index)
        return []

    def present_after(self, end):
        """Return the officials the sentence after a signing places at its ceremony: those named right before در
        (این) مراسم (X در این مراسم گفت، ... و X نیز در مراسم تمدید آن حضور داشت), else its clause's subject."""
        if end + 1 >= len(self.tokens):
            return []
        start, stop = self.sentence_of(end + 1)
        at = next((i for i in range(start, stop) if self.tokens[i] == CEREMONY), None)
        if at is None:
            return []
        before, named = at - 1 - (self.tokens[at - 1] == THIS), []
        if self.tokens[before] == IN:
            named = self.list_ending(before - (self.tokens[before - 1] in ALSO))
        return [e for e in named or self.subject(at) if e.kind == POST]

    def venue(self, start, end):
        """Return the city or province a sentence says its event took place in (در Y امضا شد), or None."""
        for index in range(start, end):
            if self.tokens[index] != IN:
                continue
            entity = self.a.token_entity.get(self.skip_place_words(index + 1))
            if entity is not None and entity.kind == PLACE and self.local(entity):
                return entity
        return None

    def last_to(self, start, stop):
        """Return the token of the side right after the last به between two tokens, or None."""
        for index in range(stop - 1, start - 1, -1):
            entity = self.a.token_entity.get(index + 1)
            if self.tokens[index] == TO and entity is not None and entity.kind != CONCEPT:
                return index + 1
        return None

    def delegation(self, start, stop):
        """Return the body a delegation comes from (هیئت X، هیئتی از X) between two tokens, or None; of a body
        not named as a whole, the place its words end with (هیئتی از وزارت بلدیه قطر: Qatar), else the post
        that heads the delegation (هیئتی از ... به ریاست حیدر الجبوری، رئیس بلدیه سامراء)."""
        for index in range(start, min(stop, len(self.tokens))):
            if self.tokens[index] in DELEGATION_WORDS:
                after = index + 1 + (index + 1 < len(self.tokens) and self.tokens[index + 1] == FROM)
                for token in range(after, min(after + DELEGATION_REACH, len(self.tokens))):
                    entity = self.a.token_entity.get(token)
                    if entity is not None and entity.kind != CONCEPT:
                        return entity
                    if self.tokens[token] in PUNCTUATION or self.tokens[token] in (TO, WITH, IN):
                        break
                head = self.find_word(after, min(stop, after + DELEGATION_REACH + 1), HEADED_BY)
                if head is not None:
                    post = self.a.token_entity.get(self.skip_name(head[1] + (self.tokens[head[1]] == "،")))
                    if post is not None and post.kind == POST:
                        return post
        return None

    def sides_at(self, token):
        """Return the sides named at a token: coordinated entities, a delegation's body (هیئتی از X), or the
        delegation named before (این هیئت)."""
        listed = self.list_at(token)[0]
        if listed or token + 1 >= len(self.tokens):
            return listed
        if self.tokens[token] == THIS and self.tokens[token + 1] in DELEGATION_WORDS:
            body = self.delegation(0, token)
        else:
            body = self.delegation(token, token + 1)
        return [body] if body is not None else []

    def read_active_in(self):
        """An organisation followed by فعالیت and a diplomacy concept (در زمینه دیپلماسی شهری فعالیت)."""
        for entity in self.a.entities:
            if entity.kind != ORGANISATION:
                continue
            _, end = self.sentence_of(entity.start)
            window = (entity.end, min(end, entity.end + 8))
            active = any(self.tokens[i].startswith(ACTIVITY_WORD) for i in range(*window))
            for concept in self.concepts_between(*window, CDO.DiplomacyConcept) if active else ():
                self.reading.assertions.append((entity.iri, CDO.activeIn, concept))

    def read_subfields(self):
        """A به‌عنوان یکی از زیربخش‌های B / A زیرمجموعه B: concept A is a narrower field of concept B."""
        concepts = [e for e in self.a.entities if e.kind == CONCEPT and
                    self.lexicon.entity_is_a(e.iri, CDO.DiplomacyConcept)]
        for first, second in zip(concepts, concepts[1:]):
            between = self.tokens[first.end:second.start]
            if len(between) <= 8 and not PUNCTUATION & set(between) and any(
                    t.startswith(SUBFIELD_WORDS) for t in between):
                self.reading.assertions.append((first.iri, CDO.narrowerFieldOf, second.iri))

    def read_topics(self):
        """Diplomacy concepts are topics; cooperation domains too once the statement is diplomatic."""
        concepts = [e for e in self.a.entities if e.kind == CONCEPT]
        diplomatic = bool(self.reading.facts) or bool(self.instrument_groups()) or any(
            self.lexicon.entity_is_a(e.iri, CDO.DiplomacyConcept) for e in concepts) or any(
            self.lexicon.is_a(t, CDO.DiplomaticMission) for e in self.a.entities for t in _party(e).types)
        for entity in concepts:
            if diplomatic or not self.lexicon.entity_is_a(entity.iri, CDO.CooperationDomain):
                self.reading.topics.append(entity.iri)
        self.reading.topics = list(dict.fromkeys(self.reading.topics))

