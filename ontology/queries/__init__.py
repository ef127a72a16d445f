"""The competency questions: one SPARQL file each, headed by its title and its question in English and Persian."""
from collections import namedtuple
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent
HEADER_FIELDS = ("title", "question-en", "question-fa")

Query = namedtuple("Query", "name title question_en question_fa sparql")


class QueryFileError(ValueError):
    """A competency-question file without its three header lines."""


def load_queries(directory=QUERIES_DIR):
    """Return the competency questions as Query tuples, in file-name order."""
    return [parse_query_file(path) for path in sorted(Path(directory).glob("*.rq"))]


def parse_query_file(path):
    """Return the Query of one .rq file; raise QueryFileError naming the file and line if a header is wrong."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    header = {}
    for number, field in enumerate(HEADER_FIELDS, start=1):
        prefix = f"# {field}:"
        line = lines[number - 1] if len(lines) >= number else ""
        if not line.startswith(prefix) or not line[len(prefix):].strip():
            raise QueryFileError(f"{path}:{number}: expected '{prefix} ...'")
        header[field] = line[len(prefix):].strip()
    sparql = "\n".join(lines[len(HEADER_FIELDS):]).strip() + "\n"
    return Query(Path(path).stem, header["title"], header["question-en"], header["question-fa"], sparql)
