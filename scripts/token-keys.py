#!/usr/bin/env python3
"""The access tokens' RSA key pair in AWS: the private key (PKCS#8 PEM) in a Secrets Manager secret
that only the login function is given, the public keys (a JWKS, kid = RFC 7638 thumbprint) in an
SSM parameter every function reads as TOKEN_PUBLIC_KEYS. Keys are generated here, in memory, and
handed to AWS through the API (never a command line, a file or a log line).

    token-keys.py init      create the first key if there is none (the deploy workflow runs it)
    token-keys.py stage     rotation step 1: a new key, published next to the current one
    token-keys.py activate  rotation step 2: login signs with the new key (the old one still verifies)
    token-keys.py retire    rotation step 3: drop every key but the signing one
    token-keys.py show      the kids: published, signing, pending
    token-keys.py dev-pair  a throwaway pair for local runs, on stdout as JSON {"private", "jwks"}
                            (scripts/lambda-local reads it through a pipe; nothing goes to AWS)

Run `sam deploy` after each step (the template resolves both at deploy time), and wait between
steps (README, "Rotating the token signing key"): after stage, 2 h (the authorizer caches the JWKS
that long) before activate; after activate, the access-token lifetime (15 min) before retire.

Options: --secret (default wasm-chat/token-signing-key), --parameter (default
/wasm-chat/token-public-keys); AWS credentials, region and AWS_ENDPOINT_URL as boto3 reads them.
Needs boto3 and cryptography (both in .tools/venv).
"""
import argparse
import base64
import hashlib
import json
import sys

import boto3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PENDING = "AWSPENDING"
CURRENT = "AWSCURRENT"


def b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwk(private_pem: str) -> dict:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    numbers = key.public_key().public_numbers()
    n, e = b64(numbers.n), b64(numbers.e)
    thumbprint = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(thumbprint.encode()).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e}


def new_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class Keys:
    def __init__(self, secret: str, parameter: str):
        self.sm, self.ssm = boto3.client("secretsmanager"), boto3.client("ssm")
        self.secret, self.parameter = secret, parameter

    def version(self, stage: str) -> tuple[str, str] | None:
        try:
            v = self.sm.get_secret_value(SecretId=self.secret, VersionStage=stage)
            return v["VersionId"], v["SecretString"]
        except self.sm.exceptions.ResourceNotFoundException:
            return None

    def published(self) -> list[dict]:
        try:
            return json.loads(self.ssm.get_parameter(Name=self.parameter)["Parameter"]["Value"])["keys"]
        except self.ssm.exceptions.ParameterNotFound:
            return []

    def publish(self, keys: list[dict]) -> None:
        self.ssm.put_parameter(Name=self.parameter, Type="String", Overwrite=True,
                               Value=json.dumps({"keys": keys}, separators=(",", ":")))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("step", choices=["init", "stage", "activate", "retire", "show", "dev-pair"])
    p.add_argument("--secret", default="wasm-chat/token-signing-key")
    p.add_argument("--parameter", default="/wasm-chat/token-public-keys")
    a = p.parse_args()
    if a.step == "dev-pair":
        pem = new_key()
        print(json.dumps({"private": pem, "jwks": {"keys": [jwk(pem)]}}))
        return 0
    k = Keys(a.secret, a.parameter)
    current = k.version(CURRENT)
    if a.step == "init":
        if current is None:
            pem = new_key()
            k.sm.create_secret(Name=a.secret, SecretString=pem,
                               Description="RSA private key of the access tokens (login only)")
            k.publish([jwk(pem)])
            print(f"created key {jwk(pem)['kid']}")
        elif jwk(current[1])["kid"] not in [x["kid"] for x in k.published()]:
            k.publish([jwk(current[1]), *k.published()])
            print("re-published the signing key")
        else:
            print("keys in place")
    elif current is None:
        print("no key yet: run init", file=sys.stderr)
        return 1
    elif a.step == "stage":
        pem = new_key()
        # A new version, labelled AWSPENDING only: the deploy still resolves AWSCURRENT (the old key).
        k.sm.put_secret_value(SecretId=a.secret, SecretString=pem, VersionStages=[PENDING])
        k.publish([jwk(current[1]), jwk(pem)])
        print(f"staged {jwk(pem)['kid']} next to {jwk(current[1])['kid']}")
    elif a.step == "activate":
        pending = k.version(PENDING)
        if pending is None:
            print("nothing staged: run stage", file=sys.stderr)
            return 1
        if jwk(pending[1])["kid"] not in [x["kid"] for x in k.published()]:
            print("the staged key is not published: run stage again", file=sys.stderr)
            return 1
        k.sm.update_secret_version_stage(SecretId=a.secret, VersionStage=CURRENT,
                                         MoveToVersionId=pending[0], RemoveFromVersionId=current[0])
        k.sm.update_secret_version_stage(SecretId=a.secret, VersionStage=PENDING,
                                         RemoveFromVersionId=pending[0])
        print(f"login now signs with {jwk(pending[1])['kid']}")
    elif a.step == "retire":
        signing = jwk(current[1])
        k.publish([signing])
        print(f"published only {signing['kid']}")
    pending = k.version(PENDING)
    print(json.dumps({"published": [x["kid"] for x in k.published()],
                      "signing": jwk(k.version(CURRENT)[1])["kid"],
                      "pending": jwk(pending[1])["kid"] if pending else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
