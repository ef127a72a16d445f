"""Resolve owl:imports to local files through an OASIS XML catalog, as Protégé does, never over the network."""
from pathlib import Path
from xml.etree import ElementTree

from rdflib import Graph, URIRef

from ontology import CATALOG
from ontology.namespaces import OWL, RDF

CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"


class DocumentError(Exception):
    """An ontology document that cannot be read, or an import with no local copy."""


def read_catalog(path):
    """Return {IRI: local Path} from the catalog file at `path`."""
    root = ElementTree.parse(path).getroot()
    return {
        entry.get("name"): (Path(path).parent / entry.get("uri")).resolve()
        for entry in root.iter(CATALOG_NS + "uri")
    }


def catalog_for(document):
    """Return the mappings of the catalog next to `document`, falling back to the project's catalog."""
    mappings = read_catalog(CATALOG)
    local = Path(document).parent / CATALOG.name
    if local.exists() and local.resolve() != CATALOG:
        mappings.update(read_catalog(local))
    return mappings


def parse_document(path):
    """Parse an ontology document (Turtle, RDF/XML, N-Triples... by its suffix) into a Graph."""
    path = Path(path)
    try:
        return Graph().parse(path, format=_format_of(path))
    except Exception as error:  # rdflib raises many parser-specific types; all mean "unreadable"
        reason = " ".join(str(error).splitlines()[:2])  # the position and the parser's verdict
        raise DocumentError(f"cannot parse {path}: {reason}") from error


def ontology_iris(graph):
    """Return the ontology IRIs and version IRIs a document declares."""
    iris = set(graph.subjects(RDF.type, OWL.Ontology))
    iris |= {version for ontology in set(iris) for version in graph.objects(ontology, OWL.versionIRI)}
    return {str(iri) for iri in iris if isinstance(iri, URIRef)}


def import_closure(paths):
    """Return {Path: Graph} for the documents and everything they import, resolved through the catalog."""
    documents = {}
    pending = [Path(path).resolve() for path in paths]
    while pending:
        path = pending.pop(0)
        if path in documents:
            continue
        graph = documents[path] = parse_document(path)
        mappings = catalog_for(path)
        for imported in graph.objects(None, OWL.imports):
            local = mappings.get(str(imported))
            if local is None or not local.exists():
                raise DocumentError(f"{path.name} imports <{imported}>, which has no local copy in {CATALOG.name}")
            pending.append(local)
    return documents


def _format_of(path):
    """Return the rdflib format name for a file suffix."""
    return {".ttl": "turtle", ".owl": "xml", ".rdf": "xml", ".nt": "nt", ".xml": "xml"}.get(path.suffix, "turtle")
