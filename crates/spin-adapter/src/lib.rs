//! Everything that knows about Spin / wasi:http lives here, once, for all components.

use app_core::api::cors;
use app_core::domain::PasswordHasher;
use app_core::{ApiError, ApiRequest, ApiResponse, Config, Services, Transport, TransportError};
use bytes::Bytes;
use futures::future::{select, Either};
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::http::{FullBody, Request};
use spin_sdk::wasip3::clocks::monotonic_clock;
use std::pin::pin;
use std::sync::OnceLock;
use std::time::Duration;
use std::time::{Instant, SystemTime};

/// Outbound HTTP through the runtime (wasi:http), as the core's [`Transport`].
pub struct SpinTransport;

impl Transport for SpinTransport {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let exchange = async {
            let request = request.map(|body| FullBody::new(Bytes::from(body)));
            let response = spin_sdk::http::send(request)
                .await
                .map_err(|e| TransportError::Unreachable(format!("{e:?}")))?;
            let (parts, body) = response.into_parts();
            let body = body
                .bytes()
                .await
                .map_err(|e| TransportError::Unreachable(format!("reading response body: {e:?}")))?;
            Ok(http::Response::from_parts(parts, body.to_vec()))
        };
        let deadline = monotonic_clock::wait_for(timeout.as_nanos() as u64);
        match select(pin!(exchange), pin!(deadline)).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => Err(TransportError::Timeout),
        }
    }

    async fn sleep(&self, duration: Duration) {
        monotonic_clock::wait_for(duration.as_nanos() as u64).await
    }
}

/// Per-instance state, built on first use and reused while the runtime keeps the instance.
struct Instance {
    config: Result<Config, String>,
    hasher: PasswordHasher,
}

fn instance() -> &'static Instance {
    static INSTANCE: OnceLock<Instance> = OnceLock::new();
    INSTANCE.get_or_init(|| Instance { config: Config::from_env(), hasher: PasswordHasher::new() })
}

/// Serves one request with `handler`: answers `GET /health` itself, reads the body (bounded),
/// runs the use case, turns errors into JSON, adds a request id and writes one log line.
pub async fn serve<H>(
    component: &'static str,
    request: Request,
    handler: H,
) -> http::Response<FullBody<Bytes>>
where
    H: AsyncFn(&Services<'_, SpinTransport>, &ApiRequest) -> Result<ApiResponse, ApiError>,
{
    let started = Instant::now();
    let request_id = request_id(request.headers());
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let response = match body.bytes().await {
        Err(e) => ApiError::MalformedJson(format!("could not read request body: {e:?}")).into_response(),
        Ok(body) => {
            let api_request = ApiRequest {
                method: parts.method,
                path: path.clone(),
                headers: parts.headers,
                body: body.to_vec(),
                received_at: SystemTime::now(),
            };
            run(component, &api_request, handler).await
        }
    };
    log(component, &request_id, &method, &path, &response, started);
    into_http(response, &request_id)
}

async fn run<H>(component: &'static str, request: &ApiRequest, handler: H) -> ApiResponse
where
    H: AsyncFn(&Services<'_, SpinTransport>, &ApiRequest) -> Result<ApiResponse, ApiError>,
{
    let instance = instance();
    let config = match &instance.config {
        Ok(config) => config,
        // Refuse to serve (health included) until the configuration is usable.
        Err(problem) => return ApiError::Misconfigured(problem.clone()).into_response(),
    };
    if request.path == "/health" {
        return match request.require_method(http::Method::GET) {
            Ok(()) => ApiResponse::json(200, &serde_json::json!({"status": "ok", "component": component})),
            Err(e) => e.into_response(),
        };
    }
    if cors::is_preflight(request) {
        return cors::preflight(&config.cors_allowed_origins, request);
    }
    let services = Services { config, transport: &SpinTransport, hasher: &instance.hasher };
    let mut response = handler(&services, request).await.unwrap_or_else(ApiError::into_response);
    cors::decorate(&config.cors_allowed_origins, request, &mut response);
    response
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

fn into_http(response: ApiResponse, request_id: &str) -> http::Response<FullBody<Bytes>> {
    let mut builder = http::Response::builder()
        .status(response.status)
        .header("x-request-id", request_id)
        .header("content-length", response.body.len());
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(FullBody::new(Bytes::from(response.body)))
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
    let line = serde_json::json!({
        "component": component,
        "request_id": request_id,
        "method": method.as_str(),
        "path": path,
        "status": response.status,
        "error_code": response.error_code,
        "detail": response.log_detail,
        "duration_ms": started.elapsed().as_secs_f64() * 1000.0,
    });
    eprintln!("{line}");
}
