// The year's emissions month by month, direct and purchased stacked; a bar opens that month's lines.
window.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("month-data"), box = document.getElementById("month-chart");
  if (!block || !box || typeof echarts === "undefined") return;
  var d = JSON.parse(block.textContent), chart = echarts.init(box);
  chart.setOption({
    tooltip: { trigger: "axis" }, legend: { top: 0 },
    grid: { left: 10, right: 20, top: 36, bottom: 24, containLabel: true },
    xAxis: { type: "category", data: d.months },
    yAxis: { type: "value", name: "tCO2e" },
    series: [{ type: "bar", stack: "t", name: d.labels.direct, data: d.direct, barMaxWidth: 40 },
             { type: "bar", stack: "t", name: d.labels.indirect, data: d.indirect, barMaxWidth: 40 }]
  });
  chart.on("click", function (p) {
    var run = new URLSearchParams(window.location.search).get("run");
    window.location.href = "/accounting?" + (run ? "run=" + run + "&" : "") + "month=" + encodeURIComponent(p.name) + "#drill";
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
