"""The project as a user installs and runs it: from any working directory, and from a plain install without extras."""
import requests

from tests.endpoint_support import build_kg_dir, running_server

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
