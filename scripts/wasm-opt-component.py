#!/usr/bin/env python3
"""Runs binaryen's wasm-opt over the core module inside a component, in place.

    scripts/wasm-opt-component.py COMPONENT.wasm...

With the flags below, for every wasm build that is to run as the components do: scripts/build's
(after it installs binaryen into .tools/binaryen) and the benchmarks' (bench/argon2_speed.py,
bench/tokens.py).

wasm-opt reads core modules, not components. A component as wasm-component-ld writes it holds the
program as one core module section (plus a few small shim modules); that section is cut out,
optimised, and put back with its new length. Imports and exports keep their names (wasm-opt never
renames them), so the component's types and instances around it still fit. cargo puts its own
output back at that path on every build, relinked or not, so the result is kept in `wasm-opt/`
beside it, under the digest of cargo's output, the flags and this script: an unchanged input
costs a copy. Also drops the component's `component-name` section (see without_component_names).
"""

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WASM_OPT = ROOT / ".tools/binaryen/node_modules/binaryen/bin/wasm-opt"
# -Oz, and what rustc emits for wasm32-wasip2 with .cargo/config.toml's +simd128: wasm-opt must not
# use anything beyond it.
FLAGS = ["-Oz", "--enable-simd", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
         "--enable-mutable-globals", "--enable-multivalue", "--enable-reference-types"]

COMPONENT_HEADER = b"\0asm\x0d\x00\x01\x00"
CORE_MODULE = 1  # component section ids
CUSTOM = 0


def leb128(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def encode_leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def largest_core_module(data: bytes) -> tuple[int, int, int]:
    """(section start, payload start, payload end) of the component's largest core module."""
    if data[:8] != COMPONENT_HEADER:
        sys.exit("not a component")
    best, i = None, 8
    while i < len(data):
        section, (size, payload) = data[i], leb128(data, i + 1)
        if section == CORE_MODULE and (best is None or size > best[2] - best[1]):
            best = (i, payload, payload + size)
        i = payload + size
    if best is None:
        sys.exit("no core module")
    return best


def main() -> None:
    if not WASM_OPT.exists():
        sys.exit(f"{WASM_OPT} is missing: scripts/build installs it")
    for path in sys.argv[1:]:
        optimise_in_place(str(WASM_OPT), Path(path), FLAGS)


def optimise_in_place(wasm_opt: str, path: Path, flags: list[str]) -> None:
    data = path.read_bytes()
    recipe = "\0".join([wasm_opt, *flags]).encode() + Path(__file__).read_bytes()  # this script too
    key = hashlib.sha256(data + recipe).hexdigest()[:16]
    cache = path.parent / "wasm-opt"
    cached = cache / f"{path.stem}.{key}.wasm"
    if not cached.exists():
        optimised = optimise(wasm_opt, data, flags)
        cache.mkdir(exist_ok=True)
        for old in cache.glob(f"{path.stem}.*.wasm"):
            old.unlink()
        cached.write_bytes(optimised)
        print(f"{path}: {len(data) // 1024} -> {len(optimised) // 1024} KiB (wasm-opt)", file=sys.stderr)
    # A new file, not a write through the old one: cargo hard-links this path to its own copy.
    tmp_path = path.with_name(path.name + ".tmp")
    tmp_path.write_bytes(cached.read_bytes())
    os.replace(tmp_path, path)


def optimise(wasm_opt: str, data: bytes, flags: list[str]) -> bytes:
    start, payload, end = largest_core_module(data)
    with tempfile.TemporaryDirectory() as tmp:
        core_in, core_out = Path(tmp, "in.wasm"), Path(tmp, "out.wasm")
        core_in.write_bytes(data[payload:end])
        subprocess.run([wasm_opt, *flags, str(core_in), "-o", str(core_out)], check=True)
        core = core_out.read_bytes()
    return without_component_names(data[:start] + bytes([CORE_MODULE]) + encode_leb128(len(core)) + core + data[end:])


def without_component_names(data: bytes) -> bytes:
    """Drops the top-level `component-name` custom section (~9.5 KiB: names of the component's
    types, instances and functions, for debuggers; strip = true leaves it, as wasm-component-ld
    adds it after the link). Execution never reads it."""
    out, i = bytearray(data[:8]), 8
    while i < len(data):
        section, (size, payload) = data[i], leb128(data, i + 1)
        if section == CUSTOM:
            name_len, name_at = leb128(data, payload)
            if data[name_at : name_at + name_len] == b"component-name":
                i = payload + size
                continue
        out += data[i : payload + size]
        i = payload + size
    return bytes(out)


if __name__ == "__main__":
    main()
