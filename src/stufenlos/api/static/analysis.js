/* Equity analysis page: the fixes of the list as points on a map; clicking a point
   chooses it in the list (the list and its button work without this script). */
(function () {
  "use strict";
  var cfgEl = document.getElementById("analysis-config");
  var select = document.getElementById("fix");
  var el = document.getElementById("fix-map");
  if (!cfgEl || !select || !el) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  var COLORS = { station: "#0a4a8f", steps: "#b3261e", kerb: "#6a3d9a" };

  function noMap() {
    el.classList.add("map-missing");
    el.textContent = el.getAttribute("data-nomap") || "";
  }

  function features() {
    var out = [];
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value) { return; }
      out.push({ type: "Feature",
        geometry: { type: "Point", coordinates: [+o.dataset.lon, +o.dataset.lat] },
        properties: { value: o.value, kind: o.dataset.kind, label: o.textContent.trim() } });
    });
    return { type: "FeatureCollection", features: out };
  }

  if (!cfg.map || !window.maplibregl) { noMap(); return; }
  var data = features();
  var map;
  try {
    map = new window.maplibregl.Map({
      container: el, style: cfg.map.style, attributionControl: { compact: false },
      dragRotate: false, pitchWithRotate: false,
      bounds: cfg.map.bbox ? [[cfg.map.bbox[0], cfg.map.bbox[1]], [cfg.map.bbox[2], cfg.map.bbox[3]]] : undefined,
      fitBoundsOptions: { padding: 20 }
    });
  } catch (err) { noMap(); return; }
  map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }));
  var canvas = map.getCanvas();
  canvas.setAttribute("aria-label", cfg.texts.map_label);

  map.on("load", function () {
    map.addSource("fixes", { type: "geojson", data: data });
    map.addLayer({ id: "fixes", type: "circle", source: "fixes", paint: {
      "circle-radius": ["case", ["==", ["get", "value"], select.value], 10, 6],
      "circle-color": ["match", ["get", "kind"], "station", COLORS.station,
                       "kerb", COLORS.kerb, COLORS.steps],
      "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
    if (data.features.length) {
      var b = new window.maplibregl.LngLatBounds();
      data.features.forEach(function (f) { b.extend(f.geometry.coordinates); });
      map.fitBounds(b, { padding: 30, maxZoom: 16, duration: 0 });
    }
  });

  function highlight() {
    if (map.getLayer("fixes")) {
      map.setPaintProperty("fixes", "circle-radius",
        ["case", ["==", ["get", "value"], select.value], 10, 6]);
    }
  }

  map.on("click", "fixes", function (e) {
    var f = e.features && e.features[0];
    if (!f) { return; }
    select.value = f.properties.value;
    highlight();
    select.focus();
  });
  map.on("mouseenter", "fixes", function () { canvas.style.cursor = "pointer"; });
  map.on("mouseleave", "fixes", function () { canvas.style.cursor = ""; });
  select.addEventListener("change", function () {
    highlight();
    var o = select.options[select.selectedIndex];
    if (o && o.value) {
      map.easeTo({ center: [+o.dataset.lon, +o.dataset.lat], zoom: Math.max(map.getZoom(), 15) });
    }
  });
})();
