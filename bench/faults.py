"""`scripts/bench faults`: dependencies fail under traffic and come back.

DynamoDB Local is killed mid-run and restarted (same data directory); the model endpoint is killed,
then restarted slower than the timeout (FAULT INJECTION: --delay-ms), then answering garbage
(--garbage), then healthy. Every answer must be the documented status within its limit, the stack must
recover by itself, and the tables must hold every acknowledged account and turn, whole, and nothing of
a failed turn. Exits non-zero if any of that does not hold.
"""

import json
import subprocess
import sys
import tempfile
import time

from bench import ROOT, start_stack
from perf import free_port
from soak import call

DYNAMODB_TIMEOUT_MS, MODEL_TIMEOUT_MS = 2000, 2000


def devstack_dynamodb(port, data_dir):
    p = subprocess.Popen([sys.executable, str(ROOT / "scripts/devstack.py"), "up", "--only-dynamodb",
                          "--dynamodb-port", str(port), "--dynamodb-data-dir", data_dir, "--exit-with-parent"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in p.stdout:
        if line.startswith("dynamodb:"):
            return p
    raise SystemExit("DynamoDB Local did not start")


def model(port, *extra):
    p = subprocess.Popen(["node", str(ROOT / "model-endpoint/server.mjs"), "--port", str(port), "--deterministic", *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in p.stdout:
        if line.startswith("model:"):
            return p
    raise SystemExit("model endpoint did not start")


def stop(p):
    p.terminate()
    p.wait()


def table_item(dynamodb, table, key):
    import urllib.request
    req = urllib.request.Request(dynamodb + "/", data=json.dumps({"TableName": table, "Key": key, "ConsistentRead": True}).encode(),
                                 method="POST", headers={
        "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.GetItem",
        "authorization": "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"})
    return json.loads(urllib.request.urlopen(req, timeout=10).read()).get("Item")


def query_user(dynamodb, user_id):
    import urllib.request
    body = {"TableName": "conversations", "KeyConditionExpression": "user_id = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}}, "ConsistentRead": True}
    req = urllib.request.Request(dynamodb + "/", data=json.dumps(body).encode(), method="POST", headers={
        "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.Query",
        "authorization": "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"})
    return json.loads(urllib.request.urlopen(req, timeout=10).read())["Items"]


def faults(_rounds: int) -> list[str]:
    problems, rows = [], []
    data_dir = tempfile.mkdtemp(prefix="faults-dynamodb-")
    ddb_port, model_port = free_port(), free_port()
    dynamodb_url = f"http://127.0.0.1:{ddb_port}"
    ddb = devstack_dynamodb(ddb_port, data_dir)
    mdl = model(model_port)
    proc, urls = start_stack("--dynamodb-endpoint", dynamodb_url, "--model-endpoint", f"http://127.0.0.1:{model_port}",
                             "--env", f"DYNAMODB_TIMEOUT_MS={DYNAMODB_TIMEOUT_MS}", "--env", f"MODEL_TIMEOUT_MS={MODEL_TIMEOUT_MS}",
                             "--env", "REGISTRATIONS_PER_ADDRESS=1000000000")
    api = urls["api"]
    try:
        # ---- DynamoDB killed mid-run, then restarted.
        results = []  # (phase, email, status, ms)
        phase, started, n = "up", time.monotonic(), 0
        while time.monotonic() - started < 24:
            t = time.monotonic() - started
            if phase == "up" and t > 4:
                stop(ddb); phase = "down"
            elif phase == "down" and t > 10:
                ddb = devstack_dynamodb(ddb_port, data_dir); phase = "restarted"
            n += 1
            email = f"fault-{n}-{int(started)}@example.com"
            t0 = time.monotonic()
            status, _ = call(api, "POST", "/register", {"email": email, "password": "fault password 1"})
            results.append((phase, email, status, (time.monotonic() - t0) * 1000))
        by_phase = {p: [r for r in results if r[0] == p] for p in ("up", "down", "restarted")}
        rows += ["### DynamoDB Local killed for 6 s, then restarted on the same data", "",
                 "| phase | requests | statuses | max ms |", "|---|---|---|---|"]
        for p, rs in by_phase.items():
            statuses = {s: sum(1 for r in rs if r[2] == s) for s in {r[2] for r in rs}}
            rows.append(f"| {p} | {len(rs)} | {statuses} | {max((r[3] for r in rs), default=0):.0f} |")
        for p, email, status, ms in results:
            if status not in (201, 503):
                problems.append(f"register during {p}: status {status}")
            if ms > 3 * DYNAMODB_TIMEOUT_MS + 1000:
                problems.append(f"register during {p} took {ms:.0f} ms")
        if not any(r[2] == 503 for r in by_phase["down"]):
            problems.append("no 503 while DynamoDB was down")
        if not by_phase["restarted"] or by_phase["restarted"][-1][2] != 201:
            problems.append("registrations did not recover after the restart")
        lost = half = 0
        for _, email, status, _ in results:
            item = table_item(dynamodb_url, "users", {"email": {"S": email}})
            if status == 201 and not item:
                lost += 1
            if item and not (item.get("id", {}).get("S") and item.get("password_hash", {}).get("S", "").startswith("$argon2id$")):
                half += 1
        rows += ["", f"Table check: {sum(r[2] == 201 for r in results)} acknowledged accounts, **{lost} lost**, "
                     f"**{half} half-written**; a 503 answer left no item or a whole one.", ""]
        if lost or half:
            problems.append(f"{lost} accounts lost, {half} half-written")

        # ---- the model endpoint: killed, slow, garbage, healthy again.
        email, password = f"chatfault-{int(started)}@example.com", "fault password 2"
        call(api, "POST", "/register", {"email": email, "password": password})
        login = json.loads(call(api, "POST", "/login", {"email": email, "password": password})[1])
        token, user_id = login["access_token"], login["user_id"]
        expected = {"healthy": 200, "killed": 503, "slow": 504, "garbage": 502, "healthy again": 200}
        rows += ["### The model endpoint fails", "", "| model endpoint | expected | statuses | max ms |", "|---|---|---|---|"]
        ok_turns = 0
        for state, want in expected.items():
            if state == "killed":
                stop(mdl)
            elif state == "slow":
                mdl = model(model_port, "--delay-ms", "5000")
            elif state == "garbage":
                stop(mdl); mdl = model(model_port, "--garbage")
            elif state == "healthy again":
                stop(mdl); mdl = model(model_port)
            got, worst = [], 0.0
            for i in range(4):
                for accept in ("application/json", "text/event-stream"):
                    t0 = time.monotonic()
                    status, body = call(api, "POST", "/chat", {"message": f"{state} {i}"}, token) if accept == "application/json" else \
                        stream_chat(api, token, f"{state} {i}")
                    worst = max(worst, (time.monotonic() - t0) * 1000)
                    got.append(status)
                    ok_turns += status == 200
            rows.append(f"| {state} | {want} | {sorted(set(got))} | {worst:.0f} |")
            if set(got) != {want}:
                problems.append(f"model {state}: expected {want}, got {got}")
            if worst > MODEL_TIMEOUT_MS + 1500:
                problems.append(f"model {state}: took {worst:.0f} ms")
        items = query_user(dynamodb_url, user_id)
        turns = [i for i in items if i["sk"]["S"].startswith("turn#")]
        whole = all(i.get("reply", {}).get("S") and i.get("user_message", {}).get("S") for i in turns)
        rows += ["", f"Table check: {ok_turns} answered turns, **{len(turns)} stored**, all whole: **{whole}**.", ""]
        if len(turns) != ok_turns or not whole:
            problems.append(f"{ok_turns} answered turns but {len(turns)} stored (whole: {whole})")
    finally:
        stop(proc)
        for p in (ddb, mdl):
            if p.poll() is None:
                stop(p)
    rows += ["**Result: " + ("all held.**" if not problems else "FAILED:** " + "; ".join(problems)), ""]
    if problems:
        print("\n".join(rows))
        raise SystemExit(1)
    return rows


def stream_chat(api, token, message):
    """POST /chat as server-sent events: the HTTP status if it is an error, else the final event's."""
    import urllib.error
    import urllib.request
    req = urllib.request.Request(api + "/chat", data=json.dumps({"message": message}).encode(), method="POST", headers={
        "content-type": "application/json", "accept": "text/event-stream", "authorization": f"Bearer {token}",
        "x-forwarded-for": "10.9.9.9"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    last = [b for b in text.split("\n\n") if b.strip()][-1]
    if "event: done" in last:
        return 200, last
    code = json.loads(last.split("data:", 1)[1])["error"]["code"]
    return {"model_timeout": 504, "model_unavailable": 503, "model_error": 502}.get(code, 500), last
