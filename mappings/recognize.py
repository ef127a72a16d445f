"""Find lexicon phrases in a normalised statement: longest match over token n-grams, ZWNJ/space-insensitive."""
import re
from dataclasses import dataclass

from cdkg.mappings.lexicon import PLACE, PLACE_KIND, ROLE, SPEECH, latin_key
from cdkg.mappings.terms import CDO

# Words and punctuation; a ZWNJ splits tokens so that any joining of a phrase meets the same keys.
_TOKEN = re.compile(r"[^\s\u200c:،؛؟!.«»()\"\[\]…/\-–—]+|[:،؛؟!.«»()\"…]")
PUNCTUATION = frozenset(":،؛؟!.«»()\"…")
MAX_GLOSS_WORDS = 4  # Latin words in the brackets that gloss a name: گرنوبل (Grenoble), سن پترزبورگ (Saint Petersburg)
GAP_WINDOW = 8  # tokens within which the tail of a gapped cue ("انتخاب ... به‌عنوان") must follow its head
# A verb of saying glued to the word before it, split when the word alone is a lexicon key (کشورگفت).
_GLUED_VERB = "گفت"


@dataclass(slots=True)
class Span:
    """A run of tokens [start, end) whose joined key the lexicon knows."""

    start: int
    end: int
    key: str  # the lexicon key matched (without a suffix the text added)
    senses: tuple
    text_key: str = ""  # the joined tokens as written

    @property
    def exact(self):
        """Tell whether the text matched the key without a suffix."""
        return not self.text_key or self.text_key == self.key

    @property
    def plural(self):
        """Tell whether the text adds a plural suffix to the key (شهرداری‌های)."""
        return self.text_key[len(self.key):] in ("ها", "های", "هایی")

    def kinds(self):
        """Return the kinds of thing the span may name."""
        return {sense.kind for sense in self.senses}

    def of_kind(self, kind):
        """Return the span's senses of one kind."""
        senses = self.senses
        if len(senses) == 1:
            return [senses[0]] if senses[0].kind == kind else []
        return [sense for sense in senses if sense.kind == kind]


def tokenize(normalized, lexicon):
    """Split normalised text into tokens, separating a glued verb of saying from a known word."""
    return tokenize_with_offsets(normalized, lexicon)[0]


def tokenize_with_offsets(normalized, lexicon):
    """Return the tokens and the character offset of each in the normalised text (for evidence and to tell
    the parts of a ZWNJ-joined word)."""
    tokens, starts = [], []
    for match in _TOKEN.finditer(normalized):
        token, start = match.group(), match.start()
        head = token[: -len(_GLUED_VERB)]
        if token.endswith(_GLUED_VERB) and len(head) > 1 and head in lexicon.senses:
            tokens.extend((head, _GLUED_VERB))
            starts.extend((start, start + len(head)))
        else:
            tokens.append(token)
            starts.append(start)
    return tokens, starts


def joined_parts(normalized, starts):
    """Return the indices of tokens that continue a word across a ZWNJ (وگو in گفت‌وگو)."""
    return frozenset(i for i, start in enumerate(starts) if start > 0 and normalized[start - 1] == "\u200c")


def find_longest(tokens, start, lexicon):
    """Return the longest span starting at a token, or None."""
    best, joined = None, ""
    for end in range(start, min(len(tokens), start + lexicon.max_tokens)):
        token = tokens[end]
        if token in PUNCTUATION and (not joined or joined + token not in lexicon.prefixes):
            break  # a label may hold a comma (اتاق بازرگانی، صنایع، معادن و کشاورزی); a phrase ends at any other
        joined += token
        senses, key = lexicon.lookup(joined)
        if senses:
            best = Span(start, end + 1, key, senses, joined)
        if joined not in lexicon.prefixes:
            break
    return best


def _gapped_at(tokens, start, lexicon):
    """Return spans of gapped cues whose head starts here and whose tail follows within the window."""
    found, joined = [], ""
    for end in range(start, min(len(tokens), start + 4)):
        joined += tokens[end]
        for sense, tail in lexicon.gapped.get(joined, ()):
            if _tail_within(tokens, end + 1, tail):
                found.append(Span(start, end + 1, joined, (sense,)))
        if joined not in lexicon.prefixes:
            break
    return found


def _tail_within(tokens, start, tail):
    for begin in range(start + 1, min(len(tokens), start + GAP_WINDOW)):
        joined = ""
        for token in tokens[begin: begin + 4]:
            joined += token
            if joined == tail:
                return True
            if len(joined) >= len(tail):
                break
    return False


def find_spans(tokens, lexicon, joined=frozenset()):
    """Return non-overlapping spans, longest first; a role overlapping a later phrase keeps its head. A phrase
    neither starts inside a ZWNJ-joined word nor stops inside one unless it reads the rest as a suffix
    (گفت‌وگو is neither گفت nor Vigo)."""
    candidates = []
    for start in range(len(tokens)):
        span = None if start in joined else find_longest(tokens, start, lexicon)
        if span and span.end in joined and span.text_key == span.key:
            span = None
        if span:
            candidates.append(span)
        if tokens[start] in lexicon.gapped_starts:
            candidates.extend(_gapped_at(tokens, start, lexicon))
    candidates.sort(key=lambda s: (-(s.end - s.start), not s.exact, s.start))
    taken = [None] * len(tokens)
    chosen = []
    for span in candidates:
        covered = [i for i in range(span.start, span.end) if taken[i] is not None]
        if covered and _can_keep_head(span, covered):
            span = Span(span.start, covered[0], span.key, span.senses, span.text_key)
        elif covered:
            continue
        for i in range(span.start, span.end):
            taken[i] = span
        chosen.append(span)
    chosen += _glossed_places(tokens, lexicon, joined, taken)
    chosen.sort(key=lambda s: s.start)
    return chosen


def _glossed_places(tokens, lexicon, joined, taken):
    """Return a place span for each word no phrase took that is glossed in brackets with the Latin name of a
    gazetteer place, whatever its Persian spelling: گرنوبل (Grenoble) is the gazetteer's گرونوبل."""
    spans = []
    for opening, token in enumerate(tokens):
        closing = next((i for i in range(opening + 2, min(len(tokens), opening + MAX_GLOSS_WORDS + 2))
                        if tokens[i] == ")"), None) if token == "(" and opening > 0 else None
        if closing is None or not all(word.isascii() for word in tokens[opening + 1:closing]):
            continue
        senses = lexicon.latin_places.get(latin_key(" ".join(tokens[opening + 1:closing])))
        start = opening - 1
        while start in joined:  # the whole of a word written with ZWNJ: شی‌آن (Xi'an)
            start -= 1
        if not senses and all(taken[i] is None for i in range(start, opening)):
            senses = _minted_city(tokens, lexicon, taken, start, opening, closing)
        if senses and not tokens[start].isascii() and tokens[start] not in PUNCTUATION and all(
                taken[i] is None for i in range(start, opening)):
            text = "".join(tokens[start:opening])
            spans.append(Span(start, opening, text, senses, text))
    return spans


def _minted_city(tokens, lexicon, taken, start, opening, closing):
    """Return the sense of a city the gazetteer lacks, glossed in Latin letters after the word شهر or before its
    country (شهر تونگ‌یونگ (Tongyeong) کره جنوبی، کوتائیسی (Kutaisi) گرجستان); an acronym is no city (IPGL)."""
    gloss = " ".join(tokens[opening + 1:closing])
    if not gloss[:1].isupper() or gloss.isupper():
        return None
    kind = taken[start - 1] if start > 0 else None
    after = taken[closing + 1] if closing + 1 < len(tokens) else None
    countries = [s.iri for s in after.of_kind(PLACE) if lexicon.entity_is_a(s.iri, CDO.Country)] if (
        after is not None and after.start == closing + 1) else []
    city_word = kind is not None and kind.end == start and any(
        s.kind == PLACE_KIND and s.iri == CDO.City for s in kind.senses)
    if not (city_word or countries):
        return None
    sense = lexicon.minted_city("".join(tokens[start:opening]), gloss, countries[0] if countries else None)
    return (sense,) if sense is not None else None


def _can_keep_head(span, covered):
    """A role or verb phrase whose tail another phrase took keeps its head (رئیس [شورای اسلامی استان])."""
    return span.kinds() & {ROLE, SPEECH} and covered[0] > span.start and covered == list(range(covered[0], span.end))
