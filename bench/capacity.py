"""scripts/bench capacity: what each request type costs DynamoDB, measured on the real stack.

A counting proxy sits between the components and DynamoDB Local: it forwards every call, adds
`"ReturnConsumedCapacity": "TOTAL"` to it (DynamoDB Local computes capacity units as DynamoDB
does: 4 KB per RCU, 1 KB per WCU, transactions doubled), and records operation, request and
response bytes and the capacity consumed. Each request type is run `rounds` times against the
stack; the per-request means are written to docs/capacity/costs.json (the simulation's input,
scripts/capacity.py) together with Lambda durations from bench/results, and a table is appended to
bench/results/capacity.md.
"""

import json
import statistics
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, address, post  # noqa: E402
from perf import PEER_PY, free_port, timed_get, wait_until  # noqa: E402

CALLS: list[dict] = []
LOCK = threading.Lock()


def proxy(target: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            op = self.headers.get("x-amz-target", "").split(".")[-1]
            doc = json.loads(body or b"{}")
            doc["ReturnConsumedCapacity"] = "TOTAL"
            sent = json.dumps(doc).encode()
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "host")}
            req = urllib.request.Request(target + self.path, data=sent, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    status, data = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, data = e.code, e.read()
            reply = json.loads(data or b"{}")
            consumed = reply.get("ConsumedCapacity", [])
            consumed = consumed if isinstance(consumed, list) else [consumed]
            units = {"read": 0.0, "write": 0.0, "tables": {}}
            kind = "read" if op in ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems") else "write"
            for c in consumed:
                # CapacityUnits: read units for reads, write units for writes (DynamoDB Local
                # reports only the total); per table, for the per-table quota.
                n = c.get("CapacityUnits", 0) or 0
                if op.startswith("Transact"):
                    # DynamoDB Local reports a transaction's items at the plain rate; DynamoDB
                    # charges two units per item and KB for transactional reads and writes.
                    n *= 2
                units[kind] += n
                t = units["tables"].setdefault(c.get("TableName", "?"), [0.0, 0.0])
                t[0 if kind == "read" else 1] += n
            with LOCK:
                CALLS.append({"op": op, "status": status, "request_bytes": len(body),
                              "response_bytes": len(data), **units})
            self.send_response(status)
            self.send_header("content-type", "application/x-amz-json-1.0")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start(*args: str) -> tuple[subprocess.Popen, dict[str, str]]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts/devstack.py"), "up", "--exit-with-parent",
                             "--runner", "wasmtime", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    urls = {}
    for line in proc.stdout:
        name, _, url = line.strip().rpartition(": ")
        urls[name] = url
        if name == ("dynamodb" if "--only-dynamodb" in args else "api"):
            return proc, urls
    raise SystemExit("the stack did not start")


def get(base: str, path: str, token: str) -> int:
    req = urllib.request.Request(base + path, headers={"authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()
        return r.status


def capacity(rounds: int) -> list[str]:
    rounds = min(rounds, 20)
    ddb, urls = start("--only-dynamodb", "--dynamodb-in-memory", "--dynamodb-port", "0")
    server = proxy(urls["dynamodb"])
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    api, urls = start("--port", "0", "--dynamodb-endpoint", endpoint, "--model-port", "0",
                      "--model-deterministic", "--env", "CLIENT_IP_HOPS=2", "--env", "CHAT_HISTORY_TURNS=10")
    base = urls["api"]
    costs: dict[str, list[list[dict]]] = {}
    # Our login and the same-work peer's (bench/peer/login_peer.py --same-work), right and wrong
    # password: what each sends must match, or the peer's figures in bench/results/perf.md are not
    # "the same work".
    logins: dict[str, list[list[dict]]] = {}
    users = []

    def measure(kind: str, fn, into=costs, expect=(200, 201)):
        with LOCK:
            CALLS.clear()
        status = fn()
        assert status in expect, (kind, status)
        with LOCK:
            into.setdefault(kind, []).append(list(CALLS))

    message = "Tell me about the history of the printing press in a few sentences, please."
    try:
        for i in range(rounds):
            email, pw, ip = f"cap{i}-{address()}@example.com", "correct horse battery", address()
            measure("register", lambda: post(base, "/register", {"email": email, "password": pw}, ip)[0])
            tokens = {}

            def login():
                status, _, body = post(base, "/login", {"email": email, "password": pw}, ip)
                tokens.update(json.loads(body))
                return status
            measure("login", login)
            users.append((email, pw))

            def refresh():
                status, _, body = post(base, "/token/refresh", {"refresh_token": tokens["refresh_token"]}, ip)
                tokens.update(json.loads(body))
                return status
            measure("refresh", refresh)
            access = tokens["access_token"]
            measure("me", lambda: get(base, "/me", access))
            conv = {}

            def turn():
                body = {"message": message, **({"conversation_id": conv["id"]} if conv else {})}
                status, _, reply = post(base, "/chat", body, ip, token=access)
                conv["id"] = json.loads(reply)["conversation_id"]
                return status
            measure("chat_turn_first", turn)
            for _ in range(10):  # up to the history window
                turn()
            measure("chat_turn_11th", turn)
            measure("list_conversations", lambda: get(base, "/conversations", access))
            measure("get_conversation", lambda: get(base, f"/conversations/{conv['id']}", access))
        peer_port = free_port()
        peer = subprocess.Popen([str(PEER_PY), str(ROOT / "bench/peer/login_peer.py"), str(peer_port), endpoint,
                                 "--same-work", str(ROOT / "tests/fixtures/token-keys/a.pem")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peer_url = f"http://127.0.0.1:{peer_port}"
        try:
            wait_until(lambda: timed_get(peer_url + "/health", 1))
            for email, pw in users:
                for who, url in (("ours", base), ("peer", peer_url)):
                    ip = address()
                    measure(f"{who}: login", lambda: post(url, "/login", {"email": email, "password": pw}, ip)[0],
                            logins)
                    measure(f"{who}: wrong password", lambda: post(url, "/login", {"email": email, "password": "no"},
                                                                    ip)[0], logins, (401,))
        finally:
            peer.terminate()
    finally:
        api.terminate()
        ddb.terminate()
        server.shutdown()

    def units(samples):
        """Mean read and write capacity units per request."""
        return (statistics.mean(sum(c["read"] for c in x) for x in samples),
                statistics.mean(sum(c["write"] for c in x) for x in samples))

    summary = {}
    rows = ["| request | DynamoDB calls | operations | RCU | WCU | request KB | response KB |", "|---|---|---|---|---|---|---|"]
    for kind, samples in costs.items():
        ops = " + ".join(c["op"] for c in samples[-1])
        rcu, wcu = units(samples)
        s = {
            "dynamodb_calls": statistics.mean(len(x) for x in samples),
            "operations": [c["op"] for c in samples[-1]],
            "rcu": rcu,
            "wcu": wcu,
            "request_bytes": statistics.mean(sum(c["request_bytes"] for c in x) for x in samples),
            "response_bytes": statistics.mean(sum(c["response_bytes"] for c in x) for x in samples),
            "tables": {},
        }
        for table in {t for x in samples for c in x for t in c["tables"]}:
            s["tables"][table] = [
                statistics.mean(sum(c["tables"].get(table, [0, 0])[i] for c in x) for x in samples) for i in (0, 1)
            ]
        summary[kind] = s
        rows.append(f"| {kind} | {s['dynamodb_calls']:.0f} | {ops} | {s['rcu']:.1f} | {s['wcu']:.1f} | "
                    f"{s['request_bytes'] / 1024:.2f} | {s['response_bytes'] / 1024:.2f} |")
    # The same-work peer against ours: the same operations on the same tables, and the same units.
    def shape(samples):
        calls = samples[-1]
        return sorted(f"{c['op']} {'/'.join(sorted(c['tables']))}" for c in calls)

    rows += ["", "| login (ours / the same-work peer) | DynamoDB calls | operations on tables | RCU | WCU | same as ours |",
             "|---|---|---|---|---|---|"]
    differs = []
    for case in ("login", "wrong password"):
        for who in ("ours", "peer"):
            samples = logins[f"{who}: {case}"]
            same = shape(samples) == shape(logins[f"ours: {case}"]) and units(samples) == units(logins[f"ours: {case}"])
            if not same:
                differs.append(f"{case}: ours {shape(logins[f'ours: {case}'])}, peer {shape(samples)}")
            rcu, wcu = units(samples)
            rows.append(f"| {who}: {case} | {len(samples[-1])} | {', '.join(shape(samples))} | {rcu:.1f} | {wcu:.1f} | "
                        f"{'yes' if same else '**no**'} |")
    if differs:
        raise SystemExit("bench/peer/login_peer.py --same-work no longer does our login's DynamoDB work: "
                         + "; ".join(differs))
    out = ROOT / "docs/capacity/dynamodb-measured.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rounds": rounds, "requests": summary}, indent=2) + "\n")
    rows += ["", f"Means over {rounds} users; chat turns with a {len(message)}-character message and the "
             "deterministic model's reply; the 11th turn carries the full 10-turn history window. "
             f"Written to {out.relative_to(ROOT)} (the capacity simulation's DynamoDB input). Transactions are counted at DynamoDB's double rate (DynamoDB Local reports them at the plain rate)."]
    return rows
