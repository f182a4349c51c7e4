//! Chat (the `chat` component): `POST /chat` (JSON or server-sent events), `GET /conversations`,
//! `GET|PATCH|DELETE /conversations/{id}`, `GET /usage`.

use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::aws::dynamodb::UserItem;
use crate::aws::sagemaker::{
    build_payload, estimate_message_tokens, estimate_tokens, parse_error, parse_reply, ChatMessage,
    ModelError, ModelReply, ModelStreamDecoder, Role, StreamEvent, TokenUsage,
};
use crate::config::ChatConfig;
use crate::conversations::{self, ConversationItem, Conversations, Cursor, TurnItem};
use crate::domain::{ConversationId, UserId};
use crate::store::{Services, StoreError};
use crate::tokens::{unix_seconds, AccessClaims};
use crate::transport::{ByteStream, EventSink, StreamingTransport, Transport, TransportError};
use crate::usage::{Day, UsageCounters};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::SystemTime;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatBody {
    message: String,
    conversation_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameBody {
    title: String,
}

/// A JSON body that must be an object (serde would also build a struct from an array).
fn json_object<T: serde::de::DeserializeOwned>(request: &ApiRequest) -> Result<T, ApiError> {
    let map: serde_json::Map<String, Value> = request.json()?;
    serde_json::from_value(Value::Object(map)).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

/// Longest conversation title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Page sizes: `?limit=` of `GET /conversations` (conversations) and `GET /conversations/{id}` (turns).
pub const DEFAULT_LIST_LIMIT: u32 = 20;
pub const DEFAULT_TURNS_LIMIT: u32 = 100;
pub const MAX_PAGE_LIMIT: u32 = 100;
/// Tokens of the assistant header that opens the reply in the prompt.
const REPLY_HEADER_TOKENS: u64 = 3;

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> ApiError {
        match e {
            ModelError::Failed(m) => ApiError::ModelFailed(m),
            ModelError::ContextTooLong { message, .. } => {
                ApiError::ModelFailed(format!("prompt too long even with less history: {message}"))
            }
            ModelError::BadResponse(m) => ApiError::ModelFailed(format!("unreadable answer: {m}")),
            ModelError::Throttled(m) | ModelError::Unavailable(m) => ApiError::ModelUnavailable(m),
            ModelError::Timeout => ApiError::ModelTimeout,
        }
    }
}

fn model_transport_error(e: TransportError) -> ApiError {
    match e {
        TransportError::Timeout => ApiError::ModelTimeout,
        TransportError::Unreachable(m) => ApiError::ModelUnavailable(m),
    }
}

fn turn_tokens(t: &TurnItem) -> u64 {
    estimate_tokens(&t.user_message) + estimate_tokens(&t.reply) + 8
}

/// The earlier turns that go to the model: the newest first, while they fit in `max_chars` and
/// `max_tokens` (estimated, with each turn's markers); returned oldest first. `newest_first` holds
/// at most `CHAT_HISTORY_TURNS` turns already.
pub fn select_history(newest_first: &[TurnItem], max_chars: usize, max_tokens: u64) -> Vec<TurnItem> {
    let (mut chars, mut tokens) = (0, 0);
    let mut kept: Vec<TurnItem> = newest_first
        .iter()
        .take_while(|t| {
            chars += t.user_message.chars().count() + t.reply.chars().count();
            tokens += turn_tokens(t);
            chars <= max_chars && tokens <= max_tokens
        })
        .cloned()
        .collect();
    kept.reverse();
    kept
}

/// Routes of the chat component (streaming `POST /chat` goes through [`start_stream`]).
pub async fn handle<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    match request.path.as_str() {
        "/chat" => chat(services, request).await,
        "/usage" => {
            request.require_method(http::Method::GET)?;
            usage(services, request).await
        }
        "/conversations" => {
            request.require_method(http::Method::GET)?;
            list(services, request).await
        }
        path => match path.strip_prefix("/conversations/") {
            Some(id) if !id.is_empty() && !id.contains('/') => match request.method {
                http::Method::GET => show(services, request, id).await,
                http::Method::PATCH => rename(services, request, id).await,
                http::Method::DELETE => delete(services, request, id).await,
                _ => Err(ApiError::MethodNotAllowed { allow: "GET, PATCH, DELETE".into() }),
            },
            _ => Err(ApiError::NotFound),
        },
    }
}

/// True when the caller asked for server-sent events on `POST /chat`.
pub fn wants_stream(request: &ApiRequest) -> bool {
    request.path == "/chat"
        && request.method == http::Method::POST
        && request
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/event-stream"))
}

fn chat_config<'a, T: Transport>(services: &Services<'a, T>) -> Result<&'a ChatConfig, ApiError> {
    services.config.chat.as_ref().map_err(|e| ApiError::Misconfigured(e.clone()))
}

/// The signed-in user (401 without a valid access token).
fn caller<T: Transport>(services: &Services<'_, T>, request: &ApiRequest) -> Result<UserId, ApiError> {
    Ok(caller_claims(services, request)?.0)
}

/// The signed-in user and the access token's claims (its email and token version).
fn caller_claims<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<(UserId, AccessClaims), ApiError> {
    let claims = request.access_claims(&services.config.access_tokens)?;
    let user_id = UserId::parse(&claims.sub).ok_or(ApiError::InvalidToken)?;
    Ok((user_id, claims))
}

/// A path or body id: unknown spellings are simply not found.
fn conversation_id(raw: &str) -> Result<ConversationId, ApiError> {
    ConversationId::parse(raw).ok_or(ApiError::NotFound)
}

/// A turn about to be asked: everything known before the model answers.
struct PendingTurn {
    user_id: UserId,
    /// The access token's email and token version: the turn is stored only while they are current.
    email: String,
    token_version: u64,
    conversation_id: ConversationId,
    title: String,
    seq: u64,
    user_message: String,
    /// Earlier turns that may go along (newest first), before the window is applied.
    candidates: Vec<TurnItem>,
    /// What goes to the model now (system prompt, history, message).
    messages: Vec<ChatMessage>,
    /// Estimated tokens of `messages`.
    prompt_tokens: u64,
    /// Tokens reserved in the daily quota for this turn.
    reserved: u64,
    day: Day,
}

impl PendingTurn {
    /// Builds `messages` with the history that fits `history_tokens`.
    fn window(&mut self, config: &ChatConfig, history_tokens: u64) -> usize {
        let history = select_history(&self.candidates, config.history_chars, history_tokens);
        let mut messages = Vec::new();
        if let Some(system) = &config.system_prompt {
            messages.push(ChatMessage { role: Role::System, content: system.clone() });
        }
        for turn in &history {
            messages.push(ChatMessage { role: Role::User, content: turn.user_message.clone() });
            messages.push(ChatMessage { role: Role::Assistant, content: turn.reply.clone() });
        }
        messages.push(ChatMessage { role: Role::User, content: self.user_message.clone() });
        self.prompt_tokens = messages.iter().map(estimate_message_tokens).sum::<u64>() + REPLY_HEADER_TOKENS;
        self.messages = messages;
        history.len()
    }

    fn history_tokens(&self) -> u64 {
        let turns =
            (self.messages.len().saturating_sub(1 + usize::from(self.messages[0].role == Role::System))) / 2;
        self.candidates.iter().take(turns).map(turn_tokens).sum()
    }

    /// After a context-length error: a smaller history (none when the endpoint's limit leaves no
    /// room); false when there was no history to drop.
    fn shrink(&mut self, config: &ChatConfig, limit: Option<u64>) -> bool {
        let had = self.history_tokens();
        if had == 0 {
            return false;
        }
        let fixed = self.prompt_tokens - had;
        let target = match limit {
            // The endpoint counts with its own tokenizer: keep a quarter in reserve.
            Some(n) => {
                (n.saturating_sub(u64::from(config.params.max_new_tokens)) * 3 / 4).saturating_sub(fixed)
            }
            None => had / 2,
        };
        self.window(config, target.min(had / 2));
        true
    }
}

async fn prepare<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<PendingTurn, ApiError> {
    request.require_method(http::Method::POST)?;
    let (user_id, claims) = caller_claims(services, request)?;
    let config = chat_config(services)?;
    request.query_params(&[])?;
    let body: ChatBody = json_object(request)?;
    let message = body.message.trim().to_owned();
    if message.is_empty() {
        return Err(ApiError::InvalidMessage("message must not be empty".into()));
    }
    if message.chars().count() > config.max_message_chars {
        return Err(ApiError::MessageTooLong { max: config.max_message_chars });
    }
    let now = request.received_at;
    let table = &config.table;
    let (conversation_id, title, candidates, seq) = match body.conversation_id {
        None => (ConversationId::new(now), message.chars().take(60).collect(), vec![], 1),
        Some(raw) => {
            let id = conversation_id(&raw)?;
            // The summary and the newest turns in one round trip: two requests side by side (the
            // summary's key `conv#<id>` and the turns' `turn#<id>#…` share no key range).
            let get = Conversations::get(table, &user_id, &id);
            let query = Conversations::newest_turns(table, &user_id, &id, config.history_turns.max(1));
            let (found, turns) = futures::join!(
                services.dynamodb("GetItem", &get, now),
                services.dynamodb("Query", &query, now)
            );
            let conversation = Conversations::from_get_response(&found?).map_err(StoreError::from)?;
            let conversation = conversation.ok_or(ApiError::NotFound)?; // unknown, or someone else's
            let turns = Conversations::turns_from_response(&turns?).map_err(StoreError::from)?;
            let turns = if config.history_turns == 0 { vec![] } else { turns.items };
            (id, conversation.title, turns, conversation.turns + 1)
        }
    };
    let mut turn = PendingTurn {
        user_id,
        email: claims.email,
        token_version: claims.ver,
        conversation_id,
        title,
        seq,
        user_message: message,
        candidates,
        messages: vec![],
        prompt_tokens: 0,
        reserved: 0,
        day: Day::of(unix_seconds(now)),
    };
    turn.window(config, 0);
    let budget = config.input_budget();
    if turn.prompt_tokens > budget {
        // Even alone, the message does not fit the model's input.
        let room = budget.saturating_sub(turn.prompt_tokens - estimate_tokens(&turn.user_message));
        return Err(ApiError::MessageTooLong { max: (room * 4) as usize });
    }
    let fixed = turn.prompt_tokens;
    turn.window(config, budget - fixed);
    admit(services, config, &mut turn, now).await?;
    Ok(turn)
}

/// Counts the message and reserves its tokens in the daily quota, before the model is called.
async fn admit<T: Transport>(
    services: &Services<'_, T>,
    config: &ChatConfig,
    turn: &mut PendingTurn,
    now: SystemTime,
) -> Result<(), ApiError> {
    let reserve = turn.prompt_tokens + u64::from(config.params.max_new_tokens);
    let update =
        UsageCounters::admit(&services.config.throttle_table, &turn.user_id, turn.day, reserve, config.daily);
    match services.dynamodb("UpdateItem", &update, now).await {
        Ok(_) => {
            turn.reserved = reserve;
            Ok(())
        }
        Err(e) if e.is_conditional_check_failed() => {
            Err(ApiError::QuotaExceeded { retry_after: turn.day.seconds_left(unix_seconds(now)) })
        }
        Err(e) => Err(e.into()),
    }
}

/// Corrects the reservation to the tokens used (reported by the endpoint, else estimated); with
/// no reply, gives back the reservation for the reply. Best effort: on failure the (larger)
/// reservation stays counted.
async fn settle<T: Transport>(
    services: &Services<'_, T>,
    turn: &PendingTurn,
    reply: Option<(&str, Option<TokenUsage>)>,
    now: SystemTime,
) {
    let used = match reply {
        Some((_, Some(usage))) => usage.prompt_tokens.unwrap_or(turn.prompt_tokens) + usage.completion_tokens,
        Some((text, None)) => turn.prompt_tokens + estimate_tokens(text),
        None => turn.prompt_tokens,
    };
    let delta = used as i64 - turn.reserved as i64;
    if delta != 0 {
        let update =
            UsageCounters::adjust_tokens(&services.config.throttle_table, &turn.user_id, turn.day, delta);
        let _ = services.dynamodb("UpdateItem", &update, now).await;
    }
}

/// Stores the finished turn (turn and summary in one transaction) and returns the API's answer.
async fn store<T: Transport>(
    services: &Services<'_, T>,
    turn: &PendingTurn,
    reply: ModelReply,
    now: SystemTime,
) -> Result<Value, ApiError> {
    let config = chat_config(services)?;
    let item = TurnItem {
        seq: turn.seq,
        user_message: turn.user_message.clone(),
        reply: reply.text,
        created_at: unix_seconds(now),
        truncated: reply.truncated,
    };
    let mut write =
        Conversations::append_turn(&config.table, &turn.user_id, &turn.conversation_id, &turn.title, &item);
    // The access token must still be current (the account not deleted, its password not reset or
    // changed): checked in the same transaction, so it costs no extra round trip.
    let users = &services.config.users_table;
    let current =
        UserItem::condition_check_current(users, &turn.email, &turn.user_id.to_string(), turn.token_version);
    if let Some(items) = write["TransactItems"].as_array_mut() {
        items.push(current);
    }
    // The quota settles beside the transaction (one round trip after the model; the usage item
    // stays out of the transaction so that turns in other conversations never conflict on it).
    let usage = Some((item.reply.as_str(), reply.usage));
    let (stored, ()) = futures::join!(
        services.dynamodb("TransactWriteItems", &write, now),
        settle(services, turn, usage, now)
    );
    match stored {
        Ok(_) => Ok(json!({
            "conversation_id": turn.conversation_id.to_string(),
            "turn": item.seq,
            "reply": item.reply,
            "truncated": item.truncated,
        })),
        // A condition failed or another transaction held an item: either the access token is no
        // longer current (401) or another turn of this conversation was stored meanwhile (409,
        // never a 503). Only on this rare path is the user read, to tell which.
        Err(e) if e.is_write_conflict() => match services.find_user(&turn.email, now).await? {
            Some(u) if u.id == turn.user_id.to_string() && u.token_version == turn.token_version => {
                Err(ApiError::ConversationConflict)
            }
            _ => Err(ApiError::InvalidToken),
        },
        Err(e) => Err(e.into()),
    }
}

/// `POST /chat` `{"message", "conversation_id"?}` → 200 `{"conversation_id","turn","reply","truncated"}`.
pub async fn chat<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let mut turn = prepare(services, request).await?;
    let config = chat_config(services)?;
    let now = request.received_at;
    let mut retried = false;
    let reply = loop {
        let payload = build_payload(config.format, &config.params, &turn.messages, false);
        let outgoing = config.sagemaker.invoke(&payload, false, now)?;
        let response = match services.transport.send(outgoing, config.timeout).await {
            Ok(r) => r,
            Err(e) => {
                settle(services, &turn, None, now).await;
                return Err(model_transport_error(e));
            }
        };
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            break parse_reply(config.format, response.body());
        }
        match parse_error(status, response.headers(), response.body()) {
            ModelError::ContextTooLong { limit, .. } if !retried && turn.shrink(config, limit) => {
                retried = true
            }
            e => break Err(e),
        }
    };
    let reply = reply.and_then(|r| {
        if r.text.is_empty() {
            Err(ModelError::BadResponse("empty reply".into()))
        } else {
            Ok(r)
        }
    });
    let reply = match reply {
        Ok(r) => r,
        Err(e) => {
            settle(services, &turn, None, now).await;
            return Err(e.into());
        }
    };
    Ok(ApiResponse::json(200, &store(services, &turn, reply, now).await?))
}

/// A streaming answer whose model call has started well (2xx); [`ChatStream::pump`] forwards it.
pub struct ChatStream<'a, T: StreamingTransport> {
    services: Services<'a, T>,
    turn: PendingTurn,
    body: T::Body,
    decoder: ModelStreamDecoder,
    received_at: std::time::SystemTime,
}

/// `POST /chat` with `Accept: text/event-stream`: checks everything and starts the model call;
/// errors up to here are ordinary JSON errors.
pub async fn start_stream<'a, T: StreamingTransport>(
    services: Services<'a, T>,
    request: &ApiRequest,
) -> Result<ChatStream<'a, T>, ApiError> {
    let mut turn = prepare(&services, request).await?;
    let config = chat_config(&services)?;
    let now = request.received_at;
    let mut retried = false;
    let started = loop {
        let payload = build_payload(config.format, &config.params, &turn.messages, true);
        let outgoing = config.sagemaker.invoke(&payload, true, now)?;
        let response = match services.transport.send_streaming(outgoing, config.timeout).await {
            Ok(r) => r,
            Err(e) => break Err(model_transport_error(e)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = response.into_body();
        if (200..300).contains(&status) {
            let content_type =
                headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !content_type.starts_with("application/vnd.amazon.eventstream") {
                break Err(ModelError::BadResponse(format!(
                    "expected an event stream, got {content_type:?}"
                ))
                .into());
            }
            break Ok(body);
        }
        let mut bytes = Vec::new();
        while let Some(Ok(chunk)) = body.next_chunk().await {
            bytes.extend(chunk);
        }
        match parse_error(status, &headers, &bytes) {
            ModelError::ContextTooLong { limit, .. } if !retried && turn.shrink(config, limit) => {
                retried = true
            }
            e => break Err(e.into()),
        }
    };
    match started {
        Ok(body) => Ok(ChatStream {
            services,
            turn,
            body,
            decoder: ModelStreamDecoder::new(config.format),
            received_at: now,
        }),
        Err(e) => {
            settle(&services, &turn, None, now).await;
            Err(e)
        }
    }
}

impl<T: StreamingTransport> ChatStream<'_, T> {
    /// Sends `start`, then a `token` event per piece of the answer, then stores the whole turn
    /// and sends `done` with what `POST /chat` would have returned. On any failure (a stream
    /// without its end marker included) it sends one `error` event and stores nothing; if the
    /// client goes away it stops and stores nothing.
    pub async fn pump(mut self, sink: &mut impl EventSink) -> Result<(), ApiError> {
        let now = self.received_at;
        if !sink.send("start", &json!({"conversation_id": self.turn.conversation_id.to_string()})).await {
            settle(&self.services, &self.turn, None, now).await;
            return Ok(());
        }
        let outcome = self.forward(sink).await;
        let result = match outcome {
            Ok(Some(reply)) => store(&self.services, &self.turn, reply, now).await.map(Some),
            Ok(None) => {
                settle(&self.services, &self.turn, None, now).await;
                return Ok(()); // the client left: nothing stored
            }
            Err(e) => {
                settle(&self.services, &self.turn, None, now).await;
                Err(e)
            }
        };
        match result {
            Ok(Some(done)) => {
                sink.send("done", &done).await;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => {
                let body: Value =
                    serde_json::from_slice(&e.clone().into_response().body).unwrap_or(Value::Null);
                sink.send("error", &body).await;
                Err(e)
            }
        }
    }

    /// The whole reply, or `None` if the client went away.
    async fn forward(&mut self, sink: &mut impl EventSink) -> Result<Option<ModelReply>, ApiError> {
        let mut text = String::new();
        let mut end = None;
        'read: while let Some(chunk) = self.body.next_chunk().await {
            let chunk = chunk.map_err(model_transport_error)?;
            for event in self.decoder.feed(&chunk)? {
                match event {
                    StreamEvent::Token(piece) => {
                        text.push_str(&piece);
                        if !sink.send("token", &json!({"text": piece})).await {
                            return Ok(None);
                        }
                    }
                    StreamEvent::Done { truncated, usage } => {
                        end = Some((truncated, usage));
                        break 'read;
                    }
                }
            }
        }
        let Some((truncated, usage)) = end else {
            return Err(ModelError::BadResponse("the stream ended without its end marker".into()).into());
        };
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(ModelError::BadResponse("empty reply".into()).into());
        }
        Ok(Some(ModelReply { text, truncated, usage }))
    }
}

/// `limit` within 1..=`MAX_PAGE_LIMIT` (400 `invalid_query` otherwise) and the raw cursor.
fn page_params(request: &ApiRequest, default: u32) -> Result<(u32, Option<String>), ApiError> {
    let mut limit = default;
    let mut cursor = None;
    for (name, value) in request.query_params(&["limit", "cursor"])? {
        match name.as_str() {
            "limit" => {
                limit = value.parse().ok().filter(|l| (1..=MAX_PAGE_LIMIT).contains(l)).ok_or_else(|| {
                    ApiError::InvalidQuery(format!("limit must be a whole number from 1 to {MAX_PAGE_LIMIT}"))
                })?
            }
            _ => cursor = Some(value),
        }
    }
    Ok((limit, cursor))
}

/// `GET /conversations?limit=&cursor=` → 200 `{"conversations":[...],"next_cursor"}`, newest first.
pub async fn list<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user_id = caller(services, request)?;
    let config = chat_config(services)?;
    let (limit, cursor) = page_params(request, DEFAULT_LIST_LIMIT)?;
    let cursor = cursor.map(|c| Cursor::parse_list(&c).ok_or(ApiError::InvalidCursor)).transpose()?;
    let query = Conversations::list(&config.table, &user_id, limit, cursor.as_ref());
    let body = services.dynamodb("Query", &query, request.received_at).await?;
    let page = Conversations::from_list_response(&body).map_err(StoreError::from)?;
    let items: Vec<Value> = page.items.iter().map(summary).collect();
    Ok(ApiResponse::json(200, &json!({"conversations": items, "next_cursor": page.next.map(|c| c.encode())})))
}

fn summary(c: &ConversationItem) -> Value {
    json!({"id": c.id.to_string(), "title": c.title, "created_at": c.created_at, "updated_at": c.updated_at, "turns": c.turns})
}

/// `GET /conversations/{id}?limit=&cursor=` → 200 summary plus a page of `"messages"` (oldest
/// first, `limit` turns) and `"next_cursor"`; another user's id is 404.
pub async fn show<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
    raw_id: &str,
) -> Result<ApiResponse, ApiError> {
    let user_id = caller(services, request)?;
    let config = chat_config(services)?;
    let id = conversation_id(raw_id)?;
    let (limit, cursor) = page_params(request, DEFAULT_TURNS_LIMIT)?;
    let cursor = cursor.map(|c| Cursor::parse_turns(&c, &id).ok_or(ApiError::InvalidCursor)).transpose()?;
    let now = request.received_at;
    let found = services.dynamodb("GetItem", &Conversations::get(&config.table, &user_id, &id), now).await?;
    let conversation =
        Conversations::from_get_response(&found).map_err(StoreError::from)?.ok_or(ApiError::NotFound)?;
    let query = Conversations::turns(&config.table, &user_id, &id, limit, cursor.as_ref());
    let page = Conversations::turns_from_response(&services.dynamodb("Query", &query, now).await?)
        .map_err(StoreError::from)?;
    let mut out = summary(&conversation);
    out["messages"] = page
        .items
        .iter()
        .flat_map(|t| {
            let mut reply =
                json!({"role": "assistant", "content": t.reply, "turn": t.seq, "created_at": t.created_at});
            if t.truncated {
                reply["truncated"] = json!(true);
            }
            [
                json!({"role": "user", "content": t.user_message, "turn": t.seq, "created_at": t.created_at}),
                reply,
            ]
        })
        .collect();
    out["next_cursor"] = json!(page.next.map(|c| c.encode()));
    Ok(ApiResponse::json(200, &out))
}

/// A title as given: trimmed, 1 to `MAX_TITLE_CHARS` characters, no control characters.
fn parse_title(raw: &str) -> Result<String, ApiError> {
    let title = raw.trim();
    if title.is_empty() {
        return Err(ApiError::InvalidTitle("title must not be empty".into()));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::InvalidTitle(format!("title is longer than {MAX_TITLE_CHARS} characters")));
    }
    if title.chars().any(char::is_control) {
        return Err(ApiError::InvalidTitle("title must not contain control characters".into()));
    }
    Ok(title.to_owned())
}

/// `PATCH /conversations/{id}` `{"title"}` → 200 the summary.
pub async fn rename<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
    raw_id: &str,
) -> Result<ApiResponse, ApiError> {
    let user_id = caller(services, request)?;
    let config = chat_config(services)?;
    let id = conversation_id(raw_id)?;
    request.query_params(&[])?;
    let body: RenameBody = json_object(request)?;
    let title = parse_title(&body.title)?;
    let update = Conversations::rename(&config.table, &user_id, &id, &title);
    match services.dynamodb("UpdateItem", &update, request.received_at).await {
        Ok(body) => {
            let item = Conversations::from_update_response(&body).map_err(StoreError::from)?;
            Ok(ApiResponse::json(200, &summary(&item)))
        }
        Err(e) if e.is_conditional_check_failed() => Err(ApiError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `DELETE /conversations/{id}` → 204: the summary and every turn are gone.
pub async fn delete<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
    raw_id: &str,
) -> Result<ApiResponse, ApiError> {
    let user_id = caller(services, request)?;
    let config = chat_config(services)?;
    let id = conversation_id(raw_id)?;
    request.query_params(&[])?;
    if conversations::delete_conversation(services, &config.table, &user_id, &id, request.received_at).await?
    {
        Ok(ApiResponse::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}

/// `GET /usage` → 200 today's use and the limits.
pub async fn usage<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user_id = caller(services, request)?;
    let config = chat_config(services)?;
    request.query_params(&[])?;
    let now = unix_seconds(request.received_at);
    let day = Day::of(now);
    let get = UsageCounters::get(&services.config.throttle_table, &user_id, day);
    let used =
        UsageCounters::from_get_response(&services.dynamodb("GetItem", &get, request.received_at).await?)
            .map_err(StoreError::from)?;
    Ok(ApiResponse::json(
        200,
        &json!({
            "day": day.date(),
            "messages": {"used": used.messages, "limit": config.daily.messages},
            "tokens": {"used": used.tokens, "limit": config.daily.tokens},
            "resets_at": day.ends_at(),
            "resets_in": day.seconds_left(now),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(seq: u64, chars: usize) -> TurnItem {
        TurnItem {
            seq,
            user_message: "u".repeat(chars / 2),
            reply: "r".repeat(chars / 2),
            created_at: seq,
            truncated: false,
        }
    }

    #[test]
    fn history_keeps_the_newest_turns_that_fit() {
        let newest_first = vec![turn(5, 100), turn(4, 100), turn(3, 100), turn(2, 100)];
        let kept = select_history(&newest_first, 250, u64::MAX);
        assert_eq!(kept.iter().map(|t| t.seq).collect::<Vec<_>>(), vec![4, 5]);
        assert!(select_history(&newest_first, 50, u64::MAX).is_empty());
        assert_eq!(select_history(&newest_first, 10_000, u64::MAX).len(), 4);
        assert_eq!(select_history(&[], 100, 100), vec![]);
    }

    #[test]
    fn history_counts_tokens() {
        // 100 chars = 2 × 13 tokens + 8 for the markers = 34 tokens per turn.
        let newest_first = vec![turn(5, 100), turn(4, 100), turn(3, 100)];
        assert_eq!(turn_tokens(&newest_first[0]), 34);
        assert_eq!(select_history(&newest_first, 10_000, 68).len(), 2);
        assert_eq!(select_history(&newest_first, 10_000, 67).len(), 1);
        assert!(select_history(&newest_first, 10_000, 33).is_empty());
    }

    #[test]
    fn history_cost_is_bounded_whatever_the_conversation_length() {
        let long: Vec<TurnItem> = (0..10).rev().map(|s| turn(s, 1000)).collect();
        let kept = select_history(&long, 6_000, u64::MAX);
        let chars: usize = kept.iter().map(|t| t.user_message.len() + t.reply.len()).sum();
        assert!(chars <= 6_000);
        assert_eq!(kept.last().unwrap().seq, 9, "the newest turn is kept");
    }

    #[test]
    fn titles() {
        assert_eq!(parse_title("  Trip plans ").unwrap(), "Trip plans");
        assert_eq!(parse_title(&"é".repeat(MAX_TITLE_CHARS)).unwrap().chars().count(), MAX_TITLE_CHARS);
        for bad in ["", "   ", "a\nb", "tab\there", "bell\u{7}", "\u{9b}csi"] {
            assert_eq!(parse_title(bad).unwrap_err().code(), "invalid_title", "{bad:?}");
        }
        assert_eq!(parse_title(&"x".repeat(MAX_TITLE_CHARS + 1)).unwrap_err().code(), "invalid_title");
    }
}
