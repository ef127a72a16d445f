"""A seed KG built by the real `cdkg build` (labels, search index and all), for the web tests."""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.endpoint_support import running_server

CDKG = Path(sys.executable).with_name("cdkg")
NEWS = Path(__file__).parent / "fixtures" / "build" / "news.jsonl"
EVIDENCE = Path(__file__).parent / "fixtures" / "web" / "evidence.txt"


def build_seed_kg(directory):
    """Run `cdkg build` on the shipped seed statements into directory; return it."""
    directory = Path(directory)
    result = subprocess.run([str(CDKG), "build", "--out", str(directory)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return directory


@pytest.fixture(scope="session")
def seed_kg(tmp_path_factory):
    """The seed KG as `cdkg build` writes it (labels, search index), built once per test session."""
    return build_seed_kg(tmp_path_factory.mktemp("seed") / "kg")


@pytest.fixture(scope="session")
def seed_server(seed_kg):
    """A real `cdkg serve` over the seed KG."""
    with running_server(seed_kg) as base:
        yield base


def serve_built(tmp_path_factory, source):
    """Build a KG from one input file with `cdkg build` and serve it; yield the server's base URL."""
    kg_dir = tmp_path_factory.mktemp(source.stem) / "kg"
    result = subprocess.run([str(CDKG), "build", "--out", str(kg_dir), str(source)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    with running_server(kg_dir) as base:
        yield base


@pytest.fixture(scope="session")
def news_server(tmp_path_factory):
    """A real `cdkg serve` over a KG built from news records that carry a date, a publisher and a URL."""
    yield from serve_built(tmp_path_factory, NEWS)


@pytest.fixture(scope="session")
def evidence_server(tmp_path_factory):
    """A real `cdkg serve` over a KG of one sentence with ZWNJs, one city named twice and another's name also inside
    a word (شیرازی): the evidence offsets and a search for the labels disagree."""
    yield from serve_built(tmp_path_factory, EVIDENCE)
