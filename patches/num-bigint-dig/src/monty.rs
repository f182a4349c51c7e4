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

/// `$step!(j)` for j = 1 .. n: eight per iteration, then at most one block each of 4, 2 and 1, so
/// few loop back-edges, which wasm runtimes with epoch interruption (Spin) check on each pass.
macro_rules! steps_from_one {
    ($n:expr, $step:ident) => {{
        let n = $n;
        let mut j = 1;
        while j + 8 <= n {
            $step!(j);
            $step!(j + 1);
            $step!(j + 2);
            $step!(j + 3);
            $step!(j + 4);
            $step!(j + 5);
            $step!(j + 6);
            $step!(j + 7);
            j += 8;
        }
        if j + 4 <= n {
            $step!(j);
            $step!(j + 1);
            $step!(j + 2);
            $step!(j + 3);
            j += 4;
        }
        if j + 2 <= n {
            $step!(j);
            $step!(j + 1);
            j += 2;
        }
        if j < n {
            $step!(j);
        }
    }};
}

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
        steps_from_one!(n, step);
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

/// The fixed window of long exponents (as upstream), in bits.
const WINDOW: usize = 4;

/// Window `w` of the exponent `y`, its bits past the top read as 0.
fn window(y: &BigUint, w: usize) -> usize {
    let bits = y.bits();
    (0..WINDOW).rev().fold(0, |v, b| {
        let i = w * WINDOW + b;
        v << 1 | if i < bits { bit(y, i) } else { 0 }
    })
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
        // powers[i] = x^i in the Montgomery domain
        let mut powers = vec![vec![0; n]; 1 << WINDOW];
        montgomery(&mut powers[0], &one, &rrd, md, k, &mut t);
        montgomery(&mut powers[1], &xd, &rrd, md, k, &mut t);
        for i in 2..1 << WINDOW {
            let (done, rest) = powers.split_at_mut(i);
            montgomery(&mut rest[0], &done[i - 1], &done[1], md, k, &mut t);
        }
        let windows = (bits + WINDOW - 1) / WINDOW;
        z.copy_from_slice(&powers[window(y, windows - 1)]);
        for w in (0..windows - 1).rev() {
            for _ in 0..WINDOW / 2 {
                montgomery(&mut zz, &z, &z, md, k, &mut t);
                montgomery(&mut z, &zz, &zz, md, k, &mut t);
            }
            montgomery(&mut zz, &z, &powers[window(y, w)], md, k, &mut t);
            core::mem::swap(&mut z, &mut zz);
        }
    }

    // convert to regular number
    montgomery(&mut zz, &z, &one, md, k, &mut t);
    from_words(zz, m)
}

/// The number out of the Montgomery domain's last product, with one last reduction just in case
/// (as upstream; see golang.org/issue/13907).
fn from_words(words: Vec<BigDigit>, m: &BigUint) -> BigUint {
    let mut result = BigUint::new_native(words.into());
    result.normalize();
    if &result >= m {
        result -= m;
        if &result >= m {
            result %= m;
        }
    }
    result.normalize();
    result
}

/// `(x^y1 mod m1, x^y2 mod m2)`, as two [`monty_modpow`]s: RSA's two CRT halves. In wasm with
/// `simd128` and 32-bit digits, two odd moduli of one length with long exponents are raised side
/// by side, one in each 64-bit lane of the vectors ([`pair`]); otherwise one after the other.
pub fn monty_modpow_pair(
    x: &BigUint,
    y1: &BigUint,
    m1: &BigUint,
    y2: &BigUint,
    m2: &BigUint,
) -> (BigUint, BigUint) {
    #[cfg(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        not(feature = "u64_digit")
    ))]
    if m1.data.len() == m2.data.len() && y1.bits() > 64 && y2.bits() > 64 {
        return pair::modpow(x, y1, m1, y2, m2);
    }
    (monty_modpow(x, y1, m1), monty_modpow(x, y2, m2))
}

/// Two Montgomery exponentiations at once with wasm `simd128`: lane 0 of every vector works for
/// the first modulus, lane 1 for the second, each a 32-bit word widened to 64 bits, so each
/// `u64x2_extmul_low_u32x4` makes both lanes' word products and one add, shift or mask does both
/// lanes' carries. The steps and results are [`montgomery`]'s and [`monty_modpow`]'s, lane by lane.
#[cfg(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    not(feature = "u64_digit")
))]
mod pair {
    use super::*;
    use core::arch::wasm32::*;

    /// Two numbers of up to `n` words, interleaved: word j of `a` at 2j, of `b` at 2j + 1.
    fn interleave(a: &[BigDigit], b: &[BigDigit], n: usize) -> Vec<BigDigit> {
        let mut out = vec![0; 2 * n];
        for (j, &w) in a.iter().enumerate() {
            out[2 * j] = w;
        }
        for (j, &w) in b.iter().enumerate() {
            out[2 * j + 1] = w;
        }
        out
    }

    /// Word pair j of an interleaved buffer, in the vector's 32-bit lanes 0 and 1.
    #[inline(always)]
    unsafe fn pair_at(p: *const BigDigit, j: usize) -> v128 {
        v128_load64_zero((p as *const u64).add(j))
    }

    /// [`montgomery`] in both lanes: z = x·y·R⁻¹ (almost reduced) for the first modulus in the
    /// even words and the second in the odd ones. `x`, `m` and `z` are interleaved; lane 0's `y`
    /// is the even words of `y0`, lane 1's the odd words of `y1` (two entries of a table, or one
    /// buffer twice). `k` holds -m⁻¹ mod 2^32 of each in 32-bit lanes 0 and 1; `t` is n + 1 vectors
    /// of scratch.
    #[inline(never)]
    fn montgomery2(
        z: &mut [BigDigit],
        x: &[BigDigit],
        y0: &[BigDigit],
        y1: &[BigDigit],
        m: &[BigDigit],
        k: v128,
        t: &mut [v128],
    ) {
        let n = m.len() / 2;
        let (x, y0, y1) = (&x[..2 * n], &y0[..2 * n], &y1[..2 * n]);
        let (z, t) = (&mut z[..2 * n], &mut t[..n + 1]);
        let low = u64x2_splat(u32::MAX as u64);
        t.fill(u64x2_splat(0));
        let (xp, mp, tp) = (x.as_ptr(), m.as_ptr(), t.as_mut_ptr());
        for i in 0..n {
            let yi = u32x4(y0[2 * i], y1[2 * i + 1], 0, 0);
            // SAFETY: j ≤ n for t and j < n for the word pairs of x and m (lengths checked above).
            unsafe {
                let s = i64x2_add(*tp, u64x2_extmul_low_u32x4(pair_at(xp, 0), yi));
                let s_low = i32x4_shuffle::<0, 2, 0, 2>(s, s);
                let u = u64x2_extmul_low_u32x4(s_low, k);
                let u = i32x4_shuffle::<0, 2, 0, 2>(u, u);
                let r = i64x2_add(v128_and(s, low), u64x2_extmul_low_u32x4(pair_at(mp, 0), u));
                let (mut c1, mut c2) = (u64x2_shr(s, 32), u64x2_shr(r, 32));
                macro_rules! step {
                    ($j:expr) => {{
                        let s = i64x2_add(
                            i64x2_add(*tp.add($j), u64x2_extmul_low_u32x4(pair_at(xp, $j), yi)),
                            c1,
                        );
                        let r = i64x2_add(
                            i64x2_add(v128_and(s, low), u64x2_extmul_low_u32x4(pair_at(mp, $j), u)),
                            c2,
                        );
                        *tp.add($j - 1) = v128_and(r, low);
                        c1 = u64x2_shr(s, 32);
                        c2 = u64x2_shr(r, 32);
                    }};
                }
                steps_from_one!(n, step);
                let s = i64x2_add(i64x2_add(*tp.add(n), c1), c2);
                *tp.add(n - 1) = v128_and(s, low);
                *tp.add(n) = u64x2_shr(s, 32);
            }
        }
        for (j, v) in t[..n].iter().enumerate() {
            z[2 * j] = u64x2_extract_lane::<0>(*v) as BigDigit;
            z[2 * j + 1] = u64x2_extract_lane::<1>(*v) as BigDigit;
        }
        // Per lane, as `montgomery`: t ≥ R > m, so t − m < R (the borrow is the top word's).
        for (lane, top) in [u64x2_extract_lane::<0>(t[n]), u64x2_extract_lane::<1>(t[n])]
            .into_iter()
            .enumerate()
        {
            if top != 0 {
                let mut borrow = 0;
                for j in 0..n {
                    let d = z[2 * j + lane] as DoubleBigDigit;
                    let s = d
                        .wrapping_sub(m[2 * j + lane] as DoubleBigDigit)
                        .wrapping_sub(borrow);
                    z[2 * j + lane] = s as BigDigit;
                    borrow = (s >> W) & 1;
                }
            }
        }
    }

    /// [`monty_modpow`]'s fixed 4-bit window for both: m1 and m2 odd, of one length.
    #[cfg_attr(not(feature = "zeroize"), allow(unused_mut))]
    pub(super) fn modpow(
        x: &BigUint,
        y1: &BigUint,
        m1: &BigUint,
        y2: &BigUint,
        m2: &BigUint,
    ) -> (BigUint, BigUint) {
        assert!(m1.data[0] & 1 == 1 && m2.data[0] & 1 == 1);
        let n = m1.data.len();
        let mut md = interleave(&m1.data, &m2.data, n);
        let k = u32x4(neg_inv(m1.data[0]), neg_inv(m2.data[0]), 0, 0);
        let (x1, x2) = (x % m1, x % m2);
        let mut xd = interleave(&x1.data, &x2.data, n);
        let rr = |m: &BigUint| BigUint::one().shl(2 * n * W) % m;
        let mut rrd = interleave(&rr(m1).data, &rr(m2).data, n);
        let one = interleave(&[1], &[1], n);
        let mut t = vec![u64x2_splat(0); n + 1];

        let mut powers = vec![vec![0; 2 * n]; 1 << WINDOW];
        montgomery2(&mut powers[0], &one, &rrd, &rrd, &md, k, &mut t);
        montgomery2(&mut powers[1], &xd, &rrd, &rrd, &md, k, &mut t);
        for i in 2..1 << WINDOW {
            let (done, rest) = powers.split_at_mut(i);
            montgomery2(&mut rest[0], &done[i - 1], &done[1], &done[1], &md, k, &mut t);
        }
        let bits = y1.bits().max(y2.bits());
        let windows = (bits + WINDOW - 1) / WINDOW;
        let (top1, top2) = (window(y1, windows - 1), window(y2, windows - 1));
        let mut z: Vec<BigDigit> = (0..2 * n)
            .map(|i| powers[if i % 2 == 0 { top1 } else { top2 }][i])
            .collect();
        let mut zz = vec![0; 2 * n];
        for w in (0..windows - 1).rev() {
            for _ in 0..WINDOW / 2 {
                montgomery2(&mut zz, &z, &z, &z, &md, k, &mut t);
                montgomery2(&mut z, &zz, &zz, &zz, &md, k, &mut t);
            }
            let (p1, p2) = (&powers[window(y1, w)], &powers[window(y2, w)]);
            montgomery2(&mut zz, &z, p1, p2, &md, k, &mut t);
            core::mem::swap(&mut z, &mut zz);
        }
        montgomery2(&mut zz, &z, &one, &one, &md, k, &mut t);

        // Out of the lanes, then `monty_modpow`'s last reduction.
        let lane = |l: usize| (0..n).map(|j| zz[2 * j + l]).collect();
        let result = (from_words(lane(0), m1), from_words(lane(1), m2));
        // Unlike `monty_modpow`, this copied the moduli (RSA's secret primes): cleared, with the
        // values derived from them, before they are freed.
        #[cfg(feature = "zeroize")]
        {
            use zeroize::Zeroize;
            for buffer in [&mut md, &mut rrd, &mut xd, &mut z, &mut zz].into_iter().chain(&mut powers) {
                buffer.zeroize();
            }
        }
        result
    }
}
