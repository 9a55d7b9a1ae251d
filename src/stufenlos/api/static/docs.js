// stufenlos: names for the fields Swagger UI leaves unlabelled on /docs (routes/docs.py).
// Swagger UI renders the request body editor as a bare <textarea>; its own options
// cannot label it, so this names each one as it appears (WCAG 4.1.2, 3.3.2).
// SPDX-License-Identifier: EUPL-1.2
(function () {
  "use strict";
  function label(root) {
    root.querySelectorAll("textarea.body-param__text:not([aria-label])").forEach(function (t) {
      t.setAttribute("aria-label", "Request body (JSON)");
    });
  }
  new MutationObserver(function () { label(document); })
    .observe(document.body, { childList: true, subtree: true });
})();
