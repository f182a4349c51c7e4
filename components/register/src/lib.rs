//! `POST /register`: creates an account.
use spin_sdk::http::{IntoResponse, Request};

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    spin_adapter::serve("register", request, app_core::accounts::register).await
}
