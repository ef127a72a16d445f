"""Read ontology documents in the format they are in, and resolve owl:imports to local files through an OASIS
XML catalog, as Protégé does, never over the network."""
import re
from pathlib import Path
from xml.etree import ElementTree

from rdflib import Graph, URIRef

from cdkg.ontology import CATALOG
from cdkg.ontology.namespaces import OWL, RDF

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


# What a document starts with, after any XML prolog and comments: an element (RDF/XML or OWL/XML) or text.
_XML_START = re.compile(r"<(\?xml|!--|!DOCTYPE|[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?[\s/>])")
_XML_PROLOG = re.compile(r"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(\[.*?\])?\s*>)", re.S)
_ROOT = re.compile(r"\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
# Protégé's other save formats: named so the error can say what to do.
_OTHER_SYNTAXES = (
    (re.compile(r"(Prefix|Ontology)\("), "OWL functional syntax"),
    (re.compile(r"(Prefix|Ontology|Class|ObjectProperty):"), "Manchester syntax"),
)


def document_format(path, head=None):
    """Return the rdflib format of an ontology document, read from its content: "turtle" or "xml" (RDF/XML).

    Raise DocumentError for a syntax the project does not read (OWL/XML, functional, Manchester)."""
    path = Path(path)
    if head is None:
        with open(path, encoding="utf-8", errors="replace") as stream:
            head = stream.read(65536)
    text = head.lstrip("\ufeff \t\r\n")
    save_as = "save it as Turtle or RDF/XML (Protégé: File > Save as...)"
    if _XML_START.match(text):
        while (prolog := _XML_PROLOG.match(text)) and prolog.group(0).strip():
            text = text[prolog.end():]
        root = _ROOT.match(text)
        if root and root.group(1) == "RDF":
            return "xml"
        element = root.group(1) if root else "?"
        kind = "OWL/XML" if element == "Ontology" else f"XML with root element <{element}>"
        raise DocumentError(f"{path}: {kind} is not an ontology format the project reads; {save_as}")
    for pattern, syntax in _OTHER_SYNTAXES:
        if pattern.match(text):
            raise DocumentError(f"{path}: {syntax} is not an ontology format the project reads; {save_as}")
    return "turtle"  # Turtle, or N-Triples (a subset of it)


def parse_document(path):
    """Parse an ontology document (Turtle or RDF/XML, whatever its file name says) into a Graph."""
    path = Path(path)
    try:
        return Graph().parse(path, format=document_format(path))
    except DocumentError:
        raise
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
