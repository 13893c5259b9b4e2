"use strict";
// The deployment's live page: status once from /api/status, then every audit record from the
// event stream (the last cycles first, then as they are written).
(() => {
  const { el, num, fmt, seconds, duration, stream, Trend } = SafeLoopView;
  const $ = (id) => document.getElementById(id);
  const COLORS = ["#2563eb", "#7c3aed", "#0891b2", "#db2777"];

  const state = {
    layout: null, running: false, mode: null, approvalUntil: null, history: 300,
    trends: {}, actions: {}, latency: null, lastCycleSeq: 0, seen: new Set(),
    layers: {}, verdicts: {}, quality: {}, live: false, browserLatencies: [],
  };

  function setMode(mode) {
    state.mode = mode;
    const m = $("mode");
    m.textContent = mode || "no deployment";
    m.className = "mode mode-" + (mode || "none");
    m.setAttribute("data-mode", mode || "");
    $("step-back").disabled = !(state.running && mode === "closed-loop");
  }

  function setConnection(s) {
    const c = $("connection");
    c.textContent = s;
    c.setAttribute("data-state", s);
  }

  function showApproval(a) {
    const box = $("approval");
    box.replaceChildren();
    if (!a) {
      box.append("none: closed loop is not approved");
      state.approvalUntil = null;
      return;
    }
    state.approvalUntil = Date.parse(a.valid_until);
    box.classList.remove("muted");
    const t = el("table", { class: "facts" });
    t.append(el("tr", {}, el("th", {}, "approved by"), el("td", { id: "approver" }, a.approver)));
    t.append(el("tr", {}, el("th", {}, "mode"), el("td", {}, a.mode)));
    t.append(el("tr", {}, el("th", {}, "issued"), el("td", {}, a.issued_at)));
    t.append(el("tr", {}, el("th", {}, "valid until"), el("td", {}, a.valid_until)));
    for (const f of a.files) {
      t.append(el("tr", {}, el("th", {}, f.role),
        el("td", {}, f.name, " ", el("span", { class: "hash", title: f.sha256 }, f.sha256.slice(0, 12) + "…"),
          f.depends_on ? " (+" + f.depends_on + " files it depends on)" : "")));
    }
    if (a.comment) t.append(el("tr", {}, el("th", {}, "comment"), el("td", {}, a.comment)));
    box.append(t);
  }

  function tick() {
    const c = $("countdown");
    if (state.approvalUntil === null) {
      c.textContent = "-";
      c.setAttribute("data-seconds", "");
      return;
    }
    const s = Math.floor((state.approvalUntil - Date.now()) / 1000);
    c.textContent = duration(s);
    c.setAttribute("data-seconds", String(s));
  }

  function buildCharts(layout) {
    const cap = state.history;
    for (const o of layout.observations) {
      const series = [{ label: o.name, stroke: COLORS[0], width: 2 }];
      const limits = layout.limits.filter((l) => l.variable === o.name);
      for (const l of limits) {
        if (l.min !== null) series.push({ label: l.name + " ≥ " + l.min, stroke: "#b91c1c", dash: [6, 4], value: l.min });
        if (l.max !== null) series.push({ label: l.name + " ≤ " + l.max, stroke: "#b91c1c", dash: [6, 4], value: l.max });
      }
      state.trends[o.name] = { trend: new Trend($("trends"), "trend-" + o.name, o.name, o.unit, series, cap), series };
    }
    for (const a of layout.actions) {
      const series = [
        { label: "agent's proposal", stroke: "#7c3aed", dash: [4, 3] },
        { label: "shield's decision", stroke: "#15803d", width: 2 },
        { label: "set point in force", stroke: "#111827" },
        { label: "hard min " + a.min, stroke: "#9ca3af", dash: [2, 4], value: a.min },
        { label: "hard max " + a.max, stroke: "#9ca3af", dash: [2, 4], value: a.max },
      ];
      state.actions[a.name] = new Trend($("actions"), "action-" + a.name, a.name, a.unit, series, cap);
    }
    state.latency = new Trend($("latency"), "latency-chart", "cycle latency", "ms",
      [{ label: "read to decision", stroke: COLORS[2] }], cap);
  }

  async function loadStatus() {
    const r = await fetch("/api/status", { credentials: "same-origin", cache: "no-store" });
    if (r.status === 401) {
      setConnection("refused");
      $("subtitle").textContent = "this view needs its access token: open it as /?token=TOKEN";
      return false;
    }
    const s = await r.json();
    state.running = s.running;
    state.history = s.history_cycles;
    if (s.layout && state.layout === null) {
      state.layout = s.layout;
      const l = s.layout;
      $("title").textContent = "SafeLoop: " + l.plant;
      $("subtitle").textContent = l.policy + " through shield " + l.shield + " over " + l.protocol +
        ", cycle " + l.cyclePeriodMillis + " ms" + (l.timeScale !== 1 ? " (" + l.timeScale + "x process time)" : "");
      buildCharts(l);
    } else if (!s.layout) {
      $("subtitle").textContent = "no deployment runs yet";
    }
    if (!s.running && s.layout) $("subtitle").textContent += "; the deployment has stopped";
    setMode(s.running ? s.mode : state.mode);
    showApproval(s.approval);
    return true;
  }

  function count(map, key, tbody, cells) {
    map[key] = (map[key] || 0) + 1;
    let row = tbody.querySelector('tr[data-key="' + CSS.escape(key) + '"]');
    if (!row) {
      row = el("tr", { "data-key": key });
      tbody.append(row);
    }
    row.replaceChildren(...cells(map[key]));
  }

  function onCycle(r) {
    if (r.seq <= state.lastCycleSeq) return;
    state.lastCycleSeq = r.seq;
    const x = seconds(r.ts);
    setMode(r.mode);
    for (const [name, t] of Object.entries(state.trends)) {
      const input = r.inputs[name];
      t.trend.push(x, t.series.map((s, i) => (i === 0 ? (input ? input.value : null) : s.value)));
    }
    for (const [name, t] of Object.entries(state.actions)) {
      const inForce = r.inputs[name + ".in_force"];
      const a = state.layout.actions.find((s) => s.name === name);
      t.push(x, [r.proposed[name], r.shield.action[name], inForce ? inForce.value : null, a.min, a.max]);
    }
    if (state.latency) state.latency.push(x, [r.latency_us / 1000]);
    $("latest-cycle").textContent = String(r.cycle);
    $("latest-time").textContent = r.ts;
    $("latest-verdict").textContent = r.shield.verdict;
    $("latest-reason").textContent = r.shield.reason || "-";
    $("latest-latency").textContent = (r.latency_us / 1000).toFixed(2) + " ms";
    state.verdicts[r.shield.verdict] = (state.verdicts[r.shield.verdict] || 0) + 1;
    $("verdicts").textContent = "verdicts: " +
      Object.entries(state.verdicts).map(([k, v]) => k + " " + v).join(", ");
    const layers = $("interventions").tBodies[0];
    for (const layer of r.shield.layers) {
      count(state.layers, layer, layers, (n) => [el("td", {}, layer), el("td", { class: "num" }, n)]);
    }
    const quality = $("quality").tBodies[0];
    for (const [name, input] of Object.entries(r.inputs)) {
      const q = state.quality[name] || (state.quality[name] = { notGood: 0 });
      // Not good: a quality other than GOOD, or no number (a Modbus transmitter's NaN reads GOOD).
      const good = input.quality === "GOOD" && num(input.value) !== null;
      if (!good) q.notGood++;
      let row = quality.querySelector('tr[data-key="' + CSS.escape(name) + '"]');
      if (!row) {
        row = el("tr", { "data-key": name });
        quality.append(row);
      }
      row.replaceChildren(
        el("td", {}, name),
        el("td", { class: "num" + (good ? "" : " q-BAD") }, fmt(input.value)),
        el("td", { class: "q-" + input.quality, title: input.note || "" }, input.quality + (input.note ? " (" + input.note + ")" : "")),
        el("td", { class: "num" }, q.notGood));
    }
    if (state.live) {
      const ms = Date.now() - Date.parse(r.ts);
      state.browserLatencies.push(ms);
      if (state.browserLatencies.length > 100) state.browserLatencies.shift();
      const sorted = [...state.browserLatencies].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      const cell = $("browser-latency");
      cell.textContent = ms + " ms (median of the last " + sorted.length + ": " + median + " ms)";
      cell.setAttribute("data-ms", String(median));
    }
  }

  function onEvent(r) {
    if (state.seen.has(r.seq)) return;
    state.seen.add(r.seq);
    const d = r.details || {};
    if (d.to && ["DEMOTION", "PROMOTION", "MODE_CHANGE", "AUDIT_FAILED"].includes(r.kind)) setMode(d.to);
    const li = el("li", { "data-kind": r.kind, "data-seq": r.seq },
      el("span", { class: "kind" }, r.kind), el("span", { class: "muted" }, r.ts + " "),
      el("span", { class: "reason" }, r.reason));
    if (d.cause) li.append(el("span", { class: "muted" }, " [" + d.cause + "]"));
    const list = $("events");
    // Newest first, in seq order whatever order they arrived in.
    const after = [...list.children].find((c) => Number(c.getAttribute("data-seq")) < r.seq);
    list.insertBefore(li, after || null);
    while (list.children.length > 300) list.lastChild.remove();
    if (["APPROVAL_ACCEPTED", "PROMOTION", "STOPPED"].includes(r.kind)) loadStatus();
  }

  async function stepBack(e) {
    e.preventDefault();
    const result = $("step-result");
    const who = $("step-who").value.trim(), why = $("step-why").value.trim();
    if (!who || !why) {
      result.textContent = "say who you are and why";
      return;
    }
    $("step-back").disabled = true;
    result.textContent = "asking the deployment to step back…";
    try {
      const r = await fetch("/api/step-back", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ who, why }),
      });
      const body = await r.json();
      result.textContent = body.message;
      result.setAttribute("data-status", String(r.status));
    } catch (err) {
      result.textContent = "the request failed: " + err;
    }
    setMode(state.mode);
  }

  async function main() {
    $("step-back-form").addEventListener("submit", stepBack);
    setInterval(tick, 1000);
    if (!(await loadStatus())) return;
    tick();
    stream("/events", {
      cycle: onCycle,
      event: onEvent,
      writes: () => {},
      live: () => { state.live = true; },
    }, (s) => {
      setConnection(s);
      if (s === "reconnecting") state.live = false;
    });
  }

  main();
})();
