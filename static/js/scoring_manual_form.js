// 人工评分 form: the period list shows only the periods of the chosen kind (每年/每季度/每月).
(function () {
  var kind = document.querySelector("[data-period-kind]");
  var select = document.querySelector("[data-period-select]");
  if (!kind || !select) return;
  var labels = {year: "每年", quarter: "每季度", month: "每月"};
  function show() {
    var wanted = labels[kind.value];
    var groups = select.querySelectorAll("optgroup");
    var keep = false;
    groups.forEach(function (g) {
      var on = g.label === wanted;
      g.hidden = !on; g.disabled = !on;
      if (on && select.selectedOptions[0] && select.selectedOptions[0].parentNode === g) keep = true;
    });
    if (!keep) {
      var first = select.querySelector("optgroup:not([disabled]) option");
      if (first) select.value = first.value;
    }
  }
  kind.addEventListener("change", show);
  show();
})();
