/* Information pillar: refresh the content every minute; the refresh can be paused.
   When a refresh fails the last content stays and a notice says how old it is. */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var every = parseInt(root.getAttribute("data-refresh"), 10) || 60;
  var body = document.getElementById("kiosk-body");
  var stamp = document.getElementById("kiosk-now");
  var btn = document.getElementById("kiosk-pause");
  var stale = document.getElementById("kiosk-stale");
  var paused = false;
  btn.hidden = false;
  btn.addEventListener("click", function () {
    paused = !paused;
    btn.setAttribute("aria-pressed", paused ? "true" : "false");
    btn.textContent = btn.getAttribute(paused ? "data-resume" : "data-pause");
  });
  function refresh() {
    if (paused) { return; }
    var url = new URL(window.location.href);
    url.searchParams.set("fragment", "1");
    fetch(url.toString()).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.text();
    }).then(function (html) {
      body.innerHTML = html;
      var fresh = body.querySelector("[data-now]");
      if (fresh) { stamp.textContent = fresh.getAttribute("data-now"); }
      stale.hidden = true;
      stale.textContent = "";
    }).catch(function () {
      /* keep the last content and say that it is old, with the time it is from */
      stale.textContent = stale.getAttribute("data-text").replace("{t}", stamp.textContent);
      stale.hidden = false;
    });
  }
  window.setInterval(refresh, every * 1000);
}());
