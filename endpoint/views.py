"""Views that explain the data: why a result row is there, how a sentence became a graph, and a playground that
extracts a pasted sentence without storing anything."""
import functools
import json

import pyoxigraph as ox

from cdkg.endpoint.web import state
from cdkg.ontology.namespaces import CDO, DCTERMS, GRAPH, ID, INFERRED_GRAPH, ITSRDF, NIF, PROV, RDFS

MAX_TERMS = 24  # bound values of one row that are looked at (pairs grow with the square)
MAX_SENTENCE = 2000  # characters the playground accepts
# Links from a statement to what it recognised; what its facts link to counts as used.
RECOGNISED = (CDO.mentions, CDO.speaker)


def rows(sparql):
    """Return the bindings of a SELECT on the served KG."""
    return state().backend.query(sparql).rows()


def term_text(cell):
    """Return a SPARQL JSON term as SPARQL text, or None for a blank node (which cannot be looked up)."""
    if cell.get("type") == "uri":
        return str(ox.NamedNode(cell["value"]))
    if cell.get("type") in ("literal", "typed-literal"):
        if cell.get("xml:lang"):
            return str(ox.Literal(cell["value"], language=cell["xml:lang"]))
        if cell.get("datatype"):
            return str(ox.Literal(cell["value"], datatype=ox.NamedNode(cell["datatype"])))
        return str(ox.Literal(cell["value"]))
    return None


def parse_row(text):
    """Return {variable: SPARQL term text} of a row given as SPARQL JSON bindings, or raise ValueError."""
    try:
        bindings = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"parameter row: not JSON ({error.msg} at {error.pos})") from None
    if not isinstance(bindings, dict) or not all(isinstance(cell, dict) for cell in bindings.values()):
        raise ValueError('parameter row: give the row as SPARQL JSON bindings, {"var": {"type": "uri", ...}}')
    terms = {}
    for name, cell in list(bindings.items())[:MAX_TERMS]:
        try:
            written = term_text(cell)
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(f"parameter row: ?{name} is not an RDF term ({error})") from None
        if written is not None:
            terms[name] = written
    return terms


def statement_of_graph(graph):
    """Return the statement IRI a statement graph is named after, or None for other graphs."""
    prefix = str(GRAPH) + "statement/"
    return str(ID) + graph[len(str(GRAPH)):] if graph.startswith(prefix) else None


def why(row_text):
    """Explain a result row: the triples between its values, the graphs asserting them, the reports behind them."""
    terms = parse_row(row_text)
    iris = sorted({text for text in terms.values() if text.startswith("<")})
    pairs = [(s, o) for s in iris for o in sorted(set(terms.values())) if s != o]
    triples = {}
    if pairs:
        values = " ".join(f"({s} {o})" for s, o in pairs)
        for row in rows(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?o) {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} "
                        "ORDER BY ?s ?p ?o ?g LIMIT 1000"):
            key = (row["s"]["value"], row["p"]["value"], json.dumps(row["o"], sort_keys=True))
            triples.setdefault(key, {"s": row["s"], "p": row["p"], "o": row["o"], "graphs": []})["graphs"].append(
                row["g"]["value"])
    inferred = str(INFERRED_GRAPH)
    for triple in triples.values():
        triple["inferred"] = all(graph == inferred for graph in triple["graphs"])
    statements = sorted({statement for triple in triples.values() for graph in triple["graphs"]
                         if (statement := statement_of_graph(graph))})
    by_inference = sorted(name for name, text in terms.items()
                          if any(triple["inferred"] for triple in triples.values() if text_of(triple) & {text})
                          and not any(not triple["inferred"] for triple in triples.values() if text_of(triple) & {text}))
    return {"terms": terms, "triples": list(triples.values()), "reports": reports(statements),
            "by_inference": by_inference}


def text_of(triple):
    """Return the SPARQL texts of a triple's subject and object."""
    return {term_text(triple["s"]), term_text(triple["o"])}


def reports(statements):
    """Return the statements' texts and where they were reported (date, publisher, URL), in IRI order."""
    if not statements:
        return []
    values = " ".join(f"<{iri}>" for iri in statements)
    found = rows(f"SELECT ?statement ?text ?date ?publisher ?source WHERE {{ VALUES ?statement {{ {values} }} "
                 f"?statement <{CDO.originalText}> ?text "
                 f"OPTIONAL {{ ?statement <{DCTERMS.date}> ?date }} OPTIONAL {{ ?statement <{DCTERMS.publisher}> "
                 f"?publisher }} OPTIONAL {{ ?statement <{DCTERMS.source}> ?source }} }} ORDER BY ?statement")
    unique = {}
    for row in found:
        unique.setdefault(row["statement"]["value"], row)
    return list(unique.values())


def sentence_graph(statement):
    """Return the statement's text as a tree of its evidence phrases (NIF offsets), the facts, and what was
    recognised but not used in a fact or has no characters in the text."""
    found = rows(f"SELECT ?text ?b ?e ?x ?fact WHERE {{ <{statement}> <{NIF.isString}> ?text "
                 f"OPTIONAL {{ ?phrase <{NIF.referenceContext}> <{statement}> ; <{NIF.beginIndex}> ?b ; "
                 f"<{NIF.endIndex}> ?e OPTIONAL {{ ?phrase <{ITSRDF.taIdentRef}> ?x }} "
                 f"OPTIONAL {{ ?fact <{PROV.wasDerivedFrom}> ?phrase }} }} }}")
    if not found:
        return None
    text = found[0]["text"]["value"]
    phrases = {}
    for row in found:
        if "b" in row and 0 <= int(row["b"]["value"]) < int(row["e"]["value"]) <= len(text):
            phrase = phrases.setdefault((int(row["b"]["value"]), int(row["e"]["value"])),
                                        {"entities": set(), "facts": set()})
            phrase["entities"].update([row["x"]["value"]] if "x" in row else [])
            phrase["facts"].update([row["fact"]["value"]] if "fact" in row else [])
    phrases = [{"begin": begin, "end": end, "text": text[begin:end], "entities": sorted(phrase["entities"]),
                "facts": sorted(phrase["facts"])} for (begin, end), phrase in sorted(phrases.items())]
    links = " ".join(f"<{p}>" for p in RECOGNISED)
    recognised = {row["x"]["value"] for row in rows(
        f"SELECT DISTINCT ?x WHERE {{ VALUES ?link {{ {links} }} <{statement}> ?link ?x FILTER(isIRI(?x)) }}")}
    facts = rows(f"SELECT DISTINCT ?fact ?x WHERE {{ <{statement}> <{CDO.reports}> ?fact . "
                 f"OPTIONAL {{ ?fact ?p ?x FILTER(isIRI(?x) && ?p != <{RDFS.label}>) }} }}")
    used = {row["x"]["value"] for row in facts if "x" in row}
    fact_iris = sorted({row["fact"]["value"] for row in facts})
    shown = {iri for phrase in phrases for iri in phrase["entities"]}
    return {"text": text, "tree": phrase_tree(text, phrases), "phrases": phrases, "facts": fact_iris,
            "unused": sorted(recognised - used), "unseen": sorted((recognised | used) - shown - set(fact_iris))}


def phrase_tree(text, phrases):
    """Return the text as nested pieces: plain strings and phrases ({begin, end, entities, facts, children}).

    Phrases nest by their offsets (a municipality's name holds its city's); one that crosses the end of the phrase
    holding it is cut there, so the pieces always spell the text once, in order."""
    root = {"begin": 0, "end": len(text), "children": []}
    stack = [root]
    for phrase in sorted(phrases, key=lambda p: (p["begin"], -p["end"])):
        while phrase["begin"] >= stack[-1]["end"]:
            stack.pop()
        node = {**phrase, "end": min(phrase["end"], stack[-1]["end"]), "children": []}
        stack[-1]["children"].append(node)
        stack.append(node)

    def spell(node):
        pieces, position = [], node["begin"]
        for child in node["children"]:
            if child["begin"] > position:
                pieces.append(text[position:child["begin"]])
            child["children"] = spell(child)
            pieces.append(child)
            position = child["end"]
        if node["end"] > position:
            pieces.append(text[position:node["end"]])
        return pieces

    return spell(root)


@functools.lru_cache(maxsize=1)
def extraction_tools():
    """Load the mapping pipeline and the SHACL gate once per process (seconds: the lexicon and the shapes)."""
    from cdkg.kg.build import activity_description
    from cdkg.mappings.pipeline import default_pipeline
    from cdkg.shapes.gate import Gate, freeze_loaded_objects

    pipeline = default_pipeline()
    tools = pipeline, Gate.load(extra_context=activity_description(pipeline))
    freeze_loaded_objects()  # they live as long as the process
    return tools


def extract(sentence):
    """Run the pipeline and the gate on one sentence: its triples, the verdict, the spans and cues; nothing stored."""
    from cdkg.mappings.normalize import normalize
    from cdkg.mappings.record import SourceRecord

    sentence = sentence.strip()
    if not sentence:
        raise ValueError("parameter text: paste a Persian sentence")
    if len(sentence) > MAX_SENTENCE:
        raise ValueError(f"parameter text: at most {MAX_SENTENCE} characters, not {len(sentence)}")
    pipeline, gate = extraction_tools()
    result = pipeline.extract(SourceRecord(text=sentence, line=1, source_file="playground"))
    verdict = gate.check([(result.graph, result.triples)])[0]
    analysis, reading = pipeline.analyse(normalize(sentence))
    emitted = {str(term) for triple in result.triples for term in (triple[0], triple[2])}
    spans = []
    for span in analysis.spans + analysis.inner_cues:
        senses = [(sense.kind, str(sense.iri)) for sense in span.senses]
        spans.append({"text": " ".join(analysis.tokens[span.start:span.end]), "key": span.key, "exact": span.exact,
                      "senses": senses, "fired": any(iri in emitted for _, iri in senses)})
    return {"sentence": sentence, "graph": str(result.graph), "triples": sorted(result.triples, key=str),
            "conforms": verdict.conforms, "results": verdict.results, "report": verdict.report_text,
            "spans": spans, "notes": [str(note) for note in result.notes]}
