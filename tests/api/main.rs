//! End-to-end tests: one binary, the real wasm components under the real Spin or wasmtime
//! (`E2E_RUNTIME`), DynamoDB Local.

mod accounts;
mod chat;
mod chat_manage;
mod client_address;
mod connections;
mod errors;
mod health;
mod hostile;
mod infrastructure;
mod lambda;
mod recovery;
mod round_trips;
mod sessions;
mod sigv4_moto;
mod smoke;
mod throttling;
mod tokens;
mod web;
