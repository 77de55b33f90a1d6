// Draws each element with data-chart="<id>" from the JSON figure in the element <id>,
// on page load and again whenever htmx swaps in a refreshed part of the page.
(function () {
  "use strict";
  function draw(root) {
    root.querySelectorAll("[data-chart]").forEach(function (target) {
      var source = document.getElementById(target.dataset.chart);
      if (!source || !window.Plotly) { return; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.react(target, figure.data, figure.layout, { displayModeBar: false, responsive: true });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
