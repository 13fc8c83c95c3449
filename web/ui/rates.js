// Throughput and latency over the last minutes, from the events this page receives.
import { $, ms } from "./dom.js";

const WINDOW_MS = 5 * 60 * 1000;
const BUCKET_MS = 5000;
const SETTLED = new Set(["CONFIRMED", "FAILED", "CANCELLED"]);

const placed = []; // browser times of orders placed
const settled = []; // {at, latency} of orders reaching their first settled status
const settledSeen = new Map(); // order id -> true, so an order counts once (bounded below)

// An order counts as placed when first seen PENDING, and as settled once, at its first
// settled status (a CONFIRMED order cancelled later is not counted again).
export function observe(order) {
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

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// Per-second rates and latency percentiles over the window, drawn on the canvas.
export function drawChart() {
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
