// The saga page: orders pushed by the order worker (/ui/events), the rest polled.
// It keeps only the newest MAX_ROWS orders and the last WINDOW_MS of samples, so it
// stays light however many orders pass; the counts come from the server.
"use strict";

const MAX_ROWS = 200;
const WINDOW_MS = 5 * 60 * 1000;
const BUCKET_MS = 5000;
const FLUSH_MS = 100; // events are applied in batches: one repaint per batch, not per event
const SETTLED = new Set(["CONFIRMED", "FAILED", "CANCELLED"]);
const STATUSES = ["PENDING", "RESERVED", "CONFIRMED", "FAILED", "CANCELLING", "CANCELLED"];
const FLASH = [{ backgroundColor: "#fff7c2" }, { backgroundColor: "transparent" }];

const shown = new Map(); // order id -> order, the newest MAX_ROWS
const rows = new Map(); // order id -> its <tr>
let pending = new Map(); // updates not yet applied
let flushTimer = null;
let selected = null;
const placed = []; // browser times of orders placed
const settled = []; // {at, latency} of orders reaching their first settled status
const settledSeen = new Map(); // order id -> true, so an order counts once (bounded below)

const $ = (selector) => document.querySelector(selector);
const ms = (iso) => Date.parse(iso);

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.textContent = text;
  return node;
}

async function getJson(url) {
  const response = await fetch(url, { cache: "no-store" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `${url} answered ${response.status}`);
  return body;
}

// Whether `order` is newer than `known`: more history, or the same and updated later.
function newer(order, known) {
  if (!known) return true;
  if (order.history.length !== known.history.length) {
    return order.history.length > known.history.length;
  }
  return ms(order.updated_at) >= ms(known.updated_at);
}

function receive(order) {
  observe(order);
  if (newer(order, pending.get(order.id))) pending.set(order.id, order);
  if (flushTimer === null) flushTimer = setTimeout(flush, FLUSH_MS);
}

// Throughput and latency, from the events themselves.
function observe(order) {
  const now = Date.now();
  if (order.status === "PENDING" && order.history.length === 1) placed.push(now);
  if (SETTLED.has(order.status) && !settledSeen.has(order.id)) {
    settledSeen.set(order.id, true);
    if (settledSeen.size > 20000) settledSeen.delete(settledSeen.keys().next().value);
    const end = order.history.find((change) => SETTLED.has(change.status));
    const latency = end ? ms(end.at) - ms(order.created_at) : NaN;
    settled.push({ at: now, latency, status: order.status });
  }
}

function flush() {
  flushTimer = null;
  const batch = pending;
  pending = new Map();
  const changed = new Set();
  for (const order of batch.values()) {
    if (newer(order, shown.get(order.id))) {
      shown.set(order.id, order);
      changed.add(order.id);
    }
  }
  // Keep the newest MAX_ROWS by creation; an update to an older order is not shown.
  const newestFirst = [...shown.values()].sort(
    (a, b) => ms(b.created_at) - ms(a.created_at) || (a.id < b.id ? 1 : -1),
  );
  for (const order of newestFirst.slice(MAX_ROWS)) shown.delete(order.id);
  renderRows(newestFirst.slice(0, MAX_ROWS), changed);
  if (selected && changed.has(selected)) renderDetails(shown.get(selected));
}

function renderRows(orders, changed) {
  const body = $("#orders tbody");
  const keep = new Set(orders.map((order) => order.id));
  for (const [id, row] of rows) {
    if (!keep.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  let previous = null;
  for (const order of orders) {
    let row = rows.get(order.id);
    if (!row) {
      row = el("tr", { "data-order-id": order.id });
      row.addEventListener("click", () => select(order.id));
      rows.set(order.id, row);
      fillRow(row, order);
    } else if (changed.has(order.id)) {
      fillRow(row, order);
    }
    const expected = previous ? previous.nextSibling : body.firstChild;
    if (expected !== row) body.insertBefore(row, expected);
    previous = row;
  }
  $("#shown").textContent = orders.length;
}

function fillRow(row, order) {
  row.dataset.status = order.status;
  row.replaceChildren(
    el("td", { class: "id" }, order.id),
    el("td", {}, order.customer_id),
    el("td", {}, order.amount ?? ""),
    cell(el("span", { class: "status" }, order.status)),
    el("td", {}, order.payment_status ?? ""),
    el("td", {}, new Date(ms(order.updated_at)).toLocaleTimeString()),
    el("td", { class: "reason", title: order.reason ?? "" }, order.reason ?? ""),
  );
  // An animation, not a class toggled off and on: that would force a layout per row.
  row.animate(FLASH, { duration: 1000, easing: "ease-out" });
  row.classList.toggle("selected", order.id === selected);
}

function cell(child) {
  const td = el("td", { class: "status-cell" });
  td.append(child);
  return td;
}

async function select(id) {
  if (selected) rows.get(selected)?.classList.remove("selected");
  selected = id;
  rows.get(id)?.classList.add("selected");
  try {
    renderDetails(await getJson(`/orders/${encodeURIComponent(id)}`));
  } catch (error) {
    $("#details-summary").textContent = String(error);
  }
}

function renderDetails(order) {
  $("#details").hidden = false;
  $("#details-id").textContent = order.id;
  const items = order.items.map((item) => `${item.quantity} × ${item.product_id}`).join(", ");
  const summary = [order.status, order.amount && `amount ${order.amount}`, items, order.reason];
  $("#details-summary").textContent = summary.filter(Boolean).join(" · ");
  $("#history").replaceChildren(
    ...order.history.map((change) => {
      const item = el("li", { "data-status": change.status });
      item.append(
        el("span", { class: "status" }, change.status),
        document.createTextNode(` ${new Date(ms(change.at)).toLocaleTimeString()}`),
        el("span", { class: "cause" }, change.cause),
      );
      return item;
    }),
  );
}

// The live stream. EventSource reconnects by itself after a dropped stream, but gives
// up on an answer that is not a stream (a 503 while the worker starts): retry then too.
function connect() {
  const events = new EventSource("/ui/events");
  const state = $("#connection");
  events.addEventListener("open", () => {
    state.dataset.state = "live";
    state.textContent = "live";
    resync();
  });
  events.addEventListener("order", (message) => receive(JSON.parse(message.data)));
  events.addEventListener("error", () => {
    state.dataset.state = "reconnecting";
    state.textContent = "reconnecting";
    if (events.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
  });
}

// What happened while not connected: the newest orders, merged with what the stream says.
async function resync() {
  try {
    const page = await getJson(`/orders?limit=${MAX_ROWS}`);
    for (const order of page.items) {
      if (newer(order, pending.get(order.id))) pending.set(order.id, order);
    }
    if (flushTimer === null) flushTimer = setTimeout(flush, 0);
  } catch (error) {
    console.warn("resync failed", error);
  }
  refreshCounts();
}

async function refreshCounts() {
  try {
    const counts = await getJson("/ui/counts");
    for (const { status, count } of counts.items) {
      $(`.step[data-status="${status}"] .count`).textContent = count;
    }
    $("#total").textContent = counts.total;
  } catch (error) {
    console.warn("counts", error);
  }
}

async function refreshStock() {
  const note = $("#stock-note");
  try {
    const page = await getJson("/ui/stock?limit=50");
    $("#stock tbody").replaceChildren(...page.items.map(stockRow));
    note.textContent = page.total > page.items.length
      ? `the newest ${page.items.length} of ${page.total} products` : "";
    note.classList.remove("error");
  } catch (error) {
    note.textContent = `inventory: ${error.message}`;
    note.classList.add("error");
  }
}

function stockRow(product) {
  const row = el("tr", { "data-product-id": product.id });
  const all = product.available + product.reserved + product.sold || 1;
  const bar = el("div", { class: "bar" });
  for (const part of ["available", "reserved", "sold"]) {
    bar.append(el("span", { class: part, style: `width:${(100 * product[part]) / all}%` }));
  }
  const barCell = el("td");
  barCell.append(bar);
  row.append(
    el("td", {}, product.id),
    el("td", { class: "available" }, product.available),
    el("td", { class: "reserved" }, product.reserved),
    el("td", { class: "sold" }, product.sold),
    barCell,
  );
  return row;
}

const LETTERS = { order: "/dead-letters", inventory: "/ui/dead-letters/inventory",
  payment: "/ui/dead-letters/payment" };

async function refreshDeadLetters() {
  const parts = await Promise.all(Object.entries(LETTERS).map(async ([service, url]) => {
    const block = el("div", { class: "letters", "data-service": service });
    try {
      const page = await getJson(`${url}?limit=3`);
      block.append(el("h3", {}, `${service}: ${page.total}`));
      const list = el("ul");
      for (const letter of page.items) {
        list.append(el("li", {}, `${letter.failed_at} ${letter.id}: ${letter.error}`));
      }
      block.append(list);
    } catch (error) {
      block.append(el("h3", { class: "error" }, `${service}: ${error.message}`));
    }
    return block;
  }));
  $("#dead-letters").replaceChildren(...parts);
}

// Per-second rates and latency percentiles over the window, drawn on the canvas.
function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function drawChart() {
  const now = Date.now();
  // Both lists are in time order: what fell out of the window is a prefix.
  for (const list of [placed, settled]) {
    const kept = list.findIndex((sample) => (sample.at ?? sample) >= now - WINDOW_MS);
    list.splice(0, kept < 0 ? list.length : kept);
  }
  const buckets = WINDOW_MS / BUCKET_MS;
  const placedPer = new Array(buckets).fill(0);
  const settledPer = new Array(buckets).fill(0);
  const slot = (at) => Math.max(0, buckets - 1 - Math.floor((now - at) / BUCKET_MS));
  for (const at of placed) placedPer[slot(at)] += 1000 / BUCKET_MS;
  for (const { at } of settled) settledPer[slot(at)] += 1000 / BUCKET_MS;

  const canvas = $("#chart");
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const top = Math.max(1, ...placedPer, ...settledPer);
  const line = (values, color) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    values.forEach((value, i) => {
      const x = (i / (buckets - 1)) * (width - 40) + 30;
      const y = height - 20 - (value / top) * (height - 30);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  };
  ctx.fillStyle = "#6b7280";
  ctx.font = "11px system-ui";
  ctx.fillText(`${top.toFixed(1)}/s`, 0, 12);
  ctx.fillText("0", 0, height - 20);
  ctx.fillText("-5 min", 30, height - 4);
  ctx.fillText("now", width - 30, height - 4);
  line(placedPer, "#9aa5b1");
  line(settledPer, "#16a34a");

  const lastMinute = settled.filter(({ at }) => at >= now - 60000);
  const latencies = lastMinute.map(({ latency }) => latency).filter(Number.isFinite);
  latencies.sort((a, b) => a - b);
  const placedMinute = placed.filter((at) => at >= now - 60000).length;
  const fmt = (value) => (Number.isFinite(value) ? `${Math.round(value)} ms` : "-");
  $("#rates").textContent =
    `last minute: ${(placedMinute / 60).toFixed(2)} placed/s (grey), ` +
    `${(lastMinute.length / 60).toFixed(2)} settled/s (green); placed to settled p50 ` +
    `${fmt(percentile(latencies, 50))}, p90 ${fmt(percentile(latencies, 90))}, ` +
    `p99 ${fmt(percentile(latencies, 99))}`;
}

// A poll that never overlaps itself: a slow answer delays the next one.
function every(intervalMs, task) {
  const run = async () => {
    await task();
    setTimeout(run, intervalMs);
  };
  run();
}

document.addEventListener("DOMContentLoaded", () => {
  connect();
  every(1000, refreshCounts);
  every(2000, refreshStock);
  every(5000, refreshDeadLetters);
  every(1000, async () => drawChart());
});

// For tests and the curious: what the page holds (never more than MAX_ROWS rows).
window.sagaPage = { shown, rows, STATUSES };
