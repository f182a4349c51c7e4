#!/usr/bin/env python3
"""Writes target/function-manifests/<component>/spin.toml: the app's spin.toml reduced to one
component and its routes (one Lambda function per component). Reads spin.toml; no second copy.
The derivation itself is scripts/manifest.py (function_manifest)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import manifest  # noqa: E402


if __name__ == "__main__":
    app = manifest.load_app()
    for name in sys.argv[1:] or ["register", "login", "chat"]:
        path = ROOT / "target" / "function-manifests" / name / "spin.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(manifest.function_manifest(app, name))
        print(path.relative_to(ROOT))
