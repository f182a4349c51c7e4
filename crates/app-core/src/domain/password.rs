use argon2::password_hash::{rand_core::OsRng, PasswordHash as PhcString, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use std::fmt;

/// A candidate password. Its text never appears in `Debug` output; only [`Password::parse`]
/// builds one.
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least {min} characters")]
    TooShort { min: usize },
    #[error("password must be at most {max} characters")]
    TooLong { max: usize },
    #[error("password is among the most commonly used passwords; choose another")]
    TooCommon,
}

/// The common-password list (see data/README.md), sorted, front-coded by build.rs: each entry is
/// a byte below 0x20 (how many leading bytes it shares with the one before) and the rest of it.
const COMMON_PASSWORDS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/common-passwords.fc"));

fn is_common(candidate: &str) -> bool {
    let candidate = candidate.to_lowercase();
    let candidate = candidate.as_bytes();
    // One pass over the 11,611 entries (~57 KiB, no allocation): nothing beside an argon2 hash.
    let mut word = Vec::with_capacity(32);
    let mut rest = COMMON_PASSWORDS;
    while let Some((&shared, tail)) = rest.split_first() {
        let end = tail.iter().position(|&b| b < 0x20).unwrap_or(tail.len());
        word.truncate(usize::from(shared));
        word.extend_from_slice(&tail[..end]);
        rest = &tail[end..];
        match word.as_slice().cmp(candidate) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Greater => return false, // sorted: it is not further on
        }
    }
    false
}

impl Password {
    /// OWASP ASVS 5 V6.2.1 minimum (see README, "Password rule").
    pub const MIN_CHARS: usize = 8;
    /// Long enough for passphrases and password managers (ASVS asks for at least 64); bounded so
    /// the hashing cost of a request is bounded. Longer passwords are refused, never truncated.
    pub const MAX_CHARS: usize = 128;

    /// A new password: 8 to 128 characters (Unicode scalar values, any script), no composition
    /// rules, and not one of the common passwords.
    pub fn parse(raw: &str) -> Result<Password, PasswordError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(PasswordError::TooShort { min: Self::MIN_CHARS });
        }
        if n > Self::MAX_CHARS {
            return Err(PasswordError::TooLong { max: Self::MAX_CHARS });
        }
        if is_common(raw) {
            return Err(PasswordError::TooCommon);
        }
        Ok(Password(raw.to_owned()))
    }

    /// A password typed at login: only bounded in length (the policy of the day applies to new
    /// passwords, not to existing accounts).
    pub fn parse_candidate(raw: &str) -> Result<Password, PasswordError> {
        if raw.is_empty() {
            return Err(PasswordError::TooShort { min: 1 });
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(PasswordError::TooLong { max: Self::MAX_CHARS });
        }
        Ok(Password(raw.to_owned()))
    }

    fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An argon2id hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_stored(phc: String) -> PasswordHash {
        PasswordHash(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hashes and verifies passwords with argon2id at OWASP's recommended minimum
/// (m = 19456 KiB, t = 2, p = 1).
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    dummy: PasswordHash,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordHasher {
    pub const MEMORY_KIB: u32 = 19_456;
    pub const ITERATIONS: u32 = 2;
    pub const PARALLELISM: u32 = 1;
    /// A hash with the same parameters as real ones, of a password nobody has, so that a login
    /// for an unknown email costs the same time as one for a known email.
    const DUMMY_PHC: &'static str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Shj6zR8a1rGr3OajvRXEvzLVuMHSVRD4ZVJrlrKr2zU";

    pub fn new() -> PasswordHasher {
        let params = Params::new(Self::MEMORY_KIB, Self::ITERATIONS, Self::PARALLELISM, None)
            .expect("argon2 parameters are valid");
        PasswordHasher {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            dummy: PasswordHash(Self::DUMMY_PHC.to_owned()),
        }
    }

    pub fn hash(&self, password: &Password) -> Result<PasswordHash, password_hash::Error> {
        let salt = SaltString::generate(&mut OsRng);
        let phc = self.argon2.hash_password(password.expose(), &salt)?;
        Ok(PasswordHash(phc.to_string()))
    }

    /// Verifies `password` against `stored`, or against the dummy hash when there is no stored
    /// hash (unknown user), so both paths take the same time. Returns true only for a real match.
    pub fn verify(&self, password: &Password, stored: Option<&PasswordHash>) -> bool {
        let target = stored.unwrap_or(&self.dummy);
        let matched = match PhcString::new(target.as_str()) {
            Ok(phc) => self.argon2.verify_password(password.expose(), &phc).is_ok(),
            Err(_) => false,
        };
        matched && stored.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert_eq!(Password::parse("short").unwrap_err(), PasswordError::TooShort { min: 8 });
        assert!(Password::parse("eight ch").is_ok());
        assert!(Password::parse("seven c").is_err());
        // Unicode counts characters, not bytes.
        assert!(Password::parse("ééééééé").is_err());
        assert!(Password::parse("éééééééé").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn the_front_coded_list_holds_exactly_the_list() {
        let list = include_str!("../../data/common-passwords.txt");
        let words: Vec<&str> = list.lines().collect();
        assert_eq!(words.len(), 11_611);
        assert!(words.iter().all(|w| is_common(w)));
        // Just before, between and after the entries (a sample): nothing else is in the list.
        for (i, w) in words.iter().enumerate().step_by(7) {
            for near in [format!("{w}\u{0}"), format!("{w}~"), w[..w.len() - 1].to_owned()] {
                assert_eq!(is_common(&near), words.binary_search(&near.as_str()).is_ok(), "{near:?} ({i})");
            }
        }
        assert!(!is_common("") && !is_common("~~~~~~~~~~") && !is_common("!!!!!!!!"));
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for p in ["password", "Password", "12345678", "iloveyou", "qwertyuiop", "trustno1"] {
            assert_eq!(Password::parse(p).unwrap_err(), PasswordError::TooCommon, "{p}");
        }
        assert!(Password::parse("purple monkey dishwasher").is_ok());
        // Existing accounts can still log in with whatever they chose before.
        assert!(Password::parse_candidate("password").is_ok());
    }

    #[test]
    fn list_is_sorted_for_the_front_coding() {
        let lines: Vec<&str> = include_str!("../../data/common-passwords.txt").lines().collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn hash_then_verify() {
        let hasher = PasswordHasher::new();
        let p = Password::parse("correct horse battery").unwrap();
        let h = hasher.hash(&p).unwrap();
        assert!(h.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!h.as_str().contains("horse"));
        assert!(hasher.verify(&p, Some(&h)));
        let wrong = Password::parse("incorrect horse battery").unwrap();
        assert!(!hasher.verify(&wrong, Some(&h)));
        // The dummy path never succeeds.
        assert!(!hasher.verify(&p, None));
    }

    #[test]
    fn dummy_hash_has_the_real_parameters() {
        let phc = PhcString::new(PasswordHasher::DUMMY_PHC).unwrap();
        assert_eq!(phc.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&phc).unwrap();
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (19_456, 2, 1));
    }
}
