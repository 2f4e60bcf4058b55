// Comments on article pages: the per-reader half of a section that the page
// cache serves to everyone alike. For each comments section on the page,
// including those of articles appended later by continue-reading, it
//  - fetches a signed form token (a cached form cannot carry one) when the
//    section comes into view or the reader starts writing;
//  - posts comments, votes and edits with fetch and puts the answer in place;
//  - brings vote counts up to date and marks the reader's own votes;
//  - moves the reply form under the comment being answered;
//  - loads more comments and re-sorts them without leaving the page;
//  - hides name and email from signed-in readers (window.masthead.readerState);
//  - offers "Edit" on the reader's own new comments for ten minutes (the edit
//    token the server answered with is kept in localStorage).
// Without this script every link and form still works (masthead/discussion/views.py).
(() => {
  "use strict";
  const EDIT_WINDOW_MS = 10 * 60 * 1000;
  const EDIT_KEY = "masthead-comment-edit:";
  const COMMENTER_KEY = "masthead-commenter";
  const VOTE_BATCH = 200;
  const JSON_HEADERS = { Accept: "application/json", "X-Requested-With": "fetch" };
  const readerState = (window.masthead && window.masthead.readerState) || Promise.resolve(null);

  // ---- storage: edit tokens and the guest's own details ----------------------
  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* private mode or full storage: the feature is simply unavailable */
    }
  }

  function stored(key) {
    try {
      return JSON.parse(localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function editGrant(id) {
    const grant = stored(EDIT_KEY + id);
    if (!grant || typeof grant.token !== "string") return null;
    if (Date.now() - grant.created > EDIT_WINDOW_MS) {
      store(EDIT_KEY + id, null);
      return null;
    }
    return grant;
  }

  function forgetExpiredGrants() {
    try {
      for (let i = localStorage.length - 1; i >= 0; i -= 1) {
        const key = localStorage.key(i);
        if (key && key.startsWith(EDIT_KEY)) editGrant(key.slice(EDIT_KEY.length));
      }
    } catch (error) {
      /* storage unavailable */
    }
  }

  function commentsLabel(count) {
    if (!count) return "Click to comment";
    return count === 1 ? "1 comment" : `${count.toLocaleString("en")} comments`;
  }

  async function send(url, params) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: JSON_HEADERS,
      body: new URLSearchParams(params),
    });
    const data = await response.json().catch(() => null);
    if (!data) throw new Error(`HTTP ${response.status}`);
    return { ok: response.ok, data };
  }

  function fromHTML(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim(); // rendered by our server, every reader-typed character escaped
    return template.content.firstElementChild;
  }

  const whenVisible = new WeakMap();
  const observer =
    "IntersectionObserver" in window
      ? new IntersectionObserver(
          (entries) => {
            for (const entry of entries) {
              if (!entry.isIntersecting) continue;
              observer.unobserve(entry.target);
              const callback = whenVisible.get(entry.target);
              if (callback) callback();
            }
          },
          { rootMargin: "400px 0px" },
        )
      : null;

  // ---- one comments section ---------------------------------------------------
  function setUp(section) {
    if (section.dataset.discussionReady) return;
    section.dataset.discussionReady = "true";
    const list = section.querySelector("[data-comment-list]");
    const form = section.querySelector("[data-comment-form]");
    const status = section.querySelector("[data-discussion-status]");
    const formHome = document.createComment(" the reply form's place ");
    if (form) form.before(formHome);
    let tokenRequest = null;
    let replyLink = null;

    function announce(text) {
      status.textContent = text;
    }

    function fetchToken(force) {
      if (tokenRequest && !force) return tokenRequest;
      tokenRequest = fetch(section.dataset.tokenUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: JSON_HEADERS,
      })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((data) => {
          for (const input of section.querySelectorAll("[data-form-token]")) {
            input.value = data.token;
          }
          if (data.open === false) closeComments();
          return data.token;
        })
        .catch(() => {
          tokenRequest = null; // try again on the next occasion
          return "";
        });
      return tokenRequest;
    }

    function closeComments() {
      for (const element of section.querySelectorAll(
        "[data-comment-form], .discussion__subscribe, [data-reply]",
      )) {
        element.remove();
      }
      if (!section.querySelector(".discussion__closed")) {
        const note = document.createElement("p");
        note.className = "discussion__closed";
        note.textContent = "Comments are closed.";
        section.append(note);
      }
    }

    // -- counts and votes --
    function setCount(count) {
      section.dataset.count = String(count);
      const heading = section.querySelector(".discussion__heading");
      if (heading) heading.textContent = commentsLabel(count);
    }

    function showVotes(id, votes) {
      const item = document.getElementById(`comment-${id}`);
      const voteForm = item && item.querySelector(":scope > .comment__card [data-vote-form]");
      if (!voteForm) return;
      voteForm.querySelector("[data-up]").textContent = votes.up;
      voteForm.querySelector("[data-down]").textContent = votes.down;
      voteForm.querySelector("[value='1']").setAttribute("aria-pressed", String(votes.mine === 1));
      voteForm.querySelector("[value='-1']").setAttribute("aria-pressed", String(votes.mine === -1));
    }

    async function refreshVotes(root) {
      const ids = [...(root || section).querySelectorAll("[data-comment-id]")]
        .filter((item) => item.querySelector("[data-vote-form]"))
        .map((item) => item.dataset.commentId);
      for (let start = 0; start < ids.length; start += VOTE_BATCH) {
        const url = new URL(section.dataset.votesUrl, location.href);
        url.searchParams.set("ids", ids.slice(start, start + VOTE_BATCH).join(","));
        try {
          const response = await fetch(url, {
            credentials: "same-origin",
            cache: "no-store",
            headers: JSON_HEADERS,
          });
          if (!response.ok) return;
          const data = await response.json();
          for (const [id, votes] of Object.entries(data.comments || {})) showVotes(id, votes);
        } catch (error) {
          return; // the numbers from the page stay
        }
      }
    }

    async function vote(voteForm, button) {
      const item = voteForm.closest("[data-comment-id]");
      const pressed = button.getAttribute("aria-pressed") === "true";
      const buttons = voteForm.querySelectorAll("button");
      for (const b of buttons) b.disabled = true;
      try {
        const { ok, data } = await send(voteForm.action, { value: pressed ? "0" : button.value });
        if (!ok) {
          announce(data.message || "Your vote could not be counted.");
          return;
        }
        showVotes(item.dataset.commentId, data);
        announce(pressed ? "Vote withdrawn." : "Vote counted.");
      } catch (error) {
        announce("Your vote could not be sent. Please try again.");
      } finally {
        for (const b of buttons) b.disabled = false;
      }
    }

    // -- replying --
    function startReply(link) {
      if (!form) return;
      const item = link.closest("[data-comment-id]");
      item.querySelector(":scope > .comment__card").after(form);
      form.querySelector("[data-parent]").value = item.dataset.commentId;
      const replying = form.querySelector("[data-replying]");
      replying.querySelector("[data-replying-name]").textContent = item
        .querySelector("[data-author]")
        .textContent.trim();
      replying.hidden = false;
      form.classList.add("comment-form--reply");
      replyLink = link;
      fetchToken();
      form.querySelector("textarea").focus();
    }

    function cancelReply(restoreFocus) {
      if (!form) return;
      formHome.after(form);
      form.querySelector("[data-parent]").value = "";
      form.querySelector("[data-replying]").hidden = true;
      form.classList.remove("comment-form--reply");
      if (restoreFocus && replyLink && replyLink.isConnected) replyLink.focus();
      replyLink = null;
    }

    // -- posting --
    function clearErrors() {
      for (const error of form.querySelectorAll("[data-error-for]")) {
        error.hidden = true;
        error.textContent = "";
        const field = form.elements[error.dataset.errorFor];
        if (field && field.removeAttribute) {
          field.removeAttribute("aria-invalid");
          const described = (field.getAttribute("aria-describedby") || "")
            .split(" ")
            .filter((id) => id && id !== error.id);
          if (described.length) field.setAttribute("aria-describedby", described.join(" "));
          else field.removeAttribute("aria-describedby");
        }
      }
    }

    function showErrors(errors) {
      let first = null;
      for (const [name, messages] of Object.entries(errors)) {
        const error = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
        const field = form.elements[name];
        if (!error || !field || !field.setAttribute) continue;
        error.textContent = messages.join(" ");
        error.hidden = false;
        field.setAttribute("aria-invalid", "true");
        const described = (field.getAttribute("aria-describedby") || "").split(" ");
        field.setAttribute("aria-describedby", [...described, error.id].join(" ").trim());
        first = first || field;
      }
      if (first) first.focus();
    }

    function placeComment(data) {
      const item = fromHTML(data.html);
      const parent = data.parent_id && document.getElementById(`comment-${data.parent_id}`);
      if (parent) {
        let replies = parent.querySelector(":scope > .comment-list--replies");
        if (!replies) {
          replies = document.createElement("ol");
          replies.className = "comment-list comment-list--replies";
          parent.append(replies);
        }
        replies.append(item);
      } else {
        list.prepend(item);
      }
      item.classList.add("comment--new");
      if (data.status === "approved") setCount(Number(section.dataset.count || 0) + 1);
      addEditButton(item);
      const card = item.querySelector(".comment__card");
      card.tabIndex = -1;
      card.focus({ preventScroll: true });
      item.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }

    async function postComment() {
      const formStatus = form.querySelector("[data-form-status]");
      const submit = form.querySelector("[type=submit]");
      clearErrors();
      submit.disabled = true;
      formStatus.textContent = "Sending your comment…";
      try {
        if (!form.querySelector("[data-form-token]").value) await fetchToken();
        const body = form.querySelector("textarea[name=body]");
        const { ok, data } = await send(form.action, new FormData(form));
        formStatus.textContent = data.message || "";
        if (ok) {
          store(EDIT_KEY + data.comment_id, {
            token: data.edit_token,
            created: Date.now(),
            body: body.value.trim(),
          });
          rememberCommenter();
          cancelReply(false);
          body.value = "";
          placeComment(data);
        } else if (data.errors) {
          showErrors(data.errors);
        } else if (data.code === "stale_form") {
          await fetchToken(true);
        } else if (data.code === "closed") {
          closeComments();
        }
      } catch (error) {
        formStatus.textContent =
          "Your comment could not be sent. Please check your connection and try again.";
      } finally {
        submit.disabled = false;
      }
    }

    function rememberCommenter() {
      if (document.documentElement.dataset.signedIn === "true") return;
      const value = (name) => (form.elements[name] ? form.elements[name].value : "");
      store(COMMENTER_KEY, { name: value("name"), email: value("email"), website: value("website") });
    }

    function fillCommenter() {
      const saved = stored(COMMENTER_KEY);
      if (!saved || !form) return;
      for (const name of ["name", "email", "website"]) {
        const field = form.elements[name];
        if (field && !field.value && typeof saved[name] === "string") field.value = saved[name];
      }
    }

    function signedIn(reader) {
      for (const group of section.querySelectorAll("[data-guest-fields]")) {
        group.hidden = true;
        for (const input of group.querySelectorAll("input")) {
          input.required = false;
          input.disabled = true; // the server takes the account's name and address
        }
      }
      const note = section.querySelector("[data-signed-in]");
      if (note) {
        note.querySelector("[data-signed-in-name]").textContent = reader.name || "";
        note.hidden = false;
      }
    }

    // -- editing one's own comment --
    function addEditButton(item) {
      const id = item.dataset.commentId;
      const grant = editGrant(id);
      const actions = item.querySelector(":scope > .comment__card [data-comment-actions]");
      if (!grant || !actions || actions.querySelector("[data-edit]")) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "comment__edit";
      button.dataset.edit = "";
      button.textContent = "Edit";
      actions.append(button);
      setTimeout(() => button.remove(), grant.created + EDIT_WINDOW_MS - Date.now());
    }

    function bodyText(card) {
      // Only when the stored copy is missing: rebuilt from the rendered paragraphs.
      return [...card.querySelectorAll("[data-comment-body] > p")]
        .map((p) => {
          const copy = p.cloneNode(true);
          for (const br of copy.querySelectorAll("br")) br.replaceWith("\n");
          for (const a of copy.querySelectorAll("a")) a.replaceWith(a.href);
          return copy.textContent;
        })
        .join("\n\n");
    }

    function startEdit(button) {
      const item = button.closest("[data-comment-id]");
      const card = item.querySelector(":scope > .comment__card");
      const grant = editGrant(item.dataset.commentId);
      if (!grant || card.querySelector("[data-edit-form]")) return;
      const body = card.querySelector("[data-comment-body]");
      const editor = document.createElement("form");
      editor.className = "comment__editor";
      editor.dataset.editForm = "";
      const fieldId = `comment-${item.dataset.commentId}-edit`;
      editor.innerHTML =
        `<label class="visually-hidden" for="${fieldId}">Edit your comment</label>` +
        `<textarea id="${fieldId}" name="body" rows="4" maxlength="5000" required></textarea>` +
        '<p class="comment-form__error" data-error-for="body" hidden></p>' +
        '<div class="comment__editor-actions"><button type="submit" class="button">Save</button>' +
        '<button type="button" class="comment__edit-cancel" data-edit-cancel>Cancel</button></div>';
      editor.querySelector("textarea").value = grant.body || bodyText(card);
      body.hidden = true;
      body.after(editor);
      button.hidden = true;
      editor.querySelector("textarea").focus();
    }

    function stopEdit(card) {
      const editor = card.querySelector("[data-edit-form]");
      if (editor) editor.remove();
      card.querySelector("[data-comment-body]").hidden = false;
      const button = card.querySelector("[data-edit]");
      if (button) {
        button.hidden = false;
        button.focus();
      }
    }

    async function saveEdit(editor) {
      const item = editor.closest("[data-comment-id]");
      const id = item.dataset.commentId;
      const grant = editGrant(id);
      const error = editor.querySelector("[data-error-for]");
      const text = editor.querySelector("textarea").value;
      if (!grant) {
        error.textContent = "The ten minutes for editing this comment are over.";
        error.hidden = false;
        return;
      }
      const url = section.dataset.editUrl.replace("/0/", `/${encodeURIComponent(id)}/`);
      try {
        const { ok, data } = await send(url, { body: text, edit_token: grant.token });
        if (!ok) {
          error.textContent = (data.errors && data.errors.body) || data.message;
          error.hidden = false;
          return;
        }
        const fresh = fromHTML(data.html).querySelector(".comment__card");
        item.querySelector(":scope > .comment__card").replaceWith(fresh);
        store(EDIT_KEY + id, { ...grant, body: text.trim() });
        addEditButton(item);
        announce(data.message);
        refreshVotes(item);
      } catch (failure) {
        error.textContent = "Your edit could not be sent. Please try again.";
        error.hidden = false;
      }
    }

    // -- more comments, other orders --
    async function loadThread(href, replace) {
      const url = new URL(href, location.href);
      url.searchParams.set("partial", "1");
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const partial = doc.querySelector("[data-thread-partial]");
      if (!partial) throw new Error("no thread in the answer");
      if (replace) {
        cancelReply(false);
        list.replaceChildren();
      }
      const added = [];
      for (const item of partial.querySelectorAll(":scope > ol > li")) {
        if (document.getElementById(item.id)) continue; // already shown (new comments shift pages)
        const adopted = document.adoptNode(item);
        list.append(adopted);
        added.push(adopted);
      }
      setMoreLink(partial.dataset.nextUrl);
      for (const item of added) {
        for (const own of [item, ...item.querySelectorAll("[data-comment-id]")]) addEditButton(own);
      }
      refreshVotes(list);
      return added.length;
    }

    function setMoreLink(nextUrl) {
      let more = section.querySelector(".discussion__more");
      if (!nextUrl) {
        if (more) more.remove();
        return;
      }
      if (!more) {
        more = document.createElement("p");
        more.className = "discussion__more";
        more.innerHTML = '<a class="discussion__more-link" data-load-more>Load more comments</a>';
        list.after(more);
      }
      more.querySelector("[data-load-more]").href = nextUrl;
    }

    async function loadMore(link) {
      if (link.getAttribute("aria-busy") === "true") return;
      link.setAttribute("aria-busy", "true");
      link.textContent = "Loading…";
      try {
        const count = await loadThread(link.href, false);
        announce(count === 1 ? "1 more comment loaded." : `${count} more comments loaded.`);
      } catch (error) {
        location.assign(link.href); // the page of comments works without this script
      } finally {
        link.removeAttribute("aria-busy");
        link.textContent = "Load more comments";
      }
    }

    async function resort(link) {
      const links = section.querySelectorAll("[data-sort]");
      try {
        await loadThread(link.href, true);
        for (const other of links) other.removeAttribute("aria-current");
        link.setAttribute("aria-current", "true");
        announce(`Comments sorted: ${link.textContent.trim().toLowerCase()} first.`);
      } catch (error) {
        location.assign(link.href);
      }
    }

    // -- events --
    section.addEventListener("submit", (event) => {
      const target = event.target;
      if (target.matches("[data-vote-form]")) {
        event.preventDefault();
        if (event.submitter) vote(target, event.submitter);
      } else if (target.matches("[data-comment-form]")) {
        event.preventDefault();
        postComment();
      } else if (target.matches("[data-edit-form]")) {
        event.preventDefault();
        saveEdit(target);
      }
    });

    section.addEventListener("click", (event) => {
      const target = event.target.closest("a, button");
      if (!target || !section.contains(target)) return;
      if (target.matches("[data-reply]")) {
        event.preventDefault();
        startReply(target);
      } else if (target.matches("[data-cancel-reply]")) {
        event.preventDefault();
        cancelReply(true);
      } else if (target.matches("[data-edit]")) {
        startEdit(target);
      } else if (target.matches("[data-edit-cancel]")) {
        stopEdit(target.closest(".comment__card"));
      } else if (target.matches("[data-load-more]")) {
        event.preventDefault();
        loadMore(target);
      } else if (target.matches("[data-sort]")) {
        event.preventDefault();
        if (target.getAttribute("aria-current") !== "true") resort(target);
      }
    });

    section.addEventListener("focusin", (event) => {
      if (event.target.closest("form:not([data-vote-form])")) fetchToken();
    });

    section.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && form && form.contains(event.target) && replyLink) {
        cancelReply(true);
      }
    });

    const onVisible = () => {
      fetchToken();
      refreshVotes();
    };
    if (observer) {
      whenVisible.set(section, onVisible);
      observer.observe(section);
    } else {
      onVisible();
    }

    fillCommenter();
    for (const item of section.querySelectorAll("[data-comment-id]")) addEditButton(item);
    readerState.then((reader) => {
      if (reader && reader.signed_in) signedIn(reader);
    });
  }

  forgetExpiredGrants();
  for (const section of document.querySelectorAll("[data-discussion]")) setUp(section);
  document.addEventListener("masthead:story-added", (event) => {
    const root = event.target;
    if (!root || !root.querySelectorAll) return;
    for (const section of root.querySelectorAll("[data-discussion]")) setUp(section);
  });
})();
