// The one-page activity form (登记组织生活): attendance picker and enterprise problems.
// Plain DOM with event delegation, so parts swapped in later work without re-binding.
// When the 支部/党小组/单位 changes, htmx (attributes on those selects) fetches the form
// again and swaps in the parts that depend on it; this file only follows up on the swap.
(function () {
  "use strict";

  const form = document.getElementById("activity-form");
  if (!form) return;

  // --- attendance ------------------------------------------------------------------------------
  function setRow(row, present) {
    const reason = row.querySelector("[data-att-reason]");
    row.classList.toggle("is-absent", !present);
    if (reason) {
      reason.hidden = present;
      reason.required = !present;
      if (!present && !reason.disabled) reason.focus();
    }
  }

  function updateCounter() {
    const block = document.getElementById("attendance-block");
    if (!block) return;
    const rows = Array.from(block.querySelectorAll("[data-att-row]")).filter((r) => !r.hidden);
    const present = rows.filter((r) => r.querySelector("[data-att-present-box]").checked).length;
    const p = block.querySelector("[data-att-present]");
    const t = block.querySelector("[data-att-total]");
    if (p) p.textContent = String(present);
    if (t) t.textContent = String(rows.length);
  }

  function enableRow(row, on) {
    row.hidden = !on;
    row.querySelectorAll("input").forEach((input) => {
      input.disabled = !on;
    });
    if (on) {
      row.querySelector("[data-att-present-box]").checked = true;
      setRow(row, true);
    } else {
      const reason = row.querySelector("[data-att-reason]");
      if (reason) reason.required = false;
    }
  }

  function refreshAddOptions() {
    const select = document.querySelector("[data-att-add]");
    if (!select) return;
    Array.from(select.options).forEach((option) => {
      if (!option.value) return;
      const row = document.querySelector(`[data-att-row="${option.value}"]`);
      option.hidden = option.disabled = Boolean(row && !row.hidden);
    });
    select.value = "";
  }

  form.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-att-present-box]")) {
      setRow(target.closest("[data-att-row]"), target.checked);
      updateCounter();
    } else if (target.matches("[data-att-add]") && target.value) {
      const row = document.querySelector(`[data-att-row="${target.value}"]`);
      if (row) enableRow(row, true);
      refreshAddOptions();
      updateCounter();
    } else if (target.matches("[data-problem-solved]")) {
      const date = target.closest("[data-problem-row]").querySelector("input[type=date]");
      date.required = target.checked;
      if (target.checked && !date.value) date.value = new Date().toLocaleDateString("sv-SE");
    }
  });

  form.addEventListener("click", function (event) {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.matches("[data-att-all]")) {
      document.querySelectorAll("#attendance-block [data-att-row]").forEach((row) => {
        if (row.hidden) return;
        row.querySelector("[data-att-present-box]").checked = true;
        setRow(row, true);
      });
      updateCounter();
    } else if (target.matches("[data-att-remove]")) {
      enableRow(target.closest("[data-att-row]"), false);
      refreshAddOptions();
      updateCounter();
    } else if (target.matches("[data-problem-add]")) {
      addProblem();
    } else if (target.matches("[data-problem-remove]")) {
      const rows = document.querySelectorAll("[data-problem-row]");
      const row = target.closest("[data-problem-row]");
      if (rows.length > 1) {
        row.remove();
      } else {
        clearProblem(row);
      }
    }
  });

  // --- enterprise problems ----------------------------------------------------------------------
  let nextProblem = document.querySelectorAll("[data-problem-row]").length;

  function clearProblem(row) {
    row.querySelectorAll("input, select").forEach((input) => {
      if (input.type === "checkbox") input.checked = false;
      else input.value = "";
      if (input.type === "date") input.required = false;
    });
  }

  function addProblem() {
    const list = document.querySelector("[data-problem-list]");
    const template = list && list.querySelector("[data-problem-row]");
    if (!template) return;
    const row = template.cloneNode(true);
    const index = nextProblem++;
    row.querySelectorAll("[name], [id], label[for]").forEach((el) => {
      ["name", "id", "for"].forEach((attr) => {
        const value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/^(problems?-)\d+-/, `$1${index}-`));
      });
    });
    clearProblem(row);
    list.appendChild(row);
    const first = row.querySelector("select");
    if (first) first.focus();
  }

  // --- branch-dependent parts (swapped in by htmx) ---------------------------------------------------
  form.addEventListener("htmx:beforeRequest", function () {
    form.setAttribute("aria-busy", "true");
  });
  form.addEventListener("htmx:afterRequest", function () {
    form.removeAttribute("aria-busy");
  });
  ["htmx:responseError", "htmx:sendError"].forEach(function (name) {
    form.addEventListener(name, function () {
      window.alert("刷新名单失败，请检查网络后重试。");
    });
  });
  // The swapped-in parts settle outside the select that asked for them (it may be replaced too).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!form.contains(event.target)) return;
    form.removeAttribute("aria-busy");
    refreshAddOptions();
    updateCounter();
  });

  // --- submitting ----------------------------------------------------------------------------------
  form.addEventListener("submit", function (event) {
    // An absent person needs a reason: the server checks too, this only saves a round trip.
    const missing = Array.from(form.querySelectorAll("[data-att-row]:not([hidden])")).find((row) => {
      const box = row.querySelector("[data-att-present-box]");
      const reason = row.querySelector("[data-att-reason]");
      return !box.checked && reason && !reason.value.trim();
    });
    if (missing) {
      event.preventDefault();
      const reason = missing.querySelector("[data-att-reason]");
      reason.hidden = false;
      reason.reportValidity();
      reason.focus();
      return;
    }
    // No double submissions on a slow phone connection (after the submitter's value is taken).
    window.setTimeout(() => {
      form.querySelectorAll("button[type=submit]").forEach((b) => {
        b.disabled = true;
      });
    }, 0);
  });

  // Coming back to the page (browser back button): the buttons work again.
  window.addEventListener("pageshow", function () {
    form.querySelectorAll("button[type=submit]").forEach((b) => {
      b.disabled = false;
    });
  });

  refreshAddOptions();
  updateCounter();
})();
