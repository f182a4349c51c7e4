//! `POST /chat`: talks to the model.
use spin_sdk::http::{IntoResponse, Request};

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    spin_adapter::serve("chat", request, app_core::chat::chat).await
}
