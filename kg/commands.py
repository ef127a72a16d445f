"""Register `cdkg build`, `cdkg demo` and `cdkg corpus`."""
import argparse
import shlex
import sys
from pathlib import Path

from cdkg.kg.build import DEFAULT_OUT, DEFAULT_SOURCES, BuildContext, activity_description, build, is_stale, usable_cpus
from cdkg.kg.demo import (DEFAULT_CORPUS, DEFAULT_DEMO_OUT, DEMO_NAME, DEMO_SOURCE, CorpusMissing, corpus_files,
                          write_demo_source)
from cdkg.kg.readers import source_files
from cdkg.kg.store import BuildLocked
from cdkg.ontology.catalog import DocumentError


def register(subparsers):
    """Add the build and corpus subcommands."""
    parser = subparsers.add_parser(
        "build", help="build the KG (named graphs, store, dumps) from statement sources",
        description="Read statements, map them to RDF, validate them against the shapes, and publish the KG "
                    "(TriG and Turtle dumps, Oxigraph store, build-info.json) atomically into DIR.",
    )
    parser.add_argument("sources", nargs="*", type=Path,
                        help=f"source files or directories (.txt, .jsonl); default: {DEFAULT_SOURCES}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output directory (default: kg/)")
    parser.add_argument("--if-stale", action="store_true",
                        help="do nothing when the published KG was built from the same inputs")
    parser.add_argument("--strict", action="store_true", help="fail (exit 1) on any SHACL violation")
    parser.add_argument("--no-shacl", action="store_true", help="skip SHACL validation (for benchmarks)")
    parser.add_argument("--allow-empty", action="store_true",
                        help="publish (exit 0) even when no statement passes; by default DIR is left unchanged, exit 1")
    parser.add_argument("--name", metavar="TEXT",
                        help="what this KG is, recorded in build-info.json and shown by the UI (default: the sources)")
    parser.add_argument("--workers", type=_positive, default=usable_cpus(), metavar="N",
                        help="processes that extract and validate statements (default: the usable CPUs, "
                             f"{usable_cpus()} here); the KG is the same for any N")
    parser.add_argument("--add", nargs="+", type=Path, metavar="FILE",
                        help="merge the statements of new source files into the KG built in DIR, without a full "
                             "build (same KG as a full build of all the sources, these last)")
    parser.set_defaults(func=run_build)

    parser = subparsers.add_parser(
        "demo", help="build the demo KG: the seed statements + the public synthetic news corpus",
        description="Build kg/sources/ and the corpus's challenge-*.jsonl items (each marked as synthetic in its "
                    "provenance) into one KG, in which every example question has answers.",
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, metavar="DIR",
                        help="folder of the corpus (default: ../shared/corpus beside the project)")
    parser.add_argument("--out", type=Path, default=DEFAULT_DEMO_OUT, metavar="DIR",
                        help="output directory (default: build/demo/kg); the corpus source is written beside it")
    parser.add_argument("--if-stale", action="store_true",
                        help="do nothing when the published KG was built from the same inputs")
    parser.set_defaults(func=run_demo, strict=False, no_shacl=False, allow_empty=False, name=DEMO_NAME,
                        workers=usable_cpus())

    parser = subparsers.add_parser(
        "corpus", help="generate a synthetic Persian statement corpus",
        description="Write N synthetic Persian statements built from the gazetteer and phrase patterns "
                    "(.txt: one per line; .jsonl: with id, date, url, publisher). Same seed, same corpus.",
    )
    parser.add_argument("--count", type=int, required=True, metavar="N")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.set_defaults(func=run_corpus)


def _positive(text):
    """Parse a positive integer argument, or fail with a message naming it."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, not {text!r}")
    return value


def load_context(shacl):
    """Load the mapping pipeline, ontology, gazetteer and, unless skipped, the SHACL gate."""
    from cdkg.kg.gazetteer import load_reference_store
    from cdkg.mappings.pipeline import Pipeline
    from cdkg.ontology import ontology_graph

    pipeline = Pipeline.load()
    gate = None
    if shacl:
        from cdkg.shapes.gate import Gate

        gate = Gate.load(extra_context=activity_description(pipeline))
    return BuildContext(pipeline=pipeline, ontology=ontology_graph(), reference=load_reference_store(), gate=gate)


def run_build(args):
    """Run `cdkg build`; return 0, 1 (nothing or, with --strict, not all published; a held lock) or 2 (bad sources)."""
    if args.add:
        return run_add(args)
    files = source_files(args.sources or [DEFAULT_SOURCES])
    missing = [str(path) for path in files if not path.is_file()]
    if missing or not files:
        print(f"cdkg build: no such source file: {', '.join(missing)}" if missing
              else "cdkg build: no source files (.txt, .jsonl) given", file=sys.stderr)
        return 2
    return build_and_report(files, args)


def run_demo(args):
    """Run `cdkg demo`: build the seed statements and the synthetic news corpus into one KG; exit codes as build."""
    try:
        demo_source = write_demo_source(corpus_files(args.corpus), args.out.parent / DEMO_SOURCE)
    except CorpusMissing as error:
        print(f"cdkg demo: {error}: the public news corpus is not there (CI has it in ../shared/corpus beside the "
              "clone); give its folder with --corpus DIR, or serve the seed KG: cdkg build && cdkg serve",
              file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as error:
        print(f"cdkg demo: cannot read the corpus: {error}", file=sys.stderr)
        return 2
    return build_and_report(source_files([DEFAULT_SOURCES]) + [demo_source], args)


def build_and_report(files, args):
    """Build the files into args.out as the arguments ask, print the summary; return the exit status."""
    command = f"cdkg {args.command}"
    if args.if_stale and not is_stale(files, args.out, shacl=not args.no_shacl):
        print(f"{command}: {args.out} is up to date", file=sys.stderr)
        return 0
    name = args.name or " + ".join(path.stem for path in files)
    try:
        report = build(files, args.out, load_context(shacl=not args.no_shacl), strict=args.strict,
                       allow_empty=args.allow_empty, name=name, workers=args.workers)
    except BuildLocked as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 1
    except DocumentError as error:  # an ontology source Protégé saved in a format we do not read, or broken
        print(f"cdkg build: {error}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stderr)
    if not report.published:
        reason = (f"{report.violations} statements violate the shapes (--strict)" if args.strict and report.violations
                  else "no statement was published (see the quarantine lines above; --allow-empty publishes anyway)")
        print(f"{command}: {reason}; {args.out} left unchanged", file=sys.stderr)
        return 1
    print(f"output:            {args.out}/\nserve it with:     cdkg serve --kg {shlex.quote(str(args.out))}",
          file=sys.stderr)
    return 0


def run_add(args):
    """Run `cdkg build --add FILE...`; return 0 on success, 1 on a held lock, 2 on bad sources or no KG to add to."""
    from cdkg.kg.incremental import NotIncremental, add

    files = source_files(args.add)
    missing = [str(path) for path in files if not path.is_file()]
    if args.sources or args.if_stale or args.strict or missing or not files:
        print("cdkg build --add: " + (f"no such source file: {', '.join(missing)}" if missing else
              "takes only the new files (and --out, --no-shacl)" if files else "no source files (.txt, .jsonl) given"),
              file=sys.stderr)
        return 2
    try:
        report = add(files, args.out, load_context(shacl=not args.no_shacl), workers=args.workers)
    except BuildLocked as error:
        print(f"cdkg build: {error}", file=sys.stderr)
        return 1
    except NotIncremental as error:
        print(f"cdkg build --add: {error}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stderr)
    return 0


def run_corpus(args):
    """Run `cdkg corpus`; return 0, or 2 for a bad count."""
    from cdkg.kg.corpus import write_corpus

    if args.count < 0:
        print("cdkg corpus: --count must be >= 0", file=sys.stderr)
        return 2
    write_corpus(args.out, args.count, args.seed)
    print(f"cdkg corpus: wrote {args.count} statements to {args.out}", file=sys.stderr)
    return 0
