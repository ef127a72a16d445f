"""`cdkg build --add`: new reports merged into a built KG give the KG a full build of all the sources gives."""
import json
import shutil
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.kg import commands
from cdkg.kg.build import BUILD_INFO, TRIG_FILE, TURTLE_FILE, build
from cdkg.kg.cli import main
from cdkg.kg.incremental import NotIncremental, add
from cdkg.kg.textindex import INDEX_FILE, TextIndex, build_from_store, update_index, words_of
import cdkg.ontology.namespaces as ns
from cdkg.ontology.namespaces import CDO, ID

FIXTURES = Path(__file__).parent / "fixtures" / "identity"
REPORTS, MORE = FIXTURES / "reports.jsonl", FIXTURES / "more-reports.jsonl"
MORE_TEXT = json.loads(MORE.read_text(encoding="utf-8").splitlines()[0])["text"]
TABRIZ_KONYA = "SELECT DISTINCT ?a WHERE { ?a a cdo:SisterCityAgreement ; cdo:party ?t , <%s> . ?t cdo:governs? <%s> }" % (
    ID["place/konya"], ID["place/tabriz"])


@pytest.fixture(scope="module")
def context():
    return commands.load_context(shacl=True)


@pytest.fixture(scope="module")
def full(context, tmp_path_factory):
    out = tmp_path_factory.mktemp("full")
    build([REPORTS, MORE], out, context)
    return out


@pytest.fixture(scope="module")
def incremental(context, tmp_path_factory):
    out = tmp_path_factory.mktemp("incremental")
    build([REPORTS], out, context)
    before = sorted_quads(out)
    add([MORE], out, context)
    return out, before


def sorted_quads(out):
    """Return every quad of the published store (named graphs and the default graph) as sorted N-Quads lines."""
    store = ox.Store.read_only(str(out / "store"))
    return sorted(store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines())


def info(out):
    return json.loads((out / BUILD_INFO).read_text(encoding="utf-8"))


def test_a_built_kg_holds_the_dumps_alone_and_an_add_splices_them(full, incremental):
    # The add splices the published dumps: no copy of the KG in sorted files is kept beside them (an earlier
    # build's dump-cache/ is removed when a build is published).
    out, _ = incremental
    assert not (full / "dump-cache").exists() and not (out / "dump-cache").exists()
    assert {path.name for path in out.iterdir() if path.is_file()} >= {"citydiplomacy.trig", "citydiplomacy.ttl"}


def test_a_build_removes_the_dump_cache_of_an_earlier_one(context, tmp_path):
    (tmp_path / "dump-cache").mkdir()
    (tmp_path / "dump-cache" / "named.nq").write_text("stale", encoding="utf-8")
    build([MORE], tmp_path, context)
    assert not (tmp_path / "dump-cache").exists()


def test_adding_gives_the_store_of_a_full_build(full, incremental):
    out, before = incremental
    assert sorted_quads(out) == sorted_quads(full)
    assert sorted_quads(out) != before


def test_adding_gives_the_dumps_and_counts_of_a_full_build(full, incremental):
    out, _ = incremental
    for name in (TRIG_FILE, TURTLE_FILE):
        assert (out / name).read_bytes() == (full / name).read_bytes(), name
    for key in ("counts", "quarantined_by_reason", "shacl_violations", "kg_hash", "input_hash", "inputs"):
        assert info(out)[key] == info(full)[key], key
    assert info(out)["counts"]["duplicates"] == 1 and info(out)["quarantined_by_reason"] == {"blank": 1}


def index_entries(out):
    """Return the search index's entries (without their row numbers) and its answers to every word it holds."""
    connection = sqlite3.connect(out / INDEX_FILE)
    entries = sorted(connection.execute("SELECT iri, property, text, lang, types, property_rank, folded FROM entry"))
    connection.close()
    index = TextIndex(out / INDEX_FILE)
    words = sorted({word for row in entries for word in words_of(row[2])})
    return entries, {word: index.search(word, 1000) for word in words}


def test_adding_gives_the_search_index_of_a_full_build(full, incremental):
    out, _ = incremental
    entries, answers = index_entries(out)
    assert any(MORE_TEXT in row[2] for row in entries)
    assert (entries, answers) == index_entries(full)


def test_a_new_signing_revives_the_denied_tie_and_drops_its_end(incremental):
    out, _ = incremental
    store = ox.Store.read_only(str(out / "store"))
    prefixes = f"PREFIX cdo: <{CDO}>\n"
    ((tie,),) = [tuple(row) for row in store.query(prefixes + TABRIZ_KONYA)]
    assert [q.object for q in store.quads_for_pattern(tie, ox.NamedNode(str(CDO.status)), None, ox.DefaultGraph())
            ] == [ox.NamedNode(str(CDO.Signed))]
    assert not list(store.quads_for_pattern(tie, ox.NamedNode(str(ns.SDO.endDate)), None, None))


def test_adding_refuses_a_file_already_in_the_kg_and_a_directory_without_a_kg(incremental, context, tmp_path):
    out, _ = incremental
    with pytest.raises(NotIncremental, match="already in the KG"):
        add([MORE], out, context)
    with pytest.raises(NotIncremental, match="no built KG"):
        add([MORE], tmp_path, context)


def test_the_command_line_adds_and_names_what_it_cannot(incremental, tmp_path, capsys):
    out, _ = incremental
    copy = tmp_path / "kg"
    shutil.copytree(out, copy, symlinks=True)
    assert main(["build", "--add", str(MORE), "--out", str(tmp_path / "none")]) == 2
    assert "no built KG" in capsys.readouterr().err
    assert main(["build", "--add", str(tmp_path / "missing.jsonl"), "--out", str(copy)]) == 2
    assert "no such source file" in capsys.readouterr().err


def test_the_search_index_follows_literals_and_types_that_come_and_go(tmp_path):
    def node(name):
        return ox.NamedNode(str(ID[name]))

    label, kind = ox.NamedNode(str(ns.SKOS.prefLabel)), ox.NamedNode(str(ns.RDF.type))
    before = [ox.Triple(node("a"), label, ox.Literal("شهرداری شیراز", language="fa")),
              ox.Triple(node("a"), kind, ox.NamedNode(str(CDO.Municipality))),
              ox.Triple(node("b"), label, ox.Literal("Novi Sad", language="en"))]
    gained = [ox.Triple(node("a"), kind, ox.NamedNode(str(CDO.Organization))),
              ox.Triple(node("b"), label, ox.Literal("نووی ساد", language="fa"))]
    lost = [before[2]]
    after = [before[0], before[1], *gained]

    def write(path, triples):
        store = ox.Store()
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
        build_from_store(store, path)
        return store

    updated, expected = tmp_path / "updated" / INDEX_FILE, tmp_path / "expected" / INDEX_FILE
    updated.parent.mkdir(), expected.parent.mkdir()
    write(updated, before)
    now = write(expected, after)
    update_index(updated, gained, lost, lambda iri: [q.object.value for q in now.quads_for_pattern(
        ox.NamedNode(iri), kind, None, None)])
    assert index_entries(updated.parent) == index_entries(expected.parent)
    assert [hit.iri for hit in TextIndex(updated).search("نووی", 5)] == [str(ID["b"])]
    assert not TextIndex(updated).search("novi", 5)


@pytest.mark.parametrize("kind", ["trig", "turtle"])
@pytest.mark.parametrize("seed", range(6))
def test_a_spliced_dump_is_the_bytes_a_whole_serialisation_gives(tmp_path, kind, seed):
    # Random changes to a small dataset, at its start, end and middle, into a dump that may be empty: the splice
    # (old dump + the changed keys' new quads) writes what serialising the changed dataset whole writes.
    import random

    from cdkg.kg.dump import PREFIX_IRIS, splice_dump
    rng = random.Random(seed)
    fmt = ox.RdfFormat.TRIG if kind == "trig" else ox.RdfFormat.TURTLE

    def dataset(names):
        graph = (lambda g: ox.NamedNode(ID[f"graph/{g}"])) if kind == "trig" else (lambda g: ox.DefaultGraph())
        return [ox.Quad(ox.NamedNode(ID[f"s{g}-{i}" if kind == "trig" else f"s{g}"]), ox.NamedNode(CDO.relates),
                        ox.Literal(f"v{g}-{i}-{version}"), graph(g)) for g, version in names.items() for i in range(2)]

    def dump(quads, path):  # as the build writes it: N-Quads lines in byte order, the TriG's by graph first
        lines = sorted(ox.serialize(quads, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True),
                       key=lambda line: (line.rsplit(b" ", 2)[-2], line) if kind == "trig" else line)
        path.write_bytes(ox.serialize(ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS), format=fmt,
                                      prefixes=PREFIX_IRIS) if lines else b"")
        return path
    before = {g: 0 for g in rng.sample(range(20), rng.randint(0, 8))}
    after = {g: v for g, v in before.items() if rng.random() < 0.6}
    after.update({g: rng.randint(0, 1) for g in rng.sample(range(20), rng.randint(1, 5))})
    changed = {g for g in set(before) | set(after) if before.get(g) != after.get(g)}
    keys = {str(ox.NamedNode(ID[f"graph/{g}"] if kind == "trig" else ID[f"s{g}"])).encode() for g in changed}
    old, out = dump(dataset(before), tmp_path / "old"), tmp_path / "out"
    splice_dump(old, keys, [q for q in dataset(after) if int(q.subject.value.rsplit("s", 1)[1].split("-")[0]) in changed],
                fmt, out)
    assert out.read_bytes() == dump(dataset(after), tmp_path / "whole").read_bytes()
