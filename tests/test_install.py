"""The project as a user installs and runs it: from any working directory, and from a plain install without extras."""
import shutil
import subprocess
import sys

import pytest
import requests

from cdkg.kg.build import REPO_ROOT
from cdkg.ontology.namespaces import CDO
from tests.endpoint_support import build_kg_dir, running_server

# What a copy of the working tree leaves out: environments, installed npm packages, built KGs, caches.
NOT_SOURCES = (".git", ".venv", "node_modules", "build", "store", ".store-*", ".build-tmp-*", "quarantine",
               "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis", "artifacts")
STATEMENTS = f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{CDO.Statement}> }}"
RESULTS_JSON = {"Accept": "application/sparql-results+json"}
SHADOW = 'raise ImportError("imported the working directory\'s {name}/ instead of the project\'s package")\n'


def test_serve_from_a_directory_holding_kg_shapes_and_endpoint_folders(tmp_path):
    """`cdkg build --out kg && cdkg serve --kg kg` works although ./kg, ./shapes and ./endpoint look like packages."""
    build_kg_dir(tmp_path / "kg")  # a built KG: store/ and dumps, a namespace package to the import system
    for name in ("shapes", "endpoint"):  # regular packages that would win over any installed one
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(SHADOW.format(name=name), encoding="utf-8")
    with running_server("kg", cwd=tmp_path) as base:
        answer = requests.get(base + "sparql", params={"query": "ASK { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["boolean"] is True


@pytest.mark.slow
def test_a_plain_install_without_extras_builds_and_serves_the_seed(tmp_path):
    """pip install of the tree (a real wheel, no extras, registry and cache only), then the seed built and served."""
    tree = tmp_path / "tree"  # a copy, so the wheel build writes nothing into the working tree
    shutil.copytree(REPO_ROOT, tree, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                              str(tree)], capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stdout + install.stderr
    cdkg = venv / "bin" / "cdkg"
    built = subprocess.run([str(cdkg), "build", "--out", str(tmp_path / "kg")], capture_output=True, text=True,
                           timeout=600, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert built.stderr.rstrip().splitlines()[-1] == f"serve it with:     cdkg serve --kg {tmp_path / 'kg'}"
    with running_server(tmp_path / "kg", cdkg=cdkg, cwd=tmp_path) as base:
        answer = requests.get(base + "sparql", params={"query": STATEMENTS}, headers=RESULTS_JSON, timeout=30)
        assert answer.status_code == 200, answer.text
        statements = int(answer.json()["results"]["bindings"][0]["n"]["value"])
        assert statements == len((tree / "kg" / "sources" / "seed-statements-fa.txt").read_text().splitlines())
        assert "seed-statements-fa" in requests.get(base, timeout=30).text  # the UI page, from the installed templates


def test_setup_without_apt_names_what_is_missing(tmp_path):
    """On a machine without apt-get (nor npm), the README's commands stop with the list of what to install."""
    tools = tmp_path / "bin"  # a PATH with the shell and Python, and neither npm nor apt-get
    tools.mkdir()
    for tool in ("bash", "id", "mktemp"):
        (tools / tool).symlink_to(shutil.which(tool))
    (tools / "python3").symlink_to(sys.executable)  # a venv's Python: `import ensurepip, venv` works
    result = subprocess.run(["bash", str(REPO_ROOT / ".ci" / "setup-system"), "run"], capture_output=True,
                            text=True, timeout=60, env={"PATH": str(tools)}, executable=shutil.which("bash"))
    assert result.returncode == 1
    assert "missing for make run: nodejs npm" in result.stderr and "no apt-get" in result.stderr
