"""A real headless Chromium loads the query UI, runs a query, sees the result table and opens an entity page."""
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import sync_playwright

from tests.endpoint_support import build_kg_dir, running_server
from cdkg.ontology.namespaces import ID, RDFS
from cdkg.ontology.queries import load_queries

CHROMIUM = "/usr/bin/chromium"
# Closed network, running as root: no sandbox, no background traffic, no first-run work.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
VENDOR = Path(__file__).parents[1] / "endpoint" / "static" / "vendor" / "yasgui.min.js"
LABELS = f"SELECT ?city ?label WHERE {{ ?city a ?type ; <{RDFS.label}> ?label }} ORDER BY ?label"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Run one real server over the fixture KG."""
    assert VENDOR.is_file(), "the query UI is not vendored: run `make ui`"
    with running_server(build_kg_dir(tmp_path_factory.mktemp("kg"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Launch the system Chromium headless (no browser download)."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """Open a page that records console errors (CSP violations among them)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    context.close()


def test_ui_runs_a_query_and_shows_the_table(base, page):
    page.goto(base + "?query=" + quote(LABELS))
    cell = page.locator(".yasr table td", has_text="شیراز").first
    cell.wait_for(timeout=20000)
    assert page.locator(".yasr table td", has_text="Doha").count() >= 1
    assert cell.evaluate("element => getComputedStyle(element).unicodeBidi") == "plaintext"
    assert page.locator(".yasgui .tabsList .tab").count() == 1  # the asked query; the examples are a list
    page.screenshot(path=str(ARTIFACTS / "endpoint-ui.png"), full_page=True)
    assert page.console_errors == []


def test_ui_opens_an_entity_page(base, page):
    page.goto(base + "id/place/shiraz")
    heading = page.locator("h1 span[lang=fa]")
    assert heading.inner_text() == "شیراز"
    assert heading.evaluate("element => getComputedStyle(element).direction") == "rtl"
    statement = page.locator("blockquote.statement").first
    assert statement.evaluate("element => getComputedStyle(element).direction") == "rtl"
    page.screenshot(path=str(ARTIFACTS / "endpoint-entity.png"), full_page=True)
    page.locator("a", has_text="query about it").click()
    page.locator(".yasr table td a.iri[href='/id/place/iran']").first.wait_for(timeout=20000)
    assert page.console_errors == []


def test_ui_opens_with_the_competency_questions(base, page):
    first = load_queries()[0]
    page.goto(base)
    page.locator(".yasqe .CodeMirror-code").wait_for(timeout=20000)
    assert first.question_fa in page.locator("#examples-list").text_content()  # listed, collapsed
    page.locator(".yasqe_queryButton").click()
    page.locator(".yasr .dataTable, .yasr table").first.wait_for(timeout=20000)
    page.screenshot(path=str(ARTIFACTS / "endpoint-examples.png"), full_page=True)
    assert page.console_errors == []
