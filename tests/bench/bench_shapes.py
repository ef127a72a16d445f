"""Benchmark the SHACL gate against the mapping it follows, on the synthetic corpus.

    .venv/bin/python tests/bench/bench_shapes.py [--statements 100000] [--sample 300] [--workers 2]

Maps N synthetic statements with the real pipeline (timed: the baseline), then validates them:
- core: the gate's default engine, Core constraints compiled to Python over each graph's index and
  SPARQL-based constraints run per focus node in a batch's Oxigraph store (one process, then --workers processes);
- pyshacl per statement, on the same data graph (statement + precomputed context), no inference;
- pyshacl per statement with inference="rdfs" and the ontology as ont_graph (no precomputed context);
- pyshacl per batch (statement graphs merged into one data graph, results mapped back by focus node);
- pyshacl on one whole merged graph.
pyshacl runs on a sample (it is too slow for the whole corpus); rates are statements/s. Target (issue):
validation adds no more than the mapping costs, i.e. validation time <= mapping time on 100k statements.
The gate's rows also print the ratio of CPU seconds (with its worker processes'), which a machine shared with
other jobs skews less than wall time.
"""
import argparse
import multiprocessing
import queue
import random
import resource
import sys
import time
from itertools import islice
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from pyshacl import validate  # noqa: E402  (after the path set-up, so the script runs from anywhere)
from rdflib import Graph  # noqa: E402

from cdkg.kg.corpus import PUBLISHERS, Vocabulary, statements  # noqa: E402
from cdkg.kg.gazetteer import load_reference_store  # noqa: E402
from cdkg.mappings.pipeline import Pipeline  # noqa: E402
from cdkg.mappings.record import SourceRecord  # noqa: E402
from cdkg.ontology import ontology_graph  # noqa: E402
from cdkg.shapes.gate import Gate, pyshacl_results  # noqa: E402

CHUNK = 10_000  # statements mapped then validated at a time, as the build streams them


def records(count, seed=7):
    """Yield synthetic source records (with URL and publisher, as the JSON Lines corpus has)."""
    vocabulary = Vocabulary.from_graphs(load_reference_store(), ontology_graph())
    rng = random.Random(seed)
    for line, text in enumerate(statements(vocabulary, count, seed), start=1):
        yield SourceRecord(text=text, line=line, source_file="synthetic.jsonl",
                           source_url=f"https://news.example/{seed}/{line}", publisher=rng.choice(PUBLISHERS))


def timed(function, *args, **kwargs):
    """Return (result, seconds) of a call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def cpu_seconds():
    """Return the CPU seconds of this process and its waited-for children (a gate's worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def map_and_gate(pipeline, gates, count):
    """Map count statements chunk by chunk, validating each chunk with each gate; return times and a sample.

    gates maps a name to (gate, workers, statements): each gate validates the first `statements` only.
    """
    map_seconds = map_cpu = 0.0
    gate_seconds, gate_cpu, gated = {name: 0.0 for name in gates}, {name: 0.0 for name in gates}, {name: 0 for name in gates}
    triples = violations = warnings = 0
    sample = []
    source = records(count)
    while chunk := list(islice(source, CHUNK)):
        cpu = cpu_seconds()
        results, seconds = timed(lambda: [pipeline.extract(record) for record in chunk])
        map_seconds, map_cpu = map_seconds + seconds, map_cpu + cpu_seconds() - cpu
        items = [(result.graph, result.triples) for result in results]
        triples += sum(len(t) for _, t in items)
        for name, (gate, workers, limit) in gates.items():
            if gated[name] >= limit:
                continue
            cpu = cpu_seconds()
            verdicts, seconds = timed(gate.check, items, workers=workers)
            gate_seconds[name] += seconds
            gate_cpu[name] += cpu_seconds() - cpu
            gated[name] += len(items)
            if name == "core":
                violations += sum(not v.conforms for v in verdicts)
                warnings += sum(bool(v.warnings) for v in verdicts)
        if len(sample) < 5000:
            sample += items[:5000 - len(sample)]
    return (map_seconds, map_cpu), (gate_seconds, gate_cpu), gated, triples, (violations, warnings), sample


def pyshacl_per_statement(gate, items):
    """Return seconds to validate each item with pyshacl on its precomputed data graph."""
    return timed(lambda: [validate(gate.data_graph(t), shacl_graph=gate.shapes, inference="none")
                          for _, t in items])[1]


def pyshacl_rdfs(gate, items, ontology, limit):
    """Return seconds to validate items with pyshacl, RDFS inference and the ontology mixed in (None past limit s)."""
    def one(triples):
        data = Graph()
        for triple in triples:
            data.add(triple)
        return validate(data, shacl_graph=gate.shapes, ont_graph=ontology, inference="rdfs")

    def run(results):
        results.put(timed(lambda: [one(t) for _, t in items])[1])

    context = multiprocessing.get_context("fork")  # a child process, so that it can be abandoned at the limit
    results = context.Queue()
    child = context.Process(target=run, args=(results,))
    child.start()
    try:
        return results.get(timeout=limit)
    except queue.Empty:
        return None
    finally:
        child.kill()
        child.join()


def pyshacl_merged(gate, items, size):
    """Return seconds to validate items merged size at a time, results mapped back to graphs by focus node."""
    def batch(group):
        data = Graph()
        owner = {}
        for graph, triples in group:
            for triple in triples + gate.context.extend(triples):
                data.add(triple)
            owner.update((s, graph) for s, _, _ in triples)
        _, report, _ = validate(data, shacl_graph=gate.shapes, inference="none")
        return [(owner.get(r.focus), r) for r in pyshacl_results(report)]
    return timed(lambda: [batch(items[i:i + size]) for i in range(0, len(items), size)])[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300,
                        help="statements for the pyshacl measurements (0: none, the gate's engine only)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    pipeline, load_seconds = timed(Pipeline.load)
    gate, gate_load = timed(Gate.load, extra_context=pipeline.activity_triples())
    print(f"load: pipeline {load_seconds:.1f} s, gate (shapes + ontology + reference context) {gate_load:.1f} s; "
          f"{len(gate.core.compiled)} targeted shapes compiled, {len(gate.refused)} left to pySHACL")
    gates = {"core": (gate, 1, args.statements),
             f"core x{args.workers} processes": (gate, args.workers, args.statements)}
    (map_seconds, map_cpu), (gate_seconds, gate_cpu), gated, triples, (violations, warnings), sample = map_and_gate(
        pipeline, gates, args.statements)
    n = args.statements
    map_rate = n / map_seconds
    print(f"\n{n:,} statements, {triples:,} triples ({triples / n:.0f}/statement); "
          f"{violations:,} statements with violations, {warnings:,} with warnings")
    print(f"{'approach (statements validated)':56} {'statements/s':>12} {'validate/map time':>18} "
          f"{'validate/map CPU':>17}")
    print(f"{'mapping, the baseline (%d)' % n:56} {map_rate:12,.0f} {'':>18}")
    for name, seconds in gate_seconds.items():
        rate, cpu_ratio = gated[name] / seconds, (gate_cpu[name] / gated[name]) / (map_cpu / n)
        print(f"{name + ' (%d)' % gated[name]:56} {rate:12,.0f} {map_rate / rate:18.2f} {cpu_ratio:17.2f}")

    if args.sample:
        pyshacl_measurements(gate, sample[:args.sample], sample[:2000], map_rate)
    print("\nvalidate/map time <= 1.00 meets the target (validation adds no more than the mapping costs).")


def pyshacl_measurements(gate, small, sample, map_rate):
    """Print the rates of pySHACL per statement (small sample), with RDFS inference, per batch and merged."""
    ontology = ontology_graph()
    measurements = [
        ("pyshacl per statement, precomputed context", len(small), pyshacl_per_statement(gate, small)),
        ("pyshacl per statement, inference=rdfs + ont_graph", 1, pyshacl_rdfs(gate, small[:1], ontology, 120)),
        ("pyshacl per batch of 500 merged graphs", len(sample), pyshacl_merged(gate, sample, 500)),
        ("pyshacl whole merged graph", len(sample), pyshacl_merged(gate, sample, 2000)),
    ]
    for name, count, seconds in measurements:
        if seconds is None:
            print(f"{name + ' (%d)' % count:56} {'< 1/120':>12} {'did not finish':>18}")
            continue
        rate = count / seconds
        print(f"{name + ' (%d)' % count:56} {rate:12,.0f} {map_rate / rate:18.2f}")


if __name__ == "__main__":
    main()
