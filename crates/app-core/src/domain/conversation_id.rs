use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A conversation's identifier: a UUID, stored and shown in its lower-case hyphenated form. New
/// ids are UUIDv7 (time-ordered), so the conversations table's sort key orders them by creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(uuid::Uuid);

impl ConversationId {
    /// A new time-ordered id (UUIDv7: milliseconds since the epoch, then random bits).
    pub fn new(now: SystemTime) -> ConversationId {
        let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, since.as_secs(), since.subsec_nanos());
        ConversationId(uuid::Uuid::new_v7(ts))
    }

    /// Any spelling `uuid` accepts (upper case, braces, `urn:uuid:`, no hyphens) of any UUID
    /// (ids of v4 conversations created before v7 still parse); `None` otherwise.
    pub fn parse(raw: &str) -> Option<ConversationId> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 45 {
            return None;
        }
        uuid::Uuid::parse_str(raw).ok().filter(|u| !u.is_nil()).map(ConversationId)
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn every_spelling_maps_to_one_stored_key() {
        let canonical = "0191c1d2-7e3a-7b4c-8d5e-6f708192a3b4";
        for raw in [
            canonical,
            "0191C1D2-7E3A-7B4C-8D5E-6F708192A3B4",
            "{0191c1d2-7e3a-7b4c-8d5e-6f708192a3b4}",
            "urn:uuid:0191c1d2-7e3a-7b4c-8d5e-6f708192a3b4",
            "0191c1d27e3a7b4c8d5e6f708192a3b4",
        ] {
            assert_eq!(ConversationId::parse(raw).unwrap().to_string(), canonical, "{raw}");
        }
        for bad in ["", "x", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "0191c1d2-7e3a-7b4c-8d5e"]
        {
            assert!(ConversationId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn new_ids_sort_by_time_as_text() {
        let t = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let ids: Vec<String> =
            (0..50).map(|i| ConversationId::new(t + Duration::from_millis(i * 3)).to_string()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(ConversationId::parse(&ids[0]).unwrap().to_string(), ids[0]);
    }
}
