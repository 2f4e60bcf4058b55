// View counting: once an article has been in view for a second (half the viewport,
// or half the article if it is short), send one beacon for it; the same for every
// article continue-reading appends.  Then bring the counts shown on the page up to
// date, since the page itself may have come from a cache.
(() => {
  "use strict";
  const BEACON_URL = "/metrics/view/";
  const COUNTS_URL = "/metrics/counts";
  const DWELL_MS = 1000;
  const sent = new Set();
  const timers = new Map();
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function externalReferrer() {
    try {
      const host = new URL(document.referrer).hostname;
      return host && host !== location.hostname ? host : "";
    } catch {
      return "";
    }
  }
  // Only the article the reader arrived on came from the referrer.
  let referrer = externalReferrer();

  function send(id) {
    if (sent.has(id)) return;
    sent.add(id);
    const body = new URLSearchParams({ a: id });
    if (referrer) body.set("r", referrer);
    referrer = "";
    if (!(navigator.sendBeacon && navigator.sendBeacon(BEACON_URL, body))) {
      fetch(BEACON_URL, { method: "POST", body, keepalive: true, credentials: "omit" }).catch(
        () => {},
      );
    }
  }

  function seenEnough(entry) {
    const visible = entry.intersectionRect.height;
    const needed = Math.min(window.innerHeight, entry.boundingClientRect.height) / 2;
    return entry.isIntersecting && visible > 0 && visible >= needed;
  }

  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const story = entry.target;
        const id = story.dataset.articleId;
        if (seenEnough(entry)) {
          if (timers.has(id) || sent.has(id)) continue;
          timers.set(
            id,
            setTimeout(() => {
              timers.delete(id);
              if (document.visibilityState !== "visible") return;
              observer.unobserve(story);
              send(id);
            }, DWELL_MS),
          );
        } else if (timers.has(id)) {
          clearTimeout(timers.get(id));
          timers.delete(id);
        }
      }
    },
    { threshold: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] },
  );

  // A tab hidden during the dwell cancelled its timer: observing again re-checks.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    for (const story of document.querySelectorAll("article.story[data-article-id]")) {
      if (!sent.has(story.dataset.articleId)) {
        observer.unobserve(story);
        observer.observe(story);
      }
    }
  });

  async function refreshCounts(root) {
    const elements = [...root.querySelectorAll("[data-view-count]")];
    const ids = [...new Set(elements.map((el) => el.dataset.viewCount))].slice(0, 50);
    if (!ids.length) return;
    try {
      const response = await fetch(`${COUNTS_URL}?ids=${ids.join(",")}`, {
        credentials: "omit",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const counts = await response.json();
      for (const el of elements) {
        const n = counts[el.dataset.viewCount];
        if (typeof n !== "number") continue;
        const template = n === 1 ? el.dataset.one : el.dataset.other;
        if (template) el.textContent = template.replace("%s", numbers.format(n));
      }
    } catch {
      // The count rendered with the page stays.
    }
  }

  function watch(story) {
    if (story.dataset.articleId) observer.observe(story);
  }

  document.querySelectorAll("article.story[data-article-id]").forEach(watch);
  document.addEventListener("masthead:story-added", (event) => {
    const story = event.target.closest("article.story");
    if (!story) return;
    watch(story);
    refreshCounts(story);
  });
  refreshCounts(document);
})();
