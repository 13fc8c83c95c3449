// Server-sent events read with fetch, so that the request carries the token in a header
// (an EventSource cannot send one), parsed as the HTML standard's EventSource parses them,
// and followed again after each end, as an EventSource would.
import { authorized, signedIn } from "./auth.js";

const MEDIA_TYPE = "text/event-stream";
// How soon to reconnect unless the stream says (its `retry:` field).
const RETRY_MS = 1000;
// The server sends a comment every 15 s: a stream silent for longer than this is gone.
const SILENT_MS = 45000;

/**
 * A parser of the event-stream format: feed it text as it arrives, in pieces of any size;
 * it calls `dispatch(type, data)` for each event and `retry(ms)` for each `retry:` field.
 * Lines end with CRLF, LF or CR; a blank line ends an event; a line starting with ':' is
 * a comment; `field: value` (one space after the colon dropped), or a bare `field`.
 */
export function eventParser(dispatch, retry) {
  let buffer = "";
  let afterCR = false; // the last piece ended with a CR: an LF starting the next is its pair
  let type = "";
  let data = [];

  function line(text) {
    if (text === "") {
      // An event with no data line is not dispatched, as in an EventSource.
      if (data.length) dispatch(type || "message", data.join("\n"));
      type = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "retry" && /^\d+$/.test(value)) retry(Number(value));
    // `id` and unknown fields: this page resumes by reading the newest orders instead.
  }

  return (piece) => {
    if (!piece) return;
    const text = afterCR && piece.startsWith("\n") ? piece.slice(1) : piece;
    afterCR = piece.endsWith("\r");
    const lines = (buffer + text).split(/\r\n|\r|\n/);
    buffer = lines.pop(); // the line not ended yet
    for (const complete of lines) line(complete);
  };
}

/** Read one stream at `url` until it ends; `open()` once it is a stream of events. */
async function readOnce(url, { open, event, retry }) {
  const response = await authorized(url, { headers: { Accept: MEDIA_TYPE } });
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.startsWith(MEDIA_TYPE)) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.error || `${url} answered ${response.status}`);
  }
  open();
  const reader = response.body.getReader();
  const decoder = new TextDecoder(); // UTF-8, a BOM dropped, characters split across reads kept
  const handle = (type, data) => {
    try {
      event(type, data);
    } catch (error) {
      reportError(error); // the page's error, as a listener's would be: the stream goes on
    }
  };
  const feed = eventParser(handle, retry);
  let silence = null;
  const heard = () => {
    clearTimeout(silence);
    silence = setTimeout(() => reader.cancel("silent"), SILENT_MS);
  };
  try {
    heard();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      heard();
      feed(decoder.decode(read.value, { stream: true }));
    }
    feed(decoder.decode()); // an event cut off by the end is not dispatched
  } finally {
    clearTimeout(silence);
  }
}

/**
 * Follow the stream at `url` for ever: `open()` each time it opens, `event(type, data)`
 * for each event, `closed(error)` each time it ends or cannot be read (a 503 while the
 * worker starts, a refused token: then after the next sign-in), and again after a pause.
 */
export async function follow(url, { open, event, closed }) {
  let pause = RETRY_MS;
  const retry = (ms) => {
    pause = ms;
  };
  for (;;) {
    await signedIn();
    let error = null;
    try {
      await readOnce(url, { open, event, retry });
    } catch (failure) {
      error = failure;
    }
    closed(error);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
