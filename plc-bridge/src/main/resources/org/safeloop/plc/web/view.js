"use strict";
// Shared by SafeLoop's web views (the deployment's and the virtual plant's): elements, the event
// stream, and trend charts on uPlot (vendored at build time; nothing is fetched from elsewhere).
const SafeLoopView = (() => {
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  // A number from an audit record: non-finite values are written as strings ("NaN").
  function num(v) {
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  }

  function fmt(v, digits) {
    const n = num(v);
    if (n === null) return String(v);
    return Math.abs(n) >= 1000 ? n.toFixed(1) : n.toPrecision(digits || 5);
  }

  function seconds(iso) {
    return Date.parse(iso) / 1000;
  }

  function duration(s) {
    if (s <= 0) return "expired";
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = Math.floor(s % 60);
    return (h > 0 ? h + " h " : "") + (h > 0 || m > 0 ? m + " min " : "") + r + " s";
  }

  // Opens the event stream; handlers by event name get the parsed data. onState gets "live",
  // "reconnecting" or "refused". The browser reconnects by itself after a drop.
  function stream(path, handlers, onState) {
    const source = new EventSource(path);
    source.onopen = () => onState("live");
    source.onerror = () => onState(source.readyState === EventSource.CLOSED ? "refused" : "reconnecting");
    for (const [name, fn] of Object.entries(handlers)) {
      source.addEventListener(name, (e) => fn(JSON.parse(e.data)));
    }
    return source;
  }

  // Redraws at most once a frame, whatever the number of records that arrived.
  const dirty = new Set();
  let scheduled = false;
  function schedule(chart) {
    dirty.add(chart);
    if (scheduled) return;
    scheduled = true;
    const flush = () => {
      scheduled = false;
      for (const c of dirty) c.redraw();
      dirty.clear();
    };
    if (document.hidden) setTimeout(flush, 200); else requestAnimationFrame(flush);
  }

  // A trend of several series over time (x in seconds since 1970), keeping the last `capacity`.
  class Trend {
    constructor(parent, id, title, unit, series, capacity) {
      this.capacity = capacity;
      this.series = series;
      this.xs = [];
      this.ys = series.map(() => []);
      this.box = el("div", { class: "chart", id: id, "data-points": 0 });
      this.box.append(el("h3", {}, title + (unit ? " [" + unit + "]" : "")));
      this.plotArea = el("div", {});
      this.box.append(this.plotArea);
      parent.append(this.box);
      this.plot = null;
    }

    push(x, values) {
      this.xs.push(x);
      values.forEach((v, i) => this.ys[i].push(num(v)));
      if (this.xs.length > this.capacity) {
        this.xs.shift();
        this.ys.forEach((y) => y.shift());
      }
      schedule(this);
    }

    redraw() {
      const data = [this.xs, ...this.ys];
      if (this.plot === null) {
        const width = Math.max(320, this.box.clientWidth || 600);
        this.plot = new uPlot(
          {
            width: width,
            height: 200,
            scales: { x: { time: true } },
            legend: { live: false },
            series: [
              {},
              ...this.series.map((s) => ({
                label: s.label, stroke: s.stroke, width: s.width || 1.5, dash: s.dash, spanGaps: false,
              })),
            ],
          },
          data,
          this.plotArea);
      } else {
        this.plot.setData(data);
      }
      this.box.setAttribute("data-points", String(this.xs.length));
    }
  }

  return { el, num, fmt, seconds, duration, stream, Trend };
})();
