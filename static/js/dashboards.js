// Dashboards: the committee home's charts, the unit's score history, and the 大屏 (refetched every minute).
// Data comes from json_script blocks; no inline scripts. Tooltips render inside the canvas (renderMode
// "richText"): ECharts' HTML tooltips carry style= attributes, which the Content-Security-Policy refuses.
(function () {
  "use strict";
  if (!window.echarts) return;

  const TIER_COLOURS = { "好": "#198754", "较好": "#0d6efd", "一般": "#f0a000", "差": "#dc3545" };
  const charts = [];

  function readJSON(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function chartOn(id, theme) {
    const el = document.getElementById(id);
    if (!el) return null;
    const chart = echarts.getInstanceByDom(el) || echarts.init(el, theme || null);
    if (charts.indexOf(chart) < 0) charts.push(chart);
    return chart;
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });

  // --- shared chart options ------------------------------------------------------------------------------
  function radarOption(radar, series, dark) {
    return {
      tooltip: { renderMode: "richText" },
      legend: { bottom: 0, textStyle: { color: dark ? "#e8eef8" : "#333", fontSize: dark ? 22 : 12 } },
      radar: {
        indicator: radar.indicators,
        radius: "62%",
        axisName: { color: dark ? "#e8eef8" : "#555", fontSize: dark ? 24 : 12 },
        splitLine: { lineStyle: { color: dark ? "#35507d" : "#ddd" } },
        splitArea: { show: !dark },
      },
      series: [{ type: "radar", data: series, areaStyle: { opacity: 0.15 } }],
    };
  }

  function heatmapOption(heat, dark) {
    const fontSize = dark ? 20 : 12;
    return {
      tooltip: {
        renderMode: "richText",
        position: "top",
        formatter: function (p) {
          return heat.units[p.value[1]] + " · " + heat.months[p.value[0]] + "：" + p.value[2] + "%";
        },
      },
      grid: { left: dark ? 220 : 150, right: 20, top: 10, bottom: dark ? 110 : 90 },
      xAxis: { type: "category", data: heat.months, axisLabel: { color: dark ? "#e8eef8" : "#555", fontSize: fontSize } },
      yAxis: { type: "category", data: heat.units, inverse: true, axisLabel: { color: dark ? "#e8eef8" : "#555", fontSize: fontSize, width: dark ? 200 : 140, overflow: "truncate" } },
      visualMap: {
        min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: dark ? 260 : 160,
        inRange: { color: ["#dc3545", "#f0a000", "#f4e04d", "#8bc34a", "#198754"] },
        textStyle: { color: dark ? "#e8eef8" : "#333", fontSize: fontSize },
      },
      series: [{ type: "heatmap", data: heat.cells, label: { show: heat.units.length <= 40, fontSize: dark ? 16 : 10 } }],
    };
  }

  function fitHeatmap(id, heat, perRow) {
    const el = document.getElementById(id);
    if (el) el.style.height = Math.max(260, heat.units.length * perRow + 130) + "px";
  }

  // --- committee home --------------------------------------------------------------------------------------
  const board = readJSON("dashboard-data");
  if (board) {
    const radarChart = chartOn("radar-chart");
    const select = document.getElementById("radar-unit");
    const trendChart = chartOn("trend-chart");
    const average = { name: "全市平均", value: board.radar.average };

    function drawRadar() {
      const id = select ? select.value : "";
      const unit = board.radar.units.find(function (u) { return String(u.id) === id; });
      const series = unit ? [{ name: unit.name, value: unit.values }, average] : [average];
      radarChart.setOption(radarOption(board.radar, series, false), true);
      drawTrend(unit);
    }

    function drawTrend(unit) {
      if (!trendChart) return;
      const series = board.trends.categories.map(function (c) {
        return { name: c.name, type: "line", data: c.values, connectNulls: true };
      });
      if (unit) {
        series.push({ name: unit.name, type: "line", data: board.trends.units[String(unit.id)] || [], lineStyle: { width: 4, type: "dashed" }, connectNulls: true });
      }
      trendChart.setOption({
        tooltip: { renderMode: "richText", trigger: "axis" },
        legend: { bottom: 0, type: "scroll" },
        grid: { left: 40, right: 16, top: 16, bottom: 50 },
        xAxis: { type: "category", data: board.trends.periods },
        yAxis: { type: "value", scale: true },
        series: series,
        graphic: board.trends.periods.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: "还没有已发布的季度排名", fill: "#999", fontSize: 14 } }],
      }, true);
    }

    if (radarChart) {
      drawRadar();
      if (select) select.addEventListener("change", drawRadar);
    }

    const categoryChart = chartOn("category-chart");
    if (categoryChart) {
      const cats = board.categories;
      categoryChart.setOption({
        tooltip: { renderMode: "richText", trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 40, right: 16, top: 16, bottom: 60 },
        xAxis: { type: "category", data: cats.map(function (c) { return c.name; }), axisLabel: { interval: 0 } },
        yAxis: { type: "value", min: 0, max: 100 },
        series: [
          { name: "最高", type: "bar", data: cats.map(function (c) { return c.max; }), itemStyle: { color: "#198754" } },
          { name: "平均", type: "bar", data: cats.map(function (c) { return c.avg; }), itemStyle: { color: "#b5121b" } },
          { name: "最低", type: "bar", data: cats.map(function (c) { return c.min; }), itemStyle: { color: "#f0a000" } },
        ],
      });
    }

    if (board.heatmap.cells.length) {
      fitHeatmap("heatmap-chart", board.heatmap, 22);
      const heatChart = chartOn("heatmap-chart");
      if (heatChart) heatChart.setOption(heatmapOption(board.heatmap, false));
    }
  }

  // --- unit home: rank and total over the quarters ------------------------------------------------------------
  const history = readJSON("unit-history-data");
  if (history) {
    const chart = chartOn("unit-history-chart");
    if (chart) {
      const points = history.points;
      const worst = Math.max.apply(null, points.map(function (p) { return p.rank || 1; }));
      chart.setOption({
        tooltip: { renderMode: "richText", trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 44, right: 44, top: 20, bottom: 60 },
        xAxis: { type: "category", data: points.map(function (p) { return p.period + (p.note === "已发布" ? "" : "（" + p.note + "）"); }), axisLabel: { interval: 0, rotate: points.length > 4 ? 30 : 0 } },
        yAxis: [
          { type: "value", name: "总分", min: 0, max: 100 },
          { type: "value", name: "排名", inverse: true, minInterval: 1, min: 1, max: worst + 1 },
        ],
        series: [
          { name: "总分", type: "bar", data: points.map(function (p) { return p.total; }), itemStyle: { color: "#b5121b" }, label: { show: true, position: "top" } },
          { name: "排名", type: "line", yAxisIndex: 1, data: points.map(function (p) { return p.rank; }), itemStyle: { color: "#0d6efd" }, label: { show: true, formatter: "第{c}名" } },
        ],
      });
    }
  }

  // --- 大屏 ------------------------------------------------------------------------------------------------
  const screen = document.querySelector("[data-bigscreen]");
  if (!screen) return;

  function text(id, value) {
    const el = document.getElementById(id);
    if (el) el.textContent = value === null || value === undefined ? "—" : value;
  }

  function listItems(id, rows) {
    const list = document.getElementById(id);
    if (!list) return;
    list.replaceChildren.apply(list, rows.map(function (r) {
      const li = document.createElement("li");
      const rank = document.createElement("span");
      rank.className = "bs-rank";
      rank.textContent = r.rank;
      const name = document.createElement("span");
      name.className = "bs-name";
      name.textContent = r.name;
      const total = document.createElement("span");
      total.className = "bs-total";
      total.textContent = r.total === null ? "—" : r.total.toFixed(2);
      const tier = document.createElement("span");
      tier.className = "tier-badge";
      tier.style.background = TIER_COLOURS[r.tier] || "#6c757d";
      tier.textContent = r.tier || "—";
      const change = document.createElement("span");
      change.className = r.change > 0 ? "rank-up" : r.change < 0 ? "rank-down" : "";
      change.textContent = r.change > 0 ? "▲" + r.change : r.change < 0 ? "▼" + (-r.change) : "－";
      li.append(rank, name, total, tier, change);
      return li;
    }));
  }

  function draw(data) {
    const empty = document.getElementById("bs-empty");
    const panels = document.querySelectorAll(".bs-panel:not(.bs-empty)");
    panels.forEach(function (p) { p.hidden = !data.ready; });
    empty.hidden = data.ready;
    if (!data.ready) {
      empty.textContent = data.message;
      return;
    }
    text("bs-period", data.period + " · " + data.label);
    text("bs-as-of", data.as_of);
    text("bs-average", data.headline.average);
    text("bs-scored", data.headline.scored);
    text("bs-capped", data.headline.capped);
    listItems("bs-top", data.top);
    listItems("bs-bottom", data.bottom);
    const tierChart = chartOn("bs-tier-chart");
    tierChart.setOption({
      tooltip: { renderMode: "richText", trigger: "item", formatter: "{b}：{c} 个（{d}%）" },
      series: [{
        type: "pie", radius: ["38%", "68%"],
        label: { color: "#e8eef8", fontSize: 26, formatter: "{b}\n{c}" },
        data: data.headline.tiers.map(function (t) { return { name: t.name, value: t.value, itemStyle: { color: t.colour } }; }),
      }],
    });
    chartOn("bs-radar-chart").setOption(radarOption(data.radar, [{ name: "全市平均得分率（%）", value: data.radar.average, itemStyle: { color: "#ffd36b" } }], true));
    if (data.heatmap.cells.length) {
      fitHeatmap("bs-heatmap-chart", data.heatmap, 26);
      const heat = chartOn("bs-heatmap-chart");
      heat.setOption(heatmapOption(data.heatmap, true), true);
    }
    charts.forEach(function (c) { c.resize(); });
  }

  function tick() {
    const now = new Date();
    const pad = function (n) { return String(n).padStart(2, "0"); };
    text("bs-clock", pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds()));
  }

  function refresh() {
    fetch(screen.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); })
      .catch(function () { /* keep what is on the screen; try again next minute */ });
  }

  const button = document.getElementById("bs-fullscreen");
  if (button) {
    button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
    });
  }

  draw(readJSON("bigscreen-data"));
  tick();
  setInterval(tick, 1000);
  setInterval(refresh, (Number(screen.dataset.refresh) || 60) * 1000);
})();
