// Dashboard charts: the data and labels come in a JSON block the page renders (no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("dashboard-data");
  if (!block || typeof echarts === "undefined") return;
  var d = JSON.parse(block.textContent), l = d.labels, charts = [];
  var box = document.getElementById("intensity-chart");
  if (box && d.intensity.years.length) {
    var series = [];
    d.intensity.series.forEach(function (s) {
      series.push({ name: s.name, type: "line", data: s.data, connectNulls: true, symbolSize: 8,
                    markLine: s.baseline ? { symbol: "none", lineStyle: { type: "dashed" },
                      label: { formatter: l.baseline }, data: [{ yAxis: s.baseline }] } : undefined });
    });
    var t = echarts.init(box);
    t.setOption({ tooltip: { trigger: "axis" }, legend: { top: 0 },
                  grid: { left: 10, right: 70, top: 36, bottom: 20, containLabel: true },
                  xAxis: { type: "category", data: d.intensity.years },
                  yAxis: { type: "value", name: l.per_t, scale: true }, series: series });
    charts.push(t);
  }
  var cov = d.coverage, c = echarts.init(document.getElementById("coverage"));
  c.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } }, legend: { top: 0 },
    grid: { left: 10, right: 20, top: 56, bottom: 10, containLabel: true },
    xAxis: { type: "value", name: l.clauses, minInterval: 1 },
    yAxis: { type: "category", data: cov.chapters, inverse: true, axisLabel: { width: 150, overflow: "truncate" } },
    series: cov.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: { color: s.color },
               label: { show: true, formatter: function (p) { return p.value ? p.value : ""; } } };
    })
  });
  charts.push(c);
  var r = document.getElementById("readiness-trend");
  if (r && d.readiness.days.length) {
    var rt = echarts.init(r);
    rt.setOption({ tooltip: { trigger: "axis" }, grid: { left: 10, right: 20, top: 20, bottom: 20, containLabel: true },
                   xAxis: { type: "category", data: d.readiness.days },
                   yAxis: { type: "value", min: 0, max: 100, name: "%" },
                   series: [{ name: d.readiness.label, type: "line", data: d.readiness.share, areaStyle: {},
                              itemStyle: { color: "#2e7d32" } }] });
    charts.push(rt);
  }
  window.addEventListener("resize", function () { charts.forEach(function (x) { x.resize(); }); });
});
