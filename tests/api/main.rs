//! End-to-end tests: one binary, the real wasm components under wasmtime, DynamoDB Local.

mod accounts;
mod chat;
mod errors;
mod health;
mod hostile;
mod infrastructure;
mod recovery;
mod sessions;
mod sigv4_moto;
mod throttling;
