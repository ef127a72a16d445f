"""What Protégé saves, the project reads; what an editor adds flows through pipeline, gate and endpoint.

Protégé's open + save is played by the OWL API it is built on (Debian's libowlapi-java, the same writers), in a
fresh copy of the repository (the files git tracks or would track), as an editor's checkout would be.
"""
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import owlready2
import pyoxigraph as ox
import pytest
import requests

from endpoint_support import running_server
from cdkg.ontology import CONCEPTS_OWL, CDO_OWL, ONTOLOGY_DIR
from cdkg.ontology.owlapi import save

REPO = Path(__file__).resolve().parent.parent
PREFIXES = """PREFIX cdo: <https://w3id.org/citydiplomacy/ontology#>
PREFIX cdc: <https://w3id.org/citydiplomacy/concept/>
PREFIX cdr: <https://w3id.org/citydiplomacy/id/>
PREFIX cdg: <https://w3id.org/citydiplomacy/graph/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


PACKAGES = ("kg", "endpoint", "shapes", "mappings", "ontology")


def fresh_clone(target):
    """Copy what a clone of the working tree holds (tracked and not-ignored files) to target; return it.

    Beside it, clone_imports(target) holds the clone's folders as the cdkg namespace, as an install of the clone
    would: put first on PYTHONPATH, the clone's code runs instead of the installed one."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    namespace = clone_imports(target) / "cdkg"
    namespace.mkdir(parents=True)
    for package in PACKAGES:
        (namespace / package).symlink_to(target.resolve() / package, target_is_directory=True)
    return target


def clone_imports(clone):
    """Return the folder that makes the clone's packages importable (outside the clone's own tree)."""
    return clone.parent / f"{clone.name}-imports"


def clone_env(clone):
    """Return the environment in which `cdkg` runs the clone's code."""
    return {"PYTHONPATH": str(clone_imports(clone))}


def cdkg(clone, *args, expect=0):
    """Run the clone's own `cdkg` (its code, ontology and data) and return the completed process."""
    done = subprocess.run([sys.executable, "-m", "cdkg.kg.cli", *map(str, args)], cwd=clone,
                          env={**os.environ, **clone_env(clone)},
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == expect, f"cdkg {' '.join(map(str, args))}: {done.stdout}\n{done.stderr}"
    return done


def protege_edit(clone, name, turtle="", syntax="turtle"):
    """Add Turtle statements to ontology/<name> as an editor does in Protégé, then save the file the way
    Protégé does (OWL API open, through the catalog, and save, over the same file)."""
    document = clone / "ontology" / name
    if turtle:
        document.write_text(document.read_text(encoding="utf-8") + "\n" + turtle, encoding="utf-8")
    saved = save(document, document.with_suffix(".saved"), syntax)
    saved.replace(document)


def sorted_nquads(kg_dir):
    """Return the KG dump as sorted N-Quads, blank nodes relabelled canonically."""
    dataset = ox.Dataset(ox.parse(path=str(kg_dir / "citydiplomacy.trig"), format=ox.RdfFormat.TRIG))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return sorted(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines())


def select(base, query):
    """Run a SELECT against a served endpoint and return its bindings as dicts of values."""
    response = requests.post(base + "sparql", data={"query": PREFIXES + query}, timeout=60,
                             headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{name: cell["value"] for name, cell in row.items()} for row in response.json()["results"]["bindings"]]


def build_and_serve_query(clone, tmp_path, text, query):
    """Build the clone's KG from one statement, serve it, and return the query's rows."""
    source = tmp_path / "statement.txt"
    source.write_text(text + "\n", encoding="utf-8")
    cdkg(clone, "ontology", "check")
    cdkg(clone, "ontology", "generate")
    build = cdkg(clone, "build", source, "--out", tmp_path / "kg")
    assert "quarantined:       0" in build.stderr, build.stderr
    with running_server(tmp_path / "kg", env=clone_env(clone)) as base:
        return select(base, query)


# --- the round trip -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def original_kg(tmp_path_factory):
    """The KG the unedited sources give (seed statements), as sorted N-Quads."""
    clone = fresh_clone(tmp_path_factory.mktemp("original"))
    cdkg(clone, "build", "--out", clone / "built")
    return sorted_nquads(clone / "built")


@pytest.mark.parametrize("syntax", ["turtle", "rdfxml"])
def test_protege_save_changes_nothing_the_project_reads(tmp_path, original_kg, syntax):
    """Open + save both ontologies (Turtle, or RDF/XML written over cdo.ttl): check, tests and KG unchanged."""
    clone = fresh_clone(tmp_path / "clone")
    for name in ("cdo.ttl", "concepts.ttl"):
        protege_edit(clone, name, syntax=syntax)
    cdo = (clone / "ontology" / "cdo.ttl").read_text(encoding="utf-8")
    assert ("<rdf:RDF" in cdo) == (syntax == "rdfxml") and "distinctMembers" in cdo  # really the OWL API's output
    cdkg(clone, "ontology", "check")
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_ontology_terms.py",
         "tests/test_ontology_generated.py", "tests/test_mappings_lexicon.py", "tests/test_mappings_cues.py",
         "tests/test_shapes_fixtures.py"],
        cwd=clone, env={**os.environ, **clone_env(clone)}, capture_output=True, text=True, timeout=900, check=False)
    assert tests.returncode == 0, tests.stdout[-3000:]
    cdkg(clone, "build", "--out", clone / "built")
    assert sorted_nquads(clone / "built") == original_kg


def test_an_unreadable_format_saved_over_cdo_ttl_is_a_clear_build_error(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    (clone / "ontology" / "cdo.ttl").write_text(
        '<?xml version="1.0"?>\n<Ontology xmlns="http://www.w3.org/2002/07/owl#"/>\n', encoding="utf-8")
    done = cdkg(clone, "build", "--out", tmp_path / "kg", expect=2)
    assert "cdo.ttl: OWL/XML is not an ontology format the project reads; save it as Turtle or RDF/XML" in done.stderr
    assert "Traceback" not in done.stderr


def test_owlready2_loads_the_generated_files_offline(monkeypatch):
    def no_network(self, address):
        raise AssertionError(f"owlready2 tried the network: {address}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(owlready2, "onto_path", [str(ONTOLOGY_DIR)])
    monkeypatch.setattr(owlready2.namespace, "onto_path", owlready2.onto_path)
    world = owlready2.World()
    concepts = world.get_ontology(CONCEPTS_OWL.as_uri()).load()
    assert [o.base_iri for o in concepts.imported_ontologies] == ["https://w3id.org/citydiplomacy/ontology#"]
    assert world["https://w3id.org/citydiplomacy/ontology#Mayor"] is not None  # from cdo.owl, found locally
    assert world["https://w3id.org/citydiplomacy/concept/city-diplomacy"] is not None
    assert world.get_ontology(CDO_OWL.as_uri()).load() is not None


# --- the four extensions, each from a fresh clone -----------------------------------------------


def test_extension_a_persian_label(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    protege_edit(clone, "concepts.ttl", 'cdc:city-diplomacy skos:altLabel "دیپلماسی بین‌شهری"@fa .\n')
    rows = build_and_serve_query(clone, tmp_path, "شهردار شیراز گفت: دیپلماسی بین‌شهری اولویت ماست.",
                                 "SELECT ?statement WHERE { ?statement a cdo:Statement ; cdo:topic cdc:city-diplomacy }")
    assert len(rows) == 1


def test_extension_a_post_class_in_natural_persian(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    protege_edit(clone, "cdo.ttl", """cdo:DistrictMayor a owl:Class ;
    rdfs:subClassOf cdo:Mayor ;
    rdfs:label "district mayor"@en , "شهردار منطقه"@fa ;
    skos:definition "The mayor of one district of a city's municipality."@en , "شهردار یکی از مناطق شهرداری."@fa .
""")
    rows = build_and_serve_query(clone, tmp_path, "شهردار منطقه شیراز گفت: همکاری با دوحه ادامه دارد.", """
        SELECT ?post ?org WHERE { ?statement cdo:speaker ?post . ?post a cdo:DistrictMayor ; org:postIn ?org }""")
    assert rows == [{"post": "https://w3id.org/citydiplomacy/id/post/district-mayor/shiraz-municipality",
                     "org": "https://w3id.org/citydiplomacy/id/org/shiraz-municipality"}]


GASTRONOMY = """cdc:domain-gastronomy a owl:NamedIndividual , skos:Concept , cdo:CooperationDomain ;
    skos:prefLabel "gastronomy"@en , "آشپزی"@fa ;
    skos:definition "Cuisine and food culture, as in the UNESCO creative cities of gastronomy."@en ,
        "آشپزی و فرهنگ خوراک، مانند شهرهای خلاق خوراک یونسکو."@fa ;
    skos:inScheme cdc:cooperation-domains ;
    skos:topConceptOf cdc:cooperation-domains .
cdc:cooperation-domains skos:hasTopConcept cdc:domain-gastronomy .
"""


def test_extension_a_domain_concept(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    protege_edit(clone, "concepts.ttl", GASTRONOMY)
    rows = build_and_serve_query(clone, tmp_path, "شیراز و دوحه تفاهم‌نامه همکاری در زمینه آشپزی امضا کردند.", """
        SELECT ?label WHERE { ?agreement cdo:cooperationDomain cdc:domain-gastronomy .
                              cdc:domain-gastronomy skos:prefLabel ?label FILTER (lang(?label) = "fa") }""")
    assert rows == [{"label": "آشپزی"}]


def test_a_concept_with_protege_default_iri_fails_the_check(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    protege_edit(clone, "concepts.ttl", GASTRONOMY.replace(
        "cdc:domain-gastronomy", "<https://w3id.org/citydiplomacy/concepts#Gastronomy>"))
    done = cdkg(clone, "ontology", "check", expect=1)
    assert ("<https://w3id.org/citydiplomacy/concepts#Gastronomy>: a concept's IRI is "
            "https://w3id.org/citydiplomacy/concept/<kebab-case-name>") in done.stderr


def test_extension_a_city(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    (clone / "kg" / "reference" / "curated" / "places-added.ttl").write_text("""\
@prefix cdo: <https://w3id.org/citydiplomacy/ontology#> .
@prefix cdr: <https://w3id.org/citydiplomacy/id/> .
@prefix dbo: <http://dbpedia.org/ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://w3id.org/citydiplomacy/id/place/kotor> a cdo:City ;
    rdfs:label "Kotor"@en , "کوتور"@fa ;
    skos:prefLabel "Kotor"@en , "کوتور"@fa ;
    cdo:country <https://w3id.org/citydiplomacy/id/place/montenegro> ;
    dbo:populationTotal "13510"^^xsd:nonNegativeInteger .
""", encoding="utf-8")
    rows = build_and_serve_query(clone, tmp_path, "شهردار شیراز و شهردار کوتور تفاهم‌نامه همکاری فرهنگی امضا کردند.", """
        SELECT ?body ?label WHERE { ?agreement cdo:party ?body . ?body cdo:governs cdr:place\\/kotor .
            GRAPH cdg:reference { cdr:place\\/kotor a cdo:City ; skos:prefLabel ?label FILTER (lang(?label) = "fa") } }""")
    assert rows == [{"body": "https://w3id.org/citydiplomacy/id/org/kotor-municipality", "label": "کوتور"}]
