#!/usr/bin/env python3
"""Verifies access tokens the way an independent party would: PyJWT + cryptography, nothing of
this project's code. Reads the OpenID discovery document at <issuer>/.well-known/openid-configuration,
fetches its jwks_uri, and verifies each token (RS256 only, the kid's key, iss, aud, exp).

    jwks_check.py [--api URL] <issuer> <audience> <token>...

--api: read both documents from URL instead of the issuer (several local stacks standing for one
deployment share an issuer name, as DNS would make them); the discovery document must still name
<issuer>.

Prints one JSON line per token: {"ok": true, "kid", "claims"} or {"ok": false, "error"}.
Run by tests/api/tokens.rs with .tools/venv/bin/python (scripts/setup installs PyJWT there).
"""
import json
import sys
import urllib.request

import jwt  # PyJWT

args = sys.argv[1:]
api = None
if args[0] == "--api":
    api, args = args[1], args[2:]
issuer, audience, *tokens = args
with urllib.request.urlopen(f"{api or issuer}/.well-known/openid-configuration", timeout=10) as r:
    discovery = json.load(r)
assert discovery["issuer"] == issuer, discovery
jwks_uri = f"{api}/.well-known/jwks.json" if api else discovery["jwks_uri"]
assert discovery["jwks_uri"] == f"{issuer}/.well-known/jwks.json", discovery
jwks = jwt.PyJWKClient(jwks_uri, cache_keys=False)
for token in tokens:
    try:
        key = jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer,
                            options={"require": ["exp", "iat", "sub", "iss", "aud"]})
        print(json.dumps({"ok": True, "kid": key.key_id, "claims": claims}))
    except Exception as e:  # noqa: BLE001 - reported, the Rust test decides
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
