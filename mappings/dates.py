"""Read dates in a normalised statement (Solar Hijri or Gregorian, Persian month names from calendar-fa.csv)
into xsd values: a day is an xsd:date, a Solar Hijri month, year or decade its exact Gregorian interval, a
Gregorian year an xsd:gYear. Relative dates (روز دوشنبه، سال گذشته) are not read: the text does not fix them."""
import csv
import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import jdatetime

CALENDAR_FILE = Path(__file__).with_name("calendar-fa.csv")
EVENTS_FILE = Path(__file__).with_name("event-years-fa.csv")
SOLAR, GREGORIAN = "solar", "gregorian"
FIRST_GREGORIAN_YEAR = 1700  # a four-digit year below this is Solar Hijri unless the text says میلادی
_GAP = r"[ \u200c]*"
_LUNAR = re.compile(r"\s+(?:هجری\s+)?قمری")  # a lunar Hijri year (۱۴۴۵ قمری): no calendar here converts it
EVENT_CENTURIES = (1300, 1900)  # a number after an event noun is its year in these Solar and Gregorian centuries


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date in the text: characters [start, end) and its value, one xsd:date/gYear or an interval."""

    start: int
    end: int
    value: object = None  # datetime.date, or a str year (xsd:gYear)
    first: object = None  # an interval's first day (or year)
    last: object = None  # its last day (or year)
    event: bool = False  # the year of an event the text names by it (زلزله ۱۳۹۶), not of the fact of its clause


def read_months(path=CALENDAR_FILE):
    """Return {month word: (calendar, month number)} from the calendar table."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["word"]: (row["calendar"], int(row["month"])) for row in csv.DictReader(handle)}


def read_events(path=EVENTS_FILE):
    """Return the nouns of events a bare year may follow (زلزله ۱۳۹۶), as written with a space or ZWNJ."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [row["phrase"] for row in csv.DictReader(handle)]


def _solar_day(year, month, day):
    return jdatetime.date(year, month, day).togregorian()


def _solar_interval(year, month=None, years=1):
    """Return the first and last Gregorian day of a Solar Hijri month, or of a run of years."""
    if month is None:
        first, after = _solar_day(year, 1, 1), _solar_day(year + years, 1, 1)
    else:
        first = _solar_day(year, month, 1)
        after = _solar_day(year + (month == 12), month % 12 + 1, 1)
    return first, after - datetime.timedelta(days=1)


class DateReader:
    """Find the dates of a text with patterns built once from the calendar table."""

    def __init__(self, months=None, events=None):
        self.months = months or read_months()
        events = "|".join(_GAP.join(map(re.escape, re.split(r"[ \u200c]", e))) for e in sorted(
            events if events is not None else read_events(), key=len, reverse=True))
        names = "|".join(sorted(map(re.escape, self.months), key=len, reverse=True))
        month = rf"(?P<month>{names})(?:{_GAP}ماه)?"
        self.day = re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})(?:\s+تا\s+(?P<to>\d{{1,2}}))?\s+{month}\s+(?:سال\s+)?"
                              rf"(?P<year>\d{{4}})(?!\d)")
        self.month = re.compile(rf"(?<![^\s\u200c(«]){month}\s+(?:سال\s+)?(?P<year>\d{{4}})(?!\d)")
        self.current = re.compile(rf"(?P<end>پایان\s+)?سال\s+جاری")
        self.year = re.compile(rf"(?:سال(?:{_GAP}های)?|نوروز|دهه|(?<![^\s\u200c(«])(?P<event>{events}))\s+"
                               rf"(?P<year>\d{{4}})(?:\s+تا\s+(?P<to>\d{{4}}))?(?P<ad>\s+میلادی)?(?!\d)")
        self.numeric = re.compile(r"(?<![\d/])(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})(?![\d/])")

    def read(self, text):
        """Return the date mentions of a normalised text, in text order, none overlapping."""
        found, taken = [], []
        for pattern, build in ((self.day, self._day), (self.numeric, self._numeric), (self.month, self._month),
                               (self.year, self._year)):
            for match in pattern.finditer(text):
                if any(a < match.end() and match.start() < b for a, b in taken):
                    continue
                try:
                    mention = build(match)
                except ValueError:  # 30 اسفند in a common year: no such day, and no month read from it
                    taken.append((match.start(), match.end()))
                    continue
                if mention is not None:
                    found.append(mention)
                    taken.append((match.start(), match.end()))
        found.sort(key=lambda m: m.start)
        return self._current_year(text, found, taken)

    def _current_year(self, text, found, taken):
        """Resolve سال جاری (and پایان سال جاری) against the year of a day the same text gives."""
        day = next((m for m in found if isinstance(m.value, datetime.date) or isinstance(m.first, datetime.date)), None)
        if day is None:
            return found
        solar = self.day.search(text, day.start)
        if solar is None:
            return found
        calendar, _ = self.months[solar["month"]]
        year = int(solar["year"])
        for match in self.current.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            if calendar == SOLAR:
                first, last = _solar_interval(year)
                mention = (DateMention(match.start(), match.end(), value=last) if match["end"] else
                           DateMention(match.start(), match.end(), first=first, last=last))
            elif match["end"]:
                mention = DateMention(match.start(), match.end(), value=datetime.date(year, 12, 31))
            else:
                mention = DateMention(match.start(), match.end(), value=str(year))
            found.append(mention)
        return sorted(found, key=lambda m: m.start)

    def _day(self, match):
        calendar, month = self.months[match["month"]]
        year, day = int(match["year"]), int(match["day"])
        convert = _solar_day if calendar == SOLAR else datetime.date
        first = convert(year, month, day)
        if match["to"]:
            return DateMention(match.start(), match.end(), first=first, last=convert(year, month, int(match["to"])))
        return DateMention(match.start(), match.end(), value=first)

    def _numeric(self, match):
        """Read YYYY/MM/DD: Solar Hijri below FIRST_GREGORIAN_YEAR (۱۴۰۲/۰۸/۱۴), else Gregorian."""
        year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
        convert = _solar_day if year < FIRST_GREGORIAN_YEAR else datetime.date
        return DateMention(match.start(), match.end(), value=convert(year, month, day))

    def _month(self, match):
        calendar, month = self.months[match["month"]]
        year = int(match["year"])
        if calendar == SOLAR:
            first, last = _solar_interval(year, month)
            return DateMention(match.start(), match.end(), first=first, last=last)
        return None  # a Gregorian month without a day is rare in the news and has no exact xsd:date

    def _year(self, match):
        year, to, event = int(match["year"]), match["to"] and int(match["to"]), bool(match["event"])
        if event and not any(first <= year < first + 200 for first in EVENT_CENTURIES):
            return None  # سیل ۱۰۰۰ مسافر: a count after the noun, not a year
        if _LUNAR.match(match.string, match.end()):
            return None
        keyword = match.group()[:4]
        if match["ad"] or year >= FIRST_GREGORIAN_YEAR:
            if to:
                return DateMention(match.start(), match.end(), first=str(year), last=str(to), event=event)
            return DateMention(match.start(), match.end(), value=str(year), event=event)
        if keyword.startswith("نورو"):
            return DateMention(match.start(), match.end(), value=_solar_day(year, 1, 1))
        years = 10 if keyword.startswith("دهه") else (to - year + 1 if to else 1)
        first, last = _solar_interval(year, years=years)
        return DateMention(match.start(), match.end(), first=first, last=last, event=event)
