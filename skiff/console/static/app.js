// skiff console: renders each view from /console/api and polls it (no reload, no build step).
"use strict";
(function () {
  const CSRF = document.querySelector('meta[name="skiff-csrf"]').content;
  const main = document.getElementById("main");
  const POLL_MS = 2000;
  let current = null; // {stop(): void} of the view on screen

  // -- helpers ------------------------------------------------------------------------------
  const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const enc = encodeURIComponent;
  const tail = (arn) => String(arn || "").split("/").pop();
  function when(v) {
    if (v === null || v === undefined || v === "") return "";
    const d = typeof v === "number" ? new Date(v * (v < 1e12 ? 1000 : 1)) : new Date(String(v).replace(" ", "T"));
    return isNaN(d) ? esc(v) : d.toLocaleString();
  }
  function ago(v) {
    if (!v) return "";
    const d = new Date(String(v).replace(" ", "T"));
    if (isNaN(d)) return "";
    const s = Math.max(0, (Date.now() - d.getTime()) / 1000);
    return s < 90 ? `${Math.round(s)}s` : s < 5400 ? `${Math.round(s / 60)}m` : s < 129600 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
  }
  function badge(v) {
    const s = String(v ?? "");
    if (!s) return "";
    const cls = /^(RUNNING|ACTIVE|HEALTHY|healthy|COMPLETED|Successful|active|ENABLED)$/.test(s) ? "ok"
      : /^(FAILED|STOPPED|UNHEALTHY|unhealthy|INACTIVE|Failed|DRAINING|draining)$/.test(s) ? "bad"
      : /^(PENDING|PROVISIONING|ACTIVATING|IN_PROGRESS|DEACTIVATING|STOPPING|DEPROVISIONING|initial|UNKNOWN|InProgress|Pending|provisioning)$/.test(s) ? "warn" : "";
    return `<span class="badge ${cls}">${esc(s)}</span>`;
  }
  function table(rows, columns, empty) {
    if (!rows || !rows.length) return `<div class="empty">${esc(empty || "None.")}</div>`;
    const head = columns.map((c) => `<th>${esc(c[0])}</th>`).join("");
    const body = rows.map((r) => "<tr>" + columns.map((c) => `<td>${c[1](r) ?? ""}</td>`).join("") + "</tr>").join("");
    return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
  }
  function kv(pairs) {
    return `<dl class="kv">${pairs.filter((p) => p[1] !== undefined && p[1] !== null && p[1] !== "")
      .map((p) => `<dt>${esc(p[0])}</dt><dd>${p[1]}</dd>`).join("")}</dl>`;
  }
  function toast(text, bad) {
    const t = document.getElementById("toast");
    t.textContent = text; t.className = "show" + (bad ? " bad" : "");
    clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.className = ""), 3500);
  }
  async function get(path) {
    const r = await fetch("/console/api" + path, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.status === 401) { location.href = "/console/login"; throw new Error("login needed"); }
    const body = await r.json();
    if (!r.ok) throw new Error(body.message || r.statusText);
    return body;
  }
  async function post(path, body) {
    const r = await fetch("/console/api" + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Skiff-Csrf": CSRF },
      body: JSON.stringify(body || {}),
    });
    const reply = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(reply.message || r.statusText);
    return reply;
  }
  function section(id, title) { return `<h2>${esc(title)}</h2><div id="${id}"><div class="empty">Loading…</div></div>`; }
  function fill(id, markup) { const el = document.getElementById(id); if (el) el.innerHTML = markup; }

  // A view: draws its skeleton once, then `refresh` fills its parts every POLL_MS.
  function view(skeleton, refresh, every) {
    main.innerHTML = skeleton;
    let stopped = false, timer = null;
    const state = { stop() { stopped = true; clearTimeout(timer); (state.cleanup || []).forEach((f) => f()); }, cleanup: [] };
    async function tick() {
      if (stopped) return;
      try { await refresh(state); fill("view-error", ""); }
      catch (e) { fill("view-error", `<div class="card bad">${esc(e.message)}</div>`); }
      if (!stopped) timer = setTimeout(tick, every || POLL_MS);
    }
    tick();
    return state;
  }
  const errorBox = '<div id="view-error"></div>';

  // -- clusters -----------------------------------------------------------------------------
  function clustersView() {
    return view(`<h1>Clusters</h1>${errorBox}<div id="clusters"></div>`, async () => {
      const { clusters } = await get("/clusters");
      fill("clusters", table(clusters, [
        ["Cluster", (c) => `<a href="#/cluster/${enc(c.clusterName)}">${esc(c.clusterName)}</a>`],
        ["Status", (c) => badge(c.status)],
        ["Services", (c) => esc(c.activeServicesCount)],
        ["Running tasks", (c) => esc(c.runningTasksCount)],
        ["Pending tasks", (c) => esc(c.pendingTasksCount)],
        ["Container Insights", (c) => esc(((c.settings || []).find((s) => s.name === "containerInsights") || {}).value || "disabled")],
      ], "No clusters yet: aws ecs create-cluster makes one."));
    });
  }

  function tasksTable(cluster, tasks, withService) {
    const cols = [
      ["Task", (t) => `<a href="#/task/${enc(cluster)}/${enc(t.taskId)}">${esc(t.taskId.slice(0, 12))}</a>`],
      ["Status", (t) => badge(t.lastStatus) + (t.desiredStatus !== t.lastStatus ? ` → ${esc(t.desiredStatus)}` : "")],
      ["Health", (t) => badge(t.healthStatus)],
      ["Task definition", (t) => esc(t.taskDefinition)],
      ["Address", (t) => esc(t.address)],
      ["Age", (t) => esc(ago(t.createdAt))],
      ["Stopped reason", (t) => esc(t.stoppedReason)],
    ];
    if (withService) cols.splice(1, 0, ["Service", (t) => t.service ? `<a href="#/service/${enc(cluster)}/${enc(t.service)}">${esc(t.service)}</a>` : esc(t.group)]);
    return table(tasks, cols, "No tasks.");
  }

  function clusterView(cluster) {
    return view(`<div class="crumbs"><a href="#/">Clusters</a> /</div><h1>${esc(cluster)}</h1>${errorBox}
      ${section("services", "Services")}${section("tasks", "Tasks")}`, async () => {
      const doc = await get(`/clusters/${enc(cluster)}`);
      fill("services", table(doc.services, [
        ["Service", (s) => `<a href="#/service/${enc(cluster)}/${enc(s.serviceName)}">${esc(s.serviceName)}</a>`],
        ["Status", (s) => badge(s.status)],
        ["Desired", (s) => esc(s.desiredCount)], ["Running", (s) => esc(s.runningCount)], ["Pending", (s) => esc(s.pendingCount)],
        ["Rollout", (s) => { const p = (s.deployments || []).find((d) => d.status === "PRIMARY") || {}; return badge(p.rolloutState); }],
        ["Task definition", (s) => esc(tail(s.taskDefinition))],
      ], "No services."));
      fill("tasks", tasksTable(cluster, doc.tasks, true));
    });
  }

  // -- a service -----------------------------------------------------------------------------
  const CHARTS = [["cpu", "CPU utilization (%)"], ["memory", "Memory utilization (%)"], ["rx", "Network received (bytes/s)"], ["tx", "Network sent (bytes/s)"]];

  function drawChart(state, id, title, series) {
    const box = document.getElementById("chart-" + id);
    if (!box) return;
    const points = series.t.length;
    box.dataset.points = String(points);
    if (!points) { box.innerHTML = `<h3>${esc(title)}</h3><div class="none">No datapoints yet.</div>`; state.plots[id] = null; return; }
    const data = [series.t, series.v];
    if (typeof uPlot === "undefined") {
      box.innerHTML = `<h3>${esc(title)}</h3><div class="none">${points} datapoints, last ${esc(series.v[points - 1].toFixed(2))} (chart library missing: make setup)</div>`;
      return;
    }
    const plot = state.plots[id];
    if (plot) { plot.setData(data); return; }
    box.innerHTML = `<h3>${esc(title)}</h3>`;
    state.plots[id] = new uPlot({
      width: Math.max(260, box.clientWidth - 16), height: 160,
      series: [{}, { label: title, stroke: "#1f6feb", fill: "rgba(31,111,235,0.12)", width: 2, points: { show: points < 40 } }],
      axes: [{}, { size: 60 }], legend: { show: false }, scales: { x: { time: true } },
    }, data, box);
  }

  function serviceView(cluster, name) {
    const base = `/services/${enc(cluster)}/${enc(name)}`;
    const charts = CHARTS.map(([id, title]) => `<div class="chart" id="chart-${id}"><h3>${esc(title)}</h3><div class="none">Loading…</div></div>`).join("");
    const skeleton = `<div class="crumbs"><a href="#/">Clusters</a> / <a href="#/cluster/${enc(cluster)}">${esc(cluster)}</a> /</div>
      <h1>${esc(name)}</h1>${errorBox}
      <div class="actions">
        <label>Desired count <input id="desired" type="number" min="0" step="1"></label>
        <button class="primary" id="scale">Scale</button>
        <button id="deploy">Force new deployment</button>
        <span id="counts" class="mono"></span>
      </div>
      ${section("deployments", "Deployments")}
      <h2>Metrics (last 30 minutes)</h2><div class="charts">${charts}</div>
      ${section("tasks", "Tasks")}${section("targets", "Target health")}
      ${section("activities", "Auto scaling activities")}${section("events", "Events")}`;
    let filled = false;
    const state = view(skeleton, async (st) => {
      const doc = await get(base);
      const s = doc.service;
      const input = document.getElementById("desired");
      if (!filled && input) { input.value = s.desiredCount; filled = true; }
      fill("counts", `desired ${esc(s.desiredCount)} · running <b id="running-count">${esc(s.runningCount)}</b> · pending ${esc(s.pendingCount)}`);
      fill("deployments", table(s.deployments, [
        ["Deployment", (d) => `<span class="mono">${esc(d.id)}</span>`],
        ["Status", (d) => badge(d.status)],
        ["Rollout", (d) => badge(d.rolloutState) + (d.rolloutStateReason ? `<div class="empty">${esc(d.rolloutStateReason)}</div>` : "")],
        ["Progress", (d) => { const want = d.desiredCount || 0, got = d.runningCount || 0;
          const pct = want ? Math.min(100, Math.round((100 * got) / want)) : (got ? 100 : 0);
          return `<div class="progress" title="${got}/${want}"><span style="width:${pct}%"></span></div>${got}/${want} running, ${esc(d.pendingCount)} pending${d.failedTasks ? `, <span class="bad">${esc(d.failedTasks)} failed</span>` : ""}`; }],
        ["Task definition", (d) => esc(tail(d.taskDefinition))],
        ["Updated", (d) => esc(when(d.updatedAt))],
      ]));
      fill("tasks", tasksTable(cluster, doc.tasks, false));
      const targets = [];
      for (const group of doc.targetHealth) for (const t of group.TargetHealthDescriptions || []) targets.push({ group: group.targetGroupArn, ...t });
      fill("targets", table(targets, [
        ["Target group", (t) => esc((String(t.group).split(":targetgroup/")[1] || String(t.group)).split("/")[0])],
        ["Target", (t) => esc(`${t.Target.Id}:${t.Target.Port ?? ""}`)],
        ["State", (t) => badge((t.TargetHealth || {}).State)],
        ["Reason", (t) => esc(((t.TargetHealth || {}).Reason || "") + " " + ((t.TargetHealth || {}).Description || ""))],
      ], (s.loadBalancers || []).length ? "No targets registered." : "The service has no load balancer."));
      fill("activities", table(doc.scalingActivities, [
        ["Started", (a) => esc(when(a.StartTime))], ["Status", (a) => badge(a.StatusCode)],
        ["Description", (a) => esc(a.Description)], ["Cause", (a) => esc(a.Cause)], ["Message", (a) => esc(a.StatusMessage)],
      ], "No scaling activities."));
      fill("events", table(s.events, [["Time", (e) => esc(when(e.createdAt))], ["Message", (e) => esc(e.message)]], "No events."));
    });
    state.plots = {};
    let chartTimer = null;
    async function refreshCharts() {
      try {
        const m = await get(`/metrics/${enc(cluster)}/${enc(name)}?minutes=30`);
        for (const [id, title] of CHARTS) drawChart(state, id, title, m.series[id]);
      } catch (e) { fill("view-error", `<div class="card bad">charts: ${esc(e.message)}</div>`); }
      chartTimer = setTimeout(refreshCharts, 5000);
    }
    refreshCharts();
    state.cleanup.push(() => clearTimeout(chartTimer));
    document.getElementById("scale").onclick = async () => {
      const value = document.getElementById("desired").value;
      try { await post(`${base}/scale`, { desiredCount: Number(value) }); toast(`Desired count set to ${value}.`); }
      catch (e) { toast(e.message, true); }
    };
    document.getElementById("deploy").onclick = async () => {
      try { await post(`${base}/deploy`); toast("A new deployment started."); } catch (e) { toast(e.message, true); }
    };
    return state;
  }

  // -- a task ----------------------------------------------------------------------------------
  // the task-level Container Insights metrics exist only when the cluster is enhanced; else a hint
  const TASK_CHARTS = [["cpu", "Task CPU utilization (%)"], ["memory", "Task memory utilization (%)"], ["rx", "Network received (bytes/s)"], ["tx", "Network sent (bytes/s)"]];
  const taskChartsBox = `<h2>Metrics (last 30 minutes)</h2><div id="task-metrics-hint"></div><div class="charts">${TASK_CHARTS.map(([id, title]) => `<div class="chart" id="chart-task-${id}"><h3>${esc(title)}</h3><div class="none">Loading…</div></div>`).join("")}</div>`;

  function taskCharts(state, cluster, id) {
    state.plots = state.plots || {};
    let timer = null, gone = false;
    async function refresh() {
      if (gone) return;
      try {
        const m = await get(`/task-metrics/${enc(cluster)}/${enc(id)}?minutes=30`);
        fill("task-metrics-hint", m.enhanced ? "" : `<div class="card">Task metrics need Container Insights with enhanced observability on the cluster (now: ${esc(m.insights)}). Turn it on with <code class="mono" id="enhance-command">${esc(m.hint)}</code></div>`);
        for (const [key, title] of TASK_CHARTS) drawChart(state, "task-" + key, title, m.series[key]);
      } catch (e) { fill("view-error", `<div class="card bad">charts: ${esc(e.message)}</div>`); }
      if (!gone) timer = setTimeout(refresh, 5000);
    }
    refresh();
    state.cleanup.push(() => { gone = true; clearTimeout(timer); });
  }

  function taskView(cluster, id) {
    const skeleton = `<div class="crumbs"><a href="#/">Clusters</a> / <a href="#/cluster/${enc(cluster)}">${esc(cluster)}</a> / <span id="task-service"></span></div>
      <h1 class="mono">${esc(id)}</h1>${errorBox}
      <div class="actions"><button class="danger" id="stop">Stop task</button></div>
      <div id="task-info"></div>${section("containers", "Containers")}${taskChartsBox}
      <h2>Logs <select id="log-container"></select></h2><div class="log" id="log"><div id="log-note" class="empty">Loading…</div></div>`;
    const WAITING = "waiting for the first line...";
    let source = null, following = "", answered = false; // answered: the stream's backlog came
    // the line above the log until its first line: what the view waits for, or why there is none
    function note(text) {
      const box = document.getElementById("log");
      let el = document.getElementById("log-note");
      if (!text) { if (el) el.remove(); return; }
      if (!el) { el = document.createElement("div"); el.id = "log-note"; el.className = "empty"; box.prepend(el); }
      el.textContent = text;
    }
    function follow(container) {
      const target = container && container.log;
      const key = container ? `${container.name}|${target ? `${target.group}|${target.stream}` : JSON.stringify(container.logNote)}` : "";
      if (key === following) return;
      following = key;
      if (source) { source.close(); source = null; }
      const box = document.getElementById("log");
      box.innerHTML = "";
      if (!container) { note("The task has no containers."); return; }
      if (!target) {
        const why = (container.logNote || {}).why || "it has no awslogs log stream";
        note((container.logNote || {}).pending ? `${WAITING} (${why})` : `There are no CloudWatch logs for container ${container.name}: ${why}.`);
        return;
      }
      note(WAITING);
      const url = `/console/api/logs?group=${enc(target.group)}&stream=${enc(target.stream)}`;
      const es = new EventSource(url);
      source = es;
      answered = false;
      let lines = 0, broken = false;
      es.addEventListener("waiting", () => { answered = true; if (!lines) note(`${WAITING} (log stream ${target.stream} of ${target.group} does not exist yet)`); });
      es.addEventListener("open", () => { answered = true; if (!lines) note(WAITING); });
      es.onopen = () => { if (broken) { broken = false; lines = 0; box.innerHTML = ""; note(WAITING); } }; // the backlog comes again
      es.onerror = async () => {
        broken = true;
        if (es.readyState !== EventSource.CLOSED) { if (!lines) note(`${WAITING} (reconnecting)`); return; }
        let why = "";
        try {
          const abort = new AbortController();
          const r = await fetch(url, { credentials: "same-origin", signal: abort.signal });
          if (r.ok) { abort.abort(); following = ""; return; } // readable again: the next poll follows it
          why = (await r.json()).message || r.statusText;
        } catch (e) { why = e.message; }
        if (source === es) note(`The log stream could not be read: ${why}`);
      };
      es.onmessage = (m) => {
        const e = JSON.parse(m.data);
        if (!lines++) note("");
        const line = document.createElement("div");
        line.className = "line";
        const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
        line.innerHTML = `<span class="ts">${esc(new Date(e.timestamp).toLocaleTimeString())}</span>${esc(e.message)}`;
        box.appendChild(line);
        while (box.childNodes.length > 2000) box.removeChild(box.firstChild);
        if (stick) box.scrollTop = box.scrollHeight;
      };
    }
    let logs = [], logNames = null;
    const state = view(skeleton, async () => {
      const { task: t } = await get(`/tasks/${enc(cluster)}/${enc(id)}`);
      fill("task-service", t.service ? `<a href="#/service/${enc(cluster)}/${enc(t.service)}">${esc(t.service)}</a>` : esc(t.group));
      fill("task-info", kv([
        ["Status", badge(t.lastStatus) + ` (desired ${esc(t.desiredStatus)})`],
        ["Health", badge(t.healthStatus)],
        ["Stopped reason", t.stoppedReason ? `<span id="stopped-reason">${esc(t.stoppedReason)}</span>` : ""],
        ["Stop code", esc(t.stopCode)],
        ["Task definition", esc(t.taskDefinition)], ["CPU / memory", `${esc(t.cpu)} / ${esc(t.memory)} MiB`],
        ["Address", esc(t.address)], ["Launch type", `${esc(t.launchType)} ${esc(t.platformVersion)}`],
        ["Zone", esc(t.availabilityZone)], ["Task role", esc(t.taskRoleArn)],
        ["Created", esc(when(t.createdAt))], ["Started", esc(when(t.startedAt))], ["Stopped", esc(when(t.stoppedAt))],
        ["ARN", `<span class="mono">${esc(t.taskArn)}</span>`],
        ["Network", Object.entries(t.network || {}).map(([k, v]) => `${esc(k)}: <span class="mono">${esc(v)}</span>`).join("<br>")],
        ["Tags", (t.tags || []).map((x) => `${esc(x.key)}=${esc(x.value)}`).join(", ")],
      ]));
      fill("containers", table(t.containers, [
        ["Container", (c) => esc(c.name) + (c.essential ? "" : ' <span class="empty">(not essential)</span>')],
        ["Image", (c) => `<span class="mono">${esc(c.image)}</span>`],
        ["Status", (c) => badge(c.lastStatus)], ["Exit code", (c) => esc(c.exitCode)],
        ["Health", (c) => badge(c.healthStatus)], ["Reason", (c) => esc(c.reason)],
        ["Environment (names)", (c) => esc(c.environmentNames.join(", ")) + (c.secretNames.length ? `<div>secrets: ${esc(c.secretNames.join(", "))}</div>` : "")],
      ]));
      document.getElementById("stop").disabled = t.desiredStatus === "STOPPED";
      const select = document.getElementById("log-container");
      const names = t.containers.map((c) => c.name).join();
      if (names !== logNames) {
        const chosen = select.value;
        logNames = names;
        select.innerHTML = t.containers.map((c) => `<option>${esc(c.name)}</option>`).join("");
        select.value = t.containers.some((c) => c.name === chosen) ? chosen : ((t.containers.find((c) => c.log) || t.containers[0] || {}).name || "");
      }
      logs = t.containers;
      follow(logs.find((c) => c.name === select.value) || null);
      const waiting = document.getElementById("log-note");
      if (t.lastStatus === "STOPPED" && answered && waiting && waiting.textContent.startsWith(WAITING)) {
        waiting.textContent = "No lines: the task stopped before this container wrote any to CloudWatch Logs.";
      }
    });
    document.getElementById("log-container").onchange = () => {
      follow(logs.find((c) => c.name === document.getElementById("log-container").value) || null);
    };
    document.getElementById("stop").onclick = async () => {
      try { await post(`/tasks/${enc(cluster)}/${enc(id)}/stop`, { reason: "Stopped from the skiff console" }); toast("The task is stopping."); }
      catch (e) { toast(e.message, true); }
    };
    state.cleanup.push(() => source && source.close());
    taskCharts(state, cluster, id);
    return state;
  }

  // -- the other services ----------------------------------------------------------------------
  function balancersView() {
    return view(`<h1>Load balancers</h1>${errorBox}<div id="lbs"></div>${section("groups", "Target groups")}`, async () => {
      const doc = await get("/balancers");
      fill("lbs", doc.loadBalancers.length ? doc.loadBalancers.map((lb) => `<div class="card" style="margin-bottom:12px">
        <h2 style="margin-top:0">${esc(lb.LoadBalancerName)} ${badge((lb.State || {}).Code)}</h2>
        ${kv([["DNS name", `<span class="mono">${esc(lb.DNSName)}</span>`], ["Type", esc(lb.Type)], ["Scheme", esc(lb.Scheme)]])}
        ${table(lb.Listeners.flatMap((l) => l.Rules.map((r) => ({ l, r }))), [
          ["Listener", (x) => esc(`${x.l.Protocol}:${x.l.Port}`)],
          ["Rule", (x) => esc(x.r.IsDefault ? "default" : `priority ${x.r.Priority}`)],
          ["Conditions", (x) => esc((x.r.Conditions || []).map((c) => `${c.Field} ${(c.Values || (c.PathPatternConfig || c.HostHeaderConfig || {}).Values || []).join(",")}`).join("; "))],
          ["Actions", (x) => esc((x.r.Actions || []).map((a) => a.Type + (a.TargetGroupArn ? ` → ${a.TargetGroupArn.split("/")[1]}` : "")).join("; "))],
        ], "No listeners.")}</div>`).join("") : '<div class="empty">No load balancers.</div>');
      fill("groups", table(doc.targetGroups, [
        ["Target group", (g) => esc(g.TargetGroupName)], ["Protocol", (g) => esc(`${g.Protocol || ""}:${g.Port || ""}`)],
        ["Target type", (g) => esc(g.TargetType)],
        ["Targets", (g) => (g.TargetHealthDescriptions || []).map((t) => `${esc(t.Target.Id)}:${esc(t.Target.Port)} ${badge(t.TargetHealth.State)}`).join("<br>") || '<span class="empty">none</span>'],
      ], "No target groups."));
    }, 3000);
  }

  function discoveryView() {
    return view(`<h1>Cloud Map</h1>${errorBox}${section("ns", "Namespaces")}${section("sd", "Services and instances")}`, async () => {
      const doc = await get("/discovery");
      fill("ns", table(doc.namespaces, [["Namespace", (n) => esc(n.Name)], ["Type", (n) => esc(n.Type)], ["Id", (n) => esc(n.Id)], ["Services", (n) => esc(n.ServiceCount)]], "No namespaces."));
      const ns = Object.fromEntries(doc.namespaces.map((n) => [n.Id, n.Name]));
      fill("sd", table(doc.services, [
        ["Service", (s) => esc(s.Name)], ["Namespace", (s) => esc(ns[s.NamespaceId] || s.NamespaceId)],
        ["Instances", (s) => (s.Instances || []).map((i) => `<span class="mono">${esc(i.Id)}</span> ${esc(Object.entries(i.Attributes || {}).filter(([k]) => /IPV4|PORT/.test(k)).map(([k, v]) => `${k}=${v}`).join(" "))}`).join("<br>") || '<span class="empty">none</span>'],
      ], "No services."));
    }, 3000);
  }

  function imagesView() {
    return view(`<h1>ECR repositories</h1>${errorBox}<div id="repos"></div>`, async () => {
      const doc = await get("/images");
      fill("repos", table(doc.repositories, [
        ["Repository", (r) => `<span class="mono">${esc(r.repositoryUri)}</span>`],
        ["Images", (r) => (r.images || []).map((i) => `${esc((i.imageTags || ["<untagged>"]).join(", "))} <span class="mono">${esc(String(i.imageDigest).slice(0, 19))}</span> ${esc(Math.round((i.imageSizeInBytes || 0) / 1024))} KiB`).join("<br>") || '<span class="empty">none</span>'],
        ["Created", (r) => esc(when(r.createdAt))],
      ], "No repositories."));
    }, 3000);
  }

  function configurationView() {
    return view(`<h1>Secrets and parameters</h1><p class="empty">Names only: the console never reads a value.</p>${errorBox}
      ${section("secrets", "Secrets Manager")}${section("params", "Systems Manager parameters")}`, async () => {
      const doc = await get("/configuration");
      fill("secrets", table(doc.secrets, [["Name", (s) => esc(s.Name)], ["Description", (s) => esc(s.Description)], ["Changed", (s) => esc(when(s.LastChangedDate || s.CreatedDate))]], "No secrets."));
      fill("params", table(doc.parameters, [["Name", (p) => esc(p.Name)], ["Type", (p) => esc(p.Type)], ["Version", (p) => esc(p.Version)], ["Changed", (p) => esc(when(p.LastModifiedDate))]], "No parameters."));
    }, 3000);
  }

  // -- routing ---------------------------------------------------------------------------------
  function route() {
    if (current) current.stop();
    const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    const [kind] = parts;
    document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("active", a.dataset.nav === (kind || "clusters") || (a.dataset.nav === "clusters" && ["cluster", "service", "task"].includes(kind))));
    if (kind === "cluster" && parts[1]) current = clusterView(parts[1]);
    else if (kind === "service" && parts[2]) current = serviceView(parts[1], parts[2]);
    else if (kind === "task" && parts[2]) current = taskView(parts[1], parts[2]);
    else if (kind === "balancers") current = balancersView();
    else if (kind === "discovery") current = discoveryView();
    else if (kind === "images") current = imagesView();
    else if (kind === "configuration") current = configurationView();
    else current = clustersView();
  }
  window.addEventListener("hashchange", route);
  const logout = document.getElementById("logout");
  if (document.querySelector('meta[name="skiff-logout"]').content) {
    logout.hidden = false;
    logout.onclick = async () => {
      await fetch("/console/logout", { method: "POST", credentials: "same-origin", headers: { "X-Skiff-Csrf": CSRF } });
      location.href = "/console/login";
    };
  }
  route();
})();
