/* The moderation queue's small maps: one still MapLibre map per report with a position.
 * They only repeat what the text beside them says (city, address, coordinates), so they
 * are hidden from assistive technology and take no keyboard focus (interactive: false). */
(function () {
  "use strict";
  function draw(el) {
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lon = parseFloat(el.getAttribute("data-lon"));
    if (!window.maplibregl || !isFinite(lat) || !isFinite(lon)) { el.hidden = true; return; }
    try {
      var map = new window.maplibregl.Map({
        container: el, style: el.getAttribute("data-style"), center: [lon, lat], zoom: 17,
        interactive: false, attributionControl: false
      });
      // a circle layer, not a Marker: a Marker element could take focus inside aria-hidden
      map.on("load", function () {
        map.addSource("report", { type: "geojson", data: { type: "Feature", properties: {},
          geometry: { type: "Point", coordinates: [lon, lat] } } });
        map.addLayer({ id: "report", type: "circle", source: "report",
          paint: { "circle-radius": 9, "circle-color": "#b00020",
                   "circle-stroke-color": "#ffffff", "circle-stroke-width": 3 } });
      });
    } catch (err) {
      if (window.console) { window.console.warn("moderation map:", err); }
      el.hidden = true;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var maps = document.querySelectorAll(".mod-map");
    for (var i = 0; i < maps.length; i++) { draw(maps[i]); }
  });
}());
