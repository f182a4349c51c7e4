#!/usr/bin/env python3
"""The peer: the login flow written the way the original design did it - a Python handler using
boto3 and argon2 (argon2-cffi: the C reference implementation) with the same parameters, against the
same DynamoDB Local. Benchmark use only.

    login_peer.py <port> <dynamodb endpoint>
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError, InvalidHashError

hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
table = boto3.resource("dynamodb", endpoint_url=sys.argv[2], region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local").Table("users")


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
