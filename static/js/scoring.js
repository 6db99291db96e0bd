// Scoring pages (no inline scripts): the run start form's period list follows the chosen kind of period;
// a unit's history chart (total and rank over periods) from json_script data.
(function () {
  const kind = document.querySelector("[data-period-kind]");
  const period = document.querySelector("[data-period]");
  if (kind && period) {
    const labels = { month: "每月", quarter: "每季度", year: "每年" };
    const sync = function (keepValue) {
      const wanted = labels[kind.value];
      let first = null;
      period.querySelectorAll("optgroup").forEach(function (group) {
        const show = group.label === wanted;
        group.hidden = !show;
        group.disabled = !show;
        if (show && !first && group.querySelector("option")) first = group.querySelector("option");
      });
      const current = period.selectedOptions[0];
      if (!keepValue || !current || current.parentElement.hidden) {
        if (first) period.value = first.value;
      }
    };
    kind.addEventListener("change", function () { sync(false); });
    sync(true);
  }

  const el = document.getElementById("scoring-history-chart");
  if (!el || !window.echarts) return;
  const source = document.getElementById(el.dataset.chartSource);
  const data = JSON.parse(source ? source.textContent : "[]");
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 48, right: 48, top: 36, bottom: 40 },
    tooltip: { renderMode: "richText" /* no HTML tooltip: CSP refuses its style= */, trigger: "axis" },
    legend: { data: ["总分", "排名"], top: 4 },
    xAxis: { type: "category", data: data.map(function (d) { return d.period; }) },
    yAxis: [
      { type: "value", name: "总分", min: 0, max: 120 },
      { type: "value", name: "排名", inverse: true, minInterval: 1, min: 1 },
    ],
    series: [
      { name: "总分", type: "line", data: data.map(function (d) { return d.total; }), label: { show: true } },
      { name: "排名", type: "line", yAxisIndex: 1, data: data.map(function (d) { return d.rank; }), lineStyle: { type: "dashed" } },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
