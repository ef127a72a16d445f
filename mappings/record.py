"""Define the records that flow between the readers, the mapping pipeline and the build."""
from __future__ import annotations  # the field `date` would otherwise shadow the type in its own annotation

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One input statement as read from a source file, before any mapping."""

    text: str  # verbatim, as read (never rewritten in the published statement text)
    line: int  # 1-based line number in its source file, for messages and provenance
    source_file: str  # the file it came from, relative to the corpus root when possible
    id: str | None = None  # a caller-supplied identifier (JSON Lines `id`)
    date: date | None = None  # already converted from Solar Hijri when needed
    source_url: str | None = None
    publisher: str | None = None


@dataclass(slots=True)
class StatementResult:
    """What the pipeline derived from one statement: its named graph's triples and what it noticed."""

    content_hash: str  # SHA-256 hex of the normalised text; names the statement and its graph
    graph: object  # the statement's named graph IRI (rdflib URIRef)
    triples: list = field(default_factory=list)  # (s, p, o) rdflib terms, the whole named graph
    entity_count: int = 0  # recognised places, organisations, posts and concepts
    notes: list = field(default_factory=list)  # human-readable remarks (e.g. "no recognised entity")
