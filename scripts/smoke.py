#!/usr/bin/env python3
"""Smoke test of a running deployment: health, register, login, me, one chat turn.

    python3 scripts/smoke.py https://<api-id>.execute-api.<region>.amazonaws.com
Exits non-zero on the first failure. Standard library only; it creates (and deletes) one account.
"""
import json
import secrets
import sys
import urllib.error
import urllib.request


def call(base, method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


def expect(what, got, status):
    if got[0] != status:
        sys.exit(f"FAIL {what}: expected {status}, got {got[0]} {got[1]}")
    print(f"ok   {what}: {status}")
    return got[1]


def main(base):
    email = f"smoke-{secrets.token_hex(6)}@example.com"
    password = f"smoke {secrets.token_hex(8)}"
    expect("GET /health", call(base, "GET", "/health"), 200)
    expect("POST /register", call(base, "POST", "/register", {"email": email, "password": password}), 201)
    expect("POST /register again", call(base, "POST", "/register", {"email": email, "password": password}), 409)
    tokens = expect("POST /login", call(base, "POST", "/login", {"email": email, "password": password}), 200)
    token = tokens["access_token"]
    expect("GET /me", call(base, "GET", "/me", token=token), 200)
    reply = expect("POST /chat", call(base, "POST", "/chat", {"message": "Say hello."}, token), 200)
    if not reply["reply"].strip():
        sys.exit("FAIL POST /chat: empty reply")
    expect("DELETE /me", call(base, "DELETE", "/me", {"password": password}, token), 204)
    print("smoke test passed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
