//! The one door to the outside world: runtime adapters implement it, the core only builds
//! requests and reads responses.

/// Why a request got no HTTP response at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("no response within the time limit")]
    Timeout,
    #[error("could not reach the service: {0}")]
    Unreachable(String),
}

#[allow(async_fn_in_trait)] // used with generics only; no Send bound is wanted in wasm
pub trait Transport {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: std::time::Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError>;

    /// Waits (for retry backoff).
    async fn sleep(&self, duration: std::time::Duration);
}

/// A response body read as it arrives.
#[allow(async_fn_in_trait)]
pub trait ByteStream {
    /// The next chunk; `None` at the end. Each wait is bounded by the timeout given to
    /// [`StreamingTransport::send_streaming`].
    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, TransportError>>;
}

/// A transport that can also hand over a response before its body has fully arrived.
#[allow(async_fn_in_trait)]
pub trait StreamingTransport: Transport {
    type Body: ByteStream + 'static;

    async fn send_streaming(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: std::time::Duration,
    ) -> Result<http::Response<Self::Body>, TransportError>;
}

/// Where server-sent events go. `send` returns false once the client has gone away.
#[allow(async_fn_in_trait)]
pub trait EventSink {
    async fn send(&mut self, event: &str, data: &serde_json::Value) -> bool;
}
