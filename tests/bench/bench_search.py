"""Benchmark full-text search: SQLite FTS5 against Tantivy as the index, and the endpoint's text query with search.

Run: .venv/bin/python -m tests.bench.bench_search [--statements 61000] [--queries 40]
Needs the `tantivy` pip package for the index comparison (pip install tantivy); without it that part is skipped.
Prints (1) index build time, size and phrase-query latency of FTS5 and Tantivy over the same normalised texts,
(2) the benchmark's text query (tests/bench/bench_endpoint.py) in its CONTAINS and REGEX forms against the same
question asked with SERVICE <https://w3id.org/citydiplomacy/search>, server time per query through the endpoint's
query route (response cache off), answers compared for every query, and the ratios.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cdkg.endpoint import create_app
from cdkg.kg.textindex import INDEX_FILE, TextIndex, build_from_store, joined_pairs, words_of
from cdkg.ontology.namespaces import CDO, CDS, SEARCH_SERVICE
from tests.bench.bench_endpoint import synthesise

PREFIXES = f"PREFIX cdo: <{CDO}> PREFIX cds: <{CDS}> "
FORMS = {
    "CONTAINS": PREFIXES + 'SELECT ?s WHERE {{ ?s cdo:originalText ?t FILTER(CONTAINS(?t, "شهر {i} ")) }} # {n}',
    "REGEX": PREFIXES + 'SELECT ?s WHERE {{ ?s cdo:originalText ?t FILTER(REGEX(?t, "شهر {i} ")) }} # {n}',
    "search": PREFIXES + "SELECT ?s WHERE {{ SERVICE <" + SEARCH_SERVICE + "> {{ ?s cds:query \"شهر {i}\" ; "
              "cds:property cdo:originalText ; cds:limit 100000 }} }} # {n}",
}


def timed(function, *args):
    """Return (seconds, result) of one call."""
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def tantivy_index(store, directory):
    """Build a Tantivy index of the same normalised words and joined pairs as the FTS5 index; return it."""
    import tantivy
    from cdkg.kg.textindex import rows_of

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("iri", stored=True, tokenizer_name="raw")
    builder.add_text_field("words", stored=False)
    builder.add_text_field("joined", stored=False)
    index = tantivy.Index(builder.build(), path=str(directory))
    writer = index.writer()
    literals, _ = rows_of(lambda sparql: [tuple(row) for row in store.query(sparql, use_default_graph_as_union=True)])
    for subject, _, literal in literals:
        words = words_of(literal.value)
        writer.add_document(tantivy.Document(iri=subject.value, words=" ".join(words),
                                             joined=" ".join(joined_pairs(words))))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def directory_bytes(path):
    """Return the bytes of the files under path (or of the file path)."""
    path = Path(path)
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def compare_indexes(store, workdir, cities, count):
    """Print build time, size and phrase latency of FTS5 and Tantivy."""
    fts_path = Path(workdir) / INDEX_FILE
    fts_build, _ = timed(build_from_store, store, fts_path)
    fts = TextIndex(fts_path)
    phrases = [f"شهر {index % cities + 1}" for index in range(count)]
    fts_times = [timed(fts.search, text, 100000)[0] for text in phrases]
    print(f"| FTS5 (sqlite {__import__('sqlite3').sqlite_version}) | {fts_build:.2f} s | "
          f"{directory_bytes(fts_path) / 1e6:.1f} MB | {statistics.median(fts_times) * 1000:.2f} ms |")
    try:
        import tantivy
    except ImportError:
        print("| Tantivy | not installed (pip install tantivy) | | |")
        return
    tantivy_dir = Path(workdir) / "tantivy"
    tantivy_dir.mkdir()
    tantivy_build, index = timed(tantivy_index, store, tantivy_dir)
    searcher = index.searcher()

    def tantivy_search(text):
        query = index.parse_query(f'words:"{text}"', ["words"])
        return [searcher.doc(address)["iri"][0] for _, address in searcher.search(query, 100000).hits]

    tantivy_times = [timed(tantivy_search, text)[0] for text in phrases]
    print(f"| Tantivy {getattr(tantivy, '__version__', '')} | {tantivy_build:.2f} s | "
          f"{directory_bytes(tantivy_dir) / 1e6:.1f} MB | {statistics.median(tantivy_times) * 1000:.2f} ms |")


def compare_forms(kg_dir, cities, count):
    """Print the server time of each form of the text query and the ratios; fail when answers differ."""
    app = create_app({"KG_DIR": str(kg_dir), "RESPONSE_CACHE_BYTES": 0, "QUERY_TIMEOUT": 120.0})
    client = app.test_client()

    def run(form, index, number):
        text = FORMS[form].format(i=index, n=number)
        response = client.get("/sparql", query_string={"query": text},
                              headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.data[:300]
        return sorted(row["s"]["value"] for row in response.get_json()["results"]["bindings"])

    run("search", 1, -1)  # opens (or builds) the index once, as the first search of a worker does
    times = {form: [] for form in FORMS}
    for number in range(count):
        index = (number * 37) % cities + 1
        answers = {}
        for form in FORMS:
            seconds, answers[form] = timed(run, form, index, number)
            times[form].append(seconds)
        if not answers["CONTAINS"] == answers["REGEX"] == answers["search"]:
            raise SystemExit(f"answers differ for city {index}: {[len(a) for a in answers.values()]}")
    medians = {form: statistics.median(values) for form, values in times.items()}
    for form, median in medians.items():
        print(f"| {form} | {median * 1000:.2f} ms | {1 / median:.0f} |")
    print(f"\nsearch vs CONTAINS: {medians['CONTAINS'] / medians['search']:.0f}x faster; "
          f"search vs REGEX: {medians['REGEX'] / medians['search']:.0f}x faster; same answers in all {count} queries")


def main(argv=None):
    """Synthesise the benchmark KG, then compare the indexes and the query forms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=61000)
    parser.add_argument("--cities", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args(argv)
    import pyoxigraph as ox

    with tempfile.TemporaryDirectory(prefix="cdkg-bench-search-") as workdir:
        kg_dir = Path(workdir) / "kg"
        quads = synthesise(kg_dir, args.statements, args.cities)
        print(f"# {quads} quads, {args.statements} statements; load average {os.getloadavg()[0]:.1f} (2 cores)")
        store = ox.Store.read_only(str(kg_dir / "store"))
        print("\n| index | build | size | phrase query (median) |\n|---|---|---|---|")
        compare_indexes(store, workdir, args.cities, args.queries)
        del store
        shutil.copy(Path(workdir) / INDEX_FILE, kg_dir / INDEX_FILE)  # what `cdkg build` publishes
        print("\n| text query form | server time (median) | queries/s, one thread |\n|---|---|---|")
        compare_forms(kg_dir, args.cities, args.queries)
        print(f"# load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
