#!/usr/bin/env python3
"""Benchmarks that print ratios measured in one run (this machine is noisy) and append a dated
Markdown table to bench/results/<name>.md.

    scripts/bench login-timing [--rounds N]

login-timing: mean login time for an unknown email vs a known email with a wrong password,
interleaved, through the real stack (gateway -> wasm component -> DynamoDB Local). Their ratio
should be ~1.0: a login must not reveal whether an account exists by its timing.
"""

import argparse
import datetime
import json
import random
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def start_stack() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/devstack.py"), "up", "--port", "0", "--dynamodb-in-memory",
         "--dynamodb-port", "0", "--runner", "wasmtime", "--exit-with-parent", "--env", "CLIENT_IP_HOPS=2"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("api:"):
            return proc, line.split(":", 1)[1].strip()
    raise SystemExit("the stack did not start (run scripts/devstack.py up to see why)")


def post(base: str, path: str, body: dict, address: str) -> tuple[int, float]:
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST", headers={
        "content-type": "application/json", "x-forwarded-for": address})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    return status, (time.perf_counter() - started) * 1000


def address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"


def login_timing(rounds: int) -> list[str]:
    proc, base = start_stack()
    try:
        email = f"bench-{random.randrange(1 << 30)}@example.com"
        status, _ = post(base, "/register", {"email": email, "password": "correct horse battery"}, address())
        assert status == 201, status
        for _ in range(5):  # warm up instances
            post(base, "/login", {"email": email, "password": "wrong password"}, address())
        unknown, wrong = [], []
        for i in range(rounds):
            pairs = [("unknown", f"nobody-{i}@example.com"), ("wrong", email)]
            random.shuffle(pairs)
            for kind, who in pairs:
                status, ms = post(base, "/login", {"email": who, "password": "wrong password"}, address())
                assert status == 401, status
                (unknown if kind == "unknown" else wrong).append(ms)
    finally:
        proc.terminate()
        proc.wait()
    mu, mw = statistics.mean(unknown), statistics.mean(wrong)
    return [
        "| case | n | mean ms | median ms | stdev ms |",
        "|---|---|---|---|---|",
        f"| unknown email | {len(unknown)} | {mu:.2f} | {statistics.median(unknown):.2f} | {statistics.stdev(unknown):.2f} |",
        f"| wrong password | {len(wrong)} | {mw:.2f} | {statistics.median(wrong):.2f} | {statistics.stdev(wrong):.2f} |",
        "",
        f"ratio unknown/wrong (mean): **{mu / mw:.3f}**",
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", choices=["login-timing"])
    p.add_argument("--rounds", type=int, default=100)
    args = p.parse_args()
    lines = login_timing(args.rounds)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = f"scripts/bench {args.name} --rounds {args.rounds}"
    block = "\n".join([f"## {stamp}", "", f"`{command}` (2-core machine, loopback)", "", *lines, "", ""])
    print(block)
    out = RESULTS / f"{args.name}.md"
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        out.write_text(f"# {args.name}\n\n")
    with out.open("a") as f:
        f.write(block)
    print(f"appended to {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
