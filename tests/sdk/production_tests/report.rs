//! `client.app(id).production_tests().report(challenge_id)`: request shape, typed decoding,
//! path encoding, errors.

use crate::support as common;

use common::*;
use hopae::Error;
use hopae::production_tests::ChallengeMode;
use mockito::{Matcher, Server};
use serde_json::json;

#[test]
fn report_sends_get_with_headers_and_decodes_fixture() {
    let mut server = Server::new();
    let mock = with_common_headers(server.mock("GET", REPORT_PATH))
        .match_header("idempotency-key", Matcher::Missing)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(fixture("report.json"))
        .create();

    let report = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .report(CHALLENGE_ID)
        .unwrap();
    mock.assert();

    assert_eq!(report.challenge.id, CHALLENGE_ID);
    assert_eq!(report.challenge.challenge_mode, ChallengeMode::Stamp);
    assert!(report.challenge.is_active);
    assert_eq!(report.stats.total_participations, 4);
    assert_eq!(report.stats.total_claims, 2);
    assert_eq!(report.stats.provider_breakdown.len(), 1);
    let p = &report.stats.provider_breakdown[0];
    assert_eq!(p.provider_id, "bankidse");
    assert_eq!(p.provider_name, "BankID SE");
    assert_eq!(p.claim_count, 2);
    // Running until 2026-04-15T23:59:59Z; over from that instant on.
    let expires = report.challenge.expires_at;
    assert!(!report.is_finished_at(expires - time::Duration::SECOND));
    assert!(report.is_finished_at(expires));
}

#[test]
fn report_percent_encodes_both_ids_into_one_segment_each() {
    let cases = [
        ("a/b", "ch/1", "/apps/a%2Fb/production-tests/ch%2F1/report"),
        (
            "../x",
            "../report",
            "/apps/..%2Fx/production-tests/..%2Freport/report",
        ),
        (
            "x?y#z",
            "c?d#e",
            "/apps/x%3Fy%23z/production-tests/c%3Fd%23e/report",
        ),
        (
            CLIENT_ID,
            "ch 1%",
            "/apps/FK5b0KSM/production-tests/ch%201%25/report",
        ),
    ];
    let mut server = Server::new();
    let c = client(&server);
    for (client_id, challenge_id, path) in cases {
        let mock = server
            .mock("GET", path)
            .with_body(fixture("report.json"))
            .expect(1)
            .create();
        let report = c.app(client_id).production_tests().report(challenge_id);
        assert!(report.is_ok(), "{client_id:?} {challenge_id:?}: {report:?}");
        mock.assert();
    }
}

#[test]
fn report_refuses_empty_and_dot_ids_without_a_request() {
    let mut server = Server::new();
    let mock = server.mock("GET", Matcher::Any).expect(0).create();
    let c = client(&server);
    let cases = [
        ("", CHALLENGE_ID, "`client_id` must not be empty"),
        (".", CHALLENGE_ID, "`client_id` must not be `.` or `..`"),
        (CLIENT_ID, "", "`challenge_id` must not be empty"),
        (CLIENT_ID, ".", "`challenge_id` must not be `.` or `..`"),
        (CLIENT_ID, "..", "`challenge_id` must not be `.` or `..`"),
    ];
    for (client_id, challenge_id, wanted) in cases {
        let e = c
            .app(client_id)
            .production_tests()
            .report(challenge_id)
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert_eq!(e.to_string(), format!("invalid input: {wanted}"));
        assert_eq!(e.attempts(), 0);
    }
    mock.assert();
}

#[test]
fn report_for_unknown_challenge_is_404_with_code() {
    let mut server = Server::new();
    let path = "/apps/FK5b0KSM/production-tests/req_7f3a9c1e/report";
    let mock = server
        .mock("GET", path)
        .with_status(404)
        .with_body(envelope(
            "RESOURCE_NOT_FOUND",
            "Challenge not found",
            json!({"challengeId": "req_7f3a9c1e"}),
        ))
        .expect(1)
        .create();
    let e = retrying_client(&server, 2)
        .app(CLIENT_ID)
        .production_tests()
        .report("req_7f3a9c1e")
        .unwrap_err();
    mock.assert();
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.code(), Some("RESOURCE_NOT_FOUND"));
    assert_eq!(
        api_error(&e).details(),
        Some(&json!({"challengeId": "req_7f3a9c1e"}))
    );
    assert_eq!(e.attempts(), 1);
}

#[test]
fn report_with_malformed_body_fails_with_decode_error_and_path() {
    let mut server = Server::new();
    let body = fixture("report.json").replace(r#""totalClaims": 2"#, r#""totalClaims": -2"#);
    let mock = server
        .mock("GET", REPORT_PATH)
        .with_body(body)
        .expect(1)
        .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .report(CHALLENGE_ID)
        .unwrap_err();
    mock.assert();
    let d = decode_error(&e);
    assert_eq!(d.operation(), "production test report");
    assert_eq!(d.index(), None);
    assert!(
        d.message()
            .starts_with("at `stats.totalClaims`: invalid value: integer `-2`"),
        "{}",
        d.message()
    );
    assert!(
        d.message().contains(" at line 7 column "),
        "{}",
        d.message()
    );
    assert!(
        e.to_string()
            .starts_with("malformed production test report response: at `stats.totalClaims`"),
        "{e}"
    );
    assert_error_hygiene(&e);
}

#[test]
fn report_and_create_bodies_must_be_json_objects() {
    let mut server = Server::new();
    let report = server
        .mock("GET", REPORT_PATH)
        .with_status(200)
        .with_body(r#"[{"id": "ch_1"}, {"totalParticipations": 0}]"#)
        .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .report(CHALLENGE_ID)
        .unwrap_err();
    let d = decode_error(&e);
    assert_eq!(d.operation(), "production test report");
    assert!(
        d.message()
            .starts_with("invalid type: sequence, expected a JSON object"),
        "{e}"
    );
    report.assert();

    let created = server
        .mock("POST", "/apps/FK5b0KSM/production-tests")
        .with_status(201)
        .with_body(r#"["req_1", "FK5b0KSM", "pending"]"#)
        .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .create(&hopae::production_tests::NewProductionTest::new("t"))
        .unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    assert!(e.to_string().contains("expected a JSON object"), "{e}");
    created.assert();
}
