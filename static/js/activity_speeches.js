// 研讨发言 rows of the record form (中心组学习, 第一议题, 党课): add a row, remove a row.
// Event delegation on the form, so a block swapped in by htmx (a new place or day) works unchanged.
(function () {
  "use strict";

  const form = document.getElementById("activity-form");
  if (!form) return;

  function rows() {
    return form.querySelectorAll("[data-speech-row]");
  }

  function clear(row) {
    row.querySelectorAll("select, textarea").forEach((input) => {
      input.value = "";
    });
  }

  // Row names are speeches-<n>-…; a new row takes a number no row has had yet.
  function nextIndex() {
    let next = 0;
    form.querySelectorAll("[name^='speeches-']").forEach((el) => {
      const n = parseInt(el.name.split("-")[1], 10);
      if (!Number.isNaN(n) && n >= next) next = n + 1;
    });
    return next;
  }

  function add() {
    const list = form.querySelector("[data-speech-list]");
    const template = list && list.querySelector("[data-speech-row]");
    if (!template) return;
    const row = template.cloneNode(true);
    const index = nextIndex();
    row.querySelectorAll("[name]").forEach((el) => {
      el.name = el.name.replace(/^speeches-\d+-/, `speeches-${index}-`);
    });
    clear(row);
    list.appendChild(row);
    const first = row.querySelector("select");
    if (first) first.focus();
  }

  form.addEventListener("click", function (event) {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.matches("[data-speech-add]")) {
      add();
    } else if (button.matches("[data-speech-remove]")) {
      const row = button.closest("[data-speech-row]");
      if (rows().length > 1) row.remove();
      else clear(row);
    }
  });
})();
