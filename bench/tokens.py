"""scripts/bench tokens: RS256 vs EdDSA for the access tokens, signing and verifying, natively and in
wasm (wasmtime), with the RustCrypto crates (`rsa`, `ed25519-dalek`) a jsonwebtoken provider uses;
and the size each algorithm adds to a wasm binary (bench/token-algs built with one feature each).
The program is bench/token-algs/src/main.rs; this script builds it and compares."""

import json
import os
import subprocess
import sys
from pathlib import Path

import cranelift

ROOT = Path(__file__).resolve().parent.parent
WASM = ROOT / "target/wasm32-wasip2/release/token-algs.wasm"
NATIVE = ROOT / "target/release/token-algs"


def cargo(*args: str, wasm: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RUSTFLAGS"}  # wasm: .cargo/config.toml's, as scripts/build
    cmd = ["cargo", "build", "--release", "--locked", "-p", "token-algs", *args]
    if wasm:
        cmd += ["--target", "wasm32-wasip2"]
    subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    if wasm:  # wasm-opt, as scripts/build runs it over the components (sizes and speed as shipped)
        subprocess.run([sys.executable, str(ROOT / "scripts/wasm-opt-component.py"), str(WASM)], check=True)


def run(cmd: list[str]) -> dict[str, dict]:
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return {d["op"]: d for d in map(json.loads, out.splitlines())}


def tokens(rounds: int) -> list[str]:
    sizes = {}
    for name, features in [("neither", ["--no-default-features"]),
                           ("rs256", ["--no-default-features", "--features", "rs256"]),
                           ("eddsa", ["--no-default-features", "--features", "eddsa"])]:
        cargo(*features, wasm=True)
        sizes[name] = WASM.stat().st_size
    cargo(wasm=True)
    cargo(wasm=False)
    native = run([str(NATIVE), str(rounds)])
    wasmtime = str(ROOT / ".tools/wasmtime")
    wasm = run([wasmtime, "run", str(WASM), str(rounds)])
    no_avx512 = None
    if cranelift.available():  # the same wasm compiled as for an x86-64 without AVX-512 (bench/cranelift.py)
        cwasm = WASM.with_suffix(".no-avx512.cwasm")
        cranelift.compile_without_avx512(wasmtime, str(WASM), str(cwasm))
        no_avx512 = run([wasmtime, "run", "--allow-precompiled", str(cwasm), str(rounds)])
    ops = ["rs256_sign", "rs256_verify", "rs256_parse_private_key", "eddsa_sign", "eddsa_verify"]
    rows = ["| operation | native median µs | wasm median µs | wasm / native |", "|---|---|---|---|"]
    for op in ops:
        n, w = native[op]["median_us"], wasm[op]["median_us"]
        rows.append(f"| {op} ({wasm[op]['iterations']}×) | {n:.1f} | {w:.1f} | {w / n:.2f} |")
    if no_avx512:
        sign, verify = (no_avx512[f"rs256_{w}"]["median_us"] for w in ("sign", "verify"))
        rows += ["", f"Compiled as for an x86-64 without AVX-512 (bench/cranelift.py), on this machine: RS256 sign "
                     f"{sign:.1f} µs ({sign / wasm['rs256_sign']['median_us']:.2f}× the host build), verify {verify:.1f} µs "
                     f"({verify / wasm['rs256_verify']['median_us']:.2f}×)"]
    rows += ["", "| in wasm | RS256 | EdDSA | RS256 / EdDSA |", "|---|---|---|---|"]
    for what in ["sign", "verify"]:
        r, e = wasm[f"rs256_{what}"]["median_us"], wasm[f"eddsa_{what}"]["median_us"]
        rows.append(f"| {what} µs | {r:.1f} | {e:.1f} | {r / e:.1f} |")
    rs_sig, ed_sig = wasm["rs256_signature_bytes"]["value"], wasm["eddsa_signature_bytes"]["value"]
    rows.append(f"| signature bytes (base64url in the token: ×4/3) | {rs_sig} | {ed_sig} | {rs_sig / ed_sig:.1f} |")
    kib = lambda b: b / 1024
    rows += ["", "| wasm size (bench/token-algs, release, LTO, wasm-opt as scripts/build) | bytes | added by the algorithm |", "|---|---|---|",
             f"| neither (SHA-256, base64) | {sizes['neither']} | — |",
             f"| rs256 (`rsa` 0.9: PKCS#1 v1.5, PKCS#8 PEM, num-bigint-dig) | {sizes['rs256']} | +{kib(sizes['rs256'] - sizes['neither']):.0f} KiB |",
             f"| eddsa (`ed25519-dalek` 2, curve25519-dalek) | {sizes['eddsa']} | +{kib(sizes['eddsa'] - sizes['neither']):.0f} KiB |",
             "", "Components as built by scripts/build (RS256 provider):"]
    for c in ["register", "login", "chat"]:
        f = ROOT / f"target/wasm32-wasip2/release/{c}.wasm"
        if f.exists():
            rows.append(f"- {c}.wasm: {kib(f.stat().st_size):.0f} KiB")
    rows.append("")
    rows.append(f"Medians of {rounds} signatures / {rounds * 10} verifications; wasm under `.tools/wasmtime run` "
                "(wasmtime 49, Cranelift, SIMD), native x86-64, same machine, same run.")
    return rows
