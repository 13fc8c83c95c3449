// The operator's token: asked for once, kept in this tab's session storage, sent in the
// Authorization header of every request (never in a URL), and dropped, with the form shown
// again, when the server refuses it. The page's data waits while no token is held.
// No imports: dom.js builds on this module.

const KEY = "oms.operator-token";
const REFUSED = new Set([401, 403]); // not accepted, or not an operator's

let waiting = []; // what signedIn() promised while no token was held
let session = new AbortController(); // aborts every request made with the token held

/** The token held, or null. */
export const held = () => sessionStorage.getItem(KEY);

/** The token, once there is one: now, or when the operator gives one. */
export function signedIn() {
  const token = held();
  return token ? Promise.resolve(token) : new Promise((resolve) => waiting.push(resolve));
}

function signIn(token) {
  sessionStorage.setItem(KEY, token);
  session = new AbortController();
  show(false);
  const resolved = waiting;
  waiting = [];
  for (const resolve of resolved) resolve(token);
}

/** Drop the token, stop what was asked with it, and ask for one again (saying `why`). */
export function signOut(why = "") {
  sessionStorage.removeItem(KEY);
  session.abort();
  show(true, why);
}

/** A fetch with the token as a header (waiting for one); a refusal signs out and throws. */
export async function authorized(url, init = {}) {
  const token = await signedIn();
  const response = await fetch(url, {
    cache: "no-store",
    ...init,
    headers: { ...init.headers, Authorization: `Bearer ${token}` },
    signal: session.signal,
  });
  if (REFUSED.has(response.status)) {
    const body = await response.json().catch(() => ({}));
    const why = body.error || `${url} answered ${response.status}`;
    // A late answer to a request made with a token since replaced says nothing of the new one.
    if (held() === token) signOut(why);
    throw new Error(why);
  }
  return response;
}

function show(asking, why = "") {
  const $ = (selector) => document.querySelector(selector);
  $("#login").hidden = !asking;
  $("#dashboard").hidden = asking;
  $("#sign-out").hidden = asking;
  $("#login-error").textContent = why;
  if (asking) {
    const pill = $("#connection");
    pill.dataset.state = "signed-out";
    pill.textContent = "signed out";
    $("#token").focus();
  }
}

/** Wire the form and the log-out button; ask for a token unless one is held. */
export function setUpSignIn() {
  const form = document.querySelector("#login-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault(); // the token goes nowhere but session storage
    const input = form.elements.token;
    // A pasted `Bearer <token>` works too; the value is not kept in the field.
    const token = input.value.trim().replace(/^Bearer\s+/i, "");
    input.value = "";
    if (token) signIn(token);
  });
  document.querySelector("#sign-out").addEventListener("click", () => signOut());
  show(!held());
}
