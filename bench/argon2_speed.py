"""scripts/bench argon2: the argon2id verify a login runs (bench/argon2-speed: PasswordHasher::verify,
the project's parameters, allocating its blocks on every call as a login does) and the hash alone
into memory allocated once, natively and in wasm under wasmtime. The wasm is built with and
without `+simd128`, and with the binary at the release profile's opt-level "z" (as the components)
and at 3: with fat LTO the final crate's opt-level shapes the whole program (natively argon2's own
`opt-level = 3` override does not survive into a "z" binary). The builds alternate batch by batch
so they see the same machine; every ratio comes from this one run."""

import json
import os
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WASMTIME = str(ROOT / ".tools/wasmtime")
BATCH = 10  # of each operation per process (after one warm-up)
SIMD = "-C target-feature=+simd128"


def build(name: str, wasm: bool, rustflags: str, opt: str) -> list[str]:
    target_dir = ROOT / "target/bench-argon2" / name
    env = dict(os.environ, RUSTFLAGS=rustflags, CARGO_TARGET_DIR=str(target_dir))
    cmd = ["cargo", "build", "--release", "--locked", "-p", "argon2-speed",
           "--config", f"profile.release.package.argon2-speed.opt-level={opt}"]
    if not wasm:
        subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        return [str(target_dir / "release/argon2-speed")]
    subprocess.run([*cmd, "--target", "wasm32-wasip2"], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    wasm_file = target_dir / "wasm32-wasip2/release/argon2-speed.wasm"
    subprocess.run([WASMTIME, "compile", str(wasm_file), "-o", str(wasm_file.with_suffix(".cwasm"))], check=True)
    return [WASMTIME, "run", "--allow-precompiled", str(wasm_file.with_suffix(".cwasm"))]


def argon2(rounds: int) -> list[str]:
    variants = [  # (label, dir, wasm, RUSTFLAGS, opt-level)
        ("native, opt-level 3", "native-3", False, "", "3"),
        ("native, opt-level z", "native-z", False, "", '"z"'),
        ("wasm scalar, opt-level 3", "scalar-3", True, "", "3"),
        ("wasm scalar, opt-level z", "scalar-z", True, "", '"z"'),
        ("wasm simd128, opt-level 3", "simd-3", True, SIMD, "3"),
        ("wasm simd128, opt-level z (as scripts/build builds the components)", "simd-z", True, SIMD, '"z"'),
    ]
    runs = {label: build(d, wasm, flags, opt) for label, d, wasm, flags, opt in variants}
    samples = {label: {"verify": [], "hash_reused_memory": []} for label in runs}
    for _ in range(max(1, rounds // BATCH)):
        for label, cmd in runs.items():
            out = subprocess.run([*cmd, str(BATCH)], check=True, capture_output=True, text=True).stdout
            for line in out.splitlines():
                d = json.loads(line)
                samples[label][d["op"]].append(d["median_us"] / 1000)
    med = {label: {op: statistics.median(v) for op, v in ops.items()} for label, ops in samples.items()}
    floor = med["native, opt-level 3"]
    rows = ["| build | batches × calls | verify ms (allocates) | / native | hash, memory reused ms | / native |",
            "|---|---|---|---|---|---|"]
    for label, m in med.items():
        n = len(samples[label]["verify"])
        rows.append(f"| {label} | {n} × {BATCH} | {m['verify']:.2f} | {m['verify'] / floor['verify']:.2f} | "
                    f"{m['hash_reused_memory']:.2f} | {m['hash_reused_memory'] / floor['hash_reused_memory']:.2f} |")
    wasm_labels = [label for label, _, wasm, _, _ in variants if wasm]
    best = min(wasm_labels, key=lambda label: med[label]["verify"])
    before = wasm_labels[-1]
    rows += ["",
             f"- fastest wasm build: **{best}**; against native at opt-level 3, the hash alone: "
             f"**{med[best]['hash_reused_memory'] / floor['hash_reused_memory']:.2f}×** (target ≤ 1.15×), "
             f"the verify as a login calls it: {med[best]['verify'] / floor['verify']:.2f}× (natively each call "
             "maps and faults in fresh pages; the wasm instance's allocator reuses its memory)",
             f"- against the components' build ({before}): "
             f"**{med[best]['verify'] / med[before]['verify']:.2f}×**",
             "", f"wasmtime {subprocess.run([WASMTIME, '--version'], capture_output=True, text=True).stdout.split()[1]} "
             "(Cranelift), precompiled; native x86-64 (the crate's AVX2 dispatch); same machine, same run."]
    return rows
