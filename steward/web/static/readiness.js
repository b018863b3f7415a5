// Per chapter, how many clause items have evidence present, stale or missing: stacked bars in those colours.
window.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("readiness-data"), box = document.getElementById("readiness-chart");
  if (!block || !box || typeof echarts === "undefined") return;
  var d = JSON.parse(block.textContent), chart = echarts.init(box);
  chart.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } }, legend: { top: 0 },
    grid: { left: 10, right: 20, top: 36, bottom: 10, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: d.chapters, inverse: true, axisLabel: { width: 160, overflow: "truncate" } },
    series: d.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: { color: s.color },
               label: { show: true, formatter: function (p) { return p.value ? p.value : ""; } } };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
