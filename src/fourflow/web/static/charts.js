// Charts on Fourflow pages, drawn with ECharts from data attributes (no inline script, so the
// CSP stays strict):
// - data-chart="bar": data-labels / data-values (JSON arrays), one bar series, negatives red;
// - data-chart="series": data-labels and data-series, a JSON array of {name, type: "bar"|"line",
//   values}; null values are gaps. Optional data-unit names the axis, data-max caps it (per cent).
(function () {
  var COLOURS = ["#0f6e5f", "#b3261e", "#8a5300", "#2f5fb3", "#6b4fa3"];

  function number(value) {
    return value === null || value === undefined ? "-" : Number(value);
  }

  function grid(element) {
    // Narrow screens: less room for the axis labels, the legend below the plot.
    var narrow = element.clientWidth < 480;
    return { left: narrow ? 44 : 64, right: 12, top: 16, bottom: element.dataset.chart === "series" ? 64 : 32,
             containLabel: false };
  }

  function barOption(element) {
    var labels = JSON.parse(element.dataset.labels || "[]");
    var values = JSON.parse(element.dataset.values || "[]").map(Number);
    return {
      grid: grid(element),
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", name: element.dataset.unit || "" },
      series: [{
        type: "bar", data: values.map(function (value) {
          return { value: value, itemStyle: { color: value < 0 ? "#b3261e" : "#0f6e5f" } };
        })
      }]
    };
  }

  function seriesOption(element) {
    var labels = JSON.parse(element.dataset.labels || "[]");
    var series = JSON.parse(element.dataset.series || "[]");
    var max = element.dataset.max ? Number(element.dataset.max) : undefined;
    return {
      color: COLOURS,
      grid: grid(element),
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll" },
      xAxis: { type: "category", data: labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", name: element.dataset.unit || "", min: max ? 0 : undefined, max: max },
      series: series.map(function (item) {
        return { name: item.name, type: item.type, data: item.values.map(number),
                 connectNulls: false, symbolSize: 6, barMaxWidth: 48 };
      })
    };
  }

  function networkOption(element) {
    // data-chart="network": data-network = {nodes: [{id, name, category, focus}], links: [{source,
    // target, money}], categories: [names]}; money links dashed, the seller in focus larger.
    var network = JSON.parse(element.dataset.network || "{}");
    var categories = (network.categories || []).map(function (name) { return { name: name }; });
    var index = {};
    categories.forEach(function (category, position) { index[category.name] = position; });
    return {
      color: COLOURS.concat(["#3d7a2f", "#9c3d78", "#5f6b7a", "#c76b00", "#1f7f99", "#7a5c3d"]),
      tooltip: { formatter: function (item) { return item.dataType === "node" ? item.data.name : ""; } },
      legend: { bottom: 0, type: "scroll", data: categories.map(function (c) { return c.name; }) },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        categories: categories, bottom: 48,
        force: { repulsion: 140, edgeLength: [40, 110], gravity: 0.08 },
        label: { show: element.clientWidth >= 480, position: "right", fontSize: 11 },
        data: (network.nodes || []).map(function (node) {
          return { id: node.id, name: node.name, category: index[node.category],
                   symbolSize: node.focus ? 26 : 12, label: { show: node.focus || undefined } };
        }),
        links: (network.links || []).map(function (link) {
          return { source: link.source, target: link.target,
                   lineStyle: link.money ? { type: "dashed", width: 2 } : { opacity: 0.6 } };
        })
      }]
    };
  }

  function draw(element) {
    var kind = element.dataset.chart;
    var option = kind === "series" ? seriesOption(element)
      : kind === "network" ? networkOption(element) : barOption(element);
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    document.querySelectorAll("[data-chart='bar'], [data-chart='series'], [data-chart='network']")
      .forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
