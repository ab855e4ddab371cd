"use strict";
// The operator's dashboard: reads GET /v1/ops/stream (server-sent events) with the token in
// the Authorization header, never in a URL, and draws each snapshot. EventSource cannot send
// a header, so the stream is read with fetch.
const tokenKey = "loket-ops-token";
const retryMs = 2000;
const byId = (id) => document.getElementById(id);
const integer = new Intl.NumberFormat("nl-NL");
const euros = new Intl.NumberFormat("nl-NL", { style: "currency", currency: "EUR" });

function setText(id, text) { byId(id).textContent = text; }
function units(value, unit) { return unit === "cents" ? euros.format(value / 100) : integer.format(value); }
function duration(seconds) {
  if (seconds >= 172800) return integer.format(Math.floor(seconds / 86400)) + " days";
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return (h > 0 ? h + " h " : "") + (h > 0 || m > 0 ? m + " min " : "") + s + " s";
}
function ms(value, answered) {
  if (answered === 0) return "–";
  return value === null ? "> 5000 ms" : "≤ " + value + " ms";
}

function cell(row, text, header) {
  const element = document.createElement(header ? "th" : "td");
  element.textContent = text;
  row.appendChild(element);
  return element;
}
function table(headers, rows) {
  const element = document.createElement("table");
  const head = element.createTHead().insertRow();
  headers.forEach((text) => cell(head, text, true));
  const body = element.createTBody();
  rows.forEach(([data, values]) => {
    const row = body.insertRow();
    Object.entries(data).forEach(([key, value]) => { row.dataset[key] = value; });
    values.forEach((value) => cell(row, value, false));
  });
  return element;
}

function trancheSection(tranche) {
  const section = document.createElement("section");
  section.className = "tranche";
  section.dataset.tranche = tranche.id;
  const title = document.createElement("h3");
  title.textContent = tranche.id + " ";
  const state = document.createElement("span");
  state.className = tranche.closed || !tranche.open ? "closed" : "open";
  state.textContent = tranche.closed ? "closed" : tranche.open
      ? "open, closes in " + duration(tranche.seconds_until_close) : "not open (opens " + tranche.opens_at + ")";
  title.appendChild(state);
  section.appendChild(title);
  const outcomes = Object.entries(tranche.applications);
  section.appendChild(table(["outcome", "applications"],
      outcomes.map(([name, count]) => [{ outcome: name, count: count }, [name, integer.format(count)]])));
  const reasons = Object.entries(tranche.rejected_by_reason).filter(([, count]) => count > 0);
  if (reasons.length > 0) {
    section.appendChild(table(["rejected because", "applications"],
        reasons.map(([name, count]) => [{ reason: name, count: count }, [name, integer.format(count)]])));
  }
  // R11: what earlier windows carried in is budget too; "left" is of configured plus carried in.
  section.appendChild(table(["compartment", "capacity", "carried in / out", "granted", "remaining", "left"],
      tranche.pools.map((pool) => [{ compartment: pool.compartment, remaining: pool.remaining, granted: pool.granted },
        [pool.compartment || (tranche.unit === "places" ? "places" : "budget"), units(pool.capacity, tranche.unit),
         units(pool.carried_in, tranche.unit) + " / " + units(pool.carried_out, tranche.unit),
         units(pool.granted, tranche.unit), units(pool.remaining, tranche.unit),
         pool.capacity + pool.carried_in > 0
           ? Math.round(100 * pool.remaining / (pool.capacity + pool.carried_in)) + " %" : "–"]])));
  if (tranche.pending_applications > 0 || tranche.lottery_days_pending > 0) {
    const pending = document.createElement("p");
    pending.className = "hint";
    pending.dataset.lotteryDaysPending = tranche.lottery_days_pending;
    pending.textContent = integer.format(tranche.pending_applications) +
        " applications received on " + tranche.lottery_days_pending + " day(s) wait for their lottery draw";
    section.appendChild(pending);
  }
  return section;
}

function drawRates(rates) {
  const chart = byId("rate-chart");
  const max = Math.max(1, ...rates);
  const points = rates.map((rate, index) =>
      (600 * index / Math.max(1, rates.length - 1)).toFixed(1) + "," + (118 - 116 * rate / max).toFixed(1));
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.join(" "));
  chart.replaceChildren(line);
  setText("rate-max", "top of the chart: " + integer.format(max) + " per second; " + rates.length + " s shown");
}

function render(snapshot) {
  setText("scheme", snapshot.scheme);
  setText("now", snapshot.now);
  setText("version", "loket " + snapshot.version);
  const rates = snapshot.submissions_per_second;
  setText("rate-now", integer.format(rates.length > 0 ? rates[rates.length - 1] : 0));
  setText("p50", ms(snapshot.window.ack_latency_p50_ms_at_most, snapshot.window.answered));
  setText("p99", ms(snapshot.window.ack_latency_p99_ms_at_most, snapshot.window.answered));
  setText("window", integer.format(snapshot.window.answered) + " answered over the last " +
      snapshot.window.seconds + " s");
  setText("durable-sequence", integer.format(snapshot.durable_sequence));
  byId("durable-sequence").dataset.value = snapshot.durable_sequence;
  setText("journal", snapshot.journal_healthy ? "writing" : "FAILING");
  setText("journal-failures", snapshot.journal_failures);
  setText("queue-depth", integer.format(snapshot.queue_depth));
  setText("awaiting", integer.format(snapshot.awaiting_durability));
  const batch = snapshot.window.records_per_batch;
  setText("records-per-batch", batch === null ? "–" : batch.toFixed(1));
  setText("connections", integer.format(snapshot.connections));
  const cluster = snapshot.cluster;
  setText("cluster", !cluster.clustered ? "single node" : cluster.leader ? "leader" : "follower");
  setText("cluster-detail", cluster.clustered
      ? "epoch " + cluster.leader_epoch + " · lag " + cluster.lag_events + " events" + (cluster.leader ? "" : " · leader " + cluster.leader_url)
      : "");
  setText("checkpoint", integer.format(snapshot.checkpoint_size) + " of " + integer.format(snapshot.decisions));
  setText("checkpoint-detail", "decisions pinned by the latest signed checkpoint");
  drawRates(rates);
  byId("tranches").replaceChildren(...snapshot.tranches.map(trancheSection));
}

function showState(text, kind) {
  const state = byId("stream-state");
  state.textContent = text;
  state.className = "state " + kind;
}

async function watch(token) {
  byId("token-form").hidden = true;
  byId("board").hidden = false;
  showState("connecting", "");
  try {
    const response = await fetch("/v1/ops/stream", { headers: { Authorization: "Bearer " + token }, cache: "no-store" });
    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem(tokenKey);
      byId("token-form").hidden = false;
      return showState("token refused (" + response.status + ")", "down");
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    showState("live", "live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      let end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        const event = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const data = event.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
        if (data) render(JSON.parse(data));
      }
    }
    showState("stream ended; reconnecting", "down");
  } catch (error) {
    showState("no connection (" + error.message + "); retrying", "down");
  }
  setTimeout(() => watch(token), retryMs);
}

byId("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = byId("token").value.trim();
  byId("token").value = "";
  sessionStorage.setItem(tokenKey, token);
  watch(token);
});
const saved = sessionStorage.getItem(tokenKey);
if (saved) watch(saved);
