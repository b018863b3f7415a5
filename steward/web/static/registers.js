// The marginal abatement cost curve: each measure a bar as wide as the tonnes it saves and as high as what
// a tonne costs, cheapest first. Data and labels come in a JSON block the page renders (no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("mac-data"), box = document.getElementById("mac-chart");
  if (!block || !box || typeof echarts === "undefined") return;
  var d = JSON.parse(block.textContent), l = d.labels;
  var data = d.mac.map(function (m) { return [m.from_t, m.from_t + m.abatement_t, m.cost_per_t, m.name, m.abatement_t]; });
  var chart = echarts.init(box);
  chart.setOption({
    tooltip: { formatter: function (p) {
      return p.value[3] + "<br>" + l.abatement + " " + p.value[4].toLocaleString() + "<br>" + p.value[2].toLocaleString() + " " + l.cost;
    } },
    xAxis: { type: "value", name: l.tonnes, nameLocation: "middle", nameGap: 28 },
    yAxis: { type: "value", name: l.cost },
    series: [{ type: "custom", encode: { x: [0, 1], y: 2, tooltip: [2, 4] }, data: data,
      renderItem: function (params, api) {
        var start = api.coord([api.value(0), Math.max(api.value(2), 0)]);
        var end = api.coord([api.value(1), Math.min(api.value(2), 0)]);
        return { type: "rect", shape: { x: start[0], y: start[1], width: end[0] - start[0], height: end[1] - start[1] },
                 style: api.style({ fill: api.value(2) < 0 ? "#2e8b57" : "#d9822b", stroke: "#fff" }) };
      } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
