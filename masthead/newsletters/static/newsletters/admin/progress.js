// While an issue is scheduled or sending, fetch its progress every few seconds and put
// the new numbers in place; stop once it is sent (the fragment no longer says "live").
(function () {
  "use strict";
  var box = document.getElementById("newsletters-progress");
  if (!box || !box.hasAttribute("data-live")) return;
  var url = box.getAttribute("data-fragment-url");
  var delay = 3000;

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        box.innerHTML = html;
        var inner = box.querySelector(".newsletters-progress");
        if (inner && inner.hasAttribute("data-live")) {
          window.setTimeout(refresh, delay);
        } else {
          box.removeAttribute("data-live");
        }
      })
      .catch(function () {
        window.setTimeout(refresh, delay * 4);
      });
  }
  window.setTimeout(refresh, delay);
})();
