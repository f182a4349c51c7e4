"""scripts/bench argon2: the argon2id verify a login runs (bench/argon2-speed: PasswordHasher::verify,
the project's parameters, allocating its blocks on every call as a login does), the hash alone
into memory allocated once, and that hash with the argon2 crate as published (the workspace
carries a patch: patches/argon2/README.patch.md), natively and in wasm under wasmtime. The wasm is
built with and without `+simd128`, with the binary at the release profile's opt-level "z" (as the
components) and at 3 (with fat LTO the final crate's opt-level shapes the whole program), and each
wasm build runs plain and with epoch interruption, as Spin runs every component (wasmtime then
checks the epoch at each function entry and loop back-edge). The runs alternate batch by batch so
they see the same machine; every ratio comes from this one run."""

import json
import os
import re
import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

import cranelift

ROOT = Path(__file__).resolve().parent.parent
WASMTIME = str(ROOT / ".tools/wasmtime")
BATCH = 10  # of each operation per process (after one warm-up)
# The components' wasm flags, from .cargo/config.toml (simd128); a RUSTFLAGS replaces them ("": none).
SIMD = " ".join(tomllib.loads((ROOT / ".cargo/config.toml").read_text())["target"]["wasm32-wasip2"]["rustflags"])


def params() -> list[str]:
    """The project's argon2 parameters (m KiB, t, p), read from crates/app-core."""
    src = (ROOT / "crates/app-core/src/domain/password.rs").read_text()
    return [re.search(rf"const {name}: u32 = ([0-9_]+);", src).group(1).replace("_", "")
            for name in ("MEMORY_KIB", "ITERATIONS", "PARALLELISM")]


def build(name: str, wasm: bool, rustflags: str, opt: str, no_avx512: bool = False) -> dict[str, list[list[str]]]:
    """Per wasmtime mode ("" plain or native, "epoch", and with `no_avx512` "no-avx512": epoch
    interruption, compiled as for an x86-64 without AVX-512, bench/cranelift.py), the commands that
    take BATCH: bench/argon2-speed (verify, hash) and patches/argon2's example (hash with the patched
    and the published crate)."""
    target_dir = ROOT / "target/bench-argon2" / name
    env = dict(os.environ, RUSTFLAGS=rustflags, CARGO_TARGET_DIR=str(target_dir))  # "": no simd128
    # Each program is the final crate, so its opt-level applies to the whole program (fat LTO).
    # patches/argon2's example is the argon2 package itself: it keeps the workspace's opt-level
    # for argon2 (3, for both crates), as the components do (an override to "z" made the patched
    # crate's column measure code that no component runs).
    builds = [(["-p", "argon2-speed", "--config", f"profile.release.package.argon2-speed.opt-level={opt}"],
               "argon2-speed", []),
              (["-p", "argon2@0.5.3", "--example", "speed"], "examples/speed", params())]
    target = ["--target", "wasm32-wasip2"] if wasm else []
    for args, _, _ in builds:
        subprocess.run(["cargo", "build", "--release", "--locked", *target, *args], check=True, env=env, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    if not wasm:
        return {"": [[str(target_dir / "release" / exe), "BATCH", *extra] for _, exe, extra in builds]}
    modes = {"": [], "epoch": []} | ({"no-avx512": []} if no_avx512 else {})
    for _, exe, extra in builds:
        wasm_file = target_dir / "wasm32-wasip2/release" / f"{exe}.wasm"
        # wasm-opt, as scripts/build runs it over the components: it changes the compression's code
        # (e.g. its spills).
        subprocess.run([sys.executable, str(ROOT / "scripts/wasm-opt-component.py"), str(wasm_file)], check=True)
        plain, epoch = wasm_file.with_suffix(".cwasm"), wasm_file.with_suffix(".epoch.cwasm")
        subprocess.run([WASMTIME, "compile", str(wasm_file), "-o", str(plain)], check=True)
        subprocess.run([WASMTIME, "compile", "-W", "epoch-interruption=y", str(wasm_file), "-o", str(epoch)], check=True)
        modes[""].append([WASMTIME, "run", "--allow-precompiled", str(plain), "BATCH", *extra])
        # -W timeout sets an epoch deadline (an hour: never reached) and ticks the epoch, as Spin does.
        with_epoch = lambda cwasm: [WASMTIME, "run", "-W", "timeout=3600s", "--allow-precompiled", str(cwasm), "BATCH",
                                    *extra]
        modes["epoch"].append(with_epoch(epoch))
        if no_avx512:
            avx2 = wasm_file.with_suffix(".no-avx512.cwasm")
            cranelift.compile_without_avx512(WASMTIME, str(wasm_file), str(avx2), "-W", "epoch-interruption=y")
            modes["no-avx512"].append(with_epoch(avx2))
    return modes


RUNNERS = {"": "plain", "epoch": "epoch interruption (as Spin)",
           "no-avx512": "epoch interruption, compiled for an x86-64 without AVX-512"}


def argon2(rounds: int) -> list[str]:
    variants = [  # (label, dir, wasm, RUSTFLAGS, opt-level)
        ("native, opt-level 3", "native-3", False, "", "3"),
        ("native, opt-level z", "native-z", False, "", '"z"'),
        ("wasm scalar, opt-level 3", "scalar-3", True, "", "3"),
        ("wasm scalar, opt-level z", "scalar-z", True, "", '"z"'),
        ("wasm simd128, opt-level z", "simd-z", True, SIMD, '"z"'),
    ]
    components = "wasm simd128, opt-level z" if "+simd128" in SIMD else "wasm scalar, opt-level z"
    runs = {}
    for label, d, wasm, flags, opt in variants:
        for mode, cmd in build(d, wasm, flags, opt, no_avx512=label == components and cranelift.available()).items():
            runs[(label, mode)] = cmd
    ops = ("verify", "hash_reused_memory", "hash_patched", "hash_published")
    samples = {key: {op: [] for op in ops} for key in runs}
    for _ in range(max(1, rounds // BATCH)):
        for key, cmds in runs.items():
            for cmd in cmds:
                cmd = [str(BATCH) if a == "BATCH" else a for a in cmd]
                for line in subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines():
                    d = json.loads(line)
                    samples[key][d["op"]].append(d["median_us"] / 1000)
    med = {key: {op: statistics.median(v) for op, v in by_op.items()} for key, by_op in samples.items()}
    floor = med[("native, opt-level 3", "")]
    rows = ["| build | wasmtime | batches × calls | verify ms (allocates) | / native | hash ms (memory reused) | / native "
            "| patched / published crate (hash) |",
            "|---|---|---|---|---|---|---|---|"]
    for (label, mode), m in med.items():
        runner = "—" if not label.startswith("wasm") else RUNNERS[mode]
        rows.append(f"| {label} | {runner} | {len(samples[(label, mode)]['verify'])} × {BATCH} | {m['verify']:.2f} | "
                    f"{m['verify'] / floor['verify']:.2f} | {m['hash_reused_memory']:.2f} | "
                    f"{m['hash_reused_memory'] / floor['hash_reused_memory']:.2f} | "
                    f"{m['hash_patched']:.2f} / {m['hash_published']:.2f} = {m['hash_patched'] / m['hash_published']:.2f} |")
    spin = med[(components, "epoch")]
    best = min((k for k in med if k[0].startswith("wasm") and k[1] != "no-avx512"),
               key=lambda k: med[k]["hash_reused_memory"])
    rows += ["",
             f"- the components' build ({components}, as scripts/build builds them) under epoch interruption, as Spin runs it: "
             f"hash **{spin['hash_reused_memory'] / floor['hash_reused_memory']:.2f}×** native opt-level 3 (target ≤ 1.15×); "
             f"patched / published crate **{spin['hash_patched'] / spin['hash_published']:.2f}×**; "
             f"verify as a login calls it {spin['verify'] / floor['verify']:.2f}× (natively each call maps and faults in "
             "fresh pages; a reused wasm instance's allocator keeps its memory)",
             f"- fastest wasm: {best[0]}, {RUNNERS[best[1]]}: hash "
             f"{med[best]['hash_reused_memory'] / floor['hash_reused_memory']:.2f}× native",
             *([f"- the same build compiled as for an x86-64 without AVX-512 (bench/cranelift.py), on this machine: hash "
                f"**{no512['hash_reused_memory'] / floor['hash_reused_memory']:.2f}×** native, "
                f"{no512['hash_reused_memory'] / spin['hash_reused_memory']:.2f}× the host build"]
               if (no512 := med.get((components, "no-avx512"))) else
               ["- not run: the build compiled as for an x86-64 without AVX-512 (this machine is not x86-64)"]),
             "", f"wasmtime {subprocess.run([WASMTIME, '--version'], capture_output=True, text=True).stdout.split()[1]} "
             "(Cranelift), precompiled; native x86-64 (the crate's AVX2 dispatch); same machine, same run."]
    return rows
