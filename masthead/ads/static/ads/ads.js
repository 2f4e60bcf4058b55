// Advertising: fill the reserved slots from the short list of eligible creatives per
// placement (slots.json), choosing here in the browser so that pages served from a cache
// still rotate; then count an impression once half a slot has been in view for a
// continuous second while the tab is visible (the IAB viewable-impression rule).  The same
// for every article continue-reading appends.  Ads never hold up the page: a failed list
// leaves the reserved boxes as they are.
(() => {
  "use strict";
  const SLOTS_URL = "/ads/slots.json";
  const BEACON_URL = "/ads/i/";
  const DWELL_MS = 1000;
  const MAX_IDS = 20; // what slots.json accepts in one request
  const STORE_KEY = "masthead-ads";

  const handled = new WeakSet(); // slot elements already filled (or being filled)
  const counted = new WeakMap(); // slot element -> creative ids whose impression was sent
  const timers = new Map(); // slot element -> pending dwell timer
  const lists = new Map(); // "section|placement" -> promise of that placement's creatives
  const shownHere = new Set(); // creative ids shown on this page, to vary the slots
  const pendingByCampaign = new Map(); // shown but not yet counted, so caps hold within a page

  // --- per-visitor daily caps, as far as this browser knows them ---------------------
  // The server enforces caps when counting; this only avoids showing what would not count.
  function today() {
    return new Date().toISOString().slice(0, 10);
  }

  function readSeen() {
    try {
      const record = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      if (record && record.day === today() && record.seen && typeof record.seen === "object") {
        return record.seen;
      }
      return {};
    } catch {
      return null; // storage blocked or garbled: no client-side caps
    }
  }

  function bumpSeen(campaign) {
    try {
      const seen = readSeen() || {};
      seen[campaign] = (Number(seen[campaign]) || 0) + 1;
      localStorage.setItem(STORE_KEY, JSON.stringify({ day: today(), seen }));
    } catch {
      // Storage blocked or full: the server still applies the cap.
    }
  }

  function underCap(creative, seen) {
    if (seen === null || !creative.cap) return true;
    const used = (Number(seen[creative.campaign]) || 0) + (pendingByCampaign.get(creative.campaign) || 0);
    return used < creative.cap;
  }

  // --- choosing -----------------------------------------------------------------------
  function pickWeighted(creatives) {
    const total = creatives.reduce((sum, c) => sum + Math.max(0, Number(c.weight) || 0), 0);
    if (total <= 0) return creatives[Math.floor(Math.random() * creatives.length)];
    let ticket = Math.random() * total;
    for (const creative of creatives) {
      ticket -= Math.max(0, Number(creative.weight) || 0);
      if (ticket < 0) return creative;
    }
    return creatives[creatives.length - 1];
  }

  function choose(creatives) {
    const seen = readSeen();
    const eligible = creatives.filter(
      (c) => c && typeof c.html === "string" && c.id != null && underCap(c, seen),
    );
    if (!eligible.length) return null;
    const fresh = eligible.filter((c) => !shownHere.has(c.id));
    return pickWeighted(fresh.length ? fresh : eligible);
  }

  // --- fetching -----------------------------------------------------------------------
  async function fetchLists(section, ids) {
    const params = new URLSearchParams({ p: ids.join(","), s: section });
    const response = await fetch(`${SLOTS_URL}?${params}`, {
      credentials: "omit",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    return (data && data.slots) || {};
  }

  // One request per section for up to MAX_IDS placements not asked for yet on this page.
  function listsFor(section, ids) {
    const missing = ids.filter((id) => !lists.has(`${section}|${id}`));
    for (let start = 0; start < missing.length; start += MAX_IDS) {
      const chunk = missing.slice(start, start + MAX_IDS);
      const request = fetchLists(section, chunk);
      for (const id of chunk) {
        lists.set(
          `${section}|${id}`,
          request.then((slots) => (Array.isArray(slots[id]) ? slots[id] : [])),
        );
      }
    }
    return ids.map((id) => lists.get(`${section}|${id}`));
  }

  // --- showing ------------------------------------------------------------------------
  function show(slot, creative) {
    const box = slot.querySelector(".ad-slot__box");
    if (!box) return;
    shownHere.add(creative.id);
    pendingByCampaign.set(creative.campaign, (pendingByCampaign.get(creative.campaign) || 0) + 1);
    // Server-rendered markup from our own endpoint (contract: no script, no inline style).
    box.innerHTML = creative.html;
    slot.dataset.adCreative = String(creative.id);
    slot.dataset.adCampaign = String(creative.campaign);
    // A missing image must not leave a broken-image icon; the box keeps its size.
    for (const img of box.querySelectorAll("img")) {
      img.addEventListener("error", () => slot.classList.add("ad-slot--broken"), { once: true });
    }
    observer.observe(slot);
  }

  async function fill(slots) {
    const bySection = new Map();
    for (const slot of slots) {
      if (handled.has(slot)) continue;
      handled.add(slot);
      const section = slot.dataset.adSection || "";
      if (!bySection.has(section)) bySection.set(section, []);
      bySection.get(section).push(slot);
    }
    for (const [section, group] of bySection) {
      const ids = [...new Set(group.map((slot) => slot.dataset.adSlot))].filter((id) =>
        /^\d+$/.test(id),
      );
      const requests = listsFor(section, ids);
      const promised = new Map(ids.map((id, i) => [id, requests[i]]));
      // Slots are filled in page order, so "not yet shown here" follows reading order.
      for (const slot of group) {
        const list = promised.get(slot.dataset.adSlot);
        if (!list) continue;
        let creatives;
        try {
          creatives = await list;
        } catch {
          continue; // the reserved box stays; other sections still load
        }
        const creative = choose(creatives);
        if (creative) show(slot, creative);
        else slot.hidden = true;
      }
    }
  }

  // --- counting -----------------------------------------------------------------------
  function send(slot) {
    const creative = slot.dataset.adCreative;
    if (!creative) return;
    const done = counted.get(slot) || new Set();
    if (done.has(creative)) return;
    done.add(creative);
    counted.set(slot, done);
    observer.unobserve(slot);
    const campaign = slot.dataset.adCampaign;
    if (campaign) {
      const pending = pendingByCampaign.get(Number(campaign)) || 0;
      if (pending > 0) pendingByCampaign.set(Number(campaign), pending - 1);
      bumpSeen(campaign);
    }
    const body = new URLSearchParams({ c: creative, p: slot.dataset.adSlot });
    if (!(navigator.sendBeacon && navigator.sendBeacon(BEACON_URL, body))) {
      fetch(BEACON_URL, { method: "POST", body, keepalive: true, credentials: "omit" }).catch(
        () => {},
      );
    }
  }

  function cancel(slot) {
    if (!timers.has(slot)) return;
    clearTimeout(timers.get(slot));
    timers.delete(slot);
  }

  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const slot = entry.target;
        if (entry.isIntersecting && entry.intersectionRatio >= 0.5) {
          if (timers.has(slot) || document.visibilityState !== "visible") continue;
          timers.set(
            slot,
            setTimeout(() => {
              timers.delete(slot);
              if (document.visibilityState === "visible" && !slot.hidden) send(slot);
            }, DWELL_MS),
          );
        } else {
          cancel(slot);
        }
      }
    },
    { threshold: [0, 0.5, 1] },
  );

  // Hiding the tab breaks the continuous second; on return, observing again re-checks.
  document.addEventListener("visibilitychange", () => {
    const slots = document.querySelectorAll(".ad-slot[data-ad-creative]");
    if (document.visibilityState !== "visible") {
      for (const slot of [...timers.keys()]) cancel(slot);
      return;
    }
    for (const slot of slots) {
      const done = counted.get(slot);
      if (done && done.has(slot.dataset.adCreative)) continue;
      observer.unobserve(slot);
      observer.observe(slot);
    }
  });

  function slotsIn(root) {
    return [...root.querySelectorAll(".ad-slot[data-ad-slot]")];
  }

  fill(slotsIn(document));
  document.addEventListener("masthead:story-added", (event) => {
    const story = event.target.closest ? event.target.closest("article.story") : null;
    if (story) fill(slotsIn(story));
  });
})();
