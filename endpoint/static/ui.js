// Start YASGUI on this endpoint with the competency questions as example tabs; ?query= opens a tab too.
(function () {
  "use strict";
  const endpoint = new URL(document.getElementById("endpoint-url").dataset.endpoint, window.location.href).href;
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const asked = new URLSearchParams(window.location.search).get("query");
  // No persistence: every visit starts from the examples, so they never go stale after a rebuild.
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: examples.length === 0 && !asked,
  });

  function openTab(name, query, active) {
    return yasgui.addTab(active, { name: name, yasqe: { value: query }, requestConfig: { endpoint: endpoint } });
  }

  // Each example opens with its question in English and Persian as comments above the query.
  function exampleText(example) {
    return "# " + example.question_en + "\n# " + example.question_fa + "\n" + example.query;
  }
  examples.forEach(function (example, index) { openTab(example.title, exampleText(example), index === 0 && !asked); });
  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      const example = examples[Number(link.dataset.index)];
      openTab(example.title, exampleText(example), true);
    });
  });
  if (asked) {
    openTab("Query", asked, true).query();
  }
  window.cdkgYasgui = yasgui;
})();
