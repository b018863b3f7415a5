// A register's chart, drawn from the plain data the page renders in a JSON block (no inline script):
// a heat matrix, bars (stacked or side by side) or a pie, with titles and names in the reader's language.
window.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("record-chart-data"), box = document.getElementById("record-chart");
  if (!block || !box || typeof echarts === "undefined") return;
  var d = JSON.parse(block.textContent), option;
  if (d.kind === "heatmap") {
    option = {
      tooltip: { formatter: function (p) { return d.x_name + " " + (p.value[0] + 1) + " · " + d.y_name + " " + (p.value[1] + 1) + ": " + p.value[2]; } },
      grid: { left: 60, right: 20, top: 30, bottom: 90 },
      xAxis: { type: "category", data: d.x, name: d.x_name, nameLocation: "middle", nameGap: 28, splitArea: { show: true } },
      yAxis: { type: "category", data: d.y, name: d.y_name, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(d.max, 3), calculable: true, orient: "horizontal", left: "center", bottom: 0,
                   inRange: { color: ["#fff7e6", "#f9a825", "#c62828"] } },
      series: [{ type: "heatmap", data: d.data, label: { show: true } }]
    };
  } else if (d.kind === "pie") {
    option = { tooltip: { trigger: "item" }, legend: { bottom: 0 },
               series: [{ type: "pie", radius: ["35%", "65%"], data: d.data, label: { formatter: "{b}: {c}" } }] };
  } else {
    option = {
      tooltip: { trigger: "axis" }, legend: { show: d.series.length > 1, top: 0 },
      grid: { left: 60, right: 20, top: 36, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, overflow: "truncate", width: 90 } },
      yAxis: { type: "value", name: d.unit, max: d.max },
      series: d.series.map(function (s) { return { type: "bar", name: s.name, data: s.data, barMaxWidth: 56, stack: d.stacked ? "all" : undefined }; })
    };
  }
  var chart = echarts.init(box);
  chart.setOption(option);
  window.addEventListener("resize", function () { chart.resize(); });
});
