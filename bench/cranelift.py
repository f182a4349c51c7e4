"""Wasm compiled as for an x86-64 without AVX-512: AVX2 and the rest of x86-64-v3, nothing newer.

Without AVX-512 (DQ, VL) Cranelift has no one-instruction multiply of 64-bit vector lanes: each
`i64x2.mul` becomes three `pmuludq` plus shifts and adds, and argon2's and RSA's inner loops slow
down (patches/argon2/README.patch.md). Lambda does not say which x86-64 it runs on, so
`scripts/bench argon2` and `scripts/bench tokens` also run the components' code compiled this way,
on this machine (which must have these features), beside the host build."""

import platform
import subprocess

X86_64_V3 = ["--target", "x86_64-unknown-linux",
             *(f"-Ccranelift-has-{f}=true"
               for f in ("sse3", "ssse3", "sse41", "sse42", "popcnt", "avx", "avx2", "bmi1", "bmi2", "lzcnt", "fma"))]


def available() -> bool:
    """Only an x86-64 host can run x86-64 code."""
    return platform.machine() in ("x86_64", "AMD64")


def compile_without_avx512(wasmtime: str, wasm: str, out: str, *flags: str) -> None:
    subprocess.run([wasmtime, "compile", *flags, *X86_64_V3, wasm, "-o", out], check=True)
