//! Sessions: `POST /login`, `POST /token/refresh`, `POST /logout`.
use spin_sdk::http::{IntoResponse, Request};

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    spin_adapter::serve_login(request).await
}
