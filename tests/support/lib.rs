//! Test support: starts the real stack (DynamoDB Local, the wasm components under wasmtime behind
//! the local gateway) through scripts/devstack.py, and talks to it over HTTP.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs `scripts/devstack.py up <args>` and returns once it printed every `wanted` line prefix,
/// with their values. The child ends itself when this test process ends.
fn devstack(args: &[&str], wanted: &[&str]) -> (Child, Vec<String>) {
    let mut child = Command::new("python3")
        .arg(repo_root().join("scripts/devstack.py"))
        .arg("up")
        .args(["--exit-with-parent", "--runner", "wasmtime"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("STACK_LOGS").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("python3 runs scripts/devstack.py");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut values = Vec::new();
    for prefix in wanted {
        let line = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with(prefix) => break line,
                Some(Ok(_)) => continue,
                _ => panic!(
                    "devstack ended before printing '{prefix}' (set STACK_LOGS=1 to see why)"
                ),
            }
        };
        values.push(line[prefix.len()..].trim().to_owned());
    }
    (child, values)
}

/// DynamoDB Local, in memory, started once per test run.
pub fn dynamodb_endpoint() -> &'static str {
    static DYNAMODB: OnceLock<(Child, String)> = OnceLock::new();
    &DYNAMODB
        .get_or_init(|| {
            let port = free_port().to_string();
            let (child, mut v) = devstack(
                &[
                    "--only-dynamodb",
                    "--dynamodb-in-memory",
                    "--dynamodb-port",
                    &port,
                ],
                &["dynamodb:"],
            );
            (child, v.remove(0))
        })
        .1
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct TestApp {
    pub address: String,
    pub dynamodb: String,
    pub log_file: PathBuf,
    _child: Option<Child>,
}

/// The stack every test shares (tests use distinct emails).
pub fn spawn_app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| spawn_app_with_env(&[]))
}

/// A stack of its own, with component environment overrides (e.g. a dead DynamoDB endpoint).
pub fn spawn_app_with_env(env: &[(&str, &str)]) -> TestApp {
    let dynamodb = dynamodb_endpoint().to_owned();
    let log_file = std::env::temp_dir().join(format!(
        "api-tests-{}-{}.log",
        std::process::id(),
        free_port()
    ));
    let mut args = vec![
        "--port".to_owned(),
        "0".to_owned(),
        "--dynamodb-endpoint".to_owned(),
        dynamodb.clone(),
        "--log-file".to_owned(),
        log_file.display().to_string(),
    ];
    for (k, v) in env {
        args.push("--env".to_owned());
        args.push(format!("{k}={v}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (child, mut v) = devstack(&args, &["api:"]);
    TestApp {
        address: v.remove(0),
        dynamodb,
        log_file,
        _child: Some(child),
    }
}

pub struct TestResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
    pub text: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into()
}

fn finish(response: Result<http::Response<ureq::Body>, ureq::Error>) -> TestResponse {
    let mut response = response.expect("the API answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    TestResponse {
        status,
        headers,
        body,
        text,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        self.post_raw(path, "application/json", body.to_string().as_bytes())
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: &[u8]) -> TestResponse {
        finish(
            agent()
                .post(self.url(path))
                .header("content-type", content_type)
                .send(body),
        )
    }

    pub fn get(&self, path: &str) -> TestResponse {
        finish(agent().get(self.url(path)).call())
    }

    pub fn register(&self, email: &str, password: &str) -> TestResponse {
        self.post_json("/register", &json!({"email": email, "password": password}))
    }

    pub fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post_json("/login", &json!({"email": email, "password": password}))
    }

    /// Every line the stack has logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// A raw DynamoDB call against the test's DynamoDB Local (which does not check signatures).
    pub fn dynamodb(&self, operation: &str, body: &Value) -> Value {
        let mut response = agent()
            .post(format!("{}/", self.dynamodb))
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDB_20120810.{operation}"))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            )
            .send(body.to_string())
            .expect("DynamoDB Local answers");
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }

    pub fn user_item(&self, email: &str) -> Option<Value> {
        self.dynamodb(
            "GetItem",
            &json!({"TableName": "users", "Key": {"email": {"S": email}}}),
        )
        .get("Item")
        .cloned()
    }

    pub fn count_items(&self, table: &str) -> u64 {
        self.dynamodb("Scan", &json!({"TableName": table, "Select": "COUNT"}))["Count"]
            .as_u64()
            .unwrap()
    }
}

/// A unique email for one test.
pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid_like())
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{t:x}{n}{}", std::process::id())
}
