"""Run the mapping pipeline on one statement: normalize -> recognize -> compose -> relate -> RDF."""
import functools
import hashlib
from importlib import metadata
from pathlib import Path

import pyoxigraph
from rdflib import Literal

from cdkg.mappings.dates import DateReader
from cdkg.mappings.entities import EntityComposer
from cdkg.mappings.lexicon import LexiconBuilder, REFERENCE_PREDICATES
from cdkg.mappings.normalize import normalize
from cdkg.mappings.rdfmap import map_statement, statement_iri
from cdkg.mappings.recognize import find_spans, joined_parts, tokenize_with_offsets
from cdkg.mappings.record import StatementResult
from cdkg.mappings.relate import Relator
from cdkg.mappings.terms import CDO
from cdkg.ontology import load_sources
from cdkg.ontology.namespaces import GRAPH, ID, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_FILES = (ROOT / "ontology" / "cdo.ttl", ROOT / "ontology" / "concepts.ttl")
REFERENCE_DIR = ROOT / "kg" / "reference"
AMBIGUOUS_FILE = REFERENCE_DIR / "ambiguous-fa.tsv"
_WANTED = frozenset(str(p) for p in REFERENCE_PREDICATES)


def software_version():
    """Return the installed distribution's version (names the extraction activity)."""
    try:
        return metadata.version("citydiplomacy-kg")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def content_hash(normalized):
    """Return the SHA-256 hex digest of a normalised text."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def reference_triples(paths):
    """Yield the lexicon-relevant triples of Turtle files in light form, parsed with Oxigraph (fast on the
    big gazetteer): IRIs as str, literals as (text, language)."""
    for path in paths:
        for triple in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            predicate = triple.predicate.value
            if predicate not in _WANTED:
                continue
            obj = triple.object
            value = (obj.value, obj.language or "") if isinstance(obj, pyoxigraph.Literal) else obj.value
            yield triple.subject.value, predicate, value


def read_ambiguous(path):
    """Return {Persian name: part of speech of its everyday reading} from the ambiguous-names table."""
    if not Path(path).exists():
        return {}
    lines = Path(path).read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    return {row[0]: row[3] if len(row) > 3 else "noun" for row in rows}


def load_ontology_graph(paths=ONTOLOGY_FILES):
    """Parse the ontology and concept scheme files (Turtle or RDF/XML, as saved) into one rdflib graph."""
    return load_sources(paths)


class Pipeline:
    """The extraction pipeline with its lexicon compiled once."""

    def __init__(self, lexicon, version=None):
        self.lexicon = lexicon
        self.composer = EntityComposer(lexicon)
        self.dates = DateReader()
        self.version = version or software_version()
        self.activity = ID[f"activity/extraction/{self.version}"]
        self._described = {}  # IRI -> its description triples, built once per pipeline

    @classmethod
    def load(cls, ontology_graph=None, reference=None, ambiguous=None):
        """Compile the lexicon from the ontology, the concepts and the gazetteer (defaults: the repo's files)."""
        builder = LexiconBuilder()
        builder.add_ontology(ontology_graph if ontology_graph is not None else load_ontology_graph())
        if reference is None:
            reference = reference_triples(sorted(REFERENCE_DIR.glob("*.ttl")) + sorted(REFERENCE_DIR.glob("curated/*.ttl")))
        builder.add_reference(reference)
        builder.add_ambiguous(read_ambiguous(AMBIGUOUS_FILE) if ambiguous is None else ambiguous)
        return cls(builder.build())

    def activity_triples(self):
        """Return the extraction activity's description (the build adds its time)."""
        return [
            (self.activity, RDF.type, CDO.ExtractionActivity),
            (self.activity, CDO.softwareVersion, Literal(self.version)),
            (self.activity, RDFS.label, Literal(f"citydiplomacy-kg extraction {self.version}", lang="en")),
        ]

    def analyse(self, normalized):
        """Return the analysis (tokens, spans, entities) and reading (facts) of a normalised text."""
        tokens, starts = tokenize_with_offsets(normalized, self.lexicon)
        joined = joined_parts(normalized, starts)
        analysis = self.composer.compose(tokens, find_spans(tokens, self.lexicon, joined), normalized, starts, joined)
        return analysis, Relator(self.lexicon, analysis, self.dates.read(normalized)).read()

    def extract(self, record):
        """Return the statement's named graph: statement node, derived facts and the entities used."""
        normalized = normalize(record.text)
        digest = content_hash(normalized)
        analysis, reading = self.analyse(normalized)
        triples, entity_count = map_statement(
            record, normalized, digest, self.activity, analysis, reading, self._described
        )
        notes = list(reading.notes)
        if entity_count == 0:
            notes.append("no recognised entity")
        return StatementResult(digest, GRAPH[f"statement/{digest[:16]}"], triples, entity_count, notes)


@functools.lru_cache(maxsize=1)
def default_pipeline():
    """Return the pipeline on the repository's ontology and gazetteer, loaded once per process."""
    return Pipeline.load()


__all__ = ["Pipeline", "content_hash", "default_pipeline", "statement_iri", "normalize"]
