//! Test support: starts the real stack (DynamoDB Local, the wasm components under the real Spin or
//! under wasmtime behind the local gateway: `E2E_RUNTIME`) through scripts/devstack.py, and talks
//! to it over HTTP.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Runs `scripts/devstack.py up <args>` and returns once it printed every `wanted` line prefix,
/// with their values. The child ends itself when this test process ends.
fn devstack(args: &[&str], wanted: &[&str]) -> (Child, Vec<String>) {
    let mut child = Command::new("python3")
        .arg(repo_root().join("scripts/devstack.py"))
        .arg("up")
        .args(["--exit-with-parent", "--runner", runtime().name()])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("STACK_LOGS").is_some() { Stdio::inherit() } else { Stdio::null() })
        .spawn()
        .expect("python3 runs scripts/devstack.py");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut values = Vec::new();
    for prefix in wanted {
        let line = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with(prefix) => break line,
                Some(Ok(_)) => continue,
                _ => panic!("devstack ended before printing '{prefix}' (set STACK_LOGS=1 to see why)"),
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
                &["--only-dynamodb", "--dynamodb-in-memory", "--dynamodb-port", &port],
                &["dynamodb:"],
            );
            (child, v.remove(0))
        })
        .1
}

/// The runtime the components run under in this test run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// `spin up` on spin.toml: all components behind Spin's own router, nothing in front.
    Spin,
    /// `wasmtime serve` per component behind the local gateway (a trusted proxy).
    Wasmtime,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Spin => "spin",
            Runtime::Wasmtime => "wasmtime",
        }
    }
}

/// `E2E_RUNTIME` (spin or wasmtime; scripts/test runs the suite under each one present), else
/// Spin when it is on PATH.
pub fn runtime() -> Runtime {
    match std::env::var("E2E_RUNTIME").as_deref() {
        Ok("spin") => Runtime::Spin,
        Ok("wasmtime") => Runtime::Wasmtime,
        Ok(other) => panic!("E2E_RUNTIME must be spin or wasmtime, not {other:?}"),
        Err(_) if on_path("spin") => Runtime::Spin,
        Err(_) => Runtime::Wasmtime,
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// moto server (scripts/setup) on a port of its own, listening when returned; stopped when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// With extra environment for moto (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`).
    pub fn start(env: &[(&str, &str)]) -> Moto {
        let port = free_port();
        let child = Command::new(repo_root().join(".tools/venv/bin/moto_server"))
            .args(["-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server is installed by scripts/setup");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "moto did not start");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Moto { child, endpoint: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct TestApp {
    pub address: String,
    pub dynamodb: String,
    pub model: String,
    /// The local SES (aws-ses-v2-local) this stack's register component mails through.
    pub mail: String,
    pub log_file: PathBuf,
    _child: Option<Child>,
}

/// The stack every test shares (tests use distinct emails).
pub fn spawn_app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| spawn_app_with_env(&[]))
}

/// Component settings every test stack gets: the tests act as a trusted proxy in front of the
/// stack, so the `x-forwarded-for` they send is the client address (under wasmtime the local
/// gateway appends one more hop). DynamoDB calls get 15 s instead of 3: on two cores, fifty
/// concurrent argon2 hashes occupy the threads that also carry the host's HTTP I/O (a Lambda
/// instance serves one request at a time).
fn test_env() -> Vec<(&'static str, &'static str)> {
    let hops = match runtime() {
        Runtime::Spin => "1",
        Runtime::Wasmtime => "2",
    };
    vec![
        ("DYNAMODB_TIMEOUT_MS", "15000"),
        ("CLIENT_IP_SOURCE", "forwarded"),
        ("CLIENT_IP_HOPS", hops),
        ("CORS_ALLOWED_ORIGINS", "https://app.example"),
    ]
}

/// A stack of its own, with component environment overrides (e.g. a dead DynamoDB endpoint).
pub fn spawn_app_with_env(env: &[(&str, &str)]) -> TestApp {
    spawn_app_with(env, &[])
}

/// A stack of its own, with component environment overrides and extra `devstack.py up` arguments
/// (e.g. `--model-arg=--delay-ms=3000`). The model endpoint is deterministic unless the extra
/// arguments say otherwise (`--real-model`).
pub fn spawn_app_with(env: &[(&str, &str)], extra: &[&str]) -> TestApp {
    let dynamodb = dynamodb_endpoint().to_owned();
    let log_file = std::env::temp_dir().join(format!("api-tests-{}-{}.log", std::process::id(), free_port()));
    let mut args: Vec<String> = vec![
        "--port".into(),
        "0".into(),
        "--dynamodb-endpoint".into(),
        dynamodb.clone(),
        "--model-port".into(),
        "0".into(),
        "--log-file".into(),
        log_file.display().to_string(),
    ];
    if !extra.contains(&"--real-model") {
        args.push("--model-deterministic".into());
    }
    args.extend(extra.iter().filter(|a| **a != "--real-model").map(|a| a.to_string()));
    for (k, v) in test_env().iter().chain(env) {
        args.push("--env".to_owned());
        args.push(format!("{k}={v}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (child, mut v) = devstack(&args, &["mail:", "model:", "api:"]);
    let address = v.remove(2);
    let model = v.remove(1);
    TestApp { address, dynamodb, model, mail: v.remove(0), log_file, _child: Some(child) }
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
    TestResponse { status, headers, body, text }
}

/// A random client address, so tests do not share throttling counters by accident.
pub fn random_address() -> String {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as u32
        ^ (std::process::id() << 8)
        ^ (SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos());
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Any request. A random `x-forwarded-for` is added unless `headers` has one.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> TestResponse {
        let mut request = http::Request::builder().method(method).uri(self.url(path));
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-forwarded-for")) {
            request = request.header("x-forwarded-for", random_address());
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let request = request.body(body.unwrap_or_default().to_vec()).unwrap();
        finish(agent().run(request))
    }

    pub fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        self.post_raw(path, "application/json", body.to_string().as_bytes())
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: &[u8]) -> TestResponse {
        self.send("POST", path, &[("content-type", content_type)], Some(body))
    }

    pub fn get(&self, path: &str) -> TestResponse {
        self.send("GET", path, &[], None)
    }

    pub fn register(&self, email: &str, password: &str) -> TestResponse {
        self.post_json("/register", &json!({"email": email, "password": password}))
    }

    pub fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post_json("/login", &json!({"email": email, "password": password}))
    }

    /// Registers a fresh account and logs in: (email, password, login response body).
    pub fn signed_up_user(&self, tag: &str) -> (String, String, Value) {
        let email = unique_email(tag);
        let password = format!("pw-{}-{}", tag, random_address());
        assert_eq!(self.register(&email, &password).status, 201);
        let login = self.login(&email, &password);
        assert_eq!(login.status, 200, "{}", login.text);
        (email, password, login.body)
    }

    /// `POST /chat` as `bearer`; `accept` selects JSON or server-sent events.
    pub fn chat(&self, bearer: &str, body: &Value, accept: &str) -> TestResponse {
        let auth = format!("Bearer {bearer}");
        let body = body.to_string();
        self.send(
            "POST",
            "/chat",
            &[("authorization", &auth), ("content-type", "application/json"), ("accept", accept)],
            Some(body.as_bytes()),
        )
    }

    /// `GET path` as `bearer`.
    pub fn get_as(&self, bearer: &str, path: &str) -> TestResponse {
        let auth = format!("Bearer {bearer}");
        self.send("GET", path, &[("authorization", &auth)], None)
    }

    /// Every item of one user in the conversations table.
    pub fn conversation_items(&self, user_id: &str) -> Vec<Value> {
        self.dynamodb(
            "Query",
            &json!({"TableName": "conversations", "KeyConditionExpression": "user_id = :u",
                    "ExpressionAttributeValues": {":u": {"S": user_id}}, "ConsistentRead": true}),
        )["Items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits (up to 15 s) until the stack has logged `needle`: log lines arrive just after responses
    /// (under Spin, through its output pump, later on a loaded machine).
    pub fn logged(&self, needle: &str) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            if self.logs().contains(needle) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }

    /// Waits until the components behind `paths` have logged everything they answered so far (a
    /// marker request to each, with its own request id, is logged after them), so that a check
    /// that something is *not* in the logs is not vacuous.
    pub fn settle_logs(&self, paths: &[&str]) {
        for path in paths {
            let id = format!("settle-{}", uuid_like());
            self.send("GET", path, &[("x-request-id", &id)], None);
            assert!(self.logged(&format!("\"request_id\":\"{id}\"")), "no log line for {path}");
        }
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
        self.dynamodb("GetItem", &json!({"TableName": "users", "Key": {"email": {"S": email}}}))
            .get("Item")
            .cloned()
    }

    /// Every mail the local SES accepted for `to`, oldest first, through aws-ses-v2-local's own
    /// HTTP API (`GET /store`): `{"subject", "body": {"text", "html"}, "destination": {"to"}, ...}`.
    pub fn mails_to(&self, to: &str) -> Vec<Value> {
        let mut response =
            agent().get(format!("{}/store", self.mail)).call().expect("aws-ses-v2-local answers");
        let store: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        store["emails"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["destination"]["to"].as_array().is_some_and(|t| t.iter().any(|a| a == to)))
            .collect()
    }

    /// The token of the newest mailed link `?{param}=<token>` to `to` (waits up to 5 s for it).
    pub fn mailed_token(&self, to: &str, param: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if let Some(mail) = self.mails_to(to).last() {
                let text = mail["body"]["text"].as_str().unwrap_or_default();
                let marker = format!("?{param}=");
                if let Some(at) = text.find(&marker) {
                    let rest = &text[at + marker.len()..];
                    return rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                }
            }
            assert!(std::time::Instant::now() < deadline, "no mail with ?{param}= to {to}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// `method path` with a JSON body as `bearer`, from `address` (random when None).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: &Value,
        address: Option<&str>,
    ) -> TestResponse {
        let auth = bearer.map(|b| format!("Bearer {b}"));
        let random = random_address();
        let mut headers =
            vec![("content-type", "application/json"), ("x-forwarded-for", address.unwrap_or(&random))];
        if let Some(a) = &auth {
            headers.push(("authorization", a));
        }
        self.send(method, path, &headers, Some(body.to_string().as_bytes()))
    }

    /// Every item of every table holding `needle` anywhere (a full Scan of each).
    pub fn items_mentioning(&self, needle: &str) -> Vec<(String, Value)> {
        let mut found = Vec::new();
        for table in ["users", "sessions", "throttle", "conversations", "tokens"] {
            let mut start: Option<Value> = None;
            loop {
                let mut scan = json!({"TableName": table});
                if let Some(k) = &start {
                    scan["ExclusiveStartKey"] = k.clone();
                }
                let page = self.dynamodb("Scan", &scan);
                for item in page["Items"].as_array().cloned().unwrap_or_default() {
                    if item.to_string().contains(needle) {
                        found.push((table.to_owned(), item));
                    }
                }
                match page.get("LastEvaluatedKey") {
                    Some(k) if k.is_object() => start = Some(k.clone()),
                    _ => break,
                }
            }
        }
        found
    }

    /// The one-use tokens stored for a user (through the table's `by_user` index).
    pub fn mail_tokens_of(&self, user_id: &str) -> u64 {
        self.dynamodb(
            "Query",
            &json!({"TableName": "tokens", "IndexName": "by_user", "KeyConditionExpression": "user_id = :u",
                    "ExpressionAttributeValues": {":u": {"S": user_id}}, "Select": "COUNT"}),
        )["Count"]
            .as_u64()
            .unwrap_or(0)
    }

    pub fn count_items(&self, table: &str) -> u64 {
        self.dynamodb("Scan", &json!({"TableName": table, "Select": "COUNT"}))["Count"].as_u64().unwrap()
    }
}

/// A unique email for one test.
/// Server-sent events of a response body: (event, data) pairs.
pub fn sse_events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            (field("event:"), serde_json::from_str(&field("data:")).unwrap_or(Value::Null))
        })
        .collect()
}

pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid_like())
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn uuid_like() -> String {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{t:x}{n}{}", std::process::id())
}

/// A TCP relay in front of a local service, for tests that look at the traffic: it counts the
/// connections it accepts, notes when each HTTP `POST` request begins (with `tag`), and holds
/// each chunk from the client for `hold` before passing it on.
pub struct Relay {
    pub address: String,
    pub connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// When requests began and which relay saw them.
pub type RequestStarts = std::sync::Arc<std::sync::Mutex<Vec<(std::time::Instant, &'static str)>>>;

impl Relay {
    pub fn start(target: &str, tag: &'static str, hold: std::time::Duration, starts: RequestStarts) -> Relay {
        use std::io::{Read, Write};
        use std::net::{TcpListener, TcpStream};
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let target = target.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = connections.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let server = TcpStream::connect(&target).unwrap();
                let (mut from, mut to) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let starts = starts.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 65536];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        // A request line begins with its method; the bodies here are JSON.
                        if buf[..n].starts_with(b"POST ") {
                            starts.lock().unwrap().push((std::time::Instant::now(), tag));
                        }
                        std::thread::sleep(hold);
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
                let (mut back_from, mut back_to) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut back_from, &mut back_to);
                    let _ = back_to.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Relay { address, connections }
    }
}
