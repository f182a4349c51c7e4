//! Brute-force and credential-stuffing throttling rules (pure; counters live in DynamoDB).
//!
//! Fixed windows of `window_seconds`. Three counters per window:
//! - failed logins per (account, client address): from the `slowdown_after`-th failure on, the next
//!   attempt must wait 1, 2, 4, ... seconds after the last failure (429 + Retry-After); from the
//!   `block_after`-th failure on, that address is blocked for that account until the window ends.
//! - failed logins per client address, over all accounts: blocked for the rest of the window from
//!   `address_block_after` failures on (one address trying many accounts).
//! - registrations per client address: at most `registrations_per_address` per window.
//!
//! No counter is per account alone, so someone who only knows a user's email cannot lock that user
//! out: their failures count against their own address. The first two live in one item per address
//! and window (the address's count beside one pair of attributes per account tried from there), so
//! counting an attempt on both is one write, and so is a success's reset.
//!
//! Every rule holds under concurrency: an attempt is counted first (an atomic `ADD` whose
//! `ReturnValues` give the count with this attempt and every concurrent one included), decided on
//! that count, and only then is the password verified. A denied attempt takes its count back; a
//! successful one resets the account-and-address counter and takes the address's count back. So
//! of 30 simultaneous guesses at most `block_after` reach the password check.
//!
//! Mail-sending routes have per-window limits of their own: password-reset requests per address and
//! per email, verification resends per account.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleRules {
    pub window_seconds: u64,
    pub slowdown_after: u64,
    pub block_after: u64,
    pub address_block_after: u64,
    pub registrations_per_address: u64,
    pub forgot_per_address: u64,
    pub forgot_per_email: u64,
    pub resend_per_account: u64,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        ThrottleRules {
            window_seconds: 900,
            slowdown_after: 3,
            block_after: 10,
            address_block_after: 100,
            registrations_per_address: 10,
            forgot_per_address: 10,
            forgot_per_email: 3,
            resend_per_account: 3,
        }
    }
}

/// A counter as read back from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    pub count: u64,
    pub last_at: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny { retry_after: u64 },
}

/// The counter keys of one window. Subjects are hashed: the table holds no emails or addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowKeys {
    /// The attribute of the (account, address) pair in the address's item (`login_address`).
    pub login_pair: String,
    /// The item of the address's password attempts (see `aws::dynamodb::LoginAttempts`).
    pub login_address: String,
    pub register_address: String,
    pub forgot_address: String,
    pub forgot_email: String,
    pub resend_account: String,
    /// When the window's counters may be deleted (DynamoDB TTL).
    pub expires_at: u64,
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

impl ThrottleRules {
    pub fn window_start(&self, now: u64) -> u64 {
        now - now % self.window_seconds
    }

    fn until_window_end(&self, now: u64) -> u64 {
        (self.window_start(now) + self.window_seconds - now).max(1)
    }

    pub fn keys(&self, email: &str, address: &str, now: u64) -> WindowKeys {
        let w = self.window_start(now).to_string();
        WindowKeys {
            login_pair: format!("pair_{}", digest(&[email, address])),
            login_address: format!("login-address#{w}#{}", digest(&[address])),
            register_address: format!("register-address#{w}#{}", digest(&[address])),
            forgot_address: format!("forgot-address#{w}#{}", digest(&[address])),
            forgot_email: format!("forgot-email#{w}#{}", digest(&[email])),
            resend_account: format!("resend-account#{w}#{}", digest(&[email])),
            expires_at: self.window_start(now) + 2 * self.window_seconds,
        }
    }

    /// May this password attempt go ahead? `pair` is the account-and-address counter as this
    /// attempt's own atomic increment returned it (this attempt and concurrent ones included;
    /// `last_at` is the last recorded failure), `address` the address's counter likewise.
    pub fn check_login(&self, pair: Counter, address: Counter, now: u64) -> Decision {
        if pair.count > self.block_after || address.count > self.address_block_after {
            return Decision::Deny { retry_after: self.until_window_end(now) };
        }
        let before = pair.count.saturating_sub(1);
        if before >= self.slowdown_after {
            let delay = 1u64 << (before - self.slowdown_after).min(16);
            let allowed_at = pair.last_at + delay;
            if now < allowed_at {
                return Decision::Deny { retry_after: allowed_at - now };
            }
        }
        Decision::Allow
    }

    /// A plain per-window limit: `count` includes this request.
    pub fn check_limit(&self, count: u64, limit: u64, now: u64) -> Decision {
        if count > limit {
            Decision::Deny { retry_after: self.until_window_end(now) }
        } else {
            Decision::Allow
        }
    }

    /// `count` is the address's registrations in this window, this one included.
    pub fn check_register(&self, count: u64, now: u64) -> Decision {
        self.check_limit(count, self.registrations_per_address, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(count: u64, last_at: u64) -> Counter {
        Counter { count, last_at }
    }

    #[test]
    fn slows_down_then_blocks_per_account_and_address() {
        // Counts include the attempt being decided; `last_at` is the last failure.
        let r = ThrottleRules::default();
        let now = 10_000; // window 9900..10800
        assert_eq!(r.check_login(c(3, now), c(3, now), now), Decision::Allow);
        assert_eq!(r.check_login(c(4, now), c(4, now), now), Decision::Deny { retry_after: 1 });
        assert_eq!(r.check_login(c(4, now - 1), c(4, now), now), Decision::Allow);
        assert_eq!(r.check_login(c(6, now), c(6, now), now), Decision::Deny { retry_after: 4 });
        assert_eq!(r.check_login(c(10, now - 100), c(10, now), now), Decision::Allow);
        assert_eq!(r.check_login(c(11, now - 100), c(11, now), now), Decision::Deny { retry_after: 800 });
    }

    #[test]
    fn a_parallel_burst_gets_at_most_block_after_checks() {
        // 30 concurrent attempts: their increments return 1..=30 in some order, none has failed
        // yet (last_at 0): only counts up to block_after may go ahead.
        let r = ThrottleRules::default();
        let allowed =
            (1..=30).filter(|n| r.check_login(c(*n, 0), c(*n, 0), 10_000) == Decision::Allow).count();
        assert_eq!(allowed as u64, r.block_after);
    }

    #[test]
    fn one_address_hitting_many_accounts_is_blocked() {
        let r = ThrottleRules::default();
        assert_eq!(r.check_login(c(1, 0), c(100, 0), 10_000), Decision::Allow);
        assert_eq!(r.check_login(c(1, 0), c(101, 0), 10_000), Decision::Deny { retry_after: 800 });
    }

    #[test]
    fn registrations_per_address() {
        let r = ThrottleRules::default();
        assert_eq!(r.check_register(10, 10_000), Decision::Allow);
        assert_eq!(r.check_register(11, 10_000), Decision::Deny { retry_after: 800 });
    }

    #[test]
    fn keys_change_with_window_and_hide_subjects() {
        let r = ThrottleRules::default();
        let a = r.keys("a@example.com", "10.0.0.1", 10_000);
        let b = r.keys("a@example.com", "10.0.0.1", 10_799);
        let next = r.keys("a@example.com", "10.0.0.1", 10_800);
        assert_eq!(a, b);
        assert_ne!(a.login_address, next.login_address);
        assert_ne!(a.login_pair, r.keys("a@example.com", "10.0.0.2", 10_000).login_pair);
        assert!(!a.login_pair.contains("example") && !a.login_pair.contains("10.0.0.1"));
        assert!(!a.login_address.contains("10.0.0.1"));
        assert_eq!(a.expires_at, 9_900 + 1_800);
    }
}
