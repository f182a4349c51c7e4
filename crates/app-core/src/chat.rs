//! The chat use case.

use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::store::Services;
use crate::transport::Transport;

/// `POST /chat`: not built yet; answers 501 so a frontend can already be wired to it.
pub async fn chat<T: Transport>(
    _services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    request.require_method(http::Method::POST)?;
    Err(ApiError::NotImplemented)
}
