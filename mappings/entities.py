"""Compose recognised spans into entities: places (with ambiguity cues), organisations, posts, persons and
concepts."""
import csv
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from cdkg.mappings.lexicon import (ACTIVITY, CONCEPT, INSTRUMENT, ORG, ORG_KIND, PLACE, PLACE_KIND, ROLE, SPEECH,
                                   STATUS, latin_key)
from cdkg.mappings.normalize import normalize
from cdkg.mappings.recognize import PUNCTUATION, Span, find_longest
from cdkg.mappings.terms import CDO
from cdkg.ontology.namespaces import CDO as CDO_TERMS, FOAF, ID, ORG as W3C_ORG, SDO

POST, ORGANISATION, PERSON = "post", "org", "person"
PERSON_TYPES = (CDO.Person, FOAF.Person, SDO.Person)
NAME_STOPS_FILE = Path(__file__).with_name("name-stops.csv")
POST_HEADS_FILE = Path(__file__).with_name("post-heads.csv")
FIGURES_FILE = Path(__file__).with_name("figures-fa.csv")
NAMESAKES_FILE = Path(__file__).with_name("namesakes-fa.csv")
CONTINUATIONS_FILE = Path(__file__).with_name("continuations-fa.csv")
PLURAL_PERSONS = "ان"  # the plural of a role (شهرداران): one post per place listed after it
PORTFOLIO_AFTER = ("در", "امور")  # a post's portfolio written after it: معاون شهردار مسکو در امور حمل‌ونقل
PORTFOLIO_WORDS = 4
PORTFOLIO_REACH = 7  # words a post's head may stand before its body (معاون حمل‌ونقل و ترافیک شهرداری تهران)
# A person's name as news writes it beside a post: two to four words (given name and family name, maybe a
# middle or double name), none of them a post, body or verb word, at least one unknown to the lexicon.
NAME_WORDS = (2, 4)
NAME_BREAKS = frozenset({"،", ":", "«", "»", ".", "؟", "!"})
FIGURE_TOKENS = 5  # tokens a historical figure's name may take (جلال‌الدین محمد بلخی)
LATIN_PARTICLES = frozenset({"de", "da", "do", "dos", "del", "della", "di", "du", "la", "le", "van", "von", "al", "el",
                             "bin", "ibn"})  # lower-case words inside a Latin person's name (Afonso de Albuquerque)
NOT_IN_NAMES = frozenset({ROLE, ORG, ORG_KIND, SPEECH, STATUS})

# Tokens that name the host country's capital or mark a mission's location; grammar, not lexicon.
IN_WORDS = frozenset({"در"})
TO_WORDS = frozenset({"به"})
CAPITAL_WORDS = frozenset({"پایتخت"})
THIS = "این"  # شهردار این شهر: the place of that kind named before
COORDINATORS = frozenset({"و", "،"})
LIST_OPENERS = frozenset({"بین", "میان"})
# A preposition governs a noun, so a name whose everyday reading is an adjective (ساری 'contagious') is the place
# right after one, when a clause boundary, را or another preposition follows (از ساری، با ساری را، در ساری به).
PREPOSITIONS = frozenset({"از", "به", "در", "با", "تا", "برای"})
AFTER_GOVERNED = frozenset({"را"}) | PREPOSITIONS
# Words a chamber of commerce's name may hold between its kind and its place (اتاق بازرگانی و صنایع اربیل).
CHAMBER_WORDS = 2
# Words of a university's or club's own name between its kind and its place (دانشگاه فردوسی مشهد، دانشگاه خلیج
# فارس بوشهر، باشگاه استقلال تهران).
NAME_OF_OWN_WORDS = 2
NAMED_KINDS = (CDO.University, CDO.SportsClub)
ROLE_GAP = 3  # unknown words allowed between a role and its organisation (مدیرکل روابط بین‌الملل شهرداری X)
HOME_COUNTRY = ID["place/iran"]  # where a foreign mission is when the text does not say (سفیر قطر)
# A one-word city name is read without a context cue only for cities this large: the gazetteer's
# thousands of small towns share names with common words (سایر، تازه، جان). Home-country towns are
# named more often, so their bar is lower.
SURE_POPULATION = 200_000
SURE_HOME_POPULATION = 50_000


@dataclass(slots=True)
class Entity:
    """A place, organisation, post or concept found in a statement, with what describes it."""

    iri: object
    kind: str
    start: int
    end: int
    types: tuple = ()
    label_fa: str | None = None
    label_en: str | None = None
    links: tuple = ()  # (predicate, object) pairs the pipeline states about a minted entity
    parts: tuple = ()  # entities it was composed from (a post's organisation, a municipality's city)

    def closure(self):
        """Yield the entity and every entity it was composed from."""
        yield self
        for part in self.parts:
            yield from part.closure()


@dataclass(slots=True)
class Analysis:
    """Everything the relation rules read: tokens, spans and entities in text order."""

    tokens: list
    spans: list
    entities: list = field(default_factory=list)
    token_entity: dict = field(default_factory=dict)  # token index where an entity starts -> entity
    inner_cues: list = field(default_factory=list)  # instrument words inside a longer cue (خواهرخوانده شد)
    starts: list = field(default_factory=list)  # character offset of each token in the normalised text
    persons: list = field(default_factory=list)  # named persons, each beside the post it holds
    holders: list = field(default_factory=list)  # (post, person): org:heldBy
    going_on: list = field(default_factory=list)  # (start, end, name) opening a clause before X افزود


def _latin(word):
    """Tell whether a word is written in Latin letters, accents included (Darío)."""
    return word.isalpha() and all(c < "\u0250" for c in word)


def _slug(iri, kind):
    return str(iri)[len(str(ID[f"{kind}/"])):]


def _role_slug(role):
    return re.sub(r"(?<!^)(?=[A-Z])", "-", str(role).rsplit("#", 1)[-1]).lower()


class EntityComposer:
    """Turn spans into entities by the grammar of Persian noun phrases (role + whose, kind + place)."""

    def __init__(self, lexicon, name_stops=None, post_heads=None, figures=None, namesakes=None):
        self.lexicon = lexicon
        self.name_stops = name_stops if name_stops is not None else read_name_stops()
        self.post_heads = post_heads if post_heads is not None else read_post_heads()
        self.figures = figures if figures is not None else read_figures()
        self.namesakes = namesakes if namesakes is not None else read_word_keys(NAMESAKES_FILE)
        self.continuations = read_word_keys(CONTINUATIONS_FILE, "phrase")

    # ---- places
    def place_entity(self, span, sense_iri):
        """Return the entity of a gazetteer place or organisation."""
        entry = self.lexicon.entries[sense_iri]
        kind = PLACE if any(s.kind == PLACE and s.iri == sense_iri for s in span.senses) else ORGANISATION
        links = ((CDO.country, entry.country),) if entry.minted and entry.country else ()
        return Entity(sense_iri, kind, span.start, span.end, entry.types, entry.label_fa, entry.label_en, links)

    def choose_place(self, span, want=None, mentioned_countries=()):
        """Pick the place sense of a span: of the wanted class, in a mentioned country, in Iran, else first."""
        senses = [s.iri for s in span.senses if s.kind == PLACE]
        if want is not None:
            senses = [iri for iri in senses if self.lexicon.entity_is_a(iri, want)] or senses

        def rank(iri):
            entry = self.lexicon.entries[iri]
            is_city = self.lexicon.entity_is_a(iri, CDO.City)
            return (entry.country not in mentioned_countries, not is_city, -entry.population)

        return min(senses, key=rank) if senses else None

    def concept_entity(self, span):
        """Return the entity of a SKOS concept span."""
        sense = span.of_kind(CONCEPT)[0]
        entry = self.lexicon.entries[sense.iri]
        return Entity(sense.iri, CONCEPT, span.start, span.end, entry.types, entry.label_fa, entry.label_en)

    # ---- organisations minted by pattern from a place
    def governing_body(self, kind, place, start, end):
        """Mint the municipality or council of a place, refining a generic council by the place's class."""
        lex = self.lexicon
        if lex.is_a(kind, CDO.Council):
            if lex.entity_is_a(place.iri, CDO.Province):
                kind = CDO.ProvincialCouncil
            elif lex.entity_is_a(place.iri, CDO.City):
                kind = CDO.CityCouncil
            else:
                return None
        elif kind == CDO.Municipality:
            # a city's, or a foreign division's (the Gulf states' municipalities serve a governorate: بلدیه ظفار)
            if not (lex.entity_is_a(place.iri, CDO.City) or self._foreign_division(place.iri)) or lex.entity_is_a(
                    place.iri, CDO.Country):
                return None
        elif kind == CDO.Governorate:
            if lex.entity_is_a(place.iri, CDO.Country):
                return None
        elif kind == CDO.ChamberOfCommerce or any(lex.is_a(kind, named) for named in NAMED_KINDS):
            # a city's, a province's or a country's (اتاق بازرگانی اراک، دانشگاه علوم پزشکی ایلام)
            if lex.entity_is_a(place.iri, CDO.Region):
                return None
            return self.body_in(kind, place, start, end)
        else:
            return None
        slug = _slug(place.iri, "place")
        suffix = {CDO.Municipality: "municipality", CDO.CityCouncil: "city-council",
                  CDO.ProvincialCouncil: "provincial-council", CDO.Governorate: "governorate"}[kind]
        kind_entry = lex.entries.get(kind)
        label_fa = f"{kind_entry.label_fa if kind_entry else ''} {place.label_fa}".strip()
        kind_en = kind_entry.label_en.title() if kind_entry else ""
        # a division the gazetteer names by its body's kind (Wasit Governorate) lends the body its name
        label_en = place.label_en if kind_en and place.label_en.endswith(kind_en) else f"{place.label_en} {kind_en}".strip()
        links = [(CDO.governs, place.iri)]
        country = lex.entries[place.iri].country if place.iri in lex.entries else None
        if country:
            links.append((CDO.country, country))
        slug = slug if slug.endswith(f"-{suffix}") else f"{slug}-{suffix}"
        return Entity(ID[f"org/{slug}"], ORGANISATION, start, end, (kind,), label_fa, label_en,
                      tuple(links), (place,))

    def district_municipality(self, city, number, start, end):
        """Mint the municipality of a city's numbered district (شهرداری منطقه ۴ تهران)."""
        lex = self.lexicon
        kind, district = lex.entries.get(CDO.Municipality), lex.entries.get(CDO.Region)
        country = lex.entries[city.iri].country if city.iri in lex.entries else None
        return Entity(ID[f"org/{_slug(city.iri, 'place')}-district-{number}-municipality"], ORGANISATION, start, end,
                      (CDO.Municipality,), f"{kind.label_fa if kind else ''} {district.label_fa if district else ''} "
                      f"{number} {city.label_fa}", f"{city.label_en} District {number} Municipality",
                      ((CDO.country, country),) if country else (), (city,))

    def body_in(self, kind, place, start, end, name=()):
        """Mint a chamber of commerce, a university or a club of a place, maybe with a name of its own before the
        place (دانشگاه فردوسی مشهد); it is in the place's country (a body that governs nothing)."""
        entry, kind_entry = self.lexicon.entries.get(place.iri), self.lexicon.entries.get(kind)
        country = place.iri if self.lexicon.entity_is_a(place.iri, CDO.Country) else entry.country if entry else None
        kind_en = kind_entry.label_en if kind_entry else _role_slug(kind).replace("-", " ")
        slug = f"{_slug(place.iri, 'place')}-{kind_en.replace(' ', '-')}"
        if name:  # one IRI per name and place, labelled as written
            slug += "-" + hashlib.sha256("".join(name).encode("utf-8")).hexdigest()[:8]
        label_fa = " ".join([kind_entry.label_fa if kind_entry else "", *name, place.label_fa]).strip()
        label_en = " ".join(w if w == "of" else w.capitalize() for w in kind_en.split())
        return Entity(ID[f"org/{slug}"], ORGANISATION, start, end, (kind,), label_fa,
                      f"{place.label_en} {label_en}" if not name else f"{label_en} in {place.label_en}",
                      ((CDO.country, country),) if country else (), (place,))

    def _foreign_division(self, iri):
        """Tell whether a place is a first-level division of another country."""
        return self.lexicon.entity_is_a(iri, CDO.Province) and self.lexicon.entries[iri].country != HOME_COUNTRY

    def mission(self, kind, country, host, start, end):
        """Mint the embassy of a country in another country, or its consulate in a city."""
        lex = self.lexicon
        if not lex.entity_is_a(country.iri, CDO.Country):
            return None
        kind_entry = lex.entries.get(kind)
        kind_fa = kind_entry.label_fa if kind_entry else ""
        if kind == CDO.Embassy:
            host_country = host.iri if lex.entity_is_a(host.iri, CDO.Country) else lex.entries[host.iri].country
            if host_country is None or host_country == country.iri or host_country not in lex.entries:
                return None
            host_entry = lex.entries[host_country]
            accredited = Entity(host_country, PLACE, host.start, host.end, host_entry.types, host_entry.label_fa,
                                host_entry.label_en)
            iri = ID[f"org/embassy-of-{_slug(country.iri, 'place')}-in-{_slug(host_country, 'place')}"]
            parts = (country, accredited) if host.iri == host_country else (country, host, accredited)
            return Entity(iri, ORGANISATION, start, end, (CDO.Embassy,),
                          f"{kind_fa} {country.label_fa} در {host_entry.label_fa}",
                          f"Embassy of {country.label_en} in {host_entry.label_en}",
                          ((CDO.ofCountry, country.iri), (CDO.accreditedTo, host_country)), parts)
        if kind == CDO.Consulate and lex.entity_is_a(host.iri, CDO.City):
            host_country = lex.entries[host.iri].country
            iri = ID[f"org/consulate-of-{_slug(country.iri, 'place')}-in-{_slug(host.iri, 'place')}"]
            links, parts = [(CDO.ofCountry, country.iri)], [country, host]
            if host_country in lex.entries and host_country != country.iri:
                entry = lex.entries[host_country]
                links.append((CDO.accreditedTo, host_country))
                parts.append(Entity(host_country, PLACE, host.start, host.end, entry.types, entry.label_fa,
                                    entry.label_en))
            return Entity(iri, ORGANISATION, start, end, (CDO.Consulate,),
                          f"{kind_fa} {country.label_fa} در {host.label_fa}",
                          f"Consulate of {country.label_en} in {host.label_en}", tuple(links), tuple(parts))
        return None

    def government(self, country, start, end):
        """Mint the national government of a country."""
        if not self.lexicon.entity_is_a(country.iri, CDO.Country):
            return None
        kind_entry = self.lexicon.entries.get(CDO.Government)
        return Entity(ID[f"org/{_slug(country.iri, 'place')}-government"], ORGANISATION, start, end,
                      (CDO.Government,), f"{kind_entry.label_fa if kind_entry else ''} {country.label_fa}".strip(),
                      f"Government of {country.label_en}", ((CDO.country, country.iri),), (country,))

    def post(self, role, org, start, end):
        """Mint the post of a role in an organisation."""
        role_entry = self.lexicon.entries.get(role)
        role_fa = role_entry.label_fa if role_entry else ""
        role_en = role_entry.label_en if role_entry else _role_slug(role)
        org_fa = org.label_fa
        head, _, last = role_fa.rpartition(" ")
        if head and org_fa.split(" ", 1)[0] in (last, last + "ی"):
            role_fa = head  # the role's words end with the body's kind: رئیس دانشگاه + دانشگاه تبریز
        governed = next((obj for pred, obj in org.links if pred == CDO.governs), None)
        if governed is not None and org.types[0] in (CDO.Municipality, CDO.Governorate):
            org_fa = org.parts[0].label_fa  # "شهردار شیراز", as Persian says it
        org_slug = _slug(org.iri, "org")
        return Entity(ID[f"post/{_role_slug(role)}/{org_slug}"], POST, start, end, (role,),
                      f"{role_fa} {org_fa}".strip(), f"{role_en[:1].upper()}{role_en[1:]} of {org.label_en}",
                      ((W3C_ORG.postIn, org.iri),), (org,))

    @staticmethod
    def person(name, post, start, end, scope=""):
        """Mint a named person: the same name in the same post is the same IRI (in any statement); a name with
        no post is one person only within its scope (the statement's text)."""
        key = "".join(name.split()).replace("\u200c", "")
        digest = hashlib.sha256(f"{key}|{post.iri if post else scope}".encode("utf-8")).hexdigest()[:16]
        return Entity(ID[f"person/{digest}"], PERSON, start, end, PERSON_TYPES, name, None, (),
                      (post,) if post else ())

    # ---- the walk over spans
    def compose(self, tokens, spans, text=None, starts=None, joined=frozenset()):
        """Return the analysis of a statement: its entities, composed left to right (and the persons named
        beside posts, when the text and token offsets are given)."""
        analysis = Analysis(tokens, spans)
        accepted = self._accepted_places(tokens, spans, joined)
        countries = {
            s.iri for span in spans if id(span) in accepted for s in span.of_kind(PLACE)
            if self.lexicon.entity_is_a(s.iri, CDO.Country)
        }
        walk = _Walk(self, tokens, spans, accepted, countries, analysis.entities)
        index = 0
        while index < len(spans):
            found, index = walk.phrase(index)
            analysis.entities.extend(found)
        analysis.entities.extend(self._inner_phrases(tokens, spans, analysis.inner_cues))
        analysis.entities.sort(key=lambda e: e.start)
        if text is not None:
            analysis.starts = starts
            self._bodies_named_within(analysis, text)
            self._composite_posts(analysis, text)
            self._portfolios_after(analysis)
            _Names(self, analysis, text, joined).read()
        for entity in analysis.entities:
            analysis.token_entity.setdefault(entity.start, entity)
        return analysis

    def _composite_posts(self, analysis, text):
        """Read "head + portfolio + body" as a post (معاون امور بین‌الملل شهرداری X، مدیرکل روابط عمومی و امور
        بین‌الملل استانداری X، رئیس کمیسیون فرهنگی شورای اسلامی شهر X): the head word and the body's kind
        give the post's class (mappings/post-heads.csv). Words ending in a place with no body named are the
        body of that place (مدیرکل آموزش و پرورش خوزستان), after the head itself (به سرپرستی X is no post)."""
        tokens, starts_at = analysis.tokens, {e.start: e for e in analysis.entities}
        inside = {i for e in analysis.entities if e.kind in (POST, ORGANISATION) for i in range(e.start, e.end)}
        for index, token in enumerate(tokens):
            head = token[:-1] if token.endswith("ی") and token[:-1] in self.post_heads else token
            if head not in self.post_heads or index in inside:
                continue
            body, portfolio, plain = None, [], True
            reach = index + 1 + PORTFOLIO_REACH
            for position in range(index + 1, len(tokens)):
                if position >= reach + portfolio.count("،"):
                    break
                if tokens[position] in PUNCTUATION and not (tokens[position] == "،" and portfolio and "و" in tokens[
                        position + 1:reach + portfolio.count("،") + 1]):
                    break  # a comma lists the portfolio's parts (میراث فرهنگی، گردشگری و صنایع دستی)
                found = starts_at.get(position)
                if found is not None and found.kind == ORGANISATION:
                    body = found
                    break
                if found is not None and found.kind == PLACE and portfolio and plain and head == token:
                    body = self.body_named_by(analysis, text, index + 1, found)
                    break
                if found is not None and found.kind != CONCEPT:
                    break
                plain = plain and (tokens[position] not in self.name_stops or tokens[position] in COORDINATORS)
                portfolio.append(tokens[position])
            if body is None:
                continue
            role = next((cls for kind, within, cls in self.post_heads[head]
                         if any(self.lexicon.is_a(t, kind) for t in body.types)
                         and (not within or (not portfolio if within == "-" else within in portfolio))), None)
            if role is None:
                continue
            post = self.post(role, body, index, body.end)
            analysis.entities = [e for e in analysis.entities if not index <= e.start < body.end] + [post]
            inside.update(range(index, body.end))
        analysis.entities.sort(key=lambda e: e.start)

    def _bodies_named_within(self, analysis, text):
        """Read "سازمان + words + place or governing body" as a body of its own (سازمان بوستان‌ها و فضای سبز شهر
        تهران، سازمان آتش‌نشانی و خدمات ایمنی شهرداری یزد): the words name what it does, not a party beside it."""
        tokens, starts_at = analysis.tokens, {e.start: e for e in analysis.entities}
        inside = {i for e in analysis.entities if e.kind != CONCEPT for i in range(e.start, e.end)}
        for span in analysis.spans:
            if span.start in inside or not any(s.iri == CDO.Organization for s in span.of_kind(ORG_KIND)):
                continue
            body = None
            for position in range(span.end, min(len(tokens), span.end + 1 + PORTFOLIO_REACH)):
                found = starts_at.get(position)
                if found is not None and found.kind in (PLACE, ORGANISATION) and position > span.end:
                    within = found if found.kind == PLACE else next(
                        (part for part in found.parts if part.kind == PLACE), None)
                    if within is not None and (found.kind == PLACE or any(
                            pred == CDO.governs for pred, _ in found.links)):
                        body = self.body_named_by(analysis, text, span.start, within, found)
                    break
                if (found is not None and found.kind != CONCEPT) or tokens[position] in PUNCTUATION or (
                        tokens[position] in self.name_stops and tokens[position] not in COORDINATORS):
                    break
            if body is None:
                continue
            analysis.entities = [e for e in analysis.entities if not span.start <= e.start < body.end] + [body]
            inside.update(range(span.start, body.end))
        analysis.entities.sort(key=lambda e: e.start)

    def _portfolios_after(self, analysis):
        """Extend a post over the portfolio written after it (معاون شهردار مسکو در امور حمل‌ونقل): a few words
        no other phrase claims, up to a verb, a preposition or punctuation."""
        tokens = analysis.tokens
        claimed = {i for span in analysis.spans if span.kinds() - {CONCEPT} for i in range(span.start, span.end)}
        claimed |= {i for e in analysis.entities if e.kind != CONCEPT for i in range(e.start, e.end)}
        for number, post in enumerate(analysis.entities):
            if post.kind != POST or tuple(tokens[post.end:post.end + 2]) != PORTFOLIO_AFTER:
                continue
            first = last = post.end + 2
            while (last < len(tokens) and last - first < PORTFOLIO_WORDS and last not in claimed
                   and tokens[last] not in PUNCTUATION and (tokens[last] not in self.name_stops or tokens[last] == "و")):
                last += 1
            if last > first and tokens[last - 1] != "و":
                analysis.entities[number] = replace(post, end=last)

    def body_named_by(self, analysis, text, start, place, named=None):
        """Mint the organisation that words before a place name (آموزش و پرورش خوزستان، سازمان منطقه آزاد
        کیش), or before the place's governing body that is its part (... شهرداری یزد): one IRI per wording and
        place, labelled as written."""
        named = named or place
        label = text[analysis.starts[start]:analysis.starts[named.end - 1] + len(analysis.tokens[named.end - 1])]
        key = "".join(analysis.tokens[start:named.start])
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
        country = self.lexicon.entries[place.iri].country if place.iri in self.lexicon.entries else None
        return Entity(ID[f"org/{_slug(place.iri, 'place')}-{digest}"], ORGANISATION, start, named.end,
                      (CDO.Organization,), label, f"Organisation in {place.label_en}",
                      ((CDO.country, country),) if country else (), (named,))

    def _inner_phrases(self, tokens, spans, inner_cues):
        """Yield concepts named inside a cue or instrument phrase, and collect the instrument words inside
        a status cue: the longer phrase hides neither (خواهرخوانده هستند، تفاهم‌نامه خواهرخواندگی)."""
        for span in spans:
            kinds = span.kinds()
            if kinds & {CONCEPT, PLACE, ORG, ROLE, ORG_KIND}:
                continue
            for start in range(span.start, span.end):
                inner = find_longest(tokens[:span.end - (start == span.start)], start, self.lexicon)
                if inner is None or (inner.start, inner.end) == (span.start, span.end):
                    continue
                if inner.of_kind(CONCEPT):
                    concept = Span(inner.start, inner.end, inner.key, tuple(inner.of_kind(CONCEPT)), inner.text_key)
                    yield self.concept_entity(concept)
                if INSTRUMENT not in kinds and inner.of_kind(INSTRUMENT):
                    inner_cues.append(Span(inner.start, inner.end, inner.key, tuple(inner.of_kind(INSTRUMENT)),
                                           inner.text_key))

    def _accepted_places(self, tokens, spans, joined=frozenset()):
        """Return ids of place spans to read as places; ambiguous or minor names need a context cue."""
        sure = {id(s) for s in spans if s.of_kind(PLACE) and self._is_sure(s, joined)}
        accepted = set(sure)
        for position, span in enumerate(spans):
            if id(span) in sure or not span.of_kind(PLACE):
                continue
            if self._has_place_cue(tokens, spans, position, sure):
                accepted.add(id(span))
        return accepted

    def _is_sure(self, span, joined=frozenset()):
        """A name reads as a place by itself unless listed as ambiguous or a one-word minor town."""
        if span.key in self.lexicon.ambiguous:
            return False
        if span.key in self.lexicon.multiword and (span.end - span.start > 1 or not any(
                self._foreign_division(sense.iri) for sense in span.of_kind(PLACE))):
            return True  # a several-word name; a division's written as one word is another word (استانبولی)
        if sum(1 for i in range(span.start, span.end) if i not in joined) > 1:
            return False  # a one-word name met across words by chance (داد و ≠ دادو); شی‌آن is one word
        for sense in span.of_kind(PLACE):
            entry = self.lexicon.entries[sense.iri]
            if self._foreign_division(sense.iri):
                continue  # a foreign division's one-word name (واسط، تاتارستان) is read beside a role, kind or country
            if not self.lexicon.entity_is_a(sense.iri, CDO.City):
                return True
            bar = SURE_HOME_POPULATION if entry.country == HOME_COUNTRY else SURE_POPULATION
            if entry.population >= bar:
                return True
        return False

    def _has_place_cue(self, tokens, spans, position, sure):
        span = spans[position]
        before = spans[position - 1] if position > 0 and spans[position - 1].end == span.start else None
        after = spans[position + 1] if position + 1 < len(spans) and spans[position + 1].start == span.end else None
        if before is not None and before.kinds() & {PLACE_KIND, ORG_KIND, ROLE}:
            return True  # شهر دوشنبه، شهرداری دوشنبه، شهردار بم
        if before is not None and before.of_kind(PLACE) and self._country_of_place(before, span):
            return True  # کاشغر چین، سین‌کیانگ چین: a place and its own country vouch for each other
        if after is not None and (id(after) in sure or self._country_of_place(span, after)) and any(
            self.lexicon.entity_is_a(s.iri, CDO.Country) for s in after.of_kind(PLACE)
        ):
            return True  # وان ترکیه
        if self._visited(tokens, before, span, after):
            return True  # در سفر به کیش، به چین سفر کرد
        if span.end < len(tokens) and tokens[span.end] in CAPITAL_WORDS:
            return True  # دوشنبه پایتخت تاجیکستان
        if span.end + 2 < len(tokens) and tokens[span.end] == "(" and tokens[span.end + 1].isascii() and (
                tokens[span.end + 1][:1].isupper()):
            return True  # پاترا (Patras): a name glossed in Latin letters is a proper name
        if span.start > 0 and tokens[span.start - 1] in IN_WORDS and position > 0:
            host_of = spans[position - 1]
            if host_of.end == span.start - 1 and (ROLE in host_of.kinds() or (id(host_of) in sure and any(
                    self.lexicon.entity_is_a(s.iri, CDO.Country) for s in host_of.of_kind(PLACE)))):
                return True  # سفیر ایران در قطر
        if self._in_party_list(tokens, spans, position):
            return True  # بین مشهد و دوشنبه
        if span.key in self.lexicon.adjectival and span.start > 0 and tokens[span.start - 1] in PREPOSITIONS and (
                span.end == len(tokens) or tokens[span.end] in PUNCTUATION | AFTER_GOVERNED):
            return True  # به ساری، (not بیماری ساری)
        return self._coordinated_with_place(tokens, spans, position, sure)

    def _visited(self, tokens, before, span, after):
        """Tell whether a name is the destination of a visit: after the visit cue "در سفر به", or between "به" and
        a visit cue (به دوشنبه سفر کرد)."""
        if before is not None and self._is_visit(before) and tokens[before.end - 1] in TO_WORDS:
            return True
        return (after is not None and span.start > 0 and tokens[span.start - 1] in TO_WORDS
                and self._is_visit(after))

    def _is_visit(self, span):
        return any(self.lexicon.is_a(sense.iri, CDO.Visit) for sense in span.of_kind(ACTIVITY))

    def _country_of_place(self, place, country):
        """Tell whether a span names the country of a place named by another span."""
        countries = {s.iri for s in country.of_kind(PLACE)}
        return any(self.lexicon.entries[s.iri].country in countries for s in place.of_kind(PLACE))

    @staticmethod
    def _in_party_list(tokens, spans, position):
        """Tell whether a name is in a list opened by بین/میان (بین کیش و لنکران، میان شهرداری X و Y)."""
        span, index = spans[position], position - 1
        token = span.start - 1
        while token >= 0:
            if tokens[token] in LIST_OPENERS:
                return True
            if tokens[token] in COORDINATORS:
                token -= 1
                continue
            if index < 0 or spans[index].end != token + 1 or not spans[index].kinds() & {PLACE, ORG, ORG_KIND, PLACE_KIND}:
                return False
            token, index = spans[index].start - 1, index - 1
        return False

    @staticmethod
    def _coordinated_with_place(tokens, spans, position, sure):
        """Tell whether a name is listed with a surely recognised place (تبریز و وان، بین مشهد و دوشنبه)."""
        span = spans[position]
        if position > 0 and span.start > 0 and tokens[span.start - 1] in COORDINATORS:
            previous = spans[position - 1]
            if previous.end == span.start - 1 and id(previous) in sure:
                return True
        if position + 1 < len(spans) and span.end < len(tokens) and tokens[span.end] in COORDINATORS:
            following = spans[position + 1]
            if following.start == span.end + 1 and id(following) in sure:
                return True
        return False


def read_post_heads(path=POST_HEADS_FILE):
    """Return {head word: [(body class, word the portfolio must hold, "-" for none, or "", post class)]}, most
    specific first."""
    heads = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            heads.setdefault(row["head"], []).append((CDO_TERMS[row["body"]], row["within"], CDO_TERMS[row["post"]]))
    return heads


def read_name_stops(path=NAME_STOPS_FILE):
    """Return the words that end a person's name (prepositions, titles, date words), as text keys."""
    with open(path, encoding="utf-8", newline="") as handle:
        return frozenset(row["word"] for row in csv.DictReader(handle))


def read_word_keys(path, column="word"):
    """Return a column of a word table as text keys (normalised, spaces and ZWNJ removed)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return frozenset("".join(normalize(row[column]).split()).replace("\u200c", "")
                         for row in csv.DictReader(handle))


def read_figures(path=FIGURES_FILE):
    """Return {text key of a way of writing: person} for the historical figures news names without a post
    (poets, scholars, rulers); each is one IRI however written, labelled as first written in the table."""
    figures, first = {}, {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            written = normalize(row["fa"])
            slug = re.sub(r"[^a-z0-9]+", "-", row["en"].casefold()).strip("-")
            person = first.setdefault(slug, Entity(ID[f"person/{slug}"], PERSON, 0, 0, PERSON_TYPES, written,
                                                   row["en"]))
            figures["".join(written.split()).replace("\u200c", "")] = person
    return figures


class _Names:
    """Read the persons named beside a post: `X، شهردار تبریز،`, `شهردار تبریز، X،`, `و X مدیرکل ...`."""

    def __init__(self, composer, analysis, text, joined):
        self.composer, self.a, self.text, self.joined = composer, analysis, text, joined
        self.tokens = analysis.tokens
        self.covered = {}  # token -> the span covering it
        for span in analysis.spans:
            for index in range(span.start, span.end):
                self.covered[index] = span

    def read(self):
        taken = set()
        for post in [e for e in self.a.entities if e.kind == POST]:
            run = self.before(post.start) or self.after(post.end)
            if run is None or taken & set(range(*run)):
                continue
            taken.update(range(*run))
            start, end = run
            last = self.a.starts[end - 1] + len(self.tokens[end - 1])
            person = self.composer.person(self.text[self.a.starts[start]:last], post, start, end)
            self.a.persons.append(person)
            self.a.holders.append((post, person))
            # a given name that is also a place or word (صوفیه احمدی، پیمان رحیمی) is part of the name
            self.a.entities = [e for e in self.a.entities if not (start <= e.start < end)]
        self.figures(taken)
        self.glossed(taken)
        self.going_on(taken)

    def going_on(self, taken):
        """Keep a name opening its clause right before a verb that continues a quote (علی احمدی افزود): the
        relation rules give it the speaker's post. Its words are all unknown to the lexicon and no post head."""
        tokens = self.tokens
        for end in range(1, len(tokens)):
            if not any("".join(tokens[end:end + n]) in self.composer.continuations for n in (1, 2, 3)):
                continue
            start = end
            while start > 0 and self.name_token(start - 1) and end - start < 2 * NAME_WORDS[1]:
                start -= 1
            opener = tokens[start - 1] if start > 0 else "."
            if (opener in NAME_BREAKS and self.valid(start, end) and not taken & set(range(start, end))
                    and all(i not in self.covered and tokens[i] not in self.composer.post_heads
                            for i in range(start, end))):
                last = self.a.starts[end - 1] + len(tokens[end - 1])
                self.a.going_on.append((start, end, self.text[self.a.starts[start]:last]))

    def figures(self, taken):
        """Read the historical figures of mappings/figures-fa.csv (مولانا، شمس تبریزی، شاه عباس), not where a
        place is named after one (دانشگاه فردوسی) nor where a one-word one is part of a longer name (شاهرخ
        احمدی، حافظ منافع)."""
        tokens, index = self.tokens, 0
        while index < len(tokens):
            found = None
            for end in range(min(len(tokens), index + FIGURE_TOKENS), index, -1):
                figure = self.composer.figures.get("".join(tokens[index:end]))
                if figure is not None and end in self.joined:
                    continue  # the start of a longer ZWNJ-joined word
                if figure is not None:
                    found = figure, end
                    break
            if found is None or taken & set(range(index, found[1])) or (
                    index > 0 and tokens[index - 1] in self.composer.namesakes):
                index += 1
                continue
            figure, end = found
            one_word = all(i in self.joined for i in range(index + 1, end))
            if one_word and end < len(tokens) and self.name_token(end) and end not in self.covered:
                index += 1
                continue
            taken.update(range(index, end))
            self.a.persons.append(Entity(figure.iri, PERSON, index, end, figure.types, figure.label_fa,
                                         figure.label_en))
            self.a.entities = [e for e in self.a.entities if not (index <= e.start < end)]
            index = end

    def glossed(self, taken):
        """Read a name glossed by a Latin person's name, as many words as the gloss (روبن داریو (Rubén Darío)):
        words unknown to the lexicon, the gloss no place's name."""
        tokens = self.tokens
        for opening, token in enumerate(tokens):
            if token != "(":
                continue
            closing = next((i for i in range(opening + 1, len(tokens)) if tokens[i] == ")"), None)
            gloss = tokens[opening + 1:closing] if closing is not None else []
            if not (NAME_WORDS[0] <= len(gloss) <= NAME_WORDS[1]) or not all(
                    _latin(w) and (w[0].isupper() or w in LATIN_PARTICLES) for w in gloss) or (
                    not gloss[0][0].isupper() or latin_key(" ".join(gloss)) in self.composer.lexicon.latin_places):
                continue
            start, words = opening, 0
            while start > 0 and words < len(gloss):
                start -= 1
                words += start not in self.joined
            while start in self.joined:
                start -= 1
            if words < len(gloss) or taken & set(range(start, opening)) or not all(
                    self.name_token(i) and i not in self.covered and tokens[i] not in self.composer.namesakes
                    for i in range(start, opening)):
                continue
            taken.update(range(start, opening))
            last = self.a.starts[opening - 1] + len(tokens[opening - 1])
            self.a.persons.append(self.composer.person(self.text[self.a.starts[start]:last], None, start, opening,
                                                       self.text))

    def name_token(self, index):
        token = self.tokens[index]
        span = self.covered.get(index)
        return (token not in PUNCTUATION and token not in self.composer.name_stops and token not in self.composer.post_heads
                and not any(c.isdigit() for c in token)
                and (span is None or not span.kinds() & NOT_IN_NAMES))

    def valid(self, start, end):
        """A name has two to four words (ZWNJ-joined parts are one word), one at least unknown to the lexicon."""
        words = sum(1 for i in range(start, end) if i not in self.joined)
        return (NAME_WORDS[0] <= words <= NAME_WORDS[1]
                and any(i not in self.covered for i in range(start, end)))

    def skip_latin(self, index, step):
        """Skip a parenthesised transcription beside a name (آندری کوزنتسوف (Andrei Kuznetsov)،)."""
        close, open_ = (")", "(") if step < 0 else ("(", ")")
        if 0 <= index < len(self.tokens) and self.tokens[index] == close:
            while 0 <= index < len(self.tokens) and self.tokens[index] != open_:
                index += step
            index += step
        return index

    def before(self, post_start):
        """`X، POST` (a comma between) or `و X POST` / a name opening its clause right before the post."""
        comma = post_start > 0 and self.tokens[post_start - 1] == "،"
        end = self.skip_latin(post_start - 2 if comma else post_start - 1, -1) + 1
        start = end
        while start > 0 and self.name_token(start - 1) and end - start < 2 * NAME_WORDS[1]:
            start -= 1
        opener = self.tokens[start - 1] if start > 0 else "."
        if start == end or not self.valid(start, end):
            return None
        if not comma and (opener not in NAME_BREAKS | {"و"} or any(i in self.covered for i in range(start, end))):
            return None  # without a comma only unknown words opening a clause (و امین نصرتی مدیرکل ...)
        if comma and opener not in NAME_BREAKS and opener not in self.composer.name_stops:
            return None
        return start, end

    def after(self, post_end):
        """`POST، X،`: a name between two commas after the post."""
        if post_end >= len(self.tokens) or self.tokens[post_end] != "،":
            return None
        start = end = post_end + 1
        while end < len(self.tokens) and self.name_token(end) and end - start < 2 * NAME_WORDS[1]:
            end += 1
        closing = self.skip_latin(end, 1)
        if closing >= len(self.tokens) or self.tokens[closing] != "،" or not self.valid(start, end):
            return None
        return start, end


class _Walk:
    """One left-to-right pass over a statement's spans that reads noun phrases into entities."""

    def __init__(self, composer, tokens, spans, accepted, countries, found=()):
        self.composer, self.lexicon = composer, composer.lexicon
        self.tokens, self.spans, self.accepted, self.countries = tokens, spans, accepted, countries
        self.found = found  # the entities read so far, in text order

    def span(self, index):
        """Return the span at an index, or None past the end."""
        return self.spans[index] if index < len(self.spans) else None

    def adjacent(self, index, token):
        """Return the index of the span starting exactly at a token, skipping place-kind words (شهر)."""
        while index < len(self.spans) and self.spans[index].start == token:
            if self.spans[index].kinds() == {PLACE_KIND}:
                token, index = self.spans[index].end, index + 1
                continue
            return index
        return None

    def place_at(self, index, want=None):
        """Return the place entity of an accepted span, or None."""
        span = self.span(index)
        if span is None or id(span) not in self.accepted:
            return None
        if want is not None and not any(self.lexicon.entity_is_a(s.iri, want) for s in span.of_kind(PLACE)):
            named = self.named_place(span, want)
            if named is not None:
                return named
        iri = self.composer.choose_place(span, want, self.countries)
        return self.composer.place_entity(span, iri) if iri is not None else None

    def named_place(self, span, want):
        """Read "تهران" after a word that named its class as "استان تهران" (رئیس شورای اسلامی استان تهران)."""
        for kind_key in self.lexicon.keys_of_class.get(want, ()):
            for sense in self.lexicon.senses.get(kind_key + span.key, ()):
                if sense.kind == PLACE and self.lexicon.entity_is_a(sense.iri, want):
                    entry = self.lexicon.entries[sense.iri]
                    return Entity(sense.iri, PLACE, span.start, span.end, entry.types, entry.label_fa, entry.label_en)
        return None

    def phrase(self, index):
        """Read the phrase starting at a span; return its entities and the index of the next span."""
        span = self.spans[index]
        kinds = span.kinds()
        if ROLE in kinds:
            posts, next_index = self.plural_posts(index)
            if posts:
                return posts, next_index
            post, next_index = self.post_phrase(index)
            if post is not None:
                return [post], next_index
            place, next_index = self.held_place(index)
            if place is not None:
                return [place], next_index
        if ORG in kinds:
            sense = span.of_kind(ORG)[0]
            return [self.composer.place_entity(span, sense.iri)], index + 1
        if ORG_KIND in kinds:
            orgs, next_index = self.org_phrase(index)
            if orgs:
                return orgs, next_index
        if PLACE in kinds:
            place = self.place_at(index)
            if place is not None:
                return [place], index + 1
        if CONCEPT in kinds:
            return [self.composer.concept_entity(span)], index + 1
        return [], index + 1

    def held_place(self, index):
        """Read the place after a role that holds a kind of place (استاندار کرمان: the province, not the city)."""
        span = self.spans[index]
        want = self.lexicon.role_place_kind.get(span.key)
        place_index = self.adjacent(index + 1, span.end) if want is not None else None
        place = self.place_at(place_index, want) if place_index is not None else None
        return (place, place_index + 1) if place is not None else (None, index)

    def org_phrase(self, index):
        """Read "kind + place" (شهرداری شیراز، شورای اسلامی استان تهران، سفارت ایران در قطر)."""
        span = self.spans[index]
        kind = span.of_kind(ORG_KIND)[0].iri
        return self.body_of(kind, span.start, span.end, index + 1, distribute=span.plural)

    def body_of(self, kind, start, token, index, distribute=False, want=None):
        """Read the place(s) after an organisation kind and mint the body; return (orgs, next index)."""
        lex = self.lexicon
        district = self.district_municipality(start, token, index) if kind == CDO.Municipality else None
        if district is not None:
            return [district[0]], district[1]
        place_index = self.adjacent(index, token)
        if place_index is None and lex.is_a(kind, CDO.ChamberOfCommerce):
            place_index = self.place_after_words(index, token, CHAMBER_WORDS)
        if place_index is None and any(lex.is_a(kind, named) for named in NAMED_KINDS):
            return self.named_of_place(kind, start, token, index)
        if place_index is None:
            return [], index
        if lex.is_a(kind, CDO.DiplomaticMission):
            return self.mission_phrase(kind, start, place_index)
        if kind == CDO.Government:
            country = self.place_at(place_index, CDO.Country)
            org = country and self.composer.government(country, start, country.end)
            if org is None and place_index > index:  # دولت شهر مسکو، دولت استانی هاوانا: a city's or region's own
                city = any(lex.is_a(s.iri, CDO.City) for s in self.spans[place_index - 1].of_kind(PLACE_KIND))
                place = self.place_at(place_index, CDO.City if city else None)
                org = place and self.composer.governing_body(CDO.Municipality if city else CDO.Governorate, place,
                                                             start, place.end)
            return ([org], place_index + 1) if org else ([], index)
        want = want or CDO.Province if lex.is_a(kind, CDO.ProvincialCouncil) or (
            lex.is_a(kind, CDO.Council) and self.spans[place_index - 1].kinds() == {PLACE_KIND}
            and any(lex.is_a(s.iri, CDO.Province) for s in self.spans[place_index - 1].of_kind(PLACE_KIND))
        ) else want or CDO.City
        orgs, next_index = [], place_index
        for place_index in self.list_from(place_index) if distribute else [place_index]:
            place = self.place_at(place_index, want)
            org = place and self.composer.governing_body(kind, place, start if not orgs else place.start, place.end)
            if org is None:
                break
            orgs.append(org)
            next_index = place_index + 1
        return orgs, (next_index if orgs else index)

    def named_of_place(self, kind, start, token, index):
        """Read "kind + its own name + place" (دانشگاه فردوسی مشهد، باشگاه استقلال تهران) as that body, not the
        place's."""
        place_index = self.place_after_words(index, token, NAME_OF_OWN_WORDS)
        place = self.place_at(place_index) if place_index is not None else None
        if place is None or self.lexicon.entity_is_a(place.iri, CDO.Region):
            return [], index
        name = tuple(self.tokens[token:place.start])
        return [self.composer.body_in(kind, place, start, place.end, name)], place_index + 1

    def district_municipality(self, start, token, index):
        """Read "شهرداری منطقه ۴ تهران" as the municipality of a city's numbered district; return (org, next index)."""
        kind_span = self.span(index)
        if kind_span is None or kind_span.start != token or not any(
                self.lexicon.is_a(s.iri, CDO.Region) for s in kind_span.of_kind(PLACE_KIND)):
            return None
        number = kind_span.end
        if number + 1 >= len(self.tokens) or not self.tokens[number].isdigit():
            return None
        place_index = self.adjacent(index + 1, number + 1)
        city = self.place_at(place_index, CDO.City) if place_index is not None else None
        if city is None or not self.lexicon.entity_is_a(city.iri, CDO.City):
            return None
        return self.composer.district_municipality(city, int(self.tokens[number]), start, city.end), place_index + 1

    def place_after_words(self, index, token, reach):
        """Return the index of a place span a few words after a token (unknown words, concepts or names not read
        as places between, no punctuation: دانشگاه خلیج فارس بوشهر), or None."""
        for position in range(index, len(self.spans)):
            candidate = self.spans[position]
            if candidate.start > token + reach or PUNCTUATION & set(self.tokens[token:candidate.start]):
                return None
            if candidate.of_kind(PLACE) and id(candidate) in self.accepted:
                return position
            if not candidate.kinds() <= {CONCEPT, PLACE}:
                return None
        return None

    def list_from(self, index):
        """Return span indices of a coordinated list starting at a span (A، B و C)."""
        indices = [index]
        while True:
            last = self.spans[indices[-1]]
            following = self.span(indices[-1] + 1)
            if (following is None or last.end >= len(self.tokens) or self.tokens[last.end] not in COORDINATORS
                    or following.start != last.end + 1):
                return indices
            indices.append(indices[-1] + 1)

    def mission_phrase(self, kind, start, country_index):
        """Read "country [در place]" after an embassy/consulate kind or an ambassador role."""
        country = self.place_at(country_index, CDO.Country)
        if country is None:
            return [], country_index
        end_token, next_index = country.end, country_index + 1
        host = None
        if end_token < len(self.tokens) and self.tokens[end_token] in IN_WORDS:
            host_index = self.adjacent(country_index + 1, end_token + 1)
            host = self.place_at(host_index) if host_index is not None else None
            if host is not None:
                next_index = host_index + 1
        if host is None and kind == CDO.Embassy and HOME_COUNTRY in self.lexicon.entries:
            entry = self.lexicon.entries[HOME_COUNTRY]
            host = Entity(HOME_COUNTRY, PLACE, country.end, country.end, entry.types, entry.label_fa, entry.label_en)
        org = host and self.composer.mission(kind, country, host, start, (host.end or country.end))
        return ([org], next_index) if org else ([], country_index)

    def plural_posts(self, index):
        """Read a plural role before a list of places as one post per place (شهرداران اردبیل و گنجه)."""
        span = self.spans[index]
        role = span.of_kind(ROLE)[0].iri
        kind = self.lexicon.role_org_kind.get(role)
        if span.text_key != span.key + PLURAL_PERSONS or kind is None or self.lexicon.is_a(kind, CDO.DiplomaticMission):
            return [], index
        orgs, next_index = self.body_of(kind, span.start, span.end, index + 1, distribute=True)
        if len(orgs) < 2:
            return [], index
        return [self.composer.post(role, org, org.start, org.end) for org in orgs], next_index

    def post_phrase(self, index):
        """Read "role + whose" (شهردار شیراز، سخنگوی وزارت امور خارجه، سفیر ایران در قطر)."""
        span = self.spans[index]
        role = span.of_kind(ROLE)[0].iri
        post, next_index = self.post_of_named_before(role, span, index)
        if post is not None:
            return post, next_index
        implied = self.lexicon.implied_org_kind.get(span.key)
        org, next_index = self.whose(role, implied, span, index + 1)
        if org is None:
            return None, index
        return self.composer.post(role, org, span.start, org.end), next_index

    def post_of_named_before(self, role, span, index):
        """Read "role + این + kind of place" as the role in the place of that kind named last (شهردار این شهر،
        فرماندار این شهرستان: a county is named by its seat)."""
        kind = self.lexicon.role_org_kind.get(role)
        place_index = index + 1
        place_kind = self.span(place_index)
        if (kind is None or span.end + 1 >= len(self.tokens) or self.tokens[span.end] != THIS or place_kind is None
                or place_kind.start != span.end + 1 or place_kind.kinds() != {PLACE_KIND}):
            return None, index
        wanted = [s.iri for s in place_kind.of_kind(PLACE_KIND)]
        if CDO.County in wanted:
            wanted.append(CDO.City)
        place = next((part for entity in reversed(self.found) for part in entity.closure() if part.kind == PLACE
                      and any(self.lexicon.entity_is_a(part.iri, cls) for cls in wanted)), None)
        org = place and self.composer.governing_body(kind, place, span.end, place_kind.end)
        if org is None:
            return None, index
        return self.composer.post(role, org, span.start, place_kind.end), place_index + 1

    def whose(self, role, implied, span, index):
        """Return the organisation a role belongs to and the index after it."""
        if implied is not None:  # the body starts at the role's words that name its kind (رئیس [اتاق بازرگانی] اربیل)
            start = next((t for t in range(span.start + 1, span.end) if any(
                s.kind == ORG_KIND for s in self.lexicon.lookup("".join(self.tokens[t:span.end]))[0] or ())), span.start)
            orgs, next_index = self.body_of(implied, start, span.end, index)
            return (orgs[0], next_index) if orgs else (None, index)
        # The organisation a role belongs to when the text names only a place ("شهردار شیراز" -> Shiraz
        # Municipality): the ontology's org:postIn restriction on the role class or a superclass.
        default_kind = self.lexicon.role_org_kind.get(role)
        org, next_index = self.org_after(span.end, index, 0 if default_kind else ROLE_GAP)
        if org is not None or default_kind is None:
            return org, next_index
        if self.lexicon.is_a(default_kind, CDO.DiplomaticMission):
            place_index = self.adjacent(index, span.end)
            orgs, next_index = (self.mission_phrase(default_kind, span.start, place_index)
                                if place_index is not None else ([], index))
        elif default_kind == CDO.Ministry:
            org, next_index = self.named_by_kind(default_kind, span.end, index)
            orgs = [org] if org else []
        else:  # استاندار کرمان: the governorate of the province the role's words hold
            orgs, next_index = self.body_of(default_kind, span.start, span.end, index,
                                            want=self.lexicon.role_place_kind.get(span.key))
        return (orgs[0], next_index) if orgs else (None, index)

    def org_after(self, token, index, max_gap):
        """Return the organisation named at a token, or a few unrecognised words later, and the next index."""
        for position in range(index, len(self.spans)):
            candidate = self.spans[position]
            gap = self.tokens[token: candidate.start]
            if candidate.start > token + max_gap or candidate.kinds() & {PLACE, CONCEPT, ROLE} or (
                    (PUNCTUATION | COORDINATORS) & set(gap)):
                break
            if candidate.kinds() & {ORG, ORG_KIND}:
                found, next_index = self.phrase(position)
                if found and found[0].kind == ORGANISATION:
                    return found[0], next_index
                break
        return None, index

    def named_by_kind(self, kind, token, index):
        """Read "وزیر کشور" as the ministry named "وزارت کشور": the kind's label plus the following words, and
        the ministry's country after them (وزیر راه و شهرسازی ایران)."""
        found = None
        for kind_key in self.lexicon.keys_of_class.get(kind, ()):
            joined = kind_key
            for end in range(token, min(len(self.tokens), token + self.lexicon.max_tokens)):
                joined += self.tokens[end]
                found = next(((s.iri, end + 1) for s in self.lexicon.senses.get(joined) or () if s.kind == ORG), None)
                if found is not None or joined not in self.lexicon.prefixes:
                    break
            if found is not None:
                break
        if found is None:
            return None, index
        iri, end = found
        entry = self.lexicon.entries[iri]
        org = Entity(iri, ORGANISATION, token, end, entry.types, entry.label_fa, entry.label_en)
        next_index = index
        while next_index < len(self.spans) and self.spans[next_index].start < end:
            next_index += 1
        following = self.span(next_index)
        country = self.place_at(next_index, CDO.Country) if following is not None and following.start == end else None
        if country is not None and country.iri == entry.country:
            return replace(org, end=country.end, parts=(country,)), next_index + 1
        return org, next_index
