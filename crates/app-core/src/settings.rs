//! Every setting the components read, by name: the one list. `Config::from_vars` reads nothing
//! else (checked below), and tests/api/infrastructure.rs checks spin.toml, the Lambda entrypoint,
//! the AWS template and the README's configuration table against it, so a setting cannot be
//! silently dropped on the way to a component.

pub const SETTINGS: &[&str] = &[
    // AWS: region, credentials, endpoints
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
    "AWS_ENDPOINT_URL_SES",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    // DynamoDB
    "USERS_TABLE",
    "SESSIONS_TABLE",
    "THROTTLE_TABLE",
    "CONVERSATIONS_TABLE",
    "DYNAMODB_TIMEOUT_MS",
    // Tokens
    "TOKEN_SIGNING_KEY",
    "TOKEN_SIGNING_KEY_SECRET",
    "TOKEN_PUBLIC_KEYS",
    "TOKEN_ISSUER",
    "TOKEN_AUDIENCE",
    "ACCESS_TOKEN_TTL_SECONDS",
    "REFRESH_TOKEN_TTL_SECONDS",
    // Throttling and the client address
    "THROTTLE_WINDOW_SECONDS",
    "LOGIN_SLOWDOWN_AFTER",
    "LOGIN_BLOCK_AFTER",
    "ADDRESS_BLOCK_AFTER",
    "REGISTRATIONS_PER_ADDRESS",
    "CLIENT_IP_SOURCE",
    "CLIENT_IP_HEADER",
    "CLIENT_IP_HOPS",
    "CORS_ALLOWED_ORIGINS",
    // Chat and the model
    "SAGEMAKER_ENDPOINT_NAME",
    "MODEL_PAYLOAD_FORMAT",
    "MODEL_MAX_NEW_TOKENS",
    "MODEL_TEMPERATURE",
    "MODEL_SYSTEM_PROMPT",
    "MODEL_TIMEOUT_MS",
    "CHAT_HISTORY_TURNS",
    "CHAT_HISTORY_CHARS",
    "CHAT_MAX_MESSAGE_CHARS",
    // Mail, verification, password reset
    "TOKENS_TABLE",
    "MAIL_FROM",
    "APP_BASE_URL",
    "MAIL_TIMEOUT_MS",
    "REQUIRE_VERIFIED_EMAIL",
    "VERIFY_TOKEN_TTL_SECONDS",
    "RESET_TOKEN_TTL_SECONDS",
    "FORGOT_MIN_MS",
    "FORGOT_PER_ADDRESS",
    "FORGOT_PER_EMAIL",
    "RESEND_PER_ACCOUNT",
    "MODEL_MAX_INPUT_TOKENS",
    "MODEL_MAX_TOTAL_TOKENS",
    "CHAT_DAILY_MESSAGES",
    "CHAT_DAILY_TOKENS",
];

pub fn is_setting(name: &str) -> bool {
    SETTINGS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    /// With every setting given a usable value, the configuration reads exactly the list.
    #[test]
    fn the_configuration_reads_exactly_the_listed_settings() {
        let read = RefCell::new(BTreeSet::new());
        let value = |name: &str| -> Option<String> {
            read.borrow_mut().insert(name.to_owned());
            Some(
                match name {
                    "CLIENT_IP_SOURCE" => "forwarded",
                    "MODEL_PAYLOAD_FORMAT" => "messages",
                    "MODEL_TEMPERATURE" => "0.5",
                    "TOKEN_SIGNING_KEY" => crate::config::LOCAL_SIGNING_KEY,
                    "TOKEN_SIGNING_KEY_SECRET" => "", // read, but one of the two is given
                    "TOKEN_PUBLIC_KEYS" => crate::config::LOCAL_PUBLIC_KEYS,
                    "REQUIRE_VERIFIED_EMAIL" => "true",
                    "APP_BASE_URL" => "https://app.example",
                    n if n.starts_with("AWS_ENDPOINT_URL") => "http://127.0.0.1:1",
                    n if n.ends_with("_MS") || n.ends_with("_SECONDS") || n.ends_with("_AFTER") => "5",
                    n if n.ends_with("_HOPS") || n.ends_with("_TURNS") || n.ends_with("_CHARS") => "5",
                    "MODEL_MAX_NEW_TOKENS" | "REGISTRATIONS_PER_ADDRESS" => "5",
                    "FORGOT_PER_ADDRESS" | "FORGOT_PER_EMAIL" | "RESEND_PER_ACCOUNT" => "5",
                    n if n.ends_with("_TOKENS") || n.ends_with("_MESSAGES") => "5000",
                    _ => "x",
                }
                .to_owned(),
            )
        };
        let config = Config::from_vars(value).expect("every setting set");
        assert!(config.chat.is_ok(), "{:?}", config.chat);
        assert!(config.mail.is_ok(), "{:?}", config.mail);
        let read = read.into_inner();
        let listed: BTreeSet<String> = SETTINGS.iter().map(|s| s.to_string()).collect();
        let unlisted: Vec<_> = read.difference(&listed).collect();
        let unread: Vec<_> = listed.difference(&read).filter(|n| !FALLBACKS.contains(&n.as_str())).collect();
        assert!(unlisted.is_empty(), "read but not in settings::SETTINGS: {unlisted:?}");
        assert!(unread.is_empty(), "listed but never read: {unread:?}");
        assert_eq!(SETTINGS.len(), listed.len(), "a setting is listed twice");
    }

    /// Read only when the preferred name is unset.
    const FALLBACKS: &[&str] = &["AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"];

    #[test]
    fn fallbacks_are_read_when_the_preferred_name_is_unset() {
        let read = RefCell::new(BTreeSet::new());
        use crate::tokens::tests::{jwks_of, KEY_A};
        let jwks = jwks_of(&[KEY_A]);
        let value = |name: &str| -> Option<String> {
            read.borrow_mut().insert(name.to_owned());
            match name {
                "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => Some("x".into()),
                "TOKEN_SIGNING_KEY" => Some(KEY_A.into()),
                "TOKEN_PUBLIC_KEYS" => Some(jwks.clone()),
                "TOKEN_ISSUER" => Some("https://api.example".into()),
                _ => None,
            }
        };
        Config::from_vars(value).unwrap();
        for name in FALLBACKS {
            assert!(read.borrow().contains(*name), "{name}");
        }
    }
}
