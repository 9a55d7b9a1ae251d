/* Places page: the listed places on a map, coloured by wheelchair access. The table on the
   page says the same; without this script the page still works. Every word the map shows
   or says comes from the map box's data attributes, in the page's language. */
(function () {
  "use strict";
  var el = document.getElementById("places-config");
  var box = document.getElementById("map");
  if (!el || !box) { return; }
  var cfg = JSON.parse(el.textContent);
  if (!cfg.map || !window.maplibregl) {
    box.classList.add("map-missing");
    box.textContent = box.getAttribute("data-nomap") || "";
    return;
  }
  var bb = cfg.map.bbox;
  var map;
  try {
    map = new window.maplibregl.Map({
      container: box, style: cfg.map.style, bounds: [[bb[0], bb[1]], [bb[2], bb[3]]],
      fitBoundsOptions: { padding: 20 }, maxZoom: 19, attributionControl: { compact: false },
      dragRotate: false, pitchWithRotate: false,
      locale: {
        "Map.Title": box.dataset.label || "",
        "NavigationControl.ZoomIn": box.dataset.zoomIn || "",
        "NavigationControl.ZoomOut": box.dataset.zoomOut || ""
      }
    });
  } catch (err) {
    box.classList.add("map-missing");
    box.textContent = box.getAttribute("data-nomap") || "";
    return;
  }
  map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }));
  map.getCanvas().setAttribute("aria-label", box.dataset.label || "");
  map.getCanvas().setAttribute("aria-describedby", "map-desc");
  map.on("load", function () {
    map.addSource("places", { type: "geojson", data: { type: "FeatureCollection",
      features: (cfg.points || []).map(function (p) {
        return { type: "Feature", geometry: { type: "Point", coordinates: [p.lon, p.lat] },
                 properties: { access: p.wheelchair } };
      }) } });
    map.addLayer({ id: "places", type: "circle", source: "places",
      paint: { "circle-radius": 7, "circle-stroke-color": "#000000", "circle-stroke-width": 2,
               "circle-color": ["match", ["get", "access"], "yes", "#0b6b2f", "limited", "#8a4b00",
                                "no", "#b00020", "#5a5a5a"] } });
  });
}());
