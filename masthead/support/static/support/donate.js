// Donate boxes: keep the slider, the amount field and the presets in step, show a live
// summary; on the thank-you page, ask for the donation's status until it is settled.
(function () {
  "use strict";

  function major(value, exponent) {
    var n = Number(value);
    if (!isFinite(n) || n <= 0) return "";
    return exponent > 0 && n % 1 !== 0 ? n.toFixed(exponent) : String(Math.round(n * 1000) / 1000);
  }

  function setUp(box) {
    var form = box.querySelector("[data-donate-form]");
    if (!form) return;
    var slider = form.querySelector("[data-donate-slider]");
    var amount = form.querySelector("[data-donate-amount]");
    var currency = form.querySelector("[data-donate-currency]");
    var summary = form.querySelector("[data-donate-summary]");
    var presets = form.querySelectorAll("[data-donate-preset]");

    function picked() {
      if (amount && amount.value.trim()) return amount.value.trim();
      for (var i = 0; i < presets.length; i++) if (presets[i].checked) return presets[i].value;
      return "";
    }
    function option() { return currency ? currency.options[currency.selectedIndex] : null; }
    function frequency() {
      var checked = form.querySelector("input[name=frequency]:checked");
      return checked ? checked.value : "once";
    }
    function render() {
      var opt = option();
      var symbol = opt ? opt.getAttribute("data-symbol") : "";
      var exponent = opt ? Number(opt.getAttribute("data-exponent")) : 2;
      if (amount) amount.step = exponent > 0 ? String(Math.pow(10, -exponent)) : "1";
      var value = major(picked(), exponent);
      if (!summary) return;
      if (!value) { summary.hidden = true; return; }
      summary.textContent = "You give " + symbol + value + (frequency() === "monthly" ? " every month" : " once");
      summary.hidden = false;
    }
    function uncheckPresets(value) {
      for (var i = 0; i < presets.length; i++) presets[i].checked = presets[i].value === value;
    }

    if (slider) {
      slider.hidden = false;
      var start = picked();
      if (start) slider.value = start;
      slider.addEventListener("input", function () {
        if (amount) amount.value = slider.value;
        uncheckPresets(slider.value);
        render();
      });
    }
    if (amount) {
      amount.addEventListener("input", function () {
        var value = amount.value.trim();
        if (slider && value && Number(value) >= Number(slider.min) && Number(value) <= Number(slider.max)) {
          slider.value = value;
        }
        uncheckPresets(value);
        render();
      });
    }
    for (var i = 0; i < presets.length; i++) {
      presets[i].addEventListener("change", function (event) {
        if (amount) amount.value = "";
        if (slider) slider.value = event.target.value;
        render();
      });
    }
    form.addEventListener("change", render);
    render();
  }

  function poll(page) {
    var url = page.getAttribute("data-status-url");
    var tries = 0;
    function ask() {
      tries += 1;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.status !== "pending" && data.status !== "created") {
            window.location.reload();
          } else if (tries < 40) {
            window.setTimeout(ask, Math.min(1000 * tries, 5000));
          }
        })
        .catch(function () { if (tries < 40) window.setTimeout(ask, 5000); });
    }
    window.setTimeout(ask, 1000);
  }

  function start() {
    var boxes = document.querySelectorAll("[data-donate]");
    for (var i = 0; i < boxes.length; i++) setUp(boxes[i]);
    var page = document.querySelector("[data-donation-status]");
    if (page) {
      var state = page.getAttribute("data-donation-status");
      if (state === "pending" || state === "created") poll(page);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
