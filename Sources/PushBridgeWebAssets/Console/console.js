"use strict";
// The PushBridge console: plain JavaScript, no library. The admin token lives in sessionStorage (this tab only)
// and travels in the Authorization header, never in a URL.

const TOKEN_KEY = "pushbridge.adminToken";
const $ = (id) => document.getElementById(id);
const state = { info: null, socket: null, bus: "default", rule: null, timers: {}, samples: [], lastMetrics: null };

// --- Admin API ------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY) };
  const options = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new ApiError(0, "Unreachable", "The server did not answer: " + error.message);
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (error) { json = null; }
  if (!response.ok) {
    const code = (json && json.error && json.error.code) || (json && json.__type) || String(response.status);
    const message = (json && json.error && json.error.message) || (json && json.message) || text || response.statusText;
    if (response.status === 401 && path.startsWith("/admin/")) logout("Your admin token was refused: " + message);
    throw new ApiError(response.status, code, message);
  }
  return json;
}

const events = (operation, body) => api("POST", "/admin/events-api/" + operation, body || {});

// Every page of a List operation, following NextToken (at most 20 pages).
async function listAll(operation, body, key) {
  let items = [];
  let token = null;
  for (let page = 0; page < 20; page++) {
    const answer = await events(operation, token ? Object.assign({}, body, { NextToken: token }) : body);
    items = items.concat(answer[key] || []);
    token = answer.NextToken;
    if (!token) break;
  }
  return items;
}

// --- Small DOM helpers ----------------------------------------------------------------------------------------

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function button(label, onClick, kind) {
  return el("button", { type: "button", class: (kind || "secondary") + " small", onclick: onClick }, label);
}

function fillTable(table, rows, emptyText, columns) {
  const body = table.tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    body.append(el("tr", { class: "empty" }, el("td", { colspan: String(columns), text: emptyText })));
    return;
  }
  // Each cell carries its column's name, which narrow screens show beside it (the rows become cards).
  const labels = Array.from(table.tHead.rows[0].cells, (cell) => cell.textContent);
  for (const cells of rows) body.append(el("tr", {}, ...cells.map((cell, index) => el("td", { "data-label": labels[index] || "" }, cell))));
}

function say(node, text, kind) {
  node.textContent = text;
  node.classList.remove("good", "bad");
  if (kind) node.classList.add(kind);
}

function clock(date) {
  return date.toISOString().slice(11, 23);
}

function when(text) {
  if (!text) return "—";
  const date = new Date(text);
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const relative = seconds > 0 ? "in " + seconds + " s" : seconds < 0 ? -seconds + " s ago" : "now";
  return date.toLocaleTimeString() + " (" + relative + ")";
}

function confirmAction(text) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    const finish = (answer) => {
      $("confirm-ok").onclick = null;
      $("confirm-cancel").onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    $("confirm-ok").onclick = () => finish(true);
    $("confirm-cancel").onclick = () => finish(false);
    dialog.onclose = () => finish(false);
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}

function parseJSON(text, what) {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: what + " is not valid JSON: " + error.message };
  }
}

// --- Login ----------------------------------------------------------------------------------------------------

async function login(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    state.info = await api("GET", "/admin/info");
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw error;
  }
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  $("ws-url").value = scheme + location.host + "/" + state.info.stage;
  $("server-line").textContent = location.host + " · stage " + state.info.stage + " · " + state.info.region + " · account " + state.info.accountId;
  $("ws-jwt-hint").textContent = state.info.connectNeedsToken ? "(required: $connect checks JWTs)" : "(not needed: $connect takes anyone)";
  $("playground-event").value = JSON.stringify(sampleEvent(), null, 2);
  selectTab("tab-client");
}

function logout(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.socket) state.socket.close(1000, "Logged out");
  for (const timer of Object.values(state.timers)) clearInterval(timer);
  state.timers = {};
  $("app").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("server-line").textContent = "";
  $("token").value = "";
  say($("login-error"), reason || "");
  $("token").focus();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  say($("login-error"), "");
  $("login-button").disabled = true;
  try {
    await login($("token").value.trim());
  } catch (error) {
    say($("login-error"), error.status === 401 ? "Wrong admin token: " + error.message : error.message, "bad");
    $("token").focus();
  } finally {
    $("login-button").disabled = false;
  }
});
$("logout").addEventListener("click", () => logout("Logged out."));

// --- Tabs -----------------------------------------------------------------------------------------------------

const tabs = () => Array.from(document.querySelectorAll('[role="tab"]'));

function selectTab(id) {
  for (const tab of tabs()) {
    const selected = tab.id === id;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  clearInterval(state.timers.panel);
  const refreshers = { "tab-rules": refreshRules, "tab-queues": refreshQueues };
  const refresh = refreshers[id];
  if (refresh) {
    refresh();
    if (id === "tab-queues") state.timers.panel = setInterval(refreshQueues, 5000);
  }
  if (!state.timers.metrics) {
    pollMetrics();
    state.timers.metrics = setInterval(pollMetrics, 2000);
  }
}

$("tabs").addEventListener("click", (event) => {
  const tab = event.target.closest('[role="tab"]');
  if (tab) selectTab(tab.id);
});
$("tabs").addEventListener("keydown", (event) => {
  const list = tabs();
  const index = list.indexOf(document.activeElement);
  if (index < 0) return;
  const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: list.length - 1 - index };
  if (!(event.key in moves)) return;
  event.preventDefault();
  const next = list[(index + moves[event.key] + list.length) % list.length];
  selectTab(next.id);
  next.focus();
});

// --- WebSocket test client ------------------------------------------------------------------------------------

function logFrame(direction, text) {
  const marks = { in: "←", out: "→", note: "•" };
  const log = $("ws-log");
  log.append(el("li", { class: direction }, el("span", { class: "time", text: clock(new Date()) }), el("span", { class: "dir", "aria-label": direction === "in" ? "received" : direction === "out" ? "sent" : "note", text: marks[direction] }), el("span", { class: "body", text })));
  while (log.children.length > 500) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}

function socketControls(open) {
  for (const id of ["ws-subscribe", "ws-unsubscribe", "ws-whoami", "ws-send-raw", "ws-disconnect"]) $(id).disabled = !open;
  $("ws-connect").disabled = open;
}

function setSocketStatus(text, kind) {
  const badge = $("ws-status");
  badge.textContent = text;
  badge.className = "badge" + (kind ? " " + kind : "");
}

$("ws-connect-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const url = $("ws-url").value.trim();
  if (!/^wss?:\/\//.test(url)) {
    setSocketStatus("The URL must start with ws:// or wss://", "bad");
    return;
  }
  const jwt = $("ws-jwt").value.trim();
  let socket;
  try {
    socket = jwt ? new WebSocket(url, ["websocket", jwt]) : new WebSocket(url);
  } catch (error) {
    setSocketStatus(error.message, "bad");
    return;
  }
  state.socket = socket;
  $("ws-connect").disabled = true;
  setSocketStatus("Connecting…");
  logFrame("note", "connecting to " + url + (jwt ? " with a JWT" : ""));
  socket.addEventListener("open", () => {
    setSocketStatus("Connected", "good");
    logFrame("note", "connected");
    socketControls(true);
  });
  socket.addEventListener("message", (message) => logFrame("in", typeof message.data === "string" ? message.data : "(binary frame)"));
  socket.addEventListener("close", (close) => {
    const refused = close.code === 1006 && !close.wasClean;
    logFrame("note", "closed " + close.code + (close.reason ? " " + close.reason : "") + (refused ? " (refused at $connect, or unreachable)" : ""));
    setSocketStatus("Closed " + close.code, refused ? "bad" : "");
    if (state.socket === socket) state.socket = null;
    socketControls(false);
  });
});

function sendFrame(text) {
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return;
  state.socket.send(text);
  logFrame("out", text);
}

$("ws-disconnect").addEventListener("click", () => state.socket && state.socket.close(1000, "Closed by the console"));
$("ws-subscribe-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sendFrame(JSON.stringify({ action: "subscribe", entityId: $("ws-entity").value }));
});
$("ws-unsubscribe").addEventListener("click", () => sendFrame(JSON.stringify({ action: "unsubscribe", entityId: $("ws-entity").value })));
$("ws-whoami").addEventListener("click", () => sendFrame('{"action":"whoami"}'));
$("ws-raw-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sendFrame($("ws-raw").value);
});
$("ws-clear").addEventListener("click", () => $("ws-log").replaceChildren());

// --- Send a test event ----------------------------------------------------------------------------------------

function checkDetail() {
  const area = $("event-detail");
  const parsed = parseJSON(area.value, "The detail");
  let problem = parsed.error;
  if (!problem && (parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value))) problem = "The detail must be a JSON object.";
  area.classList.toggle("invalid", Boolean(problem));
  area.setAttribute("aria-invalid", String(Boolean(problem)));
  say($("event-detail-check"), problem || "Valid JSON object.", problem ? "bad" : "good");
  return problem ? null : parsed.value;
}

$("event-detail").addEventListener("input", checkDetail);
$("event-format").addEventListener("click", () => {
  const detail = checkDetail();
  if (detail) $("event-detail").value = JSON.stringify(detail, null, 2);
});
// Counters of every target's queue, by "bus/rule/targetId".
async function queueCounters() {
  const answer = await api("GET", "/admin/queues");
  return Object.fromEntries(answer.queues.map((q) => [q.target, q.counters]));
}

// What became of a test event at each target it was queued for: delivered (the queue's count of deliveries
// grew), waiting for a retry or dead-lettered (found by the event's id). Polled for up to ten seconds.
async function followDelivery(eventId, matched, before, cells) {
  const pending = new Set(matched.map((m) => m.bus + "/" + m.rule + "/" + m.targetId));
  for (let poll = 0; poll < 20 && pending.size > 0; poll++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    let counters, retries, dlq;
    try {
      [counters, retries, dlq] = await Promise.all([
        queueCounters(),
        api("GET", "/admin/retries?limit=1000"),
        api("GET", "/admin/dlq?limit=1000&since=5m"),
      ]);
    } catch (error) {
      return;
    }
    for (const key of Array.from(pending)) {
      const dead = dlq.deadLetters.find((d) => d.eventId === eventId && d.target === key);
      const waiting = retries.retries.find((r) => r.eventId === eventId && r.target === key);
      const now = counters[key] || {};
      const then = before[key] || { delivered: 0 };
      if (dead) {
        say(cells[key], "dead-lettered: " + dead.errorCode, "bad");
        pending.delete(key);
      } else if (waiting) {
        say(cells[key], "waiting for retry " + waiting.attempts + " (" + (waiting.lastErrorCode || "") + "), next " + when(waiting.dueAt), "bad");
      } else if ((now.delivered || 0) > (then.delivered || 0)) {
        say(cells[key], "delivered", "good");
        pending.delete(key);
      }
    }
  }
}

$("event-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const detail = checkDetail();
  if (!detail) {
    $("event-detail").focus();
    return;
  }
  const card = $("event-result-card");
  $("event-send").disabled = true;
  try {
    const before = await queueCounters();
    const result = await api("POST", "/admin/test-event", {
      Source: $("event-source").value,
      DetailType: $("event-detail-type").value,
      EventBusName: $("event-bus").value,
      Detail: JSON.stringify(detail),
    });
    card.hidden = false;
    const count = result.matched.length;
    say($("event-result-summary"), "Event " + result.eventId + ": " + (count === 0 ? "no rule matched." : "queued for " + count + " target" + (count === 1 ? "." : "s.")), count ? "good" : "");
    const cells = {};
    fillTable($("event-result"), result.matched.map((m) => {
      const status = el("span", { class: "hint", text: "queued" });
      cells[m.bus + "/" + m.rule + "/" + m.targetId] = status;
      return [m.rule + (m.bus === "default" ? "" : " (" + m.bus + ")"), m.targetId, el("code", { text: m.targetArn }), status];
    }), "No rule matched this event.", 4);
    followDelivery(result.eventId, result.matched, before, cells);
  } catch (error) {
    card.hidden = false;
    say($("event-result-summary"), error.code + ": " + error.message, "bad");
    fillTable($("event-result"), [], "Not published.", 4);
  } finally {
    $("event-send").disabled = false;
  }
});

// --- Rules and targets ----------------------------------------------------------------------------------------

async function refreshRules() {
  try {
    const buses = await listAll("ListEventBuses", {}, "EventBuses");
    const select = $("rules-bus");
    const names = buses.map((bus) => bus.Name);
    if (!names.includes(state.bus)) state.bus = "default";
    select.replaceChildren(...names.map((name) => el("option", { value: name, text: name })));
    select.value = state.bus;
    const rules = await listAll("ListRules", { EventBusName: state.bus }, "Rules");
    fillTable($("rules-table"), rules.map((rule) => [
      el("strong", { text: rule.Name }),
      rule.State === "ENABLED" ? "Enabled" : "Disabled",
      el("code", { text: [rule.EventPattern, rule.ScheduleExpression].filter(Boolean).join(" · ") }),
      el("div", { class: "actions" },
        button("Edit", () => editRule(rule)),
        button("Targets", () => showTargets(rule.Name)),
        button(rule.State === "ENABLED" ? "Disable" : "Enable", () => toggleRule(rule)),
        button("Delete", () => deleteRule(rule.Name), "danger")),
    ]), "No rules on this bus.", 4);
  } catch (error) {
    fillTable($("rules-table"), [], "Could not list rules: " + error.message, 4);
  }
}

$("rules-bus").addEventListener("change", () => {
  state.bus = $("rules-bus").value;
  $("targets-card").hidden = true;
  refreshRules();
});
$("rules-refresh").addEventListener("click", refreshRules);

function editRule(rule) {
  $("rule-name").value = rule.Name;
  $("rule-description").value = rule.Description || "";
  const parsed = parseJSON(rule.EventPattern || "{}", "pattern");
  $("rule-pattern").value = !rule.EventPattern ? "" : parsed.error ? rule.EventPattern : JSON.stringify(parsed.value, null, 2);
  $("rule-schedule").value = rule.ScheduleExpression || "";
  $("rule-enabled").checked = rule.State === "ENABLED";
  say($("rule-message"), "Editing " + rule.Name + ".");
  $("rule-name").focus();
}

async function toggleRule(rule) {
  try {
    await events(rule.State === "ENABLED" ? "DisableRule" : "EnableRule", { Name: rule.Name, EventBusName: state.bus });
    say($("rule-message"), rule.Name + (rule.State === "ENABLED" ? " disabled." : " enabled."), "good");
  } catch (error) {
    say($("rule-message"), error.code + ": " + error.message, "bad");
  }
  refreshRules();
}

async function deleteRule(name) {
  if (!(await confirmAction("Delete the rule " + name + " and its targets? Messages still queued for them are dead-lettered."))) return;
  try {
    const targets = await listAll("ListTargetsByRule", { Rule: name, EventBusName: state.bus }, "Targets");
    if (targets.length) await events("RemoveTargets", { Rule: name, EventBusName: state.bus, Ids: targets.map((t) => t.Id) });
    await events("DeleteRule", { Name: name, EventBusName: state.bus });
    say($("rule-message"), "Deleted " + name + ".", "good");
    if (state.rule === name) $("targets-card").hidden = true;
  } catch (error) {
    say($("rule-message"), error.code + ": " + error.message, "bad");
  }
  refreshRules();
}

$("rule-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("rule-name").value.trim();
  const request = { Name: name, EventBusName: state.bus, State: $("rule-enabled").checked ? "ENABLED" : "DISABLED" };
  // A rule needs a pattern, a schedule or both; a schedule alone leaves the pattern out (as PutRule takes it).
  const schedule = $("rule-schedule").value.trim();
  if (schedule) request.ScheduleExpression = schedule;
  if ($("rule-pattern").value.trim() || !schedule) {
    const parsed = parseJSON($("rule-pattern").value, "The event pattern");
    $("rule-pattern").classList.toggle("invalid", Boolean(parsed.error));
    if (parsed.error) {
      say($("rule-message"), parsed.error, "bad");
      return;
    }
    request.EventPattern = JSON.stringify(parsed.value);
  }
  if ($("rule-description").value) request.Description = $("rule-description").value;
  try {
    await events("PutRule", request);
    say($("rule-message"), "Saved " + name + ".", "good");
    await refreshRules();
    showTargets(name);
  } catch (error) {
    say($("rule-message"), error.code + ": " + error.message, "bad");
  }
});
$("rule-to-playground").addEventListener("click", () => {
  $("playground-pattern").value = $("rule-pattern").value;
  $("playground-test").focus();
});

async function showTargets(rule) {
  state.rule = rule;
  $("targets-card").hidden = false;
  $("targets-rule").textContent = rule;
  try {
    const targets = await listAll("ListTargetsByRule", { Rule: rule, EventBusName: state.bus }, "Targets");
    fillTable($("targets-table"), targets.map((target) => [
      target.Id,
      el("code", { text: target.Arn }),
      target.RetryPolicy ? target.RetryPolicy.MaximumRetryAttempts + " attempts, " + target.RetryPolicy.MaximumEventAgeInSeconds + " s" : "default",
      el("div", { class: "actions" }, button("Remove", () => removeTarget(rule, target.Id), "danger")),
    ]), "No targets yet: add one below.", 4);
  } catch (error) {
    fillTable($("targets-table"), [], "Could not list targets: " + error.message, 4);
  }
}

async function removeTarget(rule, id) {
  if (!(await confirmAction("Remove the target " + id + " of " + rule + "? What is still queued for it is dead-lettered."))) return;
  try {
    await events("RemoveTargets", { Rule: rule, EventBusName: state.bus, Ids: [id] });
    say($("target-message"), "Removed " + id + ".", "good");
  } catch (error) {
    say($("target-message"), error.code + ": " + error.message, "bad");
  }
  showTargets(rule);
}

$("target-websocket").addEventListener("click", () => {
  $("target-arn").value = state.info ? state.info.webSocketTargetArn : "";
  if (!$("target-path").value) $("target-path").value = "$.detail.entityId";
  if (!$("target-id").value) $("target-id").value = "push";
});
$("target-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!state.rule) return;
  const retries = Number($("target-retries").value);
  if (!Number.isInteger(retries) || retries < 0 || retries > 185) {
    say($("target-message"), "Maximum retry attempts must be a whole number from 0 to 185.", "bad");
    return;
  }
  const target = { Id: $("target-id").value.trim(), Arn: $("target-arn").value.trim(), RetryPolicy: { MaximumRetryAttempts: retries } };
  if ($("target-path").value.trim()) target.HttpParameters = { PathParameterValues: [$("target-path").value.trim()] };
  try {
    const result = await events("PutTargets", { Rule: state.rule, EventBusName: state.bus, Targets: [target] });
    if (result.FailedEntryCount) {
      const entry = result.FailedEntries[0];
      say($("target-message"), entry.ErrorCode + ": " + entry.ErrorMessage, "bad");
    } else {
      say($("target-message"), "Saved target " + target.Id + ".", "good");
    }
  } catch (error) {
    say($("target-message"), error.code + ": " + error.message, "bad");
  }
  showTargets(state.rule);
});

// --- TestEventPattern playground ------------------------------------------------------------------------------

function sampleEvent() {
  return {
    version: "0",
    id: "00000000-0000-4000-8000-000000000000",
    "detail-type": "Order Shipped",
    source: "console",
    account: state.info ? state.info.accountId : "000000000000",
    time: new Date().toISOString().slice(0, 19) + "Z",
    region: state.info ? state.info.region : "us-east-1",
    resources: [],
    detail: { status: "shipped", orderId: "o-1" },
  };
}

// The pattern's leaves (a path and its list of matchers, or an $or), each a pattern of its own.
function patternLeaves(pattern, path) {
  const leaves = [];
  for (const [key, value] of Object.entries(pattern)) {
    if (key === "$or" || Array.isArray(value) || value === null || typeof value !== "object") {
      leaves.push({ path: key === "$or" ? path.concat("$or") : path.concat(key), pattern: nest(path, { [key]: value }), matchers: value });
    } else {
      leaves.push(...patternLeaves(value, path.concat(key)));
    }
  }
  return leaves;
}

function nest(path, leaf) {
  return path.reduceRight((inner, key) => ({ [key]: inner }), leaf);
}

function valueAt(event, path) {
  let value = event;
  for (const key of path) {
    if (key === "$or") return undefined;
    if (value === null || typeof value !== "object" || !(key in value)) return undefined;
    value = value[key];
  }
  return value;
}

$("playground-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const verdict = $("playground-verdict");
  const list = $("playground-fields");
  list.replaceChildren();
  const pattern = parseJSON($("playground-pattern").value, "The pattern");
  const sample = parseJSON($("playground-event").value, "The event");
  $("playground-pattern").classList.toggle("invalid", Boolean(pattern.error));
  $("playground-event").classList.toggle("invalid", Boolean(sample.error));
  if (pattern.error || sample.error) {
    say(verdict, pattern.error || sample.error, "bad");
    return;
  }
  const eventText = JSON.stringify(sample.value);
  try {
    const whole = await events("TestEventPattern", { EventPattern: JSON.stringify(pattern.value), Event: eventText });
    say(verdict, whole.Result ? "The event matches the pattern." : "The event does not match the pattern.", whole.Result ? "good" : "bad");
  } catch (error) {
    say(verdict, error.code + ": " + error.message, "bad");
    return;
  }
  if (pattern.value === null || typeof pattern.value !== "object") return;
  for (const leaf of patternLeaves(pattern.value, []).slice(0, 50)) {
    let matched = false;
    let reason = "";
    try {
      matched = (await events("TestEventPattern", { EventPattern: JSON.stringify(leaf.pattern), Event: eventText })).Result;
    } catch (error) {
      reason = " (" + error.message + ")";
    }
    const value = valueAt(sample.value, leaf.path);
    const seen = leaf.path[leaf.path.length - 1] === "$or" ? "" : value === undefined ? "the event has no such field" : "the event has " + JSON.stringify(value);
    list.append(el("li", { class: matched ? "good" : "bad" },
      el("strong", { text: (matched ? "✓ " : "✗ ") + leaf.path.join(".") }),
      " ", el("code", { text: JSON.stringify(leaf.matchers) }),
      seen ? " — " + seen : "", reason));
  }
});

// --- Queues, retries, dead letters ----------------------------------------------------------------------------

async function refreshQueues() {
  try {
    const [queues, retries, dlq] = await Promise.all([api("GET", "/admin/queues"), api("GET", "/admin/retries?limit=200"), api("GET", "/admin/dlq?limit=200")]);
    fillTable($("queues-table"), queues.queues.map((q) => [
      el("code", { text: q.target }), String(q.depth), String(q.inFlight), String(q.waitingForRetry), when(q.nextRetryAt), String(q.counters.delivered), String(q.dlqDepth),
    ]), "No targets.", 7);
    fillTable($("retries-table"), retries.retries.map((r) => [
      el("code", { text: r.target }), el("code", { text: r.eventId }), when(r.dueAt), String(r.attempts),
      (r.lastErrorCode || "") + (r.lastErrorMessage ? ": " + r.lastErrorMessage : ""),
      el("div", { class: "actions" }, button("Retry now", () => retryAction(r, "now")), button("Cancel", () => retryAction(r, "cancel"), "danger")),
    ]), "No message is waiting for a retry.", 6);
    fillTable($("dlq-table"), dlq.deadLetters.map((d) => [
      el("code", { text: d.target }), d.errorCode + ": " + d.errorMessage, String(d.retryAttempts), when(d.deadLetteredAt),
      el("div", { class: "actions" },
        button("Show", () => showDeadLetter(d.id)),
        button("Redrive", () => dlqAction("redrive", { id: d.id }, "Redrive this dead letter to " + d.target + "?")),
        button("Delete", () => deleteDeadLetter(d), "danger")),
    ]), "The DLQ is empty.", 5);
    $("dlq-redrive-all").disabled = $("dlq-purge-all").disabled = dlq.total === 0;
    say($("dlq-count"), dlq.total > dlq.count ? "Showing the oldest " + dlq.count + " of " + dlq.total + " dead letters." : dlq.total + " dead letter" + (dlq.total === 1 ? "." : "s."));
    say($("retries-count"), retries.total > retries.count ? "Showing the first " + retries.count + " of " + retries.total + " waiting retries." : "");
  } catch (error) {
    say($("dlq-message"), "Could not read the queues: " + error.message, "bad");
  }
}

async function retryAction(retry, action) {
  if (action === "cancel" && !(await confirmAction("Give up retrying this message? It goes to the DLQ."))) return;
  const target = encodeURIComponent(retry.target);
  try {
    await api("POST", "/admin/retries/" + target + "/" + encodeURIComponent(retry.messageId) + "/" + action);
    say($("dlq-message"), action === "now" ? "The retry is due now." : "Cancelled: dead-lettered.", "good");
  } catch (error) {
    say($("dlq-message"), error.code + ": " + error.message, "bad");
  }
  refreshQueues();
}

async function showDeadLetter(id) {
  try {
    const entry = await api("GET", "/admin/dlq/" + encodeURIComponent(id));
    const detail = $("dlq-detail");
    detail.textContent = JSON.stringify(entry, null, 2);
    detail.hidden = false;
    detail.focus();
  } catch (error) {
    say($("dlq-message"), error.code + ": " + error.message, "bad");
  }
}

async function deleteDeadLetter(entry) {
  if (!(await confirmAction("Delete the dead letter of event " + entry.eventId + "? It cannot be redriven afterwards."))) return;
  try {
    await api("DELETE", "/admin/dlq/" + encodeURIComponent(entry.id));
    say($("dlq-message"), "Deleted.", "good");
  } catch (error) {
    say($("dlq-message"), error.code + ": " + error.message, "bad");
  }
  refreshQueues();
}

async function dlqAction(action, selection, question) {
  if (!(await confirmAction(question))) return;
  try {
    const result = await api("POST", "/admin/dlq/" + action, selection);
    say($("dlq-message"), action === "purge" ? "Purged " + result.purged + "." : "Redriven " + result.redriven + " of " + result.matched + (result.failed ? ", " + result.failed + " failed: " + result.failures.map((f) => f.message).join("; ") : "") + ".", result.failed ? "bad" : "good");
  } catch (error) {
    say($("dlq-message"), error.code + ": " + error.message, "bad");
  }
  $("dlq-detail").hidden = true;
  refreshQueues();
}

$("queues-refresh").addEventListener("click", refreshQueues);
$("dlq-redrive-all").addEventListener("click", () => dlqAction("redrive", { all: true }, "Redrive every dead letter to its target, with fresh attempts?"));
$("dlq-purge-all").addEventListener("click", () => dlqAction("purge", { all: true }, "Delete every dead letter? This cannot be undone."));

// --- Live figures from /metrics -------------------------------------------------------------------------------

const CHARTS = [
  { id: "connections", title: "Connections", unit: "" },
  { id: "subscriptions", title: "Subscriptions", unit: "" },
  { id: "events", title: "Events ingested", unit: "/s" },
  { id: "deliveries", title: "Deliveries", unit: "/s" },
  { id: "dlq", title: "DLQ depth", unit: "" },
  { id: "latency", title: "Ingest → delivery, p99", unit: " ms" },
];

// Sums of each metric's samples by name (labels dropped), plus the latency histogram's buckets by `le`.
function parseMetrics(text) {
  const sums = {};
  const buckets = {};
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    sums[match[1]] = (sums[match[1]] || 0) + value;
    if (match[1] === "pushbridge_delivery_latency_seconds_bucket") {
      const le = /le="([^"]+)"/.exec(match[2] || "");
      if (le) buckets[le[1]] = (buckets[le[1]] || 0) + value;
    }
  }
  return { sums, buckets, at: performance.now() };
}

function figures(now, before) {
  const s = now.sums;
  const figure = { connections: s.pushbridge_connections || 0, subscriptions: s.pushbridge_subscriptions || 0, dlq: s.pushbridge_dlq_depth || 0 };
  if (!before) return figure;
  const seconds = Math.max(0.001, (now.at - before.at) / 1000);
  const delta = (name) => Math.max(0, (s[name] || 0) - (before.sums[name] || 0));
  figure.events = delta("pushbridge_events_ingested_total") / seconds;
  figure.deliveries = delta("pushbridge_deliveries_total") / seconds;
  const count = delta("pushbridge_delivery_latency_seconds_count");
  if (count > 0) {
    const bounds = Object.keys(now.buckets).filter((le) => le !== "+Inf").map(Number).sort((a, b) => a - b);
    const p99 = bounds.find((le) => (now.buckets[String(le)] || 0) - (before.buckets[String(le)] || 0) >= 0.99 * count);
    figure.latency = (p99 !== undefined ? p99 : bounds[bounds.length - 1] || 0) * 1000;
  } else {
    figure.latency = null; // nothing delivered in this interval: no latency to show
  }
  return figure;
}

function drawCharts() {
  const holder = $("charts");
  if (!holder.children.length) {
    for (const chart of CHARTS) {
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 120 40");
      svg.setAttribute("preserveAspectRatio", "none");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", chart.title + ", the last two minutes");
      svg.append(document.createElementNS("http://www.w3.org/2000/svg", "polyline"));
      holder.append(el("figure", { class: "chart", id: "chart-" + chart.id }, el("h3", { text: chart.title }), el("div", { class: "value", text: "—" }), svg));
    }
  }
  for (const chart of CHARTS) {
    const figures = state.samples.map((sample) => sample[chart.id]).filter((v) => v !== undefined);
    const values = figures.map((v) => v || 0);
    const node = $("chart-" + chart.id);
    const last = figures[figures.length - 1];
    node.querySelector(".value").textContent = last === undefined || last === null ? "—" : (Number.isInteger(last) ? String(last) : last.toFixed(1)) + chart.unit;
    const top = Math.max(1, ...values);
    // One sample so far draws a flat line across, so every chart shows from the first poll.
    const series = values.length === 1 ? [values[0], values[0]] : values;
    const points = series.map((v, i) => ((i * 120) / (series.length - 1)).toFixed(1) + "," + (38 - (v / top) * 36).toFixed(1));
    node.querySelector("polyline").setAttribute("points", points.join(" "));
  }
}

async function pollMetrics() {
  try {
    const response = await fetch("/metrics", { cache: "no-store" });
    if (!response.ok) return;
    const now = parseMetrics(await response.text());
    state.samples.push(figures(now, state.lastMetrics));
    state.lastMetrics = now;
    if (state.samples.length > 60) state.samples.shift();
    drawCharts();
  } catch (error) {
    // The next poll tries again; the charts keep their last figures.
  }
}

// --- Start ----------------------------------------------------------------------------------------------------

checkDetail();
if (sessionStorage.getItem(TOKEN_KEY)) {
  login(sessionStorage.getItem(TOKEN_KEY)).catch((error) => logout(error.status === 401 ? "Your admin token was refused." : error.message));
} else {
  $("token").focus();
}
