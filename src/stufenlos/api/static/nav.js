// stufenlos: the main navigation collapses behind a "Menu" button on narrow screens.
// Progressive enhancement: without this script the list stays open. The CSS
// (app.css, `.main-nav[data-collapsible]`) shows the button and hides the closed
// list only below 40em, so wider screens are unchanged.
// SPDX-License-Identifier: EUPL-1.2
(function () {
  "use strict";
  var nav = document.querySelector(".main-nav");
  var button = nav && nav.querySelector(".nav-toggle");
  var list = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!list) return;

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  setOpen(false);
  nav.setAttribute("data-collapsible", "");
  button.hidden = false;
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes an open menu and returns the focus to its button
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
