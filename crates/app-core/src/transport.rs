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
