//! `scripts/bench argon2` (bench/argon2_speed.py): the argon2id hash at the parameters given (the
//! project's, read from crates/app-core by the script) into memory allocated once, with this
//! crate (patched: ../README.patch.md) and with the crate as published (`upstream`, crates.io
//! 0.5.2), in one process. Prints one JSON line per operation (bench/measure.rs).
//!
//!     cargo run --release -p argon2@0.5.3 --example speed -- ROUNDS M_KIB T P
#[path = "../../../bench/measure.rs"]
mod measure;
use measure::measure;

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let [rounds, m, t, p] = args[..] else {
        panic!("usage: speed ROUNDS M_KIB T P")
    };
    let (password, salt) = (b"correct horse battery staple", b"sixteen byte salt");

    let theirs = upstream::Argon2::new(
        upstream::Algorithm::Argon2id,
        upstream::Version::V0x13,
        upstream::Params::new(m, t, p, Some(32)).unwrap(),
    );
    let mut blocks = vec![upstream::Block::new(); m as usize];
    let mut published = [0u8; 32];
    measure("hash_published", rounds, || {
        theirs
            .hash_password_into_with_memory(password, salt, &mut published, &mut blocks)
            .unwrap()
    });
    let ours = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(m, t, p, Some(32)).unwrap(),
    );
    let mut blocks = vec![argon2::Block::new(); m as usize];
    let mut patched = [0u8; 32];
    measure("hash_patched", rounds, || {
        ours.hash_password_into_with_memory(password, salt, &mut patched, &mut blocks)
            .unwrap()
    });

    assert_eq!(
        patched, published,
        "the patched crate and the published one disagree"
    );
}
