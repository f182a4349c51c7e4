#!/usr/bin/env python3
"""Benchmarks that print ratios measured in one run (this machine is noisy) and append a dated
Markdown table to bench/results/<name>.md.

    scripts/bench login-timing [--rounds N]
    scripts/bench forgot-timing [--rounds N]   POST /password/forgot, known vs unknown email
    scripts/bench chat-overhead [--rounds N]   under Spin and wasmtime
    scripts/bench perf [--rounds N]      login (Spin, wasmtime) vs floor and peer, health vs hello, throughput, size, cold start
    scripts/bench soak [--rounds SECONDS] mixed load for SECONDS (default 60), errors and memory
    scripts/bench faults                 DynamoDB and the model fail mid-run; exits 1 if anything is lost
    scripts/bench capacity [--rounds N]  DynamoDB calls, capacity units and bytes per request type (counting proxy)
    scripts/bench tokens [--rounds N]    RS256 vs EdDSA sign/verify natively and in wasm, size each adds
    scripts/bench argon2 [--rounds N]    the login's argon2id verify natively and in wasm (with and without simd128)
    scripts/bench model-quality [--system TEXT] [--server PATH] [--model-arg=--flag=value ...]
                                         the real local model on fixed prompts: accuracy, looping, leakage

login-timing: mean login time for an unknown email vs a known email with a wrong password,
interleaved, through the real stack (gateway -> wasm component -> DynamoDB Local). Their ratio
should be ~1.0: a login must not reveal whether an account exists by its timing.
"""

import argparse
import datetime
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def start_stack(*extra: str, runner: str = "wasmtime") -> tuple[subprocess.Popen, dict[str, str]]:
    """Starts the stack (in-memory DynamoDB, deterministic model) under `runner` (spin: the real
    Spin, nothing in front; wasmtime: `wasmtime serve` per component behind the local gateway);
    returns the URLs it printed."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/devstack.py"), "up", "--port", "0", "--dynamodb-in-memory",
         "--dynamodb-port", "0", "--model-port", "0", "--model-deterministic", "--runner", runner,
         "--exit-with-parent", "--env", "CLIENT_IP_HOPS=2",
         # Benchmarks send far more chat messages per user than a day's quota allows.
         "--env", "CHAT_DAILY_MESSAGES=1000000000", "--env", "CHAT_DAILY_TOKENS=1000000000000", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    urls = {}
    for line in proc.stdout:
        name, _, url = line.strip().rpartition(": ")
        urls[name] = url
        if name == "api":
            return proc, urls
    raise SystemExit("the stack did not start (run scripts/devstack.py up to see why)")


def post(base: str, path: str, body: dict, address: str, token: str | None = None) -> tuple[int, float, bytes]:
    headers = {"content-type": "application/json", "x-forwarded-for": address}
    if token:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST", headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            data = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        data = e.read()
        status = e.code
    return status, (time.perf_counter() - started) * 1000, data


def address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"


def login_timing(rounds: int) -> list[str]:
    proc, urls = start_stack()
    base = urls["api"]
    try:
        email = f"bench-{random.randrange(1 << 30)}@example.com"
        status, _, _ = post(base, "/register", {"email": email, "password": "correct horse battery"}, address())
        assert status == 201, status
        for _ in range(5):  # warm up instances
            post(base, "/login", {"email": email, "password": "wrong password"}, address())
        unknown, wrong = [], []
        for i in range(rounds):
            pairs = [("unknown", f"nobody-{i}@example.com"), ("wrong", email)]
            random.shuffle(pairs)
            for kind, who in pairs:
                status, ms, _ = post(base, "/login", {"email": who, "password": "wrong password"}, address())
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


def forgot_timing(rounds: int) -> list[str]:
    """POST /password/forgot for a known email (token stored, mail sent through the local SES) vs
    an unknown one (nothing to do), interleaved, through the real stack. Both must answer alike,
    in time too: the ratio should be ~1.0 (the component pads both to FORGOT_MIN_MS)."""
    proc, urls = start_stack("--env", "FORGOT_PER_EMAIL=1000000", "--env", "FORGOT_PER_ADDRESS=1000000")
    base = urls["api"]
    try:
        email = f"bench-{random.randrange(1 << 30)}@example.com"
        status, _, _ = post(base, "/register", {"email": email, "password": "correct horse battery"}, address())
        assert status == 201, status
        for i in range(5):  # warm up instances
            post(base, "/password/forgot", {"email": email}, address())
            post(base, "/password/forgot", {"email": f"warm-{i}@example.com"}, address())
        unknown, known, bodies = [], [], set()
        for i in range(rounds):
            pairs = [("unknown", f"nobody-{i}@example.com"), ("known", email)]
            random.shuffle(pairs)
            for kind, who in pairs:
                status, ms, body = post(base, "/password/forgot", {"email": who}, address())
                assert status == 202, status
                bodies.add(body)
                (unknown if kind == "unknown" else known).append(ms)
        mails = json.loads(urllib.request.urlopen(urls["mail"] + "/store", timeout=10).read())["emails"]
        sent = sum(1 for m in mails if email in m["destination"]["to"] and m["subject"] == "Reset your password")
    finally:
        proc.terminate()
        proc.wait()
    assert len(bodies) == 1, bodies
    mu, mk = statistics.mean(unknown), statistics.mean(known)
    return [
        "| case | n | mean ms | median ms | stdev ms |",
        "|---|---|---|---|---|",
        f"| unknown email | {len(unknown)} | {mu:.2f} | {statistics.median(unknown):.2f} | {statistics.stdev(unknown):.2f} |",
        f"| known email (token stored, mail sent) | {len(known)} | {mk:.2f} | {statistics.median(known):.2f} | {statistics.stdev(known):.2f} |",
        "",
        f"ratio unknown/known (mean): **{mu / mk:.3f}** (target 0.9-1.1); one response body for both; "
        f"{sent} reset mails reached the local SES for the known address ({rounds + 5} asked)",
    ]


def chat_overhead(rounds: int) -> list[str]:
    """Time of POST /chat through the chat component minus the model endpoint's own time for the
    same model payload, for a short conversation and a long one (60+ turns; history sent to the
    model is bounded to 10 turns); under the real Spin (when `spin` is on PATH) and under
    `wasmtime serve`, one after the other."""
    rows = [
        "| runner | conversation | n | through component ms (mean) | model endpoint alone ms (mean) | overhead ms | long / short |",
        "|---|---|---|---|---|---|---|",
    ]
    for runner in ("spin", "wasmtime"):
        if runner == "spin" and not shutil.which("spin"):
            rows.append("| Spin | skipped: no `spin` on PATH | | | | | |")
            continue
        short_total, short_model, long_total, long_model = chat_turns(rounds, runner)
        short = statistics.mean(short_total) - statistics.mean(short_model)
        long = statistics.mean(long_total) - statistics.mean(long_model)
        name = {"spin": "Spin", "wasmtime": "`wasmtime serve`"}[runner]
        rows += [
            f"| {name} | short (2nd turn) | {rounds} | {statistics.mean(short_total):.2f} | {statistics.mean(short_model):.2f} | {short:.2f} | |",
            f"| {name} | long (60+ turns, 10 sent) | {rounds} | {statistics.mean(long_total):.2f} | {statistics.mean(long_model):.2f} | {long:.2f} | **{long / short:.2f}** |",
        ]
    return rows + [
        "",
        "long / short near 1: a turn's cost does not grow with the conversation.",
        "",
        "Spin: `spin up` as scripts/run starts it; wasmtime: the chat component's own `wasmtime serve` port",
        "(no gateway). The model endpoint runs in deterministic mode, so the model's time is the endpoint's",
        "HTTP handling only. Overhead = token check (no I/O), 2 DynamoDB round trips before the model",
        "(GetItem + Query side by side, then the quota reservation) and 1 after (the TransactWriteItems",
        "with the quota settling beside it): tests/api/round_trips.rs counts them; and the SageMaker",
        "call's signing and transfer.",
    ]


def chat_turns(rounds: int, runner: str) -> tuple[list[float], list[float], list[float], list[float]]:
    """Times of chat turns through `runner` and of the model endpoint alone for the same payload:
    (short conversation, model alone, long conversation, model alone), interleaved."""
    proc, urls = start_stack(runner=runner)
    chat, model = urls.get("component chat", urls["api"]), urls["model"]
    system = {"role": "system", "content": "You are a helpful assistant."}
    try:
        email = f"bench-{random.randrange(1 << 30)}@example.com"
        post(urls["api"], "/register", {"email": email, "password": "correct horse battery"}, address())
        _, _, body = post(urls["api"], "/login", {"email": email, "password": "correct horse battery"}, address())
        token = json.loads(body)["access_token"]

        def model_ms(history_turns: int, message: str) -> float:
            messages = [system]
            for i in range(history_turns):
                messages += [{"role": "user", "content": f"earlier message {i}"},
                             {"role": "assistant", "content": f"echo {i + 1} (with system prompt): earlier message {i}"}]
            messages.append({"role": "user", "content": message})
            status, ms, _ = post(model, "/endpoints/local-chat/invocations",
                                 {"messages": messages, "max_tokens": 200, "temperature": 0.7, "stream": False}, "")
            assert status == 200, status
            return ms

        def conversation(turns: int) -> str:
            cid = None
            for i in range(turns):
                body = {"message": f"earlier message {i}"}
                if cid:
                    body["conversation_id"] = cid
                _, _, data = post(chat, "/chat", body, address(), token)
                cid = json.loads(data)["conversation_id"]
            return cid

        for _ in range(5):  # warm up instances and connections
            post(chat, "/chat", {"message": "warm up"}, address(), token)
            model_ms(0, "warm up")
        long_id = conversation(60)
        short_total, short_model, long_total, long_model = [], [], [], []
        for i in range(rounds):  # interleaved, so both see the same machine
            short_id = conversation(1)  # a fresh two-turn conversation each round
            for cid, total, alone, sent in ((short_id, short_total, short_model, 1),
                                            (long_id, long_total, long_model, 10)):
                status, ms, _ = post(chat, "/chat", {"message": f"turn {i}", "conversation_id": cid}, address(), token)
                assert status == 200, status
                total.append(ms)
                alone.append(model_ms(sent, f"turn {i}"))
    finally:
        proc.terminate()
        proc.wait()
    return short_total, short_model, long_total, long_model


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", choices=["login-timing", "forgot-timing", "chat-overhead", "perf", "soak", "faults", "model-quality", "tokens", "capacity", "argon2"])
    p.add_argument("--rounds", type=int, default=100)
    p.add_argument("--system", default=None, help="model-quality: system prompt (default: the chat component's; none: no system prompt)")
    p.add_argument("--server", default="model-endpoint/server.mjs", help="model-quality: the endpoint to measure (a path in the repository)")
    p.add_argument("--model-arg", action="append", default=[], help="model-quality: extra argument for model-endpoint/server.mjs")
    args = p.parse_args()
    command_extra = ""
    if args.name == "model-quality":
        from model_quality import model_quality, SYSTEM_PROMPT
        system = SYSTEM_PROMPT if args.system is None else args.system
        run = lambda _rounds: model_quality(args.server, args.model_arg, system)
        command_extra = ("" if args.server == "model-endpoint/server.mjs" else f" --server {args.server}") + \
            "".join(f" --model-arg={a}" for a in args.model_arg) + \
            ("" if args.system is None else f" --system {json.dumps(args.system)}")
    elif args.name == "perf":
        from perf import perf as run
    elif args.name == "faults":
        from faults import faults as run
    elif args.name == "capacity":
        from capacity import capacity as run
    elif args.name == "tokens":
        from tokens import tokens as run
    elif args.name == "argon2":
        from argon2_speed import argon2 as run
    elif args.name == "soak":
        from soak import soak as run
        args.rounds = 60 if args.rounds == 100 else args.rounds
    else:
        run = {"login-timing": login_timing, "forgot-timing": forgot_timing, "chat-overhead": chat_overhead}[args.name]
    lines = run(args.rounds)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = f"scripts/bench {args.name}" + ("" if args.name in ("faults", "model-quality") else f" --rounds {args.rounds}") \
        + command_extra
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
