// Charts on Fourflow pages: any element with data-chart="bar" and data-labels / data-values
// (JSON arrays) becomes an ECharts bar chart. No inline script, so the CSP stays strict.
(function () {
  function draw(element) {
    var labels = JSON.parse(element.dataset.labels || "[]");
    var values = JSON.parse(element.dataset.values || "[]").map(Number);
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      grid: { left: 56, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", name: element.dataset.unit || "" },
      series: [{
        type: "bar", data: values.map(function (value) {
          return { value: value, itemStyle: { color: value < 0 ? "#b3261e" : "#0f6e5f" } };
        })
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function drawAll() {
    document.querySelectorAll("[data-chart='bar']").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
