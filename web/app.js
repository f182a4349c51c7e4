// The page: wires the forms to api.js. Everything the user sees comes from the API's answers;
// text from the API or the model is always set with textContent, never as HTML.

import * as api from "./api.js";
import { API_LABEL, IGNORED_API } from "./config.js";

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- messages and cooldowns

/** Shows `text` (or an error's API message and code) in a message element. */
function say(el, what, kind = "error") {
  el.replaceChildren();
  delete el.dataset.kind;
  if (what == null || what === "") return;
  el.dataset.kind = kind;
  if (what instanceof api.ApiError) {
    el.append(what.message);
    if (what.code && what.status) {
      const code = document.createElement("code");
      code.textContent = what.code;
      el.append(" (", code, ")");
    }
  } else if (what instanceof Error) {
    el.append(what.message);
  } else {
    el.append(what);
  }
}

function banner(text, kind = "info") {
  const el = $("banner");
  el.hidden = !text;
  el.dataset.kind = kind;
  el.textContent = text ?? "";
}

const cooldowns = new Map(); // button -> interval

/**
 * Respects Retry-After: keeps `button` disabled and counts down in `el` until the API said
 * the next attempt may be made.
 */
function cooldown(button, el, error) {
  clearInterval(cooldowns.get(button));
  const until = Date.now() + error.retryAfter * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(cooldowns.get(button));
      cooldowns.delete(button);
      button.disabled = false;
      say(el, "You can try again now.", "info");
      return;
    }
    say(el, error);
    el.append(` Try again in ${left} s.`);
  };
  button.disabled = true;
  tick();
  cooldowns.set(button, setInterval(tick, 250));
}

/** Shows an error from an action, with a countdown when the API asked us to wait. */
function fail(el, error, button) {
  if (error instanceof api.ApiError && error.status === 429 && error.retryAfter != null && button) {
    cooldown(button, el, error);
  } else {
    say(el, error);
  }
}

/** Runs a form's action with its submit button disabled meanwhile. */
async function busy(form, action) {
  const button = form.querySelector("button[type=submit]");
  if (button.disabled) return;
  button.disabled = true;
  try {
    await action(button);
  } finally {
    if (!cooldowns.has(button)) button.disabled = false;
  }
}

function values(form) {
  return Object.fromEntries(new FormData(form));
}

// ---------------------------------------------------------------- signed out / signed in

function showSignedOut() {
  for (const el of $("signed-out").querySelectorAll(".message")) if (!cooldowns.size) say(el, "");
  $("signed-in").hidden = true;
  $("who").hidden = true;
  $("signed-out").hidden = false;
  $("account").close();
  resetChat();
  $("conversation-list").replaceChildren();
}

function showSignedIn(user) {
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  $("who").hidden = false;
  $("who-email").textContent = user.email ?? "";
  $("account-email").textContent = user.email ?? "";
  loadConversations();
}

api.onSessionChange((user, reason) => {
  if (user) return;
  showSignedOut();
  if (reason === "expired") banner("Your session has ended. Please log in again.", "error");
  $("login-email").focus();
});

$("login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  busy(form, async (button) => {
    const { email, password } = values(form);
    say($("login-message"), "");
    try {
      const user = await api.login(email, password);
      form.reset();
      banner(null);
      showSignedIn(user);
      $("chat-input").focus();
    } catch (error) {
      fail($("login-message"), error, button);
      $("login-password").select();
    }
  });
});

$("register-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  busy(form, async (button) => {
    const { email, password } = values(form);
    try {
      const account = await api.register(email, password);
      form.reset();
      say($("register-message"), `Account created for ${account.email}. You can log in now.`, "ok");
      $("login-email").value = account.email;
      $("login-password").focus();
    } catch (error) {
      fail($("register-message"), error, button);
    }
  });
});

$("show-forgot").addEventListener("click", () => {
  $("forgot-form").hidden = false;
  $("forgot-email").value = $("login-email").value;
  $("forgot-email").focus();
});

$("forgot-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  busy(form, async (button) => {
    try {
      await api.forgotPassword(values(form).email);
      say($("forgot-message"), "If an account has this email, a reset link is on its way.", "ok");
    } catch (error) {
      fail($("forgot-message"), error, button);
    }
  });
});

let resetToken = null;
$("reset-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  busy(form, async (button) => {
    try {
      await api.resetPassword(resetToken, values(form).password);
      form.reset();
      form.hidden = true;
      banner("Your password has been changed. Log in with the new one.", "ok");
      $("login-email").focus();
    } catch (error) {
      fail($("reset-message"), error, button);
    }
  });
});

$("logout").addEventListener("click", async () => {
  try {
    await api.logout();
  } catch {
    // signed out here anyway; the refresh token expires on its own
  }
  banner("You are signed out.", "info");
});

// ---------------------------------------------------------------- account dialog

$("open-account").addEventListener("click", () => {
  say($("password-message"), "");
  say($("delete-message"), "");
  $("account").showModal();
});

$("password-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  busy(form, async (button) => {
    const v = values(form);
    try {
      await api.changePassword(v.current_password, v.new_password);
      form.reset();
      say($("password-message"), "Your password has been changed.", "ok");
    } catch (error) {
      fail($("password-message"), error, button);
    }
  });
});

$("delete-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  if (!confirm("Delete your account and everything in it? This cannot be undone.")) return;
  busy(form, async (button) => {
    try {
      await api.deleteAccount(values(form).password);
      form.reset();
      banner("Your account has been deleted.", "info");
    } catch (error) {
      fail($("delete-message"), error, button);
    }
  });
});

// ---------------------------------------------------------------- conversations

let current = null; // {id, title} of the open conversation; null: a new one
let nextCursor = null;

function when(seconds) {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function conversationItem(c) {
  const li = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "conversation";
  button.dataset.id = c.id;
  if (current?.id === c.id) button.setAttribute("aria-current", "true");
  const title = document.createElement("span");
  title.className = "title";
  title.textContent = c.title || "Untitled";
  const meta = document.createElement("small");
  meta.textContent = `${c.turns} ${c.turns === 1 ? "turn" : "turns"} · ${when(c.updated_at)}`;
  button.append(title, meta);
  button.addEventListener("click", () => openConversation(c.id));
  li.append(button);
  return li;
}

async function loadConversations({ more = false } = {}) {
  const list = $("conversation-list");
  say($("conversations-message"), "");
  try {
    const page = await api.listConversations({ cursor: more ? nextCursor : null });
    if (!more) list.replaceChildren();
    list.append(...page.conversations.map(conversationItem));
    nextCursor = page.next;
    $("more-conversations").hidden = !nextCursor;
    $("conversations-empty").hidden = list.children.length > 0;
  } catch (error) {
    say($("conversations-message"), error);
  }
}

$("more-conversations").addEventListener("click", () => loadConversations({ more: true }));

function markCurrent() {
  for (const b of $("conversation-list").querySelectorAll("button.conversation")) {
    if (b.dataset.id === current?.id) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  }
}

function setTitle(title) {
  $("chat-title").textContent = title || "New conversation";
  $("chat-actions").hidden = !current;
}

function resetChat() {
  current = null;
  $("messages").replaceChildren();
  $("rename-form").hidden = true;
  say($("chat-message"), "");
  say($("chat-actions-message"), "");
  setTitle(null);
  markCurrent();
}

function addMessage(role, text) {
  const li = document.createElement("li");
  li.className = `msg ${role}`;
  const who = document.createElement("span");
  who.className = "who-said";
  who.textContent = role === "user" ? "You" : "Assistant";
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  li.append(who, body);
  $("messages").append(li);
  li.scrollIntoView({ block: "end" });
  return li;
}

async function openConversation(id) {
  say($("chat-actions-message"), "");
  try {
    const c = await api.getConversation(id);
    current = { id: c.id, title: c.title };
    $("messages").replaceChildren();
    for (const m of c.messages) addMessage(m.role, m.content);
    setTitle(c.title);
    markCurrent();
    $("rename-form").hidden = true;
    $("chat-title").focus();
  } catch (error) {
    say($("conversations-message"), error);
  }
}

$("new-chat").addEventListener("click", () => {
  resetChat();
  $("chat-input").focus();
});

$("rename-chat").addEventListener("click", () => {
  $("rename-form").hidden = false;
  $("rename-title").value = current?.title ?? "";
  $("rename-title").select();
});
$("rename-cancel").addEventListener("click", () => {
  $("rename-form").hidden = true;
  $("rename-chat").focus();
});

$("rename-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  busy(form, async (button) => {
    const title = values(form).title.trim();
    try {
      const updated = await api.renameConversation(current.id, title);
      current.title = updated?.title ?? title;
      setTitle(current.title);
      form.hidden = true;
      say($("chat-actions-message"), "Renamed.", "ok");
      await loadConversations();
      $("rename-chat").focus();
    } catch (error) {
      fail($("chat-actions-message"), error, button);
    }
  });
});

$("delete-chat").addEventListener("click", async () => {
  if (!current || !confirm(`Delete the conversation “${current.title}”?`)) return;
  try {
    await api.deleteConversation(current.id);
    resetChat();
    say($("chat-actions-message"), "Conversation deleted.", "ok");
    await loadConversations();
    $("chat-input").focus();
  } catch (error) {
    say($("chat-actions-message"), error);
  }
});

// ---------------------------------------------------------------- chat

let streaming = null; // the AbortController of the reply being streamed

$("chat-input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $("chat-form").requestSubmit();
  }
});

$("stop").addEventListener("click", () => streaming?.abort());

$("chat-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("chat-input");
  const message = input.value.trim();
  const send = $("send");
  if (!message || streaming || send.disabled) return;
  say($("chat-message"), "");
  input.value = "";
  addMessage("user", message);
  const reply = addMessage("assistant", "");
  const text = reply.querySelector(".text");
  reply.setAttribute("aria-busy", "true"); // screen readers read the reply once, when complete
  streaming = new AbortController();
  send.disabled = true;
  $("stop").hidden = false;
  const wasNew = !current;
  try {
    const done = await api.chatStream({
      message,
      conversationId: current?.id,
      signal: streaming.signal,
      onStart: ({ conversation_id }) => {
        current ??= { id: conversation_id, title: message };
      },
      onToken: (piece) => {
        text.textContent += piece;
        reply.scrollIntoView({ block: "end" });
      },
    });
    text.textContent = done.reply; // the stored reply, as the API returns it later
    current ??= { id: done.conversation_id, title: message };
    if (done.truncated) {
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = "The reply was cut at the length limit.";
      reply.append(note);
    }
    if (wasNew) {
      await loadConversations();
      setTitle(current.title);
      markCurrent();
    } else {
      loadConversations(); // the list is ordered by last update
    }
  } catch (error) {
    reply.classList.add("failed");
    if (error.name === "AbortError") {
      say($("chat-message"), "Stopped. This reply was not saved.", "info");
    } else {
      fail($("chat-message"), error, send);
    }
    if (!text.textContent) reply.remove();
    if (wasNew) current = null; // a failed first turn stores nothing: still a new conversation
    input.value ||= message; // give the message back so it can be sent again
  } finally {
    reply.removeAttribute("aria-busy");
    streaming = null;
    $("stop").hidden = true;
    if (!cooldowns.has(send)) send.disabled = false;
    input.focus();
  }
});

// ---------------------------------------------------------------- start

async function start() {
  $("api-label").textContent = API_LABEL;
  if (IGNORED_API) banner(`Ignored ?api=${IGNORED_API}: only loopback addresses are accepted.`, "error");

  // Links from the mails: ?verify=TOKEN and ?reset=TOKEN. Take the token out of the address bar
  // (and so out of the history) before doing anything else.
  const url = new URL(location.href);
  const verify = url.searchParams.get("verify");
  resetToken = url.searchParams.get("reset");
  url.searchParams.delete("verify");
  url.searchParams.delete("reset");
  history.replaceState(null, "", url);

  if (resetToken) {
    $("reset-form").hidden = false;
  }
  if (verify) {
    try {
      await api.verifyEmail(verify);
      banner("Your email address is verified. Thank you.", "ok");
    } catch (error) {
      banner(`Email verification failed: ${error.message}${error.code ? ` (${error.code})` : ""}`, "error");
    }
  }

  let user = null;
  try {
    user = await api.restore();
  } catch {
    user = null; // the kept refresh token no longer works: sign in again
  }
  if (user) {
    showSignedIn(user);
  } else {
    showSignedOut();
    (resetToken ? $("reset-password") : $("login-email")).focus();
  }
  document.body.dataset.ready = "true";
}

start();
