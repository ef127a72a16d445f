"""Run the OWL API (Debian's libowlapi-java, 5.x) tools of ontology/tools/: the OWL 2 DL profile check, and the
open + save Protégé performs (the same OWL API writers), for the round-trip tests and editors without Protégé."""
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cdkg.ontology import ONTOLOGY_DIR
from cdkg.ontology.catalog import catalog_for

TOOLS_DIR = ONTOLOGY_DIR / "tools"
SAVER = TOOLS_DIR / "OntologySave.java"
# Debian's OWL API 5 and the jars it needs at run time. It reads what Protégé writes (owl:distinctMembers...),
# which the OWL API 3 inside owlready2's HermiT.jar leaves unparsed.
JAVA_DIR = Path(os.environ.get("CDKG_JAVA_DIR", "/usr/share/java"))
OWLAPI_JARS = (
    "owlapi-distribution.jar", "guava.jar", "caffeine.jar", "commons-io.jar", "slf4j-api.jar", "slf4j-nop.jar",
    "atinject-jsr330-api.jar", "jsr305.jar", "commons-rdf-api.jar", "hppcrt.jar", "xz.jar", "rdf4j-model-api.jar",
    "rdf4j-rio-api.jar", "rdf4j-model.jar", "rdf4j-util.jar", "rdf4j-model-vocabulary.jar",
)
SYNTAXES = ("turtle", "rdfxml")


class ToolUnavailable(Exception):
    """The OWL API or a JDK is missing, or a tool does not compile; the message says what to install."""


def owlapi_classpath():
    """Return the OWL API class path; raise ToolUnavailable naming the missing jars and the package to install."""
    missing = [jar for jar in OWLAPI_JARS if not (JAVA_DIR / jar).exists()]
    if missing:
        raise ToolUnavailable(f"OWL API 5 not found ({', '.join(missing)} missing in {JAVA_DIR}); "
                              "install it (Debian: apt-get install libowlapi-java)")
    return os.pathsep.join(str(JAVA_DIR / jar) for jar in OWLAPI_JARS)


def compiled_tool(source_path):
    """Return the class path running a Java tool of ontology/tools/, compiling it on first use."""
    classpath = owlapi_classpath()
    source = Path(source_path).read_bytes()
    jars = "".join(f"{jar}:{(JAVA_DIR / jar).stat().st_size}" for jar in OWLAPI_JARS).encode()
    digest = hashlib.sha256(source + jars).hexdigest()[:16]
    cache = Path(os.environ.get("CDKG_CACHE_DIR", Path.home() / ".cache" / "citydiplomacy-kg"))
    target = cache / f"{Path(source_path).stem.lower()}-{digest}"
    if not (target / f"{Path(source_path).stem}.class").exists():
        if shutil.which("javac") is None:
            raise ToolUnavailable("OWL API tools: javac not found; install a JDK (Debian: apt-get install default-jdk-headless)")
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="owlapi-tool-", dir=cache))
        result = subprocess.run(
            ["javac", "-nowarn", "-encoding", "UTF-8", "-cp", classpath, "-d", str(staging), str(source_path)],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise ToolUnavailable(f"OWL API tools: cannot compile {Path(source_path).name}: {result.stderr.strip()}")
        try:
            staging.rename(target)  # atomic: a concurrent run either sees the whole directory or none
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another run won the race; its copy is identical
    return f"{classpath}{os.pathsep}{target}"


def save(document, output, syntax):
    """Open `document` (its imports resolved through the catalog next to it) and save it to `output` in
    `syntax` ("turtle" or "rdfxml"), as Protégé's open + save does; raise ToolUnavailable on failure."""
    if syntax not in SYNTAXES:
        raise ValueError(f"syntax must be one of {SYNTAXES}, not {syntax!r}")
    mappings = [f"{iri}={path}" for iri, path in catalog_for(document).items()]
    result = subprocess.run(
        ["java", "-cp", compiled_tool(SAVER), "OntologySave", str(document), str(output), syntax, *mappings],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise ToolUnavailable(f"OWL API could not open and save {document}: {(result.stdout + result.stderr).strip()[-500:]}")
    return Path(output)
