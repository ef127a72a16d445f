"""The `cdkg ontology` subcommands: check, generate, docs."""
import sys
from pathlib import Path

from cdkg.ontology import DOCS_DIR, SOURCES


def register(subparsers):
    """Add `cdkg ontology check|generate|docs` to the CLI."""
    parser = subparsers.add_parser("ontology", help="check, generate and document the ontology")
    commands = parser.add_subparsers(dest="ontology_command", metavar="SUBCOMMAND", required=True)

    check = commands.add_parser(
        "check", help="reason with HermiT, check the OWL 2 DL profile and the fa/en labels and definitions"
    )
    check.add_argument("files", nargs="*", type=Path, metavar="FILE",
                       help="ontology documents to check (default: cdo.ttl and concepts.ttl)")
    check.set_defaults(func=run_check)

    generate = commands.add_parser("generate", help="write the RDF/XML forms (cdo.owl, concepts.owl) from the sources")
    generate.set_defaults(func=run_generate)

    docs = commands.add_parser("docs", help="write the HTML documentation with pyLODE")
    docs.add_argument("--out", type=Path, default=DOCS_DIR, metavar="DIR", help=f"output directory (default: {DOCS_DIR})")
    docs.set_defaults(func=run_docs)


def run_check(args):
    """Check the ontology files and print the problems or a summary; return the exit status."""
    from cdkg.ontology.check import check

    files = args.files or list(SOURCES)
    missing = [str(path) for path in files if not Path(path).is_file()]
    if missing:
        print(f"cdkg ontology check: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = check(files)
    names = ", ".join(Path(path).name for path in files)
    if report.problems:
        print(f"{names}: {len(report.problems)} problem(s):", file=sys.stderr)
        for problem in report.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    summary = ", ".join(f"{count} {kind}" for kind, count in report.counts.items())
    print(f"{names}: OK - consistent, every class satisfiable (HermiT), OWL 2 DL, labelled fa+en; {summary}")
    return 0


def run_generate(args):
    """Write the generated serialisations and print their paths."""
    from cdkg.ontology.generate import generate_serialisations

    for path in generate_serialisations():
        print(f"wrote {path}")
    return 0


def run_docs(args):
    """Write the HTML documentation and print its path."""
    from cdkg.ontology.generate import generate_docs

    print(f"wrote {generate_docs(args.out)}")
    return 0
