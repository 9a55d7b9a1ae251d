/* Information pillar: refresh the content every minute; the refresh can be paused. */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var every = parseInt(root.getAttribute("data-refresh"), 10) || 60;
  var body = document.getElementById("kiosk-body");
  var stamp = document.querySelector("#kiosk-updated time");
  var btn = document.getElementById("kiosk-pause");
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
      var now = new Date();
      stamp.textContent = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
    }).catch(function () { /* keep the last content; the time shows its age */ });
  }
  window.setInterval(refresh, every * 1000);
}());
