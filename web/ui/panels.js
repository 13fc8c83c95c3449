// What the page polls: orders by status (from the server), stock and dead letters.
import { signedIn } from "./auth.js";
import { $, el, getJson } from "./dom.js";

export async function refreshCounts() {
  try {
    const counts = await getJson("/ui/counts");
    for (const { status, count } of counts.items) {
      $(`.step[data-status="${status}"] .count`).textContent = count;
    }
    $("#total").textContent = counts.total;
    // Set when the embedded broker holds more orders than it serves well.
    const note = $("#broker-note");
    note.textContent = counts.broker_note ?? "";
    note.hidden = !counts.broker_note;
  } catch (error) {
    console.warn("counts", error);
  }
}

export async function refreshStock() {
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
    const share = el("span", { class: part });
    // Through the CSSOM: the policy refuses a style attribute (style-src 'self').
    share.style.width = `${(100 * product[part]) / all}%`;
    bar.append(share);
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

export async function refreshDeadLetters() {
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

// A poll that never overlaps itself: a slow answer delays the next one, and none is
// made while the page holds no token.
export function every(intervalMs, task) {
  const run = async () => {
    await signedIn();
    await task();
    setTimeout(run, intervalMs);
  };
  run();
}
