//! The core of the backend: domain types, AWS request building and response parsing, and the
//! use cases (register, login, ...). Nothing here performs I/O: requests leave through the
//! [`transport::Transport`] trait, which each runtime adapter implements.

pub mod accounts;
pub mod api;
pub mod aws;
pub mod chat;
pub mod config;
pub mod conversations;
pub mod domain;
pub mod mail;
pub mod one_use_tokens;
pub mod permissions;
pub mod sessions;
pub mod settings;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod transport;
pub mod usage;

pub use api::{ApiError, ApiRequest, ApiResponse};
pub use config::Config;
pub use store::Services;
pub use transport::{Transport, TransportError};
