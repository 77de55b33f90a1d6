// The plan editor's lists (tiers, milestones, attribute values): without script every
// row is shown and blank ones are skipped when the form is read; with it, blank rows
// past the first wait behind "Add a row" and each row has a "Remove" button that clears it.
(function () {
  function blank(row) {
    return Array.from(row.querySelectorAll("input")).every(function (input) {
      return input.value.trim() === "";
    });
  }

  function addButtonFor(table) {
    const wrap = table.closest(".table-wrap");
    const next = wrap ? wrap.nextElementSibling : null;
    return next && next.hasAttribute("data-add-row") ? next : null;
  }

  function refresh(table) {
    const hidden = table.querySelectorAll("tr[data-row][hidden]").length;
    const add = addButtonFor(table);
    if (add) add.hidden = hidden === 0;
  }

  function enhance(table) {
    let blankShown = false;
    table.querySelectorAll("tr[data-row]").forEach(function (row) {
      row.querySelector("[data-remove-row]").hidden = false;
      if (blank(row)) {
        row.hidden = blankShown;
        blankShown = true;
      }
    });
    const add = addButtonFor(table);
    if (add) {
      add.addEventListener("click", function () {
        const next = table.querySelector("tr[data-row][hidden]");
        if (next) {
          next.hidden = false;
          const first = next.querySelector("input");
          if (first) first.focus();
        }
        refresh(table);
      });
    }
    table.addEventListener("click", function (event) {
      const button = event.target.closest("[data-remove-row]");
      if (!button) return;
      const row = button.closest("tr");
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      const shown = table.querySelectorAll("tr[data-row]:not([hidden])").length;
      if (shown > 1) row.hidden = true;
      refresh(table);
    });
    refresh(table);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-rows]").forEach(enhance);
  });
})();
