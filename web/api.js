// A small client for the wasm-chat API, written to be copied into a frontend.
//
// Tokens:
// - The access token lives in memory only (a variable of this module), never in storage.
// - The refresh token is kept in sessionStorage so a reload of this tab stays signed in; it is
//   readable by script, like anything a page holds without HttpOnly cookies (this API does not
//   use cookies), so the page loads no third-party script. Logging out or closing the tab drops it.
// - The access token is refreshed shortly before it expires, and again on a 401; only one
//   refresh runs at a time (concurrent callers share it: a refresh token is single-use, and
//   presenting a rotated one revokes the whole login), then the failed request is retried once.
//
// Errors: every non-2xx answer becomes an ApiError carrying the API's `error.code` and
// `error.message`, the status, and `Retry-After` (seconds) when the API sent one.

import { API_BASE, CHAT_STREAM_BASE } from "./config.js";

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter; // seconds, or null
  }
}

const REFRESH_KEY = "wasm-chat.refresh_token";
let session = null; // {accessToken, expiresAt (ms), refreshToken, email, userId}
let refreshing = null; // the one refresh in flight, shared by every caller
let refreshTimer = null;
const listeners = new Set();

/** `fn(session|null, reason)` is called whenever the user signs in or out. */
export function onSessionChange(fn) {
  listeners.add(fn);
}

function emit(reason) {
  for (const fn of listeners) fn(session && { email: session.email, userId: session.userId }, reason);
}

export function currentUser() {
  return session && { email: session.email, userId: session.userId };
}

function storeTokens(t) {
  session = {
    accessToken: t.access_token,
    expiresAt: Date.now() + t.expires_in * 1000,
    refreshToken: t.refresh_token,
    email: t.email ?? session?.email,
    userId: t.user_id ?? session?.userId,
  };
  sessionStorage.setItem(REFRESH_KEY, t.refresh_token);
  // Refresh a minute before expiry (or at 3/4 of a short lifetime).
  clearTimeout(refreshTimer);
  const lead = Math.min(60, t.expires_in / 4) * 1000;
  refreshTimer = setTimeout(() => refresh().catch(() => {}), Math.max(1000, t.expires_in * 1000 - lead));
}

function clearSession(reason) {
  clearTimeout(refreshTimer);
  const was = session;
  session = null;
  sessionStorage.removeItem(REFRESH_KEY);
  if (was || reason === "expired") emit(reason);
}

async function readError(response) {
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's error page, a missing route on some gateways)
  }
  const code = body?.error?.code ?? `http_${response.status}`;
  const message = body?.error?.message ?? body?.message ?? `${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, code, message, retryAfter);
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value) {
  if (value == null || value === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value);
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    // fetch rejects (TypeError) when the network fails or CORS refuses the answer.
    throw new ApiError(0, "network_error", `Could not reach the API at ${API_BASE || location.origin} (network error or blocked by CORS).`);
  }
}

/** Rotates the refresh token. One at a time: concurrent callers await the same promise. */
export function refresh() {
  refreshing ??= (async () => {
    const refreshToken = session?.refreshToken ?? sessionStorage.getItem(REFRESH_KEY);
    if (!refreshToken) throw new ApiError(401, "unauthorized", "You are not signed in.");
    const response = await send(`${API_BASE}/token/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    if (!response.ok) {
      const error = await readError(response);
      // 401: the refresh token expired, was revoked or was already used: sign in again.
      if (response.status === 401) clearSession("expired");
      throw error;
    }
    const wasSignedIn = session !== null;
    storeTokens(await response.json());
    if (!wasSignedIn) emit("restored");
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/**
 * One API call. `auth`: send the access token (refreshing first if it is about to expire, and
 * once more after a 401, then retrying once). Resolves to the parsed JSON body (null for 204).
 */
export async function request(method, path, { body, auth = false, signal, headers = {}, base = API_BASE } = {}) {
  const attempt = async () => {
    const h = { ...headers };
    if (body !== undefined) h["content-type"] = "application/json";
    if (auth) {
      if (!session) throw new ApiError(401, "unauthorized", "You are not signed in.");
      h.authorization = `Bearer ${session.accessToken}`;
    }
    return send(`${base}${path}`, { method, headers: h, signal, body: body === undefined ? undefined : JSON.stringify(body) });
  };
  if (auth && session && session.expiresAt - Date.now() < 10_000) await refresh();
  let response = await attempt();
  if (response.status === 401 && auth && session) {
    await refresh(); // throws (and signs out) if the login itself is gone
    response = await attempt();
  }
  if (!response.ok) throw await readError(response);
  return response;
}

async function json(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// ---------------------------------------------------------------- accounts and sessions

export async function register(email, password) {
  return json(await request("POST", "/register", { body: { email, password } }));
}

export async function login(email, password) {
  const tokens = await json(await request("POST", "/login", { body: { email, password } }));
  storeTokens(tokens);
  emit("login");
  return currentUser();
}

/** Signs in again from the refresh token this tab kept (after a reload). */
export async function restore() {
  if (!sessionStorage.getItem(REFRESH_KEY)) return null;
  await refresh();
  return currentUser();
}

export async function logout() {
  const refreshToken = session?.refreshToken;
  try {
    if (refreshToken) await request("POST", "/logout", { body: { refresh_token: refreshToken } });
  } finally {
    clearSession("logout"); // signed out here even if the server could not be told
  }
}

export async function me() {
  return json(await request("GET", "/me", { auth: true }));
}

export async function deleteAccount(password) {
  await request("DELETE", "/me", { auth: true, body: { password } });
  clearSession("deleted");
}

export async function changePassword(currentPassword, newPassword) {
  const body = await json(await request("POST", "/me/password", {
    auth: true,
    body: { current_password: currentPassword, new_password: newPassword },
  }));
  if (body?.access_token) storeTokens(body); // if the API rotates the login, keep the new tokens
  return body;
}

export async function verifyEmail(token) {
  return json(await request("POST", "/email/verify", { body: { token } }));
}

export async function forgotPassword(email) {
  return json(await request("POST", "/password/forgot", { body: { email } }));
}

export async function resetPassword(token, password) {
  return json(await request("POST", "/password/reset", { body: { token, password } }));
}

// ---------------------------------------------------------------- conversations

/** One page of conversations: {conversations, next} (`next` is the cursor of the next page, or null). */
export async function listConversations({ limit = 20, cursor = null } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (cursor) q.set("cursor", cursor);
  const body = await json(await request("GET", `/conversations?${q}`, { auth: true }));
  return { conversations: body.conversations ?? [], next: body.next_cursor ?? body.cursor ?? body.next ?? null };
}

export async function getConversation(id) {
  return json(await request("GET", `/conversations/${encodeURIComponent(id)}`, { auth: true }));
}

export async function renameConversation(id, title) {
  return json(await request("PATCH", `/conversations/${encodeURIComponent(id)}`, { auth: true, body: { title } }));
}

export async function deleteConversation(id) {
  await request("DELETE", `/conversations/${encodeURIComponent(id)}`, { auth: true });
}

// ---------------------------------------------------------------- chat, streamed

/**
 * Sends one message and streams the reply: `onStart({conversation_id})`, `onToken(text)` per
 * piece, resolves with the `done` event's body ({conversation_id, turn, reply, truncated?}).
 * Rejects with an ApiError for an `error` event or a non-2xx answer, with code `stream_cut` when
 * the stream ends without `done` or `error`, and with an AbortError when `signal` aborts (the
 * server then stores nothing of this turn).
 */
export async function chatStream({ message, conversationId, signal, onStart, onToken }) {
  const body = conversationId ? { message, conversation_id: conversationId } : { message };
  const response = await request("POST", "/chat", {
    auth: true, body, signal, base: CHAT_STREAM_BASE, headers: { accept: "text/event-stream" },
  });
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return json(response); // a server that answered in one piece
  }
  for await (const { event, data } of sseEvents(response.body)) {
    const payload = data ? JSON.parse(data) : {};
    if (event === "start") onStart?.(payload);
    else if (event === "token") onToken?.(payload.text ?? "");
    else if (event === "done") return payload;
    else if (event === "error") {
      const e = payload.error ?? {};
      throw new ApiError(response.status, e.code ?? "stream_error", e.message ?? "The reply failed.");
    }
  }
  throw new ApiError(response.status, "stream_cut", "The reply stopped before it finished (the connection was cut). It was not saved.");
}

/** Server-sent events from a fetch body: yields {event, data} per dispatched event. */
export async function* sseEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "";
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
        if (line === "") {
          // a blank line ends an event
          if (data.length) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}
