//! Issue 11: verification, reset, change, deletion that deletes, logout of any token of a login,
//! absolute refresh lifetime, and throttling that holds under parallel attack. Mail is read from
//! the stack's own aws-ses-v2-local.

use api_tests::{random_address, spawn_app, spawn_app_with_env, unique_email, TestApp, TestResponse};
use serde_json::{json, Value};

/// Runs `n` copies of `f` at once (each on its own thread) and returns their statuses.
fn parallel(n: usize, f: impl Fn(usize) -> TestResponse + Sync) -> Vec<u16> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let f = &f;
                s.spawn(move || f(i))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap().status).collect()
    })
}

fn tally(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

fn token_of(login: &Value) -> String {
    login["access_token"].as_str().unwrap().to_owned()
}

fn refresh(app: &TestApp, token: &str) -> TestResponse {
    app.post_json("/token/refresh", &json!({"refresh_token": token}))
}

#[test]
fn thirty_parallel_wrong_guesses_verify_at_most_block_after_and_spare_the_owner() {
    let app = spawn_app();
    let email = unique_email("burst");
    let password = "the owner's password 1";
    assert_eq!(app.register(&email, password).status, 201);
    let attacker = random_address();
    let statuses = parallel(30, |i| {
        app.call(
            "POST",
            "/login",
            None,
            &json!({"email": email, "password": format!("guess {i} wrong")}),
            Some(&attacker),
        )
    });
    assert!(tally(&statuses, 401) <= 10, "{statuses:?}");
    assert_eq!(tally(&statuses, 401) + tally(&statuses, 429), 30, "{statuses:?}");
    // Once the burst reached the block, even the right password is refused from there (when fewer
    // were verified, because the slow-down refused and took back the rest, the attacker's address
    // is only slowed down: after the wait, the right password is let through, by the rule)...
    let body = json!({"email": email, "password": password});
    if tally(&statuses, 401) == 10 {
        assert_eq!(app.call("POST", "/login", None, &body, Some(&attacker)).status, 429);
    }
    // ...but the owner, from their own address, logs in.
    assert_eq!(app.call("POST", "/login", None, &body, None).status, 200);
}

#[test]
fn an_address_trying_thirty_accounts_at_once_is_blocked_and_its_item_keeps_only_its_failures() {
    let app = spawn_app_with_env(&[("ADDRESS_BLOCK_AFTER", "5")]);
    let (email, password, _) = app.signed_up_user("burst-address");
    let attacker = random_address();
    let login = |email: &str, password: &str| {
        app.call("POST", "/login", None, &json!({"email": email, "password": password}), Some(&attacker))
    };
    // The item read below is this window's: start well inside one (15 minutes).
    let rules = app_core::throttle::ThrottleRules::default();
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let left = rules.window_start(now()) + rules.window_seconds - now();
    if left < 30 {
        std::thread::sleep(std::time::Duration::from_secs(left + 1));
    }
    // Successes take their count back: five of them leave the address's whole allowance.
    for _ in 0..5 {
        assert_eq!(login(&email, &password).status, 200);
    }
    // Thirty unknown emails at once from the address: at most five reach a password check.
    let emails: Vec<String> = (0..30).map(|i| unique_email(&format!("nobody-{i}"))).collect();
    let statuses = parallel(30, |i| login(&emails[i], "some guessed password"));
    let failed = tally(&statuses, 401);
    assert_eq!(failed, 5, "{statuses:?}");
    assert_eq!(failed + tally(&statuses, 429), 30, "{statuses:?}");
    // The address's item of this window holds its failures and nothing of the refused attempts:
    // the address's count, and one (count, last failure) pair of attributes per account that failed.
    let key = rules.keys(&email, &attacker, now()).login_address;
    let item = app.dynamodb("GetItem", &json!({"TableName": "throttle", "Key": {"key": {"S": key}}}))["Item"]
        .clone();
    let attributes = item.as_object().expect("the address's item");
    let number = |v: &Value| v["N"].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(number(&item["count"]), failed as u64, "{item}");
    let pairs: Vec<u64> = attributes
        .iter()
        .filter(|(name, _)| name.starts_with("pair_") && !name.ends_with("_at"))
        .map(|(_, v)| number(v))
        .collect();
    assert_eq!(pairs, vec![1; failed], "{item}");
    assert_eq!(attributes.len(), 3 + 2 * failed, "key, count, expires_at and the pairs: {item}");
    // Blocked now, even for the right password; the owner, from elsewhere, logs in.
    assert_eq!(login(&email, &password).status, 429);
    assert_eq!(app.login(&email, &password).status, 200);
}

#[test]
fn parallel_wrong_current_passwords_for_change_and_delete_are_throttled() {
    let app = spawn_app();
    let (email, password, login) = app.signed_up_user("burst-me");
    let access = token_of(&login);
    let attacker = random_address();
    for (method, path) in [("POST", "/me/password"), ("DELETE", "/me")] {
        let statuses = parallel(30, |i| {
            let body = if method == "POST" {
                json!({"current_password": format!("wrong {i} password"), "new_password": "brand new password 7"})
            } else {
                json!({"password": format!("wrong {i} password")})
            };
            app.call(method, path, Some(&access), &body, Some(&attacker))
        });
        assert!(tally(&statuses, 401) <= 10, "{path}: {statuses:?}");
        assert_eq!(tally(&statuses, 401) + tally(&statuses, 429), 30, "{path}: {statuses:?}");
    }
    // The account is intact and its owner can still use it from elsewhere.
    assert!(app.user_item(&email).is_some());
    assert_eq!(app.login(&email, &password).status, 200);
}

#[test]
fn registration_mails_a_verification_link_that_works_once() {
    let app = spawn_app();
    let email = unique_email("verify");
    let r = app.register(&email, "correct horse battery");
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["email_verified"], false);
    let mails = app.mails_to(&email);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    let token = app.mailed_token(&email, "verify");
    assert_eq!(token.len(), 43, "256 bits, base64url");
    assert!(mail["body"]["text"]
        .as_str()
        .unwrap()
        .contains(&format!("http://127.0.0.1:3000/?verify={token}")));
    assert!(mail["body"]["html"]
        .as_str()
        .unwrap()
        .contains(&format!("href=\"http://127.0.0.1:3000/?verify={token}\"")));
    // Stored only as a hash, with a TTL.
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(app.mail_tokens_of(id), 1);
    assert!(app.items_mentioning(&token).is_empty(), "the token is stored in plain text");

    let access = token_of(&app.login(&email, "correct horse battery").body);
    assert_eq!(app.get_as(&access, "/me").body["email_verified"], false);
    assert_eq!(app.post_json("/email/verify", &json!({"token": token})).status, 204);
    assert_eq!(app.get_as(&access, "/me").body["email_verified"], true);
    let again = app.post_json("/email/verify", &json!({"token": token}));
    assert_eq!((again.status, again.body["error"]["code"].as_str()), (400, Some("invalid_email_token")));
    assert_eq!(app.mail_tokens_of(id), 0);
    // Verified: resending is refused.
    let resend = app.call("POST", "/email/verify/resend", Some(&access), &json!({}), None);
    assert_eq!(resend.status, 409, "{}", resend.text);
}

#[test]
fn two_concurrent_uses_of_one_mail_token_exactly_one_wins() {
    let app = spawn_app();
    // Verification.
    let email = unique_email("race-verify");
    assert_eq!(app.register(&email, "correct horse battery").status, 201);
    let token = app.mailed_token(&email, "verify");
    let statuses = parallel(8, |_| app.post_json("/email/verify", &json!({"token": token})));
    assert_eq!((tally(&statuses, 204), tally(&statuses, 400)), (1, 7), "{statuses:?}");
    // Reset: of eight different new passwords exactly one is set.
    assert_eq!(app.post_json("/password/forgot", &json!({"email": email})).status, 202);
    let token = app.mailed_token(&email, "reset");
    let statuses = parallel(8, |i| {
        app.post_json(
            "/password/reset",
            &json!({"token": token, "password": format!("new password number {i}")}),
        )
    });
    assert_eq!((tally(&statuses, 204), tally(&statuses, 400)), (1, 7), "{statuses:?}");
    let winners =
        (0..8).filter(|i| app.login(&email, &format!("new password number {i}")).status == 200).count();
    assert_eq!(winners, 1);
}

#[test]
fn forgot_password_answers_alike_and_reset_ends_every_token() {
    let app = spawn_app();
    let (email, old_password, login) = app.signed_up_user("reset");
    let access = token_of(&login);
    let old_refresh = login["refresh_token"].as_str().unwrap().to_owned();
    let chat = app.chat(&access, &json!({"message": "hello"}), "application/json");
    assert_eq!(chat.status, 200, "{}", chat.text);

    let known = app.post_json("/password/forgot", &json!({"email": email}));
    let nobody = unique_email("nobody");
    let unknown = app.post_json("/password/forgot", &json!({"email": nobody}));
    assert_eq!((known.status, unknown.status), (202, 202));
    assert_eq!(known.text, unknown.text, "the bodies must not tell which exists");
    assert!(app.mails_to(&nobody).is_empty());
    let token = app.mailed_token(&email, "reset");
    assert!(app.mails_to(&email).last().unwrap()["body"]["text"]
        .as_str()
        .unwrap()
        .contains(&format!("/?reset={token}")));

    // The password rule applies, and a refused reset uses nothing up.
    let weak = app.post_json("/password/reset", &json!({"token": token, "password": "password"}));
    assert_eq!((weak.status, weak.body["error"]["code"].as_str()), (400, Some("invalid_password")));
    let new_password = "a fresh new password";
    assert_eq!(
        app.post_json("/password/reset", &json!({"token": token, "password": new_password})).status,
        204
    );

    assert_eq!(app.login(&email, &old_password).status, 401);
    assert_eq!(app.login(&email, new_password).status, 200);
    // Every earlier access token and refresh token stops working, everywhere.
    assert_eq!(app.get_as(&access, "/me").status, 401);
    let user_id = login["user_id"].as_str().unwrap();
    let before = app.conversation_items(user_id).len();
    let late = app.chat(&access, &json!({"message": "still here?"}), "application/json");
    assert_eq!(late.status, 401, "{}", late.text);
    // Continuing the existing conversation: its own condition holds, the token's fails: 401, not
    // a conversation conflict.
    let conversation = chat.body["conversation_id"].as_str().unwrap();
    let next = app.chat(
        &access,
        &json!({"message": "and now?", "conversation_id": conversation}),
        "application/json",
    );
    assert_eq!(
        (next.status, next.body["error"]["code"].as_str()),
        (401, Some("invalid_token")),
        "{}",
        next.text
    );
    assert_eq!(app.conversation_items(user_id).len(), before, "a turn was stored for a revoked token");
    assert_eq!(refresh(app, &old_refresh).status, 401);
    // The token is used up.
    assert_eq!(
        app.post_json("/password/reset", &json!({"token": token, "password": "yet another password"})).status,
        400
    );
}

#[test]
fn forgot_and_resend_limits_hold_in_parallel() {
    let app = spawn_app();
    // Per email (3 per window), from 30 addresses at once: exactly 3 mails.
    let (email, _, login) = app.signed_up_user("forgot-burst");
    let statuses =
        parallel(30, |_| app.call("POST", "/password/forgot", None, &json!({"email": email}), None));
    assert_eq!((tally(&statuses, 202), tally(&statuses, 429)), (3, 27), "{statuses:?}");
    let resets = app.mails_to(&email).iter().filter(|m| m["subject"] == "Reset your password").count();
    assert_eq!(resets, 3);
    // Per address (10 per window), 30 different emails at once.
    let address = random_address();
    let statuses = parallel(30, |i| {
        app.call(
            "POST",
            "/password/forgot",
            None,
            &json!({"email": unique_email(&format!("f{i}"))}),
            Some(&address),
        )
    });
    assert_eq!((tally(&statuses, 202), tally(&statuses, 429)), (10, 20), "{statuses:?}");
    // Resend (3 per account and window), 30 at once: exactly 3 more verification mails.
    let access = token_of(&login);
    let statuses =
        parallel(30, |_| app.call("POST", "/email/verify/resend", Some(&access), &json!({}), None));
    assert_eq!((tally(&statuses, 204), tally(&statuses, 429)), (3, 27), "{statuses:?}");
    let verifications =
        app.mails_to(&email).iter().filter(|m| m["subject"] == "Confirm your email address").count();
    assert_eq!(verifications, 1 + 3);
}

#[test]
fn change_password_revokes_the_other_logins_and_old_access_tokens() {
    let app = spawn_app();
    let (email, password, here) = app.signed_up_user("change");
    let there = app.login(&email, &password).body;
    let wrong = app.call(
        "POST",
        "/me/password",
        Some(&token_of(&here)),
        &json!({"current_password": "not the password", "new_password": "brand new password 7"}),
        None,
    );
    assert_eq!(wrong.status, 401);
    let weak = app.call(
        "POST",
        "/me/password",
        Some(&token_of(&here)),
        &json!({"current_password": password, "new_password": "short"}),
        None,
    );
    assert_eq!((weak.status, weak.body["error"]["code"].as_str()), (400, Some("invalid_password")));
    let ok = app.call(
        "POST",
        "/me/password",
        Some(&token_of(&here)),
        &json!({"current_password": password, "new_password": "brand new password 7"}),
        None,
    );
    assert_eq!(ok.status, 204, "{}", ok.text);
    assert_eq!(app.get_as(&token_of(&here), "/me").status, 401, "old access tokens stop working");
    assert_eq!(app.get_as(&token_of(&there), "/me").status, 401);
    assert_eq!(
        refresh(app, there["refresh_token"].as_str().unwrap()).status,
        401,
        "the other login is revoked"
    );
    let renewed = refresh(app, here["refresh_token"].as_str().unwrap());
    assert_eq!(renewed.status, 200, "this login goes on: {}", renewed.text);
    assert_eq!(app.get_as(&token_of(&renewed.body), "/me").status, 200);
    assert_eq!(app.login(&email, &password).status, 401);
    assert_eq!(app.login(&email, "brand new password 7").status, 200);
}

#[test]
fn deletion_leaves_nothing_of_the_account_in_any_table() {
    let app = spawn_app();
    let (email, password, login) = app.signed_up_user("delete");
    let user_id = login["user_id"].as_str().unwrap().to_owned();
    let access = token_of(&login);
    let mut conversation = None;
    for i in 0..4 {
        let mut body = json!({"message": format!("turn {i}")});
        if let Some(c) = &conversation {
            body["conversation_id"] = json!(c);
        }
        let r = app.chat(&access, &body, "application/json");
        assert_eq!(r.status, 200, "{}", r.text);
        conversation = r.body["conversation_id"].as_str().map(str::to_owned);
    }
    assert_eq!(app.chat(&access, &json!({"message": "another one"}), "application/json").status, 200);
    app.login(&email, &password); // a second session
    assert_eq!(app.post_json("/password/forgot", &json!({"email": email})).status, 202); // a reset token
    assert!(app.mail_tokens_of(&user_id) >= 2);
    assert_eq!(app.conversation_items(&user_id).len(), 7, "two summaries, five turns");
    let counters: Vec<_> =
        app.items_mentioning(&user_id).into_iter().filter(|(t, _)| t == "throttle").collect();
    assert_eq!(counters.len(), 1, "today's chat usage counter: {counters:?}");

    let wrong = app.call("DELETE", "/me", Some(&access), &json!({"password": "not it at all"}), None);
    assert_eq!(wrong.status, 401);
    let gone = app.call("DELETE", "/me", Some(&access), &json!({"password": password}), None);
    assert_eq!(gone.status, 204, "{}", gone.text);

    // Every table, the throttle table included: its login counters hold only hashes, and the
    // daily chat counters (keyed by the user id) are deleted with the account.
    let left: Vec<_> =
        [user_id.as_str(), email.as_str()].iter().flat_map(|needle| app.items_mentioning(needle)).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // The old access token works nowhere and writes nothing.
    let late = app.chat(&access, &json!({"message": "hello?"}), "application/json");
    assert_eq!(late.status, 401, "{}", late.text);
    assert!(app.conversation_items(&user_id).is_empty());
    assert_eq!(app.get_as(&access, "/me").status, 401);
    assert_eq!(refresh(app, login["refresh_token"].as_str().unwrap()).status, 401);
}

#[test]
fn logout_with_an_already_rotated_refresh_token_ends_the_login() {
    let app = spawn_app();
    let (_, _, login) = app.signed_up_user("logout-old");
    let first = login["refresh_token"].as_str().unwrap().to_owned();
    let second = refresh(app, &first);
    assert_eq!(second.status, 200);
    let current = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(app.post_json("/logout", &json!({"refresh_token": first})).status, 204);
    assert_eq!(refresh(app, &current).status, 401, "the newer token of that login must be dead");
}

/// A stack with verification required, short token lifetimes and a local SES that is down.
#[test]
fn strict_settings_verification_required_expiry_and_absolute_refresh_lifetime() {
    let app = spawn_app_with_env(&[
        ("REQUIRE_VERIFIED_EMAIL", "true"),
        ("REFRESH_TOKEN_TTL_SECONDS", "6"),
        ("VERIFY_TOKEN_TTL_SECONDS", "2"),
    ]);
    let email = unique_email("strict");
    let password = "correct horse battery";
    assert_eq!(app.register(&email, password).status, 201);
    let expired = app.mailed_token(&email, "verify");
    // Wrong password: the same 401 as ever; right password: 403, and only then.
    assert_eq!(app.login(&email, "wrong password here").status, 401);
    let refused = app.login(&email, password);
    assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (403, Some("email_not_verified")));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let late = app.post_json("/email/verify", &json!({"token": expired}));
    assert_eq!((late.status, late.body["error"]["code"].as_str()), (400, Some("invalid_email_token")));
    // A fresh link (resend needs a session; the verification needs none): log in is refused, so
    // register's mail is the way; ask for a reset instead, which also proves the address.
    assert_eq!(app.post_json("/password/forgot", &json!({"email": email})).status, 202);
    let reset = app.mailed_token(&email, "reset");
    assert_eq!(app.post_json("/password/reset", &json!({"token": reset, "password": password})).status, 204);
    let login = app.login(&email, password);
    assert_eq!(login.status, 200, "{}", login.text);

    // Absolute lifetime: rotating does not extend it.
    let started = std::time::Instant::now();
    let mut token = login.body["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let r = refresh(&app, &token);
        assert_eq!(r.status, 200);
        assert!(r.body["refresh_expires_in"].as_u64().unwrap() < 6);
        token = r.body["refresh_token"].as_str().unwrap().to_owned();
    }
    std::thread::sleep(
        std::time::Duration::from_secs(6).saturating_sub(started.elapsed())
            + std::time::Duration::from_millis(1200),
    );
    assert_eq!(refresh(&app, &token).status, 401, "the login outlived its absolute lifetime");
}

fn check_mail_outage(app: &TestApp) {
    let email = unique_email("no-ses");
    let r = app.register(&email, "correct horse battery");
    assert_eq!(r.status, 201, "the account exists even when its mail could not go out");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let access = token_of(&app.login(&email, "correct horse battery").body);
    let resend = app.call("POST", "/email/verify/resend", Some(&access), &json!({}), None);
    assert_eq!(
        (resend.status, resend.body["error"]["code"].as_str()),
        (503, Some("mail_unavailable")),
        "{}",
        resend.text
    );
    let forgot = app.post_json("/password/forgot", &json!({"email": email}));
    let unknown = app.post_json("/password/forgot", &json!({"email": unique_email("nobody")}));
    assert_eq!((forgot.status, forgot.text), (202, unknown.text), "forgot reveals nothing");
    assert_eq!(app.mail_tokens_of(&id), 0, "no token is left that nobody received");
    assert!(app.logged("reset mail not sent"));
    assert!(app.logged("verification mail not sent"));
}

#[test]
fn ses_down_or_refusing_is_503_for_resend_and_202_for_forgot() {
    let down = spawn_app_with_env(&[("AWS_ENDPOINT_URL_SES", "http://127.0.0.1:9")]);
    check_mail_outage(&down);
    // A real service that refuses every SES call: DynamoDB Local answers it with an error.
    let dynamodb = api_tests::dynamodb_endpoint().to_owned();
    let refusing = spawn_app_with_env(&[("AWS_ENDPOINT_URL_SES", &dynamodb)]);
    check_mail_outage(&refusing);
}

#[test]
fn bad_bodies_on_the_new_routes_are_4xx_json_and_write_nothing() {
    let app = spawn_app();
    let (email, password, login) = app.signed_up_user("bad-input");
    let access = token_of(&login);
    let user_id = login["user_id"].as_str().unwrap().to_owned();
    let tokens_before = app.mail_tokens_of(&user_id);
    let user_before = app.user_item(&email);
    let forged = "A".repeat(43);
    let big = "x".repeat(17 * 1024);
    let cases: Vec<(&str, &str, bool, Value)> = vec![
        ("POST", "/email/verify", false, json!({"token": forged})),
        ("POST", "/email/verify", false, json!({"token": "short"})),
        ("POST", "/email/verify", false, json!({"token": 42})),
        ("POST", "/email/verify", false, json!({"token": forged, "admin": true})),
        ("POST", "/email/verify", false, json!({"token": big})),
        ("POST", "/email/verify", false, json!([])),
        ("POST", "/password/reset", false, json!({"token": forged, "password": "good long password"})),
        ("POST", "/password/reset", false, json!({"token": forged})),
        ("POST", "/password/reset", false, json!({"token": forged, "password": null})),
        ("POST", "/password/reset", false, json!({"token": "\u{0000}", "password": "good long password"})),
        ("POST", "/password/forgot", false, json!({"email": "a\u{0007}b@example.com"})),
        ("POST", "/password/forgot", false, json!({"email": "ada\u{200b}@example.com"})),
        ("POST", "/password/forgot", false, json!({"email": "ada@exa\u{0000}mple.com"})),
        ("POST", "/password/forgot", false, json!({"email": "ada@example.com\u{0085}x"})),
        ("POST", "/password/forgot", false, json!({"email": "\u{202e}moc.elpmaxe@ada"})),
        ("POST", "/password/forgot", false, json!({"email": ["x@example.com"]})),
        ("POST", "/password/forgot", false, json!({"email": email, "extra": 1})),
        ("POST", "/password/forgot", false, json!({"email": big})),
        ("POST", "/me/password", true, json!({"current_password": password})),
        ("POST", "/me/password", true, json!({"current_password": password, "new_password": 12345678})),
        (
            "POST",
            "/me/password",
            true,
            json!({"current_password": password, "new_password": "x y z w v u", "x": 1}),
        ),
        ("POST", "/me/password", true, json!({"current_password": password, "new_password": big})),
        (
            "POST",
            "/me/password",
            false,
            json!({"current_password": password, "new_password": "good long password"}),
        ),
        ("POST", "/email/verify/resend", false, json!({})),
        ("DELETE", "/me", true, json!({"password": 1})),
        ("DELETE", "/me", true, json!({"pass": password})),
    ];
    for (method, path, authed, body) in &cases {
        let r = app.call(method, path, authed.then_some(access.as_str()), body, None);
        assert!((400..500).contains(&r.status), "{method} {path} {body}: {} {}", r.status, r.text);
        assert!(r.body["error"]["code"].is_string(), "{method} {path} {body}: {}", r.text);
    }
    for path in
        ["/email/verify", "/password/reset", "/password/forgot", "/me/password", "/email/verify/resend"]
    {
        let r = app.send("GET", path, &[], None);
        assert_eq!(r.status, 405, "{path}");
        let r = app.post_raw(path, "text/plain", b"{}");
        assert!(r.status == 415 || r.status == 401, "{path}: {}", r.status);
    }
    assert_eq!(app.mail_tokens_of(&user_id), tokens_before);
    assert_eq!(app.user_item(&email), user_before);
    assert_eq!(app.login(&email, &password).status, 200);
}
