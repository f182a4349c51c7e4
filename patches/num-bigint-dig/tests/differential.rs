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

/// `modpow_pair(x, y1, m1, y2, m2)` against the published crate's two `modpow`s.
fn check_pair(x: &[u8], y1: &[u8], m1: &[u8], y2: &[u8], m2: &[u8]) {
    let n = |b: &[u8]| BigUint::from_bytes_le(b);
    let (z1, z2) = n(x).modpow_pair(&n(y1), &n(m1), &n(y2), &n(m2));
    assert_eq!(
        (z1.to_bytes_le(), z2.to_bytes_le()),
        (theirs(x, y1, m1), theirs(x, y2, m2)),
        "x={x:02x?} y1={y1:02x?} m1={m1:02x?} y2={y2:02x?} m2={m2:02x?}"
    );
}

/// RSA's CRT halves (in wasm with simd128 and 32-bit digits, raised side by side: moduli of one
/// length, long exponents): moduli of 1 to 64 words, a base of up to twice their length, exponents
/// of different lengths, and the same case with the moduli swapped.
#[test]
fn pairs_of_crt_halves_match_the_published_crate() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x70616972);
    for case in 0..128 {
        let bytes = [128, 64, 32, 12, 9, 256, 8, 4][case % 8];
        let (m1, m2) = (
            odd_modulus(&mut rng, bytes, true),
            odd_modulus(&mut rng, bytes, case % 4 != 1),
        );
        // Exponents of over 64 bits, also for the one- and two-word moduli.
        let (x_len, y2_len) = (rng.gen_range(0..=2 * bytes), rng.gen_range(9..=bytes.max(9)));
        let x = random_bytes(&mut rng, x_len);
        let y1 = random_bytes(&mut rng, bytes.max(9));
        let y2 = random_bytes(&mut rng, y2_len);
        check_pair(&x, &y1, &m1, &y2, &m2);
        check_pair(&x, &y2, &m2, &y1, &m1);
    }
}

/// The cases raised one after the other everywhere (moduli of different lengths, an exponent of
/// up to 64 bits, an even modulus) and edge values in the side-by-side one.
#[test]
fn pairs_of_other_shapes_match_the_published_crate() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let (m1, m2) = (odd_modulus(&mut rng, 128, true), odd_modulus(&mut rng, 124, true));
    let (x, y) = (random_bytes(&mut rng, 256), random_bytes(&mut rng, 128));
    check_pair(&x, &y, &m1, &y, &m2);
    check_pair(&x, &65537u32.to_le_bytes(), &m1, &y, &m1);
    let mut even = m1.clone();
    even[0] &= 0xfe;
    check_pair(&x, &y, &even, &y, &m1);
    let m = odd_modulus(&mut rng, 64, true);
    let m_minus_1 = {
        let mut v = m.clone();
        v[0] -= 1;
        v
    };
    let long = [0xffu8; 9];
    for x in [&[][..], &[1][..], &m_minus_1[..], &m[..], &[0xff; 64][..]] {
        for y in [&long[..], &m_minus_1[..], &[0xff; 64][..]] {
            check_pair(x, y, &m, &long, &m_minus_1.iter().map(|b| b | 1).collect::<Vec<_>>());
            check_pair(x, y, &m, y, &m);
        }
    }
}
