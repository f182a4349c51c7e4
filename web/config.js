// Where the API is. By default the page's own origin: the local stack (http://127.0.0.1:3000/)
// and the AWS web function serve this page next to the API, so every call is same-origin.
//
// `?api=URL` points the page at an API on another origin, for development (e.g. this folder
// served on http://127.0.0.1:5173 by `python3 -m http.server`): then the calls are cross-origin
// and the API's CORS_ALLOWED_ORIGINS must list the page's origin. Only loopback URLs are
// accepted: a link must not be able to send the passwords typed here to someone else's server.
//
// STREAM_BASE is where `POST /chat` with `Accept: text/event-stream` goes. In AWS, API Gateway
// buffers whole responses, so set it to the chat function's URL (stack output ChatStreamUrl) to
// see replies token by token; "" means the API itself. `?stream=URL` overrides it (loopback only).
const STREAM_BASE = "";

function loopbackUrl(value) {
  if (!value) return null;
  try {
    const url = new URL(value);
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    return loopback && (url.protocol === "http:" || url.protocol === "https:") ? url.origin : null;
  } catch {
    return null;
  }
}

const params = new URLSearchParams(location.search);
const override = loopbackUrl(params.get("api"));

/** The API's base URL without a trailing slash ("" = this origin). */
export const API_BASE = override ?? "";
/** Where streamed chat requests go. */
export const CHAT_STREAM_BASE = loopbackUrl(params.get("stream")) ?? (STREAM_BASE || API_BASE).replace(/\/+$/, "");
/** Shown in the page footer, so it is always visible which server the page talks to. */
export const API_LABEL = API_BASE || location.origin;
/** A rejected `?api=` value, to tell the user why it was ignored. */
export const IGNORED_API = params.get("api") && !override ? params.get("api") : null;
