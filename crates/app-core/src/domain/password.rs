use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash as PhcString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHasher as _, Version};
use std::cell::RefCell;
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

/// The common-password list (see data/README.md) as build.rs encodes it: a Golomb-coded set
/// (`common_set`), ~31 KiB where the text is 106.
const COMMON_PASSWORDS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/common-passwords.gcs"));

/// In the list, in any case (or, one time in a million, a password the list's hashes collide with).
fn is_common(candidate: &str) -> bool {
    super::common_set::Set::new(COMMON_PASSWORDS).contains(candidate.to_lowercase().as_bytes())
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
            Ok(phc) => matches(password.expose(), &phc),
            Err(_) => false,
        };
        matched && stored.is_some()
    }
}

thread_local! {
    /// The blocks a verification works in (19 MiB), kept from one to the next: allocated and
    /// zeroed once per instance instead of on every login. A wasm instance's memory never
    /// shrinks, so keeping them costs no memory; they hold what the freed blocks would.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// `PasswordVerifier::verify_password` as password-hash does it (the stored string's algorithm,
/// version, parameters and salt; a constant-time comparison of the outputs), hashing into the
/// kept blocks (`Argon2::hash_password_into_with_memory`).
fn matches(password: &[u8], phc: &PhcString) -> bool {
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else { return false };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(phc.algorithm),
        phc.version.map(Version::try_from).transpose().map(Option::unwrap_or_default),
        Params::try_from(phc),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..expected.len()];
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let hashed = BLOCKS.with_borrow_mut(|kept| {
        if kept.len() < blocks {
            kept.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut kept[..blocks])
    });
    hashed.is_ok() && Output::new(out).is_ok_and(|computed| computed == expected)
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
    fn the_set_holds_the_list_and_next_to_nothing_else() {
        let list = include_str!("../../data/common-passwords.txt");
        let words: Vec<&str> = list.lines().collect();
        assert_eq!(words.len(), 11_611);
        // A sample through the rule itself (a lookup decodes the set up to its slot); all of
        // them, the near misses and random strings against the slots decoded once. Just before,
        // between and after the entries, and random strings: one in 2^20 may collide with an
        // entry (expected here: ~0.2 of 200,000).
        assert!(words.iter().step_by(7).all(|w| is_common(w)));
        let set = super::super::common_set::Set::new(COMMON_PASSWORDS);
        let slots: Vec<u64> = set.slots().collect();
        assert!(slots.windows(2).all(|w| w[0] <= w[1]));
        let slot = |w: &str| set.slot(w.as_bytes());
        assert!(words.iter().all(|w| slots.binary_search(&slot(w)).is_ok()));
        let mut others: Vec<String> = words
            .iter()
            .flat_map(|w| [format!("{w}\u{0}"), format!("{w}~"), w[..w.len() - 1].to_owned()])
            .filter(|near| words.binary_search(&near.as_str()).is_err())
            .collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        while others.len() < 200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            others.push(format!("{state:x}"));
        }
        let collisions = others.iter().filter(|w| slots.binary_search(&slot(w)).is_ok()).count();
        assert!(collisions <= 2, "{collisions} of {} not in the list were taken for common", others.len());
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
    fn the_kept_blocks_verifier_agrees_with_the_librarys() {
        use argon2::password_hash::PasswordVerifier as _;
        // Stored strings of other variants, versions, parameters and lengths (a larger memory
        // after a smaller one and back), right and wrong passwords, a tampered hash and salt:
        // `matches` answers as argon2's own `verify_password` does.
        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        let mut cases = vec![];
        for (alg, version, m, t, p, len) in [
            (Algorithm::Argon2id, Version::V0x13, 64, 1, 1, 32),
            (Algorithm::Argon2id, Version::V0x13, 19_456, 2, 1, 32),
            (Algorithm::Argon2i, Version::V0x10, 32, 3, 2, 16),
            (Algorithm::Argon2d, Version::V0x13, 256, 2, 4, 64),
        ] {
            let argon2 = Argon2::new(alg, version, Params::new(m, t, p, Some(len)).unwrap());
            let phc = argon2.hash_password(b"right password", &salt).unwrap().to_string();
            cases.push(phc.clone());
            let hash_start = phc.rfind('$').unwrap() + 1;
            let flip = |s: &str, at: usize| {
                let mut b = s.as_bytes().to_vec();
                b[at] = if b[at] == b'A' { b'B' } else { b'A' };
                String::from_utf8(b).unwrap()
            };
            cases.push(flip(&phc, hash_start)); // the hash
            cases.push(flip(&phc, hash_start - 2)); // the salt
        }
        for phc in &cases {
            let phc = PhcString::new(phc).unwrap();
            for password in [&b"right password"[..], b"wrong password"] {
                let theirs = Argon2::default().verify_password(password, &phc).is_ok();
                assert_eq!(matches(password, &phc), theirs, "{phc} {password:?}");
            }
        }
        assert!(matches(b"right password", &PhcString::new(&cases[0]).unwrap()));
        assert_eq!(BLOCKS.with_borrow(Vec::len), 19_456); // kept at the largest size used
    }

    #[test]
    fn dummy_hash_has_the_real_parameters() {
        let phc = PhcString::new(PasswordHasher::DUMMY_PHC).unwrap();
        assert_eq!(phc.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&phc).unwrap();
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (19_456, 2, 1));
    }
}
