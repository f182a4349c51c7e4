//! The mails the app sends (plain text and HTML), with links built from `APP_BASE_URL`. The web
//! page served at `APP_BASE_URL/` reads `?verify=<token>` and `?reset=<token>` from its address.

use crate::aws::ses::Mail;
use crate::one_use_tokens::MailToken;

/// Escapes text for HTML (attribute values included).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn link(base_url: &str, param: &str, token: &MailToken) -> String {
    format!("{}/?{param}={}", base_url.trim_end_matches('/'), token.expose())
}

fn compose(from: &str, to: &str, subject: &str, lines: &[&str], url: &str, action: &str) -> Mail {
    let text = format!("{}\n\n{url}\n", lines.join("\n\n"));
    let paragraphs: String = lines.iter().map(|l| format!("<p>{}</p>", escape(l))).collect();
    let html = format!(
        "<!doctype html><html><body>{paragraphs}<p><a href=\"{href}\">{action}</a></p>\
         <p style=\"color:#666\">{href}</p></body></html>",
        href = escape(url),
        action = escape(action),
    );
    Mail { from: from.into(), to: to.into(), subject: subject.into(), text, html }
}

/// "Confirm your email address", valid `ttl_hours`.
pub fn verification(from: &str, to: &str, base_url: &str, token: &MailToken, ttl_hours: u64) -> Mail {
    compose(
        from,
        to,
        "Confirm your email address",
        &[
            "Welcome! Please confirm that this is your email address by opening the link below.",
            &format!("The link works once, for {ttl_hours} hours. If you did not create an account, ignore this mail."),
        ],
        &link(base_url, "verify", token),
        "Confirm my email address",
    )
}

/// "Reset your password", valid `ttl_minutes`.
pub fn password_reset(from: &str, to: &str, base_url: &str, token: &MailToken, ttl_minutes: u64) -> Mail {
    compose(
        from,
        to,
        "Reset your password",
        &[
            "Someone (hopefully you) asked to reset the password of the account for this address.",
            &format!("The link below works once, for {ttl_minutes} minutes. If it was not you, ignore this mail: your password stays as it is."),
        ],
        &link(base_url, "reset", token),
        "Choose a new password",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_built_from_the_base_url_in_both_parts() {
        let token = MailToken::random();
        let m = verification("from@example.com", "to@example.com", "https://app.example/", &token, 24);
        let url = format!("https://app.example/?verify={}", token.expose());
        assert!(m.text.contains(&url));
        assert!(m.html.contains(&format!("href=\"{url}\"")));
        let r = password_reset("f@example.com", "t@example.com", "https://app.example", &token, 30);
        assert!(r.text.contains(&format!("https://app.example/?reset={}", token.expose())));
        assert!(r.text.contains("30 minutes"));
    }

    #[test]
    fn html_is_escaped() {
        let token = MailToken::random();
        let m = verification("f@example.com", "t@example.com", "https://x.example/a\"<b>", &token, 24);
        assert!(!m.html.contains("\"<b>"));
        assert!(m.html.contains("&quot;&lt;b&gt;"));
    }
}
