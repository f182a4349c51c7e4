#!/usr/bin/env python3
"""The local stack: DynamoDB Local, the local model endpoint, the three wasm components, and one
gateway port in front.

This is the local stand-in for API Gateway + the functions. Routes, component files and their
environment are read from spin.toml (the only copy). With a Spin CLI on PATH it runs `spin up`;
otherwise each component runs under `wasmtime serve` on a private port behind a small gateway.

    scripts/devstack.py up [--port 3000] [--dynamodb-endpoint URL] [--env K=V ...]

Prints `dynamodb: URL` and `api: URL` on stdout once ready; logs go to stderr. Ctrl-C stops all.
Python standard library only.
"""

import argparse
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import manifest as spin_manifest  # noqa: E402  (scripts/manifest.py)

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "trailers", "transfer-encoding", "upgrade", "host"}
children: list[subprocess.Popen] = []
cleanup: list = []


def log(msg: str) -> None:
    print(f"[devstack] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], name: str, log_file, **kw) -> subprocess.Popen:
    """Starts a child whose output is copied, line by line and prefixed, to stderr and log_file."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, **kw)
    children.append(proc)

    def pump():
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            print(f"[{name}] {line}", file=sys.stderr, flush=True)
            if log_file:
                with log_lock:
                    log_file.write(f"[{name}] {line}\n")
                    log_file.flush()

    threading.Thread(target=pump, daemon=True).start()
    return proc


log_lock = threading.Lock()


def stop_all() -> None:
    for proc in reversed(children):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.time() + 5
    for proc in children:
        try:
            proc.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    for step in cleanup:
        step()


def wait_http(url: str, what: str, timeout: float = 60, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode} before it was ready")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answers, which is all we wait for
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} not ready at {url} after {timeout}s")


# ---------------------------------------------------------------- DynamoDB Local

def dynamodb_call(endpoint: str, operation: str, body: dict) -> tuple[int, dict]:
    """An unsigned-but-well-formed call; DynamoDB Local does not check signatures."""
    req = urllib.request.Request(endpoint.rstrip("/") + "/", data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=0",
    })
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def create_tables(endpoint: str) -> None:
    """Creates the tables of schema/tables.json if missing (the schema the AWS deployment uses)."""
    for table in json.loads((ROOT / "schema" / "tables.json").read_text()):
        spec = {k: v for k, v in table.items() if k != "TimeToLiveSpecification"}
        status, body = dynamodb_call(endpoint, "CreateTable", spec)
        kind = str(body.get("__type", ""))
        if status == 200:
            log(f"created table {table['TableName']}")
        elif "ResourceInUseException" in kind:
            log(f"table {table['TableName']} exists")
        else:
            raise SystemExit(f"CreateTable {table['TableName']} failed: {status} {body}")
        if "TimeToLiveSpecification" in table:
            dynamodb_call(endpoint, "UpdateTimeToLive", {
                "TableName": table["TableName"], "TimeToLiveSpecification": table["TimeToLiveSpecification"]})


def start_model(port: int, deterministic: bool, extra: list[str], log_file) -> str:
    """The local SageMaker-compatible endpoint (model-endpoint/server.mjs) with SmolLM2."""
    model = TOOLS / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    cmd = ["node", str(ROOT / "model-endpoint" / "server.mjs"), "--port", str(port)]
    if deterministic:
        cmd.append("--deterministic")
    else:
        if not model.exists() or not (ROOT / "model-endpoint" / "node_modules").exists():
            raise SystemExit("the local model is not installed: run scripts/setup")
        cmd += ["--model", str(model)]
    proc = start(cmd + extra, "model", log_file)
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(endpoint + "/ping", "model endpoint", proc=proc)
    return endpoint


def start_mail(port: int, log_file) -> str:
    """The local SES v2 (npm aws-ses-v2-local): accepts SendEmail, keeps every mail in memory, shows
    them at its URL and returns them as JSON at GET /store (what the tests read)."""
    cli = TOOLS / "node_modules" / "aws-ses-v2-local" / "dist" / "cli.js"
    if not cli.exists():
        raise SystemExit("aws-ses-v2-local is not installed: run scripts/setup")
    proc = start(["node", str(cli), "--host", "127.0.0.1", "--port", str(port)], "mail", log_file)
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(endpoint + "/health-check", "aws-ses-v2-local", proc=proc)
    return endpoint


def start_dynamodb(port: int, data_dir: Path | None, log_file) -> str:
    home = TOOLS / "dynamodb-local"
    if not (home / "DynamoDBLocal.jar").exists():
        raise SystemExit("DynamoDB Local is not installed: run scripts/setup")
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    proc = start(["java", "-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
                  "-disableTelemetry", "-sharedDb", *storage, "-port", str(port)],
                 "dynamodb", log_file, cwd=home)
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(endpoint, "DynamoDB Local", proc=proc)
    return endpoint


# ---------------------------------------------------------------- manifest and gateway

def read_manifest() -> dict:
    return spin_manifest.load_app()


def start_spin(spin: str, port: int, env: dict[str, str], log_file) -> subprocess.Popen:
    """`spin up` on spin.toml with `env` baked into a run manifest (owner-only, in a private
    temporary folder with Spin's state), so no setting is put on Spin's command line."""
    run = Path(tempfile.mkdtemp(prefix="devstack-spin-"))
    manifest = run / "spin.toml"
    spin_manifest.write_private(manifest, spin_manifest.run_manifest(read_manifest(), env))
    cmd = [spin, "up", "--from", str(manifest), "--listen", f"127.0.0.1:{port}",
           "--state-dir", str(run / "state"), *ONE_REQUEST_PER_INSTANCE]
    proc = start(cmd, "spin", log_file)
    cleanup.append(lambda: shutil.rmtree(run, ignore_errors=True))
    return proc


def route_matcher(route: str):
    """Spin route semantics: exact path, `/prefix/...` wildcard, `:name` segments."""
    parts = route.strip("/").split("/") if route.strip("/") else []
    wildcard = bool(parts) and parts[-1] == "..."
    if wildcard:
        parts = parts[:-1]

    def match(path: str) -> bool:
        segs = path.strip("/").split("/") if path.strip("/") else []
        if len(segs) < len(parts) or (not wildcard and len(segs) != len(parts)):
            return False
        return all(p.startswith(":") or p == s for p, s in zip(parts, segs))

    # Exact routes win over wildcards; longer over shorter.
    return match, (wildcard, -len(parts))


class Gateway(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def __init__(self, addr, routes):
        super().__init__(addr, GatewayHandler)
        self.routes = routes  # [(match, priority, backend_port)]


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: with Nagle on, a kept-alive client waits for its
    # own delayed ACK (~40 ms) before each body (hey -c 1: 11.6 logins/s at ~46 ms each).
    disable_nagle_algorithm = True

    def log_message(self, *args):  # the components log each request themselves
        pass

    def _error(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-request-id", str(uuid.uuid4()))
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _proxy(self) -> None:
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        port = next((p for m, _, p in self.server.routes if m(path)), None)
        if port is None:
            return self._error(404, "not_found", f"no route for {path}")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        # Like API Gateway: append the peer address; what the client wrote stays to its left.
        forwarded = self.headers.get("x-forwarded-for")
        peer = self.client_address[0]
        headers = {k: v for k, v in headers.items() if k.lower() != "x-forwarded-for"}
        headers["x-forwarded-for"] = f"{forwarded}, {peer}" if forwarded else peer
        if body or self.command in ("POST", "PUT", "PATCH"):
            headers["content-length"] = str(len(body))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError as e:
            conn.close()
            return self._error(502, "bad_gateway", f"component unreachable: {e}")
        self.send_response(resp.status)
        out_length = resp.getheader("content-length")
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() not in ("date", "server"):
                self.send_header(k, v)
        if out_length is None:  # streamed (e.g. server-sent events): pass through, then close
            self.send_header("connection", "close")
            self.close_connection = True
        self.end_headers()
        while chunk := resp.read1(65536):
            self.wfile.write(chunk)
            self.wfile.flush()
        conn.close()

    def __getattr__(self, name: str):
        # Every method (TRACE, PROPFIND, ...) goes to the component, which answers 405 as needed.
        if name.startswith("do_"):
            return self._proxy
        raise AttributeError(name)


WASMTIME_FLAGS = ["-Wcomponent-model-async"]
# One request at a time per instance, for both runners: an instance runs on one thread, so
# CPU-bound requests (argon2, RS256) sharing it would queue behind each other instead of running on
# the other cores (and time out their DynamoDB calls). Spin's default for WASIp3 is 16 at once
# (`scripts/bench perf`: login at 2 connections 25.6 req/s, no faster than at 1). Instances are
# still reused one request after another, keeping what they hold.
ONE_REQUEST_PER_INSTANCE = ["--max-instance-concurrent-reuse-count", "1"]


def precompiled(wasmtime: Path, source: Path) -> Path:
    """The component compiled ahead of time (`wasmtime compile`), redone when the .wasm or wasmtime
    changes: a cold start then skips compilation and the compile cache's look-up."""
    version = subprocess.run([str(wasmtime), "--version"], capture_output=True, text=True).stdout.split()[1]
    out = ROOT / "target" / "cwasm" / version / (source.stem + ".cwasm")
    if not out.exists() or out.stat().st_mtime < source.stat().st_mtime:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run([str(wasmtime), "compile", *WASMTIME_FLAGS, str(source), "-o", str(tmp)], check=True)
        tmp.replace(out)  # atomic: stacks starting at once never see half a file
    return out


def start_components(manifest: dict, env: dict[str, str], log_file) -> dict[str, int]:
    wasmtime = TOOLS / "wasmtime"
    if not wasmtime.exists():
        raise SystemExit("wasmtime is not installed: run scripts/setup")
    ports = {}
    for name, comp in manifest["component"].items():
        source = ROOT / comp["source"]
        if not source.exists():
            raise SystemExit(f"{source} is missing: run scripts/build")
        port = free_port()
        merged = {**comp.get("environment", {}), **env}
        cmd = [str(wasmtime), "serve", "-Scli", "-Sp3", *WASMTIME_FLAGS, "--allow-precompiled",
               *ONE_REQUEST_PER_INSTANCE, "--addr", f"127.0.0.1:{port}"]
        # `--env NAME` hands the component NAME from wasmtime's own environment: no value (the
        # signing key, credentials) is put on a command line.
        for k in merged:
            cmd += ["--env", k]
        cmd.append(str(precompiled(wasmtime, source)))
        ports[name] = (start(cmd, name, log_file, env={**os.environ, **merged}), port)
    for name, (proc, port) in ports.items():
        wait_http(f"http://127.0.0.1:{port}/health", f"component {name}", proc=proc)
    return {name: port for name, (_, port) in ports.items()}


def up(args) -> None:
    log_file = open(args.log_file, "a") if args.log_file else None
    env = dict(kv.split("=", 1) for kv in args.env)
    if args.dynamodb_endpoint:
        endpoint = args.dynamodb_endpoint
    else:
        data_dir = None if args.dynamodb_in_memory else Path(args.dynamodb_data_dir)
        endpoint = start_dynamodb(args.dynamodb_port or free_port(), data_dir, log_file)
        log(f"DynamoDB Local on {endpoint} ({'in memory' if data_dir is None else data_dir})")
    create_tables(endpoint)
    print(f"dynamodb: {endpoint}", flush=True)
    if args.only_dynamodb:
        return
    env.setdefault("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    if "AWS_ENDPOINT_URL_SES" not in env:
        mail_port = args.mail_port if args.mail_port is not None else (0 if args.port == 0 else 8005)
        mail_endpoint = start_mail(mail_port or free_port(), log_file)
        log(f"aws-ses-v2-local on {mail_endpoint} (sent mail: open it in a browser)")
        env["AWS_ENDPOINT_URL_SES"] = mail_endpoint
    print(f"mail: {env['AWS_ENDPOINT_URL_SES']}", flush=True)
    if args.model_endpoint:
        model_endpoint = args.model_endpoint
    else:
        model_endpoint = start_model(args.model_port or free_port(), args.model_deterministic,
                                     args.model_arg, log_file)
        log(f"model endpoint on {model_endpoint} ({'deterministic' if args.model_deterministic else 'SmolLM2-135M-Instruct'})")
    print(f"model: {model_endpoint}", flush=True)
    env.setdefault("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", model_endpoint)
    manifest = read_manifest()
    port = args.port or free_port()
    # The access tokens' issuer is the API's own URL (its /.well-known/openid-configuration).
    env.setdefault("TOKEN_ISSUER", f"http://127.0.0.1:{port}")
    spin = shutil.which("spin")
    runner = args.runner if args.runner != "auto" else ("spin" if spin else "wasmtime")
    if runner == "spin" and not spin:
        raise SystemExit("--runner spin: no spin on PATH")
    print(f"runner: {runner}", flush=True)
    if runner == "spin":
        # Nothing in front of Spin: the client address is the peer Spin reports.
        proc = start_spin(spin, port, env, log_file)
        wait_http(f"http://127.0.0.1:{port}/health", "spin up", proc=proc)
    else:
        # The gateway below is a trusted proxy: it appends the peer to X-Forwarded-For.
        env.setdefault("CLIENT_IP_SOURCE", "forwarded")
        env.setdefault("CLIENT_IP_HOPS", "1")
        ports = start_components(manifest, env, log_file)
        for name, p in ports.items():
            print(f"component {name}: http://127.0.0.1:{p}", flush=True)
        routes = [(*route_matcher(t["route"]), ports[t["component"]]) for t in manifest["trigger"]["http"]]
        routes.sort(key=lambda r: r[1])
        gateway = Gateway(("127.0.0.1", port), routes)
        threading.Thread(target=gateway.serve_forever, daemon=True).start()
    print(f"api: http://127.0.0.1:{port}", flush=True)


def watch_parent(parent: int) -> None:
    """Ends the stack when the process that started it is gone (test harnesses)."""
    def loop():
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=loop, daemon=True).start()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up", help="start the stack and keep it running until Ctrl-C")
    u.add_argument("--port", type=int, default=3000, help="gateway port (0: any free port)")
    u.add_argument("--dynamodb-endpoint", help="use this DynamoDB instead of starting DynamoDB Local")
    u.add_argument("--dynamodb-port", type=int, default=8000, help="0: any free port")
    u.add_argument("--dynamodb-in-memory", action="store_true", help="keep no data across restarts")
    u.add_argument("--dynamodb-data-dir", default=str(ROOT / ".data" / "dynamodb"), help="where DynamoDB Local keeps data")
    u.add_argument("--only-dynamodb", action="store_true", help="start DynamoDB Local and its tables only")
    u.add_argument("--mail-port", type=int, default=None,
                   help="port of the local SES (aws-ses-v2-local; default 8005, or any free port with --port 0; 0: any free port); "
                        "--env AWS_ENDPOINT_URL_SES=URL uses another SES instead")
    u.add_argument("--model-endpoint", help="use this SageMaker runtime endpoint instead of starting the local one")
    u.add_argument("--model-port", type=int, default=8080, help="0: any free port")
    u.add_argument("--model-deterministic", action="store_true", help="local endpoint without the model (tests)")
    u.add_argument("--model-arg", action="append", default=[], metavar="ARG",
                   help="extra argument for model-endpoint/server.mjs (e.g. --model-arg=--delay-ms=5000)")
    u.add_argument("--env", action="append", default=[], metavar="K=V", help="component environment override")
    u.add_argument("--runner", choices=["auto", "spin", "wasmtime"], default="auto",
                   help="auto: spin when on PATH, else wasmtime behind the local gateway")
    u.add_argument("--log-file", help="also append every log line here")
    u.add_argument("--exit-with-parent", action="store_true")
    args = p.parse_args()

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    if args.exit_with_parent:
        watch_parent(os.getppid())
    try:
        up(args)
        log("ready; Ctrl-C stops everything")
        while not stopping.wait(0.5):
            dead = [c for c in children if c.poll() is not None]
            if dead:
                log(f"a child process exited ({dead[0].args[0]}); stopping")
                break
    finally:
        stop_all()
        log("stopped")


if __name__ == "__main__":
    main()
