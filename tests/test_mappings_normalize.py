"""Normalisation unifies letters, digits, marks, spacing and ZWNJ, and is stable."""
import pytest
from hypothesis import given, strategies as st

from cdkg.mappings.normalize import ZWNJ, normalize


@pytest.mark.parametrize("raw, expected", [
    ("شهردار كرمان", "شهردار کرمان"),  # Arabic kaf
    ("همكاري ميان شهرداري", "همکاری میان شهرداری"),  # Arabic yeh and kaf
    ("سال ۱۴۰۲ و ٢٠٢٣", "سال 1402 و 2023"),  # Persian and Arabic-Indic digits
    ("دیپلماسیِ شهری", "دیپلماسی شهری"),  # kasra
    ("تـــفاهم", "تفاهم"),  # tatweel
    ("خانۀ", "خانه"),  # heh with yeh above
    ("تأکید", "تاکید"),  # hamza on alef: the seed writes both تأکید and تاکید
    ("معاون وزیر کشورگفت: تشابهات", "معاون وزیر کشور گفت: تشابهات"),  # glued verb of saying
    ("شهردار اصفهان گفت:با وجود", "شهردار اصفهان گفت: با وجود"),  # missing space after the colon
    ("گفت : با", "گفت: با"),  # space before the colon
    ("ساعت 12:30 آغاز شد", "ساعت 12:30 آغاز شد"),  # a time keeps its colon
    ("شیراز ،  دوحه", "شیراز، دوحه"),
    ("تفاهم\u200c\u200cنامه", "تفاهم\u200cنامه"),  # doubled ZWNJ
    ("تفاهم\u200c نامه", "تفاهم نامه"),  # ZWNJ beside a space
    ("\u200fشیراز\u200e", "شیراز"),  # direction marks
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("word", ["میگفت: او", "نگفت: او", "شگفت: او"])
def test_inflections_of_the_verb_are_not_split(word):
    assert normalize(word) == word


@given(st.text(alphabet="شیرازكيگفت:، \u200c۱٢3ـَ.", max_size=40))
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


@given(st.text(alphabet="شیراز \u200c", max_size=30))
def test_no_zwnj_next_to_a_space(text):
    normalized = normalize(text)
    assert f" {ZWNJ}" not in normalized and f"{ZWNJ} " not in normalized
