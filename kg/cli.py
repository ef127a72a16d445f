"""Run the `cdkg` command line: each top-level module registers its own subcommands."""
import argparse
import importlib
import sys

# Modules that contribute subcommands, each exposing `register(subparsers)`.
COMMAND_MODULES = (
    "cdkg.ontology.cli", "cdkg.mappings.cli", "cdkg.kg.commands", "cdkg.kg.gazetteer", "cdkg.shapes.cli",
    "cdkg.endpoint.cli", "cdkg.kg.publish",
)


def build_parser():
    """Return the argument parser with every module's subcommands registered."""
    parser = argparse.ArgumentParser(
        prog="cdkg", description="Build, check and serve the city diplomacy knowledge graph."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:  # a real missing dependency, not a module not written yet
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv=None):
    """Parse the arguments and run the chosen subcommand; return its exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
