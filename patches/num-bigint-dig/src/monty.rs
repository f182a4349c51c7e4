#![allow(clippy::many_single_char_names)]
// Patched (../README.patch.md): the Montgomery multiplication interleaves the product and the
// reduction in one pass with double-width accumulators (no carry comparisons), works in reused
// buffers, and is unrolled by eight (then blocks of 4, 2 and 1); exponents of up to 64 bits (RSA's public exponent) are raised
// bit by bit instead of through a 16-entry window table. The results are upstream's, bit for bit
// (tests/differential.rs).

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Shl;
use num_traits::One;

use crate::algorithms::sub2;
use crate::big_digit::{self, BigDigit, DoubleBigDigit};
use crate::biguint::BigUint;

/// -m0⁻¹ mod 2^BITS (m0 odd), by Newton's iteration: each step doubles the correct low bits.
fn neg_inv(m0: BigDigit) -> BigDigit {
    assert_ne!(m0 & 1, 0);
    let mut x: BigDigit = 1; // correct to 1 bit
    let mut bits = 1;
    while bits < big_digit::BITS {
        x = x.wrapping_mul((2 as BigDigit).wrapping_sub(m0.wrapping_mul(x)));
        bits *= 2;
    }
    x.wrapping_neg()
}

/// t + a·b + c, which never overflows the double width: (2^W−1)² + 2(2^W−1) = 2^2W − 1.
#[inline(always)]
fn mac(t: BigDigit, a: BigDigit, b: BigDigit, c: DoubleBigDigit) -> DoubleBigDigit {
    t as DoubleBigDigit + (a as DoubleBigDigit) * (b as DoubleBigDigit) + c
}

const W: usize = big_digit::BITS;

/// z = x·y·R⁻¹ mod m with R = 2^(W·n), "almost" reduced like upstream's (Gueron, "Efficient
/// Software Implementations of Modular Exponentiation", https://eprint.iacr.org/2011/239.pdf): for
/// x, y < R the result is < R, not necessarily < m. Coarsely integrated operand scanning: each
/// step adds x·y[i] and u·m (u chosen so the low word vanishes) and shifts down one word. `t` is
/// scratch of n + 1 words; k = -m⁻¹ mod 2^W.
#[inline(never)]
fn montgomery(
    z: &mut [BigDigit],
    x: &[BigDigit],
    y: &[BigDigit],
    m: &[BigDigit],
    k: BigDigit,
    t: &mut [BigDigit],
) {
    let n = m.len();
    let (x, y, z, t) = (&x[..n], &y[..n], &mut z[..n], &mut t[..n + 1]);
    t.fill(0);
    for &yi in y {
        let s = mac(t[0], x[0], yi, 0);
        let u = (s as BigDigit).wrapping_mul(k);
        let r = mac(s as BigDigit, u, m[0], 0);
        let (mut c1, mut c2) = (s >> W, r >> W);
        // One word of x·y[i] + u·m, shifted down one word into t.
        macro_rules! step {
            ($j:expr) => {{
                let s = mac(t[$j], x[$j], yi, c1);
                let r = mac(s as BigDigit, u, m[$j], c2);
                t[$j - 1] = r as BigDigit;
                c1 = s >> W;
                c2 = r >> W;
            }};
        }
        // Eight words per iteration, then at most one block of 4, 2 and 1: few loop back-edges,
        // which wasm runtimes with epoch interruption (Spin) check on each pass.
        let mut j = 1;
        while j + 8 <= n {
            step!(j);
            step!(j + 1);
            step!(j + 2);
            step!(j + 3);
            step!(j + 4);
            step!(j + 5);
            step!(j + 6);
            step!(j + 7);
            j += 8;
        }
        if j + 4 <= n {
            step!(j);
            step!(j + 1);
            step!(j + 2);
            step!(j + 3);
            j += 4;
        }
        if j + 2 <= n {
            step!(j);
            step!(j + 1);
            j += 2;
        }
        if j < n {
            step!(j);
        }
        // t < 2R throughout, so the top word is 0 or 1 and the sum below fits.
        let s = t[n] as DoubleBigDigit + c1 + c2;
        t[n - 1] = s as BigDigit;
        t[n] = (s >> W) as BigDigit;
    }
    if t[n] != 0 {
        // t ≥ R > m: t − m < R (the borrow clears t[n]).
        sub2(t, m);
    }
    z.copy_from_slice(&t[..n]);
}

fn bit(y: &BigUint, i: usize) -> usize {
    ((y.data[i / W] >> (i % W)) & 1) as usize
}

/// Calculates x ** y mod m: a fixed 4-bit window (as upstream) for long exponents, bit by bit
/// for exponents of up to 64 bits.
pub fn monty_modpow(x: &BigUint, y: &BigUint, m: &BigUint) -> BigUint {
    assert!(m.data[0] & 1 == 1);
    let k = neg_inv(m.data[0]);
    let n = m.data.len();
    let md = &m.data[..];

    // x with the length of m (it may be ≥ m as long as it fits: the multiplication allows it).
    let reduced;
    let x = if x.data.len() > n {
        reduced = x % m;
        &reduced
    } else {
        x
    };
    let mut xd = vec![0; n];
    xd[..x.data.len()].copy_from_slice(&x.data);

    // rr = R² mod m, to move into the Montgomery domain.
    let rr = BigUint::one().shl(2 * n * W) % m;
    let mut rrd = vec![0; n];
    rrd[..rr.data.len()].copy_from_slice(&rr.data);
    let mut one = vec![0; n];
    one[0] = 1;

    let mut t = vec![0; n + 1];
    let mut z: Vec<BigDigit> = vec![0; n];
    let mut zz: Vec<BigDigit> = vec![0; n];
    let bits = y.bits();
    if bits == 0 {
        montgomery(&mut z, &one, &rrd, md, k, &mut t); // R mod m: 1 in the Montgomery domain
    } else if bits <= 64 {
        let mut base = vec![0; n];
        montgomery(&mut base, &xd, &rrd, md, k, &mut t);
        z.copy_from_slice(&base);
        for i in (0..bits - 1).rev() {
            montgomery(&mut zz, &z, &z, md, k, &mut t);
            if bit(y, i) == 1 {
                montgomery(&mut z, &zz, &base, md, k, &mut t);
            } else {
                core::mem::swap(&mut z, &mut zz);
            }
        }
    } else {
        const WINDOW: usize = 4;
        // powers[i] = x^i in the Montgomery domain
        let mut powers = vec![vec![0; n]; 1 << WINDOW];
        montgomery(&mut powers[0], &one, &rrd, md, k, &mut t);
        montgomery(&mut powers[1], &xd, &rrd, md, k, &mut t);
        for i in 2..1 << WINDOW {
            let (done, rest) = powers.split_at_mut(i);
            montgomery(&mut rest[0], &done[i - 1], &done[1], md, k, &mut t);
        }
        let window = |w: usize| -> usize {
            (0..WINDOW).rev().fold(0, |v, b| {
                let i = w * WINDOW + b;
                v << 1 | if i < bits { bit(y, i) } else { 0 }
            })
        };
        let windows = (bits + WINDOW - 1) / WINDOW;
        z.copy_from_slice(&powers[window(windows - 1)]);
        for w in (0..windows - 1).rev() {
            for _ in 0..WINDOW / 2 {
                montgomery(&mut zz, &z, &z, md, k, &mut t);
                montgomery(&mut z, &zz, &zz, md, k, &mut t);
            }
            montgomery(&mut zz, &z, &powers[window(w)], md, k, &mut t);
            core::mem::swap(&mut z, &mut zz);
        }
    }

    // convert to regular number
    montgomery(&mut zz, &z, &one, md, k, &mut t);
    let mut result = BigUint::new_native(zz.into());
    result.normalize();
    // One last reduction, just in case (as upstream; see golang.org/issue/13907).
    if &result >= m {
        result -= m;
        if &result >= m {
            result %= m;
        }
    }
    result.normalize();
    result
}
