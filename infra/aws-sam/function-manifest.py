#!/usr/bin/env python3
"""Writes target/function-manifests/<component>/spin.toml: the app's spin.toml reduced to one
component and its routes (one Lambda function per component). Reads spin.toml; no second copy."""
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def toml_value(v):
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return str(v).lower() if isinstance(v, bool) else str(v)


def manifest(name: str) -> str:
    app = tomllib.loads((ROOT / "spin.toml").read_text())
    # No local defaults in AWS: the function passes its configuration with --env (entrypoint.sh),
    # and only AWS hosts are allowed out.
    comp = {k: v for k, v in app["component"][name].items() if k not in ("build", "environment")}
    comp["allowed_outbound_hosts"] = [h for h in comp["allowed_outbound_hosts"] if h.startswith("https://")]
    out = ["spin_manifest_version = 2", "", "[application]", f"name = {toml_value(app['application']['name'] + '-' + name)}", ""]
    routes = [t["route"] for t in app["trigger"]["http"] if t["component"] == name]
    # Every function answers /health itself (the Lambda Web Adapter's readiness check).
    for route in routes + ([] if "/health" in routes else ["/health"]):
        out += ["[[trigger.http]]", f"route = {toml_value(route)}", f"component = {toml_value(name)}", ""]
    out.append(f"[component.{name}]")
    out += [f"{k} = {toml_value(v)}" for k, v in comp.items()]
    out += ["", "[variables]"] + [f"{k} = {toml_value(v)}" for k, v in app.get("variables", {}).items()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    for name in sys.argv[1:] or ["register", "login", "chat", "web"]:
        path = ROOT / "target" / "function-manifests" / name / "spin.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(manifest(name))
        print(path.relative_to(ROOT))
