"""Read SPARQL text as the grammar's terminals (SPARQL 1.1 Query, section 19.8): one tokenizer for every check.

The allowlist, the dataset and form checks, the depth estimate and the federation rewriting all read the same
token stream, produced by the terminal productions as the grammar writes them: IRIREF, PNAME_NS/PNAME_LN (with
PN_LOCAL_ESC and PERCENT, the PLX of a local name), BLANK_NODE_LABEL, VAR1/VAR2, the four string forms with
ECHAR, LANGTAG, numbers, comments and WS. Keywords are ASCII words matched without case, and a word followed
by ':' is a prefixed name, not a keyword (the grammar's longest match). A character no terminal accepts becomes
an `invalid` token instead of being skipped, so a check can refuse text it cannot read.

Oxigraph decodes \\u/\\U codepoint escapes inside IRIs and strings only, rdflib (like the SPARQL 1.1 text,
section 19.2) everywhere before parsing: `decode_codepoints` gives the second reading, for checks that must hold
under both.
"""
import functools
import re
from typing import NamedTuple

# Terminals of the SPARQL 1.1 grammar (section 19.8), as written there.
PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
                 "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
PN_CHARS_U = PN_CHARS_BASE + "_"
PN_CHARS = PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
ECHAR = r"""\\[tbnrf\\"']"""
PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
PN_PREFIX = rf"[{PN_CHARS_BASE}](?:[{PN_CHARS}.]*[{PN_CHARS}])?"
PN_LOCAL = rf"(?:[{PN_CHARS_U}:0-9]|{PLX})(?:(?:[{PN_CHARS}.:]|{PLX})*(?:[{PN_CHARS}:]|{PLX}))?"
VARNAME = rf"[{PN_CHARS_U}0-9][{PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"
EXPONENT = r"[eE][+-]?[0-9]+"
TERMINALS = [
    ("ws", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("string", rf"""'''(?:(?:'|'')?(?:[^'\\]|{ECHAR}|{UCHAR}))*'''"""),
    ("string", rf'''"""(?:(?:"|"")?(?:[^"\\]|{ECHAR}|{UCHAR}))*"""'''),
    ("string", rf"""'(?:[^'\\\n\r]|{ECHAR}|{UCHAR})*'"""),
    ("string", rf'''"(?:[^"\\\n\r]|{ECHAR}|{UCHAR})*"'''),
    ("iri", rf"""<(?:[^<>"{{}}|^`\\\x00-\x20]|{UCHAR})*>"""),
    ("var", rf"[?$]{VARNAME}"),
    ("bnode", rf"_:[{PN_CHARS_U}0-9](?:[{PN_CHARS}.]*[{PN_CHARS}])?"),
    ("pname", rf"(?:{PN_PREFIX})?:(?:{PN_LOCAL})?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", rf"[0-9]+\.[0-9]*{EXPONENT}|\.[0-9]+{EXPONENT}|[0-9]+{EXPONENT}|[0-9]*\.[0-9]+|[0-9]+"),
    ("word", r"[A-Za-z][A-Za-z0-9_]*"),
    ("punct", r"\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*+\-/!|^=<>?]"),
    ("invalid", r"."),
]
TOKEN = re.compile("|".join(f"(?P<{kind}{index}>{pattern})" for index, (kind, pattern) in enumerate(TERMINALS)),
                   re.DOTALL)
PUNCT = re.compile(dict(TERMINALS)["punct"])
OPERANDS = {"var", "number", "string", "iri", "pname", "langtag", "bnode"}
KIND = {f"{kind}{index}": kind for index, (kind, _) in enumerate(TERMINALS)}
CODEPOINT_ESCAPE = re.compile(UCHAR)
LOCAL_ESCAPE = re.compile(r"\\(.)")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")  # an IRI starting so is absolute (RFC 3987)
STRING_ESCAPE = re.compile(rf"{ECHAR}|{UCHAR}")
ECHAR_VALUES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", "\\": "\\", '"': '"', "'": "'"}

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}


class Token(NamedTuple):
    """One terminal as found in the text: its kind, its characters and where they are."""

    # a tuple, not a frozen dataclass: every request tokenizes its text, and a tuple is made several times faster
    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *names):
        """Tell whether this is one of the keywords (upper-case names), compared without case as SPARQL does."""
        return self.kind == "word" and self.text.upper() in names


@functools.lru_cache(maxsize=256)  # one request asks several questions of the same text
def tokens(text):
    """Return the tokens of a SPARQL text, without whitespace and comments.

    `<` after an operand inside an expression's brackets is the less-than operator, elsewhere the start of an
    IRIREF: `FILTER(?a<?b&&?c>?d)` holds two comparisons, as a parser reading by the grammar's rules sees it.
    """
    found, contexts, position = [], [], 0  # contexts: one flag per open bracket, True inside an expression
    while position < len(text):
        match = TOKEN.match(text, position)
        kind = KIND[match.lastgroup]
        if kind == "iri" and contexts and contexts[-1] and found and ends_operand(found[-1]):
            match, kind = PUNCT.match(text, position), "punct"
        start, position = match.span()
        if kind in ("ws", "comment"):
            continue
        value = match.group()
        if value in ("(", "[", "{"):
            contexts.append(value == "(" and opens_expression(found, contexts))
        elif value in (")", "]", "}") and contexts:
            contexts.pop()
        found.append(Token(kind, value, start, position))
    return tuple(found)


def ends_operand(token):
    """Tell whether a token can end an expression's operand (then a following `<` compares)."""
    return token.kind in OPERANDS or token.text in (")", "]") or token.is_word("TRUE", "FALSE")


def opens_expression(found, contexts):
    """Tell whether a `(` starts an expression: within one, outside any group, or after FILTER/BIND/a function."""
    if contexts and contexts[-1] or not contexts:
        return True
    previous = found[-1] if found else None
    return previous is not None and previous.kind == "word" and not previous.is_word("VALUES", "A")


def decode_codepoints(text):
    """Return the text with \\u/\\U escapes replaced everywhere, the reading of SPARQL 1.1 (and rdflib)."""
    return CODEPOINT_ESCAPE.sub(lambda match: chr(min(int(match.group()[2:], 16), 0x10FFFF)), text)


def has_codepoint_escapes(text):
    """Tell whether the text holds \\u/\\U escapes (which engines decode in different places)."""
    return CODEPOINT_ESCAPE.search(text) is not None


def iri_value(token):
    """Return the IRI an IRIREF token writes, codepoint escapes decoded."""
    return decode_codepoints(token.text[1:-1])


def string_value(token):
    """Return the characters a string token writes: its quotes removed, ECHAR and codepoint escapes decoded."""
    quotes = 3 if token.text[:3] in ("'''", '"""') else 1
    return STRING_ESCAPE.sub(lambda match: ECHAR_VALUES[match.group()[1]] if len(match.group()) == 2
                             else chr(min(int(match.group()[2:], 16), 0x10FFFF)), token.text[quotes:-quotes])


def local_name(token):
    """Return the (prefix, local part) of a prefixed name, PN_LOCAL_ESC escapes removed (PERCENT stays)."""
    prefix, _, local = token.text.partition(":")
    return prefix, LOCAL_ESCAPE.sub(r"\1", local)


def prologue_end(found):
    """Return the index of the first token after the prologue (BASE IRIREF / PREFIX PNAME_NS IRIREF)."""
    index = 0
    while index < len(found):
        if found[index].is_word("BASE") and index + 1 < len(found) and found[index + 1].kind == "iri":
            index += 2
        elif (found[index].is_word("PREFIX") and index + 2 < len(found) and found[index + 1].kind == "pname"
              and found[index + 1].text.endswith(":") and found[index + 2].kind == "iri"):
            index += 3
        else:
            break
    return index


def prologue(found):
    """Return the BASE IRI (or None) and the PREFIX map declared in the prologue."""
    base, prefixes = None, {}
    index, end = 0, prologue_end(found)
    while index < end:
        if found[index].is_word("BASE"):
            base, index = iri_value(found[index + 1]), index + 2
        else:
            prefixes[found[index + 1].text[:-1]] = iri_value(found[index + 2])
            index += 3
    return base, prefixes


def first_keyword(text):
    """Return the first keyword after the prologue, upper-cased, or None."""
    found = tokens(text)
    index = prologue_end(found)
    return found[index].text.upper() if index < len(found) and found[index].kind == "word" else None


def is_update(text):
    """Tell whether the text is a SPARQL Update request rather than a query."""
    return first_keyword(text) in UPDATE_KEYWORDS


def writes_relative_iri(text):
    """Tell whether the text writes a relative IRI (in a term or a prologue), which resolves against the base IRI."""
    return any(token.kind == "iri" and not SCHEME.match(iri_value(token)) for token in tokens(text))


def has_dataset_clause(text):
    """Tell whether the query has a FROM or FROM NAMED clause."""
    # the word cannot be there without its letters: most texts need no tokens (a rewritten one is not cached)
    return "from" in text.lower() and any(token.is_word("FROM") for token in tokens(text))


def operations(found):
    """Split an update's tokens into its operations (at the `;` outside any group), each without its prologue."""
    parts, start, depth = [], 0, 0
    for index, token in enumerate(found + (None,)):
        if token is None or token.kind == "punct" and token.text == ";" and depth == 0:
            part = found[start:index]
            parts.append(part[prologue_end(part):])
            start = index + 1
        elif token.kind == "punct" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
    return [part for part in parts if part]


def names_update_dataset(text):
    """Tell whether any operation of an update names its own dataset (WITH, or USING at its top level)."""
    for operation in operations(tokens(text)):
        if operation[0].is_word("WITH"):
            return True
        depth = 0
        for token in operation:
            if token.kind == "punct" and token.text in "{}":
                depth += 1 if token.text == "{" else -1
            elif depth == 0 and token.is_word("USING"):
                return True
    return False


def with_using(text, graphs, named_graphs=None):
    """Return an update whose DELETE/INSERT ... WHERE operations read `graphs` (their union) as the default graph
    and `named_graphs` (by default the same graphs: USING alone would leave GRAPH ?g nothing to match) as named.

    Operations naming their own dataset (WITH or USING) and the DATA and DELETE WHERE forms are left as written.
    """
    named = graphs if named_graphs is None else named_graphs
    clause = "".join([f"USING <{graph}> " for graph in graphs] + [f"USING NAMED <{graph}> " for graph in named])
    pieces, position = [], 0
    for operation in operations(tokens(text)):
        first = operation[0]
        second = operation[1] if len(operation) > 1 else None
        if not first.is_word("INSERT", "DELETE") or second is not None and second.is_word("DATA", "WHERE"):
            continue
        depth, where = 0, None
        for token in operation:
            if token.kind == "punct" and token.text in "{}":
                depth += 1 if token.text == "{" else -1
            elif depth == 0 and token.is_word("USING"):
                break
            elif depth == 0 and token.is_word("WHERE"):
                where = token
                break
        if where is not None and clause:
            pieces += [text[position:where.start], clause]
            position = where.start
    return "".join(pieces + [text[position:]])
