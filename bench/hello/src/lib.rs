//! The runtime's own hello component: the per-request floor `GET /health` is compared with.
use spin_sdk::http::{IntoResponse, Request};

#[spin_sdk::http_service]
async fn handle(_request: Request) -> impl IntoResponse {
    "hello"
}
