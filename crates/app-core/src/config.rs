//! Configuration from environment variables, with AWS's own names where AWS has one, so the same
//! component runs under Spin (`environment`, `spin up --env`) and wasmtime (`--env`).

use crate::aws::dynamodb::DynamoDb;
use crate::aws::Credentials;
use crate::throttle::ThrottleRules;
use crate::tokens::AccessTokens;
use std::time::Duration;

/// The signing key spin.toml ships for local runs. Refused unless DynamoDB is local too.
pub const LOCAL_SIGNING_KEY: &str = "local-development-signing-key-do-not-deploy";

#[derive(Debug, Clone)]
pub struct Config {
    pub dynamodb: DynamoDb,
    pub dynamodb_timeout: Duration,
    pub users_table: String,
    pub sessions_table: String,
    pub throttle_table: String,
    pub access_tokens: AccessTokens,
    pub refresh_ttl_seconds: u64,
    pub throttle: ThrottleRules,
    /// Header carrying the client address chain (`X-Forwarded-For` style).
    pub client_ip_header: String,
    /// How many entries from the right of that header were added by proxies we trust; the entry
    /// they name is the client address (1: API Gateway, or the local gateway).
    pub client_ip_hops: usize,
    pub cors_allowed_origins: Vec<String>,
}

fn is_loopback(url: &str) -> bool {
    let host = url.split("://").nth(1).unwrap_or(url).split(['/', ':']).next().unwrap_or("");
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

impl Config {
    /// Reads the configuration through `var` (normally `std::env::var`). Refuses to build one
    /// with missing credentials or an unusable token signing key.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let or = |name: &str, default: &str| get(name).unwrap_or_else(|| default.to_owned());
        let number = |name: &str, default: u64| -> Result<u64, String> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| format!("{name} must be a whole number, not {v:?}")),
            }
        };
        let region =
            get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")).unwrap_or_else(|| "us-east-1".into());
        let credentials = Credentials {
            access_key_id: get("AWS_ACCESS_KEY_ID").ok_or("AWS_ACCESS_KEY_ID is not set")?,
            secret_access_key: get("AWS_SECRET_ACCESS_KEY").ok_or("AWS_SECRET_ACCESS_KEY is not set")?,
            session_token: get("AWS_SESSION_TOKEN"),
        };
        let endpoint = get("AWS_ENDPOINT_URL_DYNAMODB")
            .or_else(|| get("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| format!("https://dynamodb.{region}.amazonaws.com"));
        let key = get("TOKEN_SIGNING_KEY").ok_or("TOKEN_SIGNING_KEY is not set")?;
        if key == LOCAL_SIGNING_KEY && !is_loopback(&endpoint) {
            return Err("TOKEN_SIGNING_KEY is the local development key; set a secret one".into());
        }
        let access_tokens = AccessTokens::new(
            key.as_bytes(),
            &or("TOKEN_ISSUER", "wasm-chat"),
            &or("TOKEN_AUDIENCE", "wasm-chat-api"),
            number("ACCESS_TOKEN_TTL_SECONDS", 900)?,
        )?;
        let defaults = ThrottleRules::default();
        let throttle = ThrottleRules {
            window_seconds: number("THROTTLE_WINDOW_SECONDS", defaults.window_seconds)?.max(1),
            slowdown_after: number("LOGIN_SLOWDOWN_AFTER", defaults.slowdown_after)?,
            block_after: number("LOGIN_BLOCK_AFTER", defaults.block_after)?,
            address_block_after: number("ADDRESS_BLOCK_AFTER", defaults.address_block_after)?,
            registrations_per_address: number(
                "REGISTRATIONS_PER_ADDRESS",
                defaults.registrations_per_address,
            )?,
        };
        Ok(Config {
            dynamodb: DynamoDb { endpoint, region, credentials },
            dynamodb_timeout: Duration::from_millis(number("DYNAMODB_TIMEOUT_MS", 3000)?),
            users_table: or("USERS_TABLE", "users"),
            sessions_table: or("SESSIONS_TABLE", "sessions"),
            throttle_table: or("THROTTLE_TABLE", "throttle"),
            access_tokens,
            refresh_ttl_seconds: number("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)?,
            throttle,
            client_ip_header: or("CLIENT_IP_HEADER", "x-forwarded-for").to_ascii_lowercase(),
            client_ip_hops: number("CLIENT_IP_HOPS", 1)?.max(1) as usize,
            cors_allowed_origins: get("CORS_ALLOWED_ORIGINS")
                .map(|v| v.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
        })
    }

    pub fn from_env() -> Result<Config, String> {
        Config::from_vars(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(crate) fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let mut map: HashMap<String, String> = [
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("TOKEN_SIGNING_KEY", "0123456789abcdef0123456789abcdef"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            if v.is_empty() {
                map.remove(*k);
            } else {
                map.insert(k.to_string(), v.to_string());
            }
        }
        move |k| map.get(k).cloned()
    }

    #[test]
    fn aws_defaults_follow_the_region() {
        let c = Config::from_vars(vars(&[("AWS_REGION", "eu-west-1")])).unwrap();
        assert_eq!(c.dynamodb.endpoint, "https://dynamodb.eu-west-1.amazonaws.com");
        assert_eq!(c.users_table, "users");
        assert_eq!(c.dynamodb.credentials.session_token, None);
        assert_eq!(c.access_tokens.ttl_seconds, 900);
        assert_eq!(c.throttle, ThrottleRules::default());
        assert!(c.cors_allowed_origins.is_empty());
    }

    #[test]
    fn endpoint_override_and_missing_credentials() {
        let c = Config::from_vars(vars(&[
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
            ("USERS_TABLE", "t"),
            ("CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example"),
        ]))
        .unwrap();
        assert_eq!(c.dynamodb.endpoint, "http://127.0.0.1:8000");
        assert_eq!(c.dynamodb.region, "us-east-1");
        assert_eq!(c.users_table, "t");
        assert_eq!(c.cors_allowed_origins, ["https://a.example", "https://b.example"]);
        assert!(Config::from_vars(vars(&[("AWS_SECRET_ACCESS_KEY", "")])).is_err());
    }

    #[test]
    fn signing_key_must_be_set_long_and_not_the_local_one_in_aws() {
        let missing = Config::from_vars(vars(&[("TOKEN_SIGNING_KEY", "")])).unwrap_err();
        assert!(missing.contains("TOKEN_SIGNING_KEY"));
        let short = Config::from_vars(vars(&[("TOKEN_SIGNING_KEY", "short")])).unwrap_err();
        assert!(short.contains("32 bytes"));
        let local_in_aws = Config::from_vars(vars(&[("TOKEN_SIGNING_KEY", LOCAL_SIGNING_KEY)])).unwrap_err();
        assert!(local_in_aws.contains("local development key"));
        assert!(Config::from_vars(vars(&[
            ("TOKEN_SIGNING_KEY", LOCAL_SIGNING_KEY),
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
        ]))
        .is_ok());
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert!(Config::from_vars(vars(&[("THROTTLE_WINDOW_SECONDS", "soon")])).is_err());
    }
}
