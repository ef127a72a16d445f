"""Score the pipeline on the challenge corpus format (../shared/corpus/README.md): gold in neutral English names,
matched to the extracted graph by name, with the corpus's kinds, statuses and roles mapped to the ontology by
mappings/challenge-map.csv."""
import csv
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from cdkg.kg.identity import IdentityRules, by_subject, shared_nodes
from cdkg.mappings.evaluate import GoldError, Score
from cdkg.mappings.normalize import normalize
from cdkg.mappings.record import SourceRecord
from cdkg.ontology import ontology_graph
from cdkg.ontology.namespaces import CDO, DCTERMS, FOAF, ITSRDF, NIF, ORG, RDF, RDFS, SDO

MAP_FILE = Path(__file__).with_name("challenge-map.csv")
CATEGORIES = ("entities", "posts", "speaker-post", "persons", "person-post", "agreements", "status",
              "meetings", "visits", "memberships", "dates")
FACT_CLASSES = (CDO.CooperationInstrument, CDO.Relation, CDO.Meeting, CDO.Visit, CDO.Membership)
# Links along which an entity implies another one the text need not name (a post its body, a body its city).
IMPLYING = (ORG.postIn, CDO.governs, CDO.ofCountry, CDO.accreditedTo, CDO.country, ORG.heldBy)
_PARENTHESISED = re.compile(r"\([^)]*\)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_FA_DROPPED = str.maketrans({" ": None, "\u200c": None})
_KIND_WORDS = re.compile(r"\b(?:province|county|city|oblast|region|governorate|district)\b", re.IGNORECASE)


def en_key(name):
    """Return an English name's comparison key: accents, case, disambiguators (", Iran", "(city)") dropped."""
    name = _PARENTHESISED.sub(" ", name or "").split(",")[0]
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c)).casefold()
    name = name.replace("consulate general", "consulate").replace("the ", " ").replace("province governorate", "governorate").replace("county governorate", "governorate")
    return _NOT_ALNUM.sub("", name)


def fa_key(text):
    """Return a Persian span's comparison key, as the corpus says: letters unified, digits, ZWNJ and spaces."""
    return normalize(_PARENTHESISED.sub(" ", text or "")).translate(_FA_DROPPED)


def words(text):
    """Return the accent-free, lower-case words of an English description."""
    text = unicodedata.normalize("NFKD", text or "")
    return set(_NOT_ALNUM.split("".join(c for c in text if not unicodedata.combining(c)).casefold())) - {""}


def read_map(path=MAP_FILE):
    """Return {field: {gold value: [ontology terms]}} from the mapping table."""
    table = defaultdict(lambda: defaultdict(list))
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            table[row["field"]][row["gold"]].append(CDO[row["term"]])
    return table


def is_challenge(items):
    """Tell whether gold items are in the challenge corpus format (places, persons, kinds) or the dev format."""
    return bool(items) and "places" in items[0] and "persons" in items[0]


class Predicted:
    """The extracted graph of one item, indexed for matching gold names."""

    def __init__(self, triples, lexicon):
        self.lexicon = lexicon
        self.out = defaultdict(list)
        for s, p, o in triples:
            self.out[s].append((p, o))
        self.statement = next(s for s, p, o in triples if p == RDF.type and o == CDO.Statement)
        self.text_key = fa_key(self.value(self.statement, CDO.normalizedText))
        self.mentions = [o for p, o in self.out[self.statement] if p == CDO.mentions]
        self.speaker = self.value(self.statement, CDO.speaker)
        self.facts = [o for p, o in self.out[self.statement] if p == CDO.reports]
        self.anchors = defaultdict(set)  # entity -> the keys of the characters that name it (NIF evidence)
        text = str(self.value(self.statement, NIF.isString) or "")
        for phrase, pairs in self.out.items():
            begin, end = self.value(phrase, NIF.beginIndex), self.value(phrase, NIF.endIndex)
            for p, o in pairs:
                if p == ITSRDF.taIdentRef and begin is not None and end is not None:
                    self.anchors[o].add(fa_key(text[int(begin):int(end)]))

    def value(self, subject, predicate):
        return next((o for p, o in self.out[subject] if p == predicate), None)

    def values(self, subject, predicate):
        return [o for p, o in self.out[subject] if p == predicate]

    def types(self, node):
        return self.values(node, RDF.type)

    def is_a(self, node, cls):
        return any(t == cls or self.lexicon.is_a(t, cls) for t in self.types(node))

    def seat(self, node):
        """Return the place a governing body governs, else the node: part A names the cities where the text
        names their municipalities, part B the bodies, so a party matches either way."""
        return self.value(node, CDO.governs) or node

    def named_as(self, node, key):
        """Tell whether an entity's Persian label or the characters that name it have this key."""
        return bool(key) and (fa_key(self.label(node, "fa")) == key or key in self.anchors[node])

    def label(self, node, language):
        return next((str(o) for p, o in self.out[node] if p == RDFS.label and o.language == language), "")

    def kind(self, node):
        if self.is_a(node, CDO.Place):
            return "place"
        if self.is_a(node, CDO.Organization):
            return "org"
        if self.is_a(node, CDO.Post):
            return "post"
        if any(t in (FOAF.Person, SDO.Person, CDO.Person) for t in self.types(node)):
            return "person"
        return None

    def of_kind(self, *kinds):
        return [m for m in self.mentions if self.kind(m) in kinds]

    def implied(self, node):
        """Tell whether another mention implies an entity and the text does not name it (the gold lists only
        named bodies: شهردار قم implies Qom Municipality)."""
        named = fa_key(self.label(node, "fa"))
        return (not named or named not in self.text_key) and any(
            (p, node) in self.out[m] for m in self.mentions for p in IMPLYING)

    def find(self, en, fa=None, candidates=None):
        """Return the mention a gold name stands for (English key, else the Persian span), or None."""
        candidates = self.of_kind("place", "org") if candidates is None else candidates
        key = en_key(en)
        found = next((m for m in candidates if key and en_key(self.label(m, "en")) == key), None)
        if found is None and fa:
            found = next((m for m in candidates if self.named_as(m, fa_key(fa))), None)
        return found

    def places_of(self, node, depth=0):
        """Return the English keys of the places an entity is or belongs to (a post's body's city), also
        without the words that name a kind of place (Bushehr Province: bushehr)."""
        if depth > 3:
            return set()
        label = self.label(node, "en")
        keys = {en_key(label), en_key(_KIND_WORDS.sub(" ", label))} if self.kind(node) == "place" else set()
        for predicate in (ORG.postIn, CDO.governs, CDO.ofCountry, CDO.locatedIn):
            for obj in self.values(node, predicate):
                keys |= self.places_of(obj, depth + 1)
        for post in (s for s, pairs in self.out.items() if (ORG.heldBy, node) in pairs):
            keys |= self.places_of(post, depth + 1)
        if not keys and self.kind(node) in ("org", "post"):
            keys.add(en_key(self.label(node, "en")))
        return keys - {""}


class ChallengeScorer:
    """Score extracted graphs against challenge corpus items."""

    def __init__(self, lexicon, identity, table=None):
        self.lexicon = lexicon
        self.identity = identity  # IdentityRules: the build's shared agreement nodes, to count merges across items
        self.table = table or read_map()
        self.scores = {c: Score() for c in CATEGORIES}
        self.misses = []  # (item id, category, missing, unexpected)
        self.negatives = self.false_facts = self.items = 0
        self.gold_agreements = set()  # (kind, parties' places) of every gold agreement of the corpus
        self.node_agreements = defaultdict(set)  # shared agreement node -> the gold agreements matched to it

    def add(self, category, item_id, expected, predicted, matched):
        """Count one category of an item: matched pairs, expected and predicted descriptions."""
        score = self.scores[category]
        score.tp += len(matched)
        missing = [e for i, e in enumerate(expected) if i not in {a for a, _ in matched}]
        unexpected = [p for j, p in enumerate(predicted) if j not in {b for _, b in matched}]
        score.fn += len(missing)
        score.fp += len(unexpected)
        if missing or unexpected:
            self.misses.append((item_id, category, missing, unexpected))

    @staticmethod
    def pair(expected, predicted, same):
        """Match expected to predicted one to one, greedily in order; return the (i, j) pairs."""
        pairs, used = [], set()
        for i, e in enumerate(expected):
            j = next((j for j, p in enumerate(predicted) if j not in used and same(e, p)), None)
            if j is not None:
                used.add(j)
                pairs.append((i, j))
        return pairs

    def role_matches(self, got, post, role):
        """Tell whether a predicted post has the gold role: the longest mapped prefix of the role names a class
        the post's type falls under."""
        role = " ".join(_NOT_ALNUM.split(role.casefold().replace("-", " "))).strip()
        prefixes = [g for g in self.table["role"] if role == g or role.startswith(g + " ")]
        if not prefixes:
            return False
        return any(got.is_a(post, cls) for cls in self.table["role"][max(prefixes, key=len)])

    def post_matches(self, got, post, gold):
        """A predicted post is the gold post when its body and role agree, or its Persian span is the gold's."""
        if got.named_as(post, fa_key(gold.get("fa"))):
            return True
        body = got.value(post, ORG.postIn)
        same_body = body is not None and en_key(got.label(body, "en")) == en_key(gold.get("of"))
        return same_body and self.role_matches(got, post, gold.get("role") or "")

    def score(self, item, triples):
        """Score one item's extracted triples."""
        self.items += 1
        got, item_id = Predicted(triples, self.lexicon), item["id"]
        names = {e["en"]: e.get("fa") for e in item["places"] + item["organisations"]}

        # entities: the places and bodies the text names; one only implied by another mention is not counted
        gold = item["places"] + item["organisations"]
        found = got.of_kind("place", "org")
        pairs = self.pair(gold, found, lambda e, m: got.find(e["en"], e.get("fa"), [m]) is not None)
        matched = {j for _, j in pairs}
        shown = [m for j, m in enumerate(found) if j in matched or not got.implied(m)]
        self.add("entities", item_id, [e["en"] for e in gold], [str(m) for m in shown],
                 [(i, shown.index(found[j])) for i, j in pairs])

        posts = got.of_kind("post")
        self.add("posts", item_id, [f"{p['role']} of {p['of']}" for p in item["posts"]], [str(p) for p in posts],
                 self.pair(item["posts"], posts, lambda g, p: self.post_matches(got, p, g)))

        speaker = item.get("speaker")
        expected = [speaker] if speaker else []
        predicted = [got.speaker] if got.speaker is not None else []
        self.add("speaker-post", item_id, [f"{s['role']} of {s['of']}" for s in expected], [str(p) for p in predicted],
                 self.pair(expected, predicted, lambda s, p: self.speaker_matches(got, p, s, item["posts"])))

        persons = got.of_kind("person")
        person_pairs = self.pair(item["persons"], persons,
                                 lambda g, p: got.named_as(p, fa_key(g["fa"])))
        self.add("persons", item_id, [p["en"] for p in item["persons"]], [got.label(p, "fa") for p in persons],
                 person_pairs)
        holders = [g for g in item["persons"] if g.get("post")]
        held = [(p, post) for p in persons for post in got.out if (ORG.heldBy, p) in got.out[post]]
        self.add("person-post", item_id, [f"{g['en']}: {g['post']['role']}" for g in holders],
                 [f"{got.label(p, 'fa')}: {post}" for p, post in held],
                 self.pair(holders, held, lambda g, h: fa_key(got.label(h[0], "fa")) == fa_key(g["fa"])
                           and self.spanned_post_matches(got, h[1], g["post"], item["posts"])))

        self.score_agreements(item, got, names, triples)
        self.score_activities(item, got, names)
        self.score_dates(item, got)
        if item.get("negative"):
            self.negatives += 1
            self.false_facts += sum(1 for f in got.facts if any(got.is_a(f, c) for c in FACT_CLASSES))

    def speaker_matches(self, got, predicted, speaker, posts=()):
        """The speaker is the gold post (its Persian span from the item's posts); an institutional statement's
        speaker is the body or one of its posts."""
        if speaker.get("role") == "statement":
            body = got.value(predicted, ORG.postIn) or predicted
            return en_key(got.label(body, "en")) == en_key(speaker.get("of"))
        return self.spanned_post_matches(got, predicted, speaker, posts)

    def spanned_post_matches(self, got, predicted, post, posts):
        """The predicted post is the gold one, matched by the Persian span of the item's posts of its role and body
        (a speaker's or person's post gives only role and body), else by role and body alone."""
        spans = [p for p in posts if p.get("role") == post.get("role") and p.get("of") == post.get("of")]
        return any(self.post_matches(got, predicted, span) for span in spans or [post])

    def parties(self, got, fact):
        return [o for p, o in got.out[fact] if p in (CDO.party, CDO.relates)]

    def score_agreements(self, item, got, names, triples):
        facts = [f for f in got.facts if got.is_a(f, CDO.CooperationInstrument) or CDO.Relation in got.types(f)]

        def same(gold, fact):
            kinds = self.table["kind"][gold["kind"]]
            if not any(cls in got.types(fact) for cls in kinds):
                return False
            wanted = [got.find(name, names.get(name)) for name in gold["parties"]]
            return None not in wanted and {got.seat(w) for w in wanted} == {got.seat(p) for p in self.parties(got, fact)}

        pairs = self.pair(item["agreements"], facts, same)
        describe = [f"{a['kind']} {sorted(a['parties'])}" for a in item["agreements"]]
        self.add("agreements", item_id := item["id"], describe,
                 [f"{got.types(f)[0].split('#')[-1]} {sorted(got.label(p, 'en') for p in self.parties(got, f))}"
                  for f in facts], pairs)
        status_pairs, expected, predicted = [], [], []
        for i, j in pairs:
            gold, status = item["agreements"][i], got.value(facts[j], CDO.status)
            expected.append(f"{describe[i]}: {gold['status']}")
            if status is not None:
                predicted.append(f"{describe[i]}: {status.split('#')[-1]}")
                if status in self.table["status"][gold["status"]]:
                    status_pairs.append((len(expected) - 1, len(predicted) - 1))
        self.add("status", item_id, expected, predicted, status_pairs)
        self.count_nodes(item, got, names, triples, facts, pairs)

    def count_nodes(self, item, got, names, triples, facts, pairs):
        """Record each gold agreement (kind and the places its parties stand for) and the shared node the build
        would give each extracted agreement, with the gold agreement matched to it."""
        keys = []
        for gold in item["agreements"]:
            places = (got.seat(found) if (found := got.find(name, names.get(name))) is not None else en_key(name)
                      for name in gold["parties"])
            keys.append((gold["kind"], frozenset(places)))
        self.gold_agreements.update(keys)
        shared, _ = shared_nodes(by_subject(triples), got.statement, None, self.identity)
        matched = dict((j, i) for i, j in pairs)
        for j, fact in enumerate(facts):
            if fact in shared:
                self.node_agreements[shared[fact]].update([keys[matched[j]]] if j in matched else [])

    def identity_line(self):
        """Return how the extracted agreements fall on shared nodes against the distinct gold agreements."""
        nodes_of = defaultdict(set)
        for node, keys in self.node_agreements.items():
            for key in keys:
                nodes_of[key].add(node)
        wrong = sum(len(keys) > 1 for keys in self.node_agreements.values())
        split = sum(len(nodes) > 1 for nodes in nodes_of.values())
        return (f"agreement nodes: {len(self.node_agreements)} for {len(self.gold_agreements)} distinct gold "
                f"agreements; {wrong} merge different gold agreements, {split} gold agreements are on several nodes")

    def score_activities(self, item, got, names):
        """Meetings and visits match when their gold participants name the places of distinct predicted
        participants; memberships when member and body are the gold's."""
        meetings = [f for f in got.facts if got.is_a(f, CDO.Meeting)]

        def meets(gold, fact):
            people = [got.places_of(p) for p in got.values(fact, CDO.participant)]
            described = [words(d) for d in gold["participants"]]
            hits = self.pair(described, people, lambda d, keys: any(_key_in_words(k, d) for k in keys))
            return len(hits) >= min(2, len(described))

        self.add("meetings", item["id"], ["; ".join(m["participants"]) for m in item["meetings"]],
                 [str(f) for f in meetings], self.pair(item["meetings"], meetings, meets))
        # a planned or proposed visit has not taken place: it is no visit, on either side
        done = [v for v in item["visits"] if not v.get("status")]
        visits = [f for f in got.facts if got.is_a(f, CDO.Visit) and got.value(f, CDO.status) is None]

        def visits_match(gold, fact):
            participants = got.values(fact, CDO.participant)
            people = [got.places_of(p) for p in participants]
            to, visitor = en_key(gold["to"]), words(gold["visitor"])
            # the destination by its English key, else by the Persian span the gold names it with (Urmia/Orūmīyeh)
            at = next((i for i, keys in enumerate(people) if to in keys or got.find(
                gold["to"], names.get(gold["to"]), [participants[i]]) is not None), None)
            # the visitor's places by their English keys, or by the KG's keys of the places the gold names in
            # the description, found by their Persian spans (mayor of Urmia: the KG's Orumiyeh)
            aliases = {en_key(got.label(m, "en")) for name in names if _key_in_words(en_key(name), visitor)
                       for m in [got.find(name, names.get(name))] if m is not None}
            return at is not None and any(_key_in_words(k, visitor) or k in aliases
                                          for i, keys in enumerate(people) if i != at for k in keys)

        self.add("visits", item["id"], [f"{v['visitor']} -> {v['to']}" for v in done],
                 [str(f) for f in visits], self.pair(done, visits, visits_match))
        memberships = [f for f in got.facts if got.is_a(f, CDO.Membership)]

        def member_of(gold, fact):
            member, body = got.value(fact, CDO.member), got.value(fact, CDO.participant)
            if member is None or body is None:
                return False
            return (en_key(gold["member"]) in got.places_of(member) | {en_key(got.label(member, "en"))}
                    and (en_key(got.label(body, "en")) == en_key(gold["organisation"])
                         or got.find(gold["organisation"], names.get(gold["organisation"]), [body]) is not None))

        self.add("memberships", item["id"], [f"{m['member']} in {m['organisation']}" for m in item["memberships"]],
                 [str(f) for f in memberships], self.pair(item["memberships"], memberships, member_of))

    def score_dates(self, item, got):
        """A gold date with an ISO value matches a predicted date of the same value on an event of its kind."""
        expected = [d for d in item["dates"] if d.get("iso")]
        predicted = []
        for node, pairs in got.out.items():
            single = [str(o) for p, o in pairs if p == DCTERMS.date]
            start, end = got.value(node, CDO.dateStart), got.value(node, CDO.dateEnd)
            period = [] if start is None or end is None else [str(start) if start == end else f"{start}/{end}"]
            values = single + period
            predicted += [(value, self.event_kind(got, node)) for value in values]

        def same(gold, found):
            return gold["iso"] == found[0] and gold["refers_to"] in (found[1], "event")

        self.add("dates", item["id"], [f"{d['text']} = {d['iso']} ({d['refers_to']})" for d in expected],
                 [f"{v} ({k})" for v, k in predicted], self.pair(expected, predicted, same))

    def event_kind(self, got, node):
        if node == got.statement:
            return "statement"
        if got.is_a(node, CDO.CooperationInstrument) or CDO.Relation in got.types(node) or got.is_a(node, CDO.Signing):
            return "signing"
        if got.is_a(node, CDO.Meeting):
            return "meeting"
        return "event"

    def report(self, verbose=False):
        """Return the scores as a text table, the negatives line and, when verbose, every item's misses."""
        lines = [f"{'category':<14}{'tp':>5}{'fp':>5}{'fn':>5}{'P':>8}{'R':>8}{'F1':>8}"]
        for category, score in self.scores.items():
            lines.append(f"{category:<14}{score.tp:>5}{score.fp:>5}{score.fn:>5}"
                         f"{score.precision:>8.3f}{score.recall:>8.3f}{score.f1:>8.3f}")
        lines.append(f"items scored: {self.items}; negatives: {self.negatives} items, "
                     f"{self.false_facts} false facts")
        lines.append(self.identity_line())
        if verbose:
            for item_id, category, missing, unexpected in self.misses:
                lines.append(f"{item_id} {category}: missing {missing} unexpected {unexpected}")
        return "\n".join(lines)


def _key_in_words(key, described, parts=6):
    """Tell whether a place key is one of a description's words or up to six of them run together (a
    network's or body's name: asianmayorsforum in "secretary-general of the Asian Mayors Forum",
    erbilchamberofcommerceandindustry in "chair of Erbil Chamber of Commerce and Industry")."""
    return key in described or parts > 1 and any(
        key.startswith(word) and _key_in_words(key[len(word):], described, parts - 1) for word in described)


REQUIRED = {"places": list, "organisations": list, "persons": list, "posts": list, "agreements": list,
            "meetings": list, "visits": list, "memberships": list, "dates": list}


def check_item(item):
    """Raise GoldError naming the line of a challenge item that lacks a list the scorer reads."""
    for key, kind in REQUIRED.items():
        if not isinstance(item.get(key), kind):
            raise GoldError(f"line {item.get('line')} ({item.get('id')}): '{key}' must be a list")
    for agreement in item["agreements"]:
        if not isinstance(agreement, dict) or not isinstance(agreement.get("parties"), list):
            raise GoldError(f"line {item.get('line')} ({item.get('id')}): an agreement needs a 'parties' list")


def evaluate_challenge(pipeline, items):
    """Run the pipeline on every challenge item and return the scorer."""
    for item in items:
        check_item(item)
    scorer = ChallengeScorer(pipeline.lexicon, IdentityRules(ontology_graph()))
    for item in items:
        record = SourceRecord(item["text"], item["line"], "challenge", id=item["id"])
        scorer.score(item, pipeline.extract(record).triples)
    return scorer
