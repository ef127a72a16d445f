"""The gate's batching, per-graph scoping, context and compiler limits, and the shapes file's own rules."""
import gc

import pytest
from rdflib import Graph, Literal, URIRef

from cdkg.ontology.namespaces import CDO, GRAPH, ID, PROV, RDF, RDFS, SH, SHAPES, SKOS
from cdkg.shapes import shapes_graph
from cdkg.shapes import gate as gate_module
from cdkg.shapes.gate import Gate


@pytest.fixture(scope="module")
def gate():
    return Gate.load(batch_size=2)  # small batches, so that several batches and mixed verdicts are exercised


def city(slug, *labels):
    """Return the triples of a city node that the reference does not know (so it has no country)."""
    node = ID[f"place/{slug}"]
    return [(node, RDF.type, CDO.City)] + [(node, RDFS.label, Literal(text, lang=lang)) for text, lang in labels]


def shapes_of(verdict):
    """Return the (focus node, source shape) pairs of a verdict's report graph."""
    return {(r.focus, r.shape) for r in verdict.results}


def test_each_graph_is_validated_on_its_own_triples(gate):
    # The same city is fully named in one graph and not in another: only the second graph fails.
    named = city("test-town", ("شهرک", "fa"), ("Test Town", "en"))
    unnamed = city("test-town", ("شهرک", "fa"))
    items = [(GRAPH["statement/1"], named), (GRAPH["statement/2"], unnamed), (GRAPH["statement/3"], named)]
    verdicts = gate.check(items)
    assert [v.graph for v in verdicts] == [g for g, _ in items]
    missing_en = (ID["place/test-town"], SHAPES["NamedEntity-labelEn"])
    assert [missing_en in shapes_of(v) for v in verdicts] == [False, True, False]


def test_reference_context_completes_a_graph(gate):
    # Shiraz's country comes from the gazetteer, not from the statement graph.
    [verdict] = gate.check([(GRAPH["statement/4"], city("shiraz", ("شیراز", "fa"), ("Shiraz", "en")))])
    assert verdict.conforms, verdict.report_text
    [unknown] = gate.check([(GRAPH["statement/5"], city("test-town", ("شهرک", "fa"), ("Test Town", "en")))])
    assert shapes_of(unknown) == {(ID["place/test-town"], SHAPES["City-country"])}


def test_context_nodes_are_not_judged(gate):
    # Novi Sad's country (Serbia) enters the context; Serbia is not a focus node of this graph.
    [verdict] = gate.check([(GRAPH["statement/6"], city("novi-sad", ("نووی ساد", "fa"), ("Novi Sad", "en")))])
    assert verdict.conforms and not verdict.results


def test_subclass_instances_are_targeted(gate):
    # A cdo:Mayor is a cdo:Post through the ontology: the post shape applies without a reasoner.
    post = ID["post/mayor/test-town"]
    [verdict] = gate.check([(GRAPH["statement/7"], [(post, RDF.type, CDO.Mayor)])])
    assert shapes_of(verdict) == {(post, SHAPES["Post-postIn"])}


def test_parallel_workers_give_the_same_verdicts(gate):
    items = [(GRAPH[f"statement/p{i}"], city(f"t{i}", ("شهر", "fa"), *([("Town", "en")] if i % 3 else [])))
             for i in range(9)]
    one = [(v.graph, {r.key() for r in v.results}) for v in gate.check(items)]
    two = [(v.graph, {r.key() for r in v.results}) for v in gate.check(items, workers=2)]
    assert one == two
    assert sum(bool(results) for _, results in one) == 9  # every town lacks a country; a third also lack English


def test_extra_context_types_a_shared_node():
    # The build describes its extraction activity once, outside the statement graphs.
    activity, statement = ID["activity/extraction/test"], ID["statement/ffffffffffffffff"]
    triples = [
        (statement, RDF.type, CDO.Statement),
        (statement, CDO.originalText, Literal("متن", lang="fa")),
        (statement, CDO.contentHash, Literal("f" * 64)),
        (statement, CDO.mentions, ID["place/shiraz"]),
        (statement, PROV.wasGeneratedBy, activity),
    ]
    items = [(GRAPH["statement/ffffffffffffffff"], triples)]
    [without] = Gate.load().check(items)
    assert shapes_of(without) == {(statement, SHAPES["Statement-wasGeneratedBy"])}
    [described] = Gate.load(extra_context=[(activity, RDF.type, CDO.ExtractionActivity)]).check(items)
    assert described.conforms and not described.results


def test_a_shape_the_engine_does_not_compile_is_validated_by_pyshacl():
    # A sequence path is not compiled: that shape goes to pySHACL, the others stay compiled; none is skipped.
    shapes = shapes_graph()
    shapes.parse(data=f"""
        @prefix sh: <{SH}> .
        <{SHAPES}Test-countryLabel> a sh:NodeShape ; sh:targetClass <{CDO.City}> ;
            sh:property [ sh:path ( <{CDO.country}> <{RDFS.label}> ) ; sh:minCount 1 ] .
    """, format="turtle")
    gate = Gate.load(shapes=shapes)
    assert set(gate.refused) == {SHAPES["Test-countryLabel"]} and "sh:path" in gate.refused[SHAPES["Test-countryLabel"]]
    town = city("test-town", ("شهرک", "fa"), ("Test Town", "en"))
    [verdict] = gate.check([(GRAPH["statement/8"], town)])
    assert shapes_of(verdict) == {(ID["place/test-town"], SHAPES["City-country"]),
                                  (ID["place/test-town"], next(shapes.objects(SHAPES["Test-countryLabel"], SH.property)))}


def test_every_rule_speaks_english_and_persian():
    graph = shapes_graph()
    rules = {p for p in graph.objects(None, SH.property) if isinstance(p, URIRef)} | set(graph.objects(None, SH.sparql))
    assert len(rules) > 30
    for rule in rules:
        assert sorted(m.language for m in graph.objects(rule, SH.message)) == ["en", "fa"], rule


def test_shape_iris_are_in_the_data_namespace():
    graph = shapes_graph()
    shapes = {s for s in graph.subjects(RDF.type, SH.NodeShape)} | {s for s in graph.subjects(RDF.type, SH.PropertyShape)}
    named = {s for s in shapes if isinstance(s, URIRef)}
    assert named and all(s in SHAPES for s in named)


# A SPARQL constraint whose $this is inside UNION branches, OPTIONAL and FILTER NOT EXISTS, and one with an
# aggregate (whose solutions for several nodes at once are not those for each node).
BATCHED_SHAPES = f"""
    @prefix sh: <{SH}> .
    @prefix ex: <urn:ex:> .
    ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:sparql [ sh:select \"\"\"
            SELECT ?value WHERE {{
                {{ $this <urn:ex:p> ?value . OPTIONAL {{ $this <urn:ex:q> ?q }} FILTER (!BOUND(?q)) }}
                UNION
                {{ FILTER NOT EXISTS {{ ?other <urn:ex:r> $this }} BIND ("unreferenced" AS ?value) }}
            }}\"\"\" ] .
    ex:CountShape a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:sparql [ sh:select \"\"\"
            SELECT (COUNT(?o) AS ?n) WHERE {{ $this <urn:ex:p> ?o }} HAVING (COUNT(?o) > 1)
            \"\"\" ] .
"""
# ex:c refers to ex:a from another graph: in ex:a's own graph, ex:a is unreferenced.
BATCHED_DATA = ("""
    @prefix ex: <urn:ex:> .
    ex:a a ex:Thing ; ex:p 1 , 2 .
    ex:b a ex:Thing ; ex:p 3 ; ex:q 4 ; ex:r ex:b .
""", """
    @prefix ex: <urn:ex:> .
    ex:c a ex:Thing ; ex:r ex:a , ex:d .
    ex:d a ex:Thing .
""")


def test_a_sparql_constraint_runs_once_per_batch_for_all_its_focus_nodes_each_in_its_own_graph():
    shapes = Graph().parse(data=BATCHED_SHAPES, format="turtle")
    items = [(URIRef(f"urn:ex:graph{i}"), list(Graph().parse(data=data, format="turtle")))
             for i, data in enumerate(BATCHED_DATA)]
    gate, queries, wrapped = Gate(shapes, judge_context=True), [], {}
    load = gate.load_views

    class Counting:
        def __init__(self, store):
            self.store = store

        def query(self, text, **options):
            queries.append(text)
            return self.store.query(text, **options)

    def counting_load(views, focus=None, marks=()):
        marked = load(views, focus, marks)
        for view in views:
            store, name = view.store
            view.store = (wrapped.setdefault(id(store), Counting(store)), name)
        return marked
    gate.load_views = counting_load
    verdicts = gate.check(items)
    references = Gate(shapes, engine="pyshacl", judge_context=True).check(items)

    def compared(verdicts, shape):
        return {(v.graph, r.focus, r.value) for v in verdicts for r in v.results if r.shape == URIRef(f"urn:ex:{shape}")}
    assert compared(verdicts, "Shape") == compared(references, "Shape")
    assert {(g, f) for g, f, v in compared(verdicts, "Shape") if v == Literal("unreferenced")} == {
        (URIRef("urn:ex:graph0"), URIRef("urn:ex:a")), (URIRef("urn:ex:graph1"), URIRef("urn:ex:c"))}
    # ex:a alone has two values (pySHACL, binding $this before the aggregate, reports none)
    assert compared(verdicts, "CountShape") == {(URIRef("urn:ex:graph0"), URIRef("urn:ex:a"), URIRef("urn:ex:a"))}
    # the first shape in one query for both graphs' four focus nodes; the aggregate once per focus node
    assert sum("GRAPH <urn:shapes:focus:" in q for q in queries) == 1 and len(queries) == 1 + 4


def test_context_includes_what_a_sparql_constraint_reads_inside_filter_not_exists():
    # DistinctPartiesShape reads cdo:governs between two parties only inside FILTER NOT EXISTS: the context of
    # the parties (values, not subjects, of the graph) must still carry it, so the agreement is one-sided.
    municipality, shiraz = ID["org/test-municipality"], ID["place/test-city"]
    gate = Gate.load(extra_context=[(municipality, CDO.governs, shiraz)])
    agreement = ID["statement/d000000000000001/agreement-1"]
    [verdict] = gate.check([(GRAPH["statement/d000000000000001"], [
        (agreement, RDF.type, CDO.CooperationAgreement), (agreement, CDO.party, municipality),
        (agreement, CDO.party, shiraz)])])
    assert (agreement, SHAPES["DistinctPartiesShape"]) in shapes_of(verdict)



def test_a_check_leaves_the_loaded_objects_frozen(gate, monkeypatch):
    # The endpoint freezes its loaded lexicon and shapes for good; the gate's freeze around a batch must not thaw them.
    monkeypatch.setattr(gate_module, "_loaded_objects_frozen", False)  # restored after the test
    gate_module.freeze_loaded_objects()
    thaws = []
    try:
        frozen = gc.get_freeze_count()
        with monkeypatch.context() as patch:
            patch.setattr(gate_module.gc, "unfreeze", lambda: thaws.append("unfreeze"))
            gate.check([(GRAPH["statement/9"], city("test-town", ("شهرک", "fa"), ("Test Town", "en")))])
        # the count itself may drop by the frozen objects the check frees, so the thaw is watched for instead
        assert thaws == [] and frozen > 0
    finally:
        gc.unfreeze()


def test_the_playground_keeps_its_loaded_pipeline_out_of_the_collector(monkeypatch):
    # A full collection walking the lexicon's objects paused page requests for 0.3 s.
    from cdkg.endpoint.views import extract, extraction_tools

    monkeypatch.setattr(gate_module, "_loaded_objects_frozen", False)
    extraction_tools.cache_clear()  # loaded here, whatever an earlier test did
    extract("شهرداری شیراز و شهرداری نوویساد تفاهم‌نامه همکاری فرهنگی امضا کردند.")
    try:
        assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()


HIERARCHY_ONTOLOGY = """
    @prefix ex: <urn:ex:> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ex:Mayor rdfs:subClassOf ex:Post . ex:Post rdfs:subClassOf ex:Role .
"""


def sparql_shape(where):
    """Return a shapes graph with one SPARQL constraint on ex:Thing, its query's WHERE group given."""
    return Graph().parse(format="turtle", data=f"""
        @prefix ex: <urn:ex:> . @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:select \"\"\"
            PREFIX ex: <urn:ex:> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            SELECT $this ?value WHERE {{ $this ex:role ?value . ?value a ?c . {where} }} \"\"\" ] .""")


# Each query also asks for ex:Post by name: a store trimmed to the hierarchy up to ex:Post alone would lose
# ex:Mayor rdfs:subClassOf ex:Role, which the path and the variable read.
@pytest.mark.parametrize("where, superclasses, failing", [
    ("FILTER NOT EXISTS { ?c rdfs:subClassOf ex:Post }", {"urn:ex:Post"}, set()),
    ("?c rdfs:subClassOf ex:Post . FILTER NOT EXISTS { ?c rdfs:subClassOf+ ex:Role }", None, set()),
    ("?c rdfs:subClassOf ex:Post , ?above . FILTER (?above = ex:Role)", None, {"urn:ex:mayor"}),
])
def test_the_sparql_store_holds_the_hierarchy_its_queries_can_match(where, superclasses, failing):
    ontology = Graph().parse(data=HIERARCHY_ONTOLOGY, format="turtle")
    shapes = sparql_shape(where)
    data = list(Graph().parse(format="turtle", data="""
        @prefix ex: <urn:ex:> . ex:a a ex:Thing ; ex:role ex:mayor . ex:mayor a ex:Mayor ."""))
    gate = Gate(shapes, ontology)
    [verdict] = gate.check([(URIRef("urn:ex:graph"), data)])
    [reference] = Gate(shapes, ontology, engine="pyshacl").check([(URIRef("urn:ex:graph"), data)])
    assert {str(r.value) for r in verdict.results} == {str(r.value) for r in reference.results} == failing
    assert gate._store_superclasses == (None if superclasses is None else set(map(URIRef, superclasses)))


@pytest.mark.parametrize("where, focus_only, failing", [
    # ex:knows is read of $this alone: the store holds it for the focus node only, and still finds ex:b
    ("$this ex:knows ?value . FILTER NOT EXISTS { $this ex:likes ?value }", {"urn:ex:knows", "urn:ex:likes"},
     {"urn:ex:b"}),
    # ex:knows is read of ?value too: ex:b's ex:knows (ex:b is no focus node) must be in the store
    ("$this ex:knows ?value . FILTER NOT EXISTS { ?value ex:knows ?any }", set(), set()),
    # a path is no plain pattern: ex:b's ex:knows again
    ("$this ex:knows/ex:knows ?value . FILTER (?value != ex:c)", set(), set()),
])
def test_the_sparql_store_holds_the_triples_of_non_focus_nodes_its_queries_read(where, focus_only, failing):
    shapes = Graph().parse(format="turtle", data=f"""
        @prefix ex: <urn:ex:> . @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:select \"\"\"
            PREFIX ex: <urn:ex:> SELECT $this ?value WHERE {{ {where} }} \"\"\" ] .""")
    data = list(Graph().parse(format="turtle", data="""
        @prefix ex: <urn:ex:> . ex:a a ex:Thing ; ex:knows ex:b . ex:b ex:knows ex:c ."""))
    gate = Gate(shapes)
    [verdict] = gate.check([(URIRef("urn:ex:graph"), data)])
    [reference] = Gate(shapes, engine="pyshacl").check([(URIRef("urn:ex:graph"), data)])
    assert {str(r.value) for r in verdict.results} == {str(r.value) for r in reference.results} == failing
    assert gate._focus_only == frozenset(focus_only)


def test_a_query_grouped_by_this_is_pre_bound_as_an_expression():
    # GROUP BY <iri> is no SPARQL: the pre-bound focus node is written (<iri>) there, and in ORDER BY.
    shapes = Graph().parse(format="turtle", data="""
        @prefix ex: <urn:ex:> . @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:select \"\"\"
            SELECT $this (COUNT(?o) AS ?n) WHERE { $this <urn:ex:p> ?o }
            GROUP BY $this HAVING (COUNT(?o) > 1) ORDER BY $this \"\"\" ] .""")
    data = list(Graph().parse(format="turtle", data="""
        @prefix ex: <urn:ex:> . ex:a a ex:Thing ; ex:p 1 , 2 . ex:b a ex:Thing ; ex:p 3 ."""))
    [verdict] = Gate(shapes).check([(URIRef("urn:ex:graph"), data)])
    assert {(str(r.focus), str(r.value)) for r in verdict.results} == {("urn:ex:a", "urn:ex:a")}


def test_a_predicate_read_of_this_is_loaded_only_for_the_focus_nodes_of_the_constraints_that_read_it():
    # ex:knows is read of $this by the ex:Thing constraint alone: ex:other, a focus node of the other one, keeps
    # its ex:knows out of the store, and both verdicts still agree with pySHACL.
    shapes = Graph().parse(format="turtle", data="""
        @prefix ex: <urn:ex:> . @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:Knows a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:select \"\"\"
            PREFIX ex: <urn:ex:> SELECT $this ?value WHERE { $this ex:knows ?value . FILTER (?value = ex:c) } \"\"\" ] .
        ex:Typed a sh:NodeShape ; sh:targetClass ex:Other ; sh:sparql [ sh:select \"\"\"
            PREFIX ex: <urn:ex:> SELECT $this WHERE { FILTER NOT EXISTS { $this a ex:Thing } } \"\"\" ] .""")
    data = list(Graph().parse(format="turtle", data="""
        @prefix ex: <urn:ex:> . ex:a a ex:Thing ; ex:knows ex:c . ex:other a ex:Other ; ex:knows ex:c ."""))
    gate, stored = Gate(shapes), []
    load = gate.load_views

    def recording_load(views, focus=None, marks=()):
        marked = load(views, focus, marks)
        store, name = views[0].store
        stored.extend((q.subject.value, q.predicate.value) for q in store.quads_for_pattern(None, None, None, name))
        return marked
    gate.load_views = recording_load
    [verdict] = gate.check([(URIRef("urn:ex:graph"), data)])
    [reference] = Gate(shapes, engine="pyshacl").check([(URIRef("urn:ex:graph"), data)])
    assert {(str(r.focus), str(r.shape)) for r in verdict.results} == {
        (str(r.focus), str(r.shape)) for r in reference.results} == {
        ("urn:ex:a", "urn:ex:Knows"), ("urn:ex:other", "urn:ex:Typed")}
    assert ("urn:ex:a", "urn:ex:knows") in stored and ("urn:ex:other", "urn:ex:knows") not in stored
