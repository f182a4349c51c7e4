//! Configuration from environment variables, with AWS's own names, so the same component runs
//! under Spin (`environment`, `spin up --env`) and wasmtime (`--env`).

use crate::aws::dynamodb::DynamoDb;
use crate::aws::Credentials;

#[derive(Debug, Clone)]
pub struct Config {
    pub dynamodb: DynamoDb,
    pub users_table: String,
}

impl Config {
    /// Reads the configuration through `var` (normally `std::env::var`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let region = non_empty("AWS_REGION")
            .or_else(|| non_empty("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let credentials = Credentials {
            access_key_id: non_empty("AWS_ACCESS_KEY_ID").ok_or("AWS_ACCESS_KEY_ID is not set")?,
            secret_access_key: non_empty("AWS_SECRET_ACCESS_KEY")
                .ok_or("AWS_SECRET_ACCESS_KEY is not set")?,
            session_token: non_empty("AWS_SESSION_TOKEN"),
        };
        let endpoint = non_empty("AWS_ENDPOINT_URL_DYNAMODB")
            .or_else(|| non_empty("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| format!("https://dynamodb.{region}.amazonaws.com"));
        Ok(Config {
            dynamodb: DynamoDb {
                endpoint,
                region,
                credentials,
            },
            users_table: non_empty("USERS_TABLE").unwrap_or_else(|| "users".to_owned()),
        })
    }

    pub fn from_env() -> Result<Config, String> {
        Config::from_vars(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn aws_defaults_follow_the_region() {
        let c = Config::from_vars(vars(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ]))
        .unwrap();
        assert_eq!(
            c.dynamodb.endpoint,
            "https://dynamodb.eu-west-1.amazonaws.com"
        );
        assert_eq!(c.users_table, "users");
        assert_eq!(c.dynamodb.credentials.session_token, None);
    }

    #[test]
    fn endpoint_override_and_missing_credentials() {
        let c = Config::from_vars(vars(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
            ("USERS_TABLE", "t"),
        ]))
        .unwrap();
        assert_eq!(c.dynamodb.endpoint, "http://127.0.0.1:8000");
        assert_eq!(c.dynamodb.region, "us-east-1");
        assert_eq!(c.users_table, "t");
        assert!(Config::from_vars(vars(&[("AWS_ACCESS_KEY_ID", "x")])).is_err());
    }
}
