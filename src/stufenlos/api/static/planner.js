/* stufenlos route planner and barrier map: progressive enhancement of server-rendered pages.
   Without this script every page still works (forms are plain GET forms answered by the
   server). The script adds the map, place suggestions, map clicks, the current position and
   answers without a page reload. No domain logic here: routes and texts come from the server. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("planner-config");
  if (!cfgEl) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  var T = cfg.texts || {};
  var form = document.getElementById("planner-form");
  var map = null;
  var markers = {};
  var clickTarget = "from";

  var KIND_COLOURS = [
    "match", ["get", "kind"],
    "steps", "#b00020", "escalator", "#b00020", "elevator", "#0050a0", "ramp", "#0b6b2f",
    "kerb", "#8a4b00", "steep_incline", "#8a4b00", "narrow_passage", "#8a4b00",
    "bad_surface", "#6b4e16", "#3d3d3d"
  ];

  function $(id) { return document.getElementById(id); }

  function noMap(el) {
    el.classList.add("map-missing");
    el.textContent = el.getAttribute("data-nomap") || "";
  }

  function fmt(x) { return (Math.round(x * 1e6) / 1e6).toFixed(6); }

  function setMarker(which, lngLat) {
    if (!map) { return; }
    if (markers[which]) { markers[which].remove(); }
    if (!lngLat) { return; }
    var el = document.createElement("div");
    el.className = "pin pin-" + which;
    el.textContent = which === "from" ? "A" : "B";
    el.setAttribute("aria-hidden", "true");
    markers[which] = new window.maplibregl.Marker({ element: el }).setLngLat(lngLat).addTo(map);
  }

  /* padding that keeps the route and its A/B markers clear of the zoom buttons (top right)
     and the attribution (bottom) */
  function clearOfControls() {
    var box = map.getContainer();
    var size = function (sel, dim) {
      var n = box.querySelector(sel);
      return n ? n[dim] : 0;
    };
    var pad = { top: 40, bottom: 40 + size(".maplibregl-ctrl-bottom-right", "offsetHeight"),
                left: 40, right: 40 + size(".maplibregl-ctrl-top-right", "offsetWidth") };
    var room = function (a, b, total) { return a + b < total - 40; };
    if (!room(pad.left, pad.right, box.clientWidth)) { pad.left = pad.right = 10; }
    if (!room(pad.top, pad.bottom, box.clientHeight)) { pad.top = pad.bottom = 10; }
    return pad;
  }

  function drawRoute() {
    var data = $("route-data");
    var geo = data ? JSON.parse(data.textContent) : null;
    if (!map || !map.getSource("route")) { return; }
    var feats = [];
    if (geo && geo.geometry) {
      feats.push({ type: "Feature", geometry: geo.geometry, properties: {} });
    }
    map.getSource("route").setData({ type: "FeatureCollection", features: feats });
    if (geo && geo.origin) {
      setMarker("from", [geo.origin.lon, geo.origin.lat]);
      setMarker("to", [geo.destination.lon, geo.destination.lat]);
    }
    if (geo && geo.geometry && geo.geometry.coordinates.length) {
      var b = new window.maplibregl.LngLatBounds();
      geo.geometry.coordinates.forEach(function (c) { b.extend(c); });
      map.fitBounds(b, { padding: clearOfControls(), maxZoom: 18, duration: 0 });
    }
  }

  function addOverlays() {
    var own = !!map.getSource("city");
    if (own) {
      map.addLayer({
        id: "barriers", type: "circle", source: "city", "source-layer": "barriers",
        minzoom: 15,
        paint: { "circle-radius": 5, "circle-color": KIND_COLOURS,
                 "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 }
      });
    }
    map.addSource("elevators", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({
      id: "elevators", type: "circle", source: "elevators",
      paint: { "circle-radius": 8, "circle-color": ["match", ["get", "status"], "closed", "#b00020", "#0050a0"],
               "circle-stroke-color": "#000000", "circle-stroke-width": 2 }
    });
    fetch("/api/cities/" + encodeURIComponent(cfg.map.city) + "/elevators?limit=1000")
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (page) {
        map.getSource("elevators").setData({
          type: "FeatureCollection",
          features: page.items.map(function (e) {
            return { type: "Feature", geometry: { type: "Point", coordinates: [e.lon, e.lat] },
                     properties: { status: e.status } };
          })
        });
      }).catch(function () { /* the list on the page has the same facts */ });
    if (cfg.barriers) {
      map.addSource("listed", { type: "geojson", data: { type: "FeatureCollection",
        features: cfg.barriers.map(function (b) {
          return { type: "Feature", geometry: { type: "Point", coordinates: [b.lon, b.lat] },
                   properties: { kind: b.kind } };
        }) } });
      map.addLayer({ id: "listed", type: "circle", source: "listed",
        paint: { "circle-radius": 7, "circle-color": KIND_COLOURS,
                 "circle-stroke-color": "#000000", "circle-stroke-width": 2 } });
    }
    var toggle = $("show-places");  // places you can enter, coloured by access; off at first
    if (toggle) {
      map.addSource("places", { type: "geojson",
        data: "/api/cities/" + encodeURIComponent(cfg.map.city) + "/venues.geojson" });
      map.addLayer({ id: "places", type: "circle", source: "places", layout: { visibility: "none" },
        paint: { "circle-radius": 6, "circle-stroke-color": "#000000", "circle-stroke-width": 1,
                 "circle-color": ["match", ["get", "wheelchair"], "yes", "#0b6b2f",
                                  "limited", "#8a4b00", "no", "#b00020", "#5a5a5a"] } });
      toggle.addEventListener("change", function () {
        map.setLayoutProperty("places", "visibility", toggle.checked ? "visible" : "none");
      });
    }
    map.addSource("route", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: "route-casing", type: "line", source: "route",
      layout: { "line-join": "round", "line-cap": "round" },
      paint: { "line-color": "#ffffff", "line-width": 10 } });
    map.addLayer({ id: "route", type: "line", source: "route",
      layout: { "line-join": "round", "line-cap": "round" },
      paint: { "line-color": "#0a4a8f", "line-width": 6 } });
    drawRoute();
  }

  function initMap() {
    var el = $("map");
    if (!el) { return; }
    if (!cfg.map || !window.maplibregl) { noMap(el); return; }
    var c = cfg.map.center || [(cfg.map.bbox[0] + cfg.map.bbox[2]) / 2,
                               (cfg.map.bbox[1] + cfg.map.bbox[3]) / 2];
    var bb = cfg.map.bbox;
    var small = bb && (bb[2] - bb[0]) < 0.05 && (bb[3] - bb[1]) < 0.03;
    try {
      map = new window.maplibregl.Map({
        container: el, style: cfg.map.style, center: c, zoom: 15, minZoom: 13, maxZoom: 19,
        bounds: small ? [[bb[0], bb[1]], [bb[2], bb[3]]] : undefined,
        fitBoundsOptions: { padding: 20 },
        attributionControl: { compact: false }, dragRotate: false, pitchWithRotate: false,
        locale: cfg.lang === "en" ? {} : {
          "NavigationControl.ZoomIn": "Karte vergrößern",
          "NavigationControl.ZoomOut": "Karte verkleinern",
          "Map.Title": "Karte",
          "Marker.Title": "Markierung",
          "AttributionControl.ToggleAttribution": "Quellenangaben ein- oder ausblenden"
        }
      });
    } catch (err) {
      noMap(el);
      return;
    }
    el.maplibreMap = map; // for scripts and browser tests (queryRenderedFeatures)
    map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }));
    var canvas = map.getCanvas();
    canvas.setAttribute("aria-label", T.map_label || "Map");
    canvas.setAttribute("aria-describedby", "map-desc");
    map.on("load", addOverlays);
    if (form) { map.on("click", onMapClick); }
  }

  function onMapClick(e) {
    var field = $(clickTarget);
    field.value = fmt(e.lngLat.lat) + ", " + fmt(e.lngLat.lng);
    setMarker(clickTarget, e.lngLat);
    clickTarget = clickTarget === "from" ? "to" : "from";
    if ($("from").value && $("to").value) { plan(); }
  }

  /* ---------- place suggestions ---------- */
  var timers = {};
  function suggest(input) {
    var q = input.value.trim();
    var list = $(input.id + "-suggestions");
    if (q.length < 2 || /^-?\d/.test(q)) { return; }
    clearTimeout(timers[input.id]);
    timers[input.id] = setTimeout(function () {
      var city = $("city").value;
      fetch("/api/cities/" + encodeURIComponent(city) + "/places?limit=8&lang=" +
            encodeURIComponent(cfg.lang || "de") + "&q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (places) {
          list.textContent = "";
          places.forEach(function (p) {
            var opt = document.createElement("option");
            opt.value = p.label;  // kind and district tell equal names apart
            list.appendChild(opt);
          });
        }).catch(function () { /* typing a full name still works */ });
    }, 200);
  }

  /* ---------- limits follow the chosen profile ---------- */
  function onProfile() {
    var name = $("profile").value;
    var prof = (cfg.profiles || []).filter(function (p) { return p.name === name; })[0];
    if (!prof) { return; }
    Object.keys(prof.limits).forEach(function (k) {
      var input = $(k);
      if (input) {
        var v = prof.limits[k];
        input.value = v === null || v === undefined ? "" : String(v);
      }
    });
    $("limits-for").value = name;
  }

  /* ---------- answer without reloading ---------- */
  function plan() {
    var params = new URLSearchParams(new FormData(form));
    if (cfg.map && params.get("city") !== cfg.map.city) {
      window.location.assign("/planner?" + params.toString());
      return;
    }
    var status = $("route-status");
    status.textContent = T.planning || "";
    fetch("/planner/result?" + params.toString(), { headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var part = function (id) { var n = doc.getElementById(id); return n ? n.innerHTML : ""; };
        $("route-errors").innerHTML = part("f-errors");
        $("route-body").innerHTML = part("f-body");
        $("from-found").innerHTML = part("f-found-from");
        $("to-found").innerHTML = part("f-found-to");
        status.textContent = (doc.getElementById("f-status") || {}).textContent || "";
        window.history.replaceState(null, "", "/planner?" + params.toString());
        drawRoute();
      })
      .catch(function () { status.textContent = T.failed || ""; });
  }

  function locate(btn) {
    var target = $(btn.getAttribute("data-target"));
    var status = $("route-status");
    navigator.geolocation.getCurrentPosition(function (pos) {
      target.value = fmt(pos.coords.latitude) + ", " + fmt(pos.coords.longitude);
      status.textContent = T.located || "";
    }, function () { status.textContent = T.no_location || ""; }, { timeout: 10000 });
  }

  if (form) {
    form.addEventListener("submit", function (e) { e.preventDefault(); plan(); });
    ["from", "to"].forEach(function (id) {
      $(id).addEventListener("input", function (e) { suggest(e.target); });
    });
    $("profile").addEventListener("change", onProfile);
    if (navigator.geolocation) {
      Array.prototype.forEach.call(document.querySelectorAll("button.locate"), function (btn) {
        btn.hidden = false;
        btn.addEventListener("click", function () { locate(btn); });
      });
    }
  }
  initMap();
}());
