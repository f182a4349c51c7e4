//! AWS access without an SDK: requests are built as plain `http::Request`s, signed with
//! `aws-sigv4`, and sent by whatever [`crate::Transport`] the runtime provides.

pub mod dynamodb;
pub mod sagemaker;
pub mod secrets_manager;
pub mod ses;
mod sigv4;

pub use sigv4::{sign, Credentials};
