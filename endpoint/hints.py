"""Say what is wrong with a query in the words of its author: which prefix is undeclared, and how to declare it."""
from cdkg.endpoint import federation
from cdkg.ontology.namespaces import PREFIXES


def undeclared_prefixes(text):
    """Return the prefixes the query uses in prefixed names without declaring them, in order of first use."""
    found = federation.tokens(text)
    _, declared = federation.prologue(found)
    used = []
    for kind, value, _, _ in found:
        prefix, colon, _ = value.partition(":")
        if kind == "word" and colon and prefix not in declared and prefix not in used and value[-1:] != ":":
            used.append(prefix)
    return used


def syntax_message(text, error):
    """Return the message for a query that does not parse: the undeclared prefix when that is the cause."""
    missing = undeclared_prefixes(text)
    if not missing:
        return f"malformed query: {error}"
    declarations = "; ".join(f"PREFIX {prefix}: <{PREFIXES[prefix]}>" if prefix in PREFIXES
                             else f"PREFIX {prefix}: <...>" for prefix in missing)
    names = ", ".join(f"{prefix}:" for prefix in missing)
    return f"unknown prefix {names} (declare it with {declarations})"
