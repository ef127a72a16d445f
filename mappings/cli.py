"""The mapping commands: `cdkg extract "<statement>"` and `cdkg evaluate GOLD`."""
import sys

from rdflib import Graph

from cdkg.ontology.namespaces import bind_prefixes


def register(subparsers):
    """Add the extract and evaluate subcommands."""
    extract = subparsers.add_parser("extract", help="print one Persian statement's triples as Turtle")
    extract.add_argument("statement", help="the statement text (Persian)")
    extract.set_defaults(func=run_extract)
    evaluate = subparsers.add_parser("evaluate", help="print precision/recall/F1 of the mappings on a gold set")
    evaluate.add_argument("gold", nargs="+", help="gold sets, JSON Lines: the dev format (text, entities, agreements, "
                          "concepts) or the challenge corpus format (places, persons, posts, agreements...)")
    evaluate.add_argument("--verbose", action="store_true", help="also list each statement's differences")
    evaluate.set_defaults(func=run_evaluate)


def run_extract(args):
    """Print the statement's named-graph content as Turtle."""
    from cdkg.mappings.pipeline import default_pipeline
    from cdkg.mappings.record import SourceRecord

    from cdkg.kg.readers import text_problem

    problem = text_problem(args.statement)  # the build's own rule: what it would quarantine is refused here
    if problem:
        print(f"extract: refusing the statement: {problem[1]} (cdkg extract reads one Persian statement)",
              file=sys.stderr)
        return 2
    result = default_pipeline().extract(SourceRecord(args.statement, 1, "<command line>"))
    graph = bind_prefixes(Graph())
    for triple in result.triples:
        graph.add(triple)
    print(graph.serialize(format="turtle"))
    for note in result.notes:
        print(f"# {note}", file=sys.stderr)
    return 0


def run_evaluate(args):
    """Print precision, recall and F1 per category on a gold file."""
    from cdkg.mappings.challenge import evaluate_challenge, is_challenge
    from cdkg.mappings.evaluate import GoldError, evaluate, read_gold, report
    from cdkg.mappings.pipeline import default_pipeline

    try:
        sets = [read_gold(path) for path in args.gold]
    except (OSError, GoldError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2
    kinds = {is_challenge(items) for items in sets}
    if len(kinds) > 1:
        print("evaluate: the gold files mix the dev format and the challenge corpus format", file=sys.stderr)
        return 2
    items = [item for items in sets for item in items]
    if kinds == {True}:
        try:
            scorer = evaluate_challenge(default_pipeline(), items)
        except GoldError as error:
            print(f"evaluate: {error}", file=sys.stderr)
            return 2
        print(scorer.report(verbose=args.verbose))
    else:
        print(report(evaluate(default_pipeline(), items), verbose=args.verbose))
    return 0
