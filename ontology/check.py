"""Check the ontology: labels and definitions, the OWL 2 DL profile (OWL API) and reasoning (HermiT)."""
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import owlready2
from rdflib import Graph, Literal, URIRef

from cdkg.ontology.owlapi import TOOLS_DIR, ToolUnavailable, compiled_tool
from cdkg.ontology.catalog import DocumentError, import_closure, ontology_iris
from cdkg.ontology.namespaces import BASE, CDC, CDO, ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS, bind_prefixes

HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
PROFILE_CHECKER = TOOLS_DIR / "DLProfileCheck.java"
CDO_BASE = str(CDO.uri)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
DECLARATION_TYPES = (OWL.Class, *PROPERTY_TYPES, OWL.NamedIndividual)
# IRIs a new term of the project's ontologies may get by mistake: …/ontology/X, …/concepts#X, …/concept#X...
SCHEME_ROOTS = (BASE + "ontology", BASE + "concept")
UPPER_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]*")
LOWER_CAMEL = re.compile(r"[a-z][A-Za-z0-9]*")
KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
CONCEPT_TYPES = (CDO.DiplomacyConcept, CDO.CooperationDomain)


@dataclass
class Report:
    """The outcome of a check: the problems found and counts of what was checked."""

    problems: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)


def check(paths):
    """Check the ontology documents at `paths` (with their imports) and return a Report."""
    report = Report()
    try:
        documents = import_closure(paths)
    except DocumentError as error:
        report.problems.append(str(error))
        return report
    merged = bind_prefixes(Graph())
    for graph in documents.values():
        merged += graph
    own = own_namespaces(documents.values())
    report.problems += label_problems(merged, own)
    report.problems += shared_label_problems(merged, own) + iri_problems(merged)
    if ONTOLOGY_IRI in ontology_iris(merged):
        report.problems += namespace_module_problems(merged)
    report.counts = counts(merged, own)
    if shutil.which("java") is None:
        report.problems.append("java not found: the OWL 2 DL check and HermiT need a Java runtime (Debian: default-jdk-headless)")
        return report
    with ThreadPoolExecutor(max_workers=1) as pool:  # the two Java runs overlap: the check takes half the time
        profile = pool.submit(profile_problems, paths, documents)
        reasoning = reasoner_problems(merged)
        report.problems += profile.result() + reasoning
    return report


def own_namespaces(graphs):
    """Return the namespaces whose terms must be labelled: cdo, cdc and those of the checked ontologies."""
    namespaces = {CDO_BASE, str(CDC)}
    for graph in graphs:
        for iri in graph.subjects(RDF.type, OWL.Ontology):
            namespaces |= {str(iri) + "#", str(iri) + "/"}
    return tuple(namespaces)


def is_own(term, own):
    """Tell whether `term` is an IRI in one of the project's own namespaces."""
    return isinstance(term, URIRef) and str(term).startswith(own)


def label_problems(graph, own):
    """List terms lacking an en+fa label or an en definition, and own IRIs used but never declared."""
    problems = []
    declared = {s for kind in DECLARATION_TYPES for s in graph.subjects(RDF.type, kind) if is_own(s, own)}
    concepts = {s for kind in (SKOS.Concept, SKOS.ConceptScheme, *CONCEPT_TYPES) for s in graph.subjects(RDF.type, kind)}
    for term in sorted(declared - concepts):
        problems += missing_languages(graph, term, RDFS.label, "rdfs:label")
        problems += missing_languages(graph, term, SKOS.definition, "skos:definition", languages=("en",))
    for concept in sorted(concepts):
        problems += missing_languages(graph, concept, SKOS.prefLabel, "skos:prefLabel", exactly_one=True)
        problems += missing_languages(graph, concept, SKOS.definition, "skos:definition", languages=("en",))
        if (concept, RDF.type, SKOS.ConceptScheme) not in graph:
            problems += concept_problems(graph, concept)
    used = {t for triple in graph for t in triple if is_own(t, own)} - declared - concepts
    used -= {URIRef(iri) for iri in ontology_iris(graph)}
    used -= set(graph.objects(None, OWL.priorVersion))  # earlier releases are named, not part of the documents
    problems += [f"{name(graph, term)}: used but never declared (typo, or a missing declaration?)" for term in sorted(used)]
    return problems


def shared_label_problems(graph, own):
    """List Persian labels (labels, alternative labels, cues) that two own terms share, as the recogniser reads
    them, unless cdo:sharesLabelWith declares the shared sense; a label must resolve to one term."""
    from cdkg.mappings.lexicon import LABEL_PROPERTIES, lexicon_key  # the recogniser's own notion of "the same words"

    terms_of = defaultdict(set)
    shown = {}
    for predicate in LABEL_PROPERTIES:
        for term, value in graph.subject_objects(predicate):
            if is_own(term, own) and isinstance(value, Literal) and value.language == "fa":
                key = lexicon_key(str(value))
                terms_of[key].add(term)
                shown.setdefault(key, str(value))
    declared = {frozenset(pair) for pair in graph.subject_objects(CDO.sharesLabelWith)}
    problems = []
    for key, terms in sorted(terms_of.items()):
        undeclared = sorted({t for a, b in combinations(sorted(terms), 2) if frozenset((a, b)) not in declared
                             for t in (a, b)})
        if undeclared:
            names = ", ".join(name(graph, term) for term in undeclared)
            problems.append(f"Persian label \"{shown[key]}\" is shared by {names}: give each term its own label, "
                            "or declare the shared sense with cdo:sharesLabelWith")
    return problems


def iri_problems(graph):
    """List own terms whose IRI leaves the project's scheme: ontology terms cdo:UpperCamel (classes, individuals)
    or cdo:lowerCamel (properties), concepts and schemes cdc:kebab-case; Protégé's default for a new entity
    (`<ontology IRI>#Name`, e.g. …/concepts#X) is caught here."""
    concepts = {s for kind in (SKOS.Concept, SKOS.ConceptScheme, *CONCEPT_TYPES) for s in graph.subjects(RDF.type, kind)}
    properties = {s for kind in PROPERTY_TYPES for s in graph.subjects(RDF.type, kind)}
    terms = {s for kind in DECLARATION_TYPES for s in graph.subjects(RDF.type, kind)} | concepts
    problems = []
    for term in sorted(t for t in terms if isinstance(t, URIRef) and str(t).startswith(SCHEME_ROOTS)):
        iri = str(term)
        if term in concepts:
            if not (iri.startswith(str(CDC)) and KEBAB.fullmatch(iri[len(str(CDC)):])):
                problems.append(f"<{iri}>: a concept's IRI is {CDC}<kebab-case-name> (e.g. {CDC}domain-culture)")
        elif not iri.startswith(CDO_BASE):
            problems.append(f"<{iri}>: an ontology term's IRI is {CDO_BASE}<Name> (Protégé: set the new entity's "
                            "IRI prefix to the cdo: namespace)")
        elif not (LOWER_CAMEL if term in properties else UPPER_CAMEL).fullmatch(iri[len(CDO_BASE):]):
            form = "lowerCamelCase (a property)" if term in properties else "UpperCamelCase (a class or individual)"
            problems.append(f"{name(graph, term)}: the local name must be {form}")
    return problems


def namespace_module_problems(graph):
    """List the terms ontology/namespaces.py names (the ones code relies on) that the ontology does not declare."""
    declared = {s for kind in DECLARATION_TYPES for s in graph.subjects(RDF.type, kind)}
    return [f"cdo:{term}: named in ontology/namespaces.py (code relies on it) but not declared in the ontology"
            for term in sorted(dir(CDO)) if CDO[term] not in declared]


def missing_languages(graph, term, predicate, shown, languages=("en", "fa"), exactly_one=False):
    """List the languages in which `term` lacks a `predicate` value (or has more than one)."""
    problems = []
    for language in languages:
        values = [v for v in graph.objects(term, predicate) if isinstance(v, Literal) and v.language == language]
        if not values:
            problems.append(f"{name(graph, term)}: no {shown} @{language}")
        elif exactly_one and len(values) > 1:
            problems.append(f"{name(graph, term)}: {len(values)} {shown} @{language}, expected exactly one")
        elif language == "fa" and not any(is_persian(v) for v in values):
            problems.append(f"{name(graph, term)}: {shown} @fa is not in Persian script")
    return problems


def concept_problems(graph, concept):
    """List SKOS problems of a concept: scheme membership, typing, broader/narrower asymmetry."""
    problems = []
    schemes = list(graph.objects(concept, SKOS.inScheme))
    if len(schemes) != 1:
        problems.append(f"{name(graph, concept)}: in {len(schemes)} concept schemes, expected exactly one")
    if not any((concept, RDF.type, kind) in graph for kind in CONCEPT_TYPES):
        problems.append(f"{name(graph, concept)}: typed neither cdo:DiplomacyConcept nor cdo:CooperationDomain")
    for broader in graph.objects(concept, SKOS.broader):
        if (broader, SKOS.narrower, concept) not in graph:
            problems.append(f"{name(graph, concept)}: skos:broader {name(graph, broader)} lacks the skos:narrower back")
    for narrower in graph.objects(concept, SKOS.narrower):
        if (narrower, SKOS.broader, concept) not in graph:
            problems.append(f"{name(graph, concept)}: skos:narrower {name(graph, narrower)} lacks the skos:broader back")
    return problems


def is_persian(literal):
    """Tell whether a literal contains Arabic-script letters."""
    return any("\u0600" <= char <= "\u06ff" for char in str(literal))


def name(graph, term):
    """Return a term's prefixed name when a prefix is bound, else its full IRI."""
    try:
        return graph.namespace_manager.normalizeUri(term)
    except Exception:  # rdflib cannot shorten every IRI; the full form is then the readable one
        return f"<{term}>"


def profile_problems(paths, documents):
    """List OWL 2 DL profile violations and RDF triples the OWL API could not map to axioms."""
    try:
        checker = compiled_tool(PROFILE_CHECKER)
    except ToolUnavailable as error:
        return [str(error)]
    problems = []
    with tempfile.TemporaryDirectory(prefix="cdkg-dl-") as workdir:
        local = {}  # the OWL API reads N-Triples written by rdflib, so both tools see the same triples
        mappings = []
        for index, (path, graph) in enumerate(documents.items()):
            copy = Path(workdir) / f"{index}-{path.stem}.nt"
            graph.serialize(copy, format="nt", encoding="utf-8")
            local[path] = copy
            mappings += [f"{iri}={copy}" for iri in ontology_iris(graph)]
        for path in paths:
            document = local[Path(path).resolve()]
            result = subprocess.run(
                ["java", "-cp", checker, "DLProfileCheck", str(document), *mappings],
                capture_output=True, text=True, check=False,
            )
            lines = [line.replace("\t", ": ", 1) for line in result.stdout.splitlines() if line.strip()]
            problems += [f"OWL 2 DL ({Path(path).name}): {line}" for line in lines]
            if result.returncode not in (0, 1) and not result.stdout.strip():
                problems.append(f"OWL 2 DL ({Path(path).name}): checker failed: {result.stderr.strip()[-500:]}")
    return problems


def reasoner_problems(graph):
    """Load the ontology into owlready2, run HermiT, and list inconsistency and unsatisfiable classes."""
    world = owlready2.World()
    with tempfile.TemporaryDirectory(prefix="cdkg-hermit-") as workdir:
        document = Path(workdir) / "ontology.nt"
        without_imports = Graph()
        without_imports += graph  # imports are already merged in; owlready2 must not try to fetch them
        without_imports.remove((None, OWL.imports, None))
        without_imports.serialize(document, format="nt", encoding="utf-8")
        world.get_ontology(document.as_uri()).load()
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return ["HermiT: the ontology is inconsistent (some individual cannot exist as described)"]
        except owlready2.OwlReadyJavaError as error:
            return [f"HermiT: reasoner failed: {java_exception(str(error))}"]
        unsatisfiable = sorted(URIRef(cls.iri) for cls in world.inconsistent_classes() if cls is not owlready2.Nothing)
        return [f"HermiT: unsatisfiable class {name(graph, cls)}" for cls in unsatisfiable]


def counts(graph, own):
    """Count the own classes, properties, individuals and concepts of a graph."""
    def count(kind):
        return sum(1 for s in set(graph.subjects(RDF.type, kind)) if is_own(s, own))
    return {
        "classes": count(OWL.Class),
        "object properties": count(OWL.ObjectProperty),
        "datatype properties": count(OWL.DatatypeProperty),
        "annotation properties": count(OWL.AnnotationProperty),
        "concepts": count(SKOS.Concept),
        "concept schemes": count(SKOS.ConceptScheme),
    }


def java_exception(output):
    """Return the exception line of a Java error output, without the stack trace."""
    lines = [line.strip() for line in output.splitlines() if "Exception" in line]
    return lines[0].split(": ", 1)[-1] if lines else output.strip()[-500:]
