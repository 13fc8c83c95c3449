// What every part of the page uses: elements found and made, JSON read.

export const $ = (selector) => document.querySelector(selector);
export const ms = (iso) => Date.parse(iso);

export function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.textContent = text;
  return node;
}

export async function getJson(url) {
  const response = await fetch(url, { cache: "no-store" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `${url} answered ${response.status}`);
  return body;
}
