"""The README and the manual as a newcomer reads them: the two commands, links and anchors that lead somewhere."""
import os
import re
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from cdkg.kg.build import REPO_ROOT
from cdkg.kg.demo import DEFAULT_CORPUS, DEFAULT_DEMO_OUT

README = REPO_ROOT / "README.md"
PAGES = [README, *sorted((REPO_ROOT / "docs").glob("*.md"))]
MAX_README_LINES = 150
# Headings get GitHub's ids (lower case, punctuation dropped, spaces to hyphens, repeats numbered).
MARKDOWN = MarkdownIt("commonmark").enable("table").use(anchors_plugin, min_level=1, max_level=6)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...


def tokens(path):
    """Return the flat token stream (inline children included) of a Markdown file."""
    flat = []
    for token in MARKDOWN.parse(path.read_text(encoding="utf-8")):
        flat.append(token)
        flat.extend(token.children or ())
    return flat


def anchors(path):
    """Return the ids of a Markdown file's headings."""
    return {token.attrs["id"] for token in tokens(path) if token.type == "heading_open"}


def links(path):
    """Return the targets of a Markdown file's links and images."""
    return [token.attrs.get("href") or token.attrs.get("src")
            for token in tokens(path) if token.type in ("link_open", "image")]


def test_readme_fits_on_a_few_screens():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= MAX_README_LINES


def test_the_readme_first_code_block_is_the_two_commands():
    first = next(token for token in tokens(README) if token.type in ("fence", "code_block"))
    assert first.content.splitlines() == ["make run", "make test"]


def test_ci_runs_exactly_the_readme_test_command():
    commands = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == "make test"
    assert all(command.startswith(("set ", "cd ")) for command in commands[:-1])


def make_plan(*arguments):
    """Return what `make -n` would run, as a top-level make does it (also when the tests run under `make test`)."""
    outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    plan = subprocess.run(["make", "-n", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                          env={name: value for name, value in os.environ.items() if name not in outer})
    assert plan.returncode == 0, plan.stderr
    return plan.stdout


@pytest.mark.parametrize("target", ["run", "test"])
def test_each_readme_command_first_sets_up_the_system(target):
    lines = make_plan(target).splitlines()
    assert lines[0] == f"bash .ci/setup-system {target}"


def test_make_run_serves_the_demo_kg_with_the_corpus_and_the_seed_kg_without(tmp_path):
    def served(*variables):
        return make_plan("run", *variables)

    without = served(f"CORPUS={tmp_path}")
    assert "cdkg serve --kg kg " in without and "no challenge-*.jsonl in " + str(tmp_path) in without
    (tmp_path / "challenge-z.jsonl").write_text("", encoding="utf-8")
    with_corpus = served(f"CORPUS={tmp_path}")
    assert f"cdkg demo --corpus {tmp_path}" in with_corpus
    assert f"cdkg serve --kg {DEFAULT_DEMO_OUT.relative_to(REPO_ROOT)} " in with_corpus
    assert "cdkg serve --kg kg " in served(f"CORPUS={tmp_path}", "KG=seed")
    assert DEFAULT_CORPUS == Path(os.path.normpath(REPO_ROOT / "../shared/corpus"))  # the Makefile's CORPUS


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO_ROOT)))
def test_relative_links_and_anchors_resolve(page):
    broken = []
    for href in links(page):
        if EXTERNAL.match(href):
            continue
        path, _, anchor = href.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{href}: no such file")
        elif anchor and (target.suffix != ".md" or anchor not in anchors(target)):
            broken.append(f"{href}: no heading #{anchor} in {target.relative_to(REPO_ROOT)}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_link_checker_sees_a_broken_link_and_anchor(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Top `cdkg build`: it\n[a](page.md#top-cdkg-build-it) [b](gone.md) `[c](code.md)`\n",
                    encoding="utf-8")
    assert links(page) == ["page.md#top-cdkg-build-it", "gone.md"]
    assert anchors(page) == {"top-cdkg-build-it"}
