// What every part of the page uses: elements found and made, JSON read with the token.
import { authorized } from "./auth.js";

export const $ = (selector) => document.querySelector(selector);
export const ms = (iso) => Date.parse(iso);

export function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.textContent = text;
  return node;
}

export async function getJson(url) {
  const response = await authorized(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `${url} answered ${response.status}`);
  return body;
}
