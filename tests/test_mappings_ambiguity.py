"""Place names that are also words read as places only with a context cue; both readings are tested."""
import pytest

from cdkg.mappings.pipeline import Pipeline, default_pipeline
from cdkg.mappings.record import SourceRecord
from cdkg.ontology.namespaces import CDO, ID, RDF, RDFS


def mentions(text):
    """Return the places, organisations and posts a statement mentions."""
    triples = default_pipeline().extract(SourceRecord(text, 1, "test")).triples
    return {o for s, p, o in triples if p == CDO.mentions}


@pytest.mark.parametrize("place, as_place, as_word", [
    ("dushanbe", "هیئتی از شهر دوشنبه پایتخت تاجیکستان به مشهد آمد.",
     "جلسه شورای شهر روز دوشنبه برگزار شد."),
    ("dushanbe", "تفاهم‌نامه همکاری بین مشهد و دوشنبه امضا شد.",
     "دوشنبه هفته آینده تعطیل است."),
    ("dushanbe", "شهرداری دوشنبه و شهرداری مشهد همکاری می‌کنند.",
     "کلاس‌ها از دوشنبه آغاز می‌شود."),
    ("van", "هیئتی از شهر وان ترکیه برای همکاری به تبریز سفر کرد.",
     "مصرف آب در حمام و وان منازل افزایش یافته است."),
    ("van", "تبریز و وان در حوزه گردشگری همکاری دارند.",
     "این وان جدید نصب شد."),
    ("bam", "شهردار بم گفت: بازسازی ادامه دارد.",
     "مردم از بم و کوچه‌های تاریک شکایت دارند."),
    ("nur", "شهرهای نور و آمل در حوزه گردشگری همکاری دارند.",
     "دوربین‌های جدید در خیابان نور نصب شد."),
    ("qatar", "سفیر ایران در قطر با شهردار شیراز دیدار کرد.",
     "قطر این لوله دو متر است."),
])
def test_both_readings(place, as_place, as_word):
    assert ID[f"place/{place}"] in mentions(as_place)
    assert ID[f"place/{place}"] not in mentions(as_word)


def test_jerusalem_needs_a_cue():
    assert ID["place/jerusalem"] in mentions("شهرهای قدس و دمشق در حوزه فرهنگی همکاری دارند.")
    assert ID["place/jerusalem"] not in mentions("آستان قدس رضوی موقوفات زیادی دارد.")


def test_one_word_split_across_words_is_not_a_place():
    assert not any("place/" in str(iri) for iri in mentions("او خبر داد و رفت."))


def test_adjective_of_a_city_is_not_the_city():
    assert ID["place/amran"] not in mentions("تمام پروژه‌های عمرانی شهر فعال است.")


def test_large_city_needs_no_cue():
    triples = default_pipeline().extract(SourceRecord("کازان شهری زیباست.", 1, "test")).triples
    assert (ID["place/kazan"], RDF.type, CDO.City) in triples


def test_a_foreign_division_is_read_by_its_full_name_or_its_bare_name_beside_a_role_or_country():
    assert ID["place/wasit-governorate"] in mentions("هیئتی از استان واسط برای گفت‌وگو به ایلام آمد.")
    assert ID["org/wasit-governorate"] in mentions("استاندار واسط با فرماندار مهران دیدار کرد.")
    assert ID["place/nimruz-province"] in mentions("زرنج مرکز نیمروز افغانستان است.")
    # the bare name alone is the everyday word: a mediating company, not the division
    assert ID["place/wasit-governorate"] not in mentions("یک شرکت واسط این کالا را وارد کرد.")


def test_a_division_name_written_as_one_word_is_another_word():
    # استان بولی (Bolu Province) spelled without the space is the adjective of Istanbul
    assert ID["place/bolu-province"] not in mentions("بازیکنان استانبولی به اصفهان آمدند.")
    assert ID["place/bolu-province"] in mentions("هیئتی از استان بولی ترکیه به اصفهان آمد.")


@pytest.mark.parametrize("place, as_place, as_word", [
    ("mary", "هیئتی از شهر ماری ترکمنستان به مشهد آمد.", "ماری کوری دو بار جایزه نوبل گرفت."),
    ("nis", "شهردار نیش با استاندار مرکزی دیدار کرد.", "نیش زنبور دردناک است."),
])
def test_cities_named_by_words_are_kept_for_a_cue(place, as_place, as_word):
    assert ID[f"place/{place}"] in mentions(as_place)
    assert ID[f"place/{place}"] not in mentions(as_word)


def test_an_island_city_is_named_with_the_word_island():
    assert ID["place/kish"] in mentions("نمایشگاه گردشگری در جزیره کیش برگزار شد.")
    assert ID["place/kish"] not in mentions("او با یک کیش و مات بازی را برد.")


@pytest.mark.parametrize("place, as_place, as_word", [
    ("china", "هیئتی از شهرداری تبریز برای نمایشگاه به چین سفر کرد.", "این پارچه چین زیادی دارد و به خیاط سپرده شد."),
    ("kish", "شهردار بوشهر در سفر به کیش از بازارچه دیدن کرد.", "او کیش خود را به دیگران تحمیل نمی‌کند."),
])
def test_the_destination_of_a_visit_is_a_place(place, as_place, as_word):
    assert ID[f"place/{place}"] in mentions(as_place)
    assert ID[f"place/{place}"] not in mentions(as_word)


def test_a_division_and_its_country_vouch_for_each_other():
    found = mentions("کاشغر در غرب سین‌کیانگ چین قرار دارد.")
    assert {ID["place/xinjiang"], ID["place/china"]} <= found


@pytest.mark.parametrize("place, as_place, as_word", [
    ("sari", "هیئت فرهنگی گیلان دیروز از ساری، مرکز استان همسایه، بازدید کرد.", "این بیماری ساری در روستا شایع شد."),
    ("sari", "قرارداد همکاری شهر رشت با ساری را شورا تأیید کرد.", "زنان با ساری رنگی در جشن حاضر شدند."),
    ("mobarakeh", "نمایندگان ذوب‌آهن در مبارکه به گفت‌وگو نشستند.", "این روز مبارکه را به همه تبریک گفتند."),
])
def test_a_name_whose_word_is_an_adjective_is_the_place_after_a_preposition(place, as_place, as_word):
    assert ID[f"place/{place}"] in mentions(as_place)
    assert ID[f"place/{place}"] not in mentions(as_word)


def test_a_city_the_gazetteer_lacks_is_minted_from_its_latin_gloss_after_shahr_or_before_its_country():
    triples = default_pipeline().extract(SourceRecord(
        "هیئتی از شهر پوهانگ (Pohang) به بوشهر آمد و با شهردار زوگدیدی (Zugdidi) گرجستان دیدار کرد.", 1, "test")).triples
    minted = {s for s, p, o in triples if p == RDF.type and o == CDO.City}
    assert {ID["place/pohang"], ID["place/zugdidi-georgia"]} <= minted
    assert (ID["place/zugdidi-georgia"], CDO.country, ID["place/georgia"]) in triples
    # an acronym or a gloss without the word شهر or a country is no city
    found = mentions("قرارداد با شرکت دولتی ایندیا پورتس (IPGL) و موسسه نوا (Nova) امضا شد.")
    assert not any("place/" in str(iri) for iri in found)


def test_a_minted_city_is_labelled_as_each_statement_writes_it_in_any_order():
    # Two spellings of one glossed city: each statement's graph holds its own, whichever was read first (the
    # build's output must not depend on the order statements reach a worker).
    texts = ["شهردار مشهد از شهر پوهانگ (Pohang) دیدن کرد.", "شهردار مشهد از شهر پهانگ (Pohang) دیدن کرد."]

    def labels(order):
        pipeline = Pipeline.load()
        found = {}
        for text in order:
            triples = pipeline.extract(SourceRecord(text, 1, "test")).triples
            found[text] = {str(o) for s, p, o in triples if s == ID["place/pohang"] and p == RDFS.label
                           and o.language == "fa"}
        return found
    assert labels(texts) == labels(texts[::-1]) == {texts[0]: {"پوهانگ"}, texts[1]: {"پهانگ"}}
