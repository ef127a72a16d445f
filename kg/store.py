"""Write a build aside and publish it atomically, so an interrupted build never harms the published KG.

Layout of the output directory:
    store -> .store-XXXX     symlink to the current Oxigraph store; replaced atomically by os.replace
    .store-XXXX/             store generations; the previous one is kept until the next build starts, so a
                             server that still has it open keeps answering
    .build-tmp-XXXX/         a build in progress (dumps, build-info, quarantine); removed when it finishes
    .build.lock              serialises concurrent builds
The dumps and quarantine are moved in after the store, and build-info.json last: it is the commit record
that says which inputs the published files come from.
"""
import fcntl
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

STORE_LINK = "store"
STORE_PREFIX = ".store-"
STAGING_PREFIX = ".build-tmp-"
LOCK_FILE = ".build.lock"
BUILD_INFO = "build-info.json"
MERGE_CHUNK = 100_000  # triples per bulk-load call: Oxigraph's loader holds a whole call in memory


def read_build_info(out_dir):
    """Return the published build-info.json as a dict, or None when there is no (readable) one."""
    try:
        return json.loads((Path(out_dir) / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class BuildLocked(RuntimeError):
    """Another build holds the output directory."""


@contextmanager
def build_lock(out_dir):
    """Hold the output directory's build lock for the duration of the block."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK_FILE, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"another build is running in {out_dir}") from None
        yield


def current_store(out_dir):
    """Return the path of the published store directory, or None when there is none."""
    link = out_dir / STORE_LINK
    return link.resolve() if link.is_dir() else None


def remove_leftovers(out_dir):
    """Delete staging directories and store generations of earlier builds, except the published store."""
    keep = current_store(out_dir)
    for path in out_dir.iterdir():
        leftover = path.name.startswith(STAGING_PREFIX) or path.name.startswith(STORE_PREFIX)
        if leftover and path.is_dir() and not path.is_symlink() and path.resolve() != keep:
            shutil.rmtree(path, ignore_errors=True)


class Staging:
    """A build's private area inside the output directory: a staging directory and a fresh store directory."""

    def __init__(self, out_dir):
        """Create the staging directory and name the new store generation after it."""
        self.out_dir = out_dir
        self.path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        self.store_path = out_dir / (STORE_PREFIX + self.path.name.removeprefix(STAGING_PREFIX))

    def publish(self, names):
        """Switch the new store in, then move the named staged files and directories over the published ones."""
        link = self.path / STORE_LINK
        link.symlink_to(self.store_path.name)
        _retire_real_store_directory(self.out_dir)
        os.replace(link, self.out_dir / STORE_LINK)
        for name in names:
            staged, published = self.path / name, self.out_dir / name
            if staged.is_dir():
                if published.is_dir():  # a directory cannot be replaced in one rename: move the old one aside
                    os.replace(published, self.path / (name + ".old"))
                os.replace(staged, published)
            else:
                os.replace(staged, published)
        self.discard(keep_store=True)

    def discard(self, keep_store=False):
        """Delete the staging directory, and the new store unless it was published."""
        shutil.rmtree(self.path, ignore_errors=True)
        if not keep_store:
            shutil.rmtree(self.store_path, ignore_errors=True)


def _retire_real_store_directory(out_dir):
    """Move a store directory written by something other than a build aside, so the symlink can replace it."""
    published = out_dir / STORE_LINK
    if published.is_dir() and not published.is_symlink():
        os.replace(published, tempfile.mkdtemp(prefix=STORE_PREFIX, dir=out_dir))


def has_default_graph(store):
    """Tell whether the store's own default graph holds triples."""
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def merge_into_default_graph(store, union_ntriples=None):
    """Write the RDF merge of all named graphs into the default graph (a set: each triple once).

    union_ntriples is an N-Triples file of that merge, already deduplicated, when the caller has one (the build
    sorts it for the Turtle dump): it is loaded in chunks, so memory stays flat however large the KG. It is parsed
    by ox.parse, which keeps blank node labels (the store's own loader would rename them), leniently: the build
    wrote it with ox.serialize from terms already validated.
    """
    if union_ntriples is None:
        named = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in named)
        return
    quads = ox.parse(path=str(union_ntriples), format=ox.RdfFormat.N_TRIPLES, lenient=True)  # default graph
    while chunk := list(islice(quads, MERGE_CHUNK)):
        store.bulk_extend(chunk)
