#!/usr/bin/env python3
"""Regenerates crates/app-core/data/common-passwords.txt from npm zxcvbn@4.4.2 (needs npm)."""
import re, subprocess, tarfile, tempfile, pathlib
out = pathlib.Path(__file__).resolve().parent.parent / "crates/app-core/data/common-passwords.txt"
with tempfile.TemporaryDirectory() as d:
    subprocess.run(["npm", "pack", "zxcvbn@4.4.2", "--pack-destination", d], check=True, capture_output=True)
    with tarfile.open(next(pathlib.Path(d).glob("*.tgz"))) as t:
        src = t.extractfile("package/src/frequency_lists.coffee").read().decode()
words = re.search(r'passwords: "([^"]*)"', src).group(1).split(",")
out.write_text("\n".join(sorted({w.lower() for w in words if len(w) >= 8})) + "\n")
