//! Property tests for the domain types that only parsing can build.

use app_core::domain::{Email, Password, PasswordError};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_string_parses_to_a_canonical_email_or_an_error(raw in "\\PC{0,300}") {
        if let Ok(email) = Email::parse(&raw) {
            let s = email.as_str();
            prop_assert_eq!(s, s.trim());
            prop_assert_eq!(s.to_lowercase(), s);
            prop_assert!(s.chars().count() <= Email::MAX_LEN);
            prop_assert_eq!(s.matches('@').count(), 1);
            // Canonical form is a fixed point.
            prop_assert_eq!(Email::parse(s).unwrap(), email);
        }
    }

    #[test]
    fn plausible_addresses_parse_case_insensitively(
        local in "[A-Za-z0-9_+-]{1,15}(\\.[A-Za-z0-9_+-]{1,14})?",
        domain in "[A-Za-z0-9]{1,20}",
        tld in "[A-Za-z]{2,6}",
        pad in " {0,3}",
    ) {
        let raw = format!("{pad}{local}@{domain}.{tld}{pad}");
        let email = Email::parse(&raw).unwrap();
        prop_assert_eq!(email.as_str(), format!("{local}@{domain}.{tld}").to_lowercase());
        prop_assert_eq!(Email::parse(&raw.to_uppercase()).unwrap(), email);
    }

    #[test]
    fn password_length_rule_counts_characters(raw in "\\PC{0,200}") {
        let n = raw.chars().count();
        match Password::parse(&raw) {
            Ok(p) => {
                prop_assert!((8..=128).contains(&n));
                let debug = format!("{:?}", p);
                prop_assert!(!debug.contains(&raw));
            }
            Err(PasswordError::TooShort { .. }) => prop_assert!(n < 8),
            Err(PasswordError::TooLong { .. }) => prop_assert!(n > 128),
            Err(PasswordError::TooCommon) => prop_assert!((8..=128).contains(&n)),
        }
    }

    #[test]
    fn long_unicode_passphrases_are_accepted_whole(words in prop::collection::vec("[a-zà-ÿα-ω]{3,8}", 3..8)) {
        let phrase = words.join(" ");
        prop_assume!(phrase.chars().count() <= 128);
        prop_assert!(Password::parse(&phrase).is_ok());
    }
}
