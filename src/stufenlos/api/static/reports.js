// Report form: a click (or tap) on the footpath map fills the coordinate fields.
// The form works without this script: streets can be chosen from a list or typed.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const svg = document.getElementById("report-map");
  const lat = document.getElementById("field-lat-input");
  const lon = document.getElementById("field-long");
  if (!svg || !lat || !lon) return;
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
    const lonValue = minx + p.x / (kx * scale);
    const latValue = maxy - p.y / scale;
    lat.value = latValue.toFixed(7);
    lon.value = lonValue.toFixed(7);
    choice.setAttribute("cx", p.x);
    choice.setAttribute("cy", p.y);
    if (street) street.value = "";
    const details = lat.closest("details");
    if (details) details.open = true;
    if (status) status.textContent = `${lat.value}, ${lon.value}`;
  });
});
