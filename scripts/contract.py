#!/usr/bin/env python3
"""Contract test: schemathesis against the running local stack, from openapi.yaml.

Starts the stack (in-memory DynamoDB Local, deterministic local model, free ports), gets an access
token, then runs schemathesis (examples, coverage, fuzzing and stateful phases, following the
document's links register -> login -> refresh/logout and chat -> conversation). Fails on any
response that breaks the document and on any 5xx.
"""
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    stack = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/devstack.py"), "up", "--port", "0", "--dynamodb-port", "0",
         "--dynamodb-in-memory", "--model-port", "0", "--model-deterministic", "--runner", "auto",
         "--exit-with-parent",
         # Schemathesis sends many requests from one address: loosen the per-address limits so
         # the run explores the API instead of collecting 429s (the rule itself is tested elsewhere).
         "--env", "REGISTRATIONS_PER_ADDRESS=100000", "--env", "ADDRESS_BLOCK_AFTER=100000",
         "--env", "LOGIN_BLOCK_AFTER=100000", "--env", "LOGIN_SLOWDOWN_AFTER=100000",
         "--env", "FORGOT_PER_ADDRESS=100000", "--env", "FORGOT_PER_EMAIL=100000",
         "--env", "RESEND_PER_ACCOUNT=100000", "--env", "FORGOT_MIN_MS=0",
         "--env", "DYNAMODB_TIMEOUT_MS=15000",
         "--env", "CHAT_DAILY_MESSAGES=1000000000", "--env", "CHAT_DAILY_TOKENS=1000000000000"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        api = next(line.split(": ", 1)[1].strip() for line in stack.stdout if line.startswith("api: "))
        creds = {"email": "contract@example.com", "password": "contract test password"}
        for path in ("/register", "/login"):
            req = urllib.request.Request(api + path, data=json.dumps(creds).encode(), method="POST",
                                         headers={"content-type": "application/json"})
            try:
                body = urllib.request.urlopen(req, timeout=30).read()
            except urllib.error.HTTPError as e:
                body = e.read()
        token = json.loads(body)["access_token"]
        cmd = [str(ROOT / ".tools/checks-venv/bin/schemathesis"), "run", str(ROOT / "openapi.yaml"),
               "--url", api, "--header", f"Authorization: Bearer {token}",
               "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                           "response_headers_conformance,response_schema_conformance",
               "--phases", "examples,coverage,fuzzing,stateful",
               "--max-examples", os.environ.get("CONTRACT_MAX_EXAMPLES", "40"),
               "--seed", "20261125", "--no-color", "--request-timeout", "30"]
        print("+", " ".join(c if "Bearer" not in c else "Authorization: Bearer <token>" for c in cmd), flush=True)
        return subprocess.call(cmd, env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    finally:
        stack.terminate()
        stack.wait()


if __name__ == "__main__":
    sys.exit(main())
