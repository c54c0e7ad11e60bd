//! `client.app(id).production_tests().list()`: request shape, typed decoding, path encoding,
//! decode errors.

use crate::support as common;

use common::*;
use hopae::production_tests::{ChallengeMode, Platform, RequestStatus};
use hopae::{Error, ProductionTestItem};
use mockito::{Matcher, Server};

#[test]
fn list_sends_get_with_headers_and_decodes_fixture() {
    let mut server = Server::new();
    let mock = with_common_headers(server.mock("GET", LIST_PATH))
        .match_header("idempotency-key", Matcher::Missing)
        .match_body("")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(fixture("list.json"))
        .create();

    let items = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .list()
        .unwrap();
    mock.assert();

    assert_eq!(items.len(), 2);
    let ProductionTestItem::Challenge(c) = &items[0] else {
        panic!("item 0 is not a challenge: {:?}", items[0]);
    };
    assert_eq!(c.id, CHALLENGE_ID);
    assert_eq!(c.title, "BankID SE Production Test");
    assert!(c.is_active);
    assert_eq!(c.challenge_mode, ChallengeMode::Stamp);
    assert_eq!(c.completed_at, None);
    assert_eq!(c.expires_at.unix_timestamp(), 1_776_297_599); // 2026-04-15T23:59:59Z
    let ProductionTestItem::Request(r) = &items[1] else {
        panic!("item 1 is not a request: {:?}", items[1]);
    };
    assert_eq!(r.id, "req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a");
    assert_eq!(r.client_id, CLIENT_ID);
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.challenge_id, None);
    assert_eq!(r.payload.title, "MitID Production Test");
    assert_eq!(r.payload.provider_ids, Some(vec!["mitid".to_owned()]));
    assert_eq!(r.payload.max_stamp_claims, Some(3));
    assert_eq!(r.payload.target_platform, None);
}

#[test]
fn list_decodes_empty_array_and_unknown_values() {
    let mut server = Server::new();
    let body = r#"[{"request": {"id": "req_1", "clientId": "FK5b0KSM", "status": "archived",
        "payload": {"title": "t", "targetPlatform": "web", "future": true},
        "createdAt": "2026-04-08T10:00:00.000Z", "future": 1}, "type": "request", "v": 2}]"#;
    let mock = server
        .mock("GET", LIST_PATH)
        .with_body(body)
        .expect(1)
        .create();
    let empty = server
        .mock("GET", "/apps/empty/production-tests")
        .with_body("[]")
        .expect(1)
        .create();

    let c = client(&server);
    let items = c.app(CLIENT_ID).production_tests().list().unwrap();
    let r = items[0].as_request().unwrap();
    assert_eq!(r.status, RequestStatus::Other("archived".into()));
    assert_eq!(
        r.payload.target_platform,
        Some(Platform::Other("web".into()))
    );
    assert_eq!(c.app("empty").production_tests().list().unwrap(), vec![]);
    mock.assert();
    empty.assert();
}

#[test]
fn list_percent_encodes_client_id_into_one_segment() {
    let cases = [
        ("a/b", "/apps/a%2Fb/production-tests"),
        ("../x", "/apps/..%2Fx/production-tests"),
        ("x?y#z", "/apps/x%3Fy%23z/production-tests"),
        ("a b%20", "/apps/a%20b%2520/production-tests"),
        ("é", "/apps/%C3%A9/production-tests"),
        ("...", "/apps/.../production-tests"),
        ("ok-_.~9", "/apps/ok-_.~9/production-tests"),
    ];
    let mut server = Server::new();
    let c = client(&server);
    for (id, path) in cases {
        let mock = server.mock("GET", path).with_body("[]").expect(1).create();
        let result = c.app(id).production_tests().list();
        assert_eq!(result.ok(), Some(vec![]), "{id:?} should reach {path}");
        mock.assert();
    }
}

#[test]
fn list_refuses_empty_and_dot_client_ids_without_a_request() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", Matcher::Any)
        .with_body("[]")
        .expect(0)
        .create();
    let c = client(&server);
    for id in ["", ".", ".."] {
        let e = c.app(id).production_tests().list().unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{id:?}: {e:?}");
        assert!(
            e.to_string().starts_with("invalid input: `client_id`"),
            "{e}"
        );
        assert_eq!(e.attempts(), 0);
        assert_eq!(e.status(), None);
        assert_error_hygiene(&e);
    }
    mock.assert();
}

#[test]
fn list_with_malformed_item_fails_with_decode_error_naming_item_index() {
    let mut server = Server::new();
    let good = r#"{"type": "challenge", "challenge": {"id": "ch_1", "title": "t",
        "expiresAt": "2026-04-15T23:59:59.000Z", "createdAt": "2026-04-08T09:00:00.000Z",
        "isActive": true, "challengeMode": "stamp"}}"#;
    let bad = good.replace(r#""isActive": true"#, r#""isActive": "yes""#);
    let body = format!("[{good}, {good}, {bad}]");
    let mock = server
        .mock("GET", LIST_PATH)
        .with_header("x-request-id", REQUEST_ID)
        .with_body(body)
        .expect(1)
        .create();

    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .list()
        .unwrap_err();
    mock.assert();
    let d = decode_error(&e);
    assert_eq!(d.operation(), "list production tests");
    assert_eq!(d.index(), Some(2));
    assert!(
        d.message()
            .starts_with(r#"at `challenge.isActive`: invalid type: string "yes", expected a boolean at line 7 column"#),
        "{}",
        d.message()
    );
    assert_eq!(e.status(), Some(200));
    assert_eq!(e.request_id(), Some(REQUEST_ID));
    let text = e.to_string();
    assert!(
        text.starts_with(
            "malformed list production tests response: item 2: at `challenge.isActive`"
        ),
        "{text}"
    );
    assert!(text.contains(REQUEST_ID), "{text}");
    assert_error_hygiene(&e);
}

#[test]
fn list_with_inconsistent_item_names_the_rule_and_index() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_body(r#"[{"type": "request", "challenge": null, "request": null}]"#)
        .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .list()
        .unwrap_err();
    mock.assert();
    let d = decode_error(&e);
    assert_eq!(d.index(), Some(0));
    assert!(
        d.message().starts_with(
            r#"`request` is null or missing but `type` is "request" at line 1 column"#
        ),
        "{}",
        d.message()
    );
}

#[test]
fn list_syntax_error_after_last_item_does_not_blame_it() {
    let list = fixture("list.json");
    let truncated = list.trim_end().trim_end_matches(']').to_owned();
    for body in [
        truncated.clone(),
        format!("{truncated},"),
        format!("{truncated},]"),
        format!("{list} trailing"),
    ] {
        let mut server = Server::new();
        let mock = server.mock("GET", LIST_PATH).with_body(&body).create();
        let e = client(&server)
            .app(CLIENT_ID)
            .production_tests()
            .list()
            .unwrap_err();
        mock.assert();
        let d = decode_error(&e);
        assert_eq!(d.index(), None, "{body}: {e}");
        assert!(d.message().contains(" at line "), "{}", d.message());
        assert!(
            e.to_string()
                .starts_with("malformed list production tests response: "),
            "{e}"
        );
        assert!(!e.to_string().contains("item "), "{e}");
    }
}

#[test]
fn list_with_non_array_body_fails_with_decode_error() {
    for body in ["", "{}", r#"{"data": []}"#, "<html>ok</html>", "null"] {
        let mut server = Server::new();
        let mock = server.mock("GET", LIST_PATH).with_body(body).create();
        let e = client(&server)
            .app(CLIENT_ID)
            .production_tests()
            .list()
            .unwrap_err();
        mock.assert();
        let d = decode_error(&e);
        assert_eq!(d.operation(), "list production tests");
        assert_eq!(d.index(), None, "{body:?}");
        assert_eq!(e.attempts(), 1);
        assert_error_hygiene(&e);
    }
}
