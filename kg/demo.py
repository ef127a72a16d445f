"""The demo KG: the seed statements plus the public synthetic news corpus, so every example question has answers."""
import json
from pathlib import Path

from cdkg.kg.build import REPO_ROOT

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"  # beside the clone, as CI has it
DEFAULT_DEMO_OUT = REPO_ROOT / "build" / "demo" / "kg"
CORPUS_PATTERN = "challenge-*.jsonl"
DEMO_SOURCE = "synthetic-news.jsonl"  # written beside the demo KG
DEMO_NAME = "demo: seed statements + synthetic news corpus"
# Every corpus item's dcterms:publisher, so its provenance says it is no real article.
SYNTHETIC_PUBLISHER = "synthetic news item (challenge corpus written for citydiplomacy-kg; not a real article)"


class CorpusMissing(Exception):
    """The corpus folder holds no challenge-*.jsonl file."""


def corpus_files(corpus_dir):
    """Return the corpus's JSON Lines files, or raise CorpusMissing naming the folder."""
    files = sorted(Path(corpus_dir).glob(CORPUS_PATTERN))
    if not files:
        raise CorpusMissing(f"no {CORPUS_PATTERN} in {corpus_dir}")
    return files


def write_demo_source(files, path):
    """Write the corpus items as one statement source (id, text, synthetic publisher); return its path.

    A line that is not a JSON object with a text is copied as it is, for the build to quarantine with its reason.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for corpus_file in files:
        for line in corpus_file.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                item = None
            if isinstance(item, dict) and "text" in item:
                line = json.dumps({"id": item.get("id"), "text": item["text"], "publisher": SYNTHETIC_PUBLISHER},
                                  ensure_ascii=False)
            lines.append(line)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
