"""Count agreement nodes against distinct gold agreements on the challenge corpus (issue #14).

    .venv/bin/python tests/bench/bench_identity.py [../shared/corpus/challenge-a.jsonl ...]

Builds the corpus (SHACL on) into a temporary KG. A gold agreement is its kind and its parties (a municipality
stands for its city, as the KG's key has it); "distinct" merges the same kind and parties across items. Gold kinds
map onto the ontology's (memorandum and cooperation-agreement -> MemorandumOfUnderstanding, sister-city ->
SisterCityAgreement, agreement, contract, action-plan -> CooperationAgreement); cooperation without a document is
no instrument. A KG node is matched to gold by its kind and the English names of its parties (municipalities
folded into cities). Printed: nodes, distinct gold agreements, nodes that merge two distinct gold agreements,
gold agreements split over several nodes, and the nodes and gold agreements that match nothing (extraction
misses and false agreements, not identity errors).
"""
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

import pyoxigraph as ox  # noqa: E402

from cdkg.kg import commands  # noqa: E402
from cdkg.kg.build import build  # noqa: E402
from cdkg.ontology.namespaces import CDO, PREFIXES  # noqa: E402

CORPUS = REPO_ROOT.parent / "shared" / "corpus"
KINDS = {"memorandum": CDO.MemorandumOfUnderstanding, "cooperation-agreement": CDO.MemorandumOfUnderstanding,
         "sister-city": CDO.SisterCityAgreement, "agreement": CDO.CooperationAgreement,
         "contract": CDO.CooperationAgreement, "action-plan": CDO.CooperationAgreement}
NODES = """
SELECT ?agreement ?kind ?party ?label ?city ?cityLabel ?text WHERE {
  ?agreement cdo:party ?party ; a ?kind ; cdo:reportedBy ?statement .
  ?statement cdo:originalText ?text .
  FILTER (STRSTARTS(STR(?agreement), STR(cdr:agreement\\/)) && ?kind != cdo:CooperationInstrument)
  ?kind rdfs:subClassOf cdo:CooperationInstrument .
  OPTIONAL { ?party rdfs:label ?label FILTER (lang(?label) = "en") }
  OPTIONAL { ?party a cdo:Municipality ; cdo:governs ?city . ?city rdfs:label ?cityLabel FILTER (lang(?cityLabel) = "en") }
}"""


def side(name):
    """Fold a party name to the key side: a municipality stands for its city."""
    return name.removesuffix(" Municipality").split(",")[0].strip().lower()


def main():
    files = [Path(p) for p in sys.argv[1:]] or sorted(CORPUS.glob("*.jsonl"))
    gold, item_of_text = defaultdict(set), {}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            item_of_text[item["text"]] = item["id"]
            for agreement in item["agreements"]:
                if agreement["kind"] in KINDS:
                    key = (str(KINDS[agreement["kind"]]), frozenset(map(side, agreement["parties"])))
                    gold[key].add(item["id"])
    mentions = sum(len(items) for items in gold.values())
    with tempfile.TemporaryDirectory() as out:
        build(files, Path(out), commands.load_context(shacl=True), console=open("/dev/null", "w"))
        store = ox.Store.read_only(str(Path(out) / "store"))
        prefixes = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items())
        parties, kinds, items = defaultdict(set), {}, defaultdict(set)
        for row in store.query(prefixes + NODES):
            node = row["agreement"].value
            kinds[node] = row["kind"].value
            name = (row["cityLabel"] or row["label"])
            parties[node].add(side(name.value) if name is not None else row["party"].value)
            items[node].add(item_of_text.get(row["text"].value, "?"))
    by_key = defaultdict(list)
    for node in kinds:
        by_key[(kinds[node], frozenset(parties[node]))].append(node)
    wrong = [node for node in kinds if len({k for k, v in gold.items() if items[node] & v and k[0] == kinds[node] and
                                            k[1] <= parties[node] | {"?"}}) > 1]
    split = {key: by_key[key] for key in gold if len(by_key.get(key, ())) > 1}
    matched = {key for key in gold if key in by_key}
    print(f"agreement nodes in the KG: {len(kinds)} (from {sum(len(v) for v in items.values())} reports)")
    print(f"distinct gold agreements: {len(gold)} (from {mentions} gold agreement mentions)")
    print(f"gold agreements with a node of the same kind and parties: {len(matched)}")
    print(f"nodes merging two distinct gold agreements: {len(wrong)} {wrong}")
    print(f"gold agreements split over several nodes: {len(split)} {dict(split)}")
    print(f"gold agreements reported by several items: {sum(len(v) > 1 for v in gold.values())}, "
          f"of them one node: {sum(len(v) > 1 and len(by_key.get(k, ())) == 1 for k, v in gold.items())}")
    print(f"nodes matching no gold agreement (extraction errors): {sum(k not in gold for k in by_key)}")


if __name__ == "__main__":
    main()
