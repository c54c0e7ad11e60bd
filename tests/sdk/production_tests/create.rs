//! `client.app(id).production_tests().create(..)` (and `with_idempotency_key(..).create(..)`):
//! request shape, exact body, idempotency keys, validation.

use crate::support as common;

use std::sync::{Arc, Mutex};

use common::*;
use hopae::Error;
use hopae::production_tests::{NewProductionTest, Platform, RequestStatus};
use mockito::{Matcher, Server};
use serde_json::json;

/// The create call; each test matches the key itself.
fn post_mock(server: &mut mockito::ServerGuard) -> mockito::Mock {
    json_keyed(server, "POST", LIST_PATH, Matcher::Any)
}

#[test]
fn create_posts_minimal_body_with_headers_and_decodes_request() {
    let mut server = Server::new();
    let mock = post_mock(&mut server)
        .match_header("idempotency-key", Matcher::Regex(GENERATED_KEY.into()))
        .match_body(Matcher::JsonString(
            r#"{"title": "MitID Production Test"}"#.into(),
        ))
        .with_status(201)
        .with_header(
            "location",
            "/connect/v1/apps/FK5b0KSM/production-tests/req_7f3a9c1e",
        )
        .with_body(fixture("created.json"))
        .create();

    let request = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .create(&NewProductionTest::new("MitID Production Test"))
        .unwrap();
    mock.assert();

    assert_eq!(request.id, "req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a");
    assert_eq!(request.client_id, CLIENT_ID);
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(request.challenge_id, None);
    assert_eq!(request.payload.title, "MitID Production Test");
    assert_eq!(request.payload.provider_ids, Some(vec!["mitid".to_owned()]));
    assert_eq!(request.payload.max_stamp_claims, Some(3));
    assert_eq!(request.created_at.unix_timestamp(), 1_775_642_400); // 2026-04-08T10:00:00Z
}

#[test]
fn create_sends_every_set_option_and_nothing_else() {
    let mut server = Server::new();
    let full = json!({
        "title": "MitID test", "description": "two platforms",
        "providerIds": ["mitid", "bankidse"], "targetPlatform": "ios",
        "maxStamps": 5, "allowDuplicateParticipation": true
    });
    let full_mock = post_mock(&mut server)
        .match_body(Matcher::Json(full))
        .with_status(201)
        .with_body(fixture("created.json"))
        .expect(1)
        .create();
    let partial_mock = post_mock(&mut server)
        .match_body(Matcher::Json(
            json!({"title": "t", "targetPlatform": "android", "maxStamps": 1}),
        ))
        .with_status(201)
        .with_body(fixture("created.json"))
        .expect(1)
        .create();

    let c = client(&server);
    let full = NewProductionTest::new("MitID test")
        .description("two platforms")
        .provider_ids(["mitid", "bankidse"])
        .target_platform(Platform::Ios)
        .max_stamps(5)
        .allow_duplicate_participation(true);
    c.app(CLIENT_ID).production_tests().create(&full).unwrap();
    let partial = NewProductionTest::new("t")
        .target_platform(Platform::Android)
        .max_stamps(1);
    c.app(CLIENT_ID)
        .production_tests()
        .create(&partial)
        .unwrap();
    full_mock.assert();
    partial_mock.assert();
}

#[test]
fn create_with_key_sends_that_key() {
    let mut server = Server::new();
    let key = "run-2026-04-08/mitid:1";
    let mock = post_mock(&mut server)
        .match_header("idempotency-key", key)
        .match_body(Matcher::Json(json!({"title": "t"})))
        .with_status(201)
        .with_body(fixture("created.json"))
        .expect(1)
        .create();
    client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .with_idempotency_key(key)
        .create(&NewProductionTest::new("t"))
        .unwrap();
    mock.assert();
}

#[test]
fn create_generates_a_fresh_key_per_call() {
    let mut server = Server::new();
    let keys = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&keys);
    let mock = post_mock(&mut server)
        .match_request(move |req| {
            let key = req.header("idempotency-key");
            let key = key.first().and_then(|v| v.to_str().ok()).unwrap_or("");
            seen.lock().unwrap().push(key.to_owned());
            true
        })
        .with_status(201)
        .with_body(fixture("created.json"))
        .expect(2)
        .create();
    let c = client(&server);
    let test = NewProductionTest::new("t");
    c.app(CLIENT_ID).production_tests().create(&test).unwrap();
    c.app(CLIENT_ID).production_tests().create(&test).unwrap();
    mock.assert();
    let keys = keys.lock().unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_ne!(keys[0], keys[1]);
    assert!(
        keys.iter()
            .all(|k| k.starts_with("hopae-") && k.len() == 44),
        "{keys:?}"
    );
}

#[test]
fn create_refuses_invalid_input_without_a_request() {
    let mut server = Server::new();
    let mock = server.mock("POST", Matcher::Any).expect(0).create();
    let c = client(&server);
    let ok = NewProductionTest::new("t");
    let long_key = "k".repeat(256);
    // 200 characters but 400 bytes: the problem is the characters, not the length.
    let accented_key = "é".repeat(200);
    let cases: Vec<(&str, NewProductionTest, &str, &str)> = vec![
        ("", ok.clone(), "k", "`client_id` must not be empty"),
        ("..", ok.clone(), "k", "`client_id` must not be `.` or `..`"),
        (
            CLIENT_ID,
            NewProductionTest::new("  "),
            "k",
            "`title` must not be empty",
        ),
        (
            CLIENT_ID,
            NewProductionTest::new("x".repeat(201)),
            "k",
            "`title` has 201 characters",
        ),
        (
            CLIENT_ID,
            NewProductionTest::new("t").description("d".repeat(1001)),
            "k",
            "`description` has 1001",
        ),
        (
            CLIENT_ID,
            NewProductionTest::new("t").provider_ids([""]),
            "k",
            "`providerIds[0]`",
        ),
        (
            CLIENT_ID,
            NewProductionTest::new("t").max_stamps(0),
            "k",
            "`maxStamps` must be at least 1",
        ),
        (
            CLIENT_ID,
            ok.clone(),
            "",
            "`Idempotency-Key` must have 1 to 255 characters",
        ),
        (CLIENT_ID, ok.clone(), &long_key, "got 256"),
        (CLIENT_ID, ok.clone(), "a b", "visible ASCII"),
        (CLIENT_ID, ok.clone(), &accented_key, "visible ASCII"),
        (CLIENT_ID, ok.clone(), "a\r\nx-injected: 1", "visible ASCII"),
    ];
    for (id, test, key, wanted) in &cases {
        let e = c
            .app(id)
            .production_tests()
            .with_idempotency_key(key)
            .create(test)
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert!(e.to_string().contains(wanted), "{e} lacks {wanted}");
        assert_eq!(e.attempts(), 0);
        assert_error_hygiene(&e);
    }
    // The generated-key call validates the same way.
    let e = c
        .app(CLIENT_ID)
        .production_tests()
        .create(&NewProductionTest::new(""))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    mock.assert();
}

#[test]
fn create_accepts_limits_at_the_boundary() {
    let mut server = Server::new();
    let title = "é".repeat(200);
    let mock = post_mock(&mut server)
        .match_body(Matcher::Json(
            json!({"title": title, "description": "d".repeat(1000)}),
        ))
        .with_status(201)
        .with_body(fixture("created.json"))
        .expect(1)
        .create();
    let key = "k".repeat(255);
    client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .with_idempotency_key(&key)
        .create(&NewProductionTest::new(title.as_str()).description("d".repeat(1000)))
        .unwrap();
    mock.assert();
}

#[test]
fn create_with_malformed_201_body_fails_with_decode_error() {
    let mut server = Server::new();
    let body = fixture("created.json").replace(r#""status": "pending","#, "");
    let mock = post_mock(&mut server)
        .with_status(201)
        .with_body(body)
        .expect(1)
        .create();
    let e = retrying_client(&server, 2)
        .app(CLIENT_ID)
        .production_tests()
        .create(&NewProductionTest::new("t"))
        .unwrap_err();
    mock.assert();
    let d = decode_error(&e);
    assert_eq!(d.operation(), "create production test");
    assert_eq!(d.index(), None);
    assert!(
        d.message().starts_with("missing field `status`"),
        "{}",
        d.message()
    );
    assert_eq!(e.status(), Some(201));
    assert_eq!(e.attempts(), 1, "a decode error is never retried");
    assert!(
        e.to_string()
            .starts_with("malformed create production test response: missing field `status`"),
        "{e}"
    );
    assert_error_hygiene(&e);
}
