//! Chat through the real chat component, the local SageMaker-compatible endpoint (deterministic
//! mode unless said otherwise) and DynamoDB Local.

use api_tests::{free_port, spawn_app, spawn_app_with, sse_events, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};

const JSON: &str = "application/json";
const SSE: &str = "text/event-stream";

/// (access token, user id) of a fresh user.
fn user(app: &TestApp, tag: &str) -> (String, String) {
    let (_, _, tokens) = app.signed_up_user(tag);
    (tokens["access_token"].as_str().unwrap().to_owned(), tokens["user_id"].as_str().unwrap().to_owned())
}

#[test]
fn chat_needs_a_valid_access_token() {
    let app = spawn_app();
    let r = app.post_json("/chat", &json!({"message": "hello"}));
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["code"], "invalid_token");
    assert_eq!(app.chat("not-a-token", &json!({"message": "hello"}), JSON).status, 401);
    assert_eq!(app.get("/conversations").status, 401);
}

#[test]
fn a_turn_is_answered_and_stored_and_the_next_turn_gets_it_as_context() {
    let app = spawn_app();
    let (token, user_id) = user(app, "chat");
    let first = app.chat(&token, &json!({"message": "hello there"}), JSON);
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["reply"], "echo 1 (with system prompt): hello there");
    assert_eq!(first.body["turn"], 1);
    let id = first.body["conversation_id"].as_str().unwrap().to_owned();

    let second = app.chat(&token, &json!({"message": "and again", "conversation_id": id}), JSON);
    assert_eq!(second.status, 200, "{}", second.text);
    // The deterministic model counts the user turns it was sent: the first one came along.
    assert_eq!(second.body["reply"], "echo 2 (with system prompt): and again");
    assert_eq!(second.body["turn"], 2);

    let shown = app.get_as(&token, &format!("/conversations/{id}"));
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.body["turns"], 2);
    assert_eq!(shown.body["title"], "hello there");
    let contents: Vec<&str> =
        shown.body["messages"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(
        contents,
        [
            "hello there",
            "echo 1 (with system prompt): hello there",
            "and again",
            "echo 2 (with system prompt): and again"
        ]
    );
    let list = app.get_as(&token, "/conversations");
    assert_eq!(list.body["conversations"][0]["id"], id.as_str());
    assert_eq!(app.conversation_items(&user_id).len(), 3, "one summary and two turns");
}

#[test]
fn history_sent_to_the_model_is_bounded() {
    let app = spawn_app_with(&[("CHAT_HISTORY_TURNS", "2")], &[]);
    let (token, _) = user(&app, "window");
    let mut id = None;
    let mut replies = vec![];
    for i in 0..5 {
        let mut body = json!({"message": format!("m{i}")});
        if let Some(id) = &id {
            body["conversation_id"] = json!(id);
        }
        let r = app.chat(&token, &body, JSON);
        assert_eq!(r.status, 200, "{}", r.text);
        id = Some(r.body["conversation_id"].as_str().unwrap().to_owned());
        replies.push(r.body["reply"].as_str().unwrap().to_owned());
    }
    // At most 2 earlier turns + the new one, however long the conversation grows.
    assert_eq!(
        replies,
        [
            "echo 1 (with system prompt): m0",
            "echo 2 (with system prompt): m1",
            "echo 3 (with system prompt): m2",
            "echo 3 (with system prompt): m3",
            "echo 3 (with system prompt): m4"
        ]
    );
}

#[test]
fn streaming_sends_tokens_then_the_stored_reply() {
    let app = spawn_app();
    let (token, user_id) = user(app, "stream");
    let r = app.chat(&token, &json!({"message": "stream this answer please"}), SSE);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.headers["content-type"], SSE);
    let events = sse_events(&r.text);
    assert_eq!(events[0].0, "start");
    let id = events[0].1["conversation_id"].as_str().unwrap().to_owned();
    let tokens: Vec<&str> =
        events.iter().filter(|(e, _)| e == "token").map(|(_, d)| d["text"].as_str().unwrap()).collect();
    assert!(tokens.len() >= 5, "several token events: {events:?}");
    let (last, done) = events.last().unwrap();
    assert_eq!(last, "done");
    assert_eq!(done["reply"], "echo 1 (with system prompt): stream this answer please");
    assert_eq!(tokens.concat().trim(), done["reply"].as_str().unwrap());
    assert_eq!(done["conversation_id"], id.as_str());
    let shown = app.get_as(&token, &format!("/conversations/{id}"));
    assert_eq!(shown.body["messages"][1]["content"], done["reply"]);
    assert_eq!(app.conversation_items(&user_id).len(), 2);
}

#[test]
fn the_tgi_payload_format_works_too() {
    let app = spawn_app_with(&[("MODEL_PAYLOAD_FORMAT", "tgi")], &[]);
    let (token, _) = user(&app, "tgi");
    let r = app.chat(&token, &json!({"message": "hi tgi"}), JSON);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["reply"], "echo 1 (with system prompt): hi tgi");
    let s = app.chat(
        &token,
        &json!({"message": "stream tgi", "conversation_id": r.body["conversation_id"]}),
        SSE,
    );
    assert_eq!(sse_events(&s.text).last().unwrap().1["reply"], "echo 2 (with system prompt): stream tgi");
}

#[test]
fn another_users_conversation_is_404() {
    let app = spawn_app();
    let (alice, _) = user(app, "alice");
    let (mallory, mallory_id) = user(app, "mallory");
    let r = app.chat(&alice, &json!({"message": "secret plans"}), JSON);
    let id = r.body["conversation_id"].as_str().unwrap();
    assert_eq!(app.get_as(&mallory, &format!("/conversations/{id}")).status, 404);
    let post = app.chat(&mallory, &json!({"message": "let me in", "conversation_id": id}), JSON);
    assert_eq!(post.status, 404);
    assert_eq!(post.body["error"]["code"], "not_found");
    assert_eq!(app.get_as(&mallory, "/conversations").body["conversations"], json!([]));
    assert!(app.conversation_items(&mallory_id).is_empty());
    assert_eq!(app.get_as(&alice, "/conversations/not-a-conversation").status, 404);
}

#[test]
fn message_limits() {
    let app = spawn_app();
    let (token, user_id) = user(app, "limits");
    let long = app.chat(&token, &json!({"message": "x".repeat(4001)}), JSON);
    assert_eq!(long.status, 413);
    assert_eq!(long.body["error"]["code"], "message_too_long");
    let empty = app.chat(&token, &json!({"message": "   "}), JSON);
    assert_eq!(empty.status, 400);
    assert_eq!(empty.body["error"]["code"], "invalid_message");
    assert_eq!(app.chat(&token, &json!({"text": "hi"}), JSON).status, 400);
    assert!(app.conversation_items(&user_id).is_empty());
}

/// Asserts a model failure answers `status`/`code` within `limit` (JSON and streaming) and stores nothing.
fn assert_model_failure(app: &TestApp, status: u16, code: &str, limit: Duration) {
    let (token, user_id) = user(app, code);
    for accept in [JSON, SSE] {
        let started = Instant::now();
        let r = app.chat(&token, &json!({"message": "are you there?"}), accept);
        let took = started.elapsed();
        assert_eq!(r.status, status, "{accept}: {}", r.text);
        assert_eq!(r.body["error"]["code"], code, "{accept}: {}", r.text);
        assert!(took < limit, "{accept}: took {took:?}");
    }
    assert!(app.conversation_items(&user_id).is_empty(), "a failed turn was stored");
}

#[test]
fn a_model_endpoint_that_is_down_is_a_quick_503() {
    let dead = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_app_with(&[], &["--model-endpoint", &dead]);
    assert_model_failure(&app, 503, "model_unavailable", Duration::from_secs(5));
}

#[test]
fn a_model_slower_than_the_timeout_is_a_504_at_the_timeout() {
    // FAULT INJECTION: the local endpoint waits 5 s; the component's limit is 1 s.
    let app = spawn_app_with(&[("MODEL_TIMEOUT_MS", "1000")], &["--model-arg=--delay-ms=5000"]);
    assert_model_failure(&app, 504, "model_timeout", Duration::from_millis(3000));
}

#[test]
fn a_model_answering_garbage_is_a_502() {
    // FAULT INJECTION: the local endpoint answers 200 with HTML.
    let app = spawn_app_with(&[], &["--model-arg=--garbage"]);
    assert_model_failure(&app, 502, "model_error", Duration::from_secs(5));
}

#[test]
fn a_client_that_leaves_mid_stream_leaves_no_half_written_turn() {
    use std::io::{Read, Write};
    let app = spawn_app_with(&[], &["--model-arg=--token-delay-ms=300"]);
    let (token, user_id) = user(&app, "leaver");
    let body = json!({"message": "one two three four five six seven eight"}).to_string();
    let addr = app.address.trim_start_matches("http://");
    let mut socket = std::net::TcpStream::connect(addr).unwrap();
    write!(
        socket,
        "POST /chat HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\naccept: text/event-stream\r\nx-forwarded-for: 10.1.2.3\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("event: token") {
        let n = socket.read(&mut buf).unwrap();
        assert!(n > 0, "stream ended early: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    drop(socket); // leave after the first token
    std::thread::sleep(Duration::from_secs(5)); // longer than the whole answer would take
    let items = app.conversation_items(&user_id);
    // Either nothing, or (if the turn completed anyway) the whole turn with its summary.
    match items.len() {
        0 => {}
        2 => assert_eq!(
            items.iter().find(|i| i["sk"]["S"].as_str().unwrap().starts_with("turn#")).unwrap()["reply"]["S"],
            "echo 1 (with system prompt): one two three four five six seven eight"
        ),
        _ => panic!("half-written turn: {items:?}"),
    }
}

#[test]
fn smoke_the_real_model_answers() {
    // A generous model limit: on two shared cores the real model competes with the whole suite
    // (a dozen stacks start in parallel), and this test is about answering, not latency.
    let app = spawn_app_with(
        &[("MODEL_MAX_NEW_TOKENS", "24"), ("MODEL_TEMPERATURE", "0"), ("MODEL_TIMEOUT_MS", "120000")],
        &["--real-model"],
    );
    let (token, _) = user(&app, "smollm");
    let r = app.chat(&token, &json!({"message": "What is the capital of France?"}), JSON);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.body["reply"].as_str().unwrap().trim().is_empty());
    let s = app.chat(
        &token,
        &json!({"message": "And the capital of Italy?", "conversation_id": r.body["conversation_id"]}),
        SSE,
    );
    let events = sse_events(&s.text);
    assert_eq!(events.last().unwrap().0, "done", "{events:?}");
    assert!(events.iter().filter(|(e, _)| e == "token").count() >= 1);
}

#[test]
fn the_local_endpoint_checks_sigv4_when_asked() {
    // The components sign with AWS_SECRET_ACCESS_KEY=local (spin.toml's local default).
    let app = spawn_app_with(&[], &["--model-arg=--sigv4-secret=local"]);
    let (token, _) = user(&app, "sigv4");
    let r = app.chat(&token, &json!({"message": "signed"}), JSON);
    assert_eq!(r.status, 200, "{}", r.text);
    // The endpoint refuses a signature made with another secret (403 InvalidSignatureException),
    // which the component reports as a model failure.
    let wrong =
        spawn_app_with(&[("AWS_SECRET_ACCESS_KEY", "not-the-secret")], &["--model-arg=--sigv4-secret=local"]);
    let (token, user_id) = user(&wrong, "sigv4bad");
    let r = wrong.chat(&token, &json!({"message": "forged"}), JSON);
    assert_eq!(r.status, 502, "{}", r.text);
    assert!(wrong.logged("signature does not match"), "the cause is logged");
    assert!(wrong.conversation_items(&user_id).is_empty());
}
