//! Chat: `POST /chat` (JSON or server-sent events), `GET /conversations`, `GET /conversations/{id}`.
use spin_sdk::http::{IntoResponse, Request};

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    spin_adapter::serve_chat(request).await
}
