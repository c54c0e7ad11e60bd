//! `GET /workspace`: request shape, both timestamp spellings, errors.

use crate::support as common;

use common::*;
use hopae::workspace::Workspace;
use mockito::{Matcher, Server};
use serde_json::json;

#[test]
fn workspace_sends_a_get_and_reads_created_at_from_created_at_camel() {
    let mut server = Server::new();
    let mock = with_common_headers(server.mock("GET", "/workspace"))
        .match_header("content-type", Matcher::Missing)
        .match_header("idempotency-key", Matcher::Missing)
        .match_body("")
        .with_body(fixture("workspace.json"))
        .create();
    let ws = client(&server).workspace().unwrap();
    mock.assert();
    assert_eq!(ws.id, "org_2b7c9d1e");
    assert_eq!(ws.apps_count, 3);
    // Both spellings are sent and name one instant.
    assert_eq!(ws.created_at.unix_timestamp(), 1_768_465_800);
}

#[test]
fn workspace_created_at_comes_from_the_timestamp_not_the_unix_seconds() {
    // When the two disagree, the RFC 3339 one (`createdAt`) is the one read.
    let body = json!({"id": "org_1", "apps_count": 0,
        "createdAt": "2026-01-15T08:30:00.000Z", "created_at": 0})
    .to_string();
    let only_camel = json!({"id": "org_1", "apps_count": 0,
        "createdAt": "2026-01-15T08:30:00.000Z"})
    .to_string();
    for body in [body, only_camel] {
        let mut server = Server::new();
        let mock = server.mock("GET", "/workspace").with_body(&body).create();
        let ws = client(&server).workspace().unwrap();
        mock.assert();
        assert_eq!(ws.created_at.unix_timestamp(), 1_768_465_800, "{body}");
    }
}

#[test]
fn workspace_decode_errors_name_the_field() {
    for (body, wanted) in [
        (
            r#"{"id": "org_1", "apps_count": 0, "created_at": 1768465800}"#,
            "missing field `createdAt`",
        ),
        (
            r#"{"id": "org_1", "apps_count": "3", "createdAt": "2026-01-15T08:30:00.000Z"}"#,
            r#"at `apps_count`: invalid type: string "3", expected u64 at line 1 column"#,
        ),
        (
            r#"{"id": "org_1", "apps_count": 3, "createdAt": "15/01/2026"}"#,
            r#"at `createdAt`: invalid value: string "15/01/2026", expected an RFC 3339 timestamp"#,
        ),
        (
            r#"["org_1", 3, "2026-01-15T08:30:00.000Z"]"#,
            "invalid type: sequence",
        ),
    ] {
        let mut server = Server::new();
        let mock = server.mock("GET", "/workspace").with_body(body).create();
        let e = client(&server).workspace().unwrap_err();
        mock.assert();
        let d = decode_error(&e);
        assert_eq!(d.operation(), "get workspace");
        assert!(d.message().starts_with(wanted), "{}", d.message());
        assert_error_hygiene(&e);
    }
}

#[test]
fn workspace_with_an_invalid_key_is_an_api_error() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/workspace")
        .with_status(401)
        .with_body(envelope(
            "AUTH_INVALID_CREDENTIALS",
            "Invalid API key",
            json!({}),
        ))
        .create();
    let e = client(&server).workspace().unwrap_err();
    mock.assert();
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.code(), Some("AUTH_INVALID_CREDENTIALS"));
    assert_eq!(e.request_id(), Some(REQUEST_ID));
    assert_error_hygiene(&e);
}

#[test]
fn workspace_round_trips_through_serde() {
    let ws: Workspace = serde_json::from_str(&fixture("workspace.json")).unwrap();
    let json = serde_json::to_value(&ws).unwrap();
    assert_eq!(
        json,
        json!({"id": "org_2b7c9d1e", "apps_count": 3, "createdAt": "2026-01-15T08:30:00.000Z"})
    );
    assert_eq!(serde_json::from_value::<Workspace>(json).unwrap(), ws);
}
