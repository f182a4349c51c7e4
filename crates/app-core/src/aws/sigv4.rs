use super::RequestError;
use aws_sigv4::http_request::{sign as sigv4_sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use std::fmt;
use std::time::SystemTime;

/// AWS credentials as the standard environment variables give them.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Signs `request` in place with SigV4 (Authorization, X-Amz-Date, X-Amz-Security-Token and
/// X-Amz-Content-Sha256 headers are added). The Host is taken from the URI's authority exactly
/// as the runtime will send it; no Host header is set.
pub fn sign(
    request: &mut http::Request<Vec<u8>>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<(), RequestError> {
    let identity = aws_credential_types::Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.clone(),
        credentials.session_token.clone(),
        None,
        "environment",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(RequestError::new)?
        .into();
    let uri = request.uri().to_string();
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| Ok((k.as_str(), v.to_str().map_err(RequestError::new)?)))
        .collect::<Result<Vec<_>, RequestError>>()?;
    let signable = SignableRequest::new(
        request.method().as_str(),
        &uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body()),
    )
    .map_err(RequestError::new)?;
    let (instructions, _signature) = sigv4_sign(signable, &params).map_err(RequestError::new)?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}
