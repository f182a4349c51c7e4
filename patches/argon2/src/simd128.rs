//! Block compression with wasm `simd128` (patched in: ../README.patch.md).
//!
//! The reference implementation's SSE layout (`blamka-round-opt.h`, `fill_block`): a 16-word row
//! or column of the block is eight `v128`s of two words, `A0 A1 B0 B1 C0 C1 D0 D1`; G runs on two
//! words at once, and the diagonal step is three two-register shuffles instead of a permutation of
//! words. Two rows (then two columns) are permuted side by side, step by step: four independent G
//! chains for the processor to overlap, where one P alone leaves it mostly waiting on the chain
//! of multiply, add, xor and shuffle. The new block is written where it belongs, without a
//! block-sized temporary returned, zeroed or copied. Each operation is picked for what wasmtime's
//! Cranelift makes of it on x86-64: the rotations by 32, 24 and 16 are one byte shuffle each, by
//! 63 a shift, an add and an or, the diagonal moves `palignr`s.
use crate::Block;
use core::arch::wasm32::*;

/// BlaMka, `x + y + 2 * lo32(x) * lo32(y)` on each word, where `y` is the operand G has just
/// computed and `x` an older one: the doubling and masking of `x` are off the dependency chain
/// that runs through `y`.
#[inline(always)]
fn blamka(x: v128, y: v128) -> v128 {
    let low = u64x2_splat(u32::MAX as u64);
    let x2 = u64x2_shl(v128_and(x, low), 1);
    i64x2_add(i64x2_add(x, y), i64x2_mul(v128_and(y, low), x2))
}

#[inline(always)]
fn rotr32(x: v128) -> v128 {
    i32x4_shuffle::<1, 0, 3, 2>(x, x)
}

#[inline(always)]
fn rotr24(x: v128) -> v128 {
    i8x16_shuffle::<3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10>(x, x)
}

#[inline(always)]
fn rotr16(x: v128) -> v128 {
    i8x16_shuffle::<2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9>(x, x)
}

#[inline(always)]
fn rotr63(x: v128) -> v128 {
    v128_or(u64x2_shr(x, 63), i64x2_add(x, x))
}

/// The upper word of `x`, then the lower word of `y` (`palignr`).
#[inline(always)]
fn hi_lo(x: v128, y: v128) -> v128 {
    i64x2_shuffle::<1, 2>(x, y)
}

/// G on two words of each of several groups, step by step across the groups (independent chains
/// side by side for the processor to overlap).
macro_rules! g {
    ($(($a:ident, $b:ident, $c:ident, $d:ident)),+) => {
        $($a = blamka($a, $b);)+
        $($d = rotr32(v128_xor($d, $a));)+
        $($c = blamka($c, $d);)+
        $($b = rotr24(v128_xor($b, $c));)+
        $($a = blamka($a, $b);)+
        $($d = rotr16(v128_xor($d, $a));)+
        $($c = blamka($c, $d);)+
        $($b = rotr63(v128_xor($b, $c));)+
    };
}

/// The permutation P on two sets of sixteen words, each held as eight pairs `A0 A1 B0 B1 C0 C1 D0
/// D1` in variables (a macro, not a function over arrays: at the components' opt-level "z" LLVM
/// would keep arrays in memory).
macro_rules! round2 {
    ($($a0:ident $a1:ident $b0:ident $b1:ident $c0:ident $c1:ident $d0:ident $d1:ident);+) => {
        g!($(($a0, $b0, $c0, $d0), ($a1, $b1, $c1, $d1)),+);
        // Diagonals: (v0 v5 v10 v15) (v1 v6 v11 v12) in the first pairs, (v2 v7 v8 v13) (v3 v4 v9
        // v14) in the second.
        $(
            ($b0, $b1) = (hi_lo($b0, $b1), hi_lo($b1, $b0));
            ($c0, $c1) = ($c1, $c0);
            ($d0, $d1) = (hi_lo($d1, $d0), hi_lo($d0, $d1));
        )+
        g!($(($a0, $b0, $c0, $d0), ($a1, $b1, $c1, $d1)),+);
        $(
            ($b0, $b1) = (hi_lo($b1, $b0), hi_lo($b0, $b1));
            ($c0, $c1) = ($c1, $c0);
            ($d0, $d1) = (hi_lo($d0, $d1), hi_lo($d1, $d0));
        )+
    };
}

/// Pair `i` (of 64) of the block at `p`.
///
/// # Safety
/// `p` points to a whole block and `i < 64`.
#[inline(always)]
unsafe fn load(p: *const Block, i: usize) -> v128 {
    v128_load((p as *const v128).add(i))
}

/// # Safety
/// As [`load`], and `p` is writable.
#[inline(always)]
unsafe fn store(p: *mut Block, i: usize, v: v128) {
    v128_store((p as *mut v128).add(i), v)
}

/// `next = G(prev, reference)`, or with `with_xor` (version 0x13 after the first pass)
/// `next ^= G(prev, reference)`, where `G(x, y) = P_columns(P_rows(x ^ y)) ^ x ^ y`.
///
/// # Safety
/// The three point to whole blocks, `next` to one that neither of the others is.
// One copy for both callers (the hash's blocks and the address blocks): a call per 1 KiB block
// costs nothing measurable, a second copy ~6 KiB of every component that hashes.
#[inline(never)]
pub(crate) unsafe fn fill_block(
    prev: *const Block,
    reference: *const Block,
    next: *mut Block,
    with_xor: bool,
) {
    // What the permuted block is XORed with at the end: x ^ y, and the old `next` with `with_xor`
    // (masked in rather than branched on: one copy of the code, no test per pair).
    let keep = u64x2_splat(if with_xor { u64::MAX } else { 0 });
    let mut xy = core::mem::MaybeUninit::<[v128; 64]>::uninit();
    let xy = xy.as_mut_ptr() as *mut v128;
    let input = |i: usize| {
        let v = v128_xor(load(prev, i), load(reference, i));
        xy.add(i).write(v128_xor(v, v128_and(load(next, i), keep)));
        v
    };
    // Eight steps, each permuting two sixteen-word sets with one copy of the code: steps 0-3 rows
    // 2s and 2s + 1 (pairs 16s .. 16s + 16, read from `prev ^ reference`), steps 4-7 columns c and
    // c + 1 (pairs c + 8k, read back from `next`, and XORed with `xy` as they are written).
    for step in 0..8 {
        let rows = step < 4;
        // Pair k of set 0 or 1 of this step.
        let (first, next_set, stride) = if rows {
            (16 * step, 8, 1)
        } else {
            (2 * (step - 4), 1, 8)
        };
        let at = |set: usize, k: usize| first + set * next_set + k * stride;
        let get = |i: usize| if rows { input(i) } else { load(next, i) };
        macro_rules! set {
            ($set:expr) => {
                (
                    get(at($set, 0)),
                    get(at($set, 1)),
                    get(at($set, 2)),
                    get(at($set, 3)),
                    get(at($set, 4)),
                    get(at($set, 5)),
                    get(at($set, 6)),
                    get(at($set, 7)),
                )
            };
        }
        let (mut a0, mut a1, mut b0, mut b1, mut c0, mut c1, mut d0, mut d1) = set!(0);
        let (mut e0, mut e1, mut f0, mut f1, mut g0, mut g1, mut h0, mut h1) = set!(1);
        round2!(a0 a1 b0 b1 c0 c1 d0 d1; e0 e1 f0 f1 g0 g1 h0 h1);
        let put = |i: usize, v: v128| {
            let v = if rows {
                v
            } else {
                v128_xor(v, xy.add(i).read())
            };
            store(next, i, v)
        };
        for (k, (v, w)) in [a0, a1, b0, b1, c0, c1, d0, d1]
            .into_iter()
            .zip([e0, e1, f0, f1, g0, g1, h0, h1])
            .enumerate()
        {
            put(at(0, k), v);
            put(at(1, k), w);
        }
    }
}

/// `Block::compress`, for the address blocks (Argon2i and the first half of Argon2id's first pass).
#[inline(always)]
pub(crate) fn compress(rhs: &Block, lhs: &Block) -> Block {
    let mut out = Block::new();
    // SAFETY: three whole blocks; `out` is a fresh one.
    unsafe { fill_block(rhs, lhs, &mut out, false) };
    out
}
