// Small progressive enhancements; every page works without them.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(function () {
    button.textContent = "Copied";
  });
});

// A "select all" checkbox (data-select-all="NAME") ticks or clears every checkbox named
// NAME in its form, and shows "some" when only part of them are ticked.
document.addEventListener("change", function (event) {
  const box = event.target;
  const form = box.form;
  if (!form) return;
  if (box.dataset.selectAll) {
    form.querySelectorAll("input[type=checkbox][name='" + box.dataset.selectAll + "']")
      .forEach(function (item) { item.checked = box.checked; });
    return;
  }
  const all = form.querySelector("[data-select-all='" + box.name + "']");
  if (!all) return;
  const items = Array.from(form.querySelectorAll("input[type=checkbox][name='" + box.name + "']"));
  const ticked = items.filter(function (item) { return item.checked; }).length;
  all.checked = ticked === items.length;
  all.indeterminate = ticked > 0 && ticked < items.length;
});
