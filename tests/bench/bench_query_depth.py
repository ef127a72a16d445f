"""Measure which query shapes the store survives on a query thread's stack: long flat lists vs deep nesting.

Run: .venv/bin/python -m tests.bench.bench_query_depth [--timeout 20] [SHAPE=N ...]
Each shape is evaluated by pyoxigraph on a thread with the query threads' stack (QUERY_STACK_BYTES), in its own
process (a stack overflow kills it), over a small store; it prints ok (with seconds), crash (the signal) or
timeout, and the estimated depth MAX_QUERY_DEPTH would see.
"""
import argparse
import subprocess
import sys
import threading
import time

import pyoxigraph as ox

from cdkg.endpoint.limits import QUERY_STACK_BYTES, syntax_depth

SHAPES = {
    "ground BGP": lambda n: "SELECT * { " + " ".join(f'<urn:s{i % 20}> <urn:p{i % 20 % 3}> "{i % 20}" .'
                                                     for i in range(n)) + " }",
    "BGP with variables": lambda n: "SELECT * { " + " ".join(f"<urn:s{i % 20}> <urn:p{i % 3}> ?o{i} ."
                                                             for i in range(n)) + " }",
    "INSERT DATA": lambda n: "INSERT DATA { " + " ".join(f"<urn:s> <urn:p> {i} ." for i in range(n)) + " }",
    "nested groups": lambda n: "SELECT * { " + "{ " * n + "?s ?p ?o" + " }" * n + " }",
    "nested parentheses": lambda n: "ASK { FILTER(1<" + "(" * n + "1" + ")" * n + "&&2>1) }",
    "&& chain": lambda n: "ASK { FILTER(" + " && ".join(["true"] * n) + ") }",
    "+ chain": lambda n: "SELECT (" + " + ".join(["1"] * n) + " AS ?x) {}",
    "path sequence": lambda n: "SELECT * { ?s " + "/".join(f"<urn:p{i % 3}>" for i in range(n)) + " ?o }",
    "UNION chain": lambda n: "SELECT * { " + " UNION ".join("{}" for _ in range(n)) + " }",
}
DEFAULT_RUNS = ["ground BGP=1000", "ground BGP=4000", "BGP with variables=200", "BGP with variables=400",
                "INSERT DATA=20000", "nested groups=16000", "nested groups=50000", "nested parentheses=30000",
                "nested parentheses=44000", "&& chain=50000", "+ chain=4000", "path sequence=1000",
                "UNION chain=4000"]


def evaluate(shape, size):
    """Evaluate one shape on a large-stack thread of this process; print ok and the seconds it took."""
    store = ox.Store()
    for i in range(20):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode(f"urn:p{i % 3}"), ox.Literal(str(i))))
    text = SHAPES[shape](size)

    def run():
        started = time.perf_counter()
        if text.startswith("INSERT"):
            store.update(text)
        else:
            result = store.query(text)
            if not isinstance(result, ox.QueryBoolean):
                sum(1 for _ in result)
        print(f"ok {time.perf_counter() - started:.2f} s", flush=True)

    threading.stack_size(QUERY_STACK_BYTES)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def main():
    """Run each shape in a subprocess and print what happened."""
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="*", default=DEFAULT_RUNS, help="SHAPE=N (shapes: " + ", ".join(SHAPES) + ")")
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return evaluate(args.child[0], int(args.child[1]))
    for run in args.runs:
        shape, size = run.rsplit("=", 1)
        text = SHAPES[shape](int(size))
        try:
            child = subprocess.run([sys.executable, "-m", "tests.bench.bench_query_depth", "--child", shape, size],
                                   capture_output=True, text=True, timeout=args.timeout)
            outcome = child.stdout.strip() if child.returncode == 0 else f"crash (exit {child.returncode})"
        except subprocess.TimeoutExpired:
            outcome = f"timeout (> {args.timeout:g} s)"
        print(f"{shape:20} n={size:>6} {len(text):>7} chars  estimated depth {syntax_depth(text):>6}  {outcome}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
