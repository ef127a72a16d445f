"""Choose a response format: one table per result kind, one negotiation function (Accept or `format=`)."""
import functools
import re
from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    """A format we serve: its short name, its media type, other media types that select it."""

    name: str
    media_type: str
    aliases: tuple = ()
    short_names: tuple = ()  # other `format=` values clients send (SPARQLWrapper sends xml, json, n3...)

    @property
    def content_type(self):
        """Return the Content-Type header value, with the charset where the type is textual."""
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")


JSON_RESULTS = Format("json", "application/sparql-results+json", ("application/json",), ("srj",))
XML_RESULTS = Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), ("srx",))
CSV_RESULTS = Format("csv", "text/csv")
TSV_RESULTS = Format("tsv", "text/tab-separated-values")
TURTLE = Format("turtle", "text/turtle", ("application/x-turtle", "text/n3", "text/rdf+n3"), ("ttl", "n3"))
NTRIPLES = Format("ntriples", "application/n-triples", ("text/plain",), ("nt", "n-triples"))
RDFXML = Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), ("xml", "rdf", "rdf+xml"))
JSONLD = Format("jsonld", "application/ld+json", ("application/json",), ("json-ld", "json"))
TRIG = Format("trig", "application/trig")
NQUADS = Format("nquads", "application/n-quads", (), ("nq", "n-quads"))
HTML = Format("html", "text/html", ("application/xhtml+xml",))

# In order of preference when the client accepts several equally (the first is served to `*/*`).
TABLES = {
    "solutions": (JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS),
    "boolean": (JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS),
    "graph": (TURTLE, NTRIPLES, RDFXML, JSONLD, TRIG, NQUADS),
    # service description, VoID, entity descriptions: RDF for machines, HTML for browsers
    "description": (TURTLE, JSONLD, RDFXML, NTRIPLES, TRIG, NQUADS, HTML),
    "page": (TURTLE, JSONLD, RDFXML, NTRIPLES, HTML),
}


@dataclass(frozen=True)
class NotAcceptable:
    """No served format satisfies the request; lists what would."""

    acceptable: tuple

    @property
    def message(self):
        """Return the explanation sent with 406."""
        return "Not Acceptable. This resource is available as: " + ", ".join(self.acceptable)


def by_format_param(table, value):
    """Return the format named by a `format=` value (short name or media type) in this table, or None."""
    value = value.strip().lower().split(";")[0].strip()
    for candidate in table:
        if value in (candidate.name, candidate.media_type, *candidate.aliases, *candidate.short_names):
            return candidate
    return None


CHARSET_PARAMETER = re.compile(r";\s*charset\s*=\s*[^,;]*", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)  # clients repeat the same few Accept headers
def negotiate(kind, accept_header, format_param=None):
    """Return the Format for a result kind from `format=` or the Accept header, or NotAcceptable."""
    table = TABLES[kind]
    if format_param:
        chosen = by_format_param(table, format_param)
    else:
        # a charset parameter does not select a format (all are UTF-8), but werkzeug would match it literally
        accept = parse_accept_header(CHARSET_PARAMETER.sub("", accept_header or "*/*"), MIMEAccept)
        offers = [candidate.media_type for candidate in table]
        offers += [alias for candidate in table for alias in candidate.aliases]
        best = accept.best_match(offers)
        chosen = next((c for c in table if best == c.media_type or best in c.aliases), None) if best else None
    return chosen or NotAcceptable(tuple(candidate.media_type for candidate in table))
