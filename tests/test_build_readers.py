"""Check the source readers: every kind of bad line is rejected with its line number and reason, dates convert."""
import json
from datetime import date

import pytest

from cdkg.kg.readers import Rejection, parse_date, read_source, source_files
from cdkg.mappings.record import SourceRecord

GOOD = "شهردار شیراز گفت: همکاری با شهرهای جهان ادامه دارد."

# One line per bad case of the issue, each with the reason code the reader must give it.
BAD_TEXT_LINES = [
    (GOOD.encode(), None),
    (b"", "blank"),
    ("   \t ".encode(), "blank"),
    (b"The mayor of Shiraz said cooperation continues.", "not-persian"),
    ("شهردار شیراز\x07 گفت".encode(), "control-characters"),
    (b"\xd8\xb4\xff\xfe\xd9\x87", "invalid-utf8"),
    (("شهر " * 2501).encode(), "too-long"),
    ("<p>شهردار شیراز گفت</p>".encode(), "html-markup"),
    ("شهردار شیراز &nbsp; گفت".encode(), "html-markup"),
    (GOOD.encode(), None),
]


def write_lines(path, lines):
    """Write raw byte lines to a file, one per line."""
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_each_bad_text_line_is_rejected_with_its_line_and_reason(tmp_path):
    source = write_lines(tmp_path / "bad.txt", [line for line, _ in BAD_TEXT_LINES])
    items = list(read_source(source))
    assert len(items) == len(BAD_TEXT_LINES)
    for number, (item, (_, reason)) in enumerate(zip(items, BAD_TEXT_LINES), start=1):
        assert item.line == number
        if reason is None:
            assert isinstance(item, SourceRecord) and item.text == GOOD
        else:
            assert isinstance(item, Rejection) and item.reason == reason and item.message
            assert item.source_file == "bad.txt"


def test_invalid_utf8_keeps_the_line_escaped_and_names_the_byte(tmp_path):
    source = write_lines(tmp_path / "bytes.txt", [b"\xd8\xb4\xff"])
    (item,) = read_source(source)
    assert item.reason == "invalid-utf8"
    assert "byte 2" in item.message
    assert item.text == "ش\\xff"


def test_persian_text_with_latin_names_and_zwnj_is_accepted(tmp_path):
    text = "تفاهم‌نامه همکاری میان شهرداری شیراز و Novi Sad امضا شد."
    (item,) = read_source(write_lines(tmp_path / "ok.txt", [text.encode()]))
    assert isinstance(item, SourceRecord) and item.text == text


def test_crlf_and_bom_are_not_part_of_the_text(tmp_path):
    source = tmp_path / "crlf.txt"
    source.write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\r\n" + GOOD.encode() + b"\r\n")
    assert [item.text for item in read_source(source)] == [GOOD, GOOD]


@pytest.mark.parametrize(("written", "expected"), [
    ("۱۴۰۲/۰۵/۱۰", date(2023, 8, 1)),
    ("1402-05-10", date(2023, 8, 1)),
    ("١٤٠٢/٠٥/١٠", date(2023, 8, 1)),
    ("2023-08-01", date(2023, 8, 1)),
    ("1399/12/30", date(2021, 3, 20)),
])
def test_solar_hijri_and_gregorian_dates_convert(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["1402/13/01", "1401/12/30", "yesterday", "2023-02-30", "14020510"])
def test_impossible_or_malformed_dates_are_errors(written):
    with pytest.raises(ValueError, match="date"):
        parse_date(written)


def test_json_lines_records_and_rejections(tmp_path):
    lines = [
        json.dumps({"id": 7, "text": GOOD, "date": "۱۴۰۲/۰۵/۱۰", "url": "https://news.example/1",
                    "publisher": "ایرنا"}, ensure_ascii=False),
        '{"text": "شهردار شیراز گفت",',
        json.dumps({"id": "no-text"}),
        json.dumps(["a list"]),
        json.dumps({"text": GOOD, "date": "1402/15/40"}, ensure_ascii=False),
        json.dumps({"text": "Hello world"}),
        "",
        json.dumps({"text": GOOD, "source": "https://news.example/2"}, ensure_ascii=False),
        json.dumps({"text": GOOD, "url": "news.example/no scheme"}, ensure_ascii=False),
    ]
    source = write_lines(tmp_path / "news.jsonl", [line.encode() for line in lines])
    items = list(read_source(source))
    first = items[0]
    assert isinstance(first, SourceRecord)
    assert (first.id, first.date, first.source_url, first.publisher) == (
        "7", date(2023, 8, 1), "https://news.example/1", "ایرنا")
    assert [getattr(item, "reason", None) for item in items[1:]] == [
        "invalid-json", "missing-text", "invalid-json", "invalid-date", "not-persian", "blank", None, "invalid-url"]
    assert items[-2].source_url == "https://news.example/2"
    assert [item.line for item in items] == list(range(1, 10))


def test_directories_expand_to_sorted_txt_and_jsonl_files(tmp_path):
    for name in ("b.jsonl", "a.txt", "notes.md"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in source_files([tmp_path])] == ["a.txt", "b.jsonl"]
