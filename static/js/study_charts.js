// The committee's study overview: % of members who met the year's target, by unit (data-chart, no inline script).
(function () {
  const el = document.getElementById("study-met-chart");
  if (!el || !window.echarts) return;
  const data = JSON.parse(el.dataset.chart || "[]");
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 40, right: 16, top: 16, bottom: 80 },
    tooltip: { renderMode: "richText" /* no HTML tooltip: CSP refuses its style= */, trigger: "axis", formatter: function (p) { return p[0].name + "：" + p[0].value + "%"; } },
    xAxis: { type: "category", data: data.map(function (d) { return d.name; }), axisLabel: { rotate: 45, interval: 0 } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{
      type: "bar",
      data: data.map(function (d) {
        const colour = d.value < 60 ? "#b5121b" : d.value < 90 ? "#f4c430" : "#198754";
        return { value: d.value, itemStyle: { color: colour } };
      }),
      label: { show: data.length <= 20, position: "top", formatter: "{c}%" },
    }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
