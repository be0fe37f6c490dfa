// The history dashboard (scripts/history dashboard): filters, the change-point list and one
// dygraphs chart per case and metric, a line per machine. The data is the JSON in #data,
// written by dashboard.py; nothing is fetched.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("data").textContent);
  const CHARTS_PER_STEP = 12;
  const CHANGES_SHOWN = 50;
  const PRIMARY = "@primary";  // the metric filter's value for each case's primary metric
  const FILTERS = [
    ["family", "family"], ["primitive", "primitive"], ["scenario", "scenario"],
    ["threads", "threads"], ["placement", "placement"], ["metric", "metric"],
    ["machine", "machine"], ["arch", "architecture"]];
  const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                  "#7f7f7f", "#bcbd22", "#d62728"];

  const runs = data.runs;
  const machines = data.machines;
  const caseField = {family: 1, primitive: 2, scenario: 3, threads: 4, placement: 5};

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function machineLabel(m) {
    const info = machines[m];
    return `${info.fingerprint} (${info.arch}${info.cpu ? ", " + info.cpu : ""})`;
  }

  function fieldOf(s, name) {  // s: a series row [case, metric, machine, total, deltas, values]
    if (name in caseField) return String(data.cases[s[0]][caseField[name]]);
    if (name === "metric") return data.metrics[s[1]][0];
    if (name === "machine") return machines[s[2]].fingerprint;
    if (name === "arch") return machines[s[2]].arch;
    return "";
  }

  function runsOf(s) {  // the run indices of a series' points, from their deltas
    const out = new Array(s[4].length);
    let at = 0;
    for (let i = 0; i < s[4].length; i++) { at += s[4][i]; out[i] = at; }
    return out;
  }

  function formatNumber(v) {
    if (v === null || v === undefined) return "";
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
    return String(Number(v.toPrecision(5)));
  }

  function axisNumber(v) {  // short: 2.5M, not 2.500e+6
    const a = Math.abs(v);
    for (const [scale, suffix] of [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e4, "k"]]) {
      if (a >= scale) return Number((v / scale).toPrecision(3)) + suffix;
    }
    if (a !== 0 && a < 1e-3) return v.toExponential(1);
    return String(Number(v.toPrecision(4)));
  }

  function stepText(before, after) {
    if (!before) return "n/a";
    const pct = (after / before - 1) * 100;
    return (pct >= 0 ? "+" : "") + pct.toFixed(1) + " %";
  }

  function verdict(metric, before, after) {  // "worse", "better" or "" (no direction)
    const better = data.metrics[metric][2];
    if (better === 0 || before === after) return "";
    return (after > before) === (better < 0) ? "worse" : "better";
  }

  function dateText(r) {
    return new Date(runs.date[r] * 1000).toISOString().replace("T", " ").slice(0, 16);
  }

  function revisionNode(r) {
    const rev = runs.revision[r] || "?";
    if (data.revision_url && runs.revision[r]) {
      return el("a", {href: data.revision_url.replace("{revision}", runs.revision[r]),
                      text: rev.slice(0, 12)});
    }
    return el("code", {text: rev.slice(0, 12)});
  }

  function reportNode(r, short) {
    if (runs.report[r]) return el("a", {href: runs.report[r], class: "report", text: "report"});
    const from = runs.source[r] ? ` (its results were added from ${runs.source[r]})` : "";
    const why = `no report: none was found beside this run's results when the page was ` +
                `built${from}`;
    return el("span", {class: "noreport", title: why, text: short ? "no report" : why});
  }

  // ------------------------------------------------------------ filters

  const filterForm = document.getElementById("filters");
  const selects = {};
  for (const [name, label] of FILTERS) {
    const values = new Set();
    for (const s of data.series) values.add(fieldOf(s, name));
    const sorted = Array.from(values).sort((a, b) =>
      name === "threads" ? Number(a) - Number(b) : a.localeCompare(b));
    const select = el("select", {id: "f-" + name, name: name},
                      el("option", {value: "", text: `all (${sorted.length})`}));
    if (name === "metric" && data.cases.some(c => c[6] >= 0)) {
      // What a regression gate judges comes first: one chart per case, not one per metric.
      select.append(el("option", {value: PRIMARY, text: "each case's time per op (primary)"}));
    }
    for (const v of sorted) {
      let text = v;
      if (name === "machine") {
        const m = machines.findIndex(info => info.fingerprint === v);
        text = machineLabel(m);
      }
      select.append(el("option", {value: v, text: text}));
    }
    if (name === "metric" && select.querySelector(`option[value="${PRIMARY}"]`)) {
      select.value = PRIMARY;
    }
    select.addEventListener("change", update);
    selects[name] = select;
    filterForm.append(el("label", {}, label + " ", select));
  }
  const search = el("input", {id: "f-case", type: "search", placeholder: "case name contains",
                              size: "28"});
  search.addEventListener("input", update);
  filterForm.append(el("label", {}, "case ", search));
  const onlyChanged = el("input", {id: "f-changed", type: "checkbox"});
  onlyChanged.addEventListener("change", update);
  filterForm.append(el("label", {}, onlyChanged, " only series with change points"));
  filterForm.append(el("button", {type: "button", id: "f-reset", text: "clear filters",
                                  onclick: () => {
                                    for (const s of Object.values(selects)) s.value = "";
                                    search.value = ""; onlyChanged.checked = false; update();
                                  }}));

  const changedSeries = new Set(data.changes.map(c => c[0]));

  function passes(i) {
    const s = data.series[i];
    for (const [name] of FILTERS) {
      const want = selects[name].value;
      if (want === PRIMARY) {
        if (data.cases[s[0]][6] !== s[1]) return false;
      } else if (want && fieldOf(s, name) !== want) return false;
    }
    const text = search.value.trim();
    if (text && !data.cases[s[0]][0].includes(text)) return false;
    if (onlyChanged.checked && !changedSeries.has(i)) return false;
    return true;
  }

  // ------------------------------------------------------------ change points

  function changesTable(matching) {
    const box = document.getElementById("changes");
    box.replaceChildren();
    const rows = data.changes.filter(c => matching.has(c[0]));
    if (!rows.length) {
      box.append(el("p", {id: "nochanges", text: "No change point in the series shown."}));
      return;
    }
    box.append(el("p", {text: `${rows.length} change point(s) in the series shown` +
                              (rows.length > CHANGES_SHOWN ? `; the worst ${CHANGES_SHOWN}:` : ":")}));
    const table = el("table", {id: "changelist"});
    table.append(el("tr", {}, ...["step", "", "case", "metric", "machine", "first run after",
                                  "before", "after", "p", ""].map(h => el("th", {text: h}))));
    for (const [i, r, before, after, p] of rows.slice(0, CHANGES_SHOWN)) {
      const s = data.series[i];
      const how = verdict(s[1], before, after);
      table.append(el("tr", {class: how},
        el("td", {class: "num", text: stepText(before, after)}),
        el("td", {text: how}),
        el("td", {}, el("code", {text: data.cases[s[0]][0]})),
        el("td", {text: data.metrics[s[1]][0]}),
        el("td", {text: machines[s[2]].fingerprint}),
        el("td", {}, revisionNode(r), " " + dateText(r) + " ", reportNode(r, true)),
        el("td", {class: "num", text: formatNumber(before)}),
        el("td", {class: "num", text: formatNumber(after)}),
        el("td", {class: "num", text: String(p)}),
        el("td", {}, el("a", {href: "#", text: "chart", onclick: (e) => {
          e.preventDefault(); focusOn(s);
        }}))));
    }
    box.append(table);
  }

  function focusOn(s) {
    for (const sel of Object.values(selects)) sel.value = "";
    selects.metric.value = data.metrics[s[1]][0];
    search.value = data.cases[s[0]][0];
    onlyChanged.checked = false;
    update();
    document.getElementById("charts").scrollIntoView();
  }

  // ------------------------------------------------------------ charts

  let groups = [];  // [[case, metric, [series...]]], worst change first
  let shownCharts = 0;

  function groupSeries(matching) {
    const byKey = new Map();
    for (const i of matching) {
      const s = data.series[i];
      const key = s[0] * data.metrics.length + s[1];
      if (!byKey.has(key)) byKey.set(key, [s[0], s[1], []]);
      byKey.get(key)[2].push(i);
    }
    const ordered = [];
    const seen = new Set();
    for (const c of data.changes) {  // worst first, as the list
      if (!matching.has(c[0])) continue;
      const s = data.series[c[0]];
      const key = s[0] * data.metrics.length + s[1];
      if (!seen.has(key)) { seen.add(key); ordered.push(byKey.get(key)); }
    }
    const rest = Array.from(byKey.entries()).filter(([key]) => !seen.has(key))
      .sort((a, b) => a[0] - b[0]).map(([, g]) => g);
    return ordered.concat(rest);
  }

  function chart(group, container) {  // dygraphs measures its div: it must be in the page
    const [caseIndex, metric, members] = group;
    const labels = ["date"];
    const rowOf = new Map();  // run -> row
    const rows = [];
    members.forEach((i, column) => {
      const s = data.series[i];
      labels.push(machineLabel(s[2]));
      const rs = runsOf(s);
      rs.forEach((r, k) => {
        if (!rowOf.has(r)) {
          const row = new Array(members.length + 1).fill(null);
          row[0] = r;
          rowOf.set(r, row);
          rows.push(row);
        }
        rowOf.get(r)[column + 1] = s[5][k];
      });
    });
    rows.sort((a, b) => runs.date[a[0]] - runs.date[b[0]] || a[0] - b[0]);
    const rowRuns = rows.map(row => row[0]);
    const table = rows.map(row => [new Date(runs.date[row[0]] * 1000), ...row.slice(1)]);
    const metricRow = data.metrics[metric];
    const name = data.cases[caseIndex][0];
    const box = el("div", {class: "chart", "data-case": name, "data-metric": metricRow[0],
                           "data-series": String(members.length)});
    const total = members.reduce((n, i) => n + data.series[i][3], 0);
    const shown = members.reduce((n, i) => n + data.series[i][5].length, 0);
    box.append(el("h3", {}, el("code", {text: name}), " · " + metricRow[0] +
                  (metricRow[2] < 0 ? " (lower is better)" : metricRow[2] > 0 ?
                   " (higher is better)" : "")));
    box.append(el("p", {class: "note", text: `${metricRow[1]}; ${total} runs` +
      (shown < total ? `, ${shown} shown (each the median-nearest run of its bucket)` : "") +
      `; ${members.length} machine(s). Click a point for its run.`}));
    const plot = el("div", {class: "plot"});
    const info = el("div", {class: "info", text: ""});
    box.append(plot, info);
    container.append(box);
    const mine = data.changes.filter(c => members.includes(c[0]));
    const g = new Dygraph(plot, table, {
      labels: labels, connectSeparatedPoints: true, drawPoints: true, pointSize: 2.5,
      strokeWidth: 1, colors: COLORS, legend: "always", labelsSeparateLines: false,
      highlightSeriesOpts: {strokeWidth: 2, highlightCircleSize: 4},
      ylabel: metricRow[0], height: 260,
      axes: {y: {valueFormatter: formatNumber, axisLabelFormatter: axisNumber}},
      underlayCallback: (ctx, area, graph) => {
        for (const [i, r, before, after] of mine) {
          const how = verdict(data.series[i][1], before, after);
          const x = graph.toDomXCoord(runs.date[r] * 1000);
          ctx.save();
          ctx.strokeStyle = how === "worse" ? "#d62728" : how === "better" ? "#2ca02c" : "#ff7f0e";
          ctx.setLineDash([5, 4]);
          ctx.beginPath(); ctx.moveTo(x, area.y); ctx.lineTo(x, area.y + area.h); ctx.stroke();
          ctx.restore();
        }
      },
      clickCallback: (e, x, points) => {
        const at = g.getSelection();
        if (at < 0) return;
        const seriesName = g.getHighlightSeries();
        let column = labels.indexOf(seriesName) - 1;
        if (column < 0 || table[at][column + 1] === null) {
          column = table[at].slice(1).findIndex(v => v !== null);
        }
        showRun(info, rowRuns[at], members[column], table[at][column + 1]);
      },
    });
    g.ready(() => {
      g.setAnnotations(mine.map(([i, r, before, after, p]) => ({
        series: machineLabel(data.series[i][2]), x: runs.date[r] * 1000,
        shortText: stepText(before, after).replace(" %", "%"), width: 48, height: 16,
        cssClass: "cp " + verdict(data.series[i][1], before, after),
        text: `change point: ${stepText(before, after)} (${formatNumber(before)} → ` +
              `${formatNumber(after)}), p ${p}, first run ${runs.id[r]}`,
      })).filter(a => rowRuns.some(r => runs.date[r] * 1000 === a.x)));
    });
  }

  function showRun(info, r, i, value) {
    const s = data.series[i];
    info.replaceChildren(
      el("strong", {text: `run ${runs.id[r]}`}), ` · ${dateText(r)} · machine ` +
      `${machines[s[2]].fingerprint} · ${data.metrics[s[1]][0]} ${formatNumber(value)} · ` +
      "revision ", revisionNode(r), " · ", reportNode(r));
    info.setAttribute("data-run", runs.id[r]);
  }

  function showMore() {
    const box = document.getElementById("charts");
    const next = groups.slice(shownCharts, shownCharts + CHARTS_PER_STEP);
    for (const group of next) chart(group, box);
    shownCharts += next.length;
    const more = document.getElementById("more");
    more.hidden = shownCharts >= groups.length;
    more.textContent = `show ${Math.min(CHARTS_PER_STEP, groups.length - shownCharts)} more ` +
                       `of ${groups.length - shownCharts} charts`;
    status();
  }

  let matchingCount = 0;
  function status() {
    document.getElementById("status").textContent =
      `${matchingCount} series match, in ${groups.length} chart(s); ${shownCharts} shown.`;
  }

  function update() {
    const matching = new Set();
    for (let i = 0; i < data.series.length; i++) if (passes(i)) matching.add(i);
    matchingCount = matching.size;
    changesTable(matching);
    groups = groupSeries(matching);
    document.getElementById("charts").replaceChildren();
    shownCharts = 0;
    showMore();
  }

  document.getElementById("more").addEventListener("click", showMore);
  const first = runs.date.length ? dateText(0) : "", last = runs.date.length ?
    dateText(runs.date.length - 1) : "";
  document.getElementById("summary").textContent =
    `${runs.id.length} runs (${first} to ${last}) on ${machines.length} machine(s), ` +
    `${data.series.length} series, ${data.changes.length} change point(s): ${data.settings}. ` +
    `A series with more runs than its share of the page (${data.budget.points_per_series} points) ` +
    `shows one run per bucket of consecutive runs, the runs either side of a change point ` +
    `always. Built ${data.generated} from ${data.database}; method: docs/regressions.md.`;
  update();
  window.synclabDashboard = {ready: true, renderedMs: performance.now()};
})();
