// The saga page: orders pushed by the order worker (/ui/events), the rest polled, all
// read as the operator whose token the page asks for (auth.js).
// It keeps only the newest MAX_ROWS orders and the last minutes of samples, so it
// stays light however many orders pass; the counts come from the server.
import { held, setUpSignIn } from "./auth.js";
import { $, el, getJson, ms } from "./dom.js";
import { every, refreshCounts, refreshDeadLetters, refreshStock } from "./panels.js";
import { drawChart, observe } from "./rates.js";
import { follow } from "./stream.js";

const MAX_ROWS = 200;
const FLUSH_MS = 100; // events are applied in batches: one repaint per batch, not per event
const FLASH = [{ backgroundColor: "#fff7c2" }, { backgroundColor: "transparent" }];

const shown = new Map(); // order id -> order, the newest MAX_ROWS
const rows = new Map(); // order id -> its <tr>
let pending = new Map(); // updates not yet applied
let flushTimer = null;
let selected = null;

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
  const path = `/orders/${encodeURIComponent(id)}`;
  try {
    renderDetails(await getJson(path));
    renderTimeline(await getJson(`${path}/timeline`));
  } catch (error) {
    $("#details-summary").textContent = String(error);
  }
}

// The order's hops as a waterfall: each row a service handling one of its records, the
// grey part how long the record waited (on the broker, in the worker's queue), the
// coloured part how long the handler took; the hop that moved the order names its step.
function renderTimeline(timeline) {
  const hops = timeline.hops;
  if (hops.length === 0) {
    $("#timeline-total").textContent = "no hops recorded (an order placed before 0.3.0)";
    $("#timeline").replaceChildren();
    return;
  }
  const start = Math.min(...hops.map((hop) => ms(hop.written_at)));
  const end = Math.max(...hops.map((hop) => ms(hop.handled_at) + hop.took_ms));
  const span = Math.max(end - start, 1);
  const share = (duration) => `${(duration / span) * 100}%`;
  $("#timeline-total").textContent =
    `${Math.round(span)} ms from the first record written to the last handled`;
  $("#timeline").replaceChildren(
    ...hops.map((hop) => {
      const item = el("li", { "data-service": hop.service });
      if (hop.step) item.dataset.step = hop.step;
      const lane = el("div", { class: "lane" });
      const wait = el("span", { class: "wait" });
      wait.style.left = share(ms(hop.written_at) - start);
      wait.style.width = share(hop.waited_ms);
      const work = el("span", { class: "work" });
      work.style.left = share(ms(hop.handled_at) - start);
      work.style.width = share(hop.took_ms);
      lane.append(wait, work);
      const step = hop.step ? el("span", { class: "status", "data-status": hop.step }, hop.step) : "";
      item.append(
        el("span", { class: "hop" }, `${hop.service} · ${hop.record} `),
        step,
        el("span", { class: "times" }, `waited ${hop.waited_ms} ms · took ${hop.took_ms} ms`),
        lane,
      );
      return item;
    }),
  );
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
      // Who asked, when a request caused the change (the saga's own steps name nobody).
      const by = change.by ? `, by ${change.by.sub} (${change.by.role})` : "";
      item.append(
        el("span", { class: "status" }, change.status),
        document.createTextNode(` ${new Date(ms(change.at)).toLocaleTimeString()}`),
        el("span", { class: "cause" }, change.cause + by),
      );
      return item;
    }),
  );
}

// The live stream, read with the token (see stream.js): read again after each end,
// and, once open, the newest orders are read too, for what passed while it was closed.
function connect() {
  const pill = $("#connection");
  const show = (state, why = "") => {
    pill.dataset.state = state;
    pill.textContent = state.replace("-", " ");
    pill.title = why;
  };
  follow("/ui/events", {
    open: () => {
      show("live");
      resync();
    },
    event: (type, data) => {
      if (type === "order") receive(JSON.parse(data));
      else if (type === "end") pill.title = JSON.parse(data).reason ?? "";
    },
    closed: (error) => {
      if (!held()) show("signed-out", "log in to follow the orders");
      else show("reconnecting", error ? error.message : pill.title);
    },
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

// A module runs once the document is parsed. Nothing is read until there is a token.
setUpSignIn();
connect();
every(1000, refreshCounts);
every(2000, refreshStock);
every(5000, refreshDeadLetters);
every(1000, async () => drawChart());

// For tests and the curious: what the page holds (never more than MAX_ROWS rows).
window.sagaPage = { shown, rows };
