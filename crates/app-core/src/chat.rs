//! Chat (the `chat` component): `POST /chat` (JSON or server-sent events),
//! `GET /conversations`, `GET /conversations/{id}`.

use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::aws::dynamodb::{ConversationItem, Conversations, TurnItem, UserItem};
use crate::aws::sagemaker::{
    build_payload, parse_error, parse_reply, ChatMessage, ModelError, ModelStreamDecoder, Role, StreamEvent,
};
use crate::config::ChatConfig;
use crate::store::{Services, StoreError};
use crate::tokens::unix_seconds;
use crate::transport::{ByteStream, EventSink, StreamingTransport, Transport, TransportError};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatBody {
    message: String,
    conversation_id: Option<String>,
}

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> ApiError {
        match e {
            ModelError::Failed(m) => ApiError::ModelFailed(m),
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

/// The earlier turns that go to the model: the newest first, while they fit in `max_chars`;
/// returned oldest first. `newest_first` holds at most `CHAT_HISTORY_TURNS` turns already.
pub fn select_history(newest_first: &[TurnItem], max_chars: usize) -> Vec<TurnItem> {
    let mut used = 0;
    let mut kept: Vec<TurnItem> = newest_first
        .iter()
        .take_while(|t| {
            used += t.user_message.chars().count() + t.reply.chars().count();
            used <= max_chars
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
        "/conversations" => {
            request.require_method(http::Method::GET)?;
            list(services, request).await
        }
        path => match path.strip_prefix("/conversations/") {
            Some(id) if !id.is_empty() && !id.contains('/') => {
                request.require_method(http::Method::GET)?;
                show(services, request, id).await
            }
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

/// A turn about to be asked: everything known before the model answers.
struct PendingTurn {
    user_id: String,
    /// The access token's email and token version: the turn is stored only while they are current.
    email: String,
    token_version: u64,
    conversation_id: String,
    title: String,
    seq: u64,
    user_message: String,
    messages: Vec<ChatMessage>,
}

async fn prepare<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<PendingTurn, ApiError> {
    request.require_method(http::Method::POST)?;
    let claims = request.access_claims(&services.config.access_tokens)?;
    let config = chat_config(services)?;
    let body: ChatBody = request.json()?;
    let message = body.message.trim().to_owned();
    if message.is_empty() {
        return Err(ApiError::InvalidMessage("message must not be empty".into()));
    }
    if message.chars().count() > config.max_message_chars {
        return Err(ApiError::MessageTooLong { max: config.max_message_chars });
    }
    let now = request.received_at;
    let (conversation_id, title, history, seq) = match body.conversation_id {
        None => (uuid::Uuid::new_v4().to_string(), message.chars().take(60).collect(), vec![], 1),
        Some(id) => {
            uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
            let found = services
                .dynamodb("GetItem", &Conversations::get(&config.table, &claims.sub, &id), now)
                .await?;
            let conversation = Conversations::from_get_response(&found).map_err(StoreError::from)?;
            let conversation = conversation.ok_or(ApiError::NotFound)?; // unknown, or someone else's
            let query = Conversations::turns(&config.table, &claims.sub, &id, Some(config.history_turns));
            let turns = Conversations::turns_from_response(&services.dynamodb("Query", &query, now).await?)
                .map_err(StoreError::from)?;
            (id, conversation.title, select_history(&turns, config.history_chars), conversation.turns + 1)
        }
    };
    let mut messages = Vec::new();
    if let Some(system) = &config.system_prompt {
        messages.push(ChatMessage { role: Role::System, content: system.clone() });
    }
    for turn in history {
        messages.push(ChatMessage { role: Role::User, content: turn.user_message });
        messages.push(ChatMessage { role: Role::Assistant, content: turn.reply });
    }
    messages.push(ChatMessage { role: Role::User, content: message.clone() });
    Ok(PendingTurn {
        user_id: claims.sub,
        email: claims.email,
        token_version: claims.ver,
        conversation_id,
        title,
        seq,
        user_message: message,
        messages,
    })
}

/// Stores the finished turn (turn and summary in one transaction) and returns the API's answer.
async fn store<T: Transport>(
    services: &Services<'_, T>,
    turn: &PendingTurn,
    reply: String,
    now: std::time::SystemTime,
) -> Result<Value, ApiError> {
    let config = chat_config(services)?;
    let item = TurnItem {
        seq: turn.seq,
        user_message: turn.user_message.clone(),
        reply,
        created_at: unix_seconds(now),
    };
    let mut write =
        Conversations::append_turn(&config.table, &turn.user_id, &turn.conversation_id, &turn.title, &item);
    // The access token must still be current (the account not deleted, its password not reset or
    // changed): checked in the same transaction, so it costs no extra round trip.
    let users = &services.config.users_table;
    let current = UserItem::condition_check_current(users, &turn.email, &turn.user_id, turn.token_version);
    if let Some(items) = write["TransactItems"].as_array_mut() {
        items.push(current);
    }
    match services.dynamodb("TransactWriteItems", &write, now).await {
        Ok(_) => Ok(json!({"conversation_id": turn.conversation_id, "turn": item.seq, "reply": item.reply})),
        Err(e) if e.is_conditional_check_failed() => {
            // Which condition failed? Only on this rare path is the user read.
            match services.find_user(&turn.email, now).await? {
                Some(u) if u.id == turn.user_id && u.token_version == turn.token_version => {
                    Err(ApiError::ConversationConflict)
                }
                _ => Err(ApiError::InvalidToken),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /chat` `{"message", "conversation_id"?}` → 200 `{"conversation_id","turn","reply"}`.
pub async fn chat<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let turn = prepare(services, request).await?;
    let config = chat_config(services)?;
    let payload = build_payload(config.format, &config.params, &turn.messages, false);
    let outgoing = config.sagemaker.invoke(&payload, false, request.received_at)?;
    let response = services.transport.send(outgoing, config.timeout).await.map_err(model_transport_error)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(parse_error(status, response.headers(), response.body()).into());
    }
    let reply = parse_reply(config.format, response.body())?;
    if reply.is_empty() {
        return Err(ModelError::BadResponse("empty reply".into()).into());
    }
    Ok(ApiResponse::json(200, &store(services, &turn, reply, request.received_at).await?))
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
    let turn = prepare(&services, request).await?;
    let config = chat_config(&services)?;
    let payload = build_payload(config.format, &config.params, &turn.messages, true);
    let outgoing = config.sagemaker.invoke(&payload, true, request.received_at)?;
    let response =
        services.transport.send_streaming(outgoing, config.timeout).await.map_err(model_transport_error)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut body = response.into_body();
    if !(200..300).contains(&status) {
        let mut bytes = Vec::new();
        while let Some(Ok(chunk)) = body.next_chunk().await {
            bytes.extend(chunk);
        }
        return Err(parse_error(status, &headers, &bytes).into());
    }
    let content_type = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/vnd.amazon.eventstream") {
        return Err(ModelError::BadResponse(format!("expected an event stream, got {content_type:?}")).into());
    }
    Ok(ChatStream {
        services,
        turn,
        body,
        decoder: ModelStreamDecoder::new(config.format),
        received_at: request.received_at,
    })
}

impl<T: StreamingTransport> ChatStream<'_, T> {
    /// Sends `start`, then a `token` event per piece of the answer, then stores the whole turn
    /// and sends `done` with what `POST /chat` would have returned. On any failure it sends one
    /// `error` event and stores nothing; if the client goes away it stops and stores nothing.
    pub async fn pump(mut self, sink: &mut impl EventSink) -> Result<(), ApiError> {
        if !sink.send("start", &json!({"conversation_id": self.turn.conversation_id})).await {
            return Ok(());
        }
        let outcome = self.forward(sink).await;
        let result = match outcome {
            Ok(Some(reply)) => store(&self.services, &self.turn, reply, self.received_at).await.map(Some),
            Ok(None) => return Ok(()), // the client left: nothing stored
            Err(e) => Err(e),
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
    async fn forward(&mut self, sink: &mut impl EventSink) -> Result<Option<String>, ApiError> {
        let mut reply = String::new();
        'read: while let Some(chunk) = self.body.next_chunk().await {
            let chunk = chunk.map_err(model_transport_error)?;
            for event in self.decoder.feed(&chunk)? {
                match event {
                    StreamEvent::Token(text) => {
                        reply.push_str(&text);
                        if !sink.send("token", &json!({"text": text})).await {
                            return Ok(None);
                        }
                    }
                    StreamEvent::Done => break 'read,
                }
            }
        }
        let reply = reply.trim().to_owned();
        if reply.is_empty() {
            return Err(ModelError::BadResponse("empty reply".into()).into());
        }
        Ok(Some(reply))
    }
}

/// `GET /conversations` → 200 `{"conversations":[{"id","title","created_at","updated_at","turns"}]}`,
/// most recently updated first.
pub async fn list<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let claims = request.access_claims(&services.config.access_tokens)?;
    let config = chat_config(services)?;
    let body = services
        .dynamodb("Query", &Conversations::list(&config.table, &claims.sub), request.received_at)
        .await?;
    let mut conversations = Conversations::from_list_response(&body).map_err(StoreError::from)?;
    conversations.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
    let items: Vec<Value> = conversations.iter().map(summary).collect();
    Ok(ApiResponse::json(200, &json!({"conversations": items})))
}

fn summary(c: &ConversationItem) -> Value {
    json!({"id": c.id, "title": c.title, "created_at": c.created_at, "updated_at": c.updated_at, "turns": c.turns})
}

/// `GET /conversations/{id}` → 200 summary plus `"messages"`; another user's id is 404.
pub async fn show<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
    id: &str,
) -> Result<ApiResponse, ApiError> {
    let claims = request.access_claims(&services.config.access_tokens)?;
    let config = chat_config(services)?;
    uuid::Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    let now = request.received_at;
    let found =
        services.dynamodb("GetItem", &Conversations::get(&config.table, &claims.sub, id), now).await?;
    let conversation =
        Conversations::from_get_response(&found).map_err(StoreError::from)?.ok_or(ApiError::NotFound)?;
    let query = Conversations::turns(&config.table, &claims.sub, id, None);
    let turns = Conversations::turns_from_response(&services.dynamodb("Query", &query, now).await?)
        .map_err(StoreError::from)?;
    let mut out = summary(&conversation);
    out["messages"] = turns
        .iter()
        .flat_map(|t| {
            [
                json!({"role": "user", "content": t.user_message, "turn": t.seq, "created_at": t.created_at}),
                json!({"role": "assistant", "content": t.reply, "turn": t.seq, "created_at": t.created_at}),
            ]
        })
        .collect();
    Ok(ApiResponse::json(200, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(seq: u64, chars: usize) -> TurnItem {
        TurnItem { seq, user_message: "u".repeat(chars / 2), reply: "r".repeat(chars / 2), created_at: seq }
    }

    #[test]
    fn history_keeps_the_newest_turns_that_fit() {
        let newest_first = vec![turn(5, 100), turn(4, 100), turn(3, 100), turn(2, 100)];
        let kept = select_history(&newest_first, 250);
        assert_eq!(kept.iter().map(|t| t.seq).collect::<Vec<_>>(), vec![4, 5]);
        assert!(select_history(&newest_first, 50).is_empty());
        assert_eq!(select_history(&newest_first, 10_000).len(), 4);
        assert_eq!(select_history(&[], 100), vec![]);
    }

    #[test]
    fn history_cost_is_bounded_whatever_the_conversation_length() {
        let long: Vec<TurnItem> = (0..10).rev().map(|s| turn(s, 1000)).collect();
        let kept = select_history(&long, 6_000);
        let chars: usize = kept.iter().map(|t| t.user_message.len() + t.reply.len()).sum();
        assert!(chars <= 6_000);
        assert_eq!(kept.last().unwrap().seq, 9, "the newest turn is kept");
    }
}
