"""Normalise Persian text: letters, digits, diacritics, spacing and ZWNJ, with translate tables only."""
import re

ZWNJ = "\u200c"

# Arabic letter variants -> the Persian letters; Arabic-Indic and Persian digits -> ASCII digits.
_LETTERS = {
    "ي": "ی", "ى": "ی", "ك": "ک", "ڪ": "ک", "ة": "ه", "ۀ": "ه", "ە": "ه", "ۂ": "ه",
    "أ": "ا", "إ": "ا", "ٱ": "ا", "ؤ": "و", "ٶ": "و", "ھ": "ه", "ہ": "ه",
}
_DIGITS = {chr(0x0660 + d): str(d) for d in range(10)} | {chr(0x06F0 + d): str(d) for d in range(10)}
# Harakat, tanwin, shadda, sukun, superscript alef, Quranic marks and tatweel carry no lexical difference.
_DROPPED = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u0640"] + [chr(c) for c in range(0x06D6, 0x06EE)]
# Direction marks and other invisible format characters; ZWJ and soft hyphen behave like ZWNJ in the wild.
_INVISIBLE = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
              "\u2069", "\ufeff", "\u200b"]
_JOINERS = ["\u200d", "\u00ad"]

_TABLE = str.maketrans(
    _LETTERS | _DIGITS
    | {c: None for c in _DROPPED + _INVISIBLE}
    | {c: ZWNJ for c in _JOINERS}
    | {"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "\r": " ", "\n": " ", ";": "؛", ",": "،",
       "?": "؟"}
)

_SPACES = re.compile(r" {2,}")
# A ZWNJ joins two letters; anywhere else (beside a space, a digit, punctuation, an end) it is noise.
_STRAY_ZWNJ = re.compile(r"(?<![^\W\d_])\u200c+|\u200c+(?![^\W\d_])")
_REPEATED_ZWNJ = re.compile(r"\u200c{2,}")
# Punctuation that takes no space before and one after ("گفت :با" -> "گفت: با"); digits keep "12:30".
_PUNCT_BEFORE = re.compile(r"\s+([:،؛؟!.])")
_PUNCT_AFTER = re.compile(r"([:،؛؟!])(?=[^\s\d:،؛؟!.\"»)])")
# A verb of saying glued to the previous word before its colon ("کشورگفت:"); the prefixes of the
# verb's own inflections (نگفت, بگفت, میگفت, شگفت) are not split.
_GLUED_SAY = re.compile(r"(?<!\S)([^\s:\u200c]+?)(گفت|افزود)(?=:)")
_VERB_PREFIXES = frozenset({"ن", "ب", "می", "نمی", "ش", "ه"})


def _split_glued_say(match):
    prefix, verb = match.group(1), match.group(2)
    if prefix in _VERB_PREFIXES:
        return match.group(0)
    return f"{prefix} {verb}"


def fold(text: str) -> str:
    """Return text with letters, digits and marks unified but spacing untouched (enough for lexicon keys)."""
    return text.translate(_TABLE)


def normalize(text: str) -> str:
    """Return the normalised form of a Persian statement (used for matching, hashing and deduplication)."""
    text = _STRAY_ZWNJ.sub("", _REPEATED_ZWNJ.sub(ZWNJ, fold(text)))
    text = _PUNCT_BEFORE.sub(r"\1", text)
    text = _PUNCT_AFTER.sub(r"\1 ", text)
    text = _GLUED_SAY.sub(_split_glued_say, text)
    return _SPACES.sub(" ", text).strip()
