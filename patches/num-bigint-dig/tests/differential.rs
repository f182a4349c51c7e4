//! This crate's `modpow` (patched: ../README.patch.md) against the crate as published (`upstream`,
//! crates.io 0.8.5, whose Montgomery code 0.8.6 did not change) on random bases, exponents and odd
//! moduli of 1 to 80 words, plus RSA-shaped cases: 1024- and 2048-bit moduli, e = 65537 and full-length
//! exponents. Runs natively with either digit size and in the wasm build under wasmtime
//! (scripts/test).
use num_bigint_dig::BigUint;
use rand::{Rng, RngCore, SeedableRng};

fn theirs(x: &[u8], y: &[u8], m: &[u8]) -> Vec<u8> {
    let (x, y, m) = (
        upstream::BigUint::from_bytes_le(x),
        upstream::BigUint::from_bytes_le(y),
        upstream::BigUint::from_bytes_le(m),
    );
    x.modpow(&y, &m).to_bytes_le()
}

fn ours(x: &[u8], y: &[u8], m: &[u8]) -> Vec<u8> {
    let (x, y, m) = (
        BigUint::from_bytes_le(x),
        BigUint::from_bytes_le(y),
        BigUint::from_bytes_le(m),
    );
    x.modpow(&y, &m).to_bytes_le()
}

fn random_bytes(rng: &mut impl RngCore, len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    rng.fill_bytes(&mut v);
    v
}

/// An odd modulus of `len` bytes, its top bit set or not.
fn odd_modulus(rng: &mut impl Rng, len: usize, top_bit: bool) -> Vec<u8> {
    let mut m = random_bytes(rng, len);
    m[0] |= 1;
    if top_bit {
        m[len - 1] |= 0x80;
    }
    m
}

fn check(x: &[u8], y: &[u8], m: &[u8]) {
    assert_eq!(
        ours(x, y, m),
        theirs(x, y, m),
        "x={x:02x?} y={y:02x?} m={m:02x?}"
    );
}

#[test]
fn random_odd_moduli_match_the_published_crate() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x6d6f6e7479);
    for case in 0..600 {
        let m_len = rng.gen_range(1..=320); // up to 80 32-bit words
        let m = odd_modulus(&mut rng, m_len, case % 3 != 0);
        let x_len = rng.gen_range(0..=2 * m_len); // the base may be longer than the modulus
        let y_len = if case % 2 == 0 {
            rng.gen_range(0..=9)
        } else {
            rng.gen_range(0..=m_len)
        }; // short and long exponents
        check(
            &random_bytes(&mut rng, x_len),
            &random_bytes(&mut rng, y_len),
            &m,
        );
    }
}

#[test]
fn rsa_shaped_cases_match_the_published_crate() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2048);
    for bytes in [128, 256] {
        for _ in 0..6 {
            let m = odd_modulus(&mut rng, bytes, true);
            let x = random_bytes(&mut rng, bytes);
            check(&x, &65537u32.to_le_bytes(), &m);
            check(&x, &3u32.to_le_bytes(), &m);
            check(&x, &random_bytes(&mut rng, bytes), &m);
            check(
                &random_bytes(&mut rng, 2 * bytes),
                &random_bytes(&mut rng, bytes),
                &m,
            ); // CRT: c mod p
        }
    }
}

#[test]
fn edge_values_match_the_published_crate() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for bytes in [1usize, 4, 8, 12, 16, 17, 128] {
        let m = odd_modulus(&mut rng, bytes, true);
        let m_minus_1 = {
            let mut v = m.clone();
            v[0] -= 1;
            v
        };
        let all_ones = vec![0xff; bytes];
        for x in [&[][..], &[1][..], &m_minus_1[..], &m[..], &all_ones[..]] {
            for y in [
                &[][..],
                &[1][..],
                &[2][..],
                &[0xff; 8][..],
                &[0xff; 9][..],
                &m_minus_1[..],
            ] {
                check(x, y, &m);
            }
        }
    }
    for m in [
        &[1u8][..],
        &[3][..],
        &[0xff, 0xff, 0xff, 0xff][..],
        &[1, 0, 0, 0, 1][..],
    ] {
        check(&[5], &[7], m);
        check(&[], &[], m);
    }
}
