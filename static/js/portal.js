// Portal-wide behaviour. Confirmation before destructive actions: any form or
// button with data-confirm="…" asks first.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const message = form.getAttribute("data-confirm") || (event.submitter && event.submitter.getAttribute("data-confirm"));
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A select or checkbox marked data-autosubmit sends its form when changed (no inline onchange=,
// which the Content-Security-Policy refuses).
document.addEventListener("change", function (event) {
  const field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});

// Widths and colours computed on the server travel as data- attributes and are applied here through
// the CSSOM (allowed by the policy, unlike style= attributes): data-width="42" (percent),
// data-bg="#b5121b", data-left="30" (percent, the element centred on it).
function portalApplyStyles(root) {
  root.querySelectorAll("[data-width]").forEach(function (el) { el.style.width = el.dataset.width + "%"; });
  root.querySelectorAll("[data-bg]").forEach(function (el) { el.style.backgroundColor = el.dataset.bg; });
  root.querySelectorAll("[data-left]").forEach(function (el) { el.style.left = "calc(" + el.dataset.left + "% - 1px)"; });
}
portalApplyStyles(document);
document.addEventListener("htmx:load", function (event) { portalApplyStyles(event.detail.elt.parentNode || event.detail.elt); });
