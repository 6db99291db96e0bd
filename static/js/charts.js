// Draw the home-page charts from data-chart attributes (no inline scripts).
(function () {
  const el = document.getElementById("category-chart");
  if (!el || !window.echarts) return;
  const data = JSON.parse(el.dataset.chart || "[]");
  const chart = echarts.init(el);
  chart.setOption({
    color: ["#b5121b", "#e0620d", "#f4c430", "#5470c6", "#91cc75"],
    tooltip: { trigger: "item", formatter: "{b}：{c} 人（{d}%）" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"], label: { formatter: "{b}\n{c}人" }, data: data }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
