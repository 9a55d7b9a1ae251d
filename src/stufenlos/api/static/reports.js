// Report form: choosing the spot on a map fills the coordinate fields.
// The form works without this script: streets can be chosen from a list or typed.
//
// With MapLibre (vendored by `make web`) the map is the city's own offline basemap: zoom
// buttons, a click places the pin, and with the keyboard the arrow keys move the pin while
// Enter or Space set it. The chosen coordinates and the nearest street name are written into
// the form and said in text; the published (moderated) reports near the spot are listed as a
// duplicate hint. Without MapLibre the page shows an SVG drawing of the footpaths instead.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const lat = document.getElementById("field-lat-input");
  const lon = document.getElementById("field-long");
  if (!lat || !lon) return;
  const cfgEl = document.getElementById("report-map-config");
  if (cfgEl) {
    glMap(JSON.parse(cfgEl.textContent), lat, lon);
  } else {
    svgMap(lat, lon);
  }
});

function svgMap(lat, lon) {
  const svg = document.getElementById("report-map");
  if (!svg) return;
  const d = svg.dataset;
  const minx = Number(d.minx), maxy = Number(d.maxy), kx = Number(d.kx), scale = Number(d.scale);
  const choice = document.getElementById("map-choice");
  const status = document.getElementById("map-status");
  const street = document.getElementById("field-street");
  svg.style.cursor = "crosshair";
  svg.addEventListener("click", (event) => {
    const pt = svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    const p = pt.matrixTransform(svg.getScreenCTM().inverse());
    lat.value = (maxy - p.y / scale).toFixed(7);
    lon.value = (minx + p.x / (kx * scale)).toFixed(7);
    choice.setAttribute("cx", p.x);
    choice.setAttribute("cy", p.y);
    if (street) street.value = "";
    const details = lat.closest("details");
    if (details) details.open = true;
    if (status) status.textContent = `${lat.value}, ${lon.value}`;
  });
}

/* metres between two [lon, lat] points (haversine) */
function metres(a, b) {
  const r = Math.PI / 180;
  const dlat = (b[1] - a[1]) * r, dlon = (b[0] - a[0]) * r;
  const h = Math.sin(dlat / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(dlon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

/* squared pixel distance from point p to segment a-b */
function segDist2(p, a, b) {
  const dx = b.x - a.x, dy = b.y - a.y;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len)) : 0;
  const x = a.x + t * dx - p.x, y = a.y + t * dy - p.y;
  return x * x + y * y;
}

/* a duplicate hint counts reports this close to the chosen spot */
const NEARBY_M = 100;
const STEP_PX = 20;

function glMap(cfg, lat, lon) {
  const el = document.getElementById("report-map-gl");
  const T = cfg.texts || {};
  const choiceText = document.getElementById("map-choice-text");
  const nearbyBox = document.getElementById("nearby");
  const street = document.getElementById("field-street");
  const address = document.getElementById("field-address_string");
  if (!el) return;
  if (!window.maplibregl || !cfg.map) { noMap(el); return; }
  const bb = cfg.map.bbox;
  let map;
  try {
    map = new window.maplibregl.Map({
      container: el, style: cfg.map.style, center: cfg.map.center || [(bb[0] + bb[2]) / 2, (bb[1] + bb[3]) / 2],
      zoom: 16, minZoom: 13, maxZoom: 19, dragRotate: false, pitchWithRotate: false,
      // the attribution folds into a button on narrow maps (MapLibre's default below 640 px)
      locale: {
        "NavigationControl.ZoomIn": T.zoom_in, "NavigationControl.ZoomOut": T.zoom_out,
        "Map.Title": T.map_label, "Marker.Title": T.marker,
        "AttributionControl.ToggleAttribution": T.attribution
      }
    });
  } catch (err) {
    noMap(el);
    return;
  }
  el.maplibreMap = map; // for scripts and browser tests (queryRenderedFeatures)
  map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }));
  map.keyboard.disable(); // the arrow keys move the pin here, not the map
  const canvas = map.getCanvas();
  canvas.setAttribute("aria-label", T.map_label || "Map");
  canvas.setAttribute("aria-describedby", "map-help map-choice-text");

  const pinEl = document.createElement("div");
  pinEl.className = "report-pin";
  pinEl.setAttribute("aria-hidden", "true");
  const pin = new window.maplibregl.Marker({ element: pinEl, anchor: "bottom" });
  let draft = null; // [lon, lat] of the pin while it is moved with the keyboard
  let reports = [];

  function showPin(lngLat) {
    draft = [lngLat.lng, lngLat.lat];
    pin.setLngLat(lngLat).addTo(map);
  }

  function nearestStreet(lngLat) {
    const p = map.project(lngLat);
    const box = [[p.x - 80, p.y - 80], [p.x + 80, p.y + 80]];
    const ways = map.getStyle().layers.filter((l) => l.id.indexOf("ways-") === 0).map((l) => l.id);
    let best = null, bestD = Infinity;
    map.queryRenderedFeatures(box, { layers: ways }).forEach((f) => {
      const name = f.properties && f.properties.name;
      if (!name) return;
      const lines = f.geometry.type === "LineString" ? [f.geometry.coordinates] : f.geometry.coordinates;
      lines.forEach((line) => {
        for (let i = 1; i < line.length; i++) {
          const d = segDist2(p, map.project(line[i - 1]), map.project(line[i]));
          if (d < bestD) { bestD = d; best = name; }
        }
      });
    });
    return best;
  }

  function listNearby(spot) {
    const near = reports.map((r) => ({ r, d: metres(spot, [r.long, r.lat]) }))
      .filter((x) => x.d <= NEARBY_M).sort((a, b) => a.d - b.d);
    nearbyBox.textContent = "";
    const head = document.createElement("p");
    head.textContent = near.length ? T.nearby : T.none_nearby;
    nearbyBox.appendChild(head);
    if (!near.length) return;
    const ul = document.createElement("ul");
    near.forEach((x) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "/reports/" + encodeURIComponent(x.r.service_request_id) + "?lang=" + encodeURIComponent(cfg.lang);
      const what = (cfg.services || {})[x.r.service_code] || x.r.service_name || T.report;
      a.textContent = what + (x.r.address ? " – " + x.r.address : "");
      li.appendChild(a);
      li.appendChild(document.createTextNode(", " + Math.round(x.d) + " m"));
      ul.appendChild(li);
    });
    nearbyBox.appendChild(ul);
  }

  function place(lngLat) {
    showPin(lngLat);
    lat.value = lngLat.lat.toFixed(7);
    lon.value = lngLat.lng.toFixed(7);
    if (street) street.value = "";
    const details = lat.closest("details");
    if (details) details.open = true;
    const name = nearestStreet(lngLat);
    if (name && address && (!address.value || address.dataset.fromMap === "1")) {
      address.value = name;
      address.dataset.fromMap = "1";
    }
    choiceText.textContent = T.chosen + ": " + lat.value + ", " + lon.value + " – " +
      (name ? T.near + ": " + name : T.no_street) + ".";
    listNearby(draft);
  }

  map.on("click", (e) => place(e.lngLat));
  canvas.addEventListener("keydown", (e) => {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[e.key]) {
      e.preventDefault();
      if (!draft) { showPin(map.getCenter()); return; }
      const step = e.shiftKey ? STEP_PX * 3 : STEP_PX;
      const p = map.project(draft);
      p.x += moves[e.key][0] * step;
      p.y += moves[e.key][1] * step;
      showPin(map.unproject(p));
      const w = canvas.clientWidth, h = canvas.clientHeight;
      if (p.x < 30 || p.y < 30 || p.x > w - 30 || p.y > h - 30) { map.panTo(draft, { duration: 0 }); }
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      place(draft ? new window.maplibregl.LngLat(draft[0], draft[1]) : map.getCenter());
    } else if (e.key === "+" || e.key === "=") {
      e.preventDefault(); map.zoomIn();
    } else if (e.key === "-") {
      e.preventDefault(); map.zoomOut();
    }
  });

  map.on("load", () => {
    map.addSource("reports", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: "reports", type: "circle", source: "reports",
      paint: { "circle-radius": 7, "circle-color": "#b00020",
               "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
    // published reports only: the public Open311 list never holds unmoderated ones
    const q = new URLSearchParams({ jurisdiction_id: cfg.map.city, status: "open", bbox: bb.join(",") });
    fetch("/open311/v2/requests.json?" + q.toString())
      .then((r) => (r.ok ? r.json() : []))
      .then((list) => {
        reports = list.filter((r) => typeof r.lat === "number" && typeof r.long === "number");
        map.getSource("reports").setData({ type: "FeatureCollection", features: reports.map((r) => ({
          type: "Feature", geometry: { type: "Point", coordinates: [r.long, r.lat] }, properties: {}
        })) });
        if (draft) listNearby(draft);
      }).catch(() => { /* the list of reports is on /reports */ });
    if (lat.value && lon.value && !isNaN(Number(lat.value)) && !isNaN(Number(lon.value))) {
      showPin(new window.maplibregl.LngLat(Number(lon.value), Number(lat.value)));
      map.setCenter(draft);
    }
  });
}

function noMap(el) {
  el.classList.add("map-missing");
  el.textContent = el.getAttribute("data-nomap") || "";
}
