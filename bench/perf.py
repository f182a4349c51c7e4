"""`scripts/bench perf`: the performance figures of issues 7 and 13, each as a ratio measured in one run,
under the real Spin (when `spin` is on PATH) and under `wasmtime serve`."""

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import ROOT, address, post, start_stack

sys.path.insert(0, str(ROOT / "scripts"))
from devstack import ONE_REQUEST_PER_INSTANCE, WASMTIME_FLAGS, precompiled  # noqa: E402

TOOLS = ROOT / ".tools"
PEER_PY = TOOLS / "bench-venv" / "bin" / "python"


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def phases_of(headers_blob: str) -> dict[str, float]:
    """Every `name;dur=ms` of a Server-Timing header (ours: dynamodb-1, argon2, dynamodb-2, sign)."""
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"([a-z0-9-]+);dur=([0-9.]+)", headers_blob)}


def timed_login(base, email, password, phases=None):
    """One login; returns (total ms, argon2 ms from Server-Timing). With `phases` (a list), appends
    the response's Server-Timing phases and the total to it."""
    import urllib.request
    req = urllib.request.Request(base + "/login", data=json.dumps({"email": email, "password": password}).encode(),
                                 method="POST", headers={"content-type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()
        total = (time.perf_counter() - started) * 1000
        timing = phases_of(r.headers.get("server-timing", ""))
        if phases is not None:
            phases.append({**timing, "total": total})
        return total, timing.get("argon2", float("nan"))


def timed_get(url, n):
    import http.client
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    path = "/" + "/".join(url.removeprefix("http://").split("/")[1:])
    out = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", path)
        conn.getresponse().read()
        out.append((time.perf_counter() - started) * 1000)
    conn.close()
    return out


def wait_until(fn, timeout=30):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            return fn()
        except OSError:
            time.sleep(0.002)
    raise SystemExit("timed out waiting")


def hey(url, connections, seconds, body=None):
    cmd = ["hey", "-z", f"{seconds}s", "-c", str(connections), "-o", "csv"]
    if body is not None:
        cmd += ["-m", "POST", "-T", "application/json", "-d", json.dumps(body)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout.splitlines()[1:]
    codes = [line.split(",")[6] for line in out if line.count(",") >= 6]
    return len(codes) / seconds, codes


def listening_pid(url: str) -> int | None:
    """The process with the listening socket of `url`'s port (from /proc: socket inodes, then fds)."""
    port = int(url.removeprefix("http://").split("/")[0].rsplit(":", 1)[1])
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{f[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except OSError:
            continue
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (/proc/PID/stat utime, stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wasmtime_cmd(wasm, port, env):
    """`wasmtime serve` as the local runner starts it (precompiled component)."""
    cmd = [str(TOOLS / "wasmtime"), "serve", "-Scli", "-Sp3", *WASMTIME_FLAGS, "--allow-precompiled",
           *ONE_REQUEST_PER_INSTANCE, "--addr", f"127.0.0.1:{port}"]
    for k, v in env.items():
        cmd += ["--env", f"{k}={v}"]
    return cmd + [str(precompiled(TOOLS / "wasmtime", Path(wasm)))]


def compile_seconds(wasm: Path, runs: int = 7) -> float:
    """Median wall time of `wasmtime compile` (the flags the local runner uses) of one component:
    what a cold start without a precompiled image or cache pays."""
    times = []
    with tempfile.TemporaryDirectory() as d:
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([str(TOOLS / "wasmtime"), "compile", *WASMTIME_FLAGS, str(wasm), "-o", f"{d}/out.cwasm"],
                           check=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def perf(rounds: int) -> list[str]:
    email, password = "perf@example.com", "perf benchmark password"
    # One user logging in from one address many times at once: attempts are counted before they are
    # judged, so 16 in flight would pass LOGIN_BLOCK_AFTER (429s) without these.
    limits = tuple(a for k in ("REGISTRATIONS_PER_ADDRESS", "LOGIN_SLOWDOWN_AFTER", "LOGIN_BLOCK_AFTER", "ADDRESS_BLOCK_AFTER")
                   for a in ("--env", f"{k}=1000000000"))
    proc, urls = start_stack(*limits)
    api, dynamodb = urls["api"], urls["dynamodb"]
    rows, notes = [], []
    children = []
    # The real Spin beside wasmtime, on the same DynamoDB Local (so the same user and tables).
    spin = shutil.which("spin")
    spin_api = None
    try:
        if spin:
            spin_proc, spin_urls = start_stack(*limits, "--dynamodb-endpoint", dynamodb, runner="spin")
            children.append(spin_proc)
            spin_api = spin_urls["api"]
        assert post(api, "/register", {"email": email, "password": password}, address())[0] == 201
        for _ in range(10):
            timed_login(api, email, password)
            if spin_api:
                timed_login(spin_api, email, password)

        # 1. login through each runner vs the floor vs the peer, interleaved in blocks.
        peer_port = free_port()
        peer = subprocess.Popen([str(PEER_PY), str(ROOT / "bench/peer/login_peer.py"), str(peer_port), dynamodb],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        children.append(peer)
        peer_url = f"http://127.0.0.1:{peer_port}"
        # The same peer doing our login's work (throttle counters, session, RS256 token).
        same_port = free_port()
        same = subprocess.Popen([str(PEER_PY), str(ROOT / "bench/peer/login_peer.py"), str(same_port), dynamodb,
                                 "--same-work", str(ROOT / "tests/fixtures/token-keys/a.pem")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        children.append(same)
        same_url = f"http://127.0.0.1:{same_port}"
        for url in (peer_url, same_url):
            wait_until(lambda: timed_get(url + "/health", 1))
            for _ in range(10):
                timed_login(url, email, password)
        paths = {"spin": spin_api, "gateway": api, "direct": urls["component login"], "peer": peer_url,
                 "same": same_url}
        paths = {k: v for k, v in paths.items() if v}
        total = {k: [] for k in paths}
        hashed = {k: [] for k in paths}
        phases = {k: [] for k in ("spin", "direct") if k in paths}
        floor_total, floor_hash = [], []
        floor_bin = ROOT / "target/floor/release/login-floor"  # opt-level 3: scripts/bench
        for _ in range(max(1, rounds // 20)):
            for _ in range(20):
                for k, url in paths.items():
                    t, h = timed_login(url, email, password, phases.get(k))
                    total[k].append(t); hashed[k].append(h)
            f = json.loads(subprocess.run([str(floor_bin), dynamodb, email, password, "20"], capture_output=True,
                                          text=True, check=True).stdout)
            floor_total += f["total_ms"]; floor_hash += f["hash_ms"]
        outside = {k: [t - h for t, h in zip(total[k], hashed[k])] for k in paths}
        floor50, peer_out50 = pct(floor_total, 50), pct(outside["peer"], 50)

        def row(label, k):
            return (f"| {label} | {len(total[k])} | {pct(total[k], 50):.2f} | {pct(total[k], 99):.2f} | "
                    f"{pct(hashed[k], 50):.2f} | {pct(outside[k], 50):.2f} |")

        def against(k):
            return (f"login p50 / floor p50 **{pct(total[k], 50) / floor50:.2f}×** (target ≤ 1.3×); "
                    f"time outside hashing ours / peer's (p50) **{pct(outside[k], 50) / peer_out50:.2f}×** (target ≤ 1.0×); "
                    f"argon2 in wasm / native **{pct(hashed[k], 50) / pct(floor_hash, 50):.2f}×**; "
                    f"against the same-work peer: login p50 {pct(total[k], 50) / pct(total['same'], 50):.2f}×, "
                    f"outside hashing {pct(outside[k], 50) / pct(outside['same'], 50):.2f}×")

        rows += [
            "### Login latency (sequential, one connection)",
            "",
            "| path | n | p50 ms | p99 ms | argon2 p50 ms | outside argon2 p50 ms |",
            "|---|---|---|---|---|---|",
            row("ours: Spin (`spin up`, as scripts/run) → login.wasm → DynamoDB Local", "spin") if spin_api
            else "| ours: Spin | skipped: no `spin` on PATH | | | | |",
            row("ours: local gateway → `wasmtime serve` login.wasm → DynamoDB Local", "gateway"),
            row("ours: `wasmtime serve` login.wasm directly (no gateway)", "direct"),
            f"| floor: native Rust (opt-level 3) argon2id verify + one GetItem | {len(floor_total)} | {floor50:.2f} | {pct(floor_total, 99):.2f} | {pct(floor_hash, 50):.2f} | {floor50 - pct(floor_hash, 50):.2f} |",
            row("peer: Python + boto3 + argon2-cffi", "peer"),
            row("peer, same work as ours: + throttle counters, session, RS256 token (PyJWT)", "same"),
            "",
            *([f"- Spin: {against('spin')}"] if spin_api else []),
            f"- wasmtime, direct: {against('direct')}",
            f"- argon2-cffi (C) / native Rust: {pct(hashed['peer'], 50) / pct(floor_hash, 50):.2f}×",
            "- Not the same work: a login here also counts the attempt on the address's throttle counters (its count and "
            "the account's, one UpdateItem, in the same round trip as the user's read), then resets the account's and takes "
            "the address's back (one UpdateItem) and writes a session while it signs an RS256 access token (2 DynamoDB "
            "round trips of 2 requests, tests/api/round_trips.rs); the peer does one GetItem. The targets are against "
            "that peer; the same-work peer (`bench/peer/login_peer.py --same-work`) does our login's work, the same way "
            "(`scripts/bench capacity` checks that it sends the same requests).",
            "",
        ]

        # 1a. Where our login's time goes, from its Server-Timing phases (p50 of each).
        rows += ["### Where our login's time goes (p50 of each phase, its Server-Timing, same logins as above)", "",
                 "| path | 1st DynamoDB round trip | argon2 | 2nd DynamoDB round trip | RS256 signature (within the 2nd) | "
                 "the rest (HTTP in and out, parsing, the runtime) | total |",
                 "|---|---|---|---|---|---|---|"]
        for k, label in (("spin", "ours: Spin"), ("direct", "ours: `wasmtime serve` directly")):
            if k not in phases:
                continue
            got = phases[k]
            rest = [p["total"] - p["dynamodb-1"] - p["argon2"] - p["dynamodb-2"] for p in got]
            cells = [pct([p[n] for p in got], 50) for n in ("dynamodb-1", "argon2", "dynamodb-2", "sign")]
            rows.append(f"| {label} | " + " | ".join(f"{c:.2f}" for c in cells)
                        + f" | {pct(rest, 50):.2f} | {pct([p['total'] for p in got], 50):.2f} |")
        rows += [""]

        # 1b. CPU per login by process: the server and DynamoDB Local's JVM, which share the 2 cores
        # with it under load (the throughput below is bounded by their sum).
        java = listening_pid(dynamodb)
        batches = max(5, rounds // 20)
        n = 10 * batches
        rows += ["### CPU per login (sequential, the paths taking turns in batches of 10; user + system time of each process, /proc)", "",
                 "| path | logins | server ms | DynamoDB Local (JVM) ms | sum ms |",
                 "|---|---|---|---|---|"]
        labels = {"spin": "ours: Spin", "direct": "ours: `wasmtime serve` login.wasm", "peer": "peer",
                  "same": "peer, same work"}
        # In batches of 10, the paths taking turns: the JVM's JIT and GC come in bursts, which one
        # long run per path would charge to whichever path was running.
        servers = {k: listening_pid(paths[k]) if k in paths else None for k in labels}
        used = {k: [0.0, 0.0] for k in labels}
        for _ in range(batches):
            for k, server in servers.items():
                if server is None or java is None:
                    continue
                before = cpu_seconds(server), cpu_seconds(java)
                for _ in range(10):
                    timed_login(paths[k], email, password)
                for i, (pid, b) in enumerate(zip((server, java), before)):
                    used[k][i] += cpu_seconds(pid) - b
        for k, label in labels.items():
            if servers[k] is None or java is None:
                rows.append(f"| {label} | skipped: no process found listening | | | |")
                continue
            ms = [u * 1000 / n for u in used[k]]
            rows.append(f"| {label} | {n} | {ms[0]:.1f} | {ms[1]:.1f} | {sum(ms):.1f} |")
        rows += ["", "- The server's time includes everything in its process: for ours the component (argon2, the "
                 "RS256 signature) and the runtime's HTTP both ways; on 2 cores, 2000 / sum is a bound on logins "
                 "per second.", ""]

        # 2. health vs the runtime's own hello component, both on their own wasmtime ports.
        hello_port = free_port()
        hello = subprocess.Popen(wasmtime_cmd(ROOT / "target/wasm32-wasip2/release/hello.wasm", hello_port, {}),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        children.append(hello)
        hello_url = f"http://127.0.0.1:{hello_port}/"
        wait_until(lambda: timed_get(hello_url, 1))
        health_url = urls["component login"] + "/health"
        timed_get(health_url, 200); timed_get(hello_url, 200)
        health, base = [], []
        for _ in range(max(1, rounds // 50)):
            health += timed_get(health_url, 100)
            base += timed_get(hello_url, 100)
        overhead = pct(health, 50) - pct(base, 50)
        rows += [
            "### Per-request overhead (GET, keep-alive, sequential)",
            "",
            "| component | n | p50 ms | p99 ms |",
            "|---|---|---|---|",
            f"| login.wasm `GET /health` (config, request id, log line, JSON) | {len(health)} | {pct(health, 50):.3f} | {pct(health, 99):.3f} |",
            f"| hello.wasm (spin-sdk hello world) | {len(base)} | {pct(base, 50):.3f} | {pct(base, 99):.3f} |",
            "",
            f"- health overhead over hello: **{overhead:.3f} ms** (target < 0.5 ms); ratio {pct(health, 50) / pct(base, 50):.2f}×",
            "",
        ]

        # 3. throughput at 1, 2, 4, 16 connections (hey, 5 s each, loopback).
        runners = [("Spin", spin_api), ("wasmtime", api)] if spin_api else [("wasmtime", api)]
        head = "".join(f" {n} register req/s | {n} login req/s |" for n, _ in runners)
        ratios = "".join(f" {n} login / peer |" for n, _ in runners)
        same_ratios = "".join(f" {n} / same-work peer |" for n, _ in runners)
        rows += ["### Throughput (hey, 5 s per cell, loopback)", "",
                 f"| connections |{head} peer login req/s |{ratios} same-work peer login req/s |{same_ratios}",
                 "|---|" + "---|" * (4 * len(runners) + 2)]
        if not spin_api:
            notes.append("Spin: skipped (no `spin` on PATH).")
        creds = {"email": email, "password": password}
        for c in (1, 2, 4, 16):
            cells, rates, bad = [], [], []
            for _, base in runners:
                reg_rate, reg_codes = hey(base + "/register", c, 5, creds)  # duplicate email: hashes, then 409
                login_rate, login_codes = hey(base + "/login", c, 5, creds)
                cells += [f"{reg_rate:.1f}", f"{login_rate:.1f}"]
                rates.append(login_rate)
                bad += [x for x in reg_codes if x != "409"] + [x for x in login_codes if x != "200"]
            peer_rate, peer_codes = hey(peer_url + "/login", c, 5, creds)
            same_rate, same_codes = hey(same_url + "/login", c, 5, creds)
            bad += [x for x in peer_codes + same_codes if x != "200"]
            rows.append(f"| {c} | " + " | ".join(cells) + f" | {peer_rate:.1f} | "
                        + " | ".join(f"**{r / peer_rate:.2f}**" for r in rates) + f" | {same_rate:.1f} | "
                        + " | ".join(f"{r / same_rate:.2f}" for r in rates) + " |"
                        + (f" unexpected statuses: {sorted(set(bad))}" if bad else ""))
        rows += ["", "Register repeats one email: every request hashes, then gets 409 from the conditional PutItem. "
                 "Target: login ours / peer ≥ 1.0 at every connection count.", *notes, ""]
    finally:
        for c in children:
            c.terminate()
        proc.terminate()
        proc.wait()

    # 4. size and cold start: process start to first successful login, ours vs the peer.
    def cold(cmd, url, env=None):
        """(process start → first answer to GET /health, → first successful login) in ms."""
        started = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            wait_until(lambda: timed_get(url + "/health", 1))
            ready = (time.perf_counter() - started) * 1000
            timed_login(url, email, password)
            return ready, (time.perf_counter() - started) * 1000
        finally:
            p.terminate(); p.wait()

    proc, urls = start_stack()
    try:
        assert post(urls["api"], "/register", {"email": email, "password": password}, address())[0] == 201
        env = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_ENDPOINT_URL_DYNAMODB": urls["dynamodb"],
               "TOKEN_SIGNING_KEY": (ROOT / "crates/app-core/data/local-dev-token-key.pem").read_text(),
               "TOKEN_PUBLIC_KEYS": (ROOT / "crates/app-core/data/local-dev-token-jwks.json").read_text()}
        wasm = ROOT / "target/wasm32-wasip2/release/login.wasm"
        ours_cold, peer_cold = [], []
        for _ in range(3):
            port = free_port()
            ours_cold.append(cold(wasmtime_cmd(wasm, port, env), f"http://127.0.0.1:{port}"))
            port = free_port()
            peer_cold.append(cold([str(PEER_PY), str(ROOT / "bench/peer/login_peer.py"), str(port), urls["dynamodb"]],
                                  f"http://127.0.0.1:{port}"))
    finally:
        proc.terminate(); proc.wait()
    sizes = {c: (ROOT / f"target/wasm32-wasip2/release/{c}.wasm").stat().st_size for c in ("register", "login", "chat", "hello")}
    compile_s = {c: compile_seconds(ROOT / f"target/wasm32-wasip2/release/{c}.wasm") for c in sizes}
    rows += [
        "### Size and cold start",
        "",
        "| component | .wasm KiB | `wasmtime compile` s (median of 7) |", "|---|---|---|",
        *[f"| {c} | {s // 1024} | {compile_s[c]:.2f} |" for c, s in sizes.items()],
        f"- target ≤ 700 KiB per component: {'met' if max(sizes[c] for c in ('register', 'login', 'chat')) <= 700 * 1024 else 'not met'} "
        f"(largest {max(sizes[c] for c in ('register', 'login', 'chat')) // 1024} KiB)",
        "",
        "| cold start (median of 3) | process start → ready (first GET /health) ms | → first successful login ms |", "|---|---|---|",
        f"| ours: `wasmtime serve login.cwasm` (precompiled, as the local runner starts it) | {statistics.median(r for r, _ in ours_cold):.0f} | {statistics.median(l for _, l in ours_cold):.0f} |",
        f"| peer: `python login_peer.py` (imports boto3, argon2) | {statistics.median(r for r, _ in peer_cold):.0f} | {statistics.median(l for _, l in peer_cold):.0f} |",
        "",
        f"- peer / ours, to ready: **{statistics.median(r for r, _ in peer_cold) / statistics.median(r for r, _ in ours_cold):.1f}×** (target ≥ 10×; "
        "the first login adds the same argon2 verify and first DynamoDB call to both, slower in wasm: "
        f"{statistics.median(l for _, l in peer_cold) / statistics.median(l for _, l in ours_cold):.1f}× to first login)",
        "",
    ]
    return rows
