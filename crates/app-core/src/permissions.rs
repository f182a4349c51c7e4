//! What each component may do in AWS, declared once. `Services::dynamodb` refuses any call that is
//! not declared here for the component making it (so the end-to-end tests fail on an undeclared
//! call), and the infrastructure test checks that each function's IAM policy grants exactly this.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Users,
    Sessions,
    Throttle,
    Conversations,
    Tokens,
}

/// One IAM action on one table (or one of its indexes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Access {
    pub table: Table,
    pub index: Option<&'static str>,
    /// The IAM action without its `dynamodb:` prefix.
    pub action: &'static str,
}

const fn on(table: Table, action: &'static str) -> Access {
    Access { table, index: None, action }
}

/// register: `POST /register`, `GET /me`, `DELETE /me`, `POST /me/password`, `POST /email/verify`,
/// `POST /email/verify/resend`, `POST /password/forgot`, `POST /password/reset`.
pub const REGISTER: &[Access] = &[
    on(Table::Users, "GetItem"),
    on(Table::Users, "PutItem"),
    on(Table::Users, "DeleteItem"),
    on(Table::Users, "UpdateItem"),
    on(Table::Throttle, "UpdateItem"),
    on(Table::Throttle, "DeleteItem"),
    Access { table: Table::Sessions, index: Some("by_user"), action: "Query" },
    on(Table::Sessions, "DeleteItem"),
    on(Table::Tokens, "PutItem"),
    on(Table::Tokens, "GetItem"),
    on(Table::Tokens, "DeleteItem"),
    Access { table: Table::Tokens, index: Some("by_user"), action: "Query" },
    // Deleting an account deletes its conversations (all pages).
    on(Table::Conversations, "Query"),
    on(Table::Conversations, "BatchWriteItem"),
];

/// SES actions of the register component (the only one that sends mail), on the sender identity.
pub const REGISTER_SES: &[&str] = &[crate::aws::ses::Ses::ACTION];

/// login: `POST /login`, `POST /token/refresh`, `POST /logout`.
pub const LOGIN: &[Access] = &[
    on(Table::Users, "GetItem"),
    on(Table::Throttle, "UpdateItem"),
    on(Table::Sessions, "GetItem"),
    on(Table::Sessions, "PutItem"),
    on(Table::Sessions, "UpdateItem"),
];

/// Secrets Manager actions of the login component, on the signing key's secret only (it reads the
/// access tokens' private key; nobody else may).
pub const LOGIN_SECRETS: &[&str] = &["GetSecretValue"];

/// chat: `POST /chat`, `GET /conversations`, `GET|PATCH|DELETE /conversations/{id}`, `GET /usage`.
pub const CHAT: &[Access] = &[
    on(Table::Conversations, "GetItem"),
    on(Table::Conversations, "Query"),
    // TransactWriteItems is authorised as its parts.
    on(Table::Conversations, "PutItem"),
    on(Table::Conversations, "UpdateItem"),
    // A turn is stored only while the caller's access token is current (same transaction), and
    // when that check fails the user is read once to tell why.
    on(Table::Users, "ConditionCheckItem"),
    on(Table::Users, "GetItem"),
    // DELETE /conversations/{id}: the summary, then the turns in batches.
    on(Table::Conversations, "DeleteItem"),
    on(Table::Conversations, "BatchWriteItem"),
    // Daily quotas (app_core::usage): admitted and corrected with UpdateItem, shown with GetItem.
    on(Table::Throttle, "UpdateItem"),
    on(Table::Throttle, "GetItem"),
];

/// SageMaker Runtime actions of the chat component, on its one endpoint.
pub const CHAT_SAGEMAKER: &[&str] = &["InvokeEndpoint", "InvokeEndpointWithResponseStream"];

/// The accesses a DynamoDB request makes, as IAM sees them: (table name, index, action).
pub fn accesses(operation: &str, body: &Value) -> Vec<(String, Option<String>, String)> {
    let name = |v: &Value| v["TableName"].as_str().unwrap_or_default().to_owned();
    match operation {
        "BatchGetItem" | "BatchWriteItem" => body["RequestItems"]
            .as_object()
            .map(|items| items.keys().map(|t| (t.clone(), None, operation.to_owned())).collect())
            .unwrap_or_default(),
        "TransactWriteItems" | "TransactGetItems" => body["TransactItems"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        let (kind, inner) = item.as_object()?.iter().next()?;
                        let action = match kind.as_str() {
                            "Put" => "PutItem",
                            "Update" => "UpdateItem",
                            "Delete" => "DeleteItem",
                            "ConditionCheck" => "ConditionCheckItem",
                            "Get" => "GetItem",
                            _ => return None,
                        };
                        Some((name(inner), None, action.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => vec![(name(body), body["IndexName"].as_str().map(str::to_owned), operation.to_owned())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn transactions_are_split_into_their_actions() {
        let body = json!({"TransactItems": [{"Put": {"TableName": "c"}}, {"Update": {"TableName": "c"}}]});
        assert_eq!(
            accesses("TransactWriteItems", &body),
            vec![("c".into(), None, "PutItem".into()), ("c".into(), None, "UpdateItem".into())]
        );
        let q = json!({"TableName": "s", "IndexName": "by_user"});
        assert_eq!(accesses("Query", &q), vec![("s".into(), Some("by_user".into()), "Query".into())]);
        let b = json!({"RequestItems": {"t": {"Keys": []}}});
        assert_eq!(accesses("BatchGetItem", &b), vec![("t".into(), None, "BatchGetItem".into())]);
    }
}
