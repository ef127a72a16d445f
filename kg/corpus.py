"""Generate a synthetic corpus of Persian city-diplomacy statements from the gazetteer and phrase patterns."""
import json
import random
from dataclasses import dataclass
from pathlib import Path

from cdkg.kg.dump import named_node
from cdkg.ontology.namespaces import CDC, CDO, ID, RDF, SKOS

IRAN = ID["place/iran"]
COOPERATION_DOMAINS = CDC["cooperation-domains"]
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

# Phrase patterns in the register of Iranian municipal news. Slots: {city}/{city2}/{city3} Iranian cities,
# {foreign} a foreign city, {country} a country, {network} an international body, {d1}..{d3} domains,
# {role} a municipal post.
PATTERNS = (
    "{role} {city} گفت: گسترش همکاری‌های {d1} با شهرهای {country} در اولویت مدیریت شهری قرار دارد.",
    "تفاهم‌نامه همکاری میان شهرداری {city} و شهرداری {foreign} در حوزه‌های {d1}، {d2} و {d3} امضا شد.",
    "پیمان خواهرخواندگی بین {city} و {foreign} {status}.",
    "شهردار {city} در دیدار با سفیر {country} در تهران بر گسترش همکاری‌های {d1} میان {city} و {foreign} تأکید کرد.",
    "انتخاب {city} به‌عنوان پایتخت {d1} {network} گامی در مسیر تحقق دیپلماسی شهری است.",
    "شهرداری {city} به عضویت {network} درآمد و {role} {city} این عضویت را فرصتی برای همکاری‌های {d1} دانست.",
    "هیئتی از شهرداری {foreign} برای بررسی همکاری‌های {d1} و {d2} به {city} سفر کرد.",
    "قرار است توافقنامه همکاری بین شهرداری {city} و شهرداری {foreign} در زمینه {d1} منعقد شود.",
    "{role} {city} گفت: {city} و {foreign} می‌توانند در حوزه‌های {d1} و {d2} با یکدیگر همکاری کنند.",
    "شهردار {city} گفت: با وجود مشکلات مالی، پروژه‌های عمرانی شهر متوقف نشده و در حال انجام است.",
    "توافقنامه همکاری میان شهرداری‌های {city}، {city2} و {city3} در زمینه {d1} به امضا رسید.",
    "سخنگوی وزارت امور خارجه گفت: وزارت امور خارجه از توسعه ارتباط {city} با شهرهای {country} حمایت می‌کند.",
    "رئیس شورای اسلامی شهر {city} در دیدار با شهردار {foreign} بر توسعه دیپلماسی شهری و همکاری‌های {d1} تأکید کرد.",
    "معاون شهردار {city} گفت: شهرداری {city} در زمینه دیپلماسی شهری با {network} همکاری می‌کند.",
)
ROLES = ("شهردار", "معاون شهردار", "سخنگوی شهرداری", "رئیس شورای اسلامی شهر")
STATUSES = ("امضا شد", "منعقد شد", "قرار است امضا شود", "به امضا رسید")
PUBLISHERS = ("ایرنا", "ایسنا", "همشهری آنلاین", "خبرگزاری مهر", "تسنیم")


@dataclass(frozen=True)
class Vocabulary:
    """The Persian names the patterns are filled with, drawn from the gazetteer and the concept scheme."""

    iranian_cities: tuple
    foreign_cities: tuple
    countries: tuple
    networks: tuple
    domains: tuple

    @classmethod
    def from_graphs(cls, reference, ontology):
        """Collect the Persian preferred labels of each kind of entity, sorted so a seed always means the same.

        reference is the gazetteer's Oxigraph store, ontology an rdflib graph of the ontology and concepts.
        """
        def typed(cls_iri):
            return {q.subject for q in reference.quads_for_pattern(None, named_node(str(RDF.type)),
                                                                   named_node(str(cls_iri)))}

        def labels(entities):
            return tuple(sorted({q.object.value for entity in entities
                                 for q in reference.quads_for_pattern(entity, named_node(str(SKOS.prefLabel)), None)
                                 if q.object.language == "fa"}))

        cities = typed(CDO.City)
        iran = named_node(str(IRAN))
        iranian = {c for c in cities if any(reference.quads_for_pattern(c, named_node(str(CDO.country)), iran))}
        domains = set(ontology.subjects(RDF.type, CDO.CooperationDomain))
        domains |= set(ontology.subjects(SKOS.inScheme, COOPERATION_DOMAINS))
        domain_labels = tuple(sorted({str(label) for domain in domains
                                      for label in ontology.objects(domain, SKOS.prefLabel) if label.language == "fa"}))
        vocabulary = cls(labels(iranian), labels(cities - iranian), labels(typed(CDO.Country)),
                         labels(typed(CDO.InternationalOrganization) | typed(CDO.CityNetwork)), domain_labels)
        empty = [name for name, value in vars(vocabulary).items() if not value]
        if empty:
            raise ValueError(f"the gazetteer or concept scheme has no Persian labels for: {', '.join(empty)}")
        return vocabulary


def statements(vocabulary, count, seed):
    """Yield count statements, the same ones for the same seed and vocabulary."""
    rng = random.Random(seed)
    for _ in range(count):
        city, city2, city3 = rng.sample(vocabulary.iranian_cities, 3)
        d1, d2, d3 = rng.sample(vocabulary.domains, 3)
        yield rng.choice(PATTERNS).format(
            city=city, city2=city2, city3=city3, foreign=rng.choice(vocabulary.foreign_cities),
            country=rng.choice(vocabulary.countries), network=rng.choice(vocabulary.networks),
            d1=d1, d2=d2, d3=d3, role=rng.choice(ROLES), status=rng.choice(STATUSES),
        )


def json_lines(texts, seed):
    """Yield JSON Lines records around the texts, with Solar Hijri dates in Persian or Latin digits."""
    rng = random.Random(seed)
    for number, text in enumerate(texts, start=1):
        day = f"{rng.randint(1395, 1403)}/{rng.randint(1, 12):02d}/{rng.randint(1, 29):02d}"
        record = {
            "id": f"synthetic-{number}", "text": text,
            "date": day.translate(_PERSIAN_DIGITS) if rng.random() < 0.5 else day.replace("/", "-"),
            "url": f"https://news.example/{seed}/{number}", "publisher": rng.choice(PUBLISHERS),
        }
        yield json.dumps(record, ensure_ascii=False)


def write_corpus(path, count, seed, reference=None, ontology=None):
    """Write a synthetic corpus to path: plain text, or JSON Lines when the name ends in .jsonl."""
    if reference is None or ontology is None:
        from cdkg.kg.gazetteer import load_reference_store
        from cdkg.ontology import ontology_graph

        reference, ontology = load_reference_store(), ontology_graph()
    texts = statements(Vocabulary.from_graphs(reference, ontology), count, seed)
    lines = json_lines(texts, seed) if str(path).endswith(".jsonl") else texts
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")
