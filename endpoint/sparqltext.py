"""Read the few facts the protocol needs from SPARQL text without a full parse: form, FROM, SERVICE targets."""
import functools
import re

# Strings and comments are matched so that keywords inside them are ignored; IRIs are kept as tokens.
TOKEN = re.compile(
    r'''(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')'''
    r'''|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'''
    r'''|(?P<comment>\#[^\n]*)'''
    r'''|(?P<word>[?$]?[A-Za-z_\u00C0-\uFFFD][\w\-]*(?::[\w\-.%]*)?|[\w\-]*:[\w\-.%]*)''',
)
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}


@functools.lru_cache(maxsize=256)  # one request asks several questions of the same text
def tokens(text):
    """Return the (kind, text) tokens that matter: IRIs and words, without strings and comments."""
    return tuple((match.lastgroup, match.group()) for match in TOKEN.finditer(text)
                 if match.lastgroup in ("iri", "word"))


def first_keyword(text):
    """Return the first keyword after the prologue (BASE/PREFIX declarations), upper-cased, or None."""
    for kind, value in tokens(text):
        word = value.upper()
        if kind == "word" and word not in {"BASE", "PREFIX"} and not value.endswith(":"):
            return word
    return None


def is_update(text):
    """Tell whether the text is a SPARQL Update request rather than a query."""
    return first_keyword(text) in UPDATE_KEYWORDS


def has_dataset_clause(text):
    """Tell whether the query has a FROM or FROM NAMED clause."""
    return any(kind == "word" and value.upper() == "FROM" for kind, value in tokens(text))


def service_targets(text):
    """Return the target of every SERVICE clause: an IRI without brackets, or the variable/name as written."""
    found = tokens(text)
    targets = []
    for index, (kind, value) in enumerate(found):
        if kind != "word" or value.upper() != "SERVICE":
            continue
        following = found[index + 1:index + 3]
        if following and following[0][1].upper() == "SILENT":
            following = following[1:]
        if following:
            target_kind, target = following[0]
            targets.append(target[1:-1] if target_kind == "iri" else target)
    return targets
