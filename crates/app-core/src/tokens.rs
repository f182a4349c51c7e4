//! Access tokens (short-lived JWTs, HS256) and refresh tokens (opaque, stored only as hashes).

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64ct::{Base64UrlUnpadded, Encoding};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result as JwtResult};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// HS256 is the only algorithm used, so `jsonwebtoken` gets an HS256-only crypto provider (HMAC
/// from RustCrypto's `hmac` and `sha2`) instead of its full RustCrypto backend, whose RSA, ECDSA and
/// EdDSA code made each component about 700 KiB larger. Any other algorithm is refused.
static HS256_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: hs256_signer,
    verifier_factory: hs256_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
        rsa_pub_components_from_public_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
        ec_pub_components_from_private_key: |_, _| Err(ErrorKind::UnsupportedAlgorithm.into()),
        ed_pub_components_from_private_key: |_: &[u8], _: &EllipticCurve| {
            Err(ErrorKind::UnsupportedAlgorithm.into())
        },
        compute_digest: |_: &[u8], _: ThumbprintHash| Err(ErrorKind::UnsupportedAlgorithm.into()),
    },
};

struct Hs256(hmac::Hmac<Sha256>);

impl Hs256 {
    fn new(algorithm: &Algorithm, key: &[u8]) -> JwtResult<Hs256> {
        if *algorithm != Algorithm::HS256 {
            return Err(ErrorKind::UnsupportedAlgorithm.into());
        }
        use hmac::Mac;
        Ok(Hs256(hmac::Hmac::new_from_slice(key).map_err(|_| ErrorKind::InvalidKeyFormat)?))
    }
}

impl signature::Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        use hmac::Mac;
        let mut mac = self.0.clone();
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl signature::Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        use hmac::Mac;
        let mut mac = self.0.clone();
        mac.update(message);
        mac.verify_slice(signature).map_err(signature::Error::from_source) // constant time
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

fn hs256_signer(algorithm: &Algorithm, key: &EncodingKey) -> JwtResult<Box<dyn JwtSigner>> {
    Ok(Box::new(Hs256::new(algorithm, key.as_bytes())?))
}

fn hs256_verifier(algorithm: &Algorithm, key: &DecodingKey) -> JwtResult<Box<dyn JwtVerifier>> {
    Ok(Box::new(Hs256::new(algorithm, key.try_get_as_bytes()?)?))
}

/// Signs and checks access tokens. Built from configuration; the key is at least 32 bytes.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub issuer: String,
    pub audience: String,
    pub ttl_seconds: u64,
}

impl fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokens")
            .field("key", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl_seconds", &self.ttl_seconds)
            .finish()
    }
}

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    pub email: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
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
    #[error("token is malformed or its signature is wrong")]
    Invalid,
    #[error("token has expired")]
    Expired,
}

pub fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl AccessTokens {
    pub const MIN_KEY_BYTES: usize = 32;

    pub fn new(key: &[u8], issuer: &str, audience: &str, ttl_seconds: u64) -> Result<AccessTokens, String> {
        let _ = HS256_ONLY.install_default(); // once per process; later calls find it installed
        if key.len() < Self::MIN_KEY_BYTES {
            return Err(format!("the token signing key must be at least {} bytes", Self::MIN_KEY_BYTES));
        }
        Ok(AccessTokens {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_seconds,
        })
    }

    pub fn issue(&self, user_id: &str, email: &str, now: SystemTime) -> String {
        self.issue_for_session(user_id, email, 0, "", now)
    }

    /// An access token of token version `ver` for the login (refresh-token family) `sid`.
    pub fn issue_for_session(
        &self,
        user_id: &str,
        email: &str,
        ver: u64,
        sid: &str,
        now: SystemTime,
    ) -> String {
        let iat = unix_seconds(now);
        let claims = AccessClaims {
            sub: user_id.to_owned(),
            email: email.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            exp: iat + self.ttl_seconds,
            ver,
            sid: sid.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding of plain claims cannot fail")
    }

    /// Checks signature, algorithm, issuer and audience, then expiry against `now`.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<AccessClaims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.validate_exp = false; // checked below against the request's own clock
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?;
        if unix_seconds(now) >= data.claims.exp {
            return Err(TokenError::Expired);
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
mod tests {
    use super::*;
    use std::time::Duration;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn tokens() -> AccessTokens {
        AccessTokens::new(KEY, "wasm-chat", "wasm-chat-api", 900).unwrap()
    }

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn issue_then_verify() {
        let tok = tokens().issue("user-1", "a@example.com", t(1_000));
        let claims = tokens().verify(&tok, t(1_899)).unwrap();
        assert_eq!(claims.sub, "user-1");
        assert_eq!(claims.email, "a@example.com");
        assert_eq!((claims.iat, claims.exp), (1_000, 1_900));
    }

    #[test]
    fn expired_at_exp() {
        let tok = tokens().issue("user-1", "a@example.com", t(1_000));
        assert_eq!(tokens().verify(&tok, t(1_900)), Err(TokenError::Expired));
    }

    #[test]
    fn tampered_payload_or_signature_is_invalid() {
        let tok = tokens().issue("user-1", "a@example.com", t(1_000));
        let parts: Vec<&str> = tok.split('.').collect();
        let forged_claims = Base64UrlUnpadded::encode_string(
            br#"{"sub":"admin","email":"a@example.com","iss":"wasm-chat","aud":"wasm-chat-api","iat":1000,"exp":99999999999}"#,
        );
        let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
        assert_eq!(tokens().verify(&forged, t(1_001)), Err(TokenError::Invalid));
        let mut sig = parts[2].to_owned();
        sig.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
        let bad_sig = format!("{}.{}.{}", parts[0], parts[1], sig);
        assert_eq!(tokens().verify(&bad_sig, t(1_001)), Err(TokenError::Invalid));
        assert_eq!(tokens().verify("not.a.jwt", t(1_001)), Err(TokenError::Invalid));
        assert_eq!(tokens().verify("", t(1_001)), Err(TokenError::Invalid));
    }

    #[test]
    fn alg_none_is_refused() {
        let header = Base64UrlUnpadded::encode_string(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = Base64UrlUnpadded::encode_string(
            br#"{"sub":"u","email":"e","iss":"wasm-chat","aud":"wasm-chat-api","iat":1000,"exp":99999999999}"#,
        );
        assert_eq!(tokens().verify(&format!("{header}.{claims}."), t(1_001)), Err(TokenError::Invalid));
    }

    #[test]
    fn wrong_audience_issuer_or_key_is_invalid() {
        let other_aud = AccessTokens::new(KEY, "wasm-chat", "another-api", 900).unwrap();
        let other_iss = AccessTokens::new(KEY, "someone-else", "wasm-chat-api", 900).unwrap();
        let other_key =
            AccessTokens::new(b"ffffffffffffffffffffffffffffffff", "wasm-chat", "wasm-chat-api", 900)
                .unwrap();
        for issuer in [other_aud, other_iss, other_key] {
            let tok = issuer.issue("u", "e@example.com", t(1_000));
            assert_eq!(tokens().verify(&tok, t(1_001)), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn hs256_matches_the_well_known_example_token() {
        // The HS256 example of RFC 7519's era, as jwt.io shows it (secret "your-256-bit-secret").
        tokens(); // installs the provider
        let message = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";
        let key = EncodingKey::from_secret(b"your-256-bit-secret");
        let signature = jsonwebtoken::crypto::sign(message, &key, Algorithm::HS256).unwrap();
        assert_eq!(signature, "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
        assert!(jsonwebtoken::crypto::sign(message, &key, Algorithm::HS512).is_err(), "only HS256");
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(AccessTokens::new(b"too short", "i", "a", 900).is_err());
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
