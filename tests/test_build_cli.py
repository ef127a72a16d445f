"""What the `cdkg build` and `cdkg extract` commands tell a user: exit codes, where the KG went, refused input."""
import json
import shlex

import pytest

from cdkg.kg import commands
from cdkg.kg.build import TRIG_FILE
from cdkg.kg.cli import main

PERSIAN = "شهردار شیراز گفت: خواهرخواندگی شیراز و دوحه گسترش می‌یابد.\n"
ENGLISH = "The mayor of Shiraz said the sister-city tie with Doha will grow.\n"


@pytest.fixture(scope="module")
def context():
    """The real pipeline, ontology and gazetteer, without the SHACL gate (not what these tests are about)."""
    return commands.load_context(shacl=False)


@pytest.fixture
def cli(context, monkeypatch):
    """Run `cdkg build` in-process with the module's already loaded context."""
    monkeypatch.setattr(commands, "load_context", lambda shacl: context)
    return main


def test_a_build_that_publishes_nothing_fails_and_leaves_the_kg(cli, tmp_path, capsys):
    good, bad, out = tmp_path / "good.txt", tmp_path / "english.txt", tmp_path / "kg"
    good.write_text(PERSIAN, encoding="utf-8")
    bad.write_text(ENGLISH * 3, encoding="utf-8")
    assert cli(["build", str(good), "--out", str(out), "--no-shacl"]) == 0
    published = (out / TRIG_FILE).read_bytes()
    capsys.readouterr()

    assert cli(["build", str(bad), "--out", str(out), "--no-shacl"]) == 1
    err = capsys.readouterr().err
    assert "quarantined:       3 (not-persian 3)" in err
    assert "no statement was published" in err and "--allow-empty" in err and f"{out} left unchanged" in err
    assert (out / TRIG_FILE).read_bytes() == published

    assert cli(["build", str(bad), "--out", str(out), "--no-shacl", "--allow-empty"]) == 0
    assert json.loads((out / "build-info.json").read_text())["counts"]["published"] == 0


def test_the_summary_ends_with_the_output_folder_and_the_serve_command(cli, tmp_path, capsys):
    source, out = tmp_path / "news.txt", tmp_path / "my kg"
    source.write_text(PERSIAN, encoding="utf-8")
    assert cli(["build", str(source), "--out", str(out), "--no-shacl", "--name", "Shiraz news"]) == 0
    output, serve = capsys.readouterr().err.rstrip("\n").splitlines()[-2:]
    assert output.split(None, 1) == ["output:", f"{out}/"]
    assert serve.split(":", 1)[0] == "serve it with"
    command = shlex.split(serve.split(":", 1)[1])
    assert command[:3] == ["cdkg", "serve", "--kg"] and (tmp_path / command[3] / TRIG_FILE).is_file()
    assert json.loads((out / "build-info.json").read_text())["name"] == "Shiraz news"


@pytest.mark.parametrize("text, reason", [
    ("Shiraz and Doha signed a memorandum.", "not Persian text (0 of "),
    ("Das ist kein persischer Satz, Teheran.", "not Persian text"),
    ("\u0634\u06cc\u0631\u0627\u0632\x07", "control characters U+0007"),
])
def test_extract_refuses_text_that_is_not_persian(text, reason, capsys):
    assert main(["extract", text]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert reason in captured.err and "Persian statement" in captured.err
