"""Score the pipeline against a gold set: precision, recall and F1 per category of fact."""
import json
from dataclasses import dataclass, field
from pathlib import Path

from cdkg.mappings.record import SourceRecord
from cdkg.ontology.namespaces import CDC, CDO, ID, RDF

INSTRUMENT_TYPES = (CDO.CooperationAgreement, CDO.MemorandumOfUnderstanding, CDO.SisterCityAgreement)
CONCEPT_PROPERTIES = (CDO.topic, CDO.cooperationDomain, CDO.purpose, CDO.comparedIn)
CATEGORIES = ("entities", "agreements", "agreement status", "concepts")


class GoldError(ValueError):
    """A gold file line that cannot be read."""


@dataclass
class Score:
    """Counts of one category: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted, expected):
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)

    @property
    def precision(self):
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self):
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self):
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    """Scores per category and the differences per statement."""

    scores: dict = field(default_factory=lambda: {c: Score() for c in CATEGORIES})
    errors: list = field(default_factory=list)  # (id, category, missing, unexpected)


def read_gold(path):
    """Return the gold items of a JSON Lines file, with a clear error naming a bad line."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            item["text"], item.setdefault("id", f"line-{number}")
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise GoldError(f"{path}:{number}: not a gold item with a text ({error})") from error
        item["line"] = number
        items.append(item)
    return items


def expected_facts(item):
    """Return the gold item's expected sets per category, as IRIs."""
    agreements = {(CDO[a["type"]], frozenset(ID[p] for p in a["parties"])) for a in item.get("agreements", [])}
    statuses = {
        (CDO[a["type"]], frozenset(ID[p] for p in a["parties"]), CDO[a["status"]])
        for a in item.get("agreements", []) if a.get("status")
    }
    return {
        "entities": {ID[e] for e in item.get("entities", [])},
        "agreements": agreements,
        "agreement status": statuses,
        "concepts": {CDC[c] for c in item.get("concepts", [])},
    }


def predicted_facts(triples):
    """Return the extracted sets per category from a statement's triples."""
    by_subject = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    statement = next(s for s, p, o in triples if p == RDF.type and o == CDO.Statement)
    entities = {o for p, o in by_subject[statement] if p in (CDO.mentions, CDO.speaker)}
    agreements, statuses = set(), set()
    for subject, pairs in by_subject.items():
        kinds = [o for p, o in pairs if p == RDF.type and o in INSTRUMENT_TYPES]
        if not kinds:
            continue
        parties = frozenset(o for p, o in pairs if p == CDO.party)
        agreements.add((kinds[0], parties))
        statuses.update((kinds[0], parties, o) for p, o in pairs if p == CDO.status)
    concepts = {o for s, p, o in triples if p in CONCEPT_PROPERTIES}
    return {"entities": entities, "agreements": agreements, "agreement status": statuses, "concepts": concepts}


def evaluate(pipeline, items):
    """Run the pipeline on every gold item and score it."""
    evaluation = Evaluation()
    for item in items:
        result = pipeline.extract(SourceRecord(item["text"], item["line"], "gold", id=item["id"]))
        predicted, expected = predicted_facts(result.triples), expected_facts(item)
        for category in CATEGORIES:
            evaluation.scores[category].add(predicted[category], expected[category])
            missing, unexpected = expected[category] - predicted[category], predicted[category] - expected[category]
            if missing or unexpected:
                evaluation.errors.append((item["id"], category, missing, unexpected))
    return evaluation


def report(evaluation, verbose=False):
    """Return the evaluation as a text table (and the differences when verbose)."""
    lines = [f"{'category':<18}{'tp':>5}{'fp':>5}{'fn':>5}{'P':>8}{'R':>8}{'F1':>8}"]
    for category, score in evaluation.scores.items():
        lines.append(f"{category:<18}{score.tp:>5}{score.fp:>5}{score.fn:>5}"
                     f"{score.precision:>8.3f}{score.recall:>8.3f}{score.f1:>8.3f}")
    if verbose:
        for item_id, category, missing, unexpected in evaluation.errors:
            lines.append(f"{item_id} {category}: missing {sorted(map(str, missing))} unexpected {sorted(map(str, unexpected))}")
    return "\n".join(lines)
