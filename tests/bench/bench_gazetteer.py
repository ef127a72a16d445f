"""Benchmark the gazetteer: the CPU time of each way to load it, against reading the raw bytes, and of a rebuild.

Run: .venv/bin/python -m tests.bench.bench_gazetteer [--rebuild]
"""
import argparse
import tempfile
import time

from cdkg.kg import gazetteer


def cpu_seconds(function):
    """Return the CPU seconds one call of function takes (CPU time, so other processes do not inflate it)."""
    start = time.process_time()
    result = function()
    return time.process_time() - start, result


def read_bytes():
    """Read every generated file as bytes: the floor any loader stands on."""
    return sum(len(path.read_bytes()) for path in [*gazetteer.reference_files(), gazetteer.REFERENCE_DIR / gazetteer.LEXICON_NAME])


def main(argv=None):
    """Print load times of the lexicon, the Oxigraph store and the rdflib graph, and optionally a rebuild."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="also time `cdkg reference build` into a temp dir")
    args = parser.parse_args(argv)
    baseline, size = cpu_seconds(read_bytes)
    print(f"read {size / 1e6:.1f} MB of generated files: {baseline:.3f} s (baseline)")
    for name, loader in (("lexicon.json", gazetteer.load_lexicon), ("oxigraph store", gazetteer.load_reference_store),
                         ("rdflib graph", gazetteer.load_reference_graph)):
        seconds, loaded = cpu_seconds(loader)
        print(f"{name}: {seconds:.2f} s CPU, {len(loaded)} items, {seconds / max(baseline, 1e-6):.0f}x baseline")
    if args.rebuild:
        with tempfile.TemporaryDirectory() as out:
            seconds, counts = cpu_seconds(lambda: gazetteer.build_reference(out))
        print(f"rebuild: {seconds:.1f} s CPU, {sum(counts.values())} entities")


if __name__ == "__main__":
    main()
