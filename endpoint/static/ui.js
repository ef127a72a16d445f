// Start YASGUI on this endpoint: stock persistence and share links, the project's prefixes declared in new tabs,
// KG IRIs linking to this site's pages, result cells that take the direction of their own text, examples in a
// filterable list, and a status line with the elapsed time and a Cancel button while a query runs.
(function () {
  "use strict";
  const holder = document.getElementById("endpoint-url");
  const endpoint = new URL(holder.dataset.endpoint, window.location.href).href;
  const iriBase = holder.dataset.iriBase;
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  const asked = new URLSearchParams(window.location.search).get("query");
  const DECLARED = ["cdo", "cdc", "cdr", "cdg", "cds", "schema", "rdfs", "skos", "owl", "xsd"];
  const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

  const prologue = DECLARED.filter(function (name) { return prefixes[name]; })
    .map(function (name) { return "PREFIX " + name + ": <" + prefixes[name] + ">"; }).join("\n");
  const firstQuery = prologue + "\n\nSELECT ?thing ?label WHERE {\n  ?thing rdfs:label ?label\n}\nLIMIT 20\n";

  function localHref(iri) {
    return iri.indexOf(iriBase) === 0 ? "/" + iri.slice(iriBase.length) : iri;
  }

  // KG IRIs open this site's page for them, in the same tab; the IRI itself stays readable as the title.
  const Table = Yasgui.Yasr.plugins.table;
  Table.defaults.openIriInNewWindow = false;
  const linkOf = Table.prototype.getUriLinkFromBinding;
  Table.prototype.getUriLinkFromBinding = function (binding, known) {
    const html = linkOf.call(this, binding, known);
    if (binding.value.indexOf(iriBase) !== 0) {
      return html;
    }
    const box = document.createElement("template");
    box.innerHTML = html;
    const link = box.content.querySelector("a");
    if (link) {
      link.setAttribute("href", localHref(binding.value));
      link.setAttribute("title", binding.value);
      link.removeAttribute("target");
    }
    return box.innerHTML;
  };
  // Each cell takes the direction of its own text; a literal's text is isolated from its quotes and language tag.
  const cellOf = Table.prototype.getCellContent;
  Table.prototype.getCellContent = function (binding, known) {
    return cellOf.call(this, binding, known).replace(/^<div>/, '<div dir="auto">');
  };
  const literalOf = Table.prototype.formatLiteral;
  Table.prototype.formatLiteral = function (binding, known) {
    const html = literalOf.call(this, binding, known);
    const lang = binding["xml:lang"];
    const attributes = lang && LANGUAGE_TAG.test(lang) ? ' lang="' + lang + '" dir="auto"' : ' dir="auto"';
    const quoted = /^"([\s\S]*)"(<sup>[\s\S]*)$/.exec(html);
    return quoted ? '"<bdi' + attributes + ">" + quoted[1] + '</bdi>"' + quoted[2] : "<bdi" + attributes + ">" + html + "</bdi>";
  };

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    yasqe: { value: firstQuery, prefixCcApi: holder.dataset.prefixesUrl },
    yasr: { prefixes: prefixes },
  });

  function openTab(name, query) {
    return yasgui.addTab(true, { name: name, yasqe: { value: query }, requestConfig: { endpoint: endpoint } });
  }

  // Each example opens in a tab of its own with its question in English and Persian as comments, and runs.
  function exampleText(example) {
    return "# " + example.question_en + "\n# " + example.question_fa + "\n" + example.query;
  }
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      const example = examples[Number(button.dataset.index)];
      openTab(example.title, exampleText(example)).query();
    });
  });
  const filter = document.getElementById("example-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      document.querySelectorAll("#examples-list li").forEach(function (item) {
        item.hidden = !words.every(function (word) { return item.dataset.text.indexOf(word) >= 0; });
      });
    });
  }

  // While a query runs: the elapsed time and a Cancel button; then how long the answer took.
  const status = document.getElementById("query-status");
  let timer = null;
  let cancelled = false;
  function stopTimer() {
    window.clearInterval(timer);
    timer = null;
  }
  yasgui.on("query", function (_, tab) {
    const started = performance.now();
    stopTimer();
    cancelled = false;
    status.textContent = "";
    const elapsed = document.createElement("span");
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "cancel";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function () {
      cancelled = true;
      stopTimer();
      tab.getYasqe().abortQuery();
      status.textContent = "Cancelled.";
    });
    status.append(elapsed, " ", cancel);
    const tick = function () { elapsed.textContent = "Running… " + ((performance.now() - started) / 1000).toFixed(1) + " s"; };
    tick();
    timer = window.setInterval(tick, 100);
    status.dataset.started = String(started);
  });
  yasgui.on("queryResponse", function () {
    if (cancelled) {
      return;
    }
    const took = performance.now() - Number(status.dataset.started);
    stopTimer();
    status.textContent = "Answered in " + (took < 1000 ? Math.round(took) + " ms" : (took / 1000).toFixed(1) + " s");
  });

  // "Why is this row here?": each result row's number links to the explanation of its bindings.
  function addWhyLinks() {
    const tab = yasgui.getTab();
    const yasr = tab && tab.getYasr();
    const bindings = yasr && yasr.results && yasr.results.getBindings ? yasr.results.getBindings() : null;
    if (!bindings) {
      return;
    }
    document.querySelectorAll("#yasgui .yasr table.dataTable tbody tr").forEach(function (row) {
      const first = row.querySelector("td");
      const index = first ? Number(first.textContent.trim()) - 1 : -1;
      if (!first || first.querySelector("a.why") || !(index >= 0 && index < bindings.length)) {
        return;
      }
      const link = document.createElement("a");
      link.className = "why";
      link.href = holder.dataset.whyUrl + "?row=" + encodeURIComponent(JSON.stringify(bindings[index]));
      link.textContent = "why?";
      link.title = "Why is this row here? The triples, graphs and reports behind it";
      first.append(" ", link);
    });
  }
  // YASGUI puts its "+" button inside the tab list (where only tabs belong) and leaves fields unnamed: screen
  // readers get the "New query tab" button above instead, and names for the fields.
  function tidyForAssistiveTechnology() {
    document.querySelectorAll("#yasgui .tabsList .addTab:not([aria-hidden])").forEach(function (adder) {
      adder.setAttribute("aria-hidden", "true");
      adder.tabIndex = -1;
      adder.parentElement.setAttribute("aria-hidden", "true");
    });
    document.querySelectorAll("#yasgui input.autocomplete:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", "SPARQL endpoint URL");
    });
    document.querySelectorAll("#yasgui .CodeMirror textarea:not([aria-label])").forEach(function (area) {
      area.setAttribute("aria-label", "SPARQL query");
    });
    document.querySelectorAll("#yasgui .tabsList input:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", "Tab name");
    });
  }
  new MutationObserver(function () {
    tidyForAssistiveTechnology();
    addWhyLinks();
  }).observe(document.getElementById("yasgui"), { childList: true, subtree: true });
  tidyForAssistiveTechnology();  // YASGUI drew its first tab before the observer existed

  document.getElementById("new-tab").addEventListener("click", function () { yasgui.addTab(true); });

  // A ?query= link (entity pages, share links) opens that query, as stock YASGUI does, and runs it.
  if (asked) {
    yasgui.getTab().query();
  }
  window.cdkgYasgui = yasgui;
})();
