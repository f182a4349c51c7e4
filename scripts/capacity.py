#!/usr/bin/env python3
"""Capacity model on paper (docs/scaling.md): from the measured per-request costs
(docs/capacity/dynamodb-measured.json, written by `scripts/bench capacity`; docs/capacity/model.json:
Lambda times from bench/results, model tokens, AWS quotas and list prices) and a traffic mix, prints
what each limit allows in one region, which binds first, and the cost per million requests.

    scripts/capacity.py [--mix docs/capacity/mix-fixed.json]
    scripts/capacity.py --check     run the fixed mix and compare with docs/capacity/fixed-mix.expected
                                    (scripts/test runs this; --update rewrites the expectation)

Python standard library only.
"""
import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs/capacity"


def load() -> tuple[dict, dict]:
    return json.loads((DOCS / "model.json").read_text()), json.loads((DOCS / "dynamodb-measured.json").read_text())


def per_request(model: dict, measured: dict, kind: str) -> dict:
    """One request of `kind`: Lambda seconds and GB-s, capacity units per table, model tokens."""
    lam = model["lambda"]
    vcpu = lam["memory_mb"] / 1769 * lam["vcpu_at_1769_mb"]
    t = lam["requests"][kind]
    seconds = (t["cpu_ms"] / min(vcpu, 1.0) + t["io_ms"]) / 1000
    m = model["model"]
    tokens_out = m["output_tokens_per_turn"] if kind == "chat_turn" else 0
    if kind == "chat_turn":  # the function waits for the whole answer
        seconds += tokens_out / m["tokens_per_second_per_stream"]
    # a chat turn with the full history window: the steady state of a conversation
    ddb = measured["requests"]["chat_turn_11th" if kind == "chat_turn" else kind]
    return {"seconds": seconds, "gb_seconds": seconds * lam["memory_mb"] / 1024,
            "rcu": ddb["rcu"], "wcu": ddb["wcu"], "tables": ddb["tables"],
            "tokens_in": m["input_tokens_per_turn"] if kind == "chat_turn" else 0, "tokens_out": tokens_out}


def saturation(model: dict, measured: dict, mix: dict[str, float]) -> list[tuple[str, float, str]]:
    """(limit, total requests/s at which it binds, what) for each limit, lowest first."""
    total = sum(mix.values())
    share = {k: v / total for k, v in mix.items()}
    cost = {k: per_request(model, measured, k) for k in share}
    lim = model["limits"]
    out = [("API Gateway account throttle", lim["api_gateway_rps"], f"{lim['api_gateway_rps']} rps, all routes")]
    busiest = max(share, key=share.get)
    out.append((f"route throttle ({busiest})", lim["route_rps"] / share[busiest],
                f"{lim['route_rps']} rps on the busiest route, {share[busiest]:.0%} of traffic"))
    concurrency = sum(share[k] * cost[k]["seconds"] for k in share)  # Little's law, per 1 rps
    out.append(("Lambda concurrency", lim["lambda_concurrency"] / concurrency,
                f"{concurrency * 1000:.1f} concurrent executions per 1000 rps, quota {lim['lambda_concurrency']}"))
    tables = {}
    for k in share:
        for table, (r, w) in cost[k]["tables"].items():
            tables.setdefault(table, [0.0, 0.0])
            tables[table][0] += share[k] * r
            tables[table][1] += share[k] * w
    for table, (r, w) in sorted(tables.items()):
        if r:
            out.append((f"DynamoDB {table} reads", lim["dynamodb_table_rru"] / r, f"{r:.3f} RRU per request"))
        if w:
            out.append((f"DynamoDB {table} writes", lim["dynamodb_table_wru"] / w, f"{w:.3f} WRU per request"))
    m = model["model"]
    tokens = sum(share[k] * cost[k]["tokens_out"] for k in share)
    if tokens:
        capacity = m["output_tokens_per_second_per_instance"] * m["instances"]
        out.append((f"SageMaker ({m['instances']} instance)", capacity / tokens,
                    f"{tokens:.1f} output tokens per request, {capacity} tokens/s"))
    return sorted(out, key=lambda x: x[1])


def cost_per_million(model: dict, measured: dict, kind: str) -> dict[str, float]:
    c, p = per_request(model, measured, kind), model["prices"]
    parts = {
        "API Gateway": p["api_gateway_http_per_million"],
        "Lambda requests": p["lambda_per_million_requests"],
        "Lambda duration": c["gb_seconds"] * p["lambda_per_gb_second"] * 1e6,
        "DynamoDB": c["rcu"] * p["dynamodb_per_million_rru"] + c["wcu"] * p["dynamodb_per_million_wru"],
    }
    if c["tokens_out"]:
        m = model["model"]
        turns_per_hour = m["output_tokens_per_second_per_instance"] / c["tokens_out"] * 3600
        parts["SageMaker (instance fully used)"] = m["instance_price_per_hour"] / turns_per_hour * 1e6
    return parts


def report(mix_file: Path) -> str:
    model, measured = load()
    mix = json.loads(mix_file.read_text())["mix"]
    lines = [f"mix: {', '.join(f'{k} {v:.0%}' for k, v in mix.items())}", "",
             "per request: Lambda s | RRU | WRU | output tokens"]
    for k in mix:
        c = per_request(model, measured, k)
        lines.append(f"  {k:<20} {c['seconds']:7.3f} | {c['rcu']:5.2f} | {c['wcu']:5.2f} | {c['tokens_out']}")
    lines += ["", "one region saturates at (total requests/s, lowest first):"]
    limits = saturation(model, measured, mix)
    for name, rps, what in limits:
        lines.append(f"  {rps:10.0f}  {name}: {what}")
    lines += ["", f"binds first: {limits[0][0]} at {limits[0][1]:.0f} requests/s",
              f"then: {limits[1][0]} at {limits[1][1]:.0f} requests/s", "", "cost per million, USD (us-east-1 list prices):"]
    for k in ("login", "chat_turn"):
        parts = cost_per_million(model, measured, k)
        detail = ", ".join(f"{n} {v:.2f}" for n, v in parts.items())
        lines.append(f"  {k}: {sum(parts.values()):.2f} ({detail})")
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mix", type=Path, default=DOCS / "mix-fixed.json")
    p.add_argument("--check", action="store_true")
    p.add_argument("--update", action="store_true")
    a = p.parse_args()
    out = report(a.mix)
    expected = DOCS / "fixed-mix.expected"
    if a.update:
        expected.write_text(report(DOCS / "mix-fixed.json"))
    if a.check:
        want = expected.read_text()
        got = report(DOCS / "mix-fixed.json")
        if got != want:
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "expected", "got"))
            print("capacity: the fixed mix's output changed (scripts/capacity.py --update if intended)")
            return 1
        print("capacity: fixed mix as expected")
        return 0
    print(out, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
