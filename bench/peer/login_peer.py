#!/usr/bin/env python3
"""The peer: the login flow written the way the original design did it - a Python handler using
boto3 and argon2 (argon2-cffi: the C reference implementation) with the same parameters, against the
same DynamoDB Local. Benchmark use only.

    login_peer.py <port> <dynamodb endpoint>                      GetItem + verify (the minimal peer)
    login_peer.py <port> <dynamodb endpoint> --same-work <key.pem> the same work as our login

The minimal peer reads the user and verifies the password: no throttling, no session, no token.
`--same-work` does what crates/app-core/src/sessions.rs `login` does, the same way: the attempt
counted on the address's item of throttle counters (its count and the pair's, one UpdateItem)
beside the user's read (two requests at once, one round trip), the verify, then the pair's reset
with the address's take-back (one UpdateItem) and the session's PutItem at once while the RS256
access token is signed (PyJWT + cryptography, the key given), and the same response. A wrong
password records the pair's failure. Its counters have keys of their own ("peer-" prefixed) so it
never shares an item with ours; its limits are lifted, as the benchmark lifts ours.
`scripts/bench capacity` checks that it sends what our login sends (operations and tables).
"""
import base64
import hashlib
import json
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError, InvalidHashError

hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
table = boto3.resource("dynamodb", endpoint_url=sys.argv[2], region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local").Table("users")
SAME_WORK = sys.argv[3:4] == ["--same-work"]
if SAME_WORK:
    import jwt  # PyJWT
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    # Parsed once, as our login keeps its key (PyJWT given the PEM would parse and check it on every
    # call: ~30 ms with OpenSSL 3).
    SIGNING_KEY = load_pem_private_key(open(sys.argv[4], "rb").read(), password=None)
    dynamodb = boto3.client("dynamodb", endpoint_url=sys.argv[2], region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    pool = ThreadPoolExecutor(max_workers=64)  # boto3 clients are thread-safe
    DUMMY_HASH = hasher.hash("an unknown email is verified against this")
    WINDOW, TTL, REFRESH_TTL = 900, 900, 30 * 24 * 3600


def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() + b"\0")
    return h.hexdigest()[:32]


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def count_attempt(key: str, pair: str, expires_at: int) -> dict:
    return dynamodb.update_item(
        TableName="throttle", Key={"key": {"S": key}},
        UpdateExpression="ADD #count :one, #pair :one SET expires_at = :exp",
        ExpressionAttributeNames={"#count": "count", "#pair": pair},
        ExpressionAttributeValues={":one": {"N": "1"}, ":exp": {"N": str(expires_at)}}, ReturnValues="ALL_NEW")


def reset_pair(key: str, pair: str) -> None:
    try:
        dynamodb.update_item(TableName="throttle", Key={"key": {"S": key}},
                             UpdateExpression="REMOVE #pair, #at ADD #count :minus",
                             ConditionExpression="attribute_exists(#count)",
                             ExpressionAttributeNames={"#count": "count", "#pair": pair, "#at": f"{pair}_at"},
                             ExpressionAttributeValues={":minus": {"N": "-1"}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        pass


def same_work_login(email: str, password: str, address: str):
    """Returns (status, body, argon2 ms), as our login answers."""
    now = int(time.time())
    window = now - now % WINDOW
    key, pair = f"peer-login-address#{window}#{digest(address)}", f"pair_{digest(email, address)}"
    expires_at = window + 2 * WINDOW
    # Round trip 1: the attempt counted (address and pair, one item) beside the user's read.
    counted = pool.submit(count_attempt, key, pair, expires_at)
    user = pool.submit(dynamodb.get_item, TableName="users", Key={"email": {"S": email}}, ConsistentRead=True)
    counted.result()  # limits lifted, as the benchmark lifts ours: the rule's outcome is always "allow"
    item = user.result().get("Item")
    started = time.perf_counter()
    try:
        ok = hasher.verify(item["password_hash"]["S"] if item else DUMMY_HASH, password) and item is not None
    except (VerificationError, InvalidHashError):
        ok = False
    hash_ms = (time.perf_counter() - started) * 1000
    if not ok:
        dynamodb.update_item(TableName="throttle", Key={"key": {"S": key}}, UpdateExpression="SET #at = :now",
                             ExpressionAttributeNames={"#at": f"{pair}_at"},
                             ExpressionAttributeValues={":now": {"N": str(now)}})
        return 401, {"error": {"code": "invalid_credentials", "message": "email or password is incorrect"}}, hash_ms
    # Round trip 2: the pair's reset with the address's take-back, and the session, while the access
    # token is signed.
    user_id, ver = item["id"]["S"], int(item.get("token_version", {}).get("N", "0"))
    family, secret = b64(secrets.token_bytes(16)), b64(secrets.token_bytes(32))
    writes = [
        pool.submit(reset_pair, key, pair),
        pool.submit(dynamodb.put_item, TableName="sessions", Item={
            "family_id": {"S": family}, "user_id": {"S": user_id}, "email": {"S": email},
            "token_hash": {"S": b64(hashlib.sha256(secret.encode()).digest())},
            "expires_at": {"N": str(now + REFRESH_TTL)}}),
    ]
    claims = {"sub": user_id, "email": email, "iss": "http://127.0.0.1", "aud": "wasm-chat-api", "iat": now,
              "exp": now + TTL, "ver": ver, "sid": family}
    access = jwt.encode(claims, SIGNING_KEY, algorithm="RS256", headers={"kid": "peer"})
    for w in writes:
        w.result()
    return 200, {"access_token": access, "token_type": "Bearer", "expires_in": TTL,
                 "refresh_token": f"{family}.{secret}", "refresh_expires_in": REFRESH_TTL,
                 "user_id": user_id, "email": email}, hash_ms


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle on, a kept-alive connection waits for the
    # client's delayed ACK (~40 ms) before the body. A production Python server turns it off.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body, timing=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if timing is not None:
            self.send_header("server-timing", f"argon2;dur={timing:.3f}")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(200, {"status": "ok"})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if SAME_WORK:
            status, answer, hash_ms = same_work_login(body["email"].strip().lower(), body["password"],
                                                      self.client_address[0])
            self.reply(status, answer, hash_ms)
            return
        item = table.get_item(Key={"email": body["email"].strip().lower()}, ConsistentRead=True).get("Item")
        started = time.perf_counter()
        try:
            ok = item is not None and hasher.verify(item["password_hash"], body["password"])
        except (VerificationError, InvalidHashError):
            ok = False
        hash_ms = (time.perf_counter() - started) * 1000
        if ok:
            self.reply(200, {"user_id": item["id"], "email": item["email"]}, hash_ms)
        else:
            self.reply(401, {"error": {"code": "invalid_credentials", "message": "email or password is incorrect"}}, hash_ms)


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
