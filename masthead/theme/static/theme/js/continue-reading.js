// Continue reading: when the reader nears the end of the last article, fetch
// the next one as a fragment and append it; keep the address bar and title in
// step with the article in view. Without this script the plain link works.
(() => {
  "use strict";
  const stories = document.querySelector("[data-continue-reading]");
  const nav = document.querySelector(".continue-reading");
  if (!stories || !nav || !("IntersectionObserver" in window)) return;

  const titleSuffix = stories.dataset.titleSuffix || "";
  let current = stories.querySelector(".story");
  let loading = false;

  const inView = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const story = entry.target;
        if (!entry.isIntersecting || story === current) continue;
        current = story;
        history.replaceState(history.state, "", story.dataset.url);
        document.title = story.dataset.title + titleSuffix;
      }
    },
    // A thin band across the middle of the viewport: the article crossing it is "the one being read".
    { rootMargin: "-45% 0px -50% 0px" },
  );

  const nearEnd = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadNext();
    },
    { rootMargin: "0px 0px 1000px 0px" },
  );

  function stop() {
    nearEnd.disconnect();
  }

  async function loadNext() {
    const link = nav.querySelector("a.next-article");
    if (!link) return stop();
    if (loading) return;
    loading = true;
    try {
      const url = new URL(link.href, location.href);
      url.searchParams.set("fragment", "1");
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const fragment = new DOMParser().parseFromString(await response.text(), "text/html");
      const story = fragment.querySelector("article.story");
      if (!story) throw new Error("the fragment has no article");
      const added = document.adoptNode(story);
      stories.append(added);
      inView.observe(added);
      // Later features (view counts, comments, ads) hook in here.
      added.dispatchEvent(new CustomEvent("masthead:story-added", { bubbles: true }));
      const nextNav = fragment.querySelector(".continue-reading");
      nav.replaceChildren(...(nextNav ? document.adoptNode(nextNav).childNodes : []));
    } catch (error) {
      // Leave the plain link in place for the reader to follow.
      console.warn("continue-reading stopped:", error);
      stop();
      return;
    } finally {
      loading = false;
    }
    if (!nav.querySelector("a.next-article")) return stop();
    // Observing again reports the current position at once, so a short
    // article that leaves the end in view still pulls in the next one.
    nearEnd.unobserve(nav);
    nearEnd.observe(nav);
  }

  for (const story of stories.querySelectorAll(".story")) inView.observe(story);
  nearEnd.observe(nav);
})();
