"""Run Apache Jena ARQ (Debian's libapache-jena-java) from the command line with a working classpath."""
import json
import subprocess
import zipfile
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
# Jena's own jars and its Debian dependencies, by their version-less names, with exactly ONE slf4j binding:
# `-cp '/usr/share/java/*'` puts several bindings on the path and Jena fails to start.
CLASSPATH_JARS = (
    "jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-iri", "jena-rdfconnection",
    "jena-dboe-base", "jena-dboe-index", "jena-dboe-storage", "jena-dboe-trans-data", "jena-dboe-transaction",
    "jena-tdb", "jena-tdb2",
    "commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
    "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-core", "jackson-databind",
    "jackson-annotations", "jsonld-java", "jakarta.json-api", "protobuf", "thrift", "titanium-json-ld",
    "slf4j-api", "slf4j-nop",
)
# Debian's jena-core.jar keeps the bundled Xerces' message bundles under org/apache/jena/ext/xerces/ while its
# classes live in the package `xerces`; without the bundles at xerces/... Jena stops with "internal error".
MISPLACED_BUNDLES = "org/apache/jena/ext/xerces/"
BUNDLE_TARGET = "xerces/"


def missing_jars():
    """Return the classpath jars that are not installed."""
    return [name for name in CLASSPATH_JARS if not (JAVA_DIR / f"{name}.jar").is_file()]


def extract_bundles(target_dir):
    """Copy jena-core's Xerces resource bundles to where its classes look for them; return the directory."""
    target_dir = Path(target_dir)
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for entry in jar.namelist():
            if entry.startswith(MISPLACED_BUNDLES) and entry.endswith(".properties"):
                destination = target_dir / (BUNDLE_TARGET + entry[len(MISPLACED_BUNDLES):])
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(jar.read(entry))
    return target_dir


def classpath(bundle_dir):
    """Return the explicit classpath: the extracted bundles first, then the jars."""
    return ":".join([str(bundle_dir)] + [str(JAVA_DIR / f"{name}.jar") for name in CLASSPATH_JARS])


class Arq:
    """The `arq.sparql` command with a prepared classpath."""

    def __init__(self, work_dir):
        """Prepare the classpath in `work_dir`; fail naming the jars that are not installed."""
        missing = missing_jars()
        if missing:
            raise RuntimeError(f"Jena's classpath lacks {', '.join(missing)} in {JAVA_DIR} (apt-get install "
                               "libapache-jena-java)")
        self.classpath = classpath(extract_bundles(Path(work_dir) / "jena-bundles"))

    def run(self, query_file, data_files=(), results="json", timeout=120):
        """Run a query file over local data files; return ARQ's standard output, raise with its errors."""
        command = ["java", "-cp", self.classpath, "arq.sparql", "--query", str(query_file), f"--results={results}"]
        for data_file in data_files:
            command += ["--data", str(data_file)]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                   stdin=subprocess.DEVNULL)
        if completed.returncode != 0:
            raise RuntimeError(f"arq exited with {completed.returncode}:\n{completed.stderr}{completed.stdout}")
        return completed.stdout

    def select(self, query_file, data_files=()):
        """Run a SELECT query and return its solutions as SPARQL JSON binding dicts."""
        return json.loads(self.run(query_file, data_files))["results"]["bindings"]
