"""The ontology's terms as plain attributes: ontology.namespaces.CDO checks each access (µs), too slow per token."""
from types import SimpleNamespace

from cdkg.ontology import namespaces


def _plain(closed):
    terms = {}
    for name in dir(closed):
        if name.startswith("_"):
            continue
        try:
            terms[name] = closed[name]
        except (KeyError, AttributeError):
            continue
    return SimpleNamespace(**terms)


CDO = _plain(namespaces.CDO)
