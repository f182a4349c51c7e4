use std::fmt;

/// A user's stable identifier: a random UUID v4, independent of the (changeable) email.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(uuid::Uuid);

impl UserId {
    pub fn random() -> UserId {
        UserId(uuid::Uuid::new_v4())
    }

    pub fn parse(raw: &str) -> Option<UserId> {
        uuid::Uuid::parse_str(raw).ok().map(UserId)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}
