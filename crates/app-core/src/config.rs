//! Configuration from environment variables, with AWS's own names where AWS has one, so the same
//! component runs under Spin (`environment`, `spin up --env`) and wasmtime (`--env`).

use crate::api::ClientAddressRule;
use crate::aws::dynamodb::DynamoDb;
use crate::aws::sagemaker::{ModelParams, PayloadFormat, SageMakerRuntime};
use crate::aws::secrets_manager::SecretsManager;
use crate::aws::ses::Ses;
use crate::aws::Credentials;
use crate::throttle::ThrottleRules;
use crate::tokens::AccessTokens;
use std::time::Duration;

/// The development key pair spin.toml ships for local runs (login's `TOKEN_SIGNING_KEY`, everyone's
/// `TOKEN_PUBLIC_KEYS`). Refused, by its key's thumbprint, unless DynamoDB is local too.
pub const LOCAL_SIGNING_KEY: &str = include_str!("../data/local-dev-token-key.pem");
pub const LOCAL_PUBLIC_KEYS: &str = include_str!("../data/local-dev-token-jwks.json");
/// RFC 7638 thumbprint of the development key (its kid in [`LOCAL_PUBLIC_KEYS`]).
pub const LOCAL_KEY_THUMBPRINT: &str = "kswvLA4K0mp1wj7-tLeROMS5Texb6zE9w5s0paCk_L0";

#[derive(Debug, Clone)]
pub struct Config {
    pub dynamodb: DynamoDb,
    pub dynamodb_timeout: Duration,
    pub users_table: String,
    pub sessions_table: String,
    pub throttle_table: String,
    pub access_tokens: AccessTokens,
    /// Where login reads its signing key when it is not given directly (in AWS: always).
    pub signing_key_secret: Option<SigningKeySecret>,
    pub refresh_ttl_seconds: u64,
    pub throttle: ThrottleRules,
    /// Where the client address (the subject of per-address limits) comes from.
    pub client_address: ClientAddressRule,
    pub cors_allowed_origins: Vec<String>,
    /// The chat settings; an error here only stops the chat routes.
    pub chat: Result<ChatConfig, String>,
    /// The one-use tokens table (email verification, password reset).
    pub tokens_table: String,
    /// The conversations table, also for components without chat settings (account deletion).
    pub conversations_table: String,
    /// Refuse to log in accounts whose email is not verified (403 `email_not_verified`).
    pub require_verified_email: bool,
    pub verify_token_ttl_seconds: u64,
    pub reset_token_ttl_seconds: u64,
    /// `POST /password/forgot` answers no sooner than this after the request arrived, known
    /// email or not, so its timing tells nothing (it must exceed the known path's slowest time).
    pub forgot_min_duration: Duration,
    /// The mail settings; an error here only stops mail (and is logged where mail was due).
    pub mail: Result<MailConfig, String>,
}

/// The Secrets Manager secret holding the access tokens' private key (PKCS#8 PEM), read by login.
#[derive(Debug, Clone)]
pub struct SigningKeySecret {
    pub secrets_manager: SecretsManager,
    /// Its name or ARN (`TOKEN_SIGNING_KEY_SECRET`).
    pub secret_id: String,
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub ses: Ses,
    /// The sender (an SES-verified identity in AWS).
    pub from: String,
    /// Where the web page is served; links are `{APP_BASE_URL}/?verify=...` and `/?reset=...`.
    pub app_base_url: String,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct ChatConfig {
    pub sagemaker: SageMakerRuntime,
    pub format: PayloadFormat,
    pub params: ModelParams,
    pub system_prompt: Option<String>,
    /// Bounds the wait for the model's answer (for streaming: for each piece of it).
    pub timeout: Duration,
    /// At most this many earlier turns go to the model...
    pub history_turns: u32,
    /// ...and at most this many characters of them (newest kept first).
    pub history_chars: usize,
    pub max_message_chars: usize,
    pub table: String,
    /// The endpoint's input limit in tokens (TGI `MAX_INPUT_LENGTH`) and its limit on input plus
    /// new tokens (`MAX_TOTAL_TOKENS`): the prompt is kept within both, `max_new_tokens` included.
    pub max_input_tokens: u64,
    pub max_total_tokens: u64,
    /// Per-user daily quotas (`CHAT_DAILY_MESSAGES`, `CHAT_DAILY_TOKENS`).
    pub daily: crate::usage::DailyLimits,
}

impl ChatConfig {
    /// The most prompt tokens (estimated) a request may carry.
    pub fn input_budget(&self) -> u64 {
        self.max_input_tokens.min(self.max_total_tokens.saturating_sub(u64::from(self.params.max_new_tokens)))
    }
}

/// A finite number as `f32::from_str` reads it, through serde_json's number parser: `str::parse`
/// for a float brings core's dec2flt (~16 KiB with its tables) into every component, for this one
/// setting. Same grammar (sign, digits with an optional point, at least one digit, exponent);
/// `inf` and `nan` are refused (the one caller refuses them anyway). serde_json reads the digits
/// as an f64 then rounds to f32, which is the f32 `from_str` gives for every value of up to
/// nine significant digits (a test compares them).
fn parse_f32(raw: &str) -> Option<f32> {
    let (negative, unsigned) = match raw.as_bytes().first() {
        Some(b'+') => (false, &raw[1..]),
        Some(b'-') => (true, &raw[1..]),
        _ => (false, raw),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    // As JSON: no leading zeros, digits on both sides of a point.
    let int = int.trim_start_matches('0');
    let json = format!(
        "{}{}{}{}",
        if int.is_empty() { "0" } else { int },
        if frac.is_empty() { "" } else { "." },
        frac,
        exponent.map(|e| format!("e{e}")).unwrap_or_default()
    );
    let value: f32 = serde_json::from_str(&json).ok().filter(|v: &f32| v.is_finite())?;
    Some(if negative { -value } else { value })
}

fn is_loopback(url: &str) -> bool {
    let host = url.split("://").nth(1).unwrap_or(url).split(['/', ':']).next().unwrap_or("");
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

impl Config {
    /// Reads the configuration through `var` (normally `std::env::var`). Refuses to build one
    /// with missing credentials or an unusable token signing key.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        Config::from_vars_for::<true>(var)
    }

    /// [`Config::from_vars`] for a component that signs access tokens (`SIGNS`: login) or not
    /// (register, chat). One that does not sign ignores `TOKEN_SIGNING_KEY` (it is given only the
    /// public keys), so its wasm leaves out the private-key code.
    pub fn from_vars_for<const SIGNS: bool>(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let get = |name: &str| {
            debug_assert!(crate::settings::is_setting(name), "{name} is not in settings::SETTINGS");
            var(name).filter(|v| !v.trim().is_empty())
        };
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
        let public_keys = get("TOKEN_PUBLIC_KEYS").ok_or("TOKEN_PUBLIC_KEYS is not set")?;
        let private_key = get("TOKEN_SIGNING_KEY");
        let secrets_manager = SecretsManager {
            endpoint: get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
                .or_else(|| get("AWS_ENDPOINT_URL"))
                .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com")),
            region: region.clone(),
            credentials: credentials.clone(),
        };
        let signing_key_secret = match get("TOKEN_SIGNING_KEY_SECRET") {
            Some(_) if private_key.is_some() => {
                return Err("TOKEN_SIGNING_KEY and TOKEN_SIGNING_KEY_SECRET are both set: give one".into())
            }
            secret_id => secret_id.map(|secret_id| SigningKeySecret { secrets_manager, secret_id }),
        };
        let access_tokens = AccessTokens::verifier::<SIGNS>(
            &public_keys,
            &or("TOKEN_ISSUER", "wasm-chat"),
            &or("TOKEN_AUDIENCE", "wasm-chat-api"),
            number("ACCESS_TOKEN_TTL_SECONDS", 900)?,
        )?;
        if let Some(pem) = private_key.as_deref().filter(|_| SIGNS) {
            access_tokens.hold_signing_key(pem)?;
        }
        if !is_loopback(&endpoint) {
            if access_tokens.thumbprints().iter().any(|t| t == LOCAL_KEY_THUMBPRINT) {
                return Err("the token keys include the local development key; generate real ones \
                            (scripts/token-keys.py)"
                    .into());
            }
            // The gateway's JWT authorizer fetches `<issuer>/.well-known/openid-configuration`.
            if !access_tokens.issuer.starts_with("https://") {
                return Err("TOKEN_ISSUER must be the API's https URL outside local runs".into());
            }
        }
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
            forgot_per_address: number("FORGOT_PER_ADDRESS", defaults.forgot_per_address)?,
            forgot_per_email: number("FORGOT_PER_EMAIL", defaults.forgot_per_email)?,
            resend_per_account: number("RESEND_PER_ACCOUNT", defaults.resend_per_account)?,
        };
        let flag = |name: &str| -> Result<bool, String> {
            match get(name).map(|v| v.trim().to_ascii_lowercase()) {
                None => Ok(false),
                Some(v) if v == "true" || v == "1" => Ok(true),
                Some(v) if v == "false" || v == "0" => Ok(false),
                Some(v) => Err(format!("{name} must be true or false, not {v:?}")),
            }
        };
        let mail = (|| -> Result<MailConfig, String> {
            let app_base_url = get("APP_BASE_URL").ok_or("APP_BASE_URL is not set")?;
            if !(app_base_url.starts_with("https://") || app_base_url.starts_with("http://")) {
                return Err(format!("APP_BASE_URL must be an http(s) URL, not {app_base_url:?}"));
            }
            Ok(MailConfig {
                ses: Ses {
                    endpoint: get("AWS_ENDPOINT_URL_SES")
                        .or_else(|| get("AWS_ENDPOINT_URL"))
                        .unwrap_or_else(|| format!("https://email.{region}.amazonaws.com")),
                    region: region.clone(),
                    credentials: credentials.clone(),
                },
                from: get("MAIL_FROM").ok_or("MAIL_FROM is not set")?,
                app_base_url: app_base_url.trim_end_matches('/').to_owned(),
                timeout: Duration::from_millis(number("MAIL_TIMEOUT_MS", 5000)?),
            })
        })();
        let chat = (|| -> Result<ChatConfig, String> {
            let format_raw = or("MODEL_PAYLOAD_FORMAT", "messages");
            let temperature_raw = or("MODEL_TEMPERATURE", "0.7");
            Ok(ChatConfig {
                sagemaker: SageMakerRuntime {
                    base_url: get("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME")
                        .or_else(|| get("AWS_ENDPOINT_URL"))
                        .unwrap_or_else(|| format!("https://runtime.sagemaker.{region}.amazonaws.com")),
                    region: region.clone(),
                    credentials: credentials.clone(),
                    endpoint_name: get("SAGEMAKER_ENDPOINT_NAME")
                        .ok_or("SAGEMAKER_ENDPOINT_NAME is not set")?,
                },
                format: PayloadFormat::parse(&format_raw)
                    .ok_or(format!("MODEL_PAYLOAD_FORMAT must be messages or tgi, not {format_raw:?}"))?,
                params: ModelParams {
                    max_new_tokens: number("MODEL_MAX_NEW_TOKENS", 256)? as u32,
                    temperature: parse_f32(&temperature_raw)
                        .filter(|t: &f32| (0.0..=2.0).contains(t))
                        .ok_or(format!(
                            "MODEL_TEMPERATURE must be between 0 and 2, not {temperature_raw:?}"
                        ))?,
                },
                system_prompt: Some(or("MODEL_SYSTEM_PROMPT", "You are a helpful assistant."))
                    .filter(|p| p != "none"),
                timeout: Duration::from_millis(number("MODEL_TIMEOUT_MS", 30_000)?),
                history_turns: number("CHAT_HISTORY_TURNS", 10)? as u32,
                history_chars: number("CHAT_HISTORY_CHARS", 6_000)? as usize,
                max_message_chars: number("CHAT_MAX_MESSAGE_CHARS", 4_000)? as usize,
                table: or("CONVERSATIONS_TABLE", "conversations"),
                max_input_tokens: number("MODEL_MAX_INPUT_TOKENS", 4096)?,
                max_total_tokens: number("MODEL_MAX_TOTAL_TOKENS", 6144)?,
                daily: crate::usage::DailyLimits {
                    messages: number("CHAT_DAILY_MESSAGES", 200)?,
                    tokens: number("CHAT_DAILY_TOKENS", 200_000)?,
                },
            })
        })();
        Ok(Config {
            chat,
            mail,
            tokens_table: or("TOKENS_TABLE", "tokens"),
            conversations_table: or("CONVERSATIONS_TABLE", "conversations"),
            require_verified_email: flag("REQUIRE_VERIFIED_EMAIL")?,
            verify_token_ttl_seconds: number("VERIFY_TOKEN_TTL_SECONDS", 24 * 3600)?,
            reset_token_ttl_seconds: number("RESET_TOKEN_TTL_SECONDS", 30 * 60)?,
            forgot_min_duration: Duration::from_millis(number("FORGOT_MIN_MS", 400)?),
            dynamodb: DynamoDb { endpoint, region, credentials },
            dynamodb_timeout: Duration::from_millis(number("DYNAMODB_TIMEOUT_MS", 3000)?),
            users_table: or("USERS_TABLE", "users"),
            sessions_table: or("SESSIONS_TABLE", "sessions"),
            throttle_table: or("THROTTLE_TABLE", "throttle"),
            access_tokens,
            signing_key_secret,
            refresh_ttl_seconds: number("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)?,
            throttle,
            client_address: match or("CLIENT_IP_SOURCE", "peer").as_str() {
                "peer" => ClientAddressRule::Peer,
                "forwarded" => ClientAddressRule::Forwarded {
                    header: or("CLIENT_IP_HEADER", "x-forwarded-for").to_ascii_lowercase(),
                    hops: number("CLIENT_IP_HOPS", 1)?.max(1) as usize,
                },
                "lambda" => ClientAddressRule::LambdaContext,
                other => {
                    return Err(format!("CLIENT_IP_SOURCE must be peer, forwarded or lambda, not {other:?}"))
                }
            },
            cors_allowed_origins: get("CORS_ALLOWED_ORIGINS")
                .map(|v| v.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
        })
    }

    /// What stops `component` from serving with this configuration: only login signs access
    /// tokens, so only login needs (and is given) the private key, or the secret that holds it.
    pub fn problem_for(&self, component: &str) -> Option<String> {
        (component == "login"
            && self.access_tokens.signing_kid().is_none()
            && self.signing_key_secret.is_none())
        .then(|| {
            "neither TOKEN_SIGNING_KEY nor TOKEN_SIGNING_KEY_SECRET is set: the login component signs \
                 the access tokens"
                .to_owned()
        })
    }

    /// [`Config::from_vars_for`] on the process environment.
    pub fn from_env_for<const SIGNS: bool>() -> Result<Config, String> {
        Config::from_vars_for::<SIGNS>(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(crate) fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        use crate::tokens::tests::{jwks_of, KEY_A};
        let jwks = jwks_of(&[KEY_A]);
        let mut map: HashMap<String, String> = [
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("TOKEN_PUBLIC_KEYS", jwks.as_str()),
            ("TOKEN_SIGNING_KEY", KEY_A),
            ("TOKEN_ISSUER", "https://api.example"),
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
    fn token_keys_must_be_set_valid_and_not_the_local_ones_in_aws() {
        use crate::tokens::tests::{jwks_of, KEY_A, KEY_B};
        let dev = [("TOKEN_PUBLIC_KEYS", LOCAL_PUBLIC_KEYS), ("TOKEN_SIGNING_KEY", LOCAL_SIGNING_KEY)];
        let local = [dev[0], dev[1], ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")];
        let missing = Config::from_vars(vars(&[("TOKEN_PUBLIC_KEYS", "")])).unwrap_err();
        assert!(missing.contains("TOKEN_PUBLIC_KEYS"));
        let garbage = Config::from_vars(vars(&[("TOKEN_SIGNING_KEY", "short")])).unwrap_err();
        assert!(garbage.contains("PKCS#8"));
        // the development pair: fine on loopback, refused anywhere else, even without its private half
        let local_in_aws = Config::from_vars(vars(&dev)).unwrap_err();
        assert!(local_in_aws.contains("local development key"), "{local_in_aws}");
        let public_only = Config::from_vars(vars(&[dev[0], ("TOKEN_SIGNING_KEY", "")])).unwrap_err();
        assert!(public_only.contains("local development key"));
        assert!(Config::from_vars(vars(&local)).is_ok());
        // real keys in AWS, with an https issuer
        let jwks = jwks_of(&[KEY_A, KEY_B]);
        let real = [("TOKEN_PUBLIC_KEYS", jwks.as_str()), ("TOKEN_SIGNING_KEY", KEY_B)];
        let c = Config::from_vars(vars(&real)).unwrap();
        assert_eq!(c.access_tokens.kids().len(), 2);
        assert_eq!(c.problem_for("login"), None);
        let http_issuer = Config::from_vars(vars(&[real[0], real[1], ("TOKEN_ISSUER", "wasm-chat")]));
        assert!(http_issuer.unwrap_err().contains("https"));
        // register and chat get the public keys only; login without its private key refuses to serve
        let verifier = Config::from_vars(vars(&[real[0], ("TOKEN_SIGNING_KEY", "")])).unwrap();
        assert_eq!(verifier.problem_for("register"), None);
        assert_eq!(verifier.problem_for("chat"), None);
        assert!(verifier.problem_for("login").unwrap().contains("TOKEN_SIGNING_KEY"));
        // in AWS, login names the secret instead: it serves, and reads the key when it first signs
        let secret = ("TOKEN_SIGNING_KEY_SECRET", "wasm-chat/token-signing-key");
        let login = Config::from_vars(vars(&[real[0], ("TOKEN_SIGNING_KEY", ""), secret])).unwrap();
        assert_eq!(login.problem_for("login"), None);
        let from = login.signing_key_secret.as_ref().unwrap();
        assert_eq!(from.secret_id, "wasm-chat/token-signing-key");
        assert_eq!(from.secrets_manager.endpoint, "https://secretsmanager.us-east-1.amazonaws.com");
        let both = Config::from_vars(vars(&[real[0], real[1], secret])).unwrap_err();
        assert!(both.contains("both set"), "{both}");
        let local_sm = [
            real[0],
            ("TOKEN_SIGNING_KEY", ""),
            secret,
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:4566"),
        ];
        let c = Config::from_vars(vars(&local_sm)).unwrap();
        assert_eq!(c.signing_key_secret.unwrap().secrets_manager.endpoint, "http://127.0.0.1:4566");
    }

    #[test]
    fn components_that_do_not_sign_ignore_the_private_key() {
        let garbage = [("TOKEN_SIGNING_KEY", "short")];
        assert!(Config::from_vars(vars(&garbage)).is_err());
        let c = Config::from_vars_for::<false>(vars(&garbage)).unwrap();
        assert_eq!(c.access_tokens.signing_kid(), None);
        assert!(Config::from_vars_for::<false>(vars(&[])).unwrap().access_tokens.signing_kid().is_none());
        assert!(Config::from_vars_for::<true>(vars(&[])).unwrap().access_tokens.signing_kid().is_some());
    }

    #[test]
    fn the_local_key_constants_agree() {
        let c = Config::from_vars(vars(&[
            ("TOKEN_PUBLIC_KEYS", LOCAL_PUBLIC_KEYS),
            ("TOKEN_SIGNING_KEY", LOCAL_SIGNING_KEY),
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
        ]))
        .unwrap();
        assert_eq!(c.access_tokens.thumbprints(), [LOCAL_KEY_THUMBPRINT]);
        assert_eq!(c.access_tokens.signing_kid().as_deref(), Some(LOCAL_KEY_THUMBPRINT));
    }

    #[test]
    fn chat_settings() {
        let c = Config::from_vars(vars(&[])).unwrap();
        assert!(c.chat.unwrap_err().contains("SAGEMAKER_ENDPOINT_NAME"));
        let c =
            Config::from_vars(vars(&[("SAGEMAKER_ENDPOINT_NAME", "llm"), ("AWS_REGION", "eu-central-1")]))
                .unwrap()
                .chat
                .unwrap();
        assert_eq!(c.sagemaker.base_url, "https://runtime.sagemaker.eu-central-1.amazonaws.com");
        assert_eq!(c.format, PayloadFormat::Messages);
        assert_eq!(c.params.max_new_tokens, 256);
        assert_eq!(c.input_budget(), 4096);
        assert_eq!(c.daily, crate::usage::DailyLimits { messages: 200, tokens: 200_000 });
        let small = Config::from_vars(vars(&[
            ("SAGEMAKER_ENDPOINT_NAME", "llm"),
            ("MODEL_MAX_INPUT_TOKENS", "1536"),
            ("MODEL_MAX_TOTAL_TOKENS", "2048"),
            ("MODEL_MAX_NEW_TOKENS", "600"),
        ]))
        .unwrap()
        .chat
        .unwrap();
        assert_eq!(small.input_budget(), 1448, "input + max_new_tokens stays within the total");
        let bad =
            Config::from_vars(vars(&[("SAGEMAKER_ENDPOINT_NAME", "llm"), ("MODEL_TEMPERATURE", "hot")]));
        assert!(bad.unwrap().chat.is_err());
    }

    #[test]
    fn mail_settings() {
        let c = Config::from_vars(vars(&[("AWS_REGION", "eu-west-1")])).unwrap();
        assert!(c.mail.unwrap_err().contains("APP_BASE_URL"));
        assert!(!c.require_verified_email);
        assert_eq!(c.reset_token_ttl_seconds, 1800);
        let c = Config::from_vars(vars(&[
            ("AWS_REGION", "eu-west-1"),
            ("APP_BASE_URL", "https://app.example/"),
            ("MAIL_FROM", "no-reply@app.example"),
            ("REQUIRE_VERIFIED_EMAIL", "true"),
        ]))
        .unwrap();
        assert!(c.require_verified_email);
        let mail = c.mail.unwrap();
        assert_eq!(mail.ses.endpoint, "https://email.eu-west-1.amazonaws.com");
        assert_eq!(mail.app_base_url, "https://app.example");
        let local = Config::from_vars(vars(&[
            ("APP_BASE_URL", "http://127.0.0.1:3000"),
            ("MAIL_FROM", "a@b.example"),
            ("AWS_ENDPOINT_URL_SES", "http://127.0.0.1:8005"),
        ]))
        .unwrap();
        assert_eq!(local.mail.unwrap().ses.endpoint, "http://127.0.0.1:8005");
        assert!(Config::from_vars(vars(&[("REQUIRE_VERIFIED_EMAIL", "maybe")])).is_err());
    }

    #[test]
    fn parse_f32_reads_as_from_str_does() {
        let same = |s: &str| {
            let std = s.parse::<f32>().ok().filter(|v| v.is_finite());
            assert_eq!(parse_f32(s).map(f32::to_bits), std.map(f32::to_bits), "{s:?}");
        };
        for s in [
            "0",
            "0.0",
            "0.7",
            "1",
            "2",
            "2.0",
            "2.0000001",
            "-0",
            "-0.0",
            "+0.5",
            ".5",
            "5.",
            "00.7",
            "1e0",
            "7e-1",
            "0.7E0",
            "7E-1",
            "1e-50",
            "1e50",
            "1e-4",
            "inf",
            "-inf",
            "nan",
            "NaN",
            "infinity",
            "abc",
            "",
            ".",
            "+",
            "-",
            " 0.7",
            "0.7 ",
            "1_0",
            "0x1",
            "1e",
            "1e+",
            "1e-",
            "e1",
            "1.2.3",
            "--1",
            "+-1",
            "0.70000001",
            "1.99999999",
            "0.000001",
            "3.4028235e38",
            "1.17549435e-38",
        ] {
            same(s);
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u32 {
            same(&format!("{}.{:04}", i / 10_000, i % 10_000));
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            same(&format!("{}.{:08}", x % 3, (x >> 8) % 100_000_000));
            same(&format!("{}e-{}", x % 1_000_000_000, (x >> 40) % 12));
        }
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert!(Config::from_vars(vars(&[("THROTTLE_WINDOW_SECONDS", "soon")])).is_err());
    }
}
