// A meter's daily use over the month shown: one bar a day, in the meter's unit.
window.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("day-data"), box = document.getElementById("day-chart");
  if (!block || !box || typeof echarts === "undefined") return;
  var d = JSON.parse(block.textContent), chart = echarts.init(box);
  chart.setOption({
    tooltip: { trigger: "axis" },
    grid: { left: 10, right: 20, top: 30, bottom: 24, containLabel: true },
    xAxis: { type: "category", data: d.days },
    yAxis: { type: "value", name: d.unit },
    series: [{ type: "line", data: d.values, areaStyle: { opacity: 0.15 }, symbolSize: 4 }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
