//! scripts/smoke.py, the deploy workflow's test of a deployed URL, run against the stack here: on
//! the default settings (a new account, deleted at the end), and with verification required, as
//! the AWS template sets it (a standing verified account from SMOKE_EMAIL / SMOKE_PASSWORD; without
//! them it stops with a message saying so).
use api_tests::{repo_root, spawn_app, spawn_app_with_env, unique_email};
use serde_json::json;
use std::process::{Command, Output};

fn smoke(address: &str, standing: Option<(&str, &str)>) -> Output {
    let mut cmd = Command::new("python3");
    cmd.arg(repo_root().join("scripts/smoke.py")).arg(address);
    cmd.env_remove("SMOKE_EMAIL").env_remove("SMOKE_PASSWORD");
    if let Some((email, password)) = standing {
        // The environment, as the workflow passes them: never the command line.
        cmd.env("SMOKE_EMAIL", email).env("SMOKE_PASSWORD", password);
    }
    cmd.output().expect("python3 runs")
}

#[test]
fn smoke_test_passes_on_the_default_stack_and_leaves_no_account() {
    let app = spawn_app();
    let out = smoke(&app.address, None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ok   POST /chat: 200") && stdout.ends_with("smoke test passed\n"), "{stdout}");
    assert!(stdout.contains("ok   DELETE /me: 204"), "{stdout}");
    // Other tests register in parallel: look for the smoke account itself, in every table.
    let email = stdout.lines().find_map(|l| l.strip_prefix("account ")).expect("smoke.py names its account");
    assert!(app.items_mentioning(email).is_empty(), "the smoke account was left behind");
}

#[test]
fn smoke_test_with_verification_required_uses_a_standing_verified_account() {
    let app = spawn_app_with_env(&[("REQUIRE_VERIFIED_EMAIL", "true")]);

    // Without a standing account: a clear stop, naming what to set.
    let out = smoke(&app.address, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("requires verified addresses") && stderr.contains("SMOKE_EMAIL"), "{stderr}");

    // The operator's one-time set-up: register, follow the mail.
    let (email, password) = (unique_email("standing"), "standing smoke password");
    let registered = app.register(&email, password);
    assert_eq!(registered.status, 201);
    let id = registered.body["id"].as_str().unwrap().to_owned();
    let token = app.mailed_token(&email, "verify");
    assert_eq!(app.post_json("/email/verify", &json!({"token": token})).status, 204);

    let out = smoke(&app.address, Some((&email, password)));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ok   POST /register with the standing account's address: 409"), "{stdout}");
    assert!(stdout.contains("ok   POST /logout: 204") && stdout.ends_with("smoke test passed\n"), "{stdout}");
    assert!(!stdout.contains(password) && !String::from_utf8_lossy(&out.stderr).contains(password));
    // It wrote nothing that stays: no account registered, and its one session is logged out.
    assert!(!stdout.contains("account ") && !stdout.contains("POST /register:"), "{stdout}");
    let sessions: Vec<_> =
        app.items_mentioning(&id).into_iter().filter(|(table, _)| table == "sessions").collect();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert!(sessions[0].1.get("revoked_at").is_some(), "{sessions:?}");
}
