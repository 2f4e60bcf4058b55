// Site-wide behaviour: the light/dark toggle and click-to-load videos.
(() => {
  "use strict";
  const root = document.documentElement;
  const prefersDark = window.matchMedia("(prefers-color-scheme: dark)");
  const isDark = () => (root.dataset.theme || (prefersDark.matches ? "dark" : "light")) === "dark";

  const toggle = document.querySelector("[data-theme-toggle]");
  if (toggle) {
    const sync = () => toggle.setAttribute("aria-pressed", String(isDark()));
    toggle.addEventListener("click", () => {
      const next = isDark() ? "light" : "dark";
      root.dataset.theme = next;
      try {
        localStorage.setItem("masthead-theme", next);
      } catch {
        // Storage may be blocked; the choice then lasts for this page only.
      }
      sync();
    });
    prefersDark.addEventListener("change", sync);
    sync();
  }

  // Delegated, so videos in articles appended by continue-reading work too.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-video-play]");
    if (!button) return;
    const frame = button.closest("[data-embed-url]");
    const src = new URL(frame.dataset.embedUrl);
    src.searchParams.set("autoplay", "1");
    const iframe = document.createElement("iframe");
    iframe.src = src.href;
    iframe.title = frame.dataset.title || "Video";
    iframe.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    iframe.referrerPolicy = "strict-origin-when-cross-origin";
    frame.replaceChildren(iframe);
    iframe.focus();
  });
})();
