// omnisim console: reads and changes the world through the control API
// under /_omnisim/ and follows it through GET /_omnisim/stream.
"use strict";

const API = "/_omnisim";
const $ = (id) => document.getElementById(id);

const state = {
  view: "all", phone: false, ad: false, q: "", platform: "",
  rows: [], selected: "", checked: new Set(),
  agents: [], platforms: [], quick: [],
  seed: null, clock: { now: null, speed: 0, at: 0 },
  history: [], // dashboard samples, oldest first
  phoneKey: { platform: "", customer: "" },
};

const marks = { whatsapp: "WA", wechat: "WeChat", line: "LINE", messenger: "Msgr", douyin: "抖音", businessmessages: "GBM" };

function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
}

function mark(platform) {
  const known = Object.hasOwn(marks, platform);
  return el("span", { class: "mark " + (known ? platform : "other"), title: platform, text: known ? marks[platform] : platform });
}

async function api(method, path, body) {
  const opt = { method, headers: {} };
  if (body !== undefined) {
    opt.headers["Content-Type"] = "application/json";
    opt.body = JSON.stringify(body);
  }
  const res = await fetch(API + path, opt);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) throw new Error((data && data.error) || res.status + " " + res.statusText);
  return data;
}

function notice(msg) {
  const n = $("notice");
  n.hidden = !msg;
  n.textContent = msg || "";
}

// ---- time

function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function fmtShort(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const now = state.clock.now ? new Date(state.clock.now) : d;
  const t = d.toISOString();
  return d.toDateString() === now.toDateString() ? t.slice(11, 16) : t.slice(5, 10) + " " + t.slice(11, 16);
}

function fmtSeconds(s) {
  if (!s) return "0s";
  if (s < 60) return Math.round(s) + "s";
  if (s < 3600) return Math.round(s / 60) + "m";
  return (s / 3600).toFixed(1) + "h";
}

function virtualNow() {
  if (!state.clock.now) return null;
  const base = Date.parse(state.clock.now);
  return new Date(base + state.clock.speed * (Date.now() - state.clock.at));
}

function drawClock() {
  const now = virtualNow();
  $("now").textContent = now ? now.toISOString().replace("T", " ").slice(0, 19) + " UTC" : "—";
  if (now) $("now").setAttribute("datetime", now.toISOString());
  $("speed").textContent = state.clock.speed === 0 ? "(stopped: jump to move)" : state.clock.speed === 1 ? "(real time)" : "(×" + state.clock.speed + ")";
}

// ---- the message center

function listQuery() {
  const p = new URLSearchParams();
  if (state.view !== "all") p.set("view", state.view);
  if (state.phone) p.set("phone", "1");
  if (state.ad) p.set("ad", "1");
  if (state.q) p.set("q", state.q);
  if (state.platform) p.set("platform", state.platform);
  p.set("limit", "200");
  return "?" + p.toString();
}

async function loadInbox() {
  const data = await api("GET", "/inbox" + listQuery());
  state.rows = data.rows;
  for (const v of ["all", "unread", "starred", "archived"]) {
    const c = data.counts[v] || { conversations: 0, unread: 0 };
    const n = v === "unread" ? c.unread : c.conversations;
    document.querySelector(`[data-count="${v}"]`).textContent = n;
  }
  const dl = $("tag-names");
  dl.replaceChildren(...data.tags.map((t) => el("option", { value: t.name })));
  state.tags = data.tags;
  state.palette = data.palette;
  const sel = $("tag-colour");
  if (sel.options.length !== data.palette.length + 1) {
    sel.replaceChildren(el("option", { value: "", text: "as it is" }), ...data.palette.map((c) => {
      const o = el("option", { value: c, text: c });
      o.style.color = c;
      return o;
    }));
  }
  drawList();
}

function drawList() {
  const list = $("list");
  const ids = new Set(state.rows.map((r) => r.id));
  for (const id of [...state.checked]) if (!ids.has(id)) state.checked.delete(id);
  list.replaceChildren(...state.rows.map(rowItem));
  $("list-empty").hidden = state.rows.length > 0;
  $("check-all").checked = state.rows.length > 0 && state.checked.size === state.rows.length;
}

function rowItem(r) {
  const li = el("li", { class: (r.unread ? "unread " : "") + (r.id === state.selected ? "selected" : ""), "data-id": r.id });
  const check = el("input", { type: "checkbox", "aria-label": "Select " + r.name });
  check.checked = state.checked.has(r.id);
  check.addEventListener("change", () => { check.checked ? state.checked.add(r.id) : state.checked.delete(r.id); });
  const star = el("button", { type: "button", class: "star", "aria-pressed": String(r.starred), "aria-label": (r.starred ? "Unstar " : "Star ") + r.name, text: r.starred ? "★" : "☆" });
  star.addEventListener("click", () => act(r.starred ? "unstar" : "star", [r.id]));
  const chips = el("span", {});
  if (r.phones.length) chips.append(el("span", { class: "chip phone", title: r.phones.join(", "), text: "☎ phone" }));
  if (r.ad_sources.length) chips.append(el("span", { class: "chip ad", title: r.ad_sources.join(", "), text: "ad" }));
  for (const t of r.tags) chips.append(tagChip(t));
  const open = el("button", { type: "button", class: "open", "aria-label": `${r.name}, ${r.platform}, ${r.unread} unread, ${r.state}` },
    el("div", { class: "who" }, mark(r.platform), " ", r.name, " ", r.unread ? el("span", { class: "badge", text: String(r.unread) }) : null),
    el("div", { class: "preview", text: r.preview ? r.preview.text : "" }),
    chips);
  open.addEventListener("click", () => select(r.id));
  li.append(check, star, open, el("span", { class: "when" }, fmtShort(r.last_activity), el("br"), r.state + (r.archived ? " · archived" : "")));
  return li;
}

function tagChip(t, onRemove) {
  const c = el("span", { class: "tag", text: t.name });
  c.style.background = t.colour;
  if (onRemove) c.append(el("button", { type: "button", "aria-label": "Remove tag " + t.name, text: "×", onclick: onRemove }));
  return c;
}

async function act(action, ids) {
  try {
    await api("POST", "/inbox/" + action, { ids });
    await refresh();
  } catch (e) { notice(e.message); }
}

// select opens a conversation and marks it read; from a click the reply
// box takes the focus, from the keyboard the list keeps it, unless the
// user went on meanwhile: to another conversation, or into a field (a
// tag's name, the search) while the page was still loading this one.
async function select(id, focusReply = true) {
  state.selected = id;
  const from = document.activeElement;
  const row = state.rows.find((r) => r.id === id);
  if (row && row.unread) {
    try { await api("POST", "/inbox/read", { ids: [id] }); } catch (e) { notice(e.message); }
  }
  if (row) {
    state.phoneKey = { platform: row.platform, customer: row.customer };
    $("ph-platform").value = row.platform;
    $("ph-customer").value = row.customer;
  }
  await refresh();
  const now = document.activeElement;
  if (state.selected !== id || (now !== from && now && now.closest && now.closest("input, textarea, select"))) return;
  if (focusReply) $("reply-text").focus();
  else {
    const row = document.querySelector(`#list li[data-id="${id}"] .open`);
    if (row) row.focus();
  }
}

async function loadConversation() {
  if (!state.selected) {
    $("conv").hidden = true;
    $("conv-none").hidden = false;
    return;
  }
  let c;
  try { c = await api("GET", "/conversations/" + state.selected); } catch (e) {
    state.selected = "";
    $("conv").hidden = true;
    $("conv-none").hidden = false;
    return;
  }
  state.conv = c;
  $("conv").hidden = false;
  $("conv-none").hidden = true;
  $("conv-mark").replaceWith(Object.assign(mark(c.platform), { id: "conv-mark" }));
  $("conv-name").textContent = c.name + (c.name !== c.customer ? " (" + c.customer + ")" : "");
  $("conv-state").textContent = c.id + " · " + c.state + (c.missed ? " · missed" : "") + (c.close_reason ? " (" + c.close_reason + ")" : "");
  $("conv-agent").textContent = c.agent ? "agent " + c.agent + (c.group ? " · group " + c.group : "") : (c.group ? "group " + c.group : "");
  const marksEl = $("conv-marks");
  marksEl.replaceChildren(
    ...c.phones.map((p) => el("span", { class: "chip phone", text: "☎ " + p })),
    ...c.emails.map((m) => el("span", { class: "chip", text: "✉ " + m })),
    ...c.ad_sources.map((a) => el("span", { class: "chip ad", text: "ad: " + a })));
  const star = $("star");
  star.setAttribute("aria-pressed", String(c.starred));
  star.textContent = c.starred ? "★ Starred" : "☆ Star";
  const arch = $("archive");
  arch.setAttribute("aria-pressed", String(c.archived));
  arch.textContent = c.archived ? "Unarchive" : "Archive";
  $("conv-tags").replaceChildren(...c.tags.map((t) => tagChip(t, () => tag(t.name, true))));
  $("transcript").replaceChildren(...c.transcript.map((m) =>
    el("li", { class: m.from }, el("time", { datetime: m.at, text: fmtTime(m.at) + " · " + m.from }), m.text)));
  $("transcript").scrollTop = $("transcript").scrollHeight;
  $("conv-deadlines").replaceChildren(...c.deadlines.map(deadlineItem));
  if (c.agent && !$("as-agent").dataset.touched) $("as-agent").value = c.agent;
}

async function tag(name, remove, colour) {
  try {
    await api("POST", `/conversations/${state.selected}/tags`, { tag: name, remove: !!remove });
    if (colour) await api("POST", `/tags/${encodeURIComponent(name)}`, { colour });
    await refresh();
  } catch (e) { notice(e.message); }
}

// ---- the agent seat

function sendTarget() {
  const c = state.conv;
  return c ? { platform: c.platform, customer: c.customer } : null;
}

function showResult(results) {
  const box = $("send-result");
  box.hidden = false;
  const last = results[results.length - 1];
  box.className = "result " + (last.message_id ? "ok" : "refused");
  const parts = [];
  for (const r of results) {
    if (r.message_id) {
      parts.push("Sent (" + r.message_id + ").");
    } else if (r.refusal) {
      let s = "Refused by the router: " + r.refusal + ". " + (r.explanation || "");
      if (r.platform) {
        s += r.platform.accepted
          ? " The platform would have accepted it: the router's policy is stricter than the platform (policy drift)."
          : ` The platform refuses it too (${r.platform.code}: ${r.platform.message}).`;
      }
      parts.push(s);
    } else if (r.platform_error) {
      parts.push(`The router let it through, and the platform refused it: ${r.platform_error.code} (HTTP ${r.platform_error.status}) ${r.platform_error.message}.`);
    } else if (r.error) {
      parts.push("Not sent: " + r.error);
    }
  }
  box.textContent = parts.join(" ");
}

async function agentSend(body) {
  const t = sendTarget();
  const agent = $("as-agent").value;
  if (!t || !agent) { notice("Pick a conversation and an agent first."); return; }
  try {
    const r = await api("POST", `/agents/${encodeURIComponent(agent)}/send`, Object.assign(t, body));
    showResult([r]);
    notice("");
    await refresh();
    return r;
  } catch (e) { notice(e.message); }
}

// ---- the customer's phone

async function loadPhone() {
  const { platform, customer } = state.phoneKey;
  $("phone").dataset.platform = platform;
  $("phone-who").textContent = customer ? `${marks[platform] || platform} · ${customer}` : "pick or name a customer";
  if (!platform || !customer) { $("device").replaceChildren(); return; }
  try {
    const d = await api("GET", `/customers/${encodeURIComponent(platform)}/${encodeURIComponent(customer)}/device`);
    $("device").replaceChildren(...d.deliveries.map((m) =>
      el("li", {}, el("span", { class: "kind", text: m.kind === "text" ? "" : m.kind }), m.kind === "text" ? m.text : " " + m.text, el("time", { datetime: m.at, text: fmtTime(m.at) }))));
    $("device").scrollTop = $("device").scrollHeight;
  } catch (e) {
    $("device").replaceChildren(el("li", { text: e.message }));
  }
}

// ---- agents, timers, figures

async function loadAgents() {
  const data = await api("GET", "/agents");
  state.agents = data.agents;
  const tbody = $("agents");
  tbody.replaceChildren(...data.agents.map((a) => {
    const box = el("input", { type: "checkbox", "aria-label": "Agent " + a.id + " online" });
    box.checked = a.online;
    box.addEventListener("change", async () => {
      try { await api("POST", `/agents/${encodeURIComponent(a.id)}/presence`, { online: box.checked }); await refresh(); } catch (e) { notice(e.message); }
    });
    return el("tr", {}, el("th", { scope: "row", text: a.id }), el("td", {}, box), el("td", { text: a.active + " / " + a.capacity }), el("td", { text: String(a.assignments) }));
  }));
  for (const sel of [$("as-agent"), $("tr-agent")]) {
    const keep = sel.value;
    const first = sel.id === "tr-agent" ? [el("option", { value: "", text: "—" })] : [];
    sel.replaceChildren(...first, ...data.agents.map((a) => el("option", { value: a.id, text: a.id })));
    if (keep && data.agents.some((a) => a.id === keep)) sel.value = keep;
  }
}

async function loadSeat() {
  const agent = $("as-agent").value;
  $("seat-title").textContent = agent ? "Seat of " + agent : "Seat";
  const item = (r) => el("li", {}, el("button", { type: "button", onclick: () => select(r.id) }, mark(r.platform), " ", r.name, r.unread ? " (" + r.unread + " unread)" : ""));
  const none = () => el("li", { class: "muted", text: "none" });
  const [mine, waiting] = await Promise.all([
    agent ? api("GET", `/inbox?agent=${encodeURIComponent(agent)}&state=assigned&view=all&limit=50`) : { rows: [] },
    api("GET", "/inbox?state=waiting&limit=50"),
  ]);
  $("seat-assigned").replaceChildren(...(mine.rows.length ? mine.rows.map(item) : [none()]));
  $("seat-waiting").replaceChildren(...(waiting.rows.length ? waiting.rows.map(item) : [none()]));
}

function deadlineItem(d) {
  return el("li", {}, el("time", { datetime: d.at, text: fmtShort(d.at) }), d.what);
}

async function loadClock() {
  const c = await api("GET", "/clock");
  state.clock = { now: c.now, speed: c.speed, at: Date.now() };
  drawClock();
  $("timers").replaceChildren(...(c.next.length ? c.next.map(deadlineItem) : [el("li", { class: "muted", text: "nothing pending" })]));
}

function spark(id, values) {
  const svg = $(id);
  const max = Math.max(1, ...values);
  const n = values.length;
  const pts = values.map((v, i) => `${n === 1 ? 100 : (i * 100) / (n - 1)},${22 - (v / max) * 20}`).join(" ");
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", pts);
  svg.replaceChildren(line);
}

async function loadFigures() {
  const f = await api("GET", "/figures");
  $("fig-waiting").textContent = f.waiting;
  $("fig-active").textContent = f.active;
  $("fig-frt").textContent = f.answered ? fmtSeconds(f.first_response_p90_seconds) : "—";
  state.history.push({ waiting: f.waiting, active: f.active, frt: f.first_response_p90_seconds });
  if (state.history.length > 60) state.history.shift();
  spark("spark-waiting", state.history.map((h) => h.waiting));
  spark("spark-active", state.history.map((h) => h.active));
  spark("spark-frt", state.history.map((h) => h.frt));
  const raised = f.warnings.filter((w) => w.raised);
  const warn = $("warning");
  warn.hidden = raised.length === 0;
  warn.textContent = raised.map((w) => `Service warning: ${w.metric} is ${w.metric === "waiting" ? w.value : fmtSeconds(w.value)}, over the standard's ${w.metric === "waiting" ? w.limit : fmtSeconds(w.limit)}.`).join(" ");
  const bars = $("agent-bars");
  const ns = "http://www.w3.org/2000/svg";
  const W = 300, H = 90, w = W / Math.max(1, f.agents.length);
  const max = Math.max(1, ...f.agents.map((a) => a.active));
  bars.setAttribute("viewBox", `0 0 ${W} ${H}`);
  bars.replaceChildren(...f.agents.flatMap((a, i) => {
    const h = (a.active / max) * 60;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", String(i * w + w * 0.2));
    r.setAttribute("width", String(w * 0.6));
    r.setAttribute("y", String(70 - h));
    r.setAttribute("height", String(Math.max(h, 1)));
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", String(i * w + w / 2));
    t.setAttribute("y", "84");
    t.setAttribute("text-anchor", "middle");
    t.textContent = `${a.agent}: ${a.active}` + (a.answered ? `, first reply ${fmtSeconds(a.first_response_mean_seconds)}` : "");
    return [r, t];
  }));
}

async function loadQuickReplies() {
  const data = await api("GET", "/quick-replies");
  state.quick = data.quick_replies;
  const sel = $("quick-pick");
  const keep = sel.value;
  sel.replaceChildren(el("option", { value: "", text: "quick reply…" }), ...data.quick_replies.map((q) => el("option", { value: q.id, text: q.title })));
  sel.value = keep;
}

async function loadPlatforms() {
  const urls = await api("GET", "/urls");
  state.platforms = Object.keys(urls.platforms).sort();
  const opts = () => state.platforms.map((p) => el("option", { value: p, text: p }));
  $("f-platform").replaceChildren(el("option", { value: "", text: "all" }), ...opts());
  $("ph-platform").replaceChildren(...opts());
  if (state.phoneKey.platform) $("ph-platform").value = state.phoneKey.platform;
}

// ---- following the world

let refreshing = null;
let again = false;

async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    try {
      await Promise.all([loadInbox(), loadAgents(), loadClock(), loadFigures(), loadQuickReplies()]);
      await Promise.all([loadConversation(), loadPhone(), loadSeat()]);
      notice("");
    } catch (e) {
      notice(e.message);
    }
  })();
  await refreshing;
  refreshing = null;
  if (again) { again = false; await refresh(); }
}

function follow() {
  const live = $("live");
  const es = new EventSource(API + "/stream");
  es.addEventListener("open", () => { live.textContent = "live"; live.classList.add("on"); });
  es.addEventListener("error", () => { live.textContent = "reconnecting…"; live.classList.remove("on"); });
  es.addEventListener("change", async (ev) => {
    const c = JSON.parse(ev.data);
    if (!c.world) { notice("No world: " + (c.problem || "") + " (POST /_omnisim/reset to try again)"); return; }
    if (state.seed !== null && state.seed !== c.seed) {
      state.selected = ""; state.checked.clear(); state.history = [];
      await loadPlatforms();
    }
    state.seed = c.seed;
    state.clock = { now: c.now, speed: c.speed, at: Date.now() };
    await refresh();
  });
}

// ---- wiring

function wire() {
  document.querySelectorAll("[data-view]").forEach((b) => b.addEventListener("click", () => {
    state.view = b.dataset.view;
    document.querySelectorAll("[data-view]").forEach((x) => x.setAttribute("aria-selected", String(x === b)));
    refresh();
  }));
  $("f-phone").addEventListener("change", (e) => { state.phone = e.target.checked; refresh(); });
  $("f-ad").addEventListener("change", (e) => { state.ad = e.target.checked; refresh(); });
  $("f-platform").addEventListener("change", (e) => { state.platform = e.target.value; refresh(); });
  let searchTimer = 0;
  $("search").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.q = e.target.value.trim(); refresh(); }, 200);
  });
  $("check-all").addEventListener("change", (e) => {
    state.checked = new Set(e.target.checked ? state.rows.map((r) => r.id) : []);
    drawList();
  });
  document.querySelectorAll("[data-bulk]").forEach((b) => b.addEventListener("click", () => {
    if (state.checked.size === 0) { notice("Select conversations first (the boxes in the list)."); return; }
    act(b.dataset.bulk, [...state.checked]);
  }));
  $("star").addEventListener("click", () => state.conv && act(state.conv.starred ? "unstar" : "star", [state.conv.id]));
  $("archive").addEventListener("click", () => state.conv && act(state.conv.archived ? "unarchive" : "archive", [state.conv.id]));
  $("mark-unread").addEventListener("click", () => state.conv && act("unread", [state.conv.id]));
  $("tag-form").addEventListener("submit", (e) => { e.preventDefault(); const n = $("tag-name").value.trim(); if (n) { tag(n, false, $("tag-colour").value); $("tag-name").value = ""; } });
  $("as-agent").addEventListener("change", (e) => { e.target.dataset.touched = "1"; loadSeat(); });
  $("reply-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("reply-text").value;
    if (!text.trim()) return;
    const r = await agentSend({ text });
    if (r && r.message_id) $("reply-text").value = "";
  });
  $("reply-text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("reply-form").requestSubmit(); });
  $("template-form").addEventListener("submit", (e) => { e.preventDefault(); agentSend({ template: { name: $("tpl-name").value, language: $("tpl-lang").value } }); });
  $("attach-form").addEventListener("submit", (e) => { e.preventDefault(); agentSend({ attachment: { kind: $("att-kind").value, format: $("att-format").value, size: $("att-size").value } }); });
  $("transfer-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const t = sendTarget();
    if (!t) return;
    try {
      await api("POST", `/agents/${encodeURIComponent($("as-agent").value)}/transfer`, Object.assign(t, { agent: $("tr-agent").value, group: $("tr-group").value }));
      await refresh();
    } catch (err) { notice(err.message); }
  });
  $("close-conv").addEventListener("click", async () => {
    const t = sendTarget();
    if (!t) return;
    try { await api("POST", `/agents/${encodeURIComponent($("as-agent").value)}/close`, t); await refresh(); } catch (err) { notice(err.message); }
  });
  $("quick-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/quick-replies", { title: $("qr-title").value, body: $("qr-body").value });
      $("qr-title").value = ""; $("qr-body").value = "";
      await refresh();
    } catch (err) { notice(err.message); }
  });
  $("quick-send").addEventListener("click", async () => {
    const id = $("quick-pick").value;
    if (!id || !state.conv) { notice("Pick a conversation and a quick reply first."); return; }
    try {
      const r = await api("POST", `/agents/${encodeURIComponent($("as-agent").value)}/quick-reply`, { conversation: state.conv.id, quick_reply: id });
      showResult(r.sent);
      await refresh();
    } catch (err) { notice(err.message); }
  });
  const phoneKey = () => {
    state.phoneKey = { platform: $("ph-platform").value, customer: $("ph-customer").value.trim() };
    loadPhone();
  };
  $("ph-platform").addEventListener("change", phoneKey);
  $("ph-customer").addEventListener("change", phoneKey);
  $("phone-form").addEventListener("submit", (e) => { e.preventDefault(); phoneKey(); });
  $("say-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    state.phoneKey = { platform: $("ph-platform").value, customer: $("ph-customer").value.trim() };
    const { platform, customer } = state.phoneKey;
    if (!customer) { notice("Name the customer: a scenario customer's id, or the platform's handle (a phone number, an openid)."); $("ph-customer").focus(); return; }
    try {
      const r = await api("POST", `/customers/${encodeURIComponent(platform)}/${encodeURIComponent(customer)}/messages`, { text: $("say-text").value });
      if (r.error) notice("The platform sent it, and the router answered " + r.status + ": " + r.error);
      $("say-text").value = "";
      await refresh();
    } catch (err) { notice(err.message); }
  });
  document.querySelectorAll("[data-advance]").forEach((b) => b.addEventListener("click", () => jump({ advance: b.dataset.advance })));
  $("jump").addEventListener("click", () => {
    const v = $("jump-to").value;
    if (!v) { notice("Pick a date and time to jump to (UTC)."); return; }
    jump({ to: new Date(v + (v.length === 16 ? ":00" : "") + "Z").toISOString() });
  });
  document.addEventListener("keydown", keys);
  setInterval(drawClock, 1000);
}

async function jump(body) {
  try {
    await api("POST", "/clock", body);
    await refresh();
  } catch (e) { notice(e.message); }
}

// keys: j/k move in the list, Enter opens, s stars, e archives, u marks
// unread, r writes a reply, / searches. Keys are ignored while typing.
function keys(e) {
  const t = e.target;
  if (t.closest && t.closest("input, textarea, select")) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const i = state.rows.findIndex((r) => r.id === state.selected);
  switch (e.key) {
    case "j": case "k": {
      if (state.rows.length === 0) return;
      const next = e.key === "j" ? Math.min(state.rows.length - 1, i + 1) : Math.max(0, i - 1);
      select(state.rows[next].id, false);
      break;
    }
    case "s": if (state.conv) act(state.conv.starred ? "unstar" : "star", [state.conv.id]); break;
    case "e": if (state.conv) act(state.conv.archived ? "unarchive" : "archive", [state.conv.id]); break;
    case "u": if (state.conv) act("unread", [state.conv.id]); break;
    case "r": $("reply-text").focus(); break;
    case "/": $("search").focus(); break;
    default: return;
  }
  e.preventDefault();
}

window.addEventListener("DOMContentLoaded", async () => {
  wire();
  try { await loadPlatforms(); } catch (e) { notice(e.message); }
  follow();
});
