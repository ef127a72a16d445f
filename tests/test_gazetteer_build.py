"""Check how the gazetteer is built: label normalisation, spelling choice, slugs, curated-data errors, regeneration."""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import to_isomorphic

from cdkg.kg import gazetteer

REPO = Path(__file__).resolve().parents[1]


def test_normalize_label_maps_arabic_letters_and_drops_marks():
    assert gazetteer.normalize_label("كِرْمانشاه") == "کرمانشاه"
    assert gazetteer.normalize_label("  تبريز ") == "تبریز"
    assert gazetteer.normalize_label("مشـــهد") == "مشهد"
    assert gazetteer.normalize_label("منطقهٔ  ویژه") == "منطقه ویژه"


def test_only_persian_letters_make_a_persian_spelling():
    assert gazetteer.is_persian_spelling("نووی ساد")
    assert not gazetteer.is_persian_spelling("دوحہ")  # Urdu heh
    assert not gazetteer.is_persian_spelling("دوحە")  # Kurdish ae
    assert not gazetteer.is_persian_spelling("ب")


def test_the_most_persian_spelling_is_preferred():
    def best(names, name_en):
        candidates = gazetteer.persian_candidates(names)
        return min(candidates, key=lambda label: gazetteer.spelling_rank(label, candidates, name_en))

    assert best(["Isfahan", "أصفهان", "ایصفاهان", "اصفهان"], "Isfahan") == "اصفهان"  # no plene, no hamza
    assert best(["الدوحة", "الدوحه", "دوحه", "دوحہ"], "Doha") == "دوحه"  # no Arabic article
    assert best(["نوفي ساد", "نووی ساد"], "Novi Sad") == "نووی ساد"  # Persian letters
    assert best(["چغه سرای", "اسد آباد"], "Asadābād") == "اسد آباد"  # consonants follow the name
    assert best(["العين"], "Al Ain") == "العین"  # the article belongs to this name


def test_slugs_are_ascii_and_clashes_take_the_geonames_id():
    assert gazetteer.slugify("Novi Sad") == "novi-sad"
    assert gazetteer.slugify("Qā’em Shahr") == "qaem-shahr"
    assert gazetteer.slugify("Kırıkkale") == "krkkale"
    registry = gazetteer.SlugRegistry()
    assert registry.claim("springfield", 4409896) == "springfield"
    assert registry.claim("springfield", 4951788) == "springfield-4951788"
    with pytest.raises(gazetteer.ReferenceDataError, match="used twice"):
        registry.claim("springfield")


def test_most_populous_city_keeps_the_bare_slug():
    lexicon = {entry["iri"]: entry for entry in gazetteer.load_lexicon()}
    herat = lexicon[str(gazetteer.place_iri("herat"))]
    namesake = lexicon[str(gazetteer.place_iri("herat-113556"))]
    assert herat["population"] > namesake["population"]


def test_a_bad_curated_row_is_reported_with_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "organisations.csv").write_text(
        "slug,type,name_en,name_fa,alt_fa,alt_en,country,wikidata\n"
        "unesco,InternationalOrganization,UNESCO,یونسکو,,,,Q7809\n"
        "nowhere,Ministry,Ministry of Nothing,وزارت هیچ,,,ZZ,\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(gazetteer, "CURATED_DIR", tmp_path)
    with pytest.raises(gazetteer.ReferenceDataError, match=r"organisations.csv line 3: unknown country code 'ZZ'"):
        gazetteer.build_organisations({})


def test_an_invented_looking_wikidata_id_is_refused(tmp_path, monkeypatch):
    (tmp_path / "countries.csv").write_text("iso_code,name_en,wikidata\nIR,,wd:Q794\n", encoding="utf-8")
    monkeypatch.setattr(gazetteer, "CURATED_DIR", tmp_path)
    with pytest.raises(gazetteer.ReferenceDataError, match="countries.csv line 2: malformed Wikidata id"):
        gazetteer.read_country_curation()


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """Run `cdkg reference build --out TMP` through the subcommand this module registers."""
    out = tmp_path_factory.mktemp("reference")
    parser = argparse.ArgumentParser()
    gazetteer.register(parser.add_subparsers())
    args = parser.parse_args(["reference", "build", "--out", str(out)])
    assert args.func(args) == 0
    return out


@pytest.mark.parametrize("name", [*gazetteer.TURTLE_NAMES, gazetteer.LEXICON_NAME])
def test_regeneration_reproduces_the_committed_files_byte_for_byte(rebuilt, name):
    assert (rebuilt / name).read_bytes() == (gazetteer.REFERENCE_DIR / name).read_bytes()


@pytest.mark.parametrize("name", ["countries.ttl", "regions.ttl", "provinces.ttl", "organisations.ttl"])
def test_regenerated_graphs_are_isomorphic_to_the_committed_ones(rebuilt, name):
    fresh = Graph().parse(rebuilt / name, format="turtle")
    committed = Graph().parse(gazetteer.REFERENCE_DIR / name, format="turtle")
    assert len(committed) > 0
    assert to_isomorphic(fresh) == to_isomorphic(committed)


def test_output_does_not_depend_on_hash_randomisation(tmp_path):
    """Build Iran's, Qatar's and Serbia's part here and under another hash seed, and compare the files."""
    here, there = tmp_path / "here", tmp_path / "there"
    gazetteer.build_reference(here, only_countries={"IR", "QA", "RS"})
    script = "import sys; from kg import gazetteer; gazetteer.build_reference(sys.argv[1], only_countries={'IR', 'QA', 'RS'})"
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    subprocess.run([sys.executable, "-c", script, str(there)], check=True, cwd=REPO,
                   env=dict(os.environ, PYTHONHASHSEED=seed))
    for name in (*gazetteer.TURTLE_NAMES, gazetteer.LEXICON_NAME):
        assert (here / name).read_bytes() == (there / name).read_bytes(), name
    cities = Graph().parse(here / "cities.ttl", format="turtle")
    assert 800 < len(set(cities.subjects())) < 1000  # Iran's cities plus Doha's and Serbia's


def test_a_frequent_word_is_kept_only_where_curated_data_vouches_for_it():
    sources = {
        "word_frequency": lambda label: 5.5,  # every single word counts as frequent here
        "ambiguous": {("دوشنبه", "dushanbe")},
        "frequent_names": {("تهران", "tehran")},
    }
    assert gazetteer.is_word_not_name(sources, "سایر", "sierre")
    assert not gazetteer.is_word_not_name(sources, "دوشنبه", "dushanbe")
    assert not gazetteer.is_word_not_name(sources, "تهران", "tehran")
    assert gazetteer.is_word_not_name(sources, "تهران", "tehran-123")  # vouched for one place only
    assert not gazetteer.is_word_not_name(sources, "عباس آباد", "abas-abad")  # names of several words pass
    rare = dict(sources, word_frequency=lambda label: 2.0)
    assert not gazetteer.is_word_not_name(rare, "سایر", "sierre")


def test_the_command_reports_a_bad_curated_file_and_fails(tmp_path, monkeypatch, capsys):
    curated = tmp_path / "curated"
    curated.mkdir()
    for path in gazetteer.CURATED_DIR.iterdir():
        (curated / path.name).write_bytes(path.read_bytes())
    lines = (curated / "regions.csv").read_text(encoding="utf-8").splitlines()
    broken = next(number for number, line in enumerate(lines, start=1) if ",Route," in line)
    lines[broken - 1] = lines[broken - 1].replace(",Route,", ",Road,")
    (curated / "regions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(gazetteer, "CURATED_DIR", curated)
    assert gazetteer.run_build(argparse.Namespace(out=str(tmp_path / "out"))) == 1
    assert f"regions.csv line {broken}: unknown type 'Road'" in capsys.readouterr().out
    assert not (tmp_path / "out" / "cities.ttl").exists()


def test_a_label_of_two_letters_is_a_fragment_unless_curated_data_vouches_for_it():
    sources = {"ambiguous": {("بم", "bam")}, "frequent_names": {("قم", "qom")}}
    assert gazetteer.is_fragment(sources, "دو", "jahrom")
    assert not gazetteer.is_fragment(sources, "بم", "bam")
    assert not gazetteer.is_fragment(sources, "قم", "qom")
    assert gazetteer.is_fragment(sources, "قم", "qom-123")
    assert not gazetteer.is_fragment(sources, "یزد", "yazd")
