/* Coxswain web app: charts (ECharts, vendored), board drag and drop. */
(function () {
  "use strict";
  const palette = ["#1f5fbf", "#137a3a", "#b42318", "#9a6700", "#6941c6"];

  function readJson(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function compact(value) {
    const abs = Math.abs(value);
    if (abs >= 1e9) return (value / 1e9).toFixed(1) + "B";
    if (abs >= 1e6) return (value / 1e6).toFixed(1) + "M";
    if (abs >= 1e3) return (value / 1e3).toFixed(0) + "k";
    return String(Math.round(value));
  }
  function chart(id, option) {
    const el = typeof id === "string" ? document.getElementById(id) : id;
    if (!el || !window.echarts) return null;
    const instance = window.echarts.init(el, null, { renderer: "canvas" });
    instance.setOption(Object.assign({ color: palette, animation: false, textStyle: { fontFamily: "system-ui, sans-serif" } }, option));
    window.addEventListener("resize", () => instance.resize());
    el.dataset.chartReady = "1";
    return instance;
  }
  const axisMoney = { type: "value", axisLabel: { formatter: compact } };
  const grid = { left: 50, right: 16, top: 30, bottom: 30 };

  function dashboard() {
    const data = readJson("dashboard-data");
    if (!data) return;
    document.querySelectorAll("[data-spark]").forEach((el) => {
      const series = data.sparklines[el.dataset.spark] || [];
      chart(el, {
        grid: { left: 2, right: 2, top: 4, bottom: 2 },
        xAxis: { type: "category", show: false, data: data.months },
        yAxis: { type: "value", show: false, scale: true },
        tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : compact(v)) },
        series: [{ type: "line", data: series, smooth: true, symbol: "none", lineStyle: { width: 2 }, areaStyle: { opacity: 0.12 } }],
      });
    });
    chart("chart-won-lost", {
      grid, legend: { top: 0 }, tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.months }, yAxis: { type: "value" },
      series: [
        { name: "Won", type: "bar", data: data.won, itemStyle: { color: "#137a3a" } },
        { name: "Lost", type: "bar", data: data.lost, itemStyle: { color: "#8a94a6" } },
      ],
    });
    chart("chart-created", {
      grid, legend: { top: 0 }, tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : compact(v)) },
      xAxis: { type: "category", data: data.months }, yAxis: axisMoney,
      series: [
        { name: "Pipeline created", type: "line", data: data.created, smooth: true, areaStyle: { opacity: 0.15 } },
        { name: "Revenue won", type: "line", data: data.won_value, smooth: true, itemStyle: { color: "#137a3a" } },
      ],
    });
    chart("chart-reps", {
      grid: { left: 120, right: 20, top: 10, bottom: 30 }, tooltip: { trigger: "axis", valueFormatter: compact },
      xAxis: axisMoney, yAxis: { type: "category", data: data.reps, inverse: true },
      series: [{ name: "Won revenue", type: "bar", data: data.rep_values, itemStyle: { color: "#137a3a" } }],
    });
  }

  function funnel() {
    const data = readJson("funnel-data");
    if (!data) return;
    chart("chart-funnel", {
      tooltip: { trigger: "item" },
      series: [{ type: "funnel", left: "10%", width: "80%", sort: "none", gap: 2, minSize: "8%",
        label: { show: true, position: "inside", formatter: "{b}: {c}" },
        data: data.steps.map((name, i) => ({ name, value: data.reached[i] })) }],
    });
  }

  function forecast() {
    const data = readJson("forecast-data");
    if (!data) return;
    const money = (v) => (v == null ? "—" : compact(v));
    chart("chart-forecast", {
      grid: { left: 60, right: 16, top: 30, bottom: 60 }, legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: money },
      xAxis: { type: "category", data: data.methods.map((m) => m.replace(/_/g, " ")), axisLabel: { rotate: 30 } },
      yAxis: axisMoney,
      series: [
        { name: "P10", type: "bar", data: data.p10, itemStyle: { color: "#c9d7f2" } },
        { name: "P50", type: "bar", data: data.p50, itemStyle: { color: "#1f5fbf" } },
        { name: "P90", type: "bar", data: data.p90, itemStyle: { color: "#0d3470" } },
      ],
    });
    chart("chart-categories", {
      grid, tooltip: { trigger: "axis", valueFormatter: money },
      xAxis: { type: "category", data: data.categories.map((c) => c.replace(/_/g, " ")) }, yAxis: axisMoney,
      series: [{ name: "Cumulative", type: "bar", data: data.cumulative, itemStyle: { color: "#1f5fbf" } }],
    });
  }

  function board() {
    let dragged = null;
    document.addEventListener("dragstart", (e) => {
      const card = e.target.closest && e.target.closest(".card[draggable='true']");
      if (!card) return;
      dragged = card;
      card.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.dataset.id);
    });
    document.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("dragging");
      document.querySelectorAll(".drop-target").forEach((c) => c.classList.remove("drop-target"));
    });
    document.addEventListener("dragover", (e) => {
      const column = e.target.closest && e.target.closest(".column");
      if (!column || !dragged) return;
      e.preventDefault();
      document.querySelectorAll(".drop-target").forEach((c) => c !== column && c.classList.remove("drop-target"));
      column.classList.add("drop-target");
    });
    document.addEventListener("drop", (e) => {
      const column = e.target.closest && e.target.closest(".column");
      if (!column || !dragged) return;
      e.preventDefault();
      const card = dragged;
      dragged = null;
      if (card.closest(".column") === column) return;
      const values = { opportunity_id: card.dataset.id, version: card.dataset.version, stage_id: column.dataset.stageId };
      if (column.dataset.category === "lost") {
        askLostReason((reason) => { if (reason) { values.lost_reason_id = reason; send(values); } });
      } else {
        send(values);
      }
    });
    function send(values) {
      const query = document.getElementById("board-query");
      const params = query ? new URLSearchParams(new FormData(query)).toString() : "";
      window.htmx.ajax("POST", "/board/move" + (params ? "?" + params : ""), { target: "#board", swap: "outerHTML", values });
    }
    function askLostReason(done) {
      const dialog = document.getElementById("lost-dialog");
      if (!dialog) return done(null);
      dialog.addEventListener("close", function handler() {
        dialog.removeEventListener("close", handler);
        done(dialog.returnValue === "ok" ? document.getElementById("lost-reason").value : null);
      });
      dialog.showModal();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    dashboard(); funnel(); forecast(); board();
  });
})();
