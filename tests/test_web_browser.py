"""What a person sees, in a real headless Chromium (Debian's), at 1366x900 and 390x844: the issue-15 paths."""
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import sync_playwright

from cdkg.ontology.namespaces import BASE, CDO, ID, RDFS
from tests.web_support import evidence_server, seed_kg, seed_server  # noqa: F401 (fixtures)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).parents[1] / "endpoint" / "ui" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LABELS = f"SELECT ?thing ?label WHERE {{ ?thing <{RDFS.label}> ?label FILTER(?thing = <{ID['place/shiraz']}>) }}"
STATEMENT = "id/statement/209e252f25bc5fa0"
# The pages of the paths: the query UI, an entity, a fact, a statement, search, why, the playground, 404.
PAGES = {
    "ui": "",
    "entity": "id/place/shiraz",
    "agreement": "id/statement/209e252f25bc5fa0/agreement-1",
    "statement": STATEMENT,
    "search": "search?q=" + quote("شیراز"),
    "why": "why?row=" + quote(json.dumps({"a": {"type": "uri", "value": str(ID["place/shiraz"])},
                                          "b": {"type": "literal", "value": "Shiraz", "xml:lang": "en"}})),
    "extract": "extract?text=" + quote("شهرداری شیراز و شهرداری نوویساد تفاهم‌نامه همکاری فرهنگی امضا کردند."),
    "not-found": "id/place/atlantis",
    "void": ".well-known/void",
}
PERSIAN = re.compile("[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def browser():
    """Launch the system Chromium headless (no browser download)."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """Open pages in fresh browser contexts (no storage shared) that record console errors."""
    contexts = []

    def opener(size="desktop", **options):
        context = browser.new_context(viewport=WIDTHS[size], **options)
        contexts.append(context)
        tab = context.new_page()
        tab.console_errors = []
        tab.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
        tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
        return tab

    yield opener
    for context in contexts:
        context.close()


def editor_value(page):
    """Return the text of the active tab's query editor."""
    return page.evaluate("document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()")


def set_editor(page, text):
    """Replace the text of the active tab's query editor."""
    page.evaluate("text => document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.setValue(text)", text)


def test_result_iris_open_the_local_page(seed_server, open_page):
    page = open_page()
    page.goto(seed_server + "?query=" + quote(LABELS))
    link = page.locator(".yasr table td a.iri").first
    link.wait_for(timeout=20000)
    assert link.get_attribute("href") == "/id/place/shiraz" and link.get_attribute("target") is None
    assert link.get_attribute("title") == str(ID["place/shiraz"])
    link.click()
    page.wait_for_url(seed_server + "id/place/shiraz")
    assert page.locator("h1 span[lang=fa]").inner_text() == "شیراز"
    assert page.console_errors == []


def test_result_cells_take_the_direction_of_their_own_text(seed_server, open_page):
    page = open_page()
    page.goto(seed_server + "?query=" + quote(LABELS))
    persian = page.locator(".yasr table td bdi[lang=fa]", has_text="شیراز").first
    persian.wait_for(timeout=20000)
    english = page.locator(".yasr table td bdi[lang=en]", has_text="Shiraz").first
    assert persian.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert persian.evaluate("e => e.closest('div').getAttribute('dir')") == "auto"
    # the language tag stays after the closing quote: "شیراز"@fa
    assert persian.evaluate("e => e.parentElement.textContent.trim()") == '"شیراز"@fa'


def test_new_tabs_declare_the_project_prefixes_and_schema_over_https(seed_server, open_page):
    page = open_page()
    page.goto(seed_server)
    page.locator(".yasqe .CodeMirror").wait_for(timeout=20000)
    page.locator(".yasgui .addTab").click()
    text = editor_value(page)
    for prefix in ("cdo", "cdc", "cdr", "cdg"):
        assert f"PREFIX {prefix}: <https://w3id.org/citydiplomacy/" in text
    assert "PREFIX schema: <https://schema.org/>" in text and "?sub ?pred ?obj" not in text
    set_editor(page, text.split("SELECT")[0] + "SELECT ?city WHERE { ?city a schema:City } LIMIT 5")
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    page.locator(".tabPanel.active .yasr table td a.iri").first.wait_for(timeout=20000)


def test_an_undeclared_prefix_is_explained_in_the_ui(seed_server, open_page):
    page = open_page()
    page.goto(seed_server + "?query=" + quote("SELECT * WHERE { ?s a cdo:City }"))
    page.locator(".yasr", has_text="unknown prefix cdo:").wait_for(timeout=20000)
    assert "Unicode" not in page.locator(".yasr").inner_text() and "\\u{" not in page.locator(".yasr").inner_text()


def test_a_share_link_opens_the_shared_query_and_edits_survive_a_reload(seed_server, open_page):
    page = open_page()
    page.goto(seed_server)
    page.locator(".yasqe .CodeMirror").wait_for(timeout=20000)
    shared = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 # shared with a colleague"
    set_editor(page, shared)
    page.locator(".tabPanel.active .yasqe_share").click()
    link = page.locator("[class*=share] input").first.input_value()
    other = open_page()
    other.goto(link)
    other.locator(".yasqe .CodeMirror").wait_for(timeout=20000)
    assert editor_value(other) == shared
    page.goto(seed_server)  # the same browser reloads: the edit is kept (stock YASGUI persistence)
    page.locator(".yasqe .CodeMirror").wait_for(timeout=20000)
    assert editor_value(page) == shared


def test_examples_are_a_filterable_list_not_tabs(seed_server, open_page):
    page = open_page()
    page.goto(seed_server)
    page.locator(".yasqe .CodeMirror").wait_for(timeout=20000)
    assert page.locator(".yasgui .tabsList .tab").count() == 1
    page.locator("#examples-list summary").click()
    examples = page.locator("#examples-list li")
    assert examples.count() >= 15
    page.fill("#example-filter", "shiraz municipality")
    visible = page.locator("#examples-list li:not([hidden])")
    assert 1 <= visible.count() < examples.count()
    visible.first.locator("button").click()
    page.locator(".tabPanel.active .yasr table td a.iri").first.wait_for(timeout=20000)  # it ran, with rows
    assert page.locator(".yasgui .tabsList .tab").count() == 2 and "shiraz" in editor_value(page).lower()


def test_a_running_query_shows_its_time_and_can_be_cancelled(seed_server, open_page):
    page = open_page()
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    page.goto(seed_server)
    page.locator(".yasqe .CodeMirror").wait_for(timeout=20000)
    set_editor(page, slow)
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    status = page.locator("#query-status")
    status.locator("text=Running…").wait_for(timeout=5000)
    page.wait_for_timeout(400)
    assert re.search(r"Running… \d+\.\d s", status.inner_text())
    status.locator("button", has_text="Cancel").click()
    status.locator("text=Cancelled.").wait_for(timeout=5000)


def test_why_is_this_row_here_opens_the_reports_behind_a_row(seed_server, open_page):
    page = open_page()
    query = ("PREFIX cdo: <https://w3id.org/citydiplomacy/ontology#> SELECT ?agreement ?party WHERE { "
             "?agreement a cdo:CooperationAgreement ; cdo:party ?party }")
    page.goto(seed_server + "?query=" + quote(query))
    why = page.locator(".yasr table a.why").first
    why.wait_for(timeout=20000)
    why.click()
    page.locator("h1", has_text="Why is this row here?").wait_for()
    assert page.locator("a.graph[href='/graph/statement/209e252f25bc5fa0']").count() >= 1
    assert "نوویساد" in page.locator("blockquote.statement").first.inner_text()


def test_a_statement_page_links_the_phrases_of_its_sentence(seed_server, open_page):
    page = open_page()
    page.goto(seed_server + STATEMENT)
    phrase = page.locator(".sentence-text .phrase", has_text="نوویساد").last
    assert phrase.locator(":scope > a").get_attribute("href") == "/id/place/novi-sad"
    assert page.locator(".sentence-text").evaluate("e => getComputedStyle(e).direction") == "rtl"


def evidence_of_the_statement(base):
    """Return the one statement of a KG, its text (nif:isString), its phrases {(begin, end): [IRIs produced]} and
    the IRIs it mentions that no fact uses, as SPARQL gives them."""
    nif, prov = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#", "http://www.w3.org/ns/prov#"
    found = sparql_rows(base, f"""SELECT ?s ?text ?b ?e ?x ?fact WHERE {{ ?s a <{CDO.Statement}> ; <{nif}isString> ?text .
        ?phrase <{nif}referenceContext> ?s ; <{nif}beginIndex> ?b ; <{nif}endIndex> ?e .
        OPTIONAL {{ ?phrase <http://www.w3.org/2005/11/its/rdf#taIdentRef> ?x }}
        OPTIONAL {{ ?fact <{prov}wasDerivedFrom> ?phrase }} }}""")
    phrases = {}
    for row in found:
        produced = phrases.setdefault((int(row["b"]["value"]), int(row["e"]["value"])), {"entities": [], "facts": []})
        for name, kind in (("x", "entities"), ("fact", "facts")):
            if name in row and row[name]["value"] not in produced[kind]:
                produced[kind].append(row[name]["value"])
    unused = {row["x"]["value"] for row in sparql_rows(base, f"""SELECT ?x WHERE {{ ?s a <{CDO.Statement}> ;
        <{CDO.mentions}> ?x FILTER NOT EXISTS {{ ?s <{CDO.reports}> ?fact . ?fact ?p ?x }} }}""")}
    return found[0]["s"]["value"], found[0]["text"]["value"], phrases, unused


def test_the_sentence_view_marks_exactly_the_characters_of_the_evidence(evidence_server, open_page):
    statement, text, phrases, unused = evidence_of_the_statement(evidence_server)
    shiraz = [span for span, produced in phrases.items() if str(ID["place/shiraz"]) in produced["entities"]]
    # The case a search for labels gets wrong: the name occurs more often than it was recognised, and ZWNJs count.
    assert text.count(text[slice(*shiraz[0])]) > len(shiraz) and "\u200c" in text
    page = open_page()
    page.goto(evidence_server + local(statement))
    shown = page.eval_on_selector_all(".sentence-text .phrase", """spans => spans.map(span => [
        +span.dataset.begin, +span.dataset.end, span.textContent,
        (span.querySelector(':scope > a') || {getAttribute: () => null}).getAttribute('href')])""")
    assert sorted((begin, end) for begin, end, _, _ in shown) == sorted(phrases)
    for begin, end, characters, href in shown:
        assert characters == text[begin:end]
        produced = phrases[(begin, end)]
        assert href == local((produced["entities"] + produced["facts"])[0]), (characters, href)
    assert page.locator(".sentence-text").inner_text().strip() == text.strip()
    assert unused, "the sentence mentions a city no fact uses"
    listed = page.locator("p", has_text="Recognised but not used").locator("a")
    assert {listed.nth(i).get_attribute("href") for i in range(listed.count())} == {local(x) for x in unused}


def local(iri):
    """Return the local path of a KG IRI."""
    return "/" + iri.removeprefix(BASE)


def sparql_rows(base, query):
    """Return the bindings of a SELECT sent to the server."""
    response = requests.post(base + "sparql", data={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_the_playground_extracts_without_storing(seed_server, open_page):
    page = open_page()
    page.goto(seed_server + "extract")
    sentence = "شهرداری تبریز و شهرداری قونیه تفاهم‌نامه همکاری گردشگری امضا کردند."
    page.fill("#text", sentence)
    page.locator("form.extract button").click()
    page.locator(".verdict").wait_for(timeout=60000)
    assert "Conforms" in page.locator(".verdict").inner_text()
    assert page.locator("td", has_text="تبریز").count() >= 1 and page.locator("text=fired").count() >= 1
    search = open_page()
    search.goto(seed_server + "search?q=" + quote("قونیه"))
    assert search.locator("ol.hits li").count() == 0  # nothing was stored


def test_persian_text_is_marked_as_persian_on_every_page(seed_server, open_page):
    page = open_page()
    for name, path in PAGES.items():
        if name == "ui":
            continue
        page.goto(seed_server + path)
        unmarked = unmarked_persian(page)
        assert unmarked == [], (name, unmarked[:5])


def unmarked_persian(page):
    """Return the Persian texts of the page that no lang="fa" element holds (but code and form fields)."""
    return page.evaluate("""pattern => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const found = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const owner = node.parentElement.closest('[lang]');
            if (new RegExp(pattern).test(node.textContent) && !(owner && owner.lang.startsWith('fa'))
                && !node.parentElement.closest('code, textarea, input, option, pre'))
                found.push(node.textContent.trim().slice(0, 40));
        }
        return found;
    }""", PERSIAN.pattern)


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_pages_fit_the_screen_and_are_screenshotted(seed_server, open_page, size):
    page = open_page(size)
    for name, path in PAGES.items():
        page.goto(seed_server + path)
        if name == "ui":
            page.locator(".yasqe .CodeMirror").wait_for(timeout=20000)
        wide = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"web-{name}-{size}.png"), full_page=True)
        assert wide <= WIDTHS[size]["width"], (name, wide)


def test_no_serious_accessibility_violations(seed_server, open_page):
    assert AXE.is_file(), "axe-core is not installed: run `make ui`"
    page = open_page(bypass_csp=True)
    found = {}
    for name, path in {**PAGES, "ontology": "ontology"}.items():
        page.goto(seed_server + path)
        if name == "ui":
            page.locator(".yasqe .CodeMirror").wait_for(timeout=20000)
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in result["violations"]
                   if v["impact"] in ("serious", "critical")]
        if serious:
            found[name] = serious
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_header_search_suggests_names_and_opens_the_one_picked(seed_server, open_page):
    page = open_page()
    page.goto(seed_server + "id/place/shiraz")
    page.locator("#site-q").press_sequentially("نووی سا", delay=30)
    option = page.locator("#site-q + datalist option[value*='Novi Sad']").first
    option.wait_for(state="attached", timeout=10000)
    page.fill("#site-q", option.get_attribute("value"))  # what choosing the suggestion does to the box
    page.wait_for_url(seed_server + "id/place/novi-sad")


def test_on_a_phone_the_editor_starts_on_the_first_screen(seed_server, open_page):
    page = open_page("phone")
    page.goto(seed_server)
    editor = page.locator(".yasqe .CodeMirror")
    editor.wait_for(timeout=20000)
    # the examples no longer fill four rows of tabs above it: its first lines show without scrolling
    assert editor.bounding_box()["y"] + 120 < WIDTHS["phone"]["height"]


def test_the_ontology_page_marks_persian_and_its_links_land_on_their_terms(seed_server, open_page):
    page = open_page()
    page.goto(seed_server + "ontology")
    assert page.evaluate("document.documentElement.lang") == "en"
    # Persian words quoted in an English definition are English text; a Persian text carries its language.
    assert [text for text in unmarked_persian(page) if not re.search("[A-Za-z]", text)] == []
    page.locator("a[href='#City']").first.click()
    assert page.evaluate("location.hash") == "#City"
    assert page.locator("#City code").first.inner_text() == "https://w3id.org/citydiplomacy/ontology#City"
    assert page.locator("#City h3 span[lang=fa]").inner_text() == "شهر"
