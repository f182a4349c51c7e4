use std::fmt;

/// An email address in canonical form: trimmed and lower-cased, so that two spellings of one
/// mailbox name one account. Only [`Email::parse`] builds one.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email is empty")]
    Empty,
    #[error("email is longer than {max} characters")]
    TooLong { max: usize },
    #[error("email must contain exactly one '@' with text on both sides")]
    BadShape,
    #[error("the part before '@' is longer than 64 characters")]
    LocalPartTooLong,
    #[error("email contains whitespace or control characters")]
    BadCharacter,
    #[error("the part before '@' may hold letters, digits, dots (not first, last or doubled) and !#$%&'*+-/=?^_`{{|}}~")]
    BadLocalPart,
    #[error("the domain part is not a valid domain name")]
    BadDomain,
}

impl Email {
    /// RFC 5321 path limit.
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(EmailError::TooLong { max: Self::MAX_LEN });
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::BadCharacter);
        }
        let canonical = trimmed.to_lowercase();
        let (local, domain) = match canonical.split_once('@') {
            Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@') => (l, d),
            _ => return Err(EmailError::BadShape),
        };
        if local.chars().count() > 64 {
            return Err(EmailError::LocalPartTooLong);
        }
        if !is_local_part(local) {
            return Err(EmailError::BadLocalPart);
        }
        if !is_domain(domain) {
            return Err(EmailError::BadDomain);
        }
        Ok(Email(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RFC 5322 dot-atom (with Unicode letters, RFC 6531); quoted local parts are not accepted.
fn is_local_part(local: &str) -> bool {
    !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
}

fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_is_trimmed_and_lowercase() {
        let e = Email::parse("  Alice.Smith@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "alice.smith@example.com");
        assert_eq!(e, Email::parse("alice.smith@example.com").unwrap());
    }

    #[test]
    fn refuses_bad_shapes() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        assert_eq!(Email::parse("no-at-sign"), Err(EmailError::BadShape));
        assert_eq!(Email::parse("@example.com"), Err(EmailError::BadShape));
        assert_eq!(Email::parse("a@"), Err(EmailError::BadShape));
        assert_eq!(Email::parse("a@b@c.com"), Err(EmailError::BadShape));
        assert_eq!(Email::parse("a b@c.com"), Err(EmailError::BadCharacter));
        assert_eq!(Email::parse("a@localhost"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("<script>@x.com"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse(".a@x.com"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse("a..b@x.com"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse("\"quoted\"@x.com"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse("a@-x.com"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@x..com"), Err(EmailError::BadDomain));
    }

    #[test]
    fn refuses_overlong() {
        let local = "a".repeat(65);
        assert_eq!(Email::parse(&format!("{local}@example.com")), Err(EmailError::LocalPartTooLong));
        let long = format!("a@{}.com", "b".repeat(260));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong { max: 254 }));
    }

    #[test]
    fn accepts_unicode_domains_and_plus_tags() {
        assert!(Email::parse("josé+chat@exämple.de").is_ok());
    }
}
