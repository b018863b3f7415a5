// Each objective's accounted figure per year against the straight path from its baseline to its target, and a year
// in progress month by month, cumulative, against the base year's same months and the path pro-rated likewise.
window.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("trajectory-data");
  if (!block || typeof echarts === "undefined") return;
  var all = JSON.parse(block.textContent), charts = [];
  document.querySelectorAll("#trajectories [data-chart]").forEach(function (box) {
    var d = all[+box.getAttribute("data-chart")], chart = echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
      xAxis: { type: "category", data: d.years },
      yAxis: { type: "value", scale: true },
      series: [
        { type: "line", name: d.labels.actual, data: d.actual, connectNulls: true, symbolSize: 8 },
        { type: "line", name: d.labels.path, data: d.path, lineStyle: { type: "dashed" }, symbol: "none" }
      ]
    });
    charts.push(chart);
  });
  // a year in progress as a part year: cumulative over its months against the same months, never one month
  document.querySelectorAll("#trajectories [data-so-far]").forEach(function (box) {
    var d = all[+box.getAttribute("data-so-far")].so_far, chart = echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", scale: true },
      series: [
        { type: "line", name: d.labels.actual, data: d.actual, symbolSize: 8 },
        { type: "line", name: d.labels.base, data: d.base, lineStyle: { type: "dotted" } },
        { type: "line", name: d.labels.path, data: d.path, lineStyle: { type: "dashed" }, symbol: "none" }
      ]
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
