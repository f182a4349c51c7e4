//! SageMaker Runtime: `InvokeEndpoint` and `InvokeEndpointWithResponseStream` requests, the two
//! payload formats of LLM containers, replies, errors, and the event-stream decoder. All pure.

use crate::aws::{sign, Credentials, RequestError};
use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::Message;
use serde_json::{json, Value};
use std::time::SystemTime;

/// Where and as whom to reach SageMaker Runtime, and which endpoint to invoke.
#[derive(Debug, Clone)]
pub struct SageMakerRuntime {
    /// `https://runtime.sagemaker.<region>.amazonaws.com` or an override.
    pub base_url: String,
    pub region: String,
    pub credentials: Credentials,
    pub endpoint_name: String,
}

impl SageMakerRuntime {
    /// A signed invocation; `stream` selects `InvokeEndpointWithResponseStream`.
    pub fn invoke(
        &self,
        payload: &Value,
        stream: bool,
        now: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, RequestError> {
        let body = serde_json::to_vec(payload).map_err(RequestError::new)?;
        let operation = if stream { "invocations-response-stream" } else { "invocations" };
        let url =
            format!("{}/endpoints/{}/{operation}", self.base_url.trim_end_matches('/'), self.endpoint_name);
        let accept = if stream { "x-amzn-sagemaker-accept" } else { "accept" };
        let mut request = http::Request::post(url)
            .header("content-type", "application/json")
            .header(accept, if stream { "text/event-stream" } else { "application/json" })
            .header("content-length", body.len())
            .body(body)
            .map_err(RequestError::new)?;
        sign(&mut request, &self.credentials, &self.region, "sagemaker", now)?;
        Ok(request)
    }
}

/// The request/response shape the model container speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// OpenAI-style Messages API (current SageMaker LLM containers: TGI, vLLM, LMI).
    Messages,
    /// Hugging Face TGI `{"inputs","parameters"}`, with the conversation rendered as ChatML.
    Tgi,
}

impl PayloadFormat {
    pub fn parse(raw: &str) -> Option<PayloadFormat> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "messages" => Some(PayloadFormat::Messages),
            "tgi" => Some(PayloadFormat::Tgi),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    pub max_new_tokens: u32,
    pub temperature: f32,
}

/// The special-token strings of the ChatML template (and of the other common ones a model
/// might know). None may reach the prompt from a message's content.
pub const SPECIAL_TOKENS: &[&str] =
    &["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|start_header_id|>", "<s>", "</s>"];

/// Makes `content` unable to open or close a turn: every `<|` and `|>` (the delimiters of ChatML-style
/// special tokens) and the `<s>`/`</s>` markers get a fullwidth bar or a zero-width joiner, so the
/// text still reads the same but no tokenizer maps it to a special token.
pub fn neutralise(content: &str) -> String {
    content
        .replace("<|", "<\u{ff5c}")
        .replace("|>", "\u{ff5c}>")
        .replace("<s>", "<\u{200d}s>")
        .replace("</s>", "<\u{200d}/s>")
}

/// ChatML (`<|im_start|>role\ncontent<|im_end|>`), the template of SmolLM2, Qwen and others. Content
/// is [`neutralise`]d: a message cannot close its turn and open another.
pub fn render_chatml(messages: &[ChatMessage]) -> String {
    let mut out = String::new();
    for m in messages {
        out.push_str(&format!("<|im_start|>{}\n{}<|im_end|>\n", m.role.as_str(), neutralise(&m.content)));
    }
    out.push_str("<|im_start|>assistant\n");
    out
}

/// Estimated tokens of a text: a quarter of its characters, rounded up (the usual rule of thumb for
/// English with BPE tokenizers; the window keeps a margin for it).
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// Estimated tokens of a message in the prompt: its content plus the turn's markers and role.
pub fn estimate_message_tokens(m: &ChatMessage) -> u64 {
    estimate_tokens(&m.content) + 4
}

pub fn build_payload(
    format: PayloadFormat,
    params: &ModelParams,
    messages: &[ChatMessage],
    stream: bool,
) -> Value {
    match format {
        PayloadFormat::Messages => json!({
            "messages": messages.iter().map(|m| json!({"role": m.role.as_str(), "content": m.content})).collect::<Vec<_>>(),
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "stream": stream,
        }),
        PayloadFormat::Tgi => json!({
            "inputs": render_chatml(messages),
            "parameters": {
                "max_new_tokens": params.max_new_tokens,
                "temperature": params.temperature,
                "do_sample": params.temperature > 0.0,
                "return_full_text": false,
                "details": true,
                "stop": ["<|im_end|>"],
            },
            "stream": stream,
        }),
    }
}

/// What went wrong with a model call, in the terms the API answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The prompt is longer than the endpoint accepts (TGI's 422 "Input validation error",
    /// relayed as a 424): its limit on input plus new tokens, when it says.
    #[error("the prompt is too long for the model: {message}")]
    ContextTooLong { limit: Option<u64>, message: String },
    /// The container failed or refused the request (SageMaker `ModelError`, 424).
    #[error("the model failed: {0}")]
    Failed(String),
    #[error("the model endpoint is throttling: {0}")]
    Throttled(String),
    #[error("the model endpoint is unavailable: {0}")]
    Unavailable(String),
    #[error("the model's answer could not be read: {0}")]
    BadResponse(String),
    #[error("the model did not answer in time")]
    Timeout,
}

/// Tokens of one invocation, as the endpoint reported them (`usage` or TGI `details`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenUsage {
    /// None when the endpoint does not say (TGI reports generated tokens only).
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: u64,
}

/// A finished answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelReply {
    pub text: String,
    /// The endpoint stopped at the token limit (`finish_reason` `length`).
    pub truncated: bool,
    pub usage: Option<TokenUsage>,
}

fn usage_of(v: &Value) -> Option<TokenUsage> {
    let u = &v["usage"];
    Some(TokenUsage {
        prompt_tokens: u["prompt_tokens"].as_u64(),
        completion_tokens: u["completion_tokens"].as_u64()?,
    })
}

fn tgi_details(details: &Value) -> (bool, Option<TokenUsage>) {
    let truncated = details["finish_reason"].as_str() == Some("length");
    let usage = details["generated_tokens"]
        .as_u64()
        .map(|n| TokenUsage { prompt_tokens: None, completion_tokens: n });
    (truncated, usage)
}

/// Reads the reply of a non-streaming invocation.
pub fn parse_reply(format: PayloadFormat, body: &[u8]) -> Result<ModelReply, ModelError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| ModelError::BadResponse(format!("not JSON: {e}")))?;
    let (text, truncated, usage) = match format {
        PayloadFormat::Messages => {
            let choice = &v["choices"][0];
            (
                choice["message"]["content"].as_str(),
                choice["finish_reason"].as_str() == Some("length"),
                usage_of(&v),
            )
        }
        PayloadFormat::Tgi => {
            let first = if v.is_array() { &v[0] } else { &v };
            let (truncated, usage) = tgi_details(&first["details"]);
            (first["generated_text"].as_str(), truncated, usage)
        }
    };
    let text = text.ok_or_else(|| ModelError::BadResponse("no reply text in the response".into()))?;
    Ok(ModelReply { text: text.trim().to_owned(), truncated, usage })
}

/// The limit in a TGI "Input validation error: `inputs` tokens + `max_new_tokens` must be <= N"
/// message (relayed by SageMaker as a 424 ModelError), if this is one.
pub fn context_limit(message: &str) -> Option<u64> {
    let lower = message.to_ascii_lowercase();
    if !(lower.contains("input validation error") || lower.contains("max_new_tokens")) {
        return None;
    }
    let (_, rest) = lower.split_once("must be <=")?;
    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Interprets a non-2xx SageMaker Runtime response.
pub fn parse_error(status: u16, headers: &http::HeaderMap, body: &[u8]) -> ModelError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let kind = headers
        .get("x-amzn-errortype")
        .and_then(|h| h.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or("").to_owned())
        .or_else(|| v["__type"].as_str().map(|t| t.rsplit('#').next().unwrap_or(t).to_owned()))
        .unwrap_or_default();
    let message = v["message"]
        .as_str()
        .or_else(|| v["Message"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    let original = v["OriginalMessage"].as_str().unwrap_or("");
    if matches!(status, 400 | 413 | 422 | 424)
        && (context_limit(&message).is_some()
            || context_limit(original).is_some()
            || message.contains("Input validation error"))
    {
        let limit = context_limit(&message).or_else(|| context_limit(original));
        return ModelError::ContextTooLong { limit, message };
    }
    match (status, kind.as_str()) {
        (_, "ThrottlingException") | (429, _) => ModelError::Throttled(message),
        (_, "ModelError") | (424, _) | (_, "ModelStreamError") => ModelError::Failed(message),
        (_, "ValidationError") => ModelError::Failed(format!("endpoint refused the request: {message}")),
        (_, "ModelNotReadyException") | (_, "ServiceUnavailable") | (500.., _) => {
            ModelError::Unavailable(message)
        }
        _ => ModelError::Failed(format!("{status} {kind}: {message}")),
    }
}

/// One thing the model said while streaming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    Token(String),
    /// The end marker (`data: [DONE]`, or TGI's last event with `generated_text`): the answer is
    /// complete. A stream that ends without it was cut off.
    Done {
        truncated: bool,
        usage: Option<TokenUsage>,
    },
}

/// Incremental decoder for `InvokeEndpointWithResponseStream` bodies: AWS event-stream frames,
/// whose `PayloadPart` payloads carry the container's server-sent-event lines, which may be split
/// anywhere across parts (and frames anywhere across reads).
pub struct ModelStreamDecoder {
    format: PayloadFormat,
    frames: MessageFrameDecoder,
    buffer: bytes::BytesMut,
    line: Vec<u8>,
    /// True between frames: the next bytes are a prelude, which is checked before decoding.
    at_frame_start: bool,
    /// Messages format: the final chunk's `finish_reason` and `usage`, reported at `[DONE]`.
    truncated: bool,
    usage: Option<TokenUsage>,
}

/// Largest event-stream message accepted (the format's own limit is 16 MiB).
const MAX_MESSAGE_BYTES: u32 = 16 * 1024 * 1024;

impl ModelStreamDecoder {
    pub fn new(format: PayloadFormat) -> Self {
        ModelStreamDecoder {
            format,
            frames: MessageFrameDecoder::new(),
            buffer: bytes::BytesMut::new(),
            line: Vec::new(),
            at_frame_start: true,
            truncated: false,
            usage: None,
        }
    }

    /// Feeds bytes as they arrive; returns the events they complete.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<StreamEvent>, ModelError> {
        self.buffer.extend_from_slice(chunk);
        let mut events = Vec::new();
        loop {
            if self.at_frame_start && self.buffer.len() >= 12 {
                // Check the prelude first: a corrupt length would otherwise wait for gigabytes.
                let total = u32::from_be_bytes(self.buffer[0..4].try_into().unwrap());
                let crc = u32::from_be_bytes(self.buffer[8..12].try_into().unwrap());
                if crc32fast::hash(&self.buffer[0..8]) != crc || total > MAX_MESSAGE_BYTES {
                    return Err(ModelError::BadResponse("event-stream prelude is corrupt".into()));
                }
                self.at_frame_start = false;
            }
            match self.frames.decode_frame(&mut self.buffer) {
                Ok(DecodedFrame::Complete(message)) => {
                    self.at_frame_start = true;
                    self.message(&message, &mut events)?
                }
                Ok(DecodedFrame::Incomplete) => return Ok(events),
                Err(e) => return Err(ModelError::BadResponse(format!("event-stream frame: {e}"))),
            }
        }
    }

    fn header<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
        message
            .headers()
            .iter()
            .find(|h| h.name().as_str() == name)
            .and_then(|h| h.value().as_string().ok())
            .map(|s| s.as_str())
    }

    fn message(&mut self, message: &Message, events: &mut Vec<StreamEvent>) -> Result<(), ModelError> {
        match Self::header(message, ":message-type") {
            Some("event") if Self::header(message, ":event-type") == Some("PayloadPart") => {
                self.line.extend_from_slice(message.payload());
                while let Some(end) = self.line.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = self.line.drain(..=end).collect();
                    self.sse_line(&line, events)?;
                }
                Ok(())
            }
            Some("exception") | Some("error") => {
                let v: Value = serde_json::from_slice(message.payload()).unwrap_or(Value::Null);
                let text = v["message"].as_str().or_else(|| v["Message"].as_str()).unwrap_or("stream failed");
                let kind = Self::header(message, ":exception-type").unwrap_or("error");
                Err(ModelError::Failed(format!("{kind}: {text}")))
            }
            _ => Ok(()), // other events (none defined today) are ignored
        }
    }

    fn sse_line(&mut self, line: &[u8], events: &mut Vec<StreamEvent>) -> Result<(), ModelError> {
        let line = std::str::from_utf8(line)
            .map_err(|_| ModelError::BadResponse("stream line is not UTF-8".into()))?;
        let Some(data) = line.trim().strip_prefix("data:") else { return Ok(()) };
        let data = data.trim();
        let token = |text: Option<&str>, events: &mut Vec<StreamEvent>| {
            if let Some(t) = text.filter(|t| !t.is_empty()) {
                events.push(StreamEvent::Token(t.to_owned()));
            }
        };
        if data == "[DONE]" {
            if self.format == PayloadFormat::Messages {
                events.push(StreamEvent::Done { truncated: self.truncated, usage: self.usage });
            }
            return Ok(());
        }
        let v: Value =
            serde_json::from_str(data).map_err(|e| ModelError::BadResponse(format!("stream JSON: {e}")))?;
        if let Some(error) = v.get("error").filter(|e| !e.is_null()) {
            // TGI: {"error": "...", "error_type": "..."}; OpenAI-style: {"error": {"message"}}.
            let text = error.as_str().or_else(|| error["message"].as_str()).unwrap_or("stream error");
            return Err(ModelError::Failed(format!("error in the stream: {text}")));
        }
        match self.format {
            PayloadFormat::Messages => {
                let choice = &v["choices"][0];
                if let Some(reason) = choice["finish_reason"].as_str() {
                    self.truncated = reason == "length";
                }
                if let Some(usage) = usage_of(&v) {
                    self.usage = Some(usage);
                }
                token(choice["delta"]["content"].as_str(), events);
            }
            PayloadFormat::Tgi => {
                let special = v["token"]["special"].as_bool() == Some(true);
                token(v["token"]["text"].as_str().filter(|_| !special), events);
                if v["generated_text"].is_string() {
                    // TGI's last event carries the whole text and the details: the end marker.
                    let (truncated, usage) = tgi_details(&v["details"]);
                    events.push(StreamEvent::Done { truncated, usage });
                }
            }
        }
        Ok(())
    }
}
