"use strict";
// The virtual plant's live page: its layout once from /api/status, then one snapshot of the PLC
// per control interval from the event stream.
(() => {
  const { el, fmt, seconds, stream, Trend } = SafeLoopView;
  const $ = (id) => document.getElementById(id);
  let layout = null;
  const trends = {}, setpoints = {};

  async function main() {
    const r = await fetch("/api/status", { credentials: "same-origin", cache: "no-store" });
    if (r.status === 401) {
      $("connection").textContent = "refused";
      $("connection").setAttribute("data-state", "refused");
      $("subtitle").textContent = "this view needs its access token: open it as /?token=TOKEN";
      return;
    }
    layout = await r.json();
    $("title").textContent = "Virtual plant " + layout.plant;
    $("subtitle").textContent = "scenario " + layout.scenario + ", " + layout.speed.toPrecision(4) +
      "x real time, one step every " + layout.step_period_ms + " ms, watchdog " + layout.watchdog_s + " s" +
      (layout.truth ? "; " + layout.truth : "");
    $("endpoints").textContent = [
      layout.modbus_port > 0 ? "Modbus TCP 127.0.0.1:" + layout.modbus_port : null,
      layout.opcua_endpoint ? "OPC UA " + layout.opcua_endpoint : null,
    ].filter((x) => x).join(" · ");
    const tbody = $("tags").tBodies[0];
    for (const t of layout.tags) {
      tbody.append(el("tr", { "data-key": t.name }, el("td", {}, t.name), el("td", { class: "num", id: "tag-" + t.name }, "-"),
        el("td", {}, t.unit), el("td", {}, t.writable ? "read/write" : "read")));
    }
    for (const o of layout.observations) {
      trends[o.name] = new Trend($("trends"), "trend-" + o.name, o.name, o.unit,
        [{ label: o.tag, stroke: "#2563eb", width: 2 }], layout.history);
    }
    for (const a of layout.actions) {
      setpoints[a.name] = new Trend($("setpoints"), "setpoint-" + a.name, a.name, a.unit, [
        { label: a.tag + " (in force)", stroke: "#111827", width: 2 },
        { label: a.remote_tag, stroke: "#15803d", dash: [4, 3] },
        { label: a.local_tag, stroke: "#b45309", dash: [4, 3] },
        { label: a.recommended_tag, stroke: "#7c3aed", dash: [2, 3] },
      ], layout.history);
    }
    stream("/events", { plant: onSnapshot, live: () => {} }, (s) => {
      $("connection").textContent = s;
      $("connection").setAttribute("data-state", s);
    });
  }

  function onSnapshot(s) {
    const x = seconds(s.ts);
    const mode = $("mode");
    mode.textContent = s.remote ? "remote/auto" : "local/manual";
    mode.className = "mode " + (s.remote ? "mode-remote" : "mode-local");
    mode.setAttribute("data-mode", s.remote ? "remote" : "local");
    $("steps").textContent = String(s.steps);
    $("servers").textContent = s.servers_running ? "running" : "stopped";
    $("sheds").textContent = String(s.watchdog_sheds);
    $("refused").textContent = String(s.refused_writes);
    const faults = Object.entries(s.faults);
    $("faults").textContent = faults.length ? faults.map(([k, v]) => k + ": " + v).join(", ") : "none";
    $("advisory").textContent = s.advisory_reason || "-";
    for (const [name, v] of Object.entries(s.tags)) {
      const cell = document.getElementById("tag-" + name);
      if (cell) cell.textContent = fmt(v);
    }
    for (const o of layout.observations) trends[o.name].push(x, [s.tags[o.tag]]);
    for (const a of layout.actions) {
      setpoints[a.name].push(x, [s.tags[a.tag], s.tags[a.remote_tag], s.tags[a.local_tag], s.tags[a.recommended_tag]]);
    }
  }

  main();
})();
