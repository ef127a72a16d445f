"""Constructions of agency news (openers, persons beside posts, composite posts, statuses, anaphora, dates,
meetings, evidence, tokenisation), each on sentences written for the test, not taken from a gold set."""
import pytest

from cdkg.mappings.dates import DateReader
from cdkg.mappings.normalize import normalize
from cdkg.ontology.namespaces import ID, PREFIXES
from tests.test_mappings_cues import ask, graph_of, place


def iri(path):
    return f"<{ID[path]}>"


def test_a_person_before_the_post_holds_it_and_the_post_speaks():
    graph = graph_of("به گزارش ایرنا از شیراز، رضا کاظمی‌فر، شهردار شیراز، گفت: همکاری با دوحه ادامه دارد.")
    assert ask(graph, f"""?s cdo:speaker {iri('post/mayor/shiraz-municipality')} .
        {iri('post/mayor/shiraz-municipality')} org:heldBy ?p .
        ?p a foaf:Person, schema:Person, cdo:Person ; rdfs:label "رضا کاظمی‌فر"@fa""")


def test_a_person_after_the_post_holds_it():
    graph = graph_of("شهردار مشهد، علی نوروزی‌پور، در دیدار با سفیر ترکیه گفت: روابط دو کشور گسترش می‌یابد.")
    assert ask(graph, f"""{iri('post/mayor/mashhad-municipality')} org:heldBy ?p . ?p rdfs:label "علی نوروزی‌پور"@fa""")


def test_a_name_that_goes_on_after_the_speaker_holds_the_speakers_post():
    graph = graph_of("معاون امور بین‌الملل شهرداری مشهد گفت: مشهد و دوشنبه همکاری می‌کنند. بهرام نیک‌سرشت افزود: "
                     "سند همکاری آماده است.")
    assert ask(graph, f"""?s cdo:speaker ?post . ?post a cdo:DeputyMayor ; org:heldBy ?p .
        ?p rdfs:label "بهرام نیک‌سرشت"@fa""")
    held = graph_of("مهدی صادقی، شهردار یزد، گفت: سلام. بهرام نیک‌سرشت افزود: سند آماده است.")
    assert not ask(held, '?post org:heldBy ?p . ?p rdfs:label "بهرام نیک‌سرشت"@fa')


def test_a_post_head_before_a_post_is_no_persons_name():
    graph = graph_of("معاون اول شهردار کرمان گفت: سلام.")
    assert not ask(graph, "?post org:heldBy ?p")


def test_the_same_person_in_the_same_post_has_one_iri_across_statements():
    first = graph_of("مهدی صادقی، شهردار یزد، گفت: یزد آماده همکاری است.")
    second = graph_of("شهردار یزد، مهدی صادقی، از تبادل تجربه با بخارا خبر داد.")
    query = f"SELECT ?p WHERE {{ {iri('post/mayor/yazd-municipality')} org:heldBy ?p }}"
    assert {row.p for row in first.query(query, initNs=PREFIXES)} == {
        row.p for row in second.query(query, initNs=PREFIXES)} != set()


def test_a_given_name_that_is_a_city_is_part_of_the_name():
    graph = graph_of("صوفیه کریمی، شهردار کرمان، گفت: کرمان آماده میزبانی است.")
    assert not ask(graph, f"?s cdo:mentions {place('sofia')}")
    assert ask(graph, f"""{iri('post/mayor/kerman-municipality')} org:heldBy ?p . ?p rdfs:label "صوفیه کریمی"@fa""")


def test_historical_figures_are_persons_one_iri_however_written():
    graph = graph_of("شهردار نیشابور گفت: آرامگاه خیام و عطار نیشابوری نماد پیوند ما با قونیه و شهر مولانا است. "
                     "عمر خیام در نیشابور زاده شد.")
    rows = graph.query("SELECT DISTINCT ?p ?name WHERE { ?s cdo:mentions ?p . ?p a foaf:Person ; rdfs:label ?name "
                       "FILTER(lang(?name) = 'en') }", initNs=PREFIXES)
    assert {str(row.name) for row in rows} == {"Omar Khayyam", "Attar of Nishapur", "Rumi"}
    assert not ask(graph, "?post org:heldBy ?p")


@pytest.mark.parametrize("text", [
    "دانشجویان دانشگاه فردوسی مشهد از شهرداری بازدید کردند.",  # a body named after a figure
    "شاهرخ کریمی، شهردار بم، گفت: سلام.",  # a figure's name as a given name
    "سوئیس حافظ منافع آمریکا در ایران است.",  # a one-word name inside a longer phrase
    "نمایشگاه در کاخ سعدآباد (Saadabad Palace) برپا شد.",  # a building glossed in Latin letters
])
def test_a_figure_name_or_latin_gloss_that_names_no_figure_is_no_unposted_person(text):
    assert not ask(graph_of(text), "?s cdo:mentions ?p . ?p a foaf:Person FILTER NOT EXISTS { ?post org:heldBy ?p }"), text


def test_a_name_glossed_in_latin_letters_is_a_person_in_its_statement_only():
    text = "این قلعه به دستور فرانسیسکو د آلمیدا (Francisco de Almeida) ساخته شد."
    graph = graph_of(text)
    assert ask(graph, '?s cdo:mentions ?p . ?p a foaf:Person ; rdfs:label "فرانسیسکو د آلمیدا"@fa')
    other = graph_of(text.replace("این قلعه", "آن برج"))
    query = "SELECT ?p WHERE { ?s cdo:mentions ?p . ?p a foaf:Person }"
    assert {r.p for r in graph.query(query, initNs=PREFIXES)} != {r.p for r in other.query(query, initNs=PREFIXES)}


@pytest.mark.parametrize("text, role, body", [
    ("معاون امور بین‌الملل شهرداری شیراز گفت: سلام.", "DeputyMayor", "org/shiraz-municipality"),
    ("مدیرکل روابط عمومی و امور بین‌الملل استانداری فارس گفت: سلام.", "DirectorGeneral",
     "org/fars-province-governorate"),
    ("رئیس کمیسیون فرهنگی شورای اسلامی شهر رشت گفت: سلام.", "CouncilMember", "org/rasht-city-council"),
    ("استاندار گیلان گفت: سلام.", "Governor", "org/gilan-province-governorate"),
    ("فرماندار آستارا گفت: سلام.", "CountyGovernor", "org/astara-governorate"),
    ("کاردار سفارت ایتالیا در تهران گفت: سلام.", "Ambassador", "org/embassy-of-italy-in-iran"),
    ("رئیس بلدیه بیروت گفت: سلام.", "Mayor", "org/beirut-municipality"),
])
def test_a_composite_post_speaks(text, role, body):
    graph = graph_of(text)
    assert ask(graph, f"?s cdo:speaker ?post . ?post a cdo:{role} ; org:postIn {iri(body)}"), text


def test_a_role_of_this_city_is_the_role_in_the_city_named_before():
    graph = graph_of("هیئتی از شهرداری کرمان به سرپرستی شهردار این شهر به یزد سفر کرد و با فرماندار این شهرستان "
                     "دیدار کرد.")
    assert ask(graph, f"?s cdo:mentions {iri('post/mayor/kerman-municipality')}")
    assert ask(graph, f"""?s cdo:mentions ?post . ?post a cdo:CountyGovernor ; org:postIn ?g .
        ?g cdo:governs {place('yazd')}""")
    assert not ask(graph_of("شهردار این شهر گفت: سلام."), "?s cdo:mentions ?post . ?post a cdo:Mayor")


def test_a_head_before_words_and_a_place_is_a_post_in_the_body_they_name():
    graph = graph_of("مدیرکل آموزش و پرورش گیلان گفت: مدارس رشت با کازان همکاری می‌کنند.")
    assert ask(graph, f"""?s cdo:speaker ?post . ?post a cdo:DirectorGeneral ; org:postIn ?body .
        ?body a cdo:Organization ; rdfs:label "آموزش و پرورش گیلان"@fa . ?s cdo:mentions {place('gilan-province')}""")
    assert not ask(graph_of("مدیرکل در شیراز گفت: سلام."), "?post a cdo:DirectorGeneral")
    assert not ask(graph_of("هیئتی به سرپرستی بهرام نیک‌سرشت وارد کرمان شد."), "?post a cdo:DirectorGeneral")
    listed = graph_of("مدیرکل میراث فرهنگی، گردشگری و صنایع دستی استان گیلان گفت: رشت شهر خلاق است.")
    assert ask(listed, """?s cdo:speaker ?post . ?post a cdo:DirectorGeneral ; org:postIn ?body .
        ?body rdfs:label "میراث فرهنگی، گردشگری و صنایع دستی استان گیلان"@fa""")


def test_the_ministrys_country_after_a_minister_is_part_of_the_post():
    text = "وزیر راه و شهرسازی ایران با شهردار مسکو دیدار کرد."
    graph = graph_of(text)
    post = iri("post/minister/iran-ministry-of-roads-and-urban-development")
    assert ask(graph, f"""?s cdo:mentions {post}, {place('iran')} . ?phrase itsrdf:taIdentRef {post} ;
        nif:beginIndex ?b ; nif:endIndex ?e FILTER(?b = 0 && ?e = {len("وزیر راه و شهرسازی ایران")})""")


def test_a_portfolio_after_the_post_is_part_of_it():
    text = "معاون شهردار کرمان در امور بین‌الملل، بهرام نیک‌سرشت، اعلام کرد: سلام."
    graph = graph_of(text)
    post = iri("post/deputy-mayor/kerman-municipality")
    assert ask(graph, f"""?phrase itsrdf:taIdentRef {post} ; nif:beginIndex ?b ; nif:endIndex ?e
        FILTER(?b = 0 && ?e = {len("معاون شهردار کرمان در امور بین‌الملل")})""")
    assert ask(graph, f'{post} org:heldBy ?p . ?p rdfs:label "بهرام نیک‌سرشت"@fa')


def test_a_head_before_a_portfolio_of_a_municipality_is_not_its_mayor():
    graph = graph_of("رئیس سازمان زیباسازی شهرداری اصفهان گفت: سلام.")
    assert not ask(graph, "?post a cdo:Mayor")


@pytest.mark.parametrize("text, status", [
    ("تفاهم‌نامه همکاری شهرداری اصفهان و شهرداری کراکوف برای دو سال دیگر تمدید شد.", "Renewed"),
    ("اجرای تفاهم‌نامه همکاری شهرداری تبریز و شهرداری باکو به حالت تعلیق درآمد.", "Suspended"),
    ("شهرداری مشهد امضای تفاهم‌نامه خواهرخواندگی مشهد و کازان را تکذیب کرد.", "Denied"),
    ("پیش‌نویس تفاهم‌نامه همکاری شهرداری کرمان و شهرداری کراچی در دست بررسی است.", "UnderStudy"),
])
def test_renewed_suspended_denied_and_under_study(text, status):
    assert ask(graph_of(text), f"?a cdo:status cdo:{status}"), text


@pytest.mark.parametrize("text, status", [
    ("شهردار یزد در دیدار با شهردار هرات گفت: یزد و هرات می‌توانند در زمینه گردشگری همکاری کنند.", "Proposed"),
    ("قرار است شهرداری قزوین با شهرداری قونیه در حوزه گردشگری همکاری کند.", "Planned"),
])
def test_a_cooperation_with_no_document_has_the_status_its_cues_give(text, status):
    assert ask(graph_of(text), f"?r a cdo:Relation ; cdo:status cdo:{status}"), text


def test_both_sides_named_again_after_an_agreement_open_a_cooperation_of_their_own():
    graph = graph_of("کرمان و هرات از سال ۱۳۹۰ خواهرخوانده‌اند و دو طرف در این نشست بر گسترش همکاری‌ها در زمینه "
                     "گردشگری تاکید کردند.")
    assert ask(graph, f"?a a cdo:SisterCityAgreement ; cdo:status cdo:Existing ; cdo:party {place('kerman')}, {place('herat')}")
    assert ask(graph, f"?r a cdo:Relation ; cdo:status cdo:Proposed ; cdo:relates {place('kerman')}, {place('herat')}")


def test_a_plural_kind_of_body_before_a_place_it_is_not_composed_with_stands_for_the_place():
    graph = graph_of("معاون استاندار گیلان گفت: همکاری شهرداری‌های استان گیلان با شهرهای گرجستان در زمینه گردشگری ادامه "
                     "دارد.")
    assert ask(graph, f"?r a cdo:Relation ; cdo:status cdo:Existing ; cdo:relates {place('gilan-province')}, {place('georgia')}")


@pytest.mark.parametrize("also, relation", [("", False), ("نیز ", True)])
def test_what_the_sides_of_an_instrument_not_in_force_could_do_is_its_content_unless_also(also, relation):
    graph = graph_of("قرار است تفاهم‌نامه همکاری شیراز و هرات امضا شود. شهردار شیراز گفت: شیراز و هرات می‌توانند در "
                     f"زمینه گردشگری {also}همکاری کنند.")
    assert ask(graph, f"?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:Planned ; cdo:party {place('shiraz')}, {place('herat')}")
    assert ask(graph, "?r a cdo:Relation") == relation


def test_a_relation_word_after_an_instrument_takes_none_of_its_status():
    graph = graph_of("قرارداد آموزش میان شهرداری بوشهر و شهرداری دبی در ادامه همکاری‌های دو شهر امضا شد.")
    assert ask(graph, "?a a cdo:Contract ; cdo:status cdo:Signed")
    assert not ask(graph, "?r a cdo:Relation ; cdo:status ?s")


def test_the_sides_after_between_past_the_words_that_qualify_the_instrument():
    graph = graph_of("تفاهم‌نامه‌ای برای آموزش آتش‌نشانان و تبادل تجربه در مدیریت بحران میان شهرداری کرمان و شهرداری "
                     "هرات امضا شد.")
    assert ask(graph, f"""?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:Signed ;
        cdo:party {iri('org/kerman-municipality')}, {iri('org/herat-municipality')}""")


def test_the_sides_of_a_relation_after_between_past_the_words_that_qualify_it():
    graph = graph_of("شهردار تبریز گفت: همکاری‌های اقتصادی، فرهنگی، ورزشی و گردشگری میان تبریز و باکو در سال گذشته "
                     "گسترش یافت.")
    assert ask(graph, f"?r a cdo:Relation ; cdo:relates {place('tabriz')}, {place('baku')}")


def test_chambers_of_commerce_of_two_cities_sign_as_sub_national_bodies_not_national_ones():
    graph = graph_of("یادداشت تفاهم همکاری میان اتاق بازرگانی تبریز و اتاق بازرگانی باکو امضا شد.")
    assert ask(graph, f"""?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:Signed ;
        cdo:party {iri('org/tabriz-chamber-of-commerce')}, {iri('org/baku-chamber-of-commerce')}""")
    assert not ask(graph_of("یادداشت تفاهم همکاری میان اتاق بازرگانی ایران و اتاق بازرگانی ترکیه امضا شد."),
                   "?a cdo:party ?x")


@pytest.mark.parametrize("text", [
    "اگر روابط دو کشور بهبود یابد، شاید روزی شیراز و دوحه تفاهم‌نامه همکاری امضا کنند.",
    "چنانچه شرایط فراهم شود، تبریز و باکو می‌توانند همکاری کنند.",
])
def test_a_conditional_or_hypothetical_cooperation_is_not_reported(text):
    assert not ask(graph_of(text), "?s cdo:reports ?f"), text


def test_a_domestic_meeting_and_a_state_to_state_agreement_are_not_city_diplomacy():
    assert not ask(graph_of("شهردار شیراز در دیدار با استاندار فارس از پروژه‌های عمرانی گزارش داد."),
                   "?m a cdo:Meeting")
    assert not ask(graph_of("وزرای دو کشور ایران و ترکیه توافق‌نامه همکاری در زمینه کشاورزی امضا کردند."),
                   "?a a cdo:CooperationAgreement")


def test_both_cities_by_anaphora():
    graph = graph_of("شهردار قزوین با شهردار قونیه دیدار کرد. قرار است تفاهم‌نامه همکاری دو شهر در زمینه گردشگری امضا شود.")
    assert ask(graph, f"""?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:Planned ;
        cdo:party {iri('org/qazvin-municipality')}, {iri('org/konya-municipality')}""")


@pytest.mark.parametrize("text, kind", [
    ("برنامه اجرایی همکاری‌های شهرداری تهران و شهرداری کابل امضا شد.", "ActionPlan"),
    ("قرارداد آموزش آتش‌نشانان میان شهرداری بوشهر و شهرداری دبی امضا شد.", "Contract"),
    ("یادداشت تفاهم همکاری بندری بوشهر و دوحه امضا شد.", "MemorandumOfUnderstanding"),
])
def test_instrument_kinds_and_qualifiers_before_the_parties(text, kind):
    assert ask(graph_of(text), f"?a a cdo:{kind} ; cdo:party ?x, ?y . FILTER (?x != ?y)"), text


def test_a_meeting_after_the_opener_with_a_named_partner():
    graph = graph_of("به گزارش ایسنا از همدان، شهردار همدان روز شنبه در دیدار با کریم احمدوف، شهردار بخارا، "
                     "بر گسترش همکاری‌ها تأکید کرد.")
    assert ask(graph, f"""?m a cdo:Meeting ; cdo:participant {iri('post/mayor/hamadan-municipality')},
        {iri('post/mayor/bukhara-municipality')}""")


def test_vo_go_after_a_zwnj_is_not_vigo():
    graph = graph_of("شهردار اصفهان در گفت‌وگو با خبرنگاران از همکاری با فلورانس خبر داد.")
    assert not ask(graph, f"?s cdo:mentions {place('vigo')}")


@pytest.mark.parametrize("text, value", [
    ("۱۸ مهر ۱۴۰۲", "2023-10-10"),
    ("سال ۱۳۹۵", "2016-03-20/2017-03-20"),
    ("اسفند ماه ۱۴۰۲", "2024-02-20/2024-03-19"),
    ("سال 2017 میلادی", "2017"),
    ("۴ تا ۸ نوامبر ۲۰۲۴", "2024-11-04/2024-11-08"),
    ("نوروز ۱۴۰۳", "2024-03-20"),
    ("۱۴۰۲/۰۸/۱۴", "2023-11-05"),
    ("2023/11/05", "2023-11-05"),
    ("زلزله ۱۳۸۲", "2003-03-21/2004-03-19"),
    ("جام‌جهانی ۲۰۲۲", "2022"),
])
def test_dates_in_the_text(text, value):
    mention = DateReader().read(normalize(f"این رویداد در {text} رخ داد."))[0]
    assert (str(mention.value) if mention.value is not None else f"{mention.first}/{mention.last}") == value


def test_relative_and_impossible_dates_are_not_read():
    assert DateReader().read(normalize("روز دوشنبه و سال گذشته و ۳۲ مهر ۱۴۰۲")) == []


def test_a_count_after_an_event_noun_is_no_year():
    assert DateReader().read(normalize("سیل ۱۰۰۰ مسافر و ۱۴۰۲/۱۲/۳۰")) == []


def test_a_lunar_hijri_year_is_not_read_as_a_solar_one():
    assert DateReader().read(normalize("اربعین سال ۱۴۴۵ قمری و سال ۱۴۴۵ هجری قمری")) == []
    assert len(DateReader().read(normalize("سال ۱۴۰۲ هجری شمسی"))) == 1


def test_the_year_of_an_event_the_text_names_dates_the_statement_not_the_fact():
    graph = graph_of("تفاهم‌نامه همکاری شهرداری بم و شهرداری سانتیاگو پس از زلزله ۱۳۸۲ امضا شد.")
    assert ask(graph, "?a a cdo:MemorandumOfUnderstanding") and not ask(graph, "?a a cdo:MemorandumOfUnderstanding ; cdo:dateStart ?d")
    assert ask(graph, '?s a cdo:Statement ; cdo:dateStart "2003-03-21"^^xsd:date')


def test_a_number_before_a_post_is_no_weekday_opening_its_clause():
    graph = graph_of("پس از امضای تفاهم‌نامه، سه معاون شهردار تبریز همراه با شهردار کازان از نمایشگاه بازدید کردند "
                     "و شهردار کازان گفت: همکاری ادامه دارد.")
    assert not ask(graph, f"?s cdo:speaker {iri('post/deputy-mayor/tabriz-municipality')}")
    graph = graph_of("روز سه‌شنبه معاون شهردار تبریز گفت: همکاری با کازان ادامه دارد.")
    assert ask(graph, f"?s cdo:speaker {iri('post/deputy-mayor/tabriz-municipality')}")


def test_a_date_dates_the_event_it_precedes():
    graph = graph_of("شهردار تبریز روز ۱۸ مهر ۱۴۰۲ در دیدار با سرکنسول ترکیه گفت: تبریز و قونیه از سال ۱۳۹۵ "
                     "خواهرخوانده هستند.")
    assert ask(graph, '?m a cdo:Meeting ; dcterms:date "2023-10-10"^^xsd:date')
    assert ask(graph, '''?a a cdo:SisterCityAgreement ; cdo:dateStart "2016-03-20"^^xsd:date ;
        cdo:dateEnd "2017-03-20"^^xsd:date''')


def test_every_mention_and_fact_has_nif_evidence():
    text = "شهردار شیراز گفت: تفاهم‌نامه همکاری بین شیراز و دوحه امضا شد."
    graph = graph_of(text)
    normalized = normalize(text)
    rows = graph.query("""SELECT ?entity ?b ?e WHERE { ?s cdo:mentions ?entity .
        ?phrase itsrdf:taIdentRef ?entity ; nif:referenceContext ?s ; nif:beginIndex ?b ; nif:endIndex ?e .
        ?s nif:isString ?text }""", initNs=PREFIXES)
    found = {(str(r.entity).rsplit("/", 1)[-1], normalized[int(r.b):int(r.e)]) for r in rows}
    assert ("doha", "دوحه") in found
    assert ("shiraz-municipality", "شهردار شیراز") in found
    assert not ask(graph, "?s cdo:mentions ?x . FILTER NOT EXISTS { ?p itsrdf:taIdentRef ?x }")
    assert ask(graph, "?s cdo:reports ?a . ?a prov:wasDerivedFrom ?p . ?p nif:beginIndex ?b ; nif:endIndex ?e")


def test_the_gate_checks_persons_dates_and_evidence():
    from rdflib import Literal
    from cdkg.shapes.gate import Gate
    from cdkg.mappings.pipeline import default_pipeline
    from cdkg.mappings.record import SourceRecord
    from cdkg.ontology.namespaces import CDO, NIF, RDF, SDO, SHAPES, XSD

    pipeline = default_pipeline()
    result = pipeline.extract(SourceRecord("رضا کاظمی‌فر، شهردار شیراز، گفت: شیراز و دوحه از سال ۱۳۹۵ خواهرخوانده "
                                           "هستند.", 1, "test"))
    gate = Gate.load(extra_context=pipeline.activity_triples())
    assert gate.check([(result.graph, result.triples)])[0].conforms
    broken = []
    for s, p, o in result.triples:
        if p == NIF.endIndex:
            o = Literal(100000, datatype=XSD.nonNegativeInteger)
        elif p == CDO.dateEnd:
            o = Literal("1900-01-01", datatype=XSD.date)
        elif p == RDF.type and o == SDO.Person:
            continue
        broken.append((s, p, o))
    shapes = {r.key()[2] for r in gate.check([(result.graph, broken)])[0].results}
    assert {SHAPES.EvidenceShape, SHAPES.DatedEventShape, SHAPES["Person-schema"]} <= shapes


@pytest.mark.parametrize("text, status", [
    ("یادداشت تفاهم همکاری شهرداری رشت و شهرداری باتومی که سال ۱۴۰۰ امضا شد، عملاً متوقف مانده است.", "Suspended"),
    ("سخنگوی شهرداری شیراز شایعه لغو خواهرخواندگی شیراز و کازان را تکذیب کرد و گفت: پیوند دو شهر پابرجاست.",
     "Existing"),
    ("تفاهم‌نامه خواهرخواندگی یزد و بخارا هنوز امضا نشده و در مرحله مطالعه قرار دارد.", "UnderStudy"),
])
def test_the_status_of_the_later_event_wins(text, status):
    assert ask(graph_of(text), f"?a cdo:status cdo:{status}"), text


def test_every_coordinated_member_and_the_network_named_before():
    graph = graph_of("شهرداری اصفهان به شبکه شهرهای خلاق یونسکو پیوست. کرمان و رشت نیز پیش‌تر به این شبکه "
                     "پیوسته‌اند.")
    network = iri("org/unesco-creative-cities-network")
    for member in ("place/kerman", "place/rasht", "org/isfahan-municipality"):
        assert ask(graph, f"?m a cdo:Membership ; cdo:member {iri(member)} ; cdo:participant {network}"), member


def test_a_delegation_visits_its_destination():
    graph = graph_of("به گزارش ایسنا، هیئتی از شهرداری کازان روز شنبه وارد تبریز شد.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {iri('org/kazan-municipality')}, {place('tabriz')}")
    graph = graph_of("در سفر هفته گذشته هیئت شهرداری باکو به تبریز درباره گردشگری گفت‌وگو شد.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {iri('org/baku-municipality')}, {place('tabriz')}")


def test_a_plural_role_before_a_list_is_one_post_per_place_and_they_meet():
    graph = graph_of("شهرداران تبریز و باکو روز جمعه در یک تماس ویدئویی درباره گردشگری گفت‌وگو کردند.")
    assert ask(graph, f"""?m a cdo:Meeting ; cdo:participant {iri('post/mayor/tabriz-municipality')},
        {iri('post/mayor/baku-municipality')}""")


def test_an_instrument_named_again_is_not_a_second_agreement():
    graph = graph_of("تفاهم‌نامه همکاری شهرداری شیراز و شهرداری دوحه امضا شد. بر اساس این تفاهم‌نامه، طرفین در "
                     "زمینه گردشگری همکاری می‌کنند.")
    rows = graph.query("SELECT ?a WHERE { ?a a cdo:MemorandumOfUnderstanding }",
                       initNs=PREFIXES)
    assert len(rows) == 1


@pytest.mark.parametrize("text, post", [
    ("قرارداد همکاری شهرداری زابل و شهرداری زرنج امضا شد. به گفته شهردار زابل، این قرارداد دو ساله است.",
     "post/mayor/zabol-municipality"),
    ("سخنگوی شورای اسلامی شهر کرمان خبر امضای توافق‌نامه با ارومچی را تکذیب کرد.", "post/spokesperson/kerman-city-council"),
    ("یک عضو شورای اسلامی شهر یزد به خبرنگاران گفت: بخارا پیشنهاد همکاری داده است.",
     "post/council-member/yazd-city-council"),
    ("شهردار کرمان روز شنبه در دیدار با سفیر هند از توسعه گردشگری استقبال کرد. وی گفت: پروازها افزایش می‌یابد.",
     "post/mayor/kerman-municipality"),
    ("در پیام آمده است: «همکاری ادامه دارد.» شهردار اهواز نیز گفت: بصره شریک ماست.", "post/mayor/ahvaz-municipality"),
    ("صبح روز شنبه ۳ آبان ۱۴۰۲ شهردار کرمان در دیدار با سفیر هند گفت: پروازها افزایش می‌یابد.",
     "post/mayor/kerman-municipality"),
])
def test_attribution_and_more_verbs_of_saying_give_the_speaker(text, post):
    assert ask(graph_of(text), f"?s cdo:speaker {iri(post)}"), text


def test_an_instrument_named_again_gives_the_status_the_first_mention_lacks():
    graph = graph_of("به مناسبت سالگرد خواهرخواندگی شیراز و کازان نمایشگاهی برپا شد. شیراز و کازان از سال ۱۳۸۰ "
                     "خواهرخوانده‌اند.")
    assert ask(graph, "?a a cdo:SisterCityAgreement ; cdo:status cdo:Existing")


def test_a_date_beside_this_instrument_dates_the_instrument_read_before():
    graph = graph_of("قرارداد همکاری شهرداری رشت و شهرداری باکو لغو شد. شهردار رشت گفت: این قرارداد در سال ۱۳۹۷ "
                     "امضا شده بود.")
    # the year is the signing's, which the cancellation came after: it dates the signing, not the cancelled contract
    assert ask(graph, '?s a cdo:Signing ; cdo:about ?a ; cdo:dateStart "2018-03-21"^^xsd:date . ?a cdo:status cdo:Cancelled')
    assert not ask(graph, '?a cdo:status cdo:Cancelled ; cdo:dateStart ?d')
    graph = graph_of("قرارداد همکاری شهرداری رشت و شهرداری باکو امضا شد. شهردار رشت گفت: این قرارداد در سال ۱۴۰۲ "
                     "اجرایی می‌شود.")
    assert ask(graph, '?a cdo:status cdo:Signed ; cdo:dateStart "2023-03-21"^^xsd:date')


def test_signed_by_named_signatories_between_the_cue_words():
    graph = graph_of("تفاهم‌نامه خواهرخواندگی کرمان و سمرقند روز یکشنبه به امضای شهرداران دو شهر رسید.")
    assert ask(graph, "?a a cdo:SisterCityAgreement ; cdo:status cdo:Signed")


@pytest.mark.parametrize("text, body", [
    ("یادداشت تفاهم شهرداری بندرعباس و بلدیه مسقط امضا شد.", "org/muscat-municipality"),
    ("شهردار کربلا و رئیس بلدية نجف گفت‌وگو کردند.", "org/najaf-municipality"),
])
def test_the_arabic_word_for_a_municipality_names_one(text, body):
    assert ask(graph_of(text), f"?s cdo:mentions {iri(body)}"), text


def test_both_sides_by_anaphora_after_a_list_opener():
    graph = graph_of("شهرداران کرمان و هرات دیدار کردند. قرار است برنامه اجرایی گردشگری میان دو شهر امضا شود.")
    assert ask(graph, f"""?a a cdo:ActionPlan ; cdo:status cdo:Planned ;
        cdo:party {iri('org/kerman-municipality')}, {iri('org/herat-municipality')}""")


def test_both_sides_by_anaphora_are_the_two_named_last():
    graph = graph_of("رشت به عضویت شبکه شهرهای خلاق یونسکو درآمد. همزمان هیئتی از شهرداری باتومی وارد رشت شد و "
                     "قرار است یادداشت تفاهم همکاری دو شهر امضا شود.")
    assert ask(graph, f"?a a cdo:MemorandumOfUnderstanding ; cdo:party {iri('org/batumi-municipality')}, {place('rasht')}")
    assert not ask(graph, "?a a cdo:MemorandumOfUnderstanding ; cdo:party ?o . ?o a cdo:InternationalOrganization")


def test_a_document_of_no_kind_with_the_same_sides_is_the_agreement_named_before():
    graph = graph_of("شهرداری کرج خبر امضای تفاهم‌نامه خواهرخواندگی کرج و بورسا را تکذیب کرد و گفت: هیچ سندی میان "
                     "کرج و بورسا امضا نشده است.")
    rows = graph.query("SELECT ?a WHERE { ?s cdo:reports ?a }",
                       initNs=PREFIXES)
    assert len(rows) == 1 and ask(graph, "?a a cdo:SisterCityAgreement ; cdo:status cdo:Denied")


@pytest.mark.parametrize("text, slug", [
    ("شهرداری کرمانشاه و شهرداری بردو (Bordeaux) تفاهم‌نامه همکاری گردشگری امضا کردند.", "bordeaux"),
    ("شهردار قزوین از سفر هیئتی به کلوچ‌ناپوکا (Cluj-Napoca) خبر داد.", "cluj-napoca"),
])
def test_a_name_spelled_otherwise_is_the_place_its_latin_gloss_names(text, slug):
    graph = graph_of(text)
    assert ask(graph, f"?s cdo:mentions {place(slug)}")


def test_a_latin_gloss_that_names_no_place_makes_no_place():
    graph = graph_of("شهرداری تبریز با موسسه آینده‌نگر (Foresight) تفاهم‌نامه همکاری امضا کرد.")
    assert not ask(graph, f"?s cdo:mentions ?x . ?x a cdo:Place FILTER(?x != {place('tabriz')})")


@pytest.mark.parametrize("text, kind, status", [
    ("قرارداد ساخت کتابخانه مشترک شهرداری کرمان و شهرداری هرات لغو شد. شهردار کرمان گفت: لغو این قرارداد به معنای "
     "پایان خواهرخواندگی کرمان و هرات نیست و دو شهر از سال ۱۳۹۰ خواهرخوانده‌اند.", "SisterCityAgreement", "Existing"),
    ("شورای شهر باکو همکاری‌های رسمی با شهرداری تبریز را تعلیق و برنامه اجرایی گردشگری دو شهر را لغو کرد.",
     "ActionPlan", "Cancelled"),
])
def test_a_status_cue_belongs_to_the_instrument_before_it(text, kind, status):
    graph = graph_of(text)
    assert ask(graph, f"?a a cdo:{kind} ; cdo:status cdo:{status}"), text


def test_both_sides_by_anaphora_are_two_places_not_a_city_and_its_municipality():
    graph = graph_of("هیئت شهرداری خجند هفته گذشته به کرمان سفر کرد. معاون شهرداری کرمان گفت: متن برنامه اجرایی "
                     "همکاری دو شهر در دست بررسی است.")
    assert ask(graph, f"""?a a cdo:ActionPlan ; cdo:status cdo:UnderStudy ;
        cdo:party {iri('org/khujand-municipality')}, {iri('org/kerman-municipality')}""")


def test_a_list_of_sides_and_the_side_after_with_sign_together():
    graph = graph_of("تفاهم‌نامه همکاری شهرداری اردبیل و شهرداری سراب با شهرداری باکو روز شنبه امضا شد.")
    assert ask(graph, f"""?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:Signed ; cdo:party
        {iri('org/ardabil-municipality')}, {iri('org/sarab-municipality')}, {iri('org/baku-municipality')}""")


@pytest.mark.parametrize("text", [
    "مراسم امضای تفاهم‌نامه همکاری شهرداری رشت و شهرداری باکو که قرار بود روز شنبه برگزار شود، لغو شد.",
    "امضای پیمان خواهرخواندگی اردبیل و باکو به دلیل شرایط جوی به تعویق افتاد.",
])
def test_a_signing_cancelled_or_postponed_leaves_the_instrument_planned(text):
    graph = graph_of(text)
    assert ask(graph, "?a cdo:status cdo:Planned") and not ask(graph, "?a cdo:status cdo:Cancelled"), text


def test_cooperation_by_an_instrument_named_again_is_its_content_not_a_relation():
    graph = graph_of("یادداشت تفاهم شهرداری قزوین و شهرداری باتومی امضا شد. بر پایه این تفاهم‌نامه، طرفین در زمینه "
                     "گردشگری همکاری می‌کنند.")
    assert ask(graph, "?a a cdo:MemorandumOfUnderstanding") and not ask(graph, "?s cdo:reports ?r . ?r a cdo:Relation")


def test_this_instrument_with_none_read_before_is_no_new_agreement():
    graph = graph_of("قرارداد گردشگری گیلان تمدید شد. مدیرکل امور بین‌الملل استانداری گیلان در سفر سرکنسول روسیه در "
                     "رشت گفت: بر اساس این سند، همکاری‌های دو استان ادامه می‌یابد.")
    assert not ask(graph, "?s cdo:reports ?a . ?a a cdo:CooperationAgreement")


def test_the_anniversary_of_a_tie_says_it_exists():
    graph = graph_of("به مناسبت سالگرد خواهرخواندگی کرمان و هرات، نمایشگاهی برپا شد.")
    assert ask(graph, f"?a a cdo:SisterCityAgreement ; cdo:status cdo:Existing ; cdo:party {place('kerman')}")


def test_membership_in_a_body_the_text_names_after_it_is_not_of_one_named_before():
    graph = graph_of("شهردار کرمان در اجلاس یونسکو در پاریس از درخواست این شهر برای عضویت در شبکه جهانی شهرهای آرام "
                     "خبر داد.")
    assert not ask(graph, "?m a cdo:Membership")


def test_this_city_in_a_party_list_is_the_one_named_before():
    graph = graph_of("شهرداری کازان با انتشار بیانیه‌ای خبر امضای تفاهم‌نامه همکاری میان این شهر و تبریز را تکذیب کرد.")
    assert ask(graph, f"""?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:Denied ;
        cdo:party {iri('org/kazan-municipality')}, {place('tabriz')}""")


def test_with_the_coordination_of_a_foreign_body_is_a_cooperation():
    graph = graph_of("به گزارش ایرنا، نیروهای آتش‌نشانی شهرداری اهواز با هماهنگی شهرداری بصره در مهار آتش‌سوزی "
                     "مشارکت کردند.")
    assert ask(graph, f"""?r a cdo:Relation ; cdo:relates {iri('org/ahvaz-municipality')},
        {iri('org/basrah-municipality')}""")


def test_the_sides_agree_and_the_venue_is_not_a_side():
    graph = graph_of("شهرداری رشت و شهرداری باتومی توافق کردند نمایشگاه مشترک صنایع دستی برگزار کنند.")
    assert ask(graph, f"?r a cdo:Relation ; cdo:relates {iri('org/rasht-municipality')}, {iri('org/batumi-municipality')}")
    graph = graph_of("شهردار اردبیل در نشست با شهردار لنکران در شهر آستارا گفت: دو طرف توافق کردند بازارچه مرزی "
                     "گسترش یابد.")
    assert ask(graph, f"""?r a cdo:Relation ; cdo:relates {iri('org/ardabil-municipality')},
        {iri('org/lankaran-municipality')}""")
    assert not ask(graph, f"?r a cdo:Relation ; cdo:relates {place('astara')}")


def test_two_ports_stand_for_both_sides_named_before():
    graph = graph_of("قرار است قرارداد گردشگری دریایی شهرداری بندرعباس و شهرداری مسقط امضا شود. شهردار بندرعباس گفت: "
                     "دو بندر می‌توانند در آموزش دریانوردی نیز همکاری کنند.")
    assert ask(graph, f"""?r a cdo:Relation ; cdo:relates {iri('org/bandar-abbas-municipality')},
        {iri('org/muscat-municipality')}""")


def test_coordinated_instruments_share_their_verb():
    graph = graph_of("تفاهم‌نامه خواهرخواندگی و قرارداد همکاری گردشگری شهرداری شیراز و شهرداری دوحه امضا شد.")
    assert ask(graph, "?a a cdo:SisterCityAgreement ; cdo:status cdo:Signed")
    assert ask(graph, "?a a cdo:CooperationAgreement ; cdo:status cdo:Signed")


def test_cooperation_in_another_clause_than_the_agreement_is_a_relation_too():
    graph = graph_of("خواهرخواندگی شیراز و کازان عملاً معلق مانده، اما ما آماده ازسرگیری همکاری‌ها در حوزه گردشگری هستیم.")
    assert ask(graph, "?a a cdo:SisterCityAgreement ; cdo:status cdo:Suspended")
    assert ask(graph, f"?r a cdo:Relation ; cdo:relates {place('shiraz')}, {place('kazan')}")


def test_a_negated_intention_reports_no_agreement():
    graph = graph_of("تفاهم‌نامه خواهرخواندگی کرمان و هرات امضا می‌شود. شهرداری کرمان قصد ندارد قرارداد گردشگری با "
                     "شهرداری هرات امضا کند.")
    assert ask(graph, "?a a cdo:SisterCityAgreement ; cdo:status cdo:Planned")
    assert not ask(graph, "?s cdo:reports ?a . ?a a cdo:Contract")


@pytest.mark.parametrize("text, status", [
    ("برخلاف برخی گزارش‌ها، تفاهم‌نامه همکاری شهرداری تبریز و شهرداری باکو هفته گذشته امضا نشد.", "Denied"),
    ("اجرای برنامه اجرایی همکاری شهرداری تبریز و شهرداری باکو از سال گذشته متوقف مانده است.", "Suspended"),
])
def test_more_denial_and_suspension_verbs(text, status):
    assert ask(graph_of(text), f"?a cdo:status cdo:{status}"), text


def test_a_delegation_meets_and_this_meeting_is_the_one_read_before():
    graph = graph_of("هیئتی از شهرداری کازان روز شنبه وارد تبریز شد و با شهردار تبریز دیدار کرد. طرفین در این دیدار "
                     "بر گسترش همکاری‌ها تأکید کردند.")
    assert ask(graph, f"""?m a cdo:Meeting ; cdo:participant {iri('org/kazan-municipality')},
        {iri('post/mayor/tabriz-municipality')}""")
    assert len(graph.query("SELECT ?m WHERE { ?m a cdo:Meeting }", initNs=PREFIXES)) == 1


def test_this_meeting_after_a_delegation_arrived_is_a_meeting_with_the_delegation():
    graph = graph_of("هیئتی از شهرداری باتومی با حضور در شورای اسلامی شهر رشت خواستار همکاری شد. رئیس شورای اسلامی "
                     "شهر رشت در این دیدار گفت: پیشنهاد بررسی می‌شود.")
    assert ask(graph, f"""?m a cdo:Meeting ; cdo:participant {iri('org/batumi-municipality')},
        {iri('post/council-chair/rasht-city-council')}""")


def test_a_delegation_of_a_body_not_named_whole_visits_the_place_of_the_sites_it_saw():
    graph = graph_of("هیئتی از وزارت امور شهری قطر به سرپرستی معاون وزیر، روز دوشنبه از طرح‌های گردشگری جزیره کیش "
                     "بازدید کرد.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {place('qatar')}, {place('kish')}")


def test_a_delegation_of_a_body_not_named_is_the_post_heading_it():
    graph = graph_of("هیئتی از منطقه ویژه اقتصادی ساحلی به ریاست گیورگی بریدزه، شهردار باتومی، با حضور در شورای "
                     "اسلامی شهر رشت خواستار همکاری شد. رئیس شورای اسلامی شهر رشت در این دیدار گفت: پیشنهاد بررسی "
                     "می‌شود.")
    assert ask(graph, f"""?m a cdo:Meeting ; cdo:participant {iri('post/mayor/batumi-municipality')},
        {iri('post/council-chair/rasht-city-council')}""")


def test_a_membership_applied_for_is_proposed_and_an_accepted_one_is_held():
    graph = graph_of("شهردار تبریز از درخواست رسمی این شهر برای عضویت در شبکه جهانی شهرهای مقاوم خبر داد.")
    network = iri('org/resilient-cities-network')
    assert ask(graph, f"?m a cdo:Membership ; cdo:participant {network} ; cdo:status cdo:Proposed")
    assert not ask(graph, f"?x cdo:memberOf {network}")
    graph = graph_of("درخواست عضویت تبریز در شبکه جهانی شهرهای مقاوم در نشست هیئت مدیره این شبکه پذیرفته شد و تبریز "
                     "به این شبکه پیوست.")
    assert ask(graph, f"{place('tabriz')} cdo:memberOf {network}")
    assert not ask(graph, "?m a cdo:Membership ; cdo:status ?s")


def test_a_regional_section_of_a_network_is_the_body_joined():
    graph = graph_of("شهر تبریز به عضویت بخش خاورمیانه و غرب آسیای سازمان جهانی شهرها و دولت‌های محلی متحد درآمد.")
    assert ask(graph, f"{place('tabriz')} cdo:memberOf {iri('org/uclg-mewa')}")


def test_a_delegation_present_at_a_foreign_body_visits_it():
    graph = graph_of("هیئتی از شهرداری باتومی با حضور در شورای اسلامی شهر رشت خواستار همکاری شد.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {iri('org/batumi-municipality')}, {iri('org/rasht-city-council')}")
    graph = graph_of("شهردار تبریز با حضور در نشست کمیته اجرایی متروپلیس گفت: شهرها تجربه‌های خود را به اشتراک می‌گذارند.")
    assert not ask(graph, "?v a cdo:Visit")


def test_the_head_of_a_relative_clause_is_the_visitor():
    graph = graph_of("استاندار آذربایجان شرقی در دیدار با شهردار کازان (Kazan)، که به تبریز سفر کرده است، گفت: "
                     "همکاری‌ها گسترش می‌یابد.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {iri('post/mayor/kazan-municipality')}, {place('tabriz')}")
    assert not ask(graph, "?v a cdo:Visit ; cdo:participant ?p . ?p a cdo:Post FILTER(?p != "
                          f"{iri('post/mayor/kazan-municipality')})")


@pytest.mark.parametrize("text", [
    "سفیر ترکیه پیشنهاد کرد سفر هیئتی از یک شهر کوچک به تبریز در تابستان انجام شود.",
    "مربی تیم گفت: پس از دیدار با شهرداری تبریز، تیم برای اردو به ترکیه سفر می‌کند.",
])
def test_no_visitor_is_read_from_an_unnamed_delegation_or_a_side_after_with(text):
    assert not ask(graph_of(text), "?v a cdo:Visit")


@pytest.mark.parametrize("text", [
    "شهردار کازان هفته آینده به تبریز سفر خواهد کرد.",
    "قرار است هیئتی از شهرداری باکو در تابستان به تبریز سفر کند.",
    "سخنگوی شهرداری تبریز گفت: هیئتی از شهرداری کازان ماه بعد به تبریز می‌آید.",
    "تفاهم‌نامه همکاری دو شهر در سفر آتی هیئت شهرداری باکو به تبریز امضا خواهد شد.",
    "در آستانه سفر هیئت شهرداری باکو به تبریز، شهردار تبریز گفت: دو شهر همکاری می‌کنند.",
])
def test_a_visit_to_come_is_planned(text):
    graph = graph_of(text)
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {place('tabriz')} ; cdo:status cdo:Planned"), text


@pytest.mark.parametrize("text", [
    "شهردار کازان که هفته گذشته به تبریز سفر کرده بود گفت به‌زودی تفاهم‌نامه‌ای امضا خواهد شد.",
    "شهردار کازان دیروز به تبریز سفر کرد؛ امضای تفاهم‌نامه به تعویق افتاد.",
    "در سفر هفته گذشته هیئت شهرداری کازان به تبریز هیچ سندی امضا نشد.",
])
def test_a_status_cue_of_another_fact_leaves_a_visit_done(text):
    graph = graph_of(text)
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {place('tabriz')} FILTER NOT EXISTS {{ ?v cdo:status ?s }}"), text


@pytest.mark.parametrize("text", [
    "شهردار کازان قصد ندارد به تبریز سفر کند.",
    "اگر شرایط فراهم شود شهردار کازان به تبریز سفر کند.",
])
def test_a_conditional_or_negated_visit_is_none(text):
    assert not ask(graph_of(text), "?v a cdo:Visit"), text


def test_a_cancelled_visit_has_the_cancelled_status():
    graph = graph_of("سفر شهردار کازان به تبریز لغو شد.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {place('tabriz')} ; cdo:status cdo:Cancelled")


def test_a_visit_to_this_city_is_to_the_place_named_last():
    graph = graph_of("برنامه اجرایی همکاری تبریز و کازان در شهر کازان امضا شد. شهردار تبریز که با هیئتی به این شهر "
                     "سفر کرده بود گفت: همکاری‌ها گسترش می‌یابد.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {iri('post/mayor/tabriz-municipality')}, {place('kazan')}")


def test_a_visit_made_before_a_plan_is_no_planned_visit():
    graph = graph_of("هیئتی از شهرداری کازان وارد تبریز شد و قرار است تفاهم‌نامه همکاری دو شهر امضا شود.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {place('tabriz')} FILTER NOT EXISTS {{ ?v cdo:status ?s }}")


def test_a_date_of_another_sentence_than_the_one_naming_a_fact_dates_the_statement():
    graph = graph_of("به مناسبت دهمین سالگرد خواهرخواندگی تبریز و کازان، جشنواره‌ای روز ۳ آبان ۱۴۰۲ در تبریز "
                     "برگزار شد. تبریز و کازان از سال ۱۳۹۲ خواهرخوانده‌اند.")
    assert ask(graph, '?a a cdo:SisterCityAgreement ; cdo:dateStart "2013-03-21"^^xsd:date')
    assert ask(graph, '?s a cdo:Statement ; dcterms:date "2023-10-25"^^xsd:date')


def test_a_date_dates_the_signing_or_meeting_of_its_clause_before_a_visit():
    graph = graph_of("هیئتی از شهرداری کازان روز ۳ آبان ۱۴۰۲ وارد تبریز شد و با شهردار تبریز دیدار کرد.")
    assert ask(graph, '?m a cdo:Meeting ; dcterms:date "2023-10-25"^^xsd:date')
    assert not ask(graph, '?v a cdo:Visit ; dcterms:date ?d')
    graph = graph_of("برنامه اجرایی همکاری تبریز و باکو روز ۳ آبان ۱۴۰۲ در حاشیه نشست شبکه متروپلیس تمدید شد.")
    assert ask(graph, '?a a cdo:ActionPlan ; dcterms:date "2023-10-25"^^xsd:date')


def test_officials_who_sign_in_person_meet_and_the_foreign_one_visits_the_venue():
    graph = graph_of("شهردار تبریز روز ۳ آبان ۱۴۰۲ در کازان با شهردار کازان برنامه اجرایی همکاری امضا کرد.")
    tabriz, kazan = iri('post/mayor/tabriz-municipality'), iri('post/mayor/kazan-municipality')
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {tabriz}, {kazan} ; cdo:about ?a . ?a a cdo:ActionPlan")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {tabriz}, {place('kazan')}")
    assert not ask(graph, f"?v a cdo:Visit ; cdo:participant {kazan}")
    graph = graph_of("پیمان خواهرخواندگی تبریز و کازان روز ۳ آبان ۱۴۰۲ در تبریز به امضای شهرداران دو شهر رسید. "
                     "شهردار کازان در این مراسم گفت: دو شهر پیوندهای کهنی دارند.")
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {place('tabriz')}, {kazan}")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {kazan}, {place('tabriz')}")


def test_a_meeting_in_a_city_of_the_country_a_side_travelled_to_is_no_second_visit():
    graph = graph_of("شهردار تبریز که در راس هیئتی به روسیه سفر کرده است، در حاشیه نشست شبکه متروپلیس در کازان با "
                     "شهردار کازان دیدار کرد.")
    tabriz, kazan = iri('post/mayor/tabriz-municipality'), iri('post/mayor/kazan-municipality')
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {tabriz}, {kazan}")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {tabriz}, {place('russia')}")
    assert not ask(graph, f"?v a cdo:Visit ; cdo:participant {place('kazan')}")


def test_an_envoy_at_a_renewal_ceremony_meets_the_parties():
    graph = graph_of("برنامه اجرایی همکاری‌های شهرداری تبریز و شهرداری کازان برای سه سال دیگر تمدید شد. به گفته شهردار "
                     "تبریز، این برنامه آموزش و گردشگری را در بر می‌گیرد و سرکنسول روسیه در تبریز نیز در مراسم تمدید آن "
                     "حضور داشت.")
    assert ask(graph, f"""?m a cdo:Meeting ; cdo:participant {iri('org/tabriz-municipality')},
        {iri('post/consul-general/consulate-of-russia-in-tabriz')} ; cdo:about ?a . ?a a cdo:ActionPlan""")


def test_a_foreign_official_at_a_signing_in_a_named_city_visits_it_and_meets_no_one_named():
    graph = graph_of("تفاهم‌نامه همکاری شهرداری تبریز و شهرداری کازان روز ۳ آبان ۱۴۰۲ در تبریز امضا شد. معاون شهردار "
                     "کازان در مراسم امضا گفت: دو شهر پیوندهای کهنی دارند.")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {iri('post/deputy-mayor/kazan-municipality')}, {place('tabriz')}")
    assert not ask(graph, "?m a cdo:Meeting")


def test_signers_named_with_the_instrument_named_again_meet_and_the_foreign_one_visits_the_venue():
    graph = graph_of("برنامه اجرایی همکاری شهرداری تبریز و شهرداری کازان روز ۳ آبان ۱۴۰۲ در کازان به امضا رسید. این سند "
                     "را معاون امور بین‌الملل شهرداری تبریز و معاون شهردار کازان امضا کردند.")
    tabriz, kazan = iri('post/deputy-mayor/tabriz-municipality'), iri('post/deputy-mayor/kazan-municipality')
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {tabriz}, {kazan} ; cdo:about ?a . ?a a cdo:ActionPlan")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {tabriz}, {place('kazan')}")
    graph = graph_of("برنامه اجرایی همکاری شهرداری تبریز و شهرداری کازان روز ۳ آبان ۱۴۰۲ در کازان به امضا رسید. معاون "
                     "امور بین‌الملل شهرداری تبریز و معاون شهردار کازان بر اجرای این سند تأکید کردند.")
    assert not ask(graph, "?m a cdo:Meeting")


def test_a_signing_with_no_official_named_is_no_meeting():
    graph = graph_of("شهرداری تبریز و شهرداری کازان در کازان برنامه اجرایی همکاری امضا کردند. به گفته شهردار تبریز "
                     "این برنامه سه‌ساله است.")
    assert not ask(graph, "?m a cdo:Meeting") and not ask(graph, "?v a cdo:Visit")


def test_an_official_at_a_network_forum_meets_the_network_and_a_city_admitted_there_does_not():
    graph = graph_of("شهردار تبریز در نشست کمیته اجرایی متروپلیس که هفته گذشته در مادرید برگزار شد، سخنرانی کرد.")
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {iri('post/mayor/tabriz-municipality')}, ?n . "
                      "?n a cdo:CityNetwork")
    graph = graph_of("شهر تبریز در نشست کمیته اجرایی متروپلیس به عضویت این شبکه درآمد.")
    assert not ask(graph, "?m a cdo:Meeting")
    graph = graph_of("شهر تبریز در نشست کمیته اجرایی متروپلیس به عضویت این شبکه درآمد. شهردار تبریز که در این نشست "
                     "حضور داشت گفت: عضویت فرصت تبادل تجربه است.")
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {iri('post/mayor/tabriz-municipality')}, ?n . "
                      "?n a cdo:CityNetwork")
    assert not ask(graph_of("شهردار تبریز قرار است در نشست آینده کمیته اجرایی متروپلیس شرکت کند."), "?m a cdo:Meeting")


def test_a_forum_noun_after_an_ordinal_is_a_forum_and_a_meeting_on_its_margin_is_read():
    mayor = iri('post/mayor/tabriz-municipality')
    graph = graph_of("شهردار تبریز در سومین همایش متروپلیس که در مادرید برگزار شد، گفت: شهرها تجربه‌های خود را به "
                     "اشتراک می‌گذارند. وی در حاشیه این همایش با شهردار کازان دیدار کرد.")
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {mayor}, ?n . ?n a cdo:CityNetwork")
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {mayor}, {iri('post/mayor/kazan-municipality')}")


def test_a_forum_named_again_keeps_the_date_and_venue_of_the_sentence_naming_it():
    graph = graph_of("شهر تبریز در نشست کمیته اجرایی متروپلیس که ۳ آبان ۱۴۰۲ در مادرید برگزار شد، به عضویت این "
                     "شبکه درآمد. شهردار تبریز که در این نشست حضور داشت گفت: عضویت فرصت تبادل تجربه است.")
    mayor = iri('post/mayor/tabriz-municipality')
    assert ask(graph, f'?m a cdo:Meeting ; cdo:participant {mayor} ; dcterms:date "2023-10-25"^^xsd:date')
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {mayor}, {place('madrid')}")


def test_officials_present_together_at_a_ceremony_meet():
    graph = graph_of("سرکنسول ترکیه در تبریز و شهردار تبریز در مراسم گشایش نمایشگاه فرش حضور داشتند.")
    mayor = iri('post/mayor/tabriz-municipality')
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {mayor}, ?c FILTER(?c != {mayor})")


def test_talks_a_quote_opens_with_are_a_meeting_of_who_quotes_them():
    graph = graph_of("شهردار تبریز گفت: گفت‌وگوهای فنی با شهرداری کازان درباره حمل‌ونقل هفته گذشته انجام شد.")
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {iri('post/mayor/tabriz-municipality')}, "
                      f"{iri('org/kazan-municipality')}")
    for text in ("شهردار تبریز گفت: موضوع تنها در حد گفت‌وگوهای اولیه با شهرداری کازان مطرح بوده است.",
                 "شهردار تبریز گفت: دیدار با سرکنسول ترکیه لغو شد.",
                 "شهردار تبریز گفت: اگر شرایط فراهم شود، نشست با شهرداری کازان برگزار می‌شود."):
        assert not ask(graph_of(text), "?m a cdo:Meeting"), text


def test_officials_present_after_a_long_post_meet():
    graph = graph_of("نمایشگاه فرش تبریز در مرکز شهر کازان گشایش یافت. در این مراسم سرکنسول جمهوری اسلامی ایران در "
                     "کازان و معاون شهردار کازان حضور داشتند.")
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {iri('post/consul-general/consulate-of-iran-in-kazan')}, "
                      f"{iri('post/deputy-mayor/kazan-municipality')}")


def test_he_is_the_speaker_and_a_meeting_in_a_foreign_city_is_a_visit_there():
    graph = graph_of("شهردار تبریز گفت: تبریز آماده همکاری است. وی در حاشیه این سفر در شهر کازان با شهردار کازان "
                     "دیدار کرد.")
    tabriz, kazan = iri('post/mayor/tabriz-municipality'), iri('post/mayor/kazan-municipality')
    assert ask(graph, f"?m a cdo:Meeting ; cdo:participant {tabriz}, {kazan}")
    assert ask(graph, f"?v a cdo:Visit ; cdo:participant {tabriz}, {place('kazan')}")
    assert not ask(graph, f"?v a cdo:Visit ; cdo:participant {kazan}")


def test_the_date_by_its_status_cue_dates_a_renewed_agreement():
    graph = graph_of("تبریز و کازان که از سال ۱۳۹۰ خواهرخوانده‌اند، پیمان خواهرخواندگی خود را اسفند ۱۴۰۱ برای پنج سال "
                     "دیگر تمدید کردند.")
    assert ask(graph, '''?a a cdo:SisterCityAgreement ; cdo:status cdo:Renewed ; cdo:dateStart "2023-02-20"^^xsd:date ;
        cdo:dateEnd "2023-03-20"^^xsd:date''')


@pytest.mark.parametrize("text, kind, start", [
    ("شهرداری زنجان و شهرداری قونیه که از سال ۱۳۹۰ خواهرخوانده‌اند، پیمان خود را اسفند ۱۴۰۱ تمدید کردند.",
     "SisterCityAgreement", '"2011-03-21"^^xsd:date'),
    ("شهرداری تبریز قرارداد آموزشی با شهرداری باکو را که سال ۲۰۱۸ امضا شده بود لغو کرد.", "Contract",
     '"2018"^^xsd:gYear'),
    ("برنامه اجرایی همکاری تبریز و باکو تمدید شد. این برنامه نخستین بار در سال ۱۳۹۸ امضا شده بود.", "ActionPlan",
     '"2019-03-21"^^xsd:date'),
])
def test_the_original_signing_of_a_renewed_or_cancelled_agreement_is_a_signing_of_its_own(text, kind, start):
    graph = graph_of(text)
    assert ask(graph, f"?s a cdo:Signing ; cdo:about ?a ; cdo:participant ?x, ?y ; cdo:dateStart {start} . "
                      f"?a a cdo:{kind} . FILTER(?x != ?y)"), text
    assert not ask(graph, f"?a a cdo:{kind} ; cdo:dateStart {start}"), text  # the agreement's date is the later event's
    from cdkg.mappings.pipeline import default_pipeline
    from cdkg.mappings.record import SourceRecord
    from cdkg.shapes.gate import Gate

    pipeline = default_pipeline()
    result = pipeline.extract(SourceRecord(text, 1, "test"))
    assert Gate.load(extra_context=pipeline.activity_triples()).check([(result.graph, result.triples)])[0].conforms
