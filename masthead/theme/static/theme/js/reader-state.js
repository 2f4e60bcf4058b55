// Per-reader bits of a page that is the same for everyone (and so cacheable):
// asks /reader/state.json who the reader is, once per page load, and
//  - shares the answer with other scripts: window.masthead.readerState (a
//    Promise) and a "masthead:reader-state" event on document;
//  - turns the header's "Sign in" link into "Your account" for a signed-in
//    reader, and otherwise makes it come back to this page after signing in;
//  - for staff, puts an "Edit" link by each article's headline, including
//    articles appended later by continue-reading.
// The session cookie is HttpOnly, so the script cannot tell a signed-in reader
// from an anonymous one itself; for anonymous readers the answer is constant
// and served without touching the database.
(() => {
  "use strict";
  const script = document.currentScript;
  const url = (script && script.dataset.stateUrl) || "/reader/state.json";

  const state = fetch(url, {
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json" },
  })
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null);

  window.masthead = window.masthead || {};
  window.masthead.readerState = state;

  function addEditLink(story, template) {
    const id = story.dataset.articleId;
    const eyebrow = story.querySelector(".story__section");
    if (!id || !eyebrow || eyebrow.querySelector("[data-edit-link]")) return;
    const link = document.createElement("a");
    link.href = template.replace("{id}", encodeURIComponent(id));
    link.textContent = "Edit";
    link.dataset.editLink = "";
    eyebrow.append(" · ", link);
  }

  function updateAccountLink(reader) {
    for (const link of document.querySelectorAll("[data-account-link]")) {
      if (reader.signed_in && reader.account_url) {
        link.href = reader.account_url;
        link.textContent = link.dataset.signedInText || "Your account";
      } else if (!reader.signed_in && !location.pathname.startsWith("/reader/")) {
        const next = location.pathname + location.search;
        const target = new URL(link.href, location.href);
        target.searchParams.set("next", next);
        link.href = target.pathname + target.search;
      }
    }
  }

  state.then((reader) => {
    if (!reader) return;
    document.documentElement.dataset.signedIn = String(Boolean(reader.signed_in));
    updateAccountLink(reader);
    document.dispatchEvent(new CustomEvent("masthead:reader-state", { detail: reader }));
    const template = reader.is_staff && reader.edit_url_template;
    if (!template) return;
    for (const story of document.querySelectorAll("article.story")) addEditLink(story, template);
    document.addEventListener("masthead:story-added", (event) => {
      const story = event.target.closest ? event.target.closest("article.story") : null;
      if (story) addEditLink(story, template);
    });
  });
})();
