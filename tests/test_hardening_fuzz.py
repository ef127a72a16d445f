"""Fuzz the mapping pipeline and the build's reader: no exception escapes, and every line is accounted for."""
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cdkg.kg.build import BuildContext, BuildReport, StatementStream
from cdkg.kg.dump import to_quads
from cdkg.kg.inference import Entailment, Materializer
from cdkg.kg.quarantine import Quarantine
from cdkg.kg.readers import read_source
from cdkg.mappings.pipeline import default_pipeline
from cdkg.mappings.record import SourceRecord
from cdkg.ontology import ontology_graph

SEED = Path(__file__).parent.parent / "kg" / "sources" / "seed-statements-fa.txt"
SEED_LINES = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
SEED_WORDS = sorted({word for line in SEED_LINES for word in line.split()})
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])

# Persian letters, Arabic look-alikes (ي ك), digits in three scripts, joiners, marks, and punctuation.
PERSIAN_ALPHABET = ("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیئءآأؤإةيك" "۰۱۲۳۴۵۶۷۸۹" "٠١٢٣٤٥٦٧٨٩" "0123456789"
                    "\u200c\u200d\u200f\u064b\u064e\u0650\u0651" "،؛؟«»:.-()/ \t")
persian_noise = st.text(alphabet=PERSIAN_ALPHABET, min_size=1, max_size=80)
any_text = st.text(min_size=1, max_size=80)  # every Unicode code point hypothesis draws, surrogates excluded
seed_words = st.lists(st.sampled_from(SEED_WORDS), min_size=1, max_size=25).map(" ".join)
statement_text = st.one_of(
    seed_words,
    st.sampled_from(SEED_LINES),
    st.lists(st.one_of(seed_words, persian_noise, any_text), min_size=1, max_size=5).map(" ".join),
    any_text,
)


@pytest.fixture(scope="module")
def pipeline():
    """Return the repository's pipeline, loaded once."""
    return default_pipeline()


@FUZZ
@given(text=statement_text)
def test_no_exception_escapes_the_pipeline(pipeline, text):
    result = pipeline.extract(SourceRecord(text=text, line=1, source_file="fuzz.txt"))
    assert len(result.content_hash) == 64
    assert list(to_quads(result.triples, result.graph))  # every term is valid RDF the store accepts


# --- the reader and the statement stream: read = published + quarantined + duplicates, line by line

def json_line(text, extra):
    """Return a JSON Lines record carrying a statement and some fields, valid or not."""
    return json.dumps({"text": text, **extra}, ensure_ascii=False)


json_fields = st.fixed_dictionaries({}, optional={
    "date": st.one_of(st.sampled_from(["1403-02-15", "2024-05-04", "1403/13/40", "yesterday", ""]), st.integers()),
    "url": st.sampled_from(["https://example.org/news/1", "ftp://x", "javascript:alert(1)", "not a url"]),
    "publisher": st.one_of(st.text(max_size=10), st.integers()),
    "id": st.one_of(st.text(max_size=10), st.integers(), st.none()),
})
text_line = st.one_of(
    statement_text,
    st.sampled_from(["", "   ", "<b>خبر</b> شهرداری", "Latin text only", "متن\x07با کاراکتر کنترلی", "x" * 5000]),
)
raw_line = st.one_of(
    text_line.map(lambda text: text.replace("\n", " ").replace("\r", " ").encode("utf-8")),
    st.binary(min_size=1, max_size=40).map(lambda data: data.replace(b"\n", b" ")),  # invalid UTF-8 too
)
jsonl_line = st.one_of(
    st.builds(json_line, statement_text, json_fields).map(str.encode),
    st.sampled_from([b"{", b"[]", b'{"text": 3}', b"null", b'{"txt": "x"}']),
    raw_line,
)


@pytest.fixture(scope="module")
def context(pipeline):
    """Return a build context without the SHACL gate (the stream's accounting does not depend on it)."""
    return BuildContext(pipeline=pipeline, ontology=ontology_graph(), reference=None, gate=None)


def stream_counts(context, path, quarantine_dir):
    """Run the build's reader and statement stream over one file; return the report and the quarantine."""
    report = BuildReport()
    quarantine = Quarantine(quarantine_dir, console=io.StringIO())
    stream = StatementStream(context, quarantine, report, Materializer(Entailment(context.ontology)), set())
    for _ in stream.quads(read_source(path)):
        pass
    quarantine.close()
    return report, quarantine


def check_every_line_accounted_for(context, tmp_path_factory, lines, suffix):
    """Write the lines to a source file and check that each one is published, quarantined or merged."""
    directory = tmp_path_factory.mktemp("fuzz")
    path = directory / f"source{suffix}"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report, quarantine = stream_counts(context, path, directory / "quarantine")
    counts = report.counts
    assert counts["read"] == len(lines)
    assert counts["read"] == counts["published"] + quarantine.quarantined + counts["duplicates"]
    assert "extraction-error" not in quarantine.reasons  # the pipeline itself never failed on a line
    rejected = [json.loads(line) for line in (directory / "quarantine" / "rejected.jsonl").open(encoding="utf-8")]
    assert len(rejected) == quarantine.quarantined
    assert len({record["line"] for record in rejected}) == len(rejected)  # one entry per quarantined line
    assert all(1 <= record["line"] <= len(lines) and record["text"] is not None for record in rejected)


@FUZZ
@given(lines=st.lists(raw_line, min_size=1, max_size=12))
def test_every_text_line_is_accounted_for(context, tmp_path_factory, lines):
    check_every_line_accounted_for(context, tmp_path_factory, lines, ".txt")


@FUZZ
@given(lines=st.lists(jsonl_line, min_size=1, max_size=12))
def test_every_json_line_is_accounted_for(context, tmp_path_factory, lines):
    check_every_line_accounted_for(context, tmp_path_factory, lines, ".jsonl")
