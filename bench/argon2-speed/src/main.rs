//! `scripts/bench argon2`: the argon2id verify a login runs (`PasswordHasher::verify`: the
//! project's parameters and crate; it allocates its 19 MiB of blocks on every call, as a login
//! does), and the same hash into memory allocated once (the hashing alone). `ROUNDS` of each
//! after one warm-up. Built natively and for wasm32-wasip2 with and
//! without `+simd128` (run under wasmtime) by bench/argon2_speed.py, which alternates the builds
//! batch by batch and takes the ratios. Prints one JSON line per operation:
//! `{"op", "iterations", "median_us", "mean_us", "min_us"}` (bench/measure.rs).
use app_core::domain::{Password, PasswordHasher};
use argon2::{Algorithm, Argon2, Block, Params, Version};

#[path = "../../measure.rs"]
mod measure;
use measure::measure;

fn main() {
    let rounds: u32 = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(10);
    let hasher = PasswordHasher::new();
    let password = Password::parse("correct horse battery staple").unwrap();
    let stored = hasher.hash(&password).unwrap();
    measure("verify", rounds, || assert!(hasher.verify(&password, Some(&stored))));

    let params = Params::new(
        PasswordHasher::MEMORY_KIB,
        PasswordHasher::ITERATIONS,
        PasswordHasher::PARALLELISM,
        Some(32),
    )
    .unwrap();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut blocks = vec![Block::new(); PasswordHasher::MEMORY_KIB as usize];
    let mut out = [0u8; 32];
    measure("hash_reused_memory", rounds, || {
        argon2
            .hash_password_into_with_memory(
                b"correct horse battery staple",
                b"sixteen byte salt",
                &mut out,
                &mut blocks,
            )
            .unwrap()
    });
}
