"""Rules for predicates and cues: sister-city ties without a document word, status cues, verbs of saying,
cooperation as a relation, province roles and countries after their cities."""
import pytest
from rdflib import Graph, Literal

from cdkg.mappings.pipeline import Pipeline, default_pipeline, load_ontology_graph, reference_triples, REFERENCE_DIR
from cdkg.mappings.record import SourceRecord
from cdkg.ontology.namespaces import CDC, CDO, ID, PREFIXES


def graph_of(text, pipeline=None):
    graph = Graph()
    for triple in (pipeline or default_pipeline()).extract(SourceRecord(text, 1, "test")).triples:
        graph.add(triple)
    return graph


def ask(graph, where):
    return graph.query(f"ASK {{ {where} }}", initNs=PREFIXES).askAnswer


def place(slug):
    return f"<{ID['place/' + slug]}>"


@pytest.mark.parametrize("text, first, second, status", [
    ("سمنان و دامغان از دیرباز خواهرخوانده هستند.", "semnan", "damghan", "Existing"),
    ("شهر کاشان با شهر بخارا خواهرخوانده شد.", "kashan", "bukhara", "Signed"),
    ("خواهرخواندگی اهواز و بصره در دستور کار است.", "ahvaz", "basrah", "Planned"),
    ("شهردار رشت پیشنهاد کرد رشت و باتومی خواهرخوانده شوند.", "rasht", "batumi", "Proposed"),
    ("کاشان به عنوان شهر خواهرخوانده بخارا به شمار می‌آید.", "kashan", "bukhara", "Existing"),  # no coming visit
])
def test_a_sister_city_tie_without_a_document_word_is_an_agreement(text, first, second, status):
    graph = graph_of(text)
    assert ask(graph, f"""?a a cdo:SisterCityAgreement ; cdo:party ?x, ?y ; cdo:status cdo:{status} .
                          VALUES (?x ?y) {{ ({place(first)} {place(second)}) }}"""), text
    twinned = ask(graph, f"{place(first)} cdo:twinnedWith {place(second)}")
    assert twinned == (status in ("Signed", "Existing")), text  # only a tie that holds twins the cities


def test_municipalities_in_a_signed_sister_city_agreement_twin_their_cities():
    graph = graph_of("پیمان خواهرخواندگی شهرداری یزد و شهرداری کاشغر امضا شد.")
    assert ask(graph, f"?a cdo:party <{ID['org/yazd-municipality']}>, <{ID['org/kashgar-municipality']}>")
    assert ask(graph, f"{place('yazd')} cdo:twinnedWith {place('kashgar')}")


def test_two_cities_that_are_merely_alike_are_not_twinned():
    graph = graph_of("قزوین و کاشان هر دو شهرهای تاریخی هستند.")
    assert not ask(graph, "?a a cdo:CooperationInstrument")
    assert not ask(graph, "?x cdo:twinnedWith ?y")


@pytest.mark.parametrize("text, status", [
    ("شهرداری قزوین آمادگی خود را برای امضای تفاهم‌نامه همکاری با شهرداری قونیه اعلام کرد.", "Proposed"),
    ("شهرداری قزوین آماده امضای تفاهم‌نامه همکاری با شهرداری قونیه است.", "Proposed"),
    ("تفاهم‌نامه همکاری شهرداری قزوین و شهرداری قونیه ماه آینده امضا می‌شود.", "Planned"),
    ("تفاهم‌نامه همکاری شهرداری قزوین و شهرداری قونیه به امضا خواهد رسید.", "Planned"),
    ("شهرداری قزوین تفاهم‌نامه همکاری با شهرداری قونیه را فسخ کرد.", "Cancelled"),
    ("برای دومین سال متوالی امضای تفاهم‌نامه همکاری شهرداری قزوین و شهرداری قونیه به تعویق افتاد.", "Planned"),
])
def test_status_cues(text, status):
    assert ask(graph_of(text), f"?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:{status}"), text


@pytest.mark.parametrize("verb", ["خبر داد", "اظهار داشت", "افزود", "اعلام کرد", "تصریح کرد"])
def test_verbs_of_saying_name_the_speaker(verb):
    graph = graph_of(f"شهردار قزوین {verb}: همکاری با شهرهای ترکیه ادامه دارد.")
    assert ask(graph, f"?s cdo:speaker <{ID['post/mayor/qazvin-municipality']}>")


def test_a_verb_of_saying_comes_from_the_ontology():
    text = "شهردار قزوین بازگو کرد: همکاری ادامه دارد."
    assert not ask(graph_of(text), "?s cdo:speaker ?p")
    edited = Graph()
    for triple in load_ontology_graph():
        edited.add(triple)
    edited.add((CDO.Statement, CDO.lexicalCue, Literal("بازگو کرد", lang="fa")))
    pipeline = Pipeline.load(ontology_graph=edited, reference=list(reference_triples(sorted(REFERENCE_DIR.glob("*.ttl")))))
    assert ask(graph_of(text, pipeline), f"?s cdo:speaker <{ID['post/mayor/qazvin-municipality']}>")


@pytest.mark.parametrize("text", [
    "زاهدان و کویته در حوزه تجارت همکاری می‌کنند.",
    "شهرداری زاهدان با شهرداری کویته در حوزه تجارت همکاری می‌کند.",
])
def test_cooperating_sides_make_a_relation_with_its_domain(text):
    graph = graph_of(text)
    assert ask(graph, f"""?r a cdo:Relation ; cdo:relates ?x, ?y ; cdo:cooperationDomain <{CDC['domain-trade']}> .
                          FILTER(?x != ?y)"""), text
    assert ask(graph, f"?s cdo:topic <{CDC['domain-trade']}>")


@pytest.mark.parametrize("text, status", [
    ("زنجان و قونیه سال‌هاست در حوزه گردشگری با هم همکاری می‌کنند.", "Existing"),
    ("شهردار یزد گفت: یزد و بخارا می‌توانند در حوزه صنایع دستی همکاری کنند.", "Proposed"),
    ("قرار است شهرداری اردبیل و شهرداری باکو در زمینه حمل‌ونقل همکاری کنند.", "Planned"),
    ("همکاری شهرداری کرمان و شهرداری هرات در زمینه پسماند در دست بررسی است.", "UnderStudy"),
    ("شهردار اصفهان گفت: اصفهان و ایروان ظرفیت زیادی برای همکاری در حوزه گردشگری دارند.", "Proposed"),
    ("شهردار کرمان بر تقویت همکاری‌های کرمان و هرات در حوزه تجارت تاکید کرد.", "Proposed"),
    ("شهردار کرمان گفت: کرمان و هرات توافق کردند یک نمایشگاه مشترک صنایع دستی در هرات برپا شود.", "Planned"),
    ("قرارداد آموزشی شهرداری کرمان و شهرداری هرات امضا شد. به گفته شهردار کرمان، این قرارداد در ادامه "
     "همکاری‌های دو شهر در حوزه آموزش است.", "Existing"),
    ("شهرداری تبریز برای سومین سال پیاپی با هماهنگی شهرداری نجف در خدمت‌رسانی به زائران مشارکت می‌کند.", "Existing"),
])
def test_a_relation_has_the_status_its_cues_give(text, status):
    assert ask(graph_of(text), f"?r a cdo:Relation ; cdo:relates ?x, ?y ; cdo:status cdo:{status} . FILTER(?x != ?y)"), text


def test_cooperation_of_citizens_is_no_relation():
    graph = graph_of("شهردار زاهدان گفت: همکاری شهروندان با ماموران جمع‌آوری پسماند ضروری است.")
    assert not ask(graph, "?r a cdo:Relation")
    assert not ask(graph, "?s cdo:topic ?c")


@pytest.mark.parametrize("text, concept", [
    ("تفاهم‌نامه همکاری بین شهرداری کاشان و شهرداری بخارا در زمینه صنایع دستی امضا شد.", "domain-handicrafts"),
    ("تفاهم‌نامه همکاری بین شهرداری کاشان و شهرداری بخارا در زمینه کشاورزی امضا شد.", "domain-agriculture"),
    ("تفاهم‌نامه همکاری بین شهرداری کاشان و شهرداری بخارا در زمینه شهر هوشمند امضا شد.", "domain-smart-city"),
    ("تفاهم‌نامه همکاری بین شهرداری کاشان و شهرداری بخارا در زمینه مدیریت پسماند امضا شد.", "domain-waste-management"),
])
def test_new_cooperation_domains_are_recognised(text, concept):
    assert ask(graph_of(text), f"?a cdo:cooperationDomain <{CDC[concept]}>"), text


@pytest.mark.parametrize("text, province, city", [
    ("استاندار کرمان گفت: همکاری با هرات ادامه دارد.", "kerman-province", "kerman"),
    ("استاندار آذربایجان شرقی گفت: همکاری با باکو ادامه دارد.", "east-azerbaijan-province", None),
    ("رئیس شورای اسلامی استان فارس گفت: همکاری با دوشنبه ادامه دارد.", "fars-province", None),
])
def test_a_province_role_names_the_province(text, province, city):
    mentioned = {o for s, p, o in graph_of(text) if p == CDO.mentions}
    assert ID["place/" + province] in mentioned
    if city:
        assert ID["place/" + city] not in mentioned


def test_fars_alone_is_a_word_not_the_province():
    mentioned = {o for s, p, o in graph_of("به گزارش خبرگزاری فارس، جلسه برگزار شد.") if p == CDO.mentions}
    assert ID["place/fars-province"] not in mentioned


def test_an_ambiguous_country_after_its_city_is_the_country():
    mentioned = {o for s, p, o in graph_of("هیئتی از کاشغر چین به یزد آمد.") if p == CDO.mentions}
    assert ID["place/china"] in mentioned
    assert ID["place/china"] not in {o for s, p, o in graph_of("این پارچه چین زیادی دارد.") if p == CDO.mentions}


def test_a_document_of_no_named_kind_is_a_cooperation_agreement():
    graph = graph_of("سند همکاری میان شهرداری شیراز و شهرداری دوحه امضا شد.")
    assert ask(graph, "?a a cdo:CooperationAgreement ; cdo:status cdo:Signed")
    assert not ask(graph, "?a a cdo:CooperationInstrument")  # only the kind is asserted; the build infers the rest


def test_reporting_the_signing_is_signed():
    graph = graph_of("شهردار تبریز از امضای تفاهم‌نامه همکاری با شهرداری باکو خبر داد.")
    assert ask(graph, f"""?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:Signed ;
                          cdo:party <{ID['org/tabriz-municipality']}>, <{ID['org/baku-municipality']}>""")


def test_the_partner_of_a_cooperation_may_follow_its_domain():
    graph = graph_of("استاندار گیلان در دیدار با سرکنسول روسیه در رشت بر توسعه همکاری‌های اقتصادی با آستراخان تأکید کرد.")
    # استاندار گیلان is the governor of Gilan's governorate, which stands for the province as a municipality does
    # for its city (شهردار تبریز).
    assert ask(graph, f"?r a cdo:Relation ; cdo:relates <{ID['org/gilan-province-governorate']}>, {place('astrakhan')}")
    assert ask(graph, f"<{ID['org/gilan-province-governorate']}> cdo:governs {place('gilan-province')}")


@pytest.mark.parametrize("text, first, second", [
    ("تفاهم‌نامه همکاری شهرداری شیراز با شهرداری دوحه امضا شد.", "org/shiraz-municipality", "org/doha-municipality"),
    ("تبریز شهر خواهرخوانده باکو است.", "place/tabriz", "place/baku"),
    ("میان شیراز و شهر کازان تفاهم‌نامه همکاری وجود دارد.", "place/shiraz", "place/kazan"),
])
def test_parties_around_the_instrument_word(text, first, second):
    assert ask(graph_of(text), f"?a cdo:party <{ID[first]}>, <{ID[second]}>"), text


@pytest.mark.parametrize("text, chamber, city", [
    ("اتاق بازرگانی همدان با هیئتی از ازمیر دیدار کرد.", "hamadan-chamber-of-commerce", "hamadan"),
    ("اتاق بازرگانی، صنایع، معادن و کشاورزی قزوین میزبان بازرگانان شد.", "qazvin-chamber-of-commerce", "qazvin"),
])
def test_a_chamber_of_commerce_is_composed_from_its_kind_and_place(text, chamber, city):
    graph = graph_of(text)
    assert ask(graph, f"?s cdo:mentions <{ID['org/' + chamber]}> . <{ID['org/' + chamber]}> a cdo:ChamberOfCommerce ; "
                      f"cdo:country {place('iran')}")
    assert ask(graph, f"?s cdo:mentions {place(city)}")


def test_a_gulf_municipality_may_serve_a_governorate():
    graph = graph_of("یادداشت تفاهم شهرداری بندرعباس و بلدیه ظفار امضا شد.")
    assert ask(graph, f"<{ID['org/dhofar-governorate-municipality']}> a cdo:Municipality ; "
                      f"cdo:governs {place('dhofar-governorate')}")


@pytest.mark.parametrize("text, entities", [
    ("سازمان منطقه آزاد قشم با بندر صلاله همکاری می‌کند.", ["org/qeshm-free-zone-organization"]),
    ("هیئتی از اقلیم کردستان عراق به ارومیه آمد.", ["place/kurdistan-region", "place/iraq"]),
    ("همکاری شهرهای آسیا و اقیانوسیه در نشست متروپلیس بررسی شد.", ["place/asia-pacific", "org/metropolis"]),
    ("سازمان همکاری پایتخت‌ها و شهرهای اسلامی عضو تازه‌ای پذیرفت.", ["org/organization-of-islamic-capitals-and-cities"]),
])
def test_curated_bodies_and_regions_are_named(text, entities):
    graph = graph_of(text)
    for entity in entities:
        assert ask(graph, f"?s cdo:mentions <{ID[entity]}>")


@pytest.mark.parametrize("text, body, kind", [
    ("تفاهم‌نامه شهرداری شیراز و دولت شهر سن پترزبورگ امضا شد.", "saint-petersburg-municipality", "Municipality"),
    ("هیئتی از دولت استانی بصره به آبادان آمد.", "basrah-governorate", "Governorate"),
])
def test_a_government_of_a_city_or_region_is_its_own_body(text, body, kind):
    assert ask(graph_of(text), f"?s cdo:mentions <{ID['org/' + body]}> . <{ID['org/' + body]}> a cdo:{kind}")


def test_a_chamber_of_commerce_may_name_its_trades_before_its_place():
    graph = graph_of("اتاق بازرگانی و صنایع ازمیر با اتاق بازرگانی تبریز تفاهم‌نامه امضا کرد.")
    assert ask(graph, f"?s cdo:mentions <{ID['org/izmir-chamber-of-commerce']}>")
    assert not ask(graph_of("اتاق بازرگانی و شهرداری تبریز همکاری کردند."),
                   f"?s cdo:mentions <{ID['org/tabriz-chamber-of-commerce']}>")


@pytest.mark.parametrize("text, university, kind", [
    ("دانشگاه علوم پزشکی شیراز با دانشگاه کابل همکاری می‌کند.", "shiraz-university-of-medical-sciences",
     "MedicalUniversity"),
    ("دانشگاه علوم پزشکی شیراز با دانشگاه کابل همکاری می‌کند.", "kabul-university", "University"),
])
def test_a_university_is_composed_from_its_kind_and_place(text, university, kind):
    body = f"<{ID['org/' + university]}>"
    assert ask(graph_of(text), f"?s cdo:mentions {body} . {body} a cdo:{kind}")


def test_a_university_with_a_name_of_its_own_is_not_its_citys():
    graph = graph_of("همایش آب در دانشگاه شهید چمران اهواز برگزار شد.")
    assert ask(graph, """?s cdo:mentions ?u . ?u a cdo:University ; rdfs:label "دانشگاه شهید چمران اهواز"@fa""")
    assert ask(graph, f"?s cdo:mentions {place('ahvaz')}")
    assert not ask(graph, f"?s cdo:mentions <{ID['org/ahvaz-university']}>")


@pytest.mark.parametrize("text, post", [
    ("معاون پژوهشی دانشگاه علوم پزشکی تبریز گفت: طرح ادامه دارد.",
     "vice-chancellor/tabriz-university-of-medical-sciences"),
    ("رئیس دانشگاه تبریز گفت: طرح ادامه دارد.", "university-president/tabriz-university"),
    ("یک استاد اقتصاد دانشگاه تبریز گفت: طرح ادامه دارد.", "professor/tabriz-university"),
    ("رئیس اتاق بازرگانی و صنایع ازمیر گفت: طرح ادامه دارد.", "chamber-president/izmir-chamber-of-commerce"),
    ("رئیس اتاق کرمان گفت: طرح ادامه دارد.", "chamber-president/kerman-chamber-of-commerce"),
])
def test_a_post_of_a_university_or_chamber_speaks(text, post):
    assert ask(graph_of(text), f"?s cdo:speaker <{ID['post/' + post]}>")


def test_a_club_named_with_its_city_is_a_club_of_its_own():
    graph = graph_of("باشگاه سپاهان اصفهان با باشگاه پاختاکور دیدار دوستانه داشت.")
    assert ask(graph, """?s cdo:mentions ?club . ?club a cdo:SportsClub ; rdfs:label "باشگاه سپاهان اصفهان"@fa""")
    assert not ask(graph, f"?s cdo:mentions <{ID['org/isfahan-sports-club']}>")


@pytest.mark.parametrize("text, post, label", [
    ("رئیس دانشگاه علوم پزشکی کرمان گفت: طرح ادامه دارد.", "university-president/kerman-university-of-medical-sciences",
     "رئیس دانشگاه علوم پزشکی کرمان"),
    ("رئیس شورای اسلامی شهر کرمان گفت: طرح ادامه دارد.", "council-chair/kerman-city-council",
     "رئیس شورای اسلامی شهر کرمان"),
])
def test_a_post_whose_role_names_its_bodys_kind_says_the_kind_once(text, post, label):
    assert ask(graph_of(text), f"""?s cdo:speaker <{ID['post/' + post]}> . <{ID['post/' + post]}> rdfs:label "{label}"@fa""")


def test_a_body_named_inside_a_role_starts_at_its_kind():
    text = "رئیس شورای اسلامی شهر تبریز با هیئتی از باکو دیدار کرد."
    body = f"<{ID['org/tabriz-city-council']}>"
    assert ask(graph_of(text), f"""?phrase itsrdf:taIdentRef {body} ; nif:beginIndex ?b ; nif:endIndex ?e
        FILTER(?b = {len("رئیس ")} && ?e = {len("رئیس شورای اسلامی شهر تبریز")})""")


@pytest.mark.parametrize("text, label, part", [
    ("سازمان حمل‌ونقل و ترافیک شهر اصفهان با فرایبورگ همکاری می‌کند.", "سازمان حمل‌ونقل و ترافیک شهر اصفهان",
     "place/isfahan"),
    ("سازمان پسماند شهرداری رشت با شهرداری باکو همکاری می‌کند.", "سازمان پسماند شهرداری رشت",
     "org/rasht-municipality"),
])
def test_a_body_of_a_city_is_named_by_its_words_before_the_city(text, label, part):
    graph = graph_of(text)
    assert ask(graph, f"""?s cdo:mentions ?body, <{ID[part]}> . ?body a cdo:Organization ; rdfs:label "{label}"@fa""")
    assert not ask(graph_of("این سازمان با شهرداری رشت همکاری می‌کند."),
                   "?s cdo:mentions ?body . ?body rdfs:label ?l FILTER(STRSTARTS(STR(?l), 'سازمان'))")


def test_a_district_municipality_is_its_citys_numbered_district():
    graph = graph_of("شهرداری منطقه ۱۲ مشهد با شهرداری هرات همکاری می‌کند.")
    body = f"<{ID['org/mashhad-district-12-municipality']}>"
    assert ask(graph, f"?s cdo:mentions {body} . {body} a cdo:Municipality")
    assert ask(graph, f"?s cdo:mentions {place('mashhad')}")
    assert not ask(graph, f"?s cdo:mentions <{ID['org/mashhad-municipality']}>")
