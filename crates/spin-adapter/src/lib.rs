//! Everything that knows about Spin / wasi:http lives here, once, for all components.

use app_core::api::cors;
use app_core::domain::PasswordHasher;
use app_core::permissions::Access;
use app_core::transport::{ByteStream, EventSink, StreamingTransport};
use app_core::{ApiError, ApiRequest, ApiResponse, Config, Services, Transport, TransportError};
use bytes::Bytes;
use futures::channel::mpsc::Sender;
use futures::future::{select, Either};
use futures::{SinkExt, StreamExt};
use spin_sdk::http::body::stream as body_stream;
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::http::{box_body, BoxBody};
use spin_sdk::http::{FullBody, Request};
use spin_sdk::wasip3::clocks::monotonic_clock;
use spin_sdk::wasip3::http::types::{ErrorCode, Fields, Request as WasiRequest, Scheme};
use spin_sdk::wasip3::http_compat::{http_from_wasi_response, IncomingResponseBody};
use spin_sdk::wasip3::{wit_future, wit_stream};
use std::pin::pin;
use std::sync::OnceLock;
use std::time::Duration;
use std::time::{Instant, SystemTime};

/// Outbound HTTP through the runtime (wasi:http), as the core's [`Transport`].
pub struct SpinTransport;

/// The future that reports whether the request went out. It must live until the response body
/// has been read: wasmtime 49 cuts the response body short once it is dropped (wasmtime issue
/// 14227), which is what `spin_sdk::http::send` does. So requests are built here instead.
type Transmit = spin_sdk::wasip3::wit_bindgen::FutureReader<Result<(), ErrorCode>>;

/// Sends `request` (a fully buffered body, with its Content-Length) and returns the response with
/// its body still streaming, plus the transmit future to keep alive while reading it.
async fn send_request(
    request: http::Request<Vec<u8>>,
) -> Result<(http::Response<IncomingResponseBody>, Transmit), TransportError> {
    let unreachable =
        |what: &str, e: &dyn std::fmt::Debug| TransportError::Unreachable(format!("{what}: {e:?}"));
    let (parts, body) = request.into_parts();
    let headers = Fields::try_from(parts.headers).map_err(|e| unreachable("headers", &e))?;
    let (mut contents, contents_rx) = wit_stream::new::<u8>();
    let (trailers, trailers_rx) = wit_future::new(|| Ok(None));
    let (wasi_request, transmit) = WasiRequest::new(headers, Some(contents_rx), trailers_rx, None);
    let scheme = parts.uri.scheme().map(Scheme::from);
    wasi_request.set_method(&parts.method.into()).map_err(|e| unreachable("method", &e))?;
    wasi_request.set_scheme(scheme.as_ref()).map_err(|e| unreachable("scheme", &e))?;
    wasi_request
        .set_authority(parts.uri.authority().map(|a| a.as_str()))
        .map_err(|e| unreachable("authority", &e))?;
    wasi_request
        .set_path_with_query(parts.uri.path_and_query().map(|p| p.as_str()))
        .map_err(|e| unreachable("path", &e))?;
    // The body is written alongside the send (not in a spawned task: tasks spawned after the
    // handler returned, as in a streamed answer, are not run by every host).
    let write_body = async move {
        contents.write_all(body).await;
        drop(contents);
        drop(trailers); // resolves to its default: no trailers
    };
    let (response, ()) = futures::join!(spin_sdk::wasip3::http::client::send(wasi_request), write_body);
    let response = response.map_err(|e| TransportError::Unreachable(format!("{e:?}")))?;
    let response = http_from_wasi_response(response).map_err(|e| unreachable("response", &e))?;
    Ok((response, transmit))
}

impl Transport for SpinTransport {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let exchange = async {
            let (response, _transmit) = send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body
                .bytes()
                .await
                .map_err(|e| TransportError::Unreachable(format!("reading response body: {e:?}")))?;
            Ok(http::Response::from_parts(parts, body.to_vec()))
        };
        within(timeout, exchange).await.unwrap_or(Err(TransportError::Timeout))
    }

    async fn sleep(&self, duration: Duration) {
        monotonic_clock::wait_for(duration.as_nanos() as u64).await
    }
}

/// Waits for `future`, or gives up after `timeout`.
async fn within<F: std::future::Future>(timeout: Duration, future: F) -> Option<F::Output> {
    match select(pin!(future), pin!(monotonic_clock::wait_for(timeout.as_nanos() as u64))).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

/// A response body read chunk by chunk, each wait bounded.
pub struct SpinBody {
    chunks: http_body_util::BodyDataStream<IncomingResponseBody>,
    timeout: Duration,
    _transmit: Transmit,
}

impl ByteStream for SpinBody {
    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, TransportError>> {
        match within(self.timeout, self.chunks.next()).await {
            None => Some(Err(TransportError::Timeout)),
            Some(None) => None,
            Some(Some(Ok(bytes))) => Some(Ok(bytes.to_vec())),
            Some(Some(Err(e))) => {
                Some(Err(TransportError::Unreachable(format!("reading response body: {e:?}"))))
            }
        }
    }
}

impl StreamingTransport for SpinTransport {
    type Body = SpinBody;

    async fn send_streaming(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<SpinBody>, TransportError> {
        let (response, transmit) =
            within(timeout, send_request(request)).await.ok_or(TransportError::Timeout)??;
        Ok(response.map(|body| SpinBody { chunks: body.stream(), timeout, _transmit: transmit }))
    }
}

/// Server-sent events into a streaming response body.
struct SseSink(Sender<Bytes>);

impl EventSink for SseSink {
    async fn send(&mut self, event: &str, data: &serde_json::Value) -> bool {
        self.0.send(Bytes::from(format!("event: {event}\ndata: {data}\n\n"))).await.is_ok()
    }
}

/// Per-instance state, built on first use and reused while the runtime keeps the instance.
struct Instance {
    config: Result<Config, String>,
    hasher: PasswordHasher,
}

/// `SIGNS`: whether this component signs access tokens ([`Config::from_vars_for`]). A component
/// serves with one value only, so the one `INSTANCE` (shared by the instantiations) is one config.
fn instance<const SIGNS: bool>() -> &'static Instance {
    static INSTANCE: OnceLock<Instance> = OnceLock::new();
    INSTANCE
        .get_or_init(|| Instance { config: Config::from_env_for::<SIGNS>(), hasher: PasswordHasher::new() })
}

/// Serves one request with `handler`: answers `GET /health` itself, reads the body (bounded),
/// runs the use case, turns errors into JSON, adds a request id and writes one log line. For the
/// components that do not sign access tokens (register): login uses [`serve_login`].
pub async fn serve<H>(
    component: &'static str,
    permissions: &'static [Access],
    request: Request,
    handler: H,
) -> http::Response<BoxBody>
where
    H: AsyncFn(&Services<'_, SpinTransport>, &ApiRequest) -> Result<ApiResponse, ApiError>,
{
    serve_inner::<H, NoStreaming, false>(component, permissions, request, handler).await
}

/// [`serve`] for the login component, the one that signs access tokens: only its wasm holds the
/// private-key code.
pub async fn serve_login(request: Request) -> http::Response<BoxBody> {
    serve_inner::<_, NoStreaming, true>(
        "login",
        app_core::permissions::LOGIN,
        request,
        app_core::sessions::handle,
    )
    .await
}

/// [`serve`] for the chat component: `POST /chat` with `Accept: text/event-stream` answers with
/// server-sent events as the model produces them.
pub async fn serve_chat(request: Request) -> http::Response<BoxBody> {
    serve_inner::<_, Sse, false>("chat", app_core::permissions::CHAT, request, app_core::chat::handle).await
}

/// Whether and how a component answers with server-sent events: chat does ([`Sse`]), the others
/// never ([`NoStreaming`]). A type rather than a `const bool` so that the streaming path, and the
/// event-stream reader behind it, is not in the others' wasm: the future `serve_inner` awaits is
/// part of its state machine, whose resume code stays reachable whatever the condition that
/// starts it (with a constant, register and login carried the ~26 KiB of the chat stream).
///
/// Only chat streams, and chat signs nothing: the stream serves with a verify-only configuration.
trait Streaming {
    const MAY_STREAM: bool;
    fn stream(
        component: &'static str,
        permissions: &'static [Access],
        request: &ApiRequest,
        request_id: String,
        started: Instant,
    ) -> impl std::future::Future<Output = Result<http::Response<BoxBody>, ApiResponse>>;
}

struct NoStreaming;

impl Streaming for NoStreaming {
    const MAY_STREAM: bool = false;
    fn stream(
        _: &'static str,
        _: &'static [Access],
        _: &ApiRequest,
        _: String,
        _: Instant,
    ) -> impl std::future::Future<Output = Result<http::Response<BoxBody>, ApiResponse>> {
        std::future::ready(Err(ApiResponse::no_content())) // never asked: MAY_STREAM is false
    }
}

struct Sse;

impl Streaming for Sse {
    const MAY_STREAM: bool = true;
    fn stream(
        component: &'static str,
        permissions: &'static [Access],
        request: &ApiRequest,
        request_id: String,
        started: Instant,
    ) -> impl std::future::Future<Output = Result<http::Response<BoxBody>, ApiResponse>> {
        stream(component, permissions, request, request_id, started)
    }
}

/// `S`: whether it streams ([`Streaming`]); `SIGNS` leaves the private-key code out of all but
/// login's ([`instance`]).
async fn serve_inner<H, S: Streaming, const SIGNS: bool>(
    component: &'static str,
    permissions: &'static [Access],
    request: Request,
    handler: H,
) -> http::Response<BoxBody>
where
    H: AsyncFn(&Services<'_, SpinTransport>, &ApiRequest) -> Result<ApiResponse, ApiError>,
{
    let started = Instant::now();
    let request_id = request_id(request.headers());
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let api_request = match body.bytes().await {
        Err(e) => Err(ApiError::MalformedJson(format!("could not read request body: {e:?}")).into_response()),
        Ok(body) => Ok(ApiRequest {
            method: parts.method,
            path: path.clone(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers: parts.headers,
            body: body.to_vec(),
            received_at: SystemTime::now(),
        }),
    };
    let response = match api_request {
        Err(response) => response,
        Ok(request) if S::MAY_STREAM && app_core::chat::wants_stream(&request) => {
            match S::stream(component, permissions, &request, request_id.clone(), started).await {
                Ok(streaming) => return streaming,
                Err(response) => response,
            }
        }
        Ok(request) => run::<H, SIGNS>(component, permissions, &request, handler).await,
    };
    log(component, &request_id, &method, &path, &response, started);
    into_http(response, &request_id)
}

/// The services of this instance, or the answer to give when it is misconfigured.
fn services<const SIGNS: bool>(
    component: &'static str,
    permissions: &'static [Access],
) -> Result<Services<'static, SpinTransport>, ApiResponse> {
    static TRANSPORT: SpinTransport = SpinTransport;
    let instance = instance::<SIGNS>();
    match &instance.config {
        Ok(config) => match config.problem_for(component) {
            None => Ok(Services { config, transport: &TRANSPORT, hasher: &instance.hasher, permissions }),
            Some(problem) => Err(ApiError::Misconfigured(problem).into_response()),
        },
        // Refuse to serve (health included) until the configuration is usable.
        Err(problem) => Err(ApiError::Misconfigured(problem.clone()).into_response()),
    }
}

async fn run<H, const SIGNS: bool>(
    component: &'static str,
    permissions: &'static [Access],
    request: &ApiRequest,
    handler: H,
) -> ApiResponse
where
    H: AsyncFn(&Services<'_, SpinTransport>, &ApiRequest) -> Result<ApiResponse, ApiError>,
{
    let services = match services::<SIGNS>(component, permissions) {
        Ok(services) => services,
        Err(response) => return response,
    };
    if request.path == "/health" {
        return match request.require_method(http::Method::GET) {
            Ok(()) => ApiResponse::json(200, &serde_json::json!({"status": "ok", "component": component})),
            Err(e) => e.into_response(),
        };
    }
    let origins = &services.config.cors_allowed_origins;
    if cors::is_preflight(request) {
        return cors::preflight(origins, request);
    }
    let mut response = handler(&services, request).await.unwrap_or_else(ApiError::into_response);
    cors::decorate(origins, request, &mut response);
    response
}

/// Starts a streamed chat answer: errors before the model's first byte are plain JSON errors
/// (returned as `Err`); after that, events flow from a spawned task and one log line is written
/// when the stream ends.
async fn stream(
    component: &'static str,
    permissions: &'static [Access],
    request: &ApiRequest,
    request_id: String,
    started: Instant,
) -> Result<http::Response<BoxBody>, ApiResponse> {
    let services = services::<false>(component, permissions)?;
    let origins = &services.config.cors_allowed_origins;
    let chat = app_core::chat::start_stream(services, request).await.map_err(|e| {
        let mut response = e.into_response();
        cors::decorate(origins, request, &mut response);
        response
    })?;
    let (sender, body) = body_stream::<Bytes>();
    let mut head = ApiResponse::no_content();
    head.status = 200;
    head.headers.push(("content-type".into(), "text/event-stream".into()));
    head.headers.push(("cache-control".into(), "no-cache".into()));
    cors::decorate(origins, request, &mut head);
    let (method, path) = (request.method.clone(), request.path.clone());
    let log_id = request_id.clone();
    spin_sdk::wasip3::spawn(async move {
        let mut sink = SseSink(sender);
        let outcome = chat.pump(&mut sink).await;
        let mut summary = ApiResponse::no_content();
        summary.status = 200;
        if let Err(e) = outcome {
            summary = e.into_response();
        }
        log(component, &log_id, &method, &path, &summary, started);
    });
    let mut builder = http::Response::builder().status(200).header("x-request-id", request_id);
    for (name, value) in &head.headers {
        builder = builder.header(name, value);
    }
    Ok(builder.body(box_body(body)).expect("static headers are valid"))
}

/// The caller's `x-request-id` when it is a sane token, else a fresh UUID.
fn request_id(headers: &http::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn into_http(response: ApiResponse, request_id: &str) -> http::Response<BoxBody> {
    let mut builder = http::Response::builder()
        .status(response.status)
        .header("x-request-id", request_id)
        .header("content-length", response.body.len());
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(box_body(FullBody::new(Bytes::from(response.body))))
        .expect("status and headers come from the core and are valid")
}

/// One structured line per request on stderr. Never bodies, never secrets.
fn log(
    component: &str,
    request_id: &str,
    method: &http::Method,
    path: &str,
    response: &ApiResponse,
    started: Instant,
) {
    let mut line = serde_json::json!({
        "component": component,
        "request_id": request_id,
        "method": method.as_str(),
        "path": path,
        "status": response.status,
        "error_code": response.error_code,
        "detail": response.log_detail,
        "duration_ms": started.elapsed().as_secs_f64() * 1000.0,
    });
    if path == "/health" {
        // Which settings reached the component (names only, never values): the health check is
        // the Lambda Web Adapter's readiness check, so each new instance logs this once.
        let given: Vec<&str> =
            app_core::settings::SETTINGS.iter().copied().filter(|n| std::env::var_os(n).is_some()).collect();
        line["settings"] = serde_json::json!(given);
    }
    // One write of the whole line: stderr is unbuffered, and `eprintln!` of a JSON value writes
    // each of its fragments on its own, each a call into the runtime (~0.45 ms per request in all;
    // `GET /health` over the hello component 0.50 -> 0.06 ms, wasmtime serve).
    let mut text = line.to_string();
    text.push('\n');
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
}
