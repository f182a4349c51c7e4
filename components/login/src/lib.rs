//! `POST /login`: checks an email and password.
use spin_sdk::http::{IntoResponse, Request};

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    spin_adapter::serve("login", request, app_core::accounts::login).await
}
