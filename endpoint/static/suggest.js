// Suggest resources by name while typing in a search box (input[data-suggest]): the search API with prefix
// matching fills a datalist; picking a suggestion opens that resource's page.
(function () {
  "use strict";
  const DELAY_MS = 150;
  document.querySelectorAll("input[data-suggest]").forEach(function (input, index) {
    const list = document.createElement("datalist");
    list.id = "suggestions-" + index;
    input.setAttribute("list", list.id);
    input.after(list);
    const pages = new Map();
    let timer = null;
    let pending = null;
    input.addEventListener("input", function () {
      const picked = pages.get(input.value);
      if (picked) {
        window.location.href = picked;
        return;
      }
      window.clearTimeout(timer);
      const words = input.value.trim();
      if (words.length < 2) {
        return;
      }
      timer = window.setTimeout(function () {
        if (pending) {
          pending.abort();
        }
        pending = new AbortController();
        const url = input.dataset.suggest + "?prefix=1&limit=8&q=" + encodeURIComponent(words);
        fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { hits: [] }; })
          .then(function (answer) {
            list.replaceChildren();
            pages.clear();
            answer.hits.forEach(function (hit) {
              const name = [hit.labels.en, hit.labels.fa].filter(Boolean).join(" · ") || hit.text;
              if (pages.has(name)) {
                return;
              }
              pages.set(name, hit.href);
              const option = document.createElement("option");
              option.value = name;
              list.append(option);
            });
          })
          .catch(function () { /* a newer request replaced this one */ });
      }, DELAY_MS);
    });
  });
})();
