"""Run Comunica's `comunica-sparql` (npm @comunica/query-sparql, pinned in comunica/package-lock.json)."""
import json
import subprocess
from pathlib import Path

PACKAGE_DIR = Path(__file__).parent / "comunica"
EXECUTABLE = PACKAGE_DIR / "node_modules" / ".bin" / "comunica-sparql"


def install():
    """Install the locked Comunica release from the npm registry unless it is already there."""
    if EXECUTABLE.exists():
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PACKAGE_DIR, check=True,
                   stdin=subprocess.DEVNULL, timeout=600)


def sparql_source(endpoint_url):
    """Name an endpoint as a SPARQL source, so Comunica sends it SPARQL instead of guessing its kind."""
    return f"sparql@{endpoint_url}"


def run(sources, query, output_type="application/sparql-results+json", timeout=120):
    """Run a query over the sources and return Comunica's standard output; raise with its errors."""
    command = [str(EXECUTABLE), *sources, "--query", query, "--outputType", output_type, "--httpTimeout", "20000"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if completed.returncode != 0:
        raise RuntimeError(f"comunica-sparql exited with {completed.returncode}:\n{completed.stderr}")
    return completed.stdout


def select(sources, query):
    """Run a SELECT query and return its solutions as SPARQL JSON binding dicts."""
    return json.loads(run(sources, query))["results"]["bindings"]
