// Borgerplan: the little the pages do with script. Everything works without it; with it, a part refreshed by
// htmx keeps the keyboard focus where the person needs it: the error summary, else the message that it was saved,
// else the refreshed part's heading (the meeting mode's part, when it is one).
(function () {
  "use strict";

  function focus(target) {
    if (!target) return false;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    focus(document.querySelector("[data-error-summary]"));
    if (window.DKFDS && typeof window.DKFDS.init === "function") window.DKFDS.init();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt;
    if (!root || !root.querySelector) return;
    if (root.id === "consent-preview" || (root.closest && root.closest(".bp-preview"))) return;
    focus(root.querySelector("[data-error-summary]")) ||
      focus(root.querySelector(".alert-success")) ||
      focus(root.querySelector("[data-part-heading]")) ||
      focus(root.querySelector("h2"));
  });
})();
