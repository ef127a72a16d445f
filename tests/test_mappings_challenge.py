"""`cdkg evaluate` scores the challenge corpus format: a benchmark line for CI, no threshold on the figures."""
import json
from pathlib import Path

import pytest

from cdkg.kg.cli import main
from cdkg.mappings.challenge import CATEGORIES, evaluate_challenge, is_challenge
from cdkg.mappings.evaluate import read_gold
from cdkg.mappings.pipeline import default_pipeline

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PARTS = [CORPUS / "challenge-a.jsonl", CORPUS / "challenge-b.jsonl"]
TEXT = "شهردار شیراز گفت: تفاهم‌نامه همکاری بین شهرداری شیراز و شهرداری دوحه امضا شد."


def item(**overrides):
    """Return a challenge-format gold item for TEXT, with some keys replaced."""
    gold = {
        "id": "t1", "line": 1, "text": TEXT, "negative": False, "must_not": [], "notes": "", "concepts": [],
        "speaker": {"role": "mayor", "of": "Shiraz Municipality", "person": None},
        "places": [{"en": "Shiraz", "fa": "شیراز", "type": "city"}, {"en": "Doha", "fa": "دوحه", "type": "city"}],
        "organisations": [{"en": "Shiraz Municipality", "fa": "شهرداری شیراز", "type": "municipality"},
                          {"en": "Doha Municipality", "fa": "شهرداری دوحه", "type": "municipality"}],
        "persons": [], "posts": [{"role": "mayor", "of": "Shiraz Municipality", "fa": "شهردار شیراز"}],
        "agreements": [{"kind": "cooperation-agreement", "status": "signed", "date": None, "domains": [],
                        "parties": ["Shiraz Municipality", "Doha Municipality"]}],
        "meetings": [], "visits": [], "memberships": [], "dates": [],
    }
    return gold | overrides


def test_benchmark_scores_every_item_of_the_corpus(capsys):
    assert main(["evaluate", *map(str, PARTS)]) == 0
    out = capsys.readouterr().out
    print(out)  # the benchmark line: per-category P/R/F1 of the current rules, read from the CI log
    assert "items scored: 120;" in out
    for category in CATEGORIES:
        assert f"\n{category} " in out


def test_challenge_format_is_told_from_the_dev_format():
    assert is_challenge(read_gold(PARTS[0]))
    assert not is_challenge(read_gold(Path(__file__).parent / "gold" / "dev.jsonl"))


def test_matching_agreement_post_and_speaker_count_as_found():
    scorer = evaluate_challenge(default_pipeline(), [item()])
    for category in ("agreements", "status", "posts", "speaker-post"):
        assert (scorer.scores[category].tp, scorer.scores[category].fp, scorer.scores[category].fn) == (1, 0, 0)
    assert scorer.scores["entities"].fn == 0


def test_wrong_parties_kind_or_status_count_as_misses():
    wrong = item(agreements=[{"kind": "sister-city", "status": "signed", "parties": ["Shiraz", "Doha"],
                              "date": None, "domains": []}])
    scorer = evaluate_challenge(default_pipeline(), [wrong])
    assert (scorer.scores["agreements"].tp, scorer.scores["agreements"].fp, scorer.scores["agreements"].fn) == (0, 1, 1)
    planned = item()
    planned["agreements"][0]["status"] = "planned"
    scorer = evaluate_challenge(default_pipeline(), [planned])
    assert scorer.scores["agreements"].tp == 1 and scorer.scores["status"].tp == 0


def test_facts_on_a_negative_item_are_counted(tmp_path, capsys):
    gold = tmp_path / "negative.jsonl"
    gold.write_text(json.dumps(item(negative=True, agreements=[])) + "\n", encoding="utf-8")
    assert main(["evaluate", str(gold), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "negatives: 1 items, 1 false facts" in out
    assert "t1 agreements: missing [] unexpected" in out


def test_mixed_formats_are_refused(capsys):
    assert main(["evaluate", str(PARTS[0]), str(Path(__file__).parent / "gold" / "dev.jsonl")]) == 2
    assert "mix" in capsys.readouterr().err


def test_a_challenge_item_without_a_list_is_refused_by_line(tmp_path, capsys):
    gold = tmp_path / "bad.jsonl"
    broken = item()
    broken["persons"] = None
    gold.write_text(json.dumps(item()) + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
    assert main(["evaluate", str(gold)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_reports_of_one_agreement_are_counted_on_one_shared_node():
    # The same memorandum in two wordings, and one with another city: the build's identity keys give two nodes.
    again = item(id="t2", line=2, text="تفاهم‌نامه همکاری میان شهرداری دوحه و شهرداری شیراز به امضا رسید.")
    other = item(id="t3", line=3, text="تفاهم‌نامه همکاری بین شهرداری شیراز و شهرداری قونیه امضا شد.",
                 places=[{"en": "Shiraz", "fa": "شیراز", "type": "city"}, {"en": "Konya", "fa": "قونیه", "type": "city"}],
                 organisations=[{"en": "Shiraz Municipality", "fa": "شهرداری شیراز", "type": "municipality"},
                                {"en": "Konya Municipality", "fa": "شهرداری قونیه", "type": "municipality"}],
                 agreements=[{"kind": "cooperation-agreement", "status": "signed", "date": None, "domains": [],
                              "parties": ["Shiraz Municipality", "Konya Municipality"]}])
    scorer = evaluate_challenge(default_pipeline(), [item(), again, other])
    assert scorer.scores["agreements"].tp == 3
    assert scorer.identity_line() == ("agreement nodes: 2 for 2 distinct gold agreements; "
                                      "0 merge different gold agreements, 0 gold agreements are on several nodes")


def test_a_visit_counts_when_the_gold_spells_its_destination_otherwise():
    text = "شهردار باکو به ارومیه سفر کرد."
    visit = item(text=text, places=[{"en": "Urmia", "fa": "ارومیه", "type": "city"},
                                    {"en": "Baku", "fa": "باکو", "type": "city"}],
                 organisations=[], posts=[], speaker=None, agreements=[],
                 visits=[{"visitor": "mayor of Baku", "to": "Urmia"}])
    scorer = evaluate_challenge(default_pipeline(), [visit])
    assert (scorer.scores["visits"].tp, scorer.scores["visits"].fp, scorer.scores["visits"].fn) == (1, 0, 0)


def test_a_visitor_counts_when_the_gold_spells_its_city_otherwise():
    text = "شهردار ارومیه به باکو سفر کرد."
    visit = item(text=text, places=[{"en": "Urmia", "fa": "ارومیه", "type": "city"},
                                    {"en": "Baku", "fa": "باکو", "type": "city"}],
                 organisations=[], posts=[], speaker=None, agreements=[],
                 visits=[{"visitor": "mayor of Urmia", "to": "Baku"}])
    scorer = evaluate_challenge(default_pipeline(), [visit])
    assert (scorer.scores["visits"].tp, scorer.scores["visits"].fp, scorer.scores["visits"].fn) == (1, 0, 0)


def test_a_planned_visit_is_no_visit_on_either_side():
    text = "شهردار باکو ماه آینده به ارومیه سفر خواهد کرد."
    visit = item(text=text, places=[{"en": "Urmia", "fa": "ارومیه", "type": "city"},
                                    {"en": "Baku", "fa": "باکو", "type": "city"}],
                 organisations=[], posts=[], speaker=None, agreements=[],
                 visits=[{"visitor": "mayor of Baku", "to": "Urmia", "status": "planned"}])
    scorer = evaluate_challenge(default_pipeline(), [visit])
    assert (scorer.scores["visits"].tp, scorer.scores["visits"].fp, scorer.scores["visits"].fn) == (0, 0, 0)


def test_a_meeting_counts_when_the_gold_describes_a_network_in_several_words():
    text = "دبیرکل مجمع شهرداران آسیایی در دیدار با شهردار باکو گفت: همکاری گسترش می‌یابد."
    meeting = item(text=text, places=[{"en": "Baku", "fa": "باکو", "type": "city"}], organisations=[], posts=[],
                   speaker=None, agreements=[],
                   meetings=[{"participants": ["secretary-general of the Asian Mayors Forum", "mayor of Baku"],
                              "place": None, "date": None}])
    scorer = evaluate_challenge(default_pipeline(), [meeting])
    assert (scorer.scores["meetings"].tp, scorer.scores["meetings"].fp, scorer.scores["meetings"].fn) == (1, 0, 0)


def test_a_meeting_counts_when_the_gold_names_a_body_in_six_words():
    text = "استاندار آذربایجان شرقی در دیدار با رئیس اتاق بازرگانی و صنایع سلیمانیه گفت: همکاری گسترش می‌یابد."
    meeting = item(text=text, places=[], organisations=[], posts=[], speaker=None, agreements=[],
                   meetings=[{"participants": ["governor-general of East Azerbaijan",
                                               "chair of Sulaymaniyah Chamber of Commerce and Industry"],
                              "place": None, "date": None}])
    scorer = evaluate_challenge(default_pipeline(), [meeting])
    assert (scorer.scores["meetings"].tp, scorer.scores["meetings"].fp, scorer.scores["meetings"].fn) == (1, 0, 0)
