//! Access tokens (short-lived JWTs, RS256, signed by the login component only) and refresh tokens
//! (opaque, stored only as hashes).
//!
//! Why RS256 (README, "Tokens"): API Gateway HTTP API JWT authorizers check only RSA-based
//! algorithms, so RS256 lets the gateway refuse bad tokens before a function runs; EdDSA is faster
//! and smaller (`scripts/bench tokens`) but would leave the gateway out.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64ct::{Base64UrlUnpadded, Encoding};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result as JwtResult};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey, Header, Validation};
use rsa::pkcs8::der::pem::PemLabel;
use rsa::pkcs8::{DecodePrivateKey, PrivateKeyInfo, SecretDocument};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The one algorithm: tokens say `"alg":"RS256"` and nothing else is accepted.
pub const ALGORITHM: Algorithm = Algorithm::RS256;

/// Smallest RSA modulus accepted, in bits (NIST SP 800-57: 2048 until 2030).
pub const MIN_RSA_BITS: usize = 2048;

/// RS256 is the only algorithm used, so `jsonwebtoken` gets an RS256-only crypto provider (RSA
/// PKCS#1 v1.5 with SHA-256 from RustCrypto's `rsa` and `sha2`) instead of its full RustCrypto
/// backend (HMAC, RSA-PSS, ECDSA P-256/P-384, EdDSA). Any other algorithm is refused here, whatever
/// the token's header says, so `alg` confusion (`HS256` keyed with the public key, `none`) cannot
/// reach a verifier.
static RS256_ONLY: CryptoProvider = rs256_provider(rs256_signer);

/// [`RS256_ONLY`] for the components that only verify (register, chat): no signer, so their wasm
/// leaves out the private-key code the signer factory reaches (PKCS#1 DER, RSA key checks).
static RS256_VERIFY_ONLY: CryptoProvider = rs256_provider(no_signer);

const fn rs256_provider(
    signer_factory: fn(&Algorithm, &EncodingKey) -> JwtResult<Box<dyn JwtSigner>>,
) -> CryptoProvider {
    CryptoProvider {
        signer_factory,
        verifier_factory: rs256_verifier,
        key_utils: KeyUtils {
            rsa_pub_components_from_private_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
            rsa_pub_components_from_public_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
            ec_pub_components_from_private_key: |_, _| Err(ErrorKind::UnsupportedAlgorithm.into()),
            ed_pub_components_from_private_key: |_: &[u8], _: &EllipticCurve| {
                Err(ErrorKind::UnsupportedAlgorithm.into())
            },
            compute_digest: |_: &[u8], _: ThumbprintHash| Err(ErrorKind::UnsupportedAlgorithm.into()),
        },
    }
}

fn no_signer(_: &Algorithm, _: &EncodingKey) -> JwtResult<Box<dyn JwtSigner>> {
    Err(ErrorKind::UnsupportedAlgorithm.into())
}

struct Rs256Signer(rsa::pkcs1v15::SigningKey<Sha256>);
struct Rs256Verifier(rsa::pkcs1v15::VerifyingKey<Sha256>);

impl signature::Signer<Vec<u8>> for Rs256Signer {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        use signature::{RandomizedSigner, SignatureEncoding};
        // Blinded (`sign_with_rng`): the private-key operation's timing does not follow the key.
        Ok(self.0.try_sign_with_rng(&mut OsRng, message)?.to_vec())
    }
}

impl signature::Verifier<Vec<u8>> for Rs256Verifier {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        let signature = rsa::pkcs1v15::Signature::try_from(signature.as_slice())?;
        signature::Verifier::verify(&self.0, message, &signature)
    }
}

impl JwtSigner for Rs256Signer {
    fn algorithm(&self) -> Algorithm {
        ALGORITHM
    }
}

impl JwtVerifier for Rs256Verifier {
    fn algorithm(&self) -> Algorithm {
        ALGORITHM
    }
}

fn rs256_signer(algorithm: &Algorithm, key: &EncodingKey) -> JwtResult<Box<dyn JwtSigner>> {
    if *algorithm != ALGORITHM {
        return Err(ErrorKind::UnsupportedAlgorithm.into());
    }
    // ~40 µs per token (the signature itself: ~6 ms in wasm); `scripts/bench tokens`. The key's
    // bytes are PKCS#8 DER ([`signing_key`]): no PKCS#1 encoder in login's wasm.
    let private = RsaPrivateKey::from_pkcs8_der(key.as_bytes()).map_err(|_| ErrorKind::InvalidKeyFormat)?;
    Ok(Box::new(Rs256Signer(rsa::pkcs1v15::SigningKey::new(private))))
}

fn rs256_verifier(algorithm: &Algorithm, key: &DecodingKey) -> JwtResult<Box<dyn JwtVerifier>> {
    if *algorithm != ALGORITHM {
        return Err(ErrorKind::UnsupportedAlgorithm.into());
    }
    let DecodingKeyKind::RsaModulusExponent { n, e } = key.kind() else {
        return Err(ErrorKind::InvalidKeyFormat.into()); // only keys built from a JWKS's (n, e)
    };
    let public = RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
        .map_err(|_| ErrorKind::InvalidKeyFormat)?;
    Ok(Box::new(Rs256Verifier(rsa::pkcs1v15::VerifyingKey::new(public))))
}

/// One public key of the set: what a JWKS entry says.
#[derive(Clone)]
struct PublicKey {
    kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
    decoding: DecodingKey,
}

/// The private key (login only) and the id its tokens carry.
#[derive(Clone)]
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
}

/// The signing key login holds: given in its configuration (`TOKEN_SIGNING_KEY`, local runs), or
/// read from Secrets Manager (`TOKEN_SIGNING_KEY_SECRET`) at `read_at` and re-read after
/// [`SIGNING_KEY_REREAD_SECONDS`], so a rotation reaches running instances.
#[derive(Clone)]
struct HeldKey {
    key: SigningKey,
    read_at: Option<u64>,
}

/// How long a signing key read from Secrets Manager is used before it is read again. A rotation's
/// `retire` step waits for this plus the access-token lifetime (README, "Rotating the signing key").
pub const SIGNING_KEY_REREAD_SECONDS: u64 = 300;

/// RFC 7638 thumbprint of an RSA public key: base64url(SHA-256 of `{"e","kty","n"}`). The key ids
/// `scripts/token-keys.py` gives; also how the local development key is recognised.
pub fn rsa_thumbprint(n: &[u8], e: &[u8]) -> String {
    let json = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        Base64UrlUnpadded::encode_string(e),
        Base64UrlUnpadded::encode_string(n)
    );
    Base64UrlUnpadded::encode_string(&Sha256::digest(json.as_bytes()))
}

/// Signs (login) and checks (everyone) access tokens. Built from configuration: the public keys
/// (a JWKS: during a rotation, the old and the new key) and, for login only, the private key.
#[derive(Clone)]
pub struct AccessTokens {
    keys: Vec<PublicKey>,
    /// Shared by the clones of one configuration (one per component instance).
    signing: Arc<Mutex<Option<HeldKey>>>,
    pub issuer: String,
    pub audience: String,
    pub ttl_seconds: u64,
}

impl fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokens")
            .field("kids", &self.kids())
            .field("signing_kid", &self.signing_kid())
            .field("private_key", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl_seconds", &self.ttl_seconds)
            .finish()
    }
}

/// What an access token says. The one home of the claims: add a claim here (and in
/// [`AccessTokens::issue`]) and every verifier reads it through [`AccessTokens::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    pub email: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    /// Not before: never issued (a gateway a second behind would refuse a fresh token), honoured
    /// when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// The user's token version when issued: a password reset or change, or a deletion, bumps
    /// the stored version, and tokens of an older one stop working.
    #[serde(default)]
    pub ver: u64,
    /// The login (refresh-token family) this token was issued to; empty when unknown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sid: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is malformed, its signature is wrong or its key is unknown")]
    Invalid,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
}

pub fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    n: Option<String>,
    e: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
}

/// A PKCS#8 PEM RSA private key whose public half is among `keys` (else its tokens would not verify).
fn signing_key(keys: &[PublicKey], pem: &str, what: &str) -> Result<SigningKey, String> {
    let not_pkcs8 = || format!("{what} is not a PKCS#8 PEM RSA private key");
    let der = match SecretDocument::from_pem(pem.trim()) {
        Ok((PrivateKeyInfo::PEM_LABEL, der)) => der,
        _ => return Err(not_pkcs8()),
    };
    let private = RsaPrivateKey::from_pkcs8_der(der.as_bytes()).map_err(|_| not_pkcs8())?;
    let (n, e) = (private.n().to_bytes_be(), private.e().to_bytes_be());
    let kid = keys
        .iter()
        .find(|k| k.n == n && k.e == e)
        .map(|k| k.kid.clone())
        .ok_or(format!("{what}'s public key is not in TOKEN_PUBLIC_KEYS: its tokens would not verify"))?;
    // The bytes as read (PKCS#8 DER): `rs256_signer`, the only reader, parses them as such.
    Ok(SigningKey { kid, encoding: EncodingKey::from_rsa_der(der.as_bytes()) })
}

impl AccessTokens {
    /// `public_keys`: a JWKS (`{"keys":[{"kty":"RSA","kid","n","e"}]}`); `private_key`: a PKCS#8 PEM
    /// RSA key (login only), whose public half must be in the set, so its tokens verify everywhere.
    pub fn new(
        public_keys: &str,
        private_key: Option<&str>,
        issuer: &str,
        audience: &str,
        ttl_seconds: u64,
    ) -> Result<AccessTokens, String> {
        let tokens = AccessTokens::verifier::<true>(public_keys, issuer, audience, ttl_seconds)?;
        if let Some(pem) = private_key {
            tokens.hold_signing_key(pem)?;
        }
        Ok(tokens)
    }

    /// [`AccessTokens::new`] without a private key: what register and chat hold. Kept apart so that
    /// their wasm leaves out the private-key code (PKCS#8 and PKCS#1 DER, RSA key checks). `SIGNS`:
    /// whether this process will ever sign (login). The crypto provider is installed once per
    /// process, by the first call: a process that is to sign must not call this with `false` first
    /// (its signing would then fail with "unsupported algorithm"). A component is one process.
    pub fn verifier<const SIGNS: bool>(
        public_keys: &str,
        issuer: &str,
        audience: &str,
        ttl_seconds: u64,
    ) -> Result<AccessTokens, String> {
        // Unit tests share one process between signers and verifiers.
        let provider = if SIGNS || cfg!(test) { &RS256_ONLY } else { &RS256_VERIFY_ONLY };
        let _ = provider.install_default(); // once per process; later calls find it installed
        let jwks: Jwks = serde_json::from_str(public_keys)
            .map_err(|e| format!("TOKEN_PUBLIC_KEYS is not a JWKS ({{\"keys\":[...]}}): {e}"))?;
        let mut keys = Vec::new();
        for jwk in jwks.keys {
            let kid = jwk.kid.filter(|k| !k.is_empty()).ok_or("TOKEN_PUBLIC_KEYS: every key needs a kid")?;
            if jwk.kty != "RSA" || jwk.alg.as_deref().is_some_and(|a| a != "RS256") {
                return Err(format!("TOKEN_PUBLIC_KEYS: key {kid} is not an RS256 RSA key"));
            }
            if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
                return Err(format!("TOKEN_PUBLIC_KEYS: key {kid} is not for signatures"));
            }
            let b64 = |v: Option<String>, what: &str| {
                v.and_then(|v| Base64UrlUnpadded::decode_vec(&v).ok())
                    .ok_or(format!("TOKEN_PUBLIC_KEYS: key {kid} has no valid {what}"))
            };
            let (n, e) = (b64(jwk.n, "n")?, b64(jwk.e, "e")?);
            RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e))
                .map_err(|err| format!("TOKEN_PUBLIC_KEYS: key {kid}: {err}"))?;
            let bits = BigUint::from_bytes_be(&n).bits();
            if bits < MIN_RSA_BITS {
                return Err(format!(
                    "TOKEN_PUBLIC_KEYS: key {kid} has {bits} bits, at least {MIN_RSA_BITS} needed"
                ));
            }
            if keys.iter().any(|k: &PublicKey| k.kid == kid) {
                return Err(format!("TOKEN_PUBLIC_KEYS: kid {kid} appears twice"));
            }
            let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
            keys.push(PublicKey { kid, n, e, decoding });
        }
        if keys.is_empty() {
            return Err("TOKEN_PUBLIC_KEYS has no keys".into());
        }
        Ok(AccessTokens {
            keys,
            signing: Arc::new(Mutex::new(None)),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_seconds,
        })
    }

    /// Takes the configured private key (`TOKEN_SIGNING_KEY`, a PKCS#8 PEM RSA key whose public half
    /// must be in the set), never re-read.
    pub fn hold_signing_key(&self, pem: &str) -> Result<(), String> {
        let key = signing_key(&self.keys, pem, "TOKEN_SIGNING_KEY")?;
        *self.signing.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(HeldKey { key, read_at: None });
        Ok(())
    }

    /// The key ids of the public keys, in configuration order.
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.kid.as_str()).collect()
    }

    fn held(&self) -> Option<HeldKey> {
        self.signing.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The kid new tokens are signed with; `None` where there is no private key (register, chat,
    /// and login before it has read its key from Secrets Manager).
    pub fn signing_kid(&self) -> Option<String> {
        self.held().map(|h| h.key.kid)
    }

    /// Whether login must read its key (again) from Secrets Manager before signing at `now`: it has
    /// none yet, or the one it read is older than [`SIGNING_KEY_REREAD_SECONDS`].
    pub fn needs_signing_key(&self, now: SystemTime) -> bool {
        match self.held() {
            None => true,
            Some(HeldKey { read_at: None, .. }) => false,
            Some(HeldKey { read_at: Some(t), .. }) => unix_seconds(now) >= t + SIGNING_KEY_REREAD_SECONDS,
        }
    }

    /// Takes a private key read from Secrets Manager at `now` (checked like `TOKEN_SIGNING_KEY`: its
    /// public half must be published) and returns its kid.
    pub fn install_signing_key(&self, pem: &str, now: SystemTime) -> Result<String, String> {
        let key = signing_key(&self.keys, pem, "the secret TOKEN_SIGNING_KEY_SECRET")?;
        let kid = key.kid.clone();
        *self.signing.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(HeldKey { key, read_at: Some(unix_seconds(now)) });
        Ok(kid)
    }

    /// RFC 7638 thumbprints of the public keys (to recognise a known key whatever its kid).
    pub fn thumbprints(&self) -> Vec<String> {
        self.keys.iter().map(|k| rsa_thumbprint(&k.n, &k.e)).collect()
    }

    /// The public keys as the JWKS `GET /.well-known/jwks.json` serves.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .keys
            .iter()
            .map(|k| {
                serde_json::json!({
                    "kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.kid,
                    "n": Base64UrlUnpadded::encode_string(&k.n),
                    "e": Base64UrlUnpadded::encode_string(&k.e),
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// A new access token (token version 0, no login), signed with the private key; `Err` where
    /// there is none.
    pub fn issue(&self, user_id: &str, email: &str, now: SystemTime) -> Result<String, String> {
        self.issue_for_session(user_id, email, 0, "", now)
    }

    /// An access token of token version `ver` for the login (refresh-token family) `sid`, signed
    /// with the private key; `Err` where there is none (register, chat).
    pub fn issue_for_session(
        &self,
        user_id: &str,
        email: &str,
        ver: u64,
        sid: &str,
        now: SystemTime,
    ) -> Result<String, String> {
        let signing = self.held().ok_or("this component holds no token signing key")?.key;
        let iat = unix_seconds(now);
        let claims = AccessClaims {
            sub: user_id.to_owned(),
            email: email.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            exp: iat + self.ttl_seconds,
            nbf: None,
            ver,
            sid: sid.to_owned(),
        };
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(signing.kid.clone());
        jsonwebtoken::encode(&header, &claims, &signing.encoding).map_err(|e| format!("signing: {e}"))
    }

    /// Checks the header (`alg` RS256, a known `kid`), the signature with that key, issuer and
    /// audience, then expiry and not-before against `now`.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != ALGORITHM {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = self.keys.iter().find(|k| k.kid == kid).ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.validate_exp = false; // checked below against the request's own clock
        validation.validate_nbf = false; // likewise
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?;
        let t = unix_seconds(now);
        if t >= data.claims.exp {
            return Err(TokenError::Expired);
        }
        if data.claims.nbf.is_some_and(|nbf| t < nbf) {
            return Err(TokenError::NotYetValid);
        }
        Ok(data.claims)
    }
}

/// A refresh token: `<family id>.<secret>`. The family is one login's chain of rotations; only
/// the SHA-256 of the current secret is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub family: String,
    secret: String,
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RefreshToken({}.<redacted>)", self.family)
    }
}

fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    Base64UrlUnpadded::encode_string(&buf)
}

impl RefreshToken {
    /// A new family with its first secret.
    pub fn new_family() -> RefreshToken {
        RefreshToken { family: random_b64(16), secret: random_b64(32) }
    }

    /// The next token of the same family.
    pub fn rotate(&self) -> RefreshToken {
        RefreshToken { family: self.family.clone(), secret: random_b64(32) }
    }

    pub fn parse(raw: &str) -> Option<RefreshToken> {
        let (family, secret) = raw.split_once('.')?;
        let ok = |s: &str, n: usize| Base64UrlUnpadded::decode_vec(s).map(|b| b.len() == n).unwrap_or(false);
        (ok(family, 16) && ok(secret, 32))
            .then(|| RefreshToken { family: family.to_owned(), secret: secret.to_owned() })
    }

    /// The value handed to the client.
    pub fn expose(&self) -> String {
        format!("{}.{}", self.family, self.secret)
    }

    /// What is stored: SHA-256 of the secret (a 256-bit random value needs no slow hash).
    pub fn secret_hash(&self) -> String {
        Base64UrlUnpadded::encode_string(&Sha256::digest(self.secret.as_bytes()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::time::Duration;

    /// Test-only key pairs (tests/fixtures/token-keys/README.md).
    pub(crate) const KEY_A: &str = include_str!("../../../tests/fixtures/token-keys/a.pem");
    pub(crate) const KEY_B: &str = include_str!("../../../tests/fixtures/token-keys/b.pem");
    const KEY_OTHER: &str = include_str!("../../../tests/fixtures/token-keys/other.pem");

    /// The JWKS of `pems`, each under its RFC 7638 thumbprint (as scripts/token-keys.py writes it).
    pub(crate) fn jwks_of(pems: &[&str]) -> String {
        let keys: Vec<_> = pems
            .iter()
            .map(|pem| {
                let k = RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
                let (n, e) = (k.n().to_bytes_be(), k.e().to_bytes_be());
                serde_json::json!({"kty": "RSA", "kid": rsa_thumbprint(&n, &e),
                    "n": Base64UrlUnpadded::encode_string(&n), "e": Base64UrlUnpadded::encode_string(&e)})
            })
            .collect();
        serde_json::json!({ "keys": keys }).to_string()
    }

    fn with(public: &[&str], private: Option<&str>) -> AccessTokens {
        AccessTokens::new(&jwks_of(public), private, "https://api.example", "wasm-chat-api", 900).unwrap()
    }

    fn signer() -> AccessTokens {
        with(&[KEY_A], Some(KEY_A))
    }

    /// register / chat: public keys only.
    fn verifier() -> AccessTokens {
        with(&[KEY_A], None)
    }

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn b64(json: &str) -> String {
        Base64UrlUnpadded::encode_string(json.as_bytes())
    }

    fn claims_json(exp: u64) -> String {
        format!(
            r#"{{"sub":"u","email":"e@example.com","iss":"https://api.example","aud":"wasm-chat-api","iat":1000,"exp":{exp}}}"#
        )
    }

    #[test]
    fn session_tokens_carry_version_and_login_signed_rs256_by_the_private_key_only() {
        let tok = signer().issue_for_session("user-1", "a@example.com", 7, "family-1", t(1_000)).unwrap();
        let header = jsonwebtoken::decode_header(&tok).unwrap();
        assert_eq!(
            (header.alg, header.kid.as_deref()),
            (Algorithm::RS256, signer().signing_kid().as_deref())
        );
        let claims = verifier().verify(&tok, t(1_001)).unwrap();
        assert_eq!((claims.ver, claims.sid.as_str(), claims.nbf), (7, "family-1", None));
        // Without the private key (register, chat) nothing can be minted, whatever the version.
        assert!(verifier().issue_for_session("user-1", "a@example.com", 8, "family-1", t(1_000)).is_err());
        // A token of another key claiming a newer version is refused like any forgery.
        let other = with(&[KEY_OTHER], Some(KEY_OTHER))
            .issue_for_session("user-1", "a@example.com", 8, "family-1", t(1_000))
            .unwrap();
        assert_eq!(verifier().verify(&other, t(1_001)), Err(TokenError::Invalid));
        // A token without `ver`/`sid` (issued before they existed) reads as version 0, no login.
        let plain = signer().issue("user-1", "a@example.com", t(1_000)).unwrap();
        let claims = verifier().verify(&plain, t(1_001)).unwrap();
        assert_eq!((claims.ver, claims.sid.as_str()), (0, ""));
    }

    #[test]
    fn issue_then_verify_with_the_public_key_only() {
        let tok = signer().issue("user-1", "a@example.com", t(1_000)).unwrap();
        let header = jsonwebtoken::decode_header(&tok).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.kid, signer().signing_kid());
        let claims = verifier().verify(&tok, t(1_899)).unwrap();
        assert_eq!(claims.sub, "user-1");
        assert_eq!(claims.email, "a@example.com");
        assert_eq!((claims.iat, claims.exp, claims.nbf), (1_000, 1_900, None));
    }

    #[test]
    fn a_verifier_cannot_sign() {
        assert_eq!(verifier().signing_kid(), None);
        assert!(verifier().issue("u", "e@example.com", t(1_000)).is_err());
    }

    #[test]
    fn expired_at_exp() {
        let tok = signer().issue("user-1", "a@example.com", t(1_000)).unwrap();
        assert_eq!(verifier().verify(&tok, t(1_900)), Err(TokenError::Expired));
    }

    /// Signs `header.claims` with `pem` as RS256, outside `AccessTokens` (any claims, any kid).
    fn forge(pem: &str, header: &str, claims: &str) -> String {
        signer(); // installs the provider
        let input = format!("{}.{}", b64(header), b64(claims));
        let (_, der) = SecretDocument::from_pem(pem.trim()).unwrap(); // PKCS#8 DER, as rs256_signer reads
        let key = EncodingKey::from_rsa_der(der.as_bytes());
        let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::RS256).unwrap();
        format!("{input}.{sig}")
    }

    #[test]
    fn future_nbf_is_refused_past_nbf_accepted() {
        let kid = signer().signing_kid().unwrap();
        let header = format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#);
        let claims = r#"{"sub":"u","email":"e@example.com","iss":"https://api.example","aud":"wasm-chat-api","iat":1000,"exp":5000,"nbf":2000}"#;
        let tok = forge(KEY_A, &header, claims);
        assert_eq!(verifier().verify(&tok, t(1_999)), Err(TokenError::NotYetValid));
        assert!(verifier().verify(&tok, t(2_000)).is_ok());
    }

    #[test]
    fn a_token_signed_by_any_other_key_is_invalid() {
        let kid = signer().signing_kid().unwrap();
        // another key, claiming the trusted kid
        let header = format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#);
        let forged = forge(KEY_OTHER, &header, &claims_json(99_999));
        assert_eq!(verifier().verify(&forged, t(1_001)), Err(TokenError::Invalid));
        // another key under its own kid, and a whole other issuer's tokens
        let other = with(&[KEY_OTHER], Some(KEY_OTHER)).issue("u", "e@example.com", t(1_000)).unwrap();
        assert_eq!(verifier().verify(&other, t(1_001)), Err(TokenError::Invalid));
    }

    #[test]
    fn wrong_or_missing_kid_is_invalid() {
        let claims = claims_json(99_999);
        let unknown = forge(KEY_A, r#"{"alg":"RS256","typ":"JWT","kid":"no-such-key"}"#, &claims);
        assert_eq!(verifier().verify(&unknown, t(1_001)), Err(TokenError::Invalid));
        let missing = forge(KEY_A, r#"{"alg":"RS256","typ":"JWT"}"#, &claims);
        assert_eq!(verifier().verify(&missing, t(1_001)), Err(TokenError::Invalid));
        // the right key under the right kid verifies: the refusals above are about the kid
        let kid = signer().signing_kid().unwrap();
        let right = forge(KEY_A, &format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#), &claims);
        assert!(verifier().verify(&right, t(1_001)).is_ok());
    }

    #[test]
    fn alg_confusion_hs256_keyed_with_the_public_key_and_none_are_refused() {
        use hmac::Mac;
        let kid = signer().signing_kid().unwrap();
        let claims = claims_json(99_999);
        let private = RsaPrivateKey::from_pkcs8_pem(KEY_A).unwrap();
        let public = private.to_public_key();
        let pem =
            rsa::pkcs8::EncodePublicKey::to_public_key_pem(&public, rsa::pkcs8::LineEnding::LF).unwrap();
        let jwk =
            serde_json::from_str::<serde_json::Value>(&jwks_of(&[KEY_A])).unwrap()["keys"][0].to_string();
        let n = public.n().to_bytes_be();
        for secret in [pem.as_bytes(), jwk.as_bytes(), n.as_slice()] {
            for alg in ["HS256", "HS384", "HS512"] {
                let input = format!(
                    "{}.{}",
                    b64(&format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{kid}"}}"#)),
                    b64(&claims)
                );
                let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret).unwrap();
                mac.update(input.as_bytes());
                let sig = Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes());
                assert_eq!(verifier().verify(&format!("{input}.{sig}"), t(1_001)), Err(TokenError::Invalid));
            }
        }
        for alg in ["none", "None", "NONE"] {
            let header = b64(&format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{kid}"}}"#));
            let tok = format!("{header}.{}.", b64(&claims));
            assert_eq!(verifier().verify(&tok, t(1_001)), Err(TokenError::Invalid));
        }
        // PS256 / ES256 / EdDSA headers on an RS256 signature
        let good = signer().issue("u", "e@example.com", t(1_000)).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        for alg in ["PS256", "ES256", "EdDSA", "RS512"] {
            let header = b64(&format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{kid}"}}"#));
            let tok = format!("{header}.{}.{}", parts[1], parts[2]);
            assert_eq!(verifier().verify(&tok, t(1_001)), Err(TokenError::Invalid));
        }
        // and the provider itself refuses to sign or verify anything but RS256
        let key = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        assert!(jsonwebtoken::crypto::sign(b"x", &key, Algorithm::HS256).is_err());
    }

    #[test]
    fn tampered_payload_or_signature_is_invalid() {
        let tok = signer().issue("user-1", "a@example.com", t(1_000)).unwrap();
        let parts: Vec<&str> = tok.split('.').collect();
        let forged_claims = b64(
            r#"{"sub":"admin","email":"a@example.com","iss":"https://api.example","aud":"wasm-chat-api","iat":1000,"exp":99999999999}"#,
        );
        let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
        assert_eq!(verifier().verify(&forged, t(1_001)), Err(TokenError::Invalid));
        let mut sig = parts[2].to_owned();
        sig.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
        let bad_sig = format!("{}.{}.{}", parts[0], parts[1], sig);
        assert_eq!(verifier().verify(&bad_sig, t(1_001)), Err(TokenError::Invalid));
        assert_eq!(verifier().verify("not.a.jwt", t(1_001)), Err(TokenError::Invalid));
        assert_eq!(verifier().verify("", t(1_001)), Err(TokenError::Invalid));
    }

    #[test]
    fn wrong_audience_or_issuer_is_invalid() {
        let jwks = jwks_of(&[KEY_A]);
        let other_aud =
            AccessTokens::new(&jwks, Some(KEY_A), "https://api.example", "another-api", 900).unwrap();
        let other_iss =
            AccessTokens::new(&jwks, Some(KEY_A), "https://evil.example", "wasm-chat-api", 900).unwrap();
        for issuer in [other_aud, other_iss] {
            let tok = issuer.issue("u", "e@example.com", t(1_000)).unwrap();
            assert_eq!(verifier().verify(&tok, t(1_001)), Err(TokenError::Invalid));
        }
    }

    /// Login in AWS: no key until it has read one from Secrets Manager; a key read there is used
    /// for SIGNING_KEY_REREAD_SECONDS, then read again (so an activated key reaches it); a key
    /// whose public half is not published is refused and the one held stays.
    #[test]
    fn a_key_read_from_secrets_manager_is_checked_held_and_reread() {
        let login = with(&[KEY_A, KEY_B], None);
        assert!(login.needs_signing_key(t(1_000)));
        assert!(login.issue("u", "e@example.com", t(1_000)).is_err());
        let kid_a = login.install_signing_key(KEY_A, t(1_000)).unwrap();
        assert_eq!(login.signing_kid(), Some(kid_a.clone()));
        let clone = login.clone(); // the configuration of the same instance shares the key it read
        assert!(!clone.needs_signing_key(t(1_000 + SIGNING_KEY_REREAD_SECONDS - 1)));
        assert!(clone.needs_signing_key(t(1_000 + SIGNING_KEY_REREAD_SECONDS)));
        let token = clone.issue("u", "e@example.com", t(1_001)).unwrap();
        assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid, Some(kid_a.clone()));
        assert!(login.verify(&token, t(1_002)).is_ok());
        // after `activate`, the re-read key is B
        let kid_b = login.install_signing_key(KEY_B, t(1_300)).unwrap();
        assert_ne!(kid_a, kid_b);
        assert_eq!(clone.signing_kid(), Some(kid_b.clone()));
        // an unpublished or malformed key is refused; B stays
        let only_a = with(&[KEY_A], None);
        assert!(only_a
            .install_signing_key(KEY_B, t(1_300))
            .unwrap_err()
            .contains("not in TOKEN_PUBLIC_KEYS"));
        assert!(login.install_signing_key("not a key", t(1_301)).unwrap_err().contains("PKCS#8"));
        assert_eq!(login.signing_kid(), Some(kid_b));
        // a key given directly (local runs) is never re-read
        assert!(!signer().needs_signing_key(t(u64::MAX / 2)));
        assert!(format!("{login:?}").contains("<redacted>"));
    }

    /// The rotation procedure (README, "Rotating the signing key"), step by step.
    #[test]
    fn rotation_old_tokens_valid_until_expiry_new_ones_signed_with_the_new_key() {
        // 0. steady state: A signs, verifiers know A
        let old = signer().issue("u", "e@example.com", t(1_000)).unwrap();
        // 1. publish B next to A (verifiers and the JWKS first); login still signs with A
        let staged_verifier = with(&[KEY_A, KEY_B], None);
        let staged_login = with(&[KEY_A, KEY_B], Some(KEY_A));
        assert!(staged_verifier.verify(&old, t(1_001)).is_ok());
        let during = staged_login.issue("u", "e@example.com", t(1_001)).unwrap();
        assert!(verifier().verify(&during, t(1_002)).is_ok(), "a verifier not yet updated still accepts");
        // 2. login signs with B
        let switched = with(&[KEY_A, KEY_B], Some(KEY_B));
        let new = switched.issue("u", "e@example.com", t(1_100)).unwrap();
        let kid_b = switched.signing_kid().unwrap();
        assert_ne!(Some(kid_b.clone()), signer().signing_kid());
        assert_eq!(jsonwebtoken::decode_header(&new).unwrap().kid.as_deref(), Some(kid_b.as_str()));
        assert!(staged_verifier.verify(&new, t(1_101)).is_ok());
        assert!(staged_verifier.verify(&old, t(1_101)).is_ok(), "old tokens stay valid until expiry");
        assert_eq!(staged_verifier.verify(&old, t(1_900)), Err(TokenError::Expired));
        // 3. after the longest access-token lifetime, A is retired
        let retired = with(&[KEY_B], None);
        assert!(retired.verify(&new, t(1_200)).is_ok());
        assert_eq!(retired.verify(&old, t(1_200)), Err(TokenError::Invalid));
        // the JWKS lists exactly the configured keys
        let jwks = switched.jwks();
        let kids: Vec<&str> =
            jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
        assert_eq!(kids, switched.kids());
        assert_eq!(jwks["keys"][0]["alg"], "RS256");
        assert!(jwks.to_string().find("\"d\"").is_none(), "no private part in the JWKS");
    }

    #[test]
    fn bad_key_configuration_is_refused() {
        let jwks = jwks_of(&[KEY_A]);
        let new = |public: &str, private: Option<&str>| {
            AccessTokens::new(public, private, "https://api.example", "a", 900).unwrap_err()
        };
        assert!(new("", None).contains("JWKS"));
        assert!(new(r#"{"keys":[]}"#, None).contains("no keys"));
        assert!(new(r#"{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}"#, None).contains("RS256"));
        let no_kid = jwks.replace("\"kid\"", "\"x-kid\"");
        assert!(new(&no_kid, None).contains("kid"));
        // the private key must belong to the published set, and be a PEM
        assert!(new(&jwks, Some(KEY_B)).contains("not in TOKEN_PUBLIC_KEYS"));
        assert!(new(&jwks, Some("not a pem")).contains("PKCS#8"));
        // RSA below 2048 bits
        let small = RsaPrivateKey::new(&mut OsRng, 1024).unwrap();
        let small_jwk = serde_json::json!({"keys": [{"kty": "RSA", "kid": "small",
            "n": Base64UrlUnpadded::encode_string(&small.n().to_bytes_be()),
            "e": Base64UrlUnpadded::encode_string(&small.e().to_bytes_be())}]});
        assert!(new(&small_jwk.to_string(), None).contains("2048"));
        // the Debug form names kids, never the key
        let shown = format!("{:?}", signer());
        assert!(shown.contains("redacted") && !shown.contains("MII"));
    }

    #[test]
    fn refresh_tokens_round_trip_and_rotate() {
        let first = RefreshToken::new_family();
        let parsed = RefreshToken::parse(&first.expose()).unwrap();
        assert_eq!(parsed, first);
        let next = first.rotate();
        assert_eq!(next.family, first.family);
        assert_ne!(next.secret_hash(), first.secret_hash());
        assert!(!first.secret_hash().contains(&first.secret));
        assert!(!format!("{first:?}").contains(&first.secret));
        assert_eq!(RefreshToken::parse("garbage"), None);
        assert_eq!(RefreshToken::parse("a.b"), None);
        assert_eq!(RefreshToken::parse(&format!("{}.", first.family)), None);
    }
}
