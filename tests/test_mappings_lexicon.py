"""The recogniser's lexicon comes from RDF only: an editor's new label extends recognition with no code change."""
import pytest
from rdflib import Graph, Literal

from cdkg.mappings.lexicon import LexiconBuilder, light_triples
from cdkg.mappings.normalize import normalize
from cdkg.mappings.pipeline import Pipeline, default_pipeline, load_ontology_graph, reference_triples, REFERENCE_DIR
from cdkg.mappings.record import SourceRecord
from cdkg.mappings.recognize import find_spans, tokenize
from cdkg.ontology.namespaces import CDC, CDO, ID, ORG, RDF, SKOS


@pytest.fixture(scope="module")
def ontology_graph():
    return load_ontology_graph()


@pytest.fixture(scope="module")
def reference():
    return list(reference_triples(sorted(REFERENCE_DIR.glob("*.ttl"))))


def triples_of(pipeline, text):
    return set(pipeline.extract(SourceRecord(text, 1, "test")).triples)


def test_new_role_alt_label_is_recognised(ontology_graph, reference):
    text = "شهربان شیراز گفت: همکاری ادامه دارد."
    post = ID["post/mayor/shiraz-municipality"]
    assert (post, RDF.type, CDO.Mayor) not in triples_of(default_pipeline(), text)
    edited = Graph()
    for triple in ontology_graph:
        edited.add(triple)
    edited.add((CDO.Mayor, SKOS.altLabel, Literal("شهربان", lang="fa")))
    triples = triples_of(Pipeline.load(ontology_graph=edited, reference=reference), text)
    assert (post, RDF.type, CDO.Mayor) in triples
    assert (post, ORG.postIn, ID["org/shiraz-municipality"]) in triples


def test_new_concept_alt_label_and_status_cue_are_recognised(ontology_graph, reference):
    text = "تفاهم‌نامه همکاری بین شهرداری شیراز و شهرداری دوحه در حوزه گل‌آرایی به تصویب رسید."
    edited = Graph()
    for triple in ontology_graph:
        edited.add(triple)
    edited.add((CDC["domain-art"], SKOS.altLabel, Literal("گل‌آرایی", lang="fa")))
    edited.add((CDO.Signed, CDO.lexicalCue, Literal("به تصویب رسید", lang="fa")))
    before = triples_of(default_pipeline(), text)
    after = triples_of(Pipeline.load(ontology_graph=edited, reference=reference), text)
    agreement = next(s for s, p, o in after if p == RDF.type and o == CDO.MemorandumOfUnderstanding)
    assert (agreement, CDO.cooperationDomain, CDC["domain-art"]) in after
    assert (agreement, CDO.status, CDO.Signed) in after
    assert not any(p == CDO.status for s, p, o in before)


def test_new_gazetteer_alt_label_is_recognised(ontology_graph, reference):
    text = "همکاری‌های دوجانبه بین شیراز و شهر دوحهٔ قطر گسترش می‌یابد."
    extra = Graph()
    extra.add((ID["place/doha"], SKOS.altLabel, Literal("دوحهٔ قطر", lang="fa")))
    pipeline = Pipeline.load(ontology_graph=ontology_graph, reference=reference + list(light_triples(extra)))
    assert (ID["place/doha"], RDF.type, CDO.City) in triples_of(pipeline, text)


def test_matching_ignores_zwnj_and_spaces_inside_labels():
    lexicon = default_pipeline().lexicon
    for written in ("تفاهم‌نامه", "تفاهم نامه", "تفاهمنامه"):
        tokens = tokenize(normalize(f"{written} همکاری امضا شد"), lexicon)
        spans = find_spans(tokens, lexicon)
        assert spans[0].of_kind("instrument"), written


def test_plural_suffix_without_zwnj_is_matched():
    lexicon = default_pipeline().lexicon
    tokens = tokenize(normalize("تفاهمنامههای همکاری"), lexicon)
    assert [s.key for s in find_spans(tokens, lexicon)][:1] in (["تفاهمنامههایهمکاری"], ["تفاهمنامههمکاری"])


def test_gapped_cue_needs_its_tail():
    lexicon = default_pipeline().lexicon
    assert any(s.senses[0].iri == CDO.Designation for s in find_spans(
        tokenize(normalize("انتخاب شیراز به‌عنوان پایتخت"), lexicon), lexicon))


def test_lexicon_builder_without_reference_knows_no_place(ontology_graph):
    builder = LexiconBuilder()
    builder.add_ontology(ontology_graph)
    lexicon = builder.build()
    assert not any(s.kind == "place" for senses in lexicon.senses.values() for s in senses)
    assert any(s.iri == CDO.Mayor for s in lexicon.senses["شهردار"])
