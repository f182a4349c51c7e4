//! SageMaker payloads, replies, errors and event-stream decoding.
//!
//! Fixtures were recorded from the local endpoint, e.g.:
//!   node model-endpoint/server.mjs --port 8303 --deterministic &
//!   curl -s localhost:8303/endpoints/local-chat/invocations-response-stream \
//!        -d '{"messages":[{"role":"user","content":"split me please"}]}' > stream-messages.bin

use app_core::aws::sagemaker::*;
use app_core::aws::Credentials;
use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sagemaker").join(name)).unwrap()
}

fn conversation() -> Vec<ChatMessage> {
    vec![
        ChatMessage { role: Role::System, content: "Be brief.".into() },
        ChatMessage { role: Role::User, content: "Hi".into() },
        ChatMessage { role: Role::Assistant, content: "Hello!".into() },
        ChatMessage { role: Role::User, content: "2+2?".into() },
    ]
}

const PARAMS: ModelParams = ModelParams { max_new_tokens: 64, temperature: 0.2 };

#[test]
fn messages_payload() {
    let p = build_payload(PayloadFormat::Messages, &PARAMS, &conversation(), false);
    assert_eq!(p["messages"][0], serde_json::json!({"role": "system", "content": "Be brief."}));
    assert_eq!(p["messages"][3]["content"], "2+2?");
    assert_eq!(p["max_tokens"], 64);
    assert!((p["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6);
    assert_eq!(p["stream"], false);
}

#[test]
fn tgi_payload_renders_chatml() {
    let p = build_payload(PayloadFormat::Tgi, &PARAMS, &conversation(), true);
    assert_eq!(
        p["inputs"],
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"
    );
    assert_eq!(p["parameters"]["max_new_tokens"], 64);
    assert_eq!(p["parameters"]["return_full_text"], false);
    assert_eq!(p["stream"], true);
}

#[test]
fn replies_in_both_formats() {
    assert_eq!(
        parse_reply(PayloadFormat::Messages, &fixture("reply-messages.json")).unwrap(),
        "echo 1 (no system prompt): hello"
    );
    assert_eq!(
        parse_reply(PayloadFormat::Tgi, &fixture("reply-tgi.json")).unwrap(),
        "echo 1 (no system prompt): hello"
    );
    assert!(matches!(parse_reply(PayloadFormat::Messages, b"<html>"), Err(ModelError::BadResponse(_))));
    assert!(matches!(parse_reply(PayloadFormat::Tgi, br#"{"choices":[]}"#), Err(ModelError::BadResponse(_))));
}

#[test]
fn errors_map_to_kinds() {
    let h = |t: &str| {
        let mut m = http::HeaderMap::new();
        m.insert("x-amzn-errortype", format!("{t}:http://internal.amazon.com/coral/").parse().unwrap());
        m
    };
    let none = http::HeaderMap::new();
    assert!(
        matches!(parse_error(424, &h("ModelError"), br#"{"message":"boom"}"#), ModelError::Failed(m) if m == "boom")
    );
    assert!(matches!(
        parse_error(400, &h("ThrottlingException"), br#"{"message":"slow"}"#),
        ModelError::Throttled(_)
    ));
    assert!(matches!(
        parse_error(400, &h("ValidationError"), br#"{"message":"no endpoint"}"#),
        ModelError::Failed(_)
    ));
    assert!(matches!(parse_error(503, &none, b"down"), ModelError::Unavailable(_)));
    assert!(matches!(parse_error(429, &none, b""), ModelError::Throttled(_)));
}

#[test]
fn invocation_requests_are_signed_for_sagemaker() {
    let runtime = SageMakerRuntime {
        base_url: "https://runtime.sagemaker.eu-west-1.amazonaws.com".into(),
        region: "eu-west-1".into(),
        credentials: Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: "s".into(),
            session_token: None,
        },
        endpoint_name: "chat-llm".into(),
    };
    let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let r = runtime.invoke(&serde_json::json!({"inputs": "x"}), false, t).unwrap();
    assert_eq!(r.uri(), "https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/chat-llm/invocations");
    assert_eq!(r.headers()["accept"], "application/json");
    let auth = r.headers()["authorization"].to_str().unwrap();
    assert!(auth.contains("/eu-west-1/sagemaker/aws4_request"), "{auth}");
    let s = runtime.invoke(&serde_json::json!({}), true, SystemTime::now()).unwrap();
    assert!(s.uri().path().ends_with("/invocations-response-stream"));
    assert_eq!(s.headers()["x-amzn-sagemaker-accept"], "text/event-stream");
}

fn tokens(events: Vec<StreamEvent>) -> String {
    events
        .into_iter()
        .map(|e| match e {
            StreamEvent::Token(t) => t,
            StreamEvent::Done => "<DONE>".into(),
        })
        .collect()
}

#[test]
fn recorded_streams_decode_in_both_formats_whatever_the_read_sizes() {
    for (file, format, expected) in [
        ("stream-messages.bin", PayloadFormat::Messages, "echo 1 (no system prompt): split me please<DONE>"),
        ("stream-tgi.bin", PayloadFormat::Tgi, "echo 1 (no system prompt): split me please"),
    ] {
        let bytes = fixture(file);
        for read_size in [1, 7, 64, bytes.len()] {
            let mut decoder = ModelStreamDecoder::new(format);
            let mut events = Vec::new();
            for chunk in bytes.chunks(read_size) {
                events.extend(decoder.feed(chunk).unwrap());
            }
            assert_eq!(tokens(events), expected, "{file} read {read_size} bytes at a time");
        }
    }
}

fn frame(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut m = Message::new(payload.to_vec());
    for (k, v) in headers {
        m = m.add_header(Header::new(k.to_string(), HeaderValue::String(v.to_string().into())));
    }
    let mut out = Vec::new();
    write_message_to(&m, &mut out).unwrap();
    out
}

fn part(payload: &[u8]) -> Vec<u8> {
    frame(
        &[
            (":message-type", "event"),
            (":event-type", "PayloadPart"),
            (":content-type", "application/octet-stream"),
        ],
        payload,
    )
}

#[test]
fn a_json_line_split_across_two_payload_parts_is_reassembled() {
    // Frames written by the smithy encoder (independent of the local endpoint's).
    let line = br#"data: {"choices":[{"delta":{"content":"Hello"}}]}"#;
    let mut bytes = part(&line[..20]);
    bytes.extend(part(&[&line[20..], b"\n\n".as_slice()].concat()));
    bytes.extend(part(b"data: [DONE]\n\n"));
    let mut decoder = ModelStreamDecoder::new(PayloadFormat::Messages);
    assert_eq!(decoder.feed(&bytes[..30]).unwrap(), vec![]);
    assert_eq!(tokens(decoder.feed(&bytes[30..]).unwrap()), "Hello<DONE>");
}

#[test]
fn stream_exceptions_and_garbage_are_errors() {
    let exception = frame(
        &[
            (":message-type", "exception"),
            (":exception-type", "ModelStreamError"),
            (":content-type", "application/json"),
        ],
        br#"{"message":"the model crashed"}"#,
    );
    let mut decoder = ModelStreamDecoder::new(PayloadFormat::Tgi);
    assert!(
        matches!(decoder.feed(&exception), Err(ModelError::Failed(m)) if m.contains("the model crashed"))
    );
    let mut decoder = ModelStreamDecoder::new(PayloadFormat::Tgi);
    assert!(decoder.feed(&[0xff; 64]).is_err());
    let mut decoder = ModelStreamDecoder::new(PayloadFormat::Tgi);
    assert!(decoder.feed(&part(b"data: {not json\n")).is_err());
    // TGI special tokens are not text.
    let mut decoder = ModelStreamDecoder::new(PayloadFormat::Tgi);
    let special = part(b"data:{\"token\":{\"text\":\"</s>\",\"special\":true}}\n\n");
    assert_eq!(decoder.feed(&special).unwrap(), vec![]);
}
