"""`cdkg validate DATA... [--shapes SHAPES...] [--no-context]`: validate RDF files against SHACL shapes."""
import logging
import sys
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from cdkg.ontology.namespaces import RDFS
from cdkg.shapes.report import Verdict, report_graph
from cdkg.shapes.safety import ShapesError
from cdkg.shapes.terms import oxigraph_term, read_triples

# Exit statuses: 0 conforms (warnings allowed), 1 a violation, 2 a file that cannot be read or shapes refused.
CONFORMS, VIOLATES, UNREADABLE = 0, 1, 2
EXTENSIONS = ".ttl, .trig, .nt, .nq, .rdf, .jsonld"


def register(subparsers):
    """Add the `validate` subcommand."""
    parser = subparsers.add_parser(
        "validate", help="validate RDF files against SHACL shapes",
        description="Validate RDF files (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD, by extension) "
                    "against SHACL shapes (default: the project's), with the project's ontology and reference "
                    "data as context unless --no-context. Each file is validated as one graph (the union of "
                    "its named graphs). Exit status: 0 conforms (warnings allowed), 1 violations, 2 a file "
                    "could not be read or the shapes were refused.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="DATA")
    parser.add_argument("--shapes", nargs="+", type=Path, metavar="SHAPES",
                        help="shapes files (default: the project's shapes/*.ttl)")
    parser.add_argument("--no-context", action="store_true",
                        help="validate the data alone, without the project's ontology and reference data (the "
                             "class hierarchy then comes from the data and the shapes), as pyshacl does")
    parser.add_argument("--format", choices=("text", "turtle"), default="text",
                        help="text: results grouped by focus node (default); turtle: the sh:ValidationReport")
    parser.add_argument("--engine", choices=("core", "pyshacl"), default="core",
                        help="core: the compiled engine, pySHACL for the shapes it does not compile (default, "
                             "fastest); pyshacl: pySHACL for every shape")
    parser.set_defaults(func=run_validate)


def read_file(path, prefixes=None):
    """Return (triples, None) for a readable RDF file, or (None, message) naming the problem and its line."""
    rdf_format = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) if path.suffix else None
    if rdf_format is None:
        return None, f"{path}: cannot tell the RDF format from the extension (use {EXTENSIONS})"
    try:
        # Lexical forms as written: SHACL compares terms, so "01"^^xsd:integer is not "1"^^xsd:integer.
        triples = set(read_triples(path, normalize=False, rdf_format=rdf_format, prefixes=prefixes))
    except FileNotFoundError:
        return None, f"{path}: no such file"
    except IsADirectoryError:
        return None, f"{path}: is a folder, not a file"
    except (SyntaxError, ValueError, OSError) as error:  # pyoxigraph's SyntaxError carries line and column
        return None, f"{path}: {error}"
    return sorted(triples), None


def load_gate(shape_files, no_context, engine):
    """Return the gate for shapes files (None: the project's), with or without the project's context."""
    from cdkg.shapes.gate import Gate

    shapes = None
    if shape_files:
        shapes = Graph()
        for path in shape_files:
            prefixes = {}
            triples, problem = read_file(path, prefixes)
            if problem is not None:
                raise ShapesError(problem)
            for triple in triples:
                shapes.add(triple)
            for prefix, namespace in prefixes.items():  # pySHACL, as its own command line, reads them too
                shapes.bind(prefix, namespace, override=True)
    if not no_context:
        return Gate.load(engine=engine, shapes=shapes)
    from cdkg.shapes import shapes_graph

    shapes = shapes_graph() if shapes is None else shapes
    hierarchy = Graph()
    for triple in shapes.triples((None, RDFS.subClassOf, None)):
        hierarchy.add(triple)
    return Gate(shapes, hierarchy, engine=engine, judge_context=True)


def run_validate(args):
    """Validate each file; print the results; return the exit status."""
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # an ill-typed literal is a result, not a log line
    readable, status = [], CONFORMS
    for path in args.files:
        triples, problem = read_file(path)
        if problem is not None:
            print(f"cdkg validate: {problem}", file=sys.stderr)
            status = UNREADABLE
        else:
            readable.append((path, triples))
    if not readable:
        return status
    try:
        gate = load_gate(args.shapes, args.no_context, args.engine)
        verdicts = gate.check((None, triples) for _, triples in readable)
    except ShapesError as error:
        print(f"cdkg validate: the shapes are refused: {error}", file=sys.stderr)
        return UNREADABLE
    if args.format == "turtle":
        results = [result for verdict in verdicts for result in verdict.results]
        sources = [source for verdict in verdicts for source in verdict.sources]
        report = report_graph(results, sources)
        sys.stdout.write(turtle(report))
    else:
        for (path, _), verdict in zip(readable, verdicts):
            print(summary(path, verdict))
            sys.stdout.write(verdict.report_text)
    if status == CONFORMS and not all(v.conforms for v in verdicts):
        status = VIOLATES
    return status


def turtle(graph):
    """Return a graph as Turtle, written by Oxigraph (rdflib writes an ill-typed boolean as a bare word)."""
    triples = [ox.Triple(*map(oxigraph_term, triple)) for triple in graph]
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces() if prefix}
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode()


def summary(path, verdict: Verdict):
    """Return a file's one-line verdict."""
    state = "conforms" if verdict.conforms else "does not conform"
    return f"{path}: {state} ({len(verdict.violations)} violations, {len(verdict.warnings)} warnings)"
