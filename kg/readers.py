"""Read statement sources (plain text, JSON Lines) line by line into records or per-line rejections."""
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jdatetime
from pyoxigraph import NamedNode

from cdkg.mappings.record import SourceRecord

MAX_LINE_CHARS = 10_000
SOURCE_SUFFIXES = (".txt", ".jsonl")

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits, both seen in Iranian news dates.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*$")
# Solar Hijri years in news are around 1300-1500; Gregorian ones are far above this.
_LAST_SOLAR_HIJRI_YEAR = 1700
_WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_HTML = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?\s*>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source line that cannot become a statement, with the reason code and a readable message."""

    source_file: str
    line: int
    reason: str  # short code, e.g. "invalid-utf8"; summaries count by it
    message: str
    text: str  # the line as read (undecodable bytes escaped), so nothing is lost


def is_arabic_script(char):
    """Return whether a letter belongs to the Arabic script blocks Persian is written in."""
    code = ord(char)
    return (0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF
            or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF)


def text_problem(text):
    """Return (reason, message) for statement text that must not be published, or None when it is acceptable."""
    if not text.strip():
        return "blank", "empty or whitespace-only line"
    if len(text) > MAX_LINE_CHARS:
        return "too-long", f"{len(text)} characters, over the limit of {MAX_LINE_CHARS}"
    controls = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc" and c != "\t"})
    if controls:
        return "control-characters", f"control characters {', '.join(controls)}"
    markup = _HTML.search(text)
    if markup:
        return "html-markup", f"HTML markup {markup.group(0)[:40]!r}"
    letters = [c for c in text if c.isalpha()]
    persian = sum(1 for c in letters if is_arabic_script(c))
    # Latin names inside Persian prose are fine; a line whose letters are mostly not Arabic-script is not Persian.
    if not letters or persian * 2 < len(letters):
        return "not-persian", f"not Persian text ({persian} of {len(letters)} letters in Persian script)"
    return None


def parse_date(value):
    """Return the Gregorian date for a Gregorian or Solar Hijri date written with Latin or Persian digits."""
    match = _DATE.match(str(value).translate(_DIGITS))
    if not match:
        raise ValueError(f"date {value!r} is not of the form YYYY-MM-DD or YYYY/MM/DD")
    year, month, day = (int(part) for part in match.groups())
    try:
        if year < _LAST_SOLAR_HIJRI_YEAR:
            return jdatetime.date(year, month, day).togregorian()
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"date {value!r} does not exist: {error}") from None


def decoded_lines(path):
    """Yield (line number, text, decoding error or None) per line; undecodable bytes come back escaped."""
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            raw = raw.rstrip(b"\n").removesuffix(b"\r")
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield number, raw.decode("utf-8"), None
            except UnicodeDecodeError as error:
                yield number, raw.decode("utf-8", "backslashreplace"), error


def read_text_line(text, number, name):
    """Return the record or rejection for one line of a plain-text source."""
    problem = text_problem(text)
    if problem:
        return Rejection(name, number, *problem, text)
    return SourceRecord(text=text, line=number, source_file=name)


def read_json_line(text, number, name):
    """Return the record or rejection for one line of a JSON Lines source."""
    if not text.strip():
        return Rejection(name, number, "blank", "empty or whitespace-only line", text)
    try:
        item = json.loads(text)
    except json.JSONDecodeError as error:
        return Rejection(name, number, "invalid-json", f"invalid JSON: {error.msg} at column {error.colno}", text)
    if not isinstance(item, dict):
        return Rejection(name, number, "invalid-json", "a JSON object is expected", text)
    statement = item.get("text")
    if not isinstance(statement, str):
        return Rejection(name, number, "missing-text", "no string field `text`", text)
    problem = text_problem(statement)
    if problem:
        return Rejection(name, number, *problem, text)
    try:
        when = parse_date(item["date"]) if item.get("date") not in (None, "") else None
    except ValueError as error:
        return Rejection(name, number, "invalid-date", str(error), text)
    url = item.get("url") or item.get("source")
    if url is not None and not is_web_address(url):
        return Rejection(name, number, "invalid-url", f"`url`/`source` {str(url)[:80]!r} is not an http(s) IRI", text)
    publisher = item.get("publisher")
    if publisher is not None and not isinstance(publisher, str):
        return Rejection(name, number, "invalid-json", "`publisher` must be a string", text)
    identifier = item.get("id")
    return SourceRecord(
        text=statement, line=number, source_file=name,
        id=None if identifier is None else str(identifier), date=when, source_url=url, publisher=publisher,
    )


def is_web_address(value):
    """Return whether a value is an absolute http(s) IRI that RDF stores accept."""
    if not isinstance(value, str) or not _WEB_ADDRESS.match(value):
        return False
    try:
        NamedNode(value)
    except ValueError:
        return False
    return True


def read_source(path, name=None):
    """Yield a SourceRecord or a Rejection for every line of one source file."""
    name = name or Path(path).name
    read_line = read_json_line if str(path).endswith(".jsonl") else read_text_line
    for number, text, error in decoded_lines(path):
        if error:
            yield Rejection(name, number, "invalid-utf8", f"invalid UTF-8 at byte {error.start}: {error.reason}", text)
        else:
            yield read_line(text, number, name)


def source_files(paths):
    """Expand files and directories into the sorted list of source files (.txt, .jsonl) they name."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SOURCE_SUFFIXES))
        else:
            files.append(path)
    return files


def count_lines(files):
    """Return the number of lines in the files, cheaply, for the progress bar."""
    total = 0
    for path in files:
        with open(path, "rb") as stream:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    return total
