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

    // The same calls with either crate (their types are distinct): memory allocated once, then timed.
    macro_rules! hash_with {
        ($krate:ident, $op:literal) => {{
            let argon2 = $krate::Argon2::new(
                $krate::Algorithm::Argon2id,
                $krate::Version::V0x13,
                $krate::Params::new(m, t, p, Some(32)).unwrap(),
            );
            let mut blocks = vec![$krate::Block::new(); m as usize];
            let mut out = [0u8; 32];
            measure($op, rounds, || {
                argon2
                    .hash_password_into_with_memory(password, salt, &mut out, &mut blocks)
                    .unwrap()
            });
            out
        }};
    }
    let published = hash_with!(upstream, "hash_published");
    let patched = hash_with!(argon2, "hash_patched");
    assert_eq!(
        patched, published,
        "the patched crate and the published one disagree"
    );
}
