//! `app_core::aws::sign` against the AWS SigV4 test suite (fixtures/sigv4/*).

use app_core::aws::{sign, Credentials};
use serde::Deserialize;
use std::path::Path;
use std::time::SystemTime;

#[derive(Deserialize)]
struct Context {
    credentials: ContextCredentials,
    region: String,
    service: String,
    timestamp: String,
}

#[derive(Deserialize)]
struct ContextCredentials {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
}

/// `METHOD PATH HTTP/1.1`, `Name:value` lines, a blank line, the body.
fn load_request(text: &str) -> http::Request<Vec<u8>> {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let start = lines.next().unwrap();
    let method = start.split(' ').next().unwrap();
    let target = &start[method.len() + 1..start.rfind(" HTTP/").unwrap()];
    let mut host = String::new();
    let mut builder = http::Request::builder().method(method);
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        if name.eq_ignore_ascii_case("host") {
            host = value.to_owned(); // signed from the URI's authority, as the runtime sends it
        } else {
            builder = builder.header(name, value);
        }
    }
    let encoded: String =
        target.chars().map(|c| if c.is_ascii() && c != ' ' { c.to_string() } else { percent(c) }).collect();
    builder.uri(format!("https://{host}{encoded}")).body(body.as_bytes().to_vec()).unwrap()
}

fn percent(c: char) -> String {
    let mut buf = [0u8; 4];
    c.encode_utf8(&mut buf).bytes().map(|b| format!("%{b:02X}")).collect()
}

fn expected_authorization(signed_request: &str) -> String {
    signed_request.lines().find_map(|l| l.strip_prefix("Authorization:")).unwrap().to_owned()
}

fn timestamp(raw: &str) -> SystemTime {
    // Only the suite's fixed "2015-08-30T12:36:00Z" form is needed.
    assert_eq!(raw, "2015-08-30T12:36:00Z");
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160)
}

#[test]
fn signatures_match_the_aws_test_suite() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigv4");
    let mut checked = 0;
    for case in std::fs::read_dir(&dir).unwrap() {
        let case = case.unwrap().path();
        if !case.is_dir() {
            continue;
        }
        let read = |f: &str| std::fs::read_to_string(case.join(f)).unwrap();
        let context: Context = serde_json::from_str(&read("context.json")).unwrap();
        let mut request = load_request(&read("request.txt"));
        let credentials = Credentials {
            access_key_id: context.credentials.access_key_id,
            secret_access_key: context.credentials.secret_access_key,
            session_token: context.credentials.token,
        };
        sign(&mut request, &credentials, &context.region, &context.service, timestamp(&context.timestamp))
            .unwrap();
        assert_eq!(
            request.headers()["authorization"].to_str().unwrap(),
            expected_authorization(&read("header-signed-request.txt")),
            "case {}",
            case.display()
        );
        assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} cases found");
}
