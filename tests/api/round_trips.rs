//! DynamoDB round trips per request, counted from outside: a TCP relay in front of DynamoDB Local
//! holds every request for `HOLD` before passing it on and notes when each one began. Requests
//! sent side by side begin together; a request that waits for another begins at least `HOLD`
//! later. So the number of groups of starts is the number of round trips the caller waited for.
//! A second relay in front of the model endpoint marks where the model call falls in a chat turn.

use api_tests::{spawn_app, spawn_app_with_env, unique_email, Relay, RequestStarts as Starts};
use serde_json::json;
use std::time::{Duration, Instant};

const HOLD: Duration = Duration::from_millis(150);

/// DynamoDB round trips among `starts`: (before the model call, after it). Without a model call
/// every round trip counts as "before".
fn rounds(starts: &[(Instant, &'static str)]) -> (usize, usize) {
    let model = starts.iter().find(|(_, tag)| *tag == "model").map(|(t, _)| *t);
    let mut db: Vec<Instant> = starts.iter().filter(|(_, tag)| *tag == "dynamodb").map(|(t, _)| *t).collect();
    db.sort();
    let (mut before, mut after, mut last) = (0, 0, None::<Instant>);
    for t in db {
        if last.is_none_or(|l| t.duration_since(l) > HOLD / 2) {
            match model {
                Some(m) if t > m => after += 1,
                _ => before += 1,
            }
        }
        last = Some(t);
    }
    (before, after)
}

struct Counted {
    app: api_tests::TestApp,
    starts: Starts,
}

impl Counted {
    fn start() -> Counted {
        let starts = Starts::default();
        let dynamodb = Relay::start(api_tests::dynamodb_endpoint(), "dynamodb", HOLD, starts.clone());
        // The shared app's model endpoint, reached through a relay that only notes the call.
        let model = Relay::start(&spawn_app().model, "model", Duration::ZERO, starts.clone());
        let app = spawn_app_with_env(&[
            ("AWS_ENDPOINT_URL_DYNAMODB", &dynamodb.address),
            ("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", &model.address),
            ("CHAT_DAILY_MESSAGES", "1000"),
        ]);
        Counted { app, starts }
    }

    /// The round trips `f` waits for: (before the model call, after it).
    fn count<T>(&self, f: impl FnOnce(&api_tests::TestApp) -> T) -> (T, (usize, usize)) {
        self.starts.lock().unwrap().clear();
        let out = f(&self.app);
        let starts = self.starts.lock().unwrap().clone();
        let counts = rounds(&starts);
        eprintln!("round trips (before the model, after): {counts:?} over {} requests", starts.len());
        (out, counts)
    }
}

#[test]
fn login_waits_for_at_most_two_round_trips_and_a_chat_turn_for_two_before_the_model_and_one_after() {
    let counted = Counted::start();
    let email = unique_email("rounds");
    assert_eq!(counted.app.register(&email, "correct horse battery").status, 201);
    // A first login warms the instance (configuration, signing key): the counted ones are steady.
    assert_eq!(counted.app.login(&email, "correct horse battery").status, 200);

    let (ok, (n, _)) = counted.count(|app| app.login(&email, "correct horse battery"));
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert!(n <= 2, "a successful login waited for {n} DynamoDB round trips");
    let (wrong, (n, _)) = counted.count(|app| app.login(&email, "not the password"));
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    assert!(n <= 2, "a failed login waited for {n} DynamoDB round trips");
    let (unknown, (n, _)) = counted.count(|app| app.login(&unique_email("nobody"), "not the password"));
    assert_eq!(unknown.status, 401, "{}", unknown.text);
    assert!(n <= 2, "a login of an unknown email waited for {n} DynamoDB round trips");

    let token =
        counted.app.login(&email, "correct horse battery").body["access_token"].as_str().unwrap().to_owned();
    let (first, (before, after)) =
        counted.count(|app| app.chat(&token, &json!({"message": "hello"}), "application/json"));
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(
        before <= 1 && after == 1,
        "a new conversation: {before} round trips before the model, {after} after"
    );
    let id = first.body["conversation_id"].as_str().unwrap().to_owned();
    for accept in ["application/json", "text/event-stream"] {
        let body = json!({"message": "and again", "conversation_id": id});
        let (next, (before, after)) = counted.count(|app| app.chat(&token, &body, accept));
        assert_eq!(next.status, 200, "{}", next.text);
        assert!(
            before <= 2 && after == 1,
            "{accept}: a later turn waited for {before} round trips before the model and {after} after"
        );
    }
}
