// Each objective's accounted figure per year against the straight path from its baseline to its target.
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
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
