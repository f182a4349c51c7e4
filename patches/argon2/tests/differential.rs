//! This crate (patched: ../README.patch.md) against the argon2 crate as published (`upstream`,
//! crates.io 0.5.2) on random passwords, salts, secrets and parameters, every variant and version.
//! Runs natively and in the wasm build under wasmtime (scripts/test).

use proptest::prelude::*;

/// The hash with the crate named (this one, or `upstream`, the published one): same calls, two
/// crates whose types are distinct.
macro_rules! hash_with {
    ($krate:ident) => {
        |alg: u8,
         v13: bool,
         (m, t, p, len): (u32, u32, u32, usize),
         pwd: &[u8],
         salt: &[u8],
         secret: &[u8]| {
            use $krate::{Algorithm, Argon2, Params, Version};
            let alg = [Algorithm::Argon2d, Algorithm::Argon2i, Algorithm::Argon2id][alg as usize];
            let version = if v13 { Version::V0x13 } else { Version::V0x10 };
            let params = Params::new(m, t, p, Some(len)).unwrap();
            let mut out = vec![0; len];
            Argon2::new_with_secret(secret, alg, version, params)
                .unwrap()
                .hash_password_into(pwd, salt, &mut out)
                .unwrap();
            out
        }
    };
}

fn ours(
    alg: u8,
    v13: bool,
    params: (u32, u32, u32, usize),
    pwd: &[u8],
    salt: &[u8],
    secret: &[u8],
) -> Vec<u8> {
    hash_with!(argon2)(alg, v13, params, pwd, salt, secret)
}

fn theirs(
    alg: u8,
    v13: bool,
    params: (u32, u32, u32, usize),
    pwd: &[u8],
    salt: &[u8],
    secret: &[u8],
) -> Vec<u8> {
    hash_with!(upstream)(alg, v13, params, pwd, salt, secret)
}

fn params() -> impl Strategy<Value = (u32, u32, u32, usize)> {
    (1u32..=4).prop_flat_map(|p| (8 * p..=8 * p + 120, 1u32..=3, Just(p), 4usize..=64))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn same_hash_as_the_published_crate(
        alg in 0u8..3,
        v13 in any::<bool>(),
        params in params(),
        pwd in proptest::collection::vec(any::<u8>(), 0..64),
        salt in proptest::collection::vec(any::<u8>(), 8..32),
        secret in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        prop_assert_eq!(
            ours(alg, v13, params, &pwd, &salt, &secret),
            theirs(alg, v13, params, &pwd, &salt, &secret)
        );
    }
}

/// The project's own parameters (19 MiB, t=2, p=1: crates/app-core/src/domain/password.rs) once:
/// enough passes over real-sized memory that every compression path runs many times.
#[test]
fn same_hash_at_the_projects_parameters() {
    let params = (19 * 1024, 2, 1, 32);
    let (pwd, salt) = (b"correct horse battery staple", b"sixteen byte salt");
    assert_eq!(
        ours(2, true, params, pwd, salt, b""),
        theirs(2, true, params, pwd, salt, b"")
    );
}
