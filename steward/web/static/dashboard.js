// Dashboard charts: the data and labels come in a JSON block the page renders (no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("dashboard-data");
  if (!block || typeof echarts === "undefined") return;
  var d = JSON.parse(block.textContent), trend = d.trend, cov = d.coverage, l = d.labels;
  var t = echarts.init(document.getElementById("trend"));
  var series = [{ name: l.monthly, type: "bar", data: trend.total }];
  if (trend.baseline) series.push({ name: l.baseline, type: "line", data: trend.months.map(function () { return trend.baseline; }) });
  t.setOption({ tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: trend.months },
                yAxis: { type: "value" }, series: series });
  var c = echarts.init(document.getElementById("coverage"));
  c.setOption({ tooltip: {}, grid: { left: 90 }, xAxis: { type: "category", data: cov.results },
    yAxis: { type: "category", data: cov.chapters.map(function (x) { return l.chapter.replace("{n}", x); }) },
    visualMap: { min: 0, max: 40, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
    series: [{ type: "heatmap", data: cov.cells.map(function (a) { return [a[1], a[0], a[2]]; }), label: { show: true } }] });
  window.addEventListener("resize", function () { t.resize(); c.resize(); });
});
