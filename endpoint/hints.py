"""Say what is wrong with a query in the words of its author: which prefix is undeclared, and how to declare it."""
from cdkg.endpoint.sparqltext import prologue, tokens
from cdkg.ontology.namespaces import PREFIXES


def undeclared_prefixes(text):
    """Return the prefixes the query uses in prefixed names without declaring them, in order of first use."""
    found = tokens(text)
    _, declared = prologue(found)
    used = []
    for token in found:
        prefix = token.text.partition(":")[0]
        if token.kind == "pname" and prefix not in declared and prefix not in used:
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
