// "Use the suggested figure" puts the number into the target field the user last typed in
// (any input marked data-smart-target) and fires an input event, so htmx checks it again.
(function () {
  var lastInput = null;
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-smart-target]")) { lastInput = event.target; }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill-target]");
    var input = lastInput || document.querySelector("[data-smart-target]");
    if (!button || !input) { return; }
    input.value = button.dataset.fillTarget;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });
})();
