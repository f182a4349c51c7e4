#![cfg_attr(not(any(feature = "rs256", feature = "eddsa")), allow(dead_code, unused_variables))]
//! `scripts/bench tokens`: signing and verifying an access token's signing input with RS256
//! (RSA-2048, PKCS#1 v1.5, SHA-256; crate `rsa`) and EdDSA (Ed25519; crate `ed25519-dalek`), the
//! RustCrypto crates a `jsonwebtoken` provider would use. Built natively and for wasm32-wasip2 (run
//! under wasmtime) by bench/bench.py, which compares the two. Prints one JSON line per operation:
//! `{"op", "iterations", "median_us", "mean_us", "min_us"}` (bench/measure.rs). The feature builds (`rs256`, `eddsa`, neither)
//! give the size each algorithm adds to a wasm binary.
use base64ct::Encoding;

/// A typical header.claims of this project's access tokens (what gets signed).
const SIGNING_INPUT: &[u8] = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6ImsyMDI2MTIwMiJ9.eyJzdWIiOiIzZjZjYzA2Mi1mMmE2LTRiZjYtOWMzYy1hZGQ2YjY0ZjQ2YjEiLCJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSIsImlzcyI6Imh0dHBzOi8vYXBpLmV4YW1wbGUuY29tIiwiYXVkIjoid2FzbS1jaGF0LWFwaSIsImlhdCI6MTc2NDY0NjQwMCwiZXhwIjoxNzY0NjQ3MzAwfQ";

#[path = "../../measure.rs"]
mod measure;
use measure::measure;

#[cfg(feature = "rs256")]
fn rs256(iterations: u32) {
    use rsa::pkcs1v15::{SigningKey, VerifyingKey};
    use rsa::pkcs8::DecodePrivateKey;
    use signature::{RandomizedSigner, SignatureEncoding, Verifier};
    let pem = include_str!("../../../tests/fixtures/token-keys/a.pem");
    let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
    let signing = SigningKey::<sha2::Sha256>::new(private.clone());
    let verifying = VerifyingKey::<sha2::Sha256>::new(private.to_public_key());
    let mut rng = password_hash::rand_core::OsRng;
    let signature = signing.sign_with_rng(&mut rng, SIGNING_INPUT);
    assert_eq!(signature.to_bytes().len(), 256);
    measure("rs256_parse_private_key", iterations, || {
        std::hint::black_box(rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap());
    });
    measure("rs256_sign", iterations, || {
        std::hint::black_box(signing.sign_with_rng(&mut rng, SIGNING_INPUT));
    });
    let n = private.to_public_key();
    measure("rs256_verify", iterations * 10, || {
        // as the verifier does per token: the public key from (n, e), then the check
        let key = VerifyingKey::<sha2::Sha256>::new(
            rsa::RsaPublicKey::new(
                rsa::traits::PublicKeyParts::n(&n).clone(),
                rsa::traits::PublicKeyParts::e(&n).clone(),
            )
            .unwrap(),
        );
        key.verify(SIGNING_INPUT, &signature).unwrap();
    });
    measure("rs256_verify_prepared_key", iterations * 10, || {
        verifying.verify(SIGNING_INPUT, &signature).unwrap();
    });
    println!("{{\"op\":\"rs256_signature_bytes\",\"value\":{}}}", signature.to_bytes().len());
}

#[cfg(feature = "eddsa")]
fn eddsa(iterations: u32) {
    use ed25519_dalek::{Signer, SigningKey, Verifier};
    let signing = SigningKey::from_bytes(&[7u8; 32]);
    let verifying = signing.verifying_key();
    let signature = signing.sign(SIGNING_INPUT);
    measure("eddsa_sign", iterations * 10, || {
        std::hint::black_box(signing.sign(SIGNING_INPUT));
    });
    measure("eddsa_verify", iterations * 10, || {
        let key = ed25519_dalek::VerifyingKey::from_bytes(verifying.as_bytes()).unwrap();
        key.verify(SIGNING_INPUT, &signature).unwrap();
    });
    println!("{{\"op\":\"eddsa_signature_bytes\",\"value\":{}}}", signature.to_bytes().len());
}

fn main() {
    let iterations: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    // Keeps base64ct linked in every feature build (the size baseline has the JWT encoding too).
    println!(
        "{{\"op\":\"input_bytes\",\"value\":{}}}",
        base64ct::Base64UrlUnpadded::encoded_len(SIGNING_INPUT)
    );
    #[cfg(feature = "rs256")]
    rs256(iterations);
    #[cfg(feature = "eddsa")]
    eddsa(iterations);
}
