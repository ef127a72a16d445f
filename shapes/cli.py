"""`cdkg validate FILE...`: check any RDF file against the shapes, with the ontology and reference data as context."""
import sys
from pathlib import Path

import pyoxigraph as ox

from cdkg.shapes.report import Verdict, report_graph
from cdkg.shapes.terms import rdflib_term

# Exit statuses: 0 conforms (warnings allowed), 1 a violation, 2 a file that cannot be read.
CONFORMS, VIOLATES, UNREADABLE = 0, 1, 2


def register(subparsers):
    """Add the `validate` subcommand."""
    parser = subparsers.add_parser(
        "validate", help="validate RDF files against the SHACL shapes",
        description="Validate RDF files (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD, by extension) "
                    "against the shapes, with the ontology and the reference data as context. Each file is "
                    "validated as one graph (the union of its named graphs). Exit status: 0 conforms (warnings "
                    "allowed), 1 violations, 2 a file could not be read.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--format", choices=("text", "turtle"), default="text",
                        help="text: results grouped by focus node (default); turtle: the SHACL report graph")
    parser.add_argument("--engine", choices=("core", "sparql", "pyshacl"), default="core",
                        help="core: compiled Python + SPARQL constraints (default, fastest); sparql: every "
                             "constraint as SPARQL over Oxigraph; pyshacl: the reference implementation")
    parser.set_defaults(func=run_validate)


def read_file(path):
    """Return (triples, None) for a readable RDF file, or (None, message) naming the problem and its line."""
    rdf_format = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) if path.suffix else None
    if rdf_format is None:
        return None, f"{path}: cannot tell the RDF format from the extension (use .ttl, .trig, .nt, .nq, .rdf, .jsonld)"
    try:
        quads = list(ox.parse(path=str(path), format=rdf_format))
    except FileNotFoundError:
        return None, f"{path}: no such file"
    except (SyntaxError, ValueError, OSError) as error:  # pyoxigraph's SyntaxError carries line and column
        return None, f"{path}: {error}"
    triples = {(rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)) for q in quads}
    return sorted(triples), None


def run_validate(args):
    """Validate each file; print the results; return the exit status."""
    from cdkg.shapes.gate import Gate

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
    gate = Gate.load(engine=args.engine)
    verdicts = gate.check((None, triples) for _, triples in readable)
    if args.format == "turtle":
        results = [result for verdict in verdicts for result in verdict.results]
        sys.stdout.write(report_graph(results, all(v.conforms for v in verdicts)).serialize(format="turtle"))
    else:
        for (path, _), verdict in zip(readable, verdicts):
            print(summary(path, verdict))
            sys.stdout.write(verdict.report_text)
    if status == CONFORMS and not all(v.conforms for v in verdicts):
        status = VIOLATES
    return status


def summary(path, verdict: Verdict):
    """Return a file's one-line verdict."""
    state = "conforms" if verdict.conforms else "does not conform"
    return f"{path}: {state} ({len(verdict.violations)} violations, {len(verdict.warnings)} warnings)"
