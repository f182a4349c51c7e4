#!/usr/bin/env python3
"""Smoke test of a running deployment: health, bad input, register, login, me, one chat turn.

    python3 scripts/smoke.py https://<api-id>.execute-api.<region>.amazonaws.com

Exits non-zero on the first failure. Standard library only.

A deployment that requires verified addresses (the AWS template: REQUIRE_VERIFIED_EMAIL=true) lets
no new account log in until its mail is followed, so there the test uses a standing account: set
SMOKE_EMAIL and SMOKE_PASSWORD (environment only, never the command line) to an account registered
once and verified from its mail. With them it writes nothing but a session it logs out again
(register is checked with bad input, 400, and with the standing address, 409). Without them it
registers a new account and deletes it at the end.
"""
import json
import os
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
    expect("GET /health", call(base, "GET", "/health"), 200)
    bad = expect("POST /register without a password", call(base, "POST", "/register", {"email": "a@example.com"}), 400)
    if not (bad or {}).get("error", {}).get("code"):
        sys.exit(f"FAIL POST /register without a password: no JSON error code in {bad}")
    standing = os.environ.get("SMOKE_EMAIL"), os.environ.get("SMOKE_PASSWORD")
    if all(standing):
        email, password = standing
        expect("POST /register with the standing account's address", call(base, "POST", "/register", {"email": email, "password": password}), 409)
    else:
        email = f"smoke-{secrets.token_hex(6)}@example.com"
        password = f"smoke {secrets.token_hex(8)}"
        print(f"account {email}")
        expect("POST /register", call(base, "POST", "/register", {"email": email, "password": password}), 201)
        expect("POST /register again", call(base, "POST", "/register", {"email": email, "password": password}), 409)
    login = call(base, "POST", "/login", {"email": email, "password": password})
    if login[0] == 403 and (login[1] or {}).get("error", {}).get("code") == "email_not_verified":
        sys.exit(f"FAIL POST /login: this deployment requires verified addresses, and {email} is not verified. "
                 "Set SMOKE_EMAIL and SMOKE_PASSWORD to an account registered once and verified from its mail "
                 "(see the README, Deploy).")
    tokens = expect("POST /login", login, 200)
    token = tokens["access_token"]
    expect("GET /me", call(base, "GET", "/me", token=token), 200)
    reply = expect("POST /chat", call(base, "POST", "/chat", {"message": "Say hello."}, token), 200)
    if not reply["reply"].strip():
        sys.exit("FAIL POST /chat: empty reply")
    if all(standing):
        expect("POST /logout", call(base, "POST", "/logout", {"refresh_token": tokens["refresh_token"]}), 204)
    else:
        expect("DELETE /me", call(base, "DELETE", "/me", {"password": password}, token), 204)
    print("smoke test passed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
