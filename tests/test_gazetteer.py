"""Check the committed gazetteer (kg/reference/) by SPARQL over the real Oxigraph store, and its lexicon."""
import re

import pytest

from cdkg.kg import gazetteer
from cdkg.ontology.namespaces import CDO, GN, ID, OWL, RDF, SKOS, WD

PREFIXES = f"""
PREFIX cdo: <{CDO}>
PREFIX skos: <{SKOS}>
PREFIX rdf: <{RDF}>
PREFIX owl: <{OWL}>
"""
ENTITY_CLASSES = "cdo:City cdo:Province cdo:Country cdo:Region cdo:Route " + " ".join(
    f"cdo:{name}" for name in sorted(gazetteer.ORGANISATION_CLASSES)
)
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.fixture(scope="module")
def store():
    return gazetteer.load_reference_store()


def select(store, query):
    """Return the rows of a SELECT query as tuples of plain strings."""
    return [tuple(term.value for term in row) for row in store.query(PREFIXES + query)]


def ask(store, query):
    return bool(store.query(PREFIXES + query))


def test_every_entity_has_one_persian_and_one_english_preferred_label(store):
    rows = select(store, f"""
        SELECT ?entity ?lang (COUNT(?label) AS ?n) WHERE {{
          VALUES ?class {{ {ENTITY_CLASSES} }}
          VALUES ?lang {{ "fa" "en" }}
          ?entity a ?class .
          OPTIONAL {{ ?entity skos:prefLabel ?label FILTER(LANG(?label) = ?lang) }}
        }} GROUP BY ?entity ?lang HAVING (COUNT(?label) != 1)""")
    assert rows == []


def test_the_gazetteer_is_far_beyond_the_seeds(store):
    counts = dict(select(store, """
        SELECT ?class (COUNT(?entity) AS ?n) WHERE { ?entity a ?class } GROUP BY ?class"""))
    assert int(counts[str(CDO.City)]) > 10000
    assert int(counts[str(CDO.Country)]) > 240
    assert int(counts[str(CDO.Province)]) > 2000  # Iran's 31 and the other countries' first-level divisions


def test_every_city_has_exactly_one_country_that_is_a_country(store):
    rows = select(store, """
        SELECT ?city WHERE {
          ?city a cdo:City .
          OPTIONAL { ?city cdo:country ?country . ?country a cdo:Country }
        } GROUP BY ?city HAVING (COUNT(?country) != 1)""")
    assert rows == []


def test_every_iranian_province_contains_cities(store):
    rows = select(store, """
        SELECT ?province (COUNT(?city) AS ?n) WHERE {
          ?province a cdo:Province ; cdo:country <https://w3id.org/citydiplomacy/id/place/iran> .
          OPTIONAL { ?city a cdo:City ; cdo:locatedIn ?province }
        } GROUP BY ?province""")
    assert len(rows) == 31
    assert min(int(n) for _, n in rows) >= 1


def test_geonames_links_are_well_formed_iris_in_the_geonames_namespace(store):
    links = select(store, "SELECT ?entity ?link WHERE { ?entity skos:exactMatch ?link }")
    assert len(links) > 10000
    pattern = re.compile(re.escape(str(GN)) + r"[1-9][0-9]*/")
    assert [link for _, link in links if not pattern.fullmatch(link)] == []
    # one GeoNames feature is one gazetteer entity
    assert len({link for _, link in links}) == len(links)


def test_wikidata_links_are_entity_iris(store):
    links = [link for (link,) in select(store, "SELECT ?link WHERE { ?entity owl:sameAs ?link }")]
    pattern = re.compile(re.escape(str(WD)) + r"Q[1-9][0-9]*")
    assert links and [link for link in links if not pattern.fullmatch(link)] == []


def test_entity_iris_follow_the_slug_scheme(store):
    subjects = [s for (s,) in select(store, f"""
        SELECT DISTINCT ?entity WHERE {{ VALUES ?class {{ {ENTITY_CLASSES} }} ?entity a ?class }}""")]
    places, organisations = str(ID["place/"]), str(ID["org/"])
    bad = [s for s in subjects if not (
        (s.startswith(places) and SLUG.fullmatch(s[len(places):]))
        or (s.startswith(organisations) and SLUG.fullmatch(s[len(organisations):]))
    )]
    assert bad == []


def test_each_entity_has_a_single_class(store):
    rows = select(store, f"""
        SELECT ?entity WHERE {{ VALUES ?class {{ {ENTITY_CLASSES} }} ?entity a ?class }}
        GROUP BY ?entity HAVING (COUNT(?class) > 1)""")
    assert rows == []


@pytest.mark.parametrize("cls, label_fa, label_en", [
    ("City", "شیراز", "Shiraz"),
    ("City", "مشهد", "Mashhad"),
    ("City", "اصفهان", "Isfahan"),
    ("City", "تبریز", "Tabriz"),
    ("City", "تهران", "Tehran"),
    ("City", "دوحه", "Doha"),
    ("City", "نوویساد", "Novi Sad"),
    ("City", "نووی ساد", "Novi Sad"),
    ("Province", "استان تهران", "Tehran Province"),
    ("Country", "قطر", "Qatar"),
    ("Country", "صربستان", "Serbia"),
    ("Country", "ایران", "Iran"),
    ("Country", "جمهوری اسلامی ایران", "Iran"),
    ("Region", "آسیای میانه", "Central Asia"),
    ("Route", "راه ابریشم", "Silk Road"),
    ("NationalCommission", "کمسیون ملی یونسکو", "Iranian National Commission for UNESCO"),
    ("NationalCommission", "کمیسیون ملی یونسکو", "Iranian National Commission for UNESCO"),
    ("CityNetwork", "مجمع شهرداران آسیایی", "Asian Mayors Forum"),
    ("Ministry", "وزارت امور خارجه", "Ministry of Foreign Affairs of Iran"),
    ("Ministry", "وزارت کشور", "Ministry of Interior of Iran"),
    ("Association", "انجمن علمی اقتصاد شهری ایران", "Iranian Scientific Association of Urban Economics"),
])
def test_seed_entities_are_in_the_gazetteer(store, cls, label_fa, label_en):
    assert ask(store, f"""
        ASK {{ ?entity a cdo:{cls} ; skos:prefLabel|skos:altLabel "{label_fa}"@fa ;
                       skos:prefLabel "{label_en}"@en }}""")


def test_seed_places_are_placed_where_they_are(store):
    tehran, province, iran = (str(ID["place/" + slug]) for slug in ("tehran", "tehran-province", "iran"))
    assert ask(store, f"ASK {{ <{tehran}> cdo:locatedIn <{province}> . <{province}> cdo:locatedIn <{iran}> }}")
    assert ask(store, f"""ASK {{ <{ID['place/novi-sad']}> cdo:country <{ID['place/serbia']}> .
                                 <{ID['place/doha']}> cdo:country <{ID['place/qatar']}> }}""")
    central_asia = ID["place/central-asia"]
    members = {s for (s,) in select(store, f"SELECT ?c WHERE {{ ?c a cdo:Country ; cdo:locatedIn <{central_asia}> }}")}
    assert members == {str(ID["place/" + slug]) for slug in
                       ("kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan", "uzbekistan")}


def test_iranian_ministries_belong_to_iran(store):
    rows = select(store, f"""
        SELECT ?ministry WHERE {{ ?ministry a cdo:Ministry
          FILTER NOT EXISTS {{ ?ministry cdo:country <{ID['place/iran']}> }} }}""")
    assert rows == []


def test_arabic_letter_variants_and_latin_letters_never_reach_a_persian_label(store):
    rows = select(store, """
        SELECT ?label WHERE { ?entity skos:prefLabel|skos:altLabel ?label
          FILTER(LANG(?label) = "fa" && REGEX(?label, "[يكى\u0640\u064b-\u065fA-Za-z]")) }""")
    assert rows == []


def test_the_lexicon_agrees_with_the_turtle(store):
    labels = {}
    for entity, label, predicate in select(store, """
            SELECT ?entity ?label ?p WHERE { ?entity ?p ?label
              VALUES ?p { skos:prefLabel skos:altLabel } FILTER(LANG(?label) = "fa") }"""):
        labels.setdefault(entity, set()).add(label)
    lexicon = {entry["iri"]: set(entry["labels_fa"]) for entry in gazetteer.load_lexicon()}
    assert lexicon == labels


def test_every_ambiguous_label_names_its_entity(store):
    table = gazetteer.ambiguous_labels()
    assert {"دوشنبه", "وان", "قدس", "نور", "بم"} <= set(table)
    missing = [
        (entry.label, str(entry.entity)) for entries in table.values() for entry in entries
        if not ask(store, f'ASK {{ <{entry.entity}> skos:prefLabel|skos:altLabel "{entry.label}"@fa }}')
    ]
    assert missing == []
    assert {str(entry.entity) for entry in table["دوشنبه"]} == {str(ID["place/dushanbe"])}
    assert all(entry.meaning for entries in table.values() for entry in entries)


@pytest.mark.parametrize("word", ["میدان", "سایر", "سن", "تازه", "جان", "مالی"])
def test_frequent_persian_words_are_no_city_labels(store, word):
    assert not ask(store, f'ASK {{ ?city a cdo:City ; skos:prefLabel|skos:altLabel "{word}"@fa }}')


def test_every_curated_frequent_name_is_a_label_of_its_city(store):
    rows = gazetteer.read_csv("frequent-names-fa.csv")
    assert len(rows) > 50
    missing = [
        (row["label"], row["slug"]) for row in rows
        if not ask(store, f'''ASK {{ <{gazetteer.place_iri(row["slug"])}> a cdo:City ;
                                       skos:prefLabel|skos:altLabel "{row["label"]}"@fa }}''')
    ]
    assert missing == []


def test_provinces_are_named_without_the_word_province_unless_a_city_has_the_name(store):
    bare = dict(select(store, """
        SELECT ?code ?label WHERE {
          ?province a cdo:Province ; skos:altLabel ?label ; <http://purl.org/dc/terms/identifier> ?code .
          FILTER(LANG(?label) = "fa" && !STRSTARTS(?label, "استان"))
        }"""))
    assert bare["IR-03"] == "آذربایجان شرقی" and bare["IR-07"] == "فارس"
    clashes = select(store, """
        SELECT ?label WHERE {
          ?province a cdo:Province ; skos:altLabel ?label .
          ?other skos:prefLabel|skos:altLabel ?label . FILTER(?other != ?province)
        }""")
    assert clashes == []
    assert not ask(store, f'ASK {{ <{ID["place/kerman-province"]}> skos:altLabel "کرمان"@fa }}')


def test_no_city_label_is_a_fragment_of_two_letters_unless_curated(store):
    vouched = {(entry.label, str(entry.entity)) for entries in gazetteer.ambiguous_labels().values() for entry in entries}
    vouched |= {(gazetteer.normalize_label(row["label"]), str(ID["place/" + row["slug"]]))
                for row in gazetteer.read_csv("frequent-names-fa.csv")}
    short = select(store, """
        SELECT ?label ?city WHERE {
          ?city a cdo:City ; skos:prefLabel|skos:altLabel ?label .
          FILTER(LANG(?label) = "fa" && STRLEN(REPLACE(?label, "[ \\u200c-]", "")) <= 2)
        }""")
    assert short and set(short) <= vouched  # بم، قم، رم stay, vouched; خپ، شط، مز are gone


def test_curated_spelling_of_lankaran_is_a_label(store):
    assert ask(store, f'ASK {{ <{ID["place/lankaran"]}> skos:altLabel "لنکران"@fa }}')


def test_foreign_first_level_divisions_come_from_cldr_with_their_bare_names(store):
    wasit = str(ID["place/wasit-governorate"])
    assert ask(store, f"""ASK {{ <{wasit}> a cdo:Province ; skos:prefLabel "استان واسط"@fa ; skos:altLabel "واسط"@fa ;
                                 <http://purl.org/dc/terms/identifier> "IQ-WA" ; cdo:country <{ID['place/iraq']}> }}""")
    # a division named like a city (استان بغداد: بغداد) leaves the bare name to the city
    assert not ask(store, f'ASK {{ ?division a cdo:Province ; skos:altLabel "بغداد"@fa }}')
    # one named by an everyday word is left out: بنادر ('ports') for Banaadir, اگر ('if') for Eger
    assert not ask(store, 'ASK { ?division a cdo:Province ; skos:prefLabel ?label FILTER(STR(?label) IN ("بنادر", "اگر")) }')


def test_a_city_without_a_persian_name_in_geonames_takes_the_curated_one(store):
    assert ask(store, f"""ASK {{ <{ID['place/nis']}> a cdo:City ; skos:prefLabel "نیش"@fa ;
                                 cdo:country <{ID['place/serbia']}> }}""")


def test_a_foreign_division_is_named_with_any_kind_word(store):
    mogilev = str(ID["place/magileu-oblast"])
    assert ask(store, f"""ASK {{ <{mogilev}> skos:prefLabel "منطقه موگیلف"@fa ;
                                 skos:altLabel "استان موگیلف"@fa, "ولایت موگیلف"@fa }}""")


def test_a_republic_among_divisions_is_also_named_with_its_kind_word(store):
    assert ask(store, f"""ASK {{ <{ID['place/tatarstan']}> skos:prefLabel "تاتارستان"@fa ;
                                 skos:altLabel "جمهوری تاتارستان"@fa }}""")
