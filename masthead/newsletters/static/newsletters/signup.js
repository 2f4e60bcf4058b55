// Newsletter signup boxes (sidebar, after each article, the signup page):
//  - sends the form by fetch and shows the answer inside it, instead of a new page;
//  - for a signed-in reader with an address (window.masthead.readerState), hides
//    the email field: the server subscribes the account's own address at once.
// Without this script the forms post normally and the server answers with a page.
// Article boxes appended later by continue-reading are handled too: submits are
// caught on the document, and new boxes are adjusted on "masthead:story-added".
(() => {
  "use strict";
  if (window.mastheadNewsletterSignup) return;
  window.mastheadNewsletterSignup = true;

  const FORMS = "form[data-newsletter-signup]";
  const readerState = (window.masthead && window.masthead.readerState) || Promise.resolve(null);
  let reader = null;

  function status(form, message, isError) {
    const out = form.querySelector("[data-signup-status]");
    if (!out) return;
    out.textContent = message;
    out.classList.toggle("newsletter-signup__status--error", Boolean(isError));
    out.setAttribute("role", isError ? "alert" : "status");
  }

  function forSignedIn(form) {
    if (!reader || !reader.signed_in || !reader.email) return;
    const field = form.querySelector("[data-signup-email]");
    if (field && !field.hidden) {
      field.hidden = true;
      const input = field.querySelector("input");
      if (input) input.required = false;
      const note = form.querySelector("[data-signup-note]");
      if (note) note.textContent = "Sent to " + reader.email + ", the address of your account.";
    }
  }

  function problemMessage(body) {
    if (!body) return "Something went wrong. Please try again.";
    if (Array.isArray(body.errors) && body.errors.length) {
      return body.errors.map((error) => error.msg).join(" ");
    }
    return body.detail || "Something went wrong. Please try again.";
  }

  async function submit(form) {
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    status(form, "Sending…", false);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const body = await response.json().catch(() => null);
      if (response.ok) {
        status(form, body && body.message ? body.message : "Thank you.", false);
        const email = form.querySelector("input[name=email]");
        if (email) email.value = "";
      } else {
        status(form, problemMessage(body), true);
      }
    } catch (error) {
      status(form, "We could not reach the site. Please check your connection and try again.", true);
    } finally {
      if (button) button.disabled = false;
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches(FORMS)) return;
    if (!form.querySelector("input[name=newsletters]:checked, input[type=hidden][name=newsletters]")) {
      event.preventDefault();
      status(form, "Please choose at least one newsletter.", true);
      return;
    }
    if (!form.reportValidity()) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    submit(form);
  });

  readerState.then((state) => {
    reader = state;
    for (const form of document.querySelectorAll(FORMS)) forSignedIn(form);
  });
  document.addEventListener("masthead:story-added", (event) => {
    const root = event.target;
    if (!root || !root.querySelectorAll) return;
    for (const form of root.querySelectorAll(FORMS)) forSignedIn(form);
  });
})();
