//! Account lifecycle: `POST /register`, `GET /me`, `DELETE /me`.
use spin_sdk::http::{IntoResponse, Request};

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    spin_adapter::serve("register", app_core::permissions::REGISTER, request, app_core::accounts::handle)
        .await
}
