// Compliance grids: cells open in a modal (htmx loads the fragment), clauses show in popovers,
// and the page refreshes after a change made in the modal (a saved 未开展原因).
(function () {
  "use strict";

  function initPopovers(root) {
    if (!window.bootstrap) return;
    root.querySelectorAll('[data-bs-toggle="popover"]').forEach(function (el) {
      window.bootstrap.Popover.getOrCreateInstance(el);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initPopovers(document);
    var modalEl = document.getElementById("cellModal");
    if (!modalEl || !window.bootstrap) return;
    var modal = window.bootstrap.Modal.getOrCreateInstance(modalEl);
    var changed = false;

    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "cellModalContent") {
        initPopovers(event.detail.target);
        modal.show();
      }
    });
    // Anything but the cell fragment (the login page after the session expired, say): open it as a page.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var target = event.detail.target;
      if (!target || target.id !== "cellModalContent") return;
      var xhr = event.detail.xhr;
      if (xhr && xhr.status < 400 && xhr.responseText.indexOf("modal-body") === -1) {
        event.detail.shouldSwap = false;
        window.location.href = xhr.responseURL || window.location.href;
      }
    });
    // A failed request (404, 500): fall back to opening the cell as a page.
    document.body.addEventListener("htmx:responseError", function (event) {
      var elt = event.detail.elt;
      if (elt && elt.getAttribute("href")) window.location.href = elt.getAttribute("href");
    });
    document.body.addEventListener("complianceChanged", function () {
      changed = true;
    });
    modalEl.addEventListener("hidden.bs.modal", function () {
      if (changed) window.location.reload();
    });
  });
})();
