//! Access tokens end to end: the JWKS and discovery document the login component serves verify its
//! tokens in an independent library (PyJWT); forged, confused, expired and not-yet-valid tokens are
//! refused by the components; a key rotation keeps old tokens valid until they expire.
use api_tests::{repo_root, spawn_app, spawn_app_with_env, unique_email, Moto, TestApp};
use base64ct::{Base64UrlUnpadded, Encoding};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

const KEY_A: &str = include_str!("../fixtures/token-keys/a.pem");
const KEY_B: &str = include_str!("../fixtures/token-keys/b.pem");
const KEY_OTHER: &str = include_str!("../fixtures/token-keys/other.pem");
const AUDIENCE: &str = "wasm-chat-api";

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn kid_of(pem: &str) -> String {
    let k = rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
    app_core::tokens::rsa_thumbprint(&k.n().to_bytes_be(), &k.e().to_bytes_be())
}

pub(crate) fn jwks_of(pems: &[&str]) -> String {
    let keys: Vec<Value> = pems
        .iter()
        .map(|pem| {
            let k = rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
            json!({"kty": "RSA", "kid": kid_of(pem), "n": b64(&k.n().to_bytes_be()), "e": b64(&k.e().to_bytes_be())})
        })
        .collect();
    json!({ "keys": keys }).to_string()
}

/// `header.claims` signed RS256 with `pem`, by hand (any kid, any claims).
fn rs256(pem: &str, header: &Value, claims: &Value) -> String {
    use rsa::signature::{SignatureEncoding, Signer};
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let key =
        rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap());
    format!("{input}.{}", b64(&key.sign(input.as_bytes()).to_bytes()))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// PyJWT's verdict on each token, through the stack's discovery document and JWKS.
fn pyjwt(issuer: &str, tokens: &[&str]) -> Vec<Value> {
    pyjwt_at(issuer, issuer, tokens)
}

/// The same, with the documents read from `api` for tokens of `issuer` (several stacks standing for
/// one deployment over time share one issuer, as a DNS name would).
fn pyjwt_at(api: &str, issuer: &str, tokens: &[&str]) -> Vec<Value> {
    let out = std::process::Command::new(repo_root().join(".tools/venv/bin/python"))
        .arg(repo_root().join("tests/jwks_check.py"))
        .args(["--api", api, issuer, AUDIENCE])
        .args(tokens)
        .output()
        .expect("the tests' venv has PyJWT (scripts/setup)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn access_token(app: &TestApp, tag: &str) -> (String, String) {
    let (_, _, tokens) = app.signed_up_user(tag);
    (tokens["access_token"].as_str().unwrap().to_owned(), tokens["user_id"].as_str().unwrap().to_owned())
}

fn me(app: &TestApp, token: &str) -> u16 {
    app.send("GET", "/me", &[("authorization", &format!("Bearer {token}"))], None).status
}

#[test]
fn discovery_and_jwks_are_served_and_verify_tokens_in_pyjwt() {
    let app = spawn_app();
    let discovery = app.get("/.well-known/openid-configuration");
    assert_eq!(discovery.status, 200);
    let issuer = discovery.body["issuer"].as_str().unwrap().to_owned();
    assert_eq!(issuer, app.address, "the issuer is the API's own URL");
    assert_eq!(discovery.body["jwks_uri"], format!("{issuer}/.well-known/jwks.json"));
    let jwks = app.get("/.well-known/jwks.json");
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.headers["cache-control"], "public, max-age=300");
    let keys = jwks.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], app_core::config::LOCAL_KEY_THUMBPRINT);
    assert_eq!((keys[0]["kty"].as_str(), keys[0]["alg"].as_str()), (Some("RSA"), Some("RS256")));
    assert!(keys[0].get("d").is_none() && keys[0].get("p").is_none(), "no private part");

    let (email, password, first) = app.signed_up_user("pyjwt");
    let (token, user_id) =
        (first["access_token"].as_str().unwrap().to_owned(), first["user_id"].as_str().unwrap().to_owned());
    let header: Value =
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(token.split('.').next().unwrap()).unwrap())
            .unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], app_core::config::LOCAL_KEY_THUMBPRINT);
    // PyJWT accepts the stack's token, and refuses a tampered one and one signed by another key.
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64(br#"{"sub":"admin"}"#), parts[2]);
    let claims = json!({"sub": "x", "email": "x@example.com", "iss": issuer, "aud": AUDIENCE, "iat": now(), "exp": now() + 600});
    let other = rs256(KEY_OTHER, &json!({"alg": "RS256", "typ": "JWT", "kid": header["kid"]}), &claims);
    let verdicts = pyjwt(&issuer, &[&token, &tampered, &other]);
    assert_eq!(verdicts[0]["ok"], true, "{}", verdicts[0]);
    assert_eq!(verdicts[0]["claims"]["sub"], user_id);
    assert_eq!(verdicts[0]["claims"]["aud"], AUDIENCE);
    // The accounts claims ride in the RS256 token: the user's token version and the login.
    assert_eq!(verdicts[0]["claims"]["ver"], 0, "a new account's first token version");
    let family = |t: &Value| t["refresh_token"].as_str().unwrap().split('.').next().unwrap().to_owned();
    assert_eq!(
        verdicts[0]["claims"]["sid"].as_str(),
        Some(family(&first).as_str()),
        "sid = the login's family"
    );
    let second = app.login(&email, &password).body;
    let second_claims = &pyjwt(&issuer, &[second["access_token"].as_str().unwrap()])[0]["claims"];
    assert_eq!(second_claims["sid"].as_str(), Some(family(&second).as_str()));
    assert_ne!(second_claims["sid"], verdicts[0]["claims"]["sid"], "another login, another sid");
    assert_eq!(verdicts[1]["ok"], false);
    assert_eq!(verdicts[2]["ok"], false);
    // Read-only documents.
    assert_eq!(app.post_json("/.well-known/jwks.json", &json!({})).status, 405);
}

#[test]
fn forged_confused_expired_and_future_tokens_are_401_on_every_authenticated_route() {
    let app = spawn_app();
    let (email, _, tokens) = app.signed_up_user("forged");
    let (good, user_id) =
        (tokens["access_token"].as_str().unwrap().to_owned(), tokens["user_id"].as_str().unwrap().to_owned());
    let issuer = app.address.clone();
    let dev_kid = app_core::config::LOCAL_KEY_THUMBPRINT;
    let dev_key = app_core::config::LOCAL_SIGNING_KEY;
    let t = now();
    let claims = |iat: u64, exp: u64| json!({"sub": user_id, "email": email, "iss": issuer, "aud": AUDIENCE, "iat": iat, "exp": exp});
    let rs = |kid: &str| json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let valid = claims(t, t + 600);

    // HS256 keyed with the public key (as PEM and as the JWKS entry), and alg none.
    let public_pem = {
        let k = rsa::RsaPrivateKey::from_pkcs8_pem(dev_key).unwrap().to_public_key();
        rsa::pkcs8::EncodePublicKey::to_public_key_pem(&k, rsa::pkcs8::LineEnding::LF).unwrap()
    };
    let jwk = app.get("/.well-known/jwks.json").body["keys"][0].to_string();
    let hs256 = |secret: &[u8]| {
        use hmac::Mac;
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": dev_kid});
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(valid.to_string().as_bytes()));
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
        mac.update(input.as_bytes());
        format!("{input}.{}", b64(&mac.finalize().into_bytes()))
    };
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT", "kid": dev_kid}).to_string().as_bytes()),
        b64(valid.to_string().as_bytes())
    );
    let mut future = claims(t, t + 600);
    future["nbf"] = json!(t + 300);
    let cases: Vec<(&str, String)> = vec![
        ("another key claiming the trusted kid", rs256(KEY_OTHER, &rs(dev_kid), &valid)),
        ("another key under its own kid", rs256(KEY_OTHER, &rs(&kid_of(KEY_OTHER)), &valid)),
        ("HS256 keyed with the public key PEM", hs256(public_pem.as_bytes())),
        ("HS256 keyed with the JWK", hs256(jwk.as_bytes())),
        ("alg none", none),
        ("the right key under an unknown kid", rs256(dev_key, &rs("not-a-known-kid"), &valid)),
        ("no kid", rs256(dev_key, &json!({"alg": "RS256", "typ": "JWT"}), &valid)),
        ("expired", rs256(dev_key, &rs(dev_kid), &claims(t - 1000, t - 1))),
        ("not valid before a future nbf", rs256(dev_key, &rs(dev_kid), &future)),
    ];
    // The control: the same hand-made signing with the real key and kid is accepted.
    assert_eq!(me(app, &rs256(dev_key, &rs(dev_kid), &valid)), 200);
    assert_eq!(me(app, &good), 200);
    for (what, token) in &cases {
        let bearer = format!("Bearer {token}");
        for (method, path, body) in [
            ("GET", "/me", None),
            ("GET", "/conversations", None),
            ("POST", "/chat", Some(&br#"{"message":"hi"}"#[..])),
        ] {
            let r = app.send(
                method,
                path,
                &[("authorization", &bearer), ("content-type", "application/json")],
                body,
            );
            assert_eq!(r.status, 401, "{what} on {method} {path}: {}", r.text);
            assert_eq!(r.body["error"]["code"], "invalid_token", "{what}");
        }
    }
}

#[test]
fn missing_or_unusable_token_keys_refuse_to_serve() {
    // login without its private key: login (health included) refuses; register still serves.
    let app = spawn_app_with_env(&[("TOKEN_SIGNING_KEY", "")]);
    assert_eq!(app.get("/health").status, 503);
    let r = app.login("nobody@example.com", "correct horse battery");
    assert_eq!((r.status, r.body["error"]["code"].as_str()), (503, Some("misconfigured")));
    assert_eq!(app.register(&unique_email("nokey"), "correct horse battery").status, 201);
    // No public keys: nothing serves (every component verifies tokens).
    let app = spawn_app_with_env(&[("TOKEN_PUBLIC_KEYS", "")]);
    assert_eq!(app.get("/health").status, 503);
    let r = app.register(&unique_email("nokeys"), "correct horse battery");
    assert_eq!((r.status, r.body["error"]["code"].as_str()), (503, Some("misconfigured")));
    // A garbage private key, or one that is not in the published set: login refuses (health
    // included); register, which signs nothing and holds no private key, ignores it and serves.
    let jwks_a = jwks_of(&[KEY_A]);
    for env in [
        vec![("TOKEN_SIGNING_KEY", "not a pem")],
        vec![("TOKEN_PUBLIC_KEYS", jwks_a.as_str()), ("TOKEN_SIGNING_KEY", KEY_B)],
    ] {
        let app = spawn_app_with_env(&env);
        assert_eq!(app.get("/health").status, 503, "{env:?}");
        let r = app.login("nobody@example.com", "correct horse battery");
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (503, Some("misconfigured")), "{env:?}");
        assert_eq!(app.register(&unique_email("badkey"), "correct horse battery").status, 201, "{env:?}");
    }
}

/// The rotation procedure of the README ("Rotating the token signing key"), on real stacks sharing
/// one DynamoDB, as three deployments would: publish B, sign with B, retire A.
#[test]
fn key_rotation_keeps_old_tokens_until_expiry_and_signs_new_ones_with_the_new_key() {
    let kid = |token: &str| -> Value {
        serde_json::from_slice::<Value>(
            &Base64UrlUnpadded::decode_vec(token.split('.').next().unwrap()).unwrap(),
        )
        .unwrap()["kid"]
            .clone()
    };
    let email = unique_email("rotation");
    let password = "correct horse battery";
    let (jwks_a, jwks_ab, jwks_b) = (jwks_of(&[KEY_A]), jwks_of(&[KEY_A, KEY_B]), jwks_of(&[KEY_B, KEY_A]));
    let only_b = jwks_of(&[KEY_B]);
    let iss = ("TOKEN_ISSUER", "https://api.rotation.test");
    // 0. A signs.
    let before = spawn_app_with_env(&[("TOKEN_PUBLIC_KEYS", &jwks_a), ("TOKEN_SIGNING_KEY", KEY_A), iss]);
    assert_eq!(before.register(&email, password).status, 201);
    let old = before.login(&email, password).body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(kid(&old), kid_of(KEY_A));
    // 1. B published, A still signs: the JWKS lists both.
    let staged = spawn_app_with_env(&[("TOKEN_PUBLIC_KEYS", &jwks_ab), ("TOKEN_SIGNING_KEY", KEY_A), iss]);
    let listed: Vec<Value> = staged.get("/.well-known/jwks.json").body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(listed, [json!(kid_of(KEY_A)), json!(kid_of(KEY_B))]);
    assert_eq!(kid(staged.login(&email, password).body["access_token"].as_str().unwrap()), kid_of(KEY_A));
    // 2. B signs; tokens signed with A stay valid until they expire.
    let switched = spawn_app_with_env(&[("TOKEN_PUBLIC_KEYS", &jwks_b), ("TOKEN_SIGNING_KEY", KEY_B), iss]);
    let new = switched.login(&email, password).body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(kid(&new), kid_of(KEY_B));
    assert_eq!(me(&switched, &old), 200, "old token still valid");
    assert_eq!(me(&switched, &new), 200);
    let verdicts = pyjwt_at(&switched.address, iss.1, &[&old, &new]);
    assert!(verdicts.iter().all(|v| v["ok"] == true), "{verdicts:?}");
    // 3. A retired (after the access-token lifetime): its tokens are refused, B's are not.
    let retired = spawn_app_with_env(&[("TOKEN_PUBLIC_KEYS", &only_b), ("TOKEN_SIGNING_KEY", KEY_B), iss]);
    assert_eq!(me(&retired, &old), 401);
    assert_eq!(me(&retired, &new), 200);
    let verdicts = pyjwt_at(&retired.address, iss.1, &[&old, &new]);
    assert_eq!((verdicts[0]["ok"].as_bool(), verdicts[1]["ok"].as_bool()), (Some(false), Some(true)));
}

/// The AWS environment of the key tool against `moto`'s Secrets Manager and SSM.
fn aws_env(moto: &Moto) -> [(&str, &str); 4] {
    [
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ]
}

/// One step of scripts/token-keys.py against `moto`: its JSON.
fn key_tool(moto: &Moto, step: &str) -> Value {
    let out = std::process::Command::new(repo_root().join(".tools/venv/bin/python"))
        .arg(repo_root().join("scripts/token-keys.py"))
        .arg(step)
        .envs(aws_env(moto))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "token-keys.py {step}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("PRIVATE KEY"), "the tool never prints a key");
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

/// What the tool stored: (the published JWKS, the secret's AWSCURRENT private key).
fn stored(moto: &Moto) -> (String, String) {
    let out = std::process::Command::new(repo_root().join(".tools/venv/bin/python"))
        .args(["-c", "import boto3,json; print(json.dumps([boto3.client('ssm').get_parameter(Name='/wasm-chat/token-public-keys')['Parameter']['Value'], boto3.client('secretsmanager').get_secret_value(SecretId='wasm-chat/token-signing-key', VersionStage='AWSCURRENT')['SecretString']]))"])
        .envs(aws_env(moto))
        .output()
        .unwrap();
    let v: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    (v[0].clone(), v[1].clone())
}

fn header_kid(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&Base64UrlUnpadded::decode_vec(header).unwrap()).unwrap();
    header["kid"].clone()
}

/// scripts/token-keys.py (what the deploy workflow runs) against moto's Secrets Manager and SSM:
/// init, stage, activate, retire keep the signing key among the published ones, in the order the
/// README's procedure needs; and what it stores is what the components accept.
#[test]
fn the_key_tool_rotates_in_secrets_manager_and_ssm_and_the_stack_accepts_its_keys() {
    let moto = Moto::start(&[]);
    let step = |name: &str| key_tool(&moto, name);
    let first = step("init");
    assert_eq!(first["published"], json!([first["signing"]]));
    assert_eq!(step("init")["signing"], first["signing"], "init is idempotent");
    let staged = step("stage");
    assert_eq!(staged["signing"], first["signing"], "staging does not change the signing key");
    assert_eq!(staged["published"], json!([first["signing"], staged["pending"]]));
    let active = step("activate");
    assert_eq!(active["signing"], staged["pending"]);
    assert_eq!(active["published"], staged["published"], "the old key still verifies");
    // What is stored now runs a stack: its tokens carry the new kid, its JWKS has both keys.
    let (public_keys, private_key) = stored(&moto);
    let app = spawn_app_with_env(&[("TOKEN_PUBLIC_KEYS", &public_keys), ("TOKEN_SIGNING_KEY", &private_key)]);
    let (token, _) = access_token(&app, "keytool");
    assert_eq!(header_kid(&token), active["signing"], "{active} / published {public_keys}");
    assert_eq!(pyjwt(&app.address, &[&token])[0]["ok"], true);
    let retired = step("retire");
    assert_eq!(retired["published"], json!([active["signing"]]));
}

/// As in AWS: login is given the secret's name, not the key, and reads the AWSCURRENT version from
/// Secrets Manager itself (SigV4, its own credentials) on its first sign-in; parallel first
/// sign-ins all get tokens of that key, which the published JWKS verifies. When Secrets Manager is
/// unreachable, or the secret does not exist, login answers 503 (dependency_unavailable,
/// misconfigured) and writes no session; register keeps serving.
#[test]
fn login_reads_its_signing_key_from_secrets_manager() {
    let moto = Moto::start(&[]);
    let signing = key_tool(&moto, "init")["signing"].clone();
    let (public_keys, _) = stored(&moto);
    let secret = ("TOKEN_SIGNING_KEY_SECRET", "wasm-chat/token-signing-key");
    let aws = [
        ("TOKEN_PUBLIC_KEYS", public_keys.as_str()),
        ("TOKEN_SIGNING_KEY", ""),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.endpoint.as_str()),
    ];
    let app = spawn_app_with_env(&[aws[0], aws[1], aws[2], secret]);
    let users: Vec<(String, String)> = (0..8)
        .map(|i| {
            let email = unique_email(&format!("sm-{i}"));
            let password = format!("a good password {i}");
            assert_eq!(app.register(&email, &password).status, 201);
            (email, password)
        })
        .collect();
    let tokens: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = users.iter().map(|(e, p)| s.spawn(|| app.login(e, p))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .map(|r| {
                assert_eq!(r.status, 200, "{}", r.text);
                r.body["access_token"].clone()
            })
            .collect()
    });
    for token in &tokens {
        assert_eq!(header_kid(token.as_str().unwrap()), signing);
    }
    let all: Vec<&str> = tokens.iter().map(|t| t.as_str().unwrap()).collect();
    assert!(pyjwt(&app.address, &all).iter().all(|v| v["ok"] == true));
    assert!(app.logged(&format!("signing key {} read from Secrets Manager", signing.as_str().unwrap())));
    let logs = app.logs();
    assert!(!logs.contains("PRIVATE KEY"), "the key is never logged");

    // Secrets Manager unreachable / the secret missing: a clear 503, nothing written.
    let closed = format!("http://127.0.0.1:{}", api_tests::free_port());
    let cases = [
        (
            vec![aws[0], aws[1], ("AWS_ENDPOINT_URL_SECRETS_MANAGER", closed.as_str()), secret],
            "dependency_unavailable",
        ),
        (
            vec![aws[0], aws[1], aws[2], ("TOKEN_SIGNING_KEY_SECRET", "wasm-chat/no-such-secret")],
            "misconfigured",
        ),
    ];
    for (env, code) in cases {
        let broken = spawn_app_with_env(&env);
        let email = unique_email("sm-broken");
        let registered = broken.register(&email, "a good password");
        assert_eq!(registered.status, 201, "register does not need the key: {}", registered.text);
        let user_id = registered.body["id"].as_str().unwrap().to_owned();
        let login = broken.login(&email, "a good password");
        assert_eq!((login.status, login.body["error"]["code"].as_str()), (503, Some(code)), "{}", login.text);
        let sessions: Vec<_> =
            broken.items_mentioning(&user_id).into_iter().filter(|(t, _)| t == "sessions").collect();
        assert!(sessions.is_empty(), "no session without a token: {sessions:?}");
    }
}
