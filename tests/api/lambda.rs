//! The AWS functions as Lambda runs them (scripts/lambda-local): each function's image layout
//! read-only but /tmp, its entrypoint, the real Spin, the real AWS Lambda Web Adapter as an
//! extension, cargo-lambda's Runtime API emulator; driven with API Gateway HTTP API payload-2.0
//! events and Function URL requests (buffered and response-streamed). Runs under the Spin
//! runtime only (the functions run Spin); under wasmtime it reports itself skipped.

use api_tests::{repo_root, runtime, spawn_app_with, sse_events, unique_email, Runtime, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The system prompt has spaces, quotes, a glob and a backslash: it must arrive as one value.
const SYSTEM_PROMPT: &str = r#"You are a "helpful" assistant; answer *briefly* \ kindly."#;
/// The login function's private key (a test-only pair, tests/fixtures/token-keys); its JWKS is
/// every function's TOKEN_PUBLIC_KEYS. Handed to scripts/lambda-local as the template's secret and
/// parameter (`--token-keys-json`, a private file), so the template decides who gets which half.
const SIGNING_KEY: &str = include_str!("../fixtures/token-keys/a.pem");

struct Functions {
    /// Template function name → emulator base URL.
    urls: BTreeMap<String, String>,
    log_file: std::path::PathBuf,
    child: Child,
    _stack: TestApp,
}

/// Every setting the components read, with a value (an unusual one where it can be observed).
fn settings() -> Value {
    json!({
        "TOKEN_ISSUER": "https://issuer.lambda.test",
        "TOKEN_AUDIENCE": "lambda-test-api",
        "ACCESS_TOKEN_TTL_SECONDS": "600",
        "REFRESH_TOKEN_TTL_SECONDS": "86400",
        "DYNAMODB_TIMEOUT_MS": "15000",
        "THROTTLE_WINDOW_SECONDS": "900",
        "LOGIN_SLOWDOWN_AFTER": "3",
        "LOGIN_BLOCK_AFTER": "10",
        "ADDRESS_BLOCK_AFTER": "100",
        "REGISTRATIONS_PER_ADDRESS": "4",
        "CLIENT_IP_HEADER": "x-forwarded-for",
        "CLIENT_IP_HOPS": "1",
        "MODEL_MAX_NEW_TOKENS": "64",
        "MODEL_TEMPERATURE": "0.1",
        "MODEL_SYSTEM_PROMPT": SYSTEM_PROMPT,
        "CHAT_HISTORY_TURNS": "4",
        "CHAT_HISTORY_CHARS": "2000",
        "CHAT_MAX_MESSAGE_CHARS": "1000",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        // Mail settings (the template turns REQUIRE_VERIFIED_EMAIL on; these flows log in right
        // after registering: verification is tested in recovery.rs).
        "REQUIRE_VERIFIED_EMAIL": "false",
        "MAIL_TIMEOUT_MS": "5000",
        "VERIFY_TOKEN_TTL_SECONDS": "86400",
        "RESET_TOKEN_TTL_SECONDS": "1800",
        "FORGOT_MIN_MS": "100",
        "FORGOT_PER_ADDRESS": "10",
        "FORGOT_PER_EMAIL": "3",
        "RESEND_PER_ACCOUNT": "3",
    })
}

/// Taken shared by every test that uses the functions (for the rest of its thread: each test runs
/// on its own), and alone by the one that ends a sandbox, so no invocation is in flight then.
static TURNS: std::sync::RwLock<()> = std::sync::RwLock::new(());

thread_local! {
    static TURN: std::cell::RefCell<Option<std::sync::RwLockReadGuard<'static, ()>>> =
        const { std::cell::RefCell::new(None) };
}

fn functions() -> Option<&'static Functions> {
    let f = started()?;
    TURN.with(|turn| {
        turn.borrow_mut().get_or_insert_with(|| TURNS.read().unwrap_or_else(|e| e.into_inner()));
    });
    Some(f)
}

fn started() -> Option<&'static Functions> {
    // Started once; a failure to start is kept and reported by every test (not retried).
    static FUNCTIONS: OnceLock<Result<Option<Functions>, String>> = OnceLock::new();
    let started = FUNCTIONS.get_or_init(|| {
        std::panic::catch_unwind(start).map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or(e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
    });
    match started {
        Ok(functions) => functions.as_ref(),
        Err(why) => panic!("the functions did not start: {why}"),
    }
}

fn start() -> Option<Functions> {
    {
        {
            if runtime() != Runtime::Spin {
                eprintln!(
                    "SKIPPED: lambda (the emulated functions run Spin; this run is under {:?})",
                    runtime()
                );
                return None;
            }
            let uid = Command::new("id").arg("-u").output().unwrap().stdout;
            if String::from_utf8_lossy(&uid).trim() != "0" {
                eprintln!("SKIPPED: lambda (mount namespaces need root)");
                return None;
            }
            // DynamoDB Local and a deterministic model endpoint that streams slowly enough to see.
            let app = spawn_app_with(&[], &["--model-arg=--token-delay-ms=40"]);
            let dir = std::env::temp_dir().join(format!("lambda-tests-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let env_file = dir.join("env.json");
            std::fs::write(&env_file, settings().to_string()).unwrap();
            let keys_file = dir.join("token-keys.json");
            {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let keys = json!({"private": SIGNING_KEY, "jwks": crate::tokens::jwks_of(&[SIGNING_KEY])});
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&keys_file)
                    .unwrap();
                f.write_all(keys.to_string().as_bytes()).unwrap();
            }
            let log_file = dir.join("functions.log");
            let mut child = Command::new(repo_root().join(".tools/checks-venv/bin/python"))
                .arg(repo_root().join("scripts/lambda-local"))
                .args(["up", "--exit-with-parent", "--dynamodb-endpoint", &app.dynamodb])
                .args(["--model-endpoint", &app.model])
                // The register function mails through the stack's local SES (the machine reaches no AWS).
                .args(["--env", &format!("AWS_ENDPOINT_URL_SES={}", app.mail), "--env-json"])
                .arg(&env_file)
                .arg("--token-keys-json")
                .arg(&keys_file)
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&log_file).unwrap())
                .spawn()
                .expect("scripts/lambda-local runs");
            let mut urls = BTreeMap::new();
            for line in BufReader::new(child.stdout.take().unwrap()).lines() {
                let line = line.unwrap();
                if line == "ready" {
                    break;
                }
                if let Some(rest) = line.strip_prefix("function ") {
                    let parts: Vec<&str> = rest.split_whitespace().collect();
                    urls.insert(parts[0].to_owned(), parts[3].to_owned());
                }
            }
            assert!(urls.len() >= 4, "lambda-local did not start the functions: see {}", log_file.display());
            Some(Functions { urls, log_file, child, _stack: app })
        }
    }
}

/// An API Gateway HTTP API payload-2.0 event as API Gateway sends it to a function.
fn event(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>, source_ip: &str) -> Value {
    let mut h = json!({"host": "api.example", "x-forwarded-for": source_ip});
    for (k, v) in headers {
        h[*k] = json!(v);
    }
    if body.is_some() {
        h["content-type"] = json!("application/json");
    }
    let (raw_path, query) = path.split_once('?').unwrap_or((path, ""));
    json!({
        "version": "2.0", "routeKey": format!("{method} {raw_path}"), "rawPath": raw_path,
        "rawQueryString": query, "headers": h,
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": "api.example",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": "api-tests"},
            "requestId": unique_email("req"), "routeKey": format!("{method} {raw_path}"), "stage": "$default",
            "time": "02/Dec/2026:05:00:00 +0000", "timeEpoch": 1_796_000_000_000u64,
        },
        "body": body.map(|b| b.to_string()), "isBase64Encoded": false,
    })
}

struct Answer {
    status: u16,
    headers: Value,
    body: Value,
    text: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(90)))
        .build()
        .into()
}

/// Invokes `function` with an API Gateway event and reads its payload-2.0 response.
fn invoke(f: &Functions, function: &str, event: &Value) -> Answer {
    let url = format!("{}/2015-03-31/functions/_/invocations", f.urls[function]);
    let mut response = agent().post(&url).send(event.to_string()).expect("the emulator answers");
    let text = response.body_mut().read_to_string().unwrap();
    let payload: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{function} did not answer a payload-2.0 response ({e}): {text:?}"));
    assert!(payload["statusCode"].is_u64(), "not a payload-2.0 response: {payload}");
    let text = payload["body"].as_str().unwrap_or("").to_owned();
    Answer {
        status: payload["statusCode"].as_u64().unwrap() as u16,
        headers: payload["headers"].clone(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// API Gateway's routing: each route goes to the function the template gives it.
fn api(f: &Functions, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Answer {
    let function = match path.split('/').nth(1).unwrap_or("") {
        "register" | "me" => "RegisterFunction",
        "chat" | "conversations" => "ChatFunction",
        _ => "LoginFunction",
    };
    invoke(f, function, &event(method, path, headers, body, "198.51.100.7"))
}

fn signed_up(f: &Functions, tag: &str) -> (String, String, Value) {
    let email = unique_email(tag);
    let password = format!("a good password {tag}");
    let creds = json!({"email": email, "password": password});
    let r = api(f, "POST", "/register", &[], Some(&creds));
    assert_eq!(r.status, 201, "{}", r.text);
    let login = api(f, "POST", "/login", &[], Some(&creds));
    assert_eq!(login.status, 200, "{}", login.text);
    (email, password, login.body)
}

#[test]
fn accounts_and_sessions_through_api_gateway_events() {
    let Some(f) = functions() else { return };
    let (email, password, tokens) = signed_up(f, "lambda-acct");
    // Settings reached the component: the issuer, audience and lifetimes given to the function.
    assert_eq!(tokens["expires_in"], 600);
    assert_eq!(tokens["refresh_expires_in"], 86400);
    let claims = tokens["access_token"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
    let claims: Value = serde_json::from_slice(&base64_url(&claims)).unwrap();
    assert_eq!(claims["iss"], "https://issuer.lambda.test");
    assert_eq!(claims["aud"], "lambda-test-api");
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let me = api(f, "GET", "/me", &[("authorization", &bearer)], None);
    assert_eq!((me.status, me.body["email"].as_str()), (200, Some(email.as_str())));
    assert!(me.headers["x-request-id"].is_string(), "request id: {}", me.headers);
    let duplicate = api(f, "POST", "/register", &[], Some(&json!({"email": email, "password": password})));
    assert_eq!((duplicate.status, duplicate.body["error"]["code"].as_str()), (409, Some("email_taken")));
    let refresh = json!({"refresh_token": tokens["refresh_token"]});
    let rotated = api(f, "POST", "/token/refresh", &[], Some(&refresh));
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let logout =
        api(f, "POST", "/logout", &[], Some(&json!({"refresh_token": rotated.body["refresh_token"]})));
    assert_eq!(logout.status, 204);
    let after =
        api(f, "POST", "/token/refresh", &[], Some(&json!({"refresh_token": rotated.body["refresh_token"]})));
    assert_eq!((after.status, after.body["error"]["code"].as_str()), (401, Some("invalid_refresh_token")));
    let wrong = api(f, "POST", "/login", &[], Some(&json!({"email": email, "password": "not the password"})));
    assert_eq!((wrong.status, wrong.body["error"]["code"].as_str()), (401, Some("invalid_credentials")));
    let delete = api(f, "DELETE", "/me", &[("authorization", &bearer)], Some(&json!({"password": password})));
    assert_eq!(delete.status, 204, "{}", delete.text);
}

fn base64_url(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = vec![];
    for c in s.bytes() {
        bits = (bits << 6) | alphabet.iter().position(|&a| a == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[test]
fn errors_cors_and_request_ids_are_the_apis() {
    let Some(f) = functions() else { return };
    let bad = api(f, "POST", "/register", &[], Some(&json!({"email": "x"})));
    assert_eq!((bad.status, bad.body["error"]["code"].as_str()), (400, Some("malformed_json")));
    let text = invoke(
        f,
        "RegisterFunction",
        &json!({"version": "2.0", "rawPath": "/register", "routeKey": "POST /register", "rawQueryString": "",
                "headers": {"content-type": "text/plain"}, "body": "hi", "isBase64Encoded": false,
                "requestContext": {"http": {"method": "POST", "path": "/register", "sourceIp": "198.51.100.8"},
                                   "requestId": "r", "stage": "$default"}}),
    );
    assert_eq!(text.status, 415);
    let unauth = api(f, "GET", "/conversations", &[], None);
    assert_eq!((unauth.status, unauth.body["error"]["code"].as_str()), (401, Some("invalid_token")));
    let method = api(f, "PUT", "/login", &[], None);
    assert_eq!(method.status, 405);
    let cors =
        api(f, "GET", "/me", &[("origin", "https://app.example"), ("x-request-id", "lambda-req-1")], None);
    assert_eq!(cors.status, 401);
    assert_eq!(cors.headers["access-control-allow-origin"], "https://app.example", "{}", cors.headers);
    assert_eq!(cors.headers["x-request-id"], "lambda-req-1");
    let other = api(f, "GET", "/me", &[("origin", "https://evil.example")], None);
    assert!(other.headers.get("access-control-allow-origin").is_none());
}

#[test]
fn chat_answers_buffered_through_api_gateway_and_streams_through_the_function_url() {
    let Some(f) = functions() else { return };
    let (_, _, tokens) = signed_up(f, "lambda-chat");
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let auth = [("authorization", bearer.as_str())];
    // Buffered: API Gateway gets a whole payload-2.0 JSON response (not a stream prelude).
    let first = api(f, "POST", "/chat", &auth, Some(&json!({"message": "hello from lambda"})));
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["reply"], "echo 1 (with system prompt): hello from lambda");
    let conversation = first.body["conversation_id"].as_str().unwrap().to_owned();
    // Even an SSE request through API Gateway is answered whole (HTTP APIs buffer).
    let sse_via_api = api(
        f,
        "POST",
        "/chat",
        &[("authorization", &bearer), ("accept", "text/event-stream")],
        Some(&json!({"message": "second", "conversation_id": conversation})),
    );
    assert_eq!(sse_via_api.status, 200);
    let events = sse_events(&sse_via_api.text);
    assert_eq!(events.last().unwrap().0, "done", "{}", sse_via_api.text);
    let list = api(f, "GET", "/conversations", &auth, None);
    assert_eq!(list.status, 200);
    assert_eq!(list.body["conversations"][0]["id"], conversation.as_str());
    let one = api(f, "GET", &format!("/conversations/{conversation}"), &auth, None);
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["messages"].as_array().unwrap().len(), 4);

    // Streamed: the chat stream function's Function URL, read as it arrives.
    let url = format!("{}/lambda-url/_/chat", f.urls["ChatStreamFunction"]);
    let body = json!({"message": "stream this please", "conversation_id": conversation}).to_string();
    let mut response = agent()
        .post(&url)
        .header("authorization", &bearer)
        .header("content-type", "application/json")
        .header("accept", "text/event-stream")
        .send(body)
        .expect("the function URL answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut reader = response.body_mut().as_reader();
    let mut chunks = 0;
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = reader.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        chunks += 1;
        text.push_str(std::str::from_utf8(&buf[..n]).unwrap());
    }
    let events = sse_events(&text);
    assert_eq!(events.first().unwrap().0, "start", "{text}");
    assert!(events.iter().filter(|(e, _)| e == "token").count() >= 2, "{text}");
    let (last, done) = events.last().unwrap();
    assert_eq!(last, "done", "{text}");
    assert_eq!(done["reply"], "echo 3 (with system prompt): stream this please");
    assert!(chunks >= 2, "the stream arrived in one piece: {chunks} read(s)");
    // The stream function answers the buffered chat routes on its URL too.
    let url = format!("{}/lambda-url/_/conversations", f.urls["ChatStreamFunction"]);
    let mut listed = agent().get(&url).header("authorization", &bearer).call().unwrap();
    let listed: Value = serde_json::from_str(&listed.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(listed["conversations"][0]["turns"], 3);
}

#[test]
fn the_client_address_is_the_one_api_gateway_saw() {
    let Some(f) = functions() else { return };
    // REGISTRATIONS_PER_ADDRESS is 4 here; the client writes another X-Forwarded-For each time.
    let register = |source: &str, i: u32| {
        let body = json!({"email": unique_email("lambda-ip"), "password": "a good password ip"});
        let forged = format!("203.0.113.{i}");
        invoke(
            f,
            "RegisterFunction",
            &event("POST", "/register", &[("x-forwarded-for", &forged)], Some(&body), source),
        )
        .status
    };
    let a: Vec<u16> = (0..5).map(|i| register("192.0.2.10", i)).collect();
    assert_eq!(a, [201, 201, 201, 201, 429]);
    assert_eq!(register("192.0.2.11", 9), 201, "another caller has its own budget");
}

#[test]
fn every_setting_reaches_the_component_and_none_is_on_a_command_line() {
    let Some(f) = functions() else { return };
    // Each function's readiness check (GET /health) logs which settings its component was given.
    let logs = std::fs::read_to_string(&f.log_file).unwrap();
    let mut given = std::collections::BTreeSet::new();
    let mut components = std::collections::BTreeSet::new();
    for line in
        logs.lines().filter_map(|l| serde_json::from_str::<Value>(l.trim_start_matches(|c| c != '{')).ok())
    {
        if line["path"] == "/health" && line["settings"].is_array() {
            let component = line["component"].as_str().unwrap();
            let settings = line["settings"].as_array().unwrap();
            // No function is given the private key: login is given the secret's name and reads
            // the key itself (Secrets Manager); the public keys every function.
            assert!(!settings.iter().any(|s| s == "TOKEN_SIGNING_KEY"), "{component}: TOKEN_SIGNING_KEY");
            assert_eq!(
                settings.iter().any(|s| s == "TOKEN_SIGNING_KEY_SECRET"),
                component == "login",
                "{component}: TOKEN_SIGNING_KEY_SECRET"
            );
            assert!(settings.iter().any(|s| s == "TOKEN_PUBLIC_KEYS"), "{component}: TOKEN_PUBLIC_KEYS");
            components.insert(component.to_owned());
            given.extend(line["settings"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(components.len(), 3, "health log lines from every component: {logs}");
    // Every setting but the private key itself (local runs only) reaches a component.
    for name in app_core::settings::SETTINGS.iter().filter(|n| **n != "TOKEN_SIGNING_KEY") {
        assert!(given.contains(*name), "{name} reached no component: {given:?}");
    }
    // No process of the machine has the signing key on its command line.
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline);
            let key_line = SIGNING_KEY.lines().nth(1).unwrap(); // a line of the PEM's body
            assert!(!cmdline.contains(key_line), "the signing key is on a command line: {cmdline}");
            assert!(!cmdline.contains("local-secret"), "a secret key is on a command line: {cmdline}");
        }
    }
    // Spin kept its state in /tmp: nothing was written to the (read-only) /app of any function.
    for component in ["register", "login", "chat"] {
        let app = repo_root().join("target/lambda").join(component).join("app");
        assert!(!app.join(".spin").exists(), "{component} wrote to /app");
    }
}

/// Login reads its signing key from Secrets Manager (moto, as `scripts/token-keys.py init` leaves
/// it) with its own credentials, on its first sign-in, and keeps it: sign-ins more than Spin's
/// default idle time apart (1 s) reuse the instance (the entrypoint keeps it 10 minutes), so they
/// read the key no more. Its tokens verify with the published key.
#[test]
fn login_reads_its_key_from_secrets_manager_once_and_keeps_it() {
    let Some(f) = functions() else { return };
    let (email, password, tokens) = signed_up(f, "lambda-key");
    let kid = {
        let header = tokens["access_token"].as_str().unwrap().split('.').next().unwrap().to_owned();
        let header: Value = serde_json::from_slice(&base64_url(&header)).unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    let creds = json!({"email": email, "password": password});
    for _ in 0..4 {
        std::thread::sleep(std::time::Duration::from_millis(1300));
        let again = api(f, "POST", "/login", &[], Some(&creds));
        assert_eq!(again.status, 200, "{}", again.text);
    }
    let logs = std::fs::read_to_string(&f.log_file).unwrap();
    let reads: Vec<&str> = logs.lines().filter(|l| l.contains("read from Secrets Manager")).collect();
    assert!(!reads.is_empty(), "login never read its key from Secrets Manager: {logs}");
    assert!(reads.iter().all(|l| l.contains(&format!("signing key {kid} "))), "{reads:?}");
    // Other tests sign in at the same time (a second instance may start under concurrency), but
    // not one read per sign-in: 5 of this test's alone, 1.3 s apart.
    assert!(reads.len() <= 2, "the key was read {} times: {reads:?}", reads.len());
}

/// Lambda replaces an execution environment whose runtime or extension crashed, and so does the
/// emulator (the adapter 0.9.1 panics now and then when cargo-lambda closes a pooled connection):
/// every function answers again. A replacement used to die at its first line of output, written to
/// scripts/lambda-local's stdout, which a caller stops reading once the functions are up.
#[test]
fn a_function_whose_sandbox_ended_is_replaced_and_answers_again() {
    let Some(f) = started() else { return };
    let _alone = TURNS.write().unwrap_or_else(|e| e.into_inner());
    // The sandboxes: scripts/lambda-local's children running its `_enter` (the function's root).
    let pgrep = |parent: u32| -> Vec<String> {
        let out =
            Command::new("pgrep").args(["-P", &parent.to_string(), "-f", "lambda-local _enter"]).output();
        String::from_utf8_lossy(&out.unwrap().stdout).split_whitespace().map(str::to_owned).collect()
    };
    let before = pgrep(f.child.id());
    assert!(before.len() >= 4, "the sandboxes of {:?}: {before:?}", f.urls.keys());
    for pid in &before {
        assert!(Command::new("kill").args(["-TERM", pid]).status().unwrap().success());
    }
    let health = event("GET", "/health", &[], None, "198.51.100.7");
    for function in ["RegisterFunction", "LoginFunction", "ChatFunction"] {
        let answer = invoke(f, function, &health);
        assert_eq!(answer.status, 200, "{function} after its sandbox ended: {}", answer.text);
    }
    // The last replacements may still be starting.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut after = pgrep(f.child.id());
    while after.len() < before.len() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
        after = pgrep(f.child.id());
    }
    assert!(
        after.iter().all(|p| !before.contains(p)) && after.len() == before.len(),
        "{before:?} -> {after:?}"
    );
    let log = std::fs::read_to_string(&f.log_file).unwrap();
    assert!(log.contains("sandbox ended"), "see {}", f.log_file.display());
}
