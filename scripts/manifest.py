"""Reading spin.toml and writing Spin manifests derived from it (standard library only).

spin.toml is the one description of the app (routes, components, local defaults). Two things are
derived from it:
- the run manifest of the local stack (`run_manifest`): the same app with absolute component paths,
  the caller's environment baked in (so no value is put on Spin's command line) and the outbound
  hosts that the endpoint overrides need (Spin matches allowed_outbound_hosts literally);
- the manifest of one Lambda function (`function_manifest`): one component and its routes, no local
  defaults, AWS hosts only; the function's entrypoint appends its environment at start.
"""

import os
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def load_app(path: Path = ROOT / "spin.toml") -> dict:
    return tomllib.loads(path.read_text())


def toml_value(v) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, str):
        out = []
        for ch in v:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    return str(v)


def toml_key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else toml_value(k)


def is_table_array(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def dumps(doc: dict, prefix: str = "") -> str:
    """TOML for a manifest-shaped document: scalars first, then arrays of tables, then tables."""
    lines = []
    tables, arrays = [], []
    for k, v in doc.items():
        if isinstance(v, dict):
            tables.append((k, v))
        elif is_table_array(v):
            arrays.append((k, v))
        else:
            lines.append(f"{toml_key(k)} = {toml_value(v)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in arrays:
        name = f"{prefix}{toml_key(k)}"
        for item in v:
            out += f"\n[[{name}]]\n" + dumps(item, name + ".")
    for k, v in tables:
        name = f"{prefix}{toml_key(k)}"
        body = dumps(v, name + ".")
        scalars = any(not isinstance(x, dict) and not is_table_array(x) for x in v.values())
        out += (f"\n[{name}]\n" if scalars or not v else "") + body
    return out


# The AWS host each endpoint setting replaces (Spin's allowed_outbound_hosts syntax). Every https
# host in spin.toml is one of these (tests/api/infrastructure.rs checks).
AWS_HOSTS = {
    "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.{{ aws_region }}.amazonaws.com",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "https://runtime.sagemaker.{{ aws_region }}.amazonaws.com",
    "AWS_ENDPOINT_URL_SES": "https://email.{{ aws_region }}.amazonaws.com",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER": "https://secretsmanager.{{ aws_region }}.amazonaws.com",
}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def retarget_hosts(hosts: list[str], defaults: dict[str, str], env: dict[str, str]) -> list[str]:
    """The allowed hosts after endpoint overrides: where an `AWS_ENDPOINT_URL_*` setting moves from
    its manifest default to another URL, the default's origin is replaced by the new one."""
    out = list(hosts)
    for name, value in env.items():
        if name.startswith("AWS_ENDPOINT_URL") and name in defaults and value != defaults[name]:
            old, new = origin(defaults[name]), origin(value)
            out = [new if h == old else h for h in out]
    return list(dict.fromkeys(out))


def run_manifest(app: dict, env: dict[str, str], root: Path = ROOT) -> str:
    """The app with `env` merged into every component's environment (as `spin up --env` would),
    component sources made absolute, outbound hosts following the endpoint overrides."""
    app = {k: v for k, v in app.items()}
    components = {}
    for name, comp in app["component"].items():
        comp = {k: v for k, v in comp.items() if k != "build"}
        defaults = comp.get("environment", {})
        comp["source"] = str((root / comp["source"]).resolve())
        comp["allowed_outbound_hosts"] = retarget_hosts(comp.get("allowed_outbound_hosts", []), defaults, env)
        comp["environment"] = {**defaults, **env}
        components[name] = comp
    app["component"] = components
    return dumps(app)


def write_private(path: Path, text: str) -> None:
    """Writes `text` readable by its owner only (it may hold secrets)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def function_manifest(app: dict, name: str) -> str:
    """One Lambda function's manifest: the component and its routes (plus /health, the Lambda Web
    Adapter's readiness check), no local defaults, AWS hosts only, the source at its place in the
    image (/app). The `[component.<name>]` table comes last and its hosts are `# endpoint <setting>
    <default host>` lines: the entrypoint appends the environment and the hosts at start."""
    comp = {k: v for k, v in app["component"][name].items()
            if k not in ("build", "environment", "allowed_outbound_hosts")}
    comp["source"] = "/app/" + comp["source"]
    by_host = {h: k for k, h in AWS_HOSTS.items()}
    hosts = [h for h in app["component"][name]["allowed_outbound_hosts"] if h.startswith("https://")]
    unknown = [h for h in hosts if h not in by_host]
    if unknown:
        raise SystemExit(f"spin.toml: {name} allows {unknown}, which manifest.AWS_HOSTS does not know")
    routes = [t["route"] for t in app["trigger"]["http"] if t["component"] == name]
    doc = {
        "spin_manifest_version": 2,
        "application": {"name": f"{app['application']['name']}-{name}"},
        "variables": app.get("variables", {}),
        "trigger": {"http": [{"route": r, "component": name} for r in routes + ([] if "/health" in routes else ["/health"])]},
    }
    out = dumps(doc)
    out += f"\n[component.{name}]\n" + dumps(comp)
    out += "".join(f"# endpoint {by_host[h]} {h}\n" for h in hosts)
    return out
