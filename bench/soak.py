"""`scripts/bench soak`: mixed register/login/chat/me traffic at the machine's capacity for a fixed
time, counting every response, sampling the memory (RSS) of every process of the stack."""

import json
import os
import random
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

from bench import start_stack


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def rss_kib(pid: int) -> int:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def name(pid: int) -> str:
    try:
        cmd = open(f"/proc/{pid}/cmdline").read().split("\0")
    except OSError:
        return "?"
    text = " ".join(cmd)
    for component in ("register", "login", "chat"):
        if f"/{component}.wasm" in text or f"/{component}.cwasm" in text:
            return f"wasmtime: {component}"
    for key, label in (("DynamoDBLocal", "DynamoDB Local (java)"), ("server.mjs", "model endpoint (node)"),
                       ("devstack.py", "gateway (python)")):
        if key in text:
            return label
    return os.path.basename(cmd[0])


def call(base, method, path, body=None, token=None, address="10.0.0.1"):
    headers = {"content-type": "application/json", "x-forwarded-for": address}
    if token:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return f"network error: {type(e).__name__}", b""


def soak(seconds: int) -> list[str]:
    proc, urls = start_stack("--env", "REGISTRATIONS_PER_ADDRESS=1000000000", "--env", "DYNAMODB_TIMEOUT_MS=15000")
    api = urls["api"]
    counts, errors = Counter(), Counter()
    lock = threading.Lock()
    users = []
    try:
        for i in range(4):
            email, password = f"soak-seed-{i}@example.com", f"soak password {i}"
            call(api, "POST", "/register", {"email": email, "password": password})
            token = json.loads(call(api, "POST", "/login", {"email": email, "password": password})[1])["access_token"]
            users.append((email, password, token))
        pids = [p for p in tree(proc.pid)]
        names = {p: name(p) for p in pids}
        samples = []
        stop = time.monotonic() + seconds

        def sampler():
            while time.monotonic() < stop:
                samples.append((seconds - (stop - time.monotonic()), {p: rss_kib(p) for p in pids}))
                time.sleep(5)
            samples.append((seconds, {p: rss_kib(p) for p in pids}))

        def worker(n):
            rng = random.Random(n)
            i = 0
            while time.monotonic() < stop:
                i += 1
                email, password, token = rng.choice(users)
                kind = rng.choices(["login", "register", "chat", "me"], [4, 2, 3, 1])[0]
                if kind == "login":
                    status, _ = call(api, "POST", "/login", {"email": email, "password": password}, address=f"10.1.{n}.{i % 250}")
                    ok = status == 200
                elif kind == "register":
                    status, _ = call(api, "POST", "/register", {"email": f"soak-{n}-{i}-{rng.random()}@example.com", "password": "soak password x"})
                    ok = status == 201
                elif kind == "chat":
                    status, _ = call(api, "POST", "/chat", {"message": f"soak message {i}"}, token)
                    ok = status == 200
                else:
                    status, _ = call(api, "GET", "/me", token=token)
                    ok = status == 200
                with lock:
                    counts[kind] += 1
                    if not ok:
                        errors[f"{kind} {status}"] += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)] + [threading.Thread(target=sampler)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait()
    total = sum(counts.values())
    rows = [
        f"{seconds} s, 6 concurrent clients, mix 40% login / 20% register / 30% chat (deterministic model) / 10% GET /me,",
        "all through the gateway; access tokens refreshed by nothing (15 min lifetime covers the run).",
        "",
        "| requests | login | register | chat | me | errors |",
        "|---|---|---|---|---|---|",
        f"| {total} ({total / seconds:.1f}/s) | {counts['login']} | {counts['register']} | {counts['chat']} | {counts['me']} | **{sum(errors.values())}** {dict(errors) if errors else ''} |",
        "",
        "RSS (MiB) of every process of the stack, sampled every 5 s. The first 15 s are warm-up: wasmtime",
        "creates an instance per concurrent request (each with argon2's 19 MiB), the JVM sizes its heap.",
        "",
        "| process | start | 15 s | 30 s | 45 s | end | end / 15 s |",
        "|---|---|---|---|---|---|---|",
    ]

    def at(t):
        return min(samples, key=lambda s: abs(s[0] - t))[1]

    for pid, label in names.items():
        if samples[0][1].get(pid, 0) == 0:
            continue
        series = [at(t).get(pid, 0) / 1024 for t in (0, 15, 30, 45, seconds)]
        rows.append(f"| {label} | " + " | ".join(f"{v:.1f}" for v in series) + f" | {series[-1] / series[1]:.2f} |")
    rows.append("")
    return rows
