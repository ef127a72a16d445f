"""The pipeline's contract with the build: statement node, provenance, IRIs, metadata and generalising rules."""
import hashlib
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st
from rdflib import Graph, Literal, URIRef

from cdkg.mappings.normalize import normalize
from cdkg.mappings.pipeline import default_pipeline
from cdkg.mappings.record import SourceRecord, StatementResult
from cdkg.ontology.namespaces import CDO, DCTERMS, GRAPH, ID, ORG, PREFIXES, PROV, RDF

TEXT = "شهردار تبريز گفت:تفاهم نامه همكاري بين تبريز و كازان در زمينه گردشگري امضا شد."


@pytest.fixture(scope="module")
def pipeline():
    return default_pipeline()


def graph_of(pipeline, text, **metadata):
    graph = Graph()
    for triple in pipeline.extract(SourceRecord(text, 7, "corpus.jsonl", **metadata)).triples:
        graph.add(triple)
    return graph


def ask(graph, where):
    return graph.query(f"ASK {{ {where} }}", initNs=PREFIXES).askAnswer


def test_result_names_statement_and_graph_by_hash_of_normalised_text(pipeline):
    result = pipeline.extract(SourceRecord(TEXT, 7, "corpus.jsonl"))
    digest = hashlib.sha256(normalize(TEXT).encode("utf-8")).hexdigest()
    assert isinstance(result, StatementResult)
    assert result.content_hash == digest
    assert result.graph == GRAPH[f"statement/{digest[:16]}"]
    assert all(isinstance(t, tuple) and len(t) == 3 for t in result.triples)
    assert len(set(result.triples)) == len(result.triples)
    assert result.entity_count >= 4


def test_statement_node_keeps_original_text_and_provenance(pipeline):
    digest = hashlib.sha256(normalize(TEXT).encode("utf-8")).hexdigest()
    node = ID[f"statement/{digest[:16]}"]
    graph = graph_of(pipeline, TEXT, date=date(2023, 8, 1), source_url="https://example.org/news/1",
                     publisher="ایرنا")
    assert (node, RDF.type, CDO.Statement) in graph
    assert (node, CDO.originalText, Literal(TEXT, lang="fa")) in graph
    assert (node, CDO.normalizedText, Literal(normalize(TEXT), lang="fa")) in graph
    assert (node, CDO.contentHash, Literal(digest)) in graph
    assert (node, CDO.sourceLine, Literal(7)) in graph
    assert (node, DCTERMS.date, Literal(date(2023, 8, 1))) in graph
    assert (node, DCTERMS.source, URIRef("https://example.org/news/1")) in graph
    assert (node, DCTERMS.publisher, Literal("ایرنا")) in graph
    assert (node, PROV.wasGeneratedBy, pipeline.activity) in graph
    assert (pipeline.activity, RDF.type, CDO.ExtractionActivity) in pipeline.activity_triples()


def test_arabic_letters_and_glued_colon_still_yield_the_agreement(pipeline):
    graph = graph_of(pipeline, TEXT)
    assert ask(graph, f"""?s cdo:speaker <{ID['post/mayor/tabriz-municipality']}> ; cdo:reports ?a .
        ?a a cdo:MemorandumOfUnderstanding ; cdo:status cdo:Signed ; cdo:party <{ID['place/tabriz']}>, <{ID['place/kazan']}> ;
           cdo:cooperationDomain cdc:domain-tourism .""")


def test_same_text_same_triples(pipeline):
    first = pipeline.extract(SourceRecord(TEXT, 1, "a")).triples
    second = pipeline.extract(SourceRecord(TEXT, 1, "a")).triples
    assert first == second


def test_statement_with_nothing_recognised_says_so(pipeline):
    result = pipeline.extract(SourceRecord("هوا امروز آفتابی است.", 1, "a"))
    assert result.entity_count == 0
    assert "no recognised entity" in result.notes


@pytest.mark.parametrize("text, where", [
    ("اصفهان به عضویت شبکه شهرهای خلاق یونسکو درآمد.",
     f"?m a cdo:Membership ; cdo:member <{ID['place/isfahan']}> . <{ID['place/isfahan']}> cdo:memberOf <{ID['org/unesco-creative-cities-network']}>"),
    ("مشهد میزبان اجلاس سازمان پایتخت‌ها و شهرهای اسلامی خواهد بود.",
     f"?h a cdo:Hosting ; cdo:host <{ID['place/mashhad']}>"),
    ("وزیر امور خارجه گفت: دولت ایران از توسعه روابط تهران و مسکو حمایت می‌کند.",
     f"""?s cdo:speaker ?p . ?p a cdo:Minister ; org:postIn <{ID['org/iran-ministry-of-foreign-affairs']}> .
         ?support cdo:supporter <{ID['org/iran-government']}> ; cdo:supported ?r .
         ?r cdo:relates <{ID['place/tehran']}>, <{ID['place/moscow']}>"""),
    ("سرکنسول ترکیه در تبریز با شهردار تبریز دیدار کرد.",
     f"""?m a cdo:Meeting ; cdo:participant ?consul, <{ID['post/mayor/tabriz-municipality']}> .
         ?consul org:postIn ?c . ?c a cdo:Consulate ; cdo:ofCountry <{ID['place/turkey']}>"""),
    ("تفاهم‌نامه همکاری سه‌جانبه میان شهرداری‌های تهران، مسکو و پکن امضا شد.",
     f"""?a a cdo:MemorandumOfUnderstanding ; cdo:party <{ID['org/tehran-municipality']}>,
         <{ID['org/moscow-municipality']}>, <{ID['org/beijing-municipality']}>"""),
    ("سفیر ژاپن با شهردار اصفهان دیدار کرد.",
     f"?p org:postIn ?e . ?e a cdo:Embassy ; cdo:ofCountry <{ID['place/japan']}> ; cdo:accreditedTo <{ID['place/iran']}>"),
    ("شورای اسلامی شهر رشت و شهرداری باتومی تفاهم‌نامه همکاری امضا کردند.",
     f"?a a cdo:MemorandumOfUnderstanding ; cdo:party <{ID['org/rasht-city-council']}>, ?other . ?other cdo:governs <{ID['place/batumi']}>"),
])
def test_rules_generalise(pipeline, text, where):
    assert ask(graph_of(pipeline, text), where), text


def test_municipality_is_described_as_governing_its_city(pipeline):
    graph = graph_of(pipeline, TEXT)
    municipality = ID["org/tabriz-municipality"]
    assert (ID["post/mayor/tabriz-municipality"], ORG.postIn, municipality) in graph
    assert (municipality, CDO.governs, ID["place/tabriz"]) in graph
    assert (municipality, RDF.type, CDO.Municipality) in graph
    assert ask(graph, f"""<{municipality}> rdfs:label ?fa, ?en FILTER(LANG(?fa) = "fa" && LANG(?en) = "en"
        && STR(?fa) = "شهرداری تبریز" && STR(?en) = "Tabriz Municipality")""")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("شیرازدوحهبینو،:.گفت تفاهم‌نامه\u200c۱2<>&\x00abcي")), max_size=80))
def test_any_text_yields_a_statement_node(text):
    result = default_pipeline().extract(SourceRecord(text, 1, "fuzz"))
    statements = [s for s, p, o in result.triples if p == RDF.type and o == CDO.Statement]
    assert len(statements) == 1
    assert (statements[0], CDO.originalText, Literal(text, lang="fa")) in result.triples
