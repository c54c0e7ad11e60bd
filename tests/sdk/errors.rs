//! Non-2xx answers: the error envelope, bodies that are not the envelope, retries, and
//! the guarantee that no error ever shows the API key.

use crate::support as common;

use common::*;
use hopae::production_tests::NewProductionTest;
use hopae::{Error, HopaeClient};
use mockito::{Server, ServerGuard};
use serde_json::json;

/// Calls one of the three endpoints against `server`.
fn call(c: &HopaeClient, endpoint: &str) -> Result<(), Error> {
    match endpoint {
        "list" => c.app(CLIENT_ID).production_tests().list().map(drop),
        "create" => c
            .app(CLIENT_ID)
            .production_tests()
            .create(&NewProductionTest::new("t"))
            .map(drop),
        "report" => c
            .app(CLIENT_ID)
            .production_tests()
            .report(CHALLENGE_ID)
            .map(drop),
        other => panic!("unknown endpoint {other}"),
    }
}

fn mock_for(server: &mut ServerGuard, endpoint: &str) -> mockito::Mock {
    match endpoint {
        "list" => server.mock("GET", LIST_PATH),
        "create" => server.mock("POST", LIST_PATH),
        "report" => server.mock("GET", REPORT_PATH),
        other => panic!("unknown endpoint {other}"),
    }
}

const ENDPOINTS: [&str; 3] = ["list", "create", "report"];

#[test]
fn envelope_errors_expose_status_code_message_details_and_request_id() {
    let cases = [
        (
            400,
            "VALIDATION_INVALID_PARAMETER",
            "Title is too long",
            json!({"parameter": "title"}),
        ),
        (
            401,
            "AUTH_INVALID_CREDENTIALS",
            "Invalid API key",
            json!({}),
        ),
        (404, "RESOURCE_NOT_FOUND", "App not found", json!(null)),
        (409, "RESOURCE_CONFLICT", "Conflict", json!({"a": [1, 2]})),
        (500, "SYSTEM_INTERNAL_ERROR", "Internal error", json!({})),
        (418, "SOME_NEW_CODE", "Line one\nline two", json!({})),
    ];
    for endpoint in ENDPOINTS {
        for (status, code, message, details) in &cases {
            let mut server = Server::new();
            let mock = mock_for(&mut server, endpoint)
                .with_status(*status)
                .with_header("content-type", "application/json")
                .with_body(envelope(code, message, details.clone()))
                .expect(1)
                .create();
            let e = call(&client(&server), endpoint).unwrap_err();
            mock.assert();
            let what = format!("{endpoint} {status}");
            assert_eq!(e.status(), Some(*status as u16), "{what}");
            assert_eq!(e.code(), Some(*code), "{what}");
            assert_eq!(e.request_id(), Some(REQUEST_ID), "{what}");
            assert_eq!(e.attempts(), 1, "{what}");
            let api = api_error(&e);
            assert_eq!(api.status(), *status as u16);
            assert_eq!(api.code(), Some(*code));
            assert_eq!(api.message(), Some(*message));
            assert_eq!(api.request_id(), Some(REQUEST_ID));
            assert_eq!(api.body_excerpt(), None, "{what}");
            // `details: null` and `{}`-less envelopes have no details.
            let wanted = (!details.is_null()).then_some(details);
            assert_eq!(api.details(), wanted, "{what}");
            assert_eq!(
                e.to_string(),
                format!("api error: status {status} {code}: {message:?} (request id {REQUEST_ID})"),
                "{what}"
            );
            assert_error_hygiene(&e);
        }
    }
}

#[test]
fn envelope_without_optional_fields_still_gives_the_code() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_status(403)
        .with_body(r#"{"error": {"code": "AUTH_FORBIDDEN"}}"#)
        .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .list()
        .unwrap_err();
    mock.assert();
    let api = api_error(&e);
    assert_eq!(api.code(), Some("AUTH_FORBIDDEN"));
    assert_eq!(api.message(), None);
    assert_eq!(api.details(), None);
    assert_eq!(api.request_id(), None);
    assert_eq!(e.to_string(), "api error: status 403 AUTH_FORBIDDEN");
}

#[test]
fn non_envelope_bodies_keep_status_and_a_short_single_line_excerpt() {
    let long_html = format!(
        "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n{}\n</body>\n</html>\n",
        "<p>upstream connect error or disconnect/reset before headers</p>\n".repeat(50)
    );
    let cases: Vec<(usize, String, Option<&str>)> = vec![
        (
            502,
            long_html,
            Some("502 Bad Gateway upstream connect error"),
        ),
        (
            503,
            "<html><body><h1>503 Service Unavailable</h1>\r\nNo server is available</body></html>"
                .into(),
            Some("503 Service Unavailable No server is available"),
        ),
        (401, "Unauthorized\n".into(), Some("Unauthorized")),
        (
            500,
            "internal\tserver\r\n\r\nerror".into(),
            Some("internal server error"),
        ),
        (404, String::new(), None),
        (400, "   \n ".into(), None),
        (
            401,
            r#"{"message": "Unauthorized"}"#.into(),
            Some(r#"{"message": "Unauthorized"}"#),
        ),
        (
            400,
            r#"{"error": "bad request"}"#.into(),
            Some(r#"{"error": "bad request"}"#),
        ),
        (
            409,
            r#"{"error": {"message": "no code"}}"#.into(),
            Some(r#"{"error": {"message": "no code"}}"#),
        ),
        (500, "[1, 2, 3]".into(), Some("[1, 2, 3]")),
        (500, "x".repeat(10_000), Some("xxxxxxxxxx")),
    ];
    for (status, body, prefix) in cases {
        let mut server = Server::new();
        let mock = server
            .mock("GET", LIST_PATH)
            .with_status(status)
            .with_header("content-type", "text/html")
            .with_body(&body)
            .expect(1)
            .create();
        let e = client(&server)
            .app(CLIENT_ID)
            .production_tests()
            .list()
            .unwrap_err();
        mock.assert();
        let what = format!("{status} {:?}", &body[..body.len().min(40)]);
        assert_eq!(e.status(), Some(status as u16), "{what}");
        assert_eq!(e.code(), None, "{what}");
        assert_eq!(e.request_id(), None, "{what}");
        let api = api_error(&e);
        assert_eq!(api.message(), None, "{what}");
        assert_eq!(api.details(), None, "{what}");
        match prefix {
            None => assert_eq!(api.body_excerpt(), None, "{what}"),
            Some(prefix) => {
                let excerpt = api.body_excerpt().expect(&what);
                assert!(excerpt.starts_with(prefix), "{what}: {excerpt:?}");
                assert!(excerpt.chars().count() <= 121, "{what}: {excerpt:?}");
                assert!(
                    !excerpt.contains(['\n', '\r', '\t', '<']),
                    "{what}: {excerpt:?}"
                );
                assert!(e.to_string().contains(&format!("body {excerpt:?}")), "{e}");
            }
        }
        assert!(
            e.to_string()
                .starts_with(&format!("api error: status {status}")),
            "{e}"
        );
        assert!(e.to_string().len() < 200, "{e}");
        assert_error_hygiene(&e);
    }
}

#[test]
fn request_id_header_is_kept_when_body_is_not_the_envelope() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_status(502)
        .with_header("x-request-id", REQUEST_ID)
        .with_body("<html>bad gateway</html>")
        .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .list()
        .unwrap_err();
    mock.assert();
    assert_eq!(e.request_id(), Some(REQUEST_ID));
    assert!(
        e.to_string()
            .ends_with(&format!("(request id {REQUEST_ID})")),
        "{e}"
    );
}

#[test]
fn server_error_is_retried_then_reported_with_attempts() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_status(500)
        .with_body(envelope(
            "SYSTEM_INTERNAL_ERROR",
            "Internal error",
            json!({}),
        ))
        .expect(2)
        .create();
    let e = retrying_client(&server, 1)
        .app(CLIENT_ID)
        .production_tests()
        .list()
        .unwrap_err();
    mock.assert();
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.attempts(), 2);
    assert!(e.to_string().ends_with("(after 2 attempts)"), "{e}");
}

#[test]
fn server_error_then_success_returns_the_success() {
    let mut server = Server::new();
    let failing = server
        .mock("GET", REPORT_PATH)
        .with_status(503)
        .with_body("<html>unavailable</html>")
        .expect(1)
        .create();
    let ok = server
        .mock("GET", REPORT_PATH)
        .with_body(fixture("report.json"))
        .expect(1)
        .create();
    let report = retrying_client(&server, 1)
        .app(CLIENT_ID)
        .production_tests()
        .report(CHALLENGE_ID)
        .unwrap();
    failing.assert();
    ok.assert();
    assert_eq!(report.stats.total_claims, 2);
}

#[test]
fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 409, 422] {
        let mut server = Server::new();
        let mock = server
            .mock("GET", LIST_PATH)
            .with_status(status)
            .with_body(envelope("X", "no", json!({})))
            .expect(1)
            .create();
        let e = retrying_client(&server, 3)
            .app(CLIENT_ID)
            .production_tests()
            .list()
            .unwrap_err();
        mock.assert();
        assert_eq!(e.attempts(), 1, "{status}");
    }
}

#[test]
fn rate_limit_beyond_max_wait_fails_at_once_with_retry_after() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_status(429)
        .with_header("retry-after", "3600")
        .expect(1)
        .create();
    let e = retrying_client(&server, 3)
        .app(CLIENT_ID)
        .production_tests()
        .list()
        .unwrap_err();
    mock.assert();
    assert_eq!(e.status(), Some(429));
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(3600)));
    assert_eq!(e.attempts(), 1);
    assert_eq!(e.to_string(), "api error: status 429 (retry after 3600s)");
}

#[test]
fn redirect_is_not_followed() {
    let mut server = Server::new();
    let target = server.mock("GET", "/elsewhere").expect(0).create();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_status(302)
        .with_header("location", &format!("{}/elsewhere", server.url()))
        .expect(1)
        .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .list()
        .unwrap_err();
    mock.assert();
    target.assert();
    assert_eq!(e.status(), Some(302));
    assert_eq!(
        e.to_string(),
        "api error: status 302: redirect not followed"
    );
}

// Caught on the old code: every 3xx said "redirect not followed", though 300 and 304
// are no redirects (and 304 has no Location to follow at all).
#[test]
fn only_redirect_statuses_are_called_redirects() {
    let mut server = Server::new();
    for (status, shown) in [
        (
            300,
            "api error: status 300: unexpected status (not an answer of the api)",
        ),
        (
            304,
            "api error: status 304: unexpected status (not an answer of the api)",
        ),
        (303, "api error: status 303: redirect not followed"),
        (308, "api error: status 308: redirect not followed"),
    ] {
        let mock = server
            .mock("GET", LIST_PATH)
            .with_status(status)
            .with_header("location", "/elsewhere")
            .expect(1)
            .create();
        let e = client(&server)
            .app(CLIENT_ID)
            .production_tests()
            .list()
            .unwrap_err();
        mock.assert();
        mock.remove();
        assert_eq!(e.status(), Some(status as u16));
        assert_eq!(e.to_string(), shown);
        assert_eq!(e.attempts(), 1, "3xx is never retried");
    }
}

#[test]
fn key_echoed_by_the_server_never_reaches_an_error() {
    let echo = format!("Invalid key Bearer {KEY}");
    let bodies = [
        envelope("AUTH_INVALID_CREDENTIALS", &echo, json!({"key": KEY})),
        format!("<html><body>{echo}</body></html>"),
        format!("{{\"detail\": \"{echo}\"}}"),
        format!("denied: {KEY}"),
        // JSON escapes hide the key from a search in the raw bytes.
        {
            let escaped: String = KEY
                .chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect();
            format!(
                r#"{{"error":{{"code":"X{escaped}","message":"bad key {escaped}","details":{{"{escaped}":["{escaped}"]}}}},"request_id":"{escaped}"}}"#
            )
        },
    ];
    for body in bodies {
        let mut server = Server::new();
        let mock = server
            .mock("GET", LIST_PATH)
            .with_status(401)
            .with_body(&body)
            .expect(1)
            .create();
        let e = client(&server)
            .app(CLIENT_ID)
            .production_tests()
            .list()
            .unwrap_err();
        mock.assert();
        assert_eq!(e.status(), Some(401));
        assert_error_hygiene(&e);
        let api = api_error(&e);
        for text in [
            api.message(),
            api.body_excerpt(),
            api.code(),
            api.request_id(),
        ]
        .into_iter()
        .flatten()
        {
            assert!(!text.contains(SECRET), "{text}");
        }
        if let Some(details) = api.details() {
            assert!(!details.to_string().contains(SECRET), "{details}");
        }
    }
}

#[test]
fn key_echoed_in_a_2xx_body_never_reaches_a_decode_error() {
    let mut server = Server::new();
    let body =
        fixture("report.json").replace(r#""isActive": true"#, &format!(r#""isActive": "{KEY}""#));
    let mock = server.mock("GET", REPORT_PATH).with_body(body).create();
    let e = client(&server)
        .app(CLIENT_ID)
        .production_tests()
        .report(CHALLENGE_ID)
        .unwrap_err();
    mock.assert();
    let d = decode_error(&e);
    assert!(
        d.message()
            .starts_with(r#"at `challenge.isActive`: invalid type: string "[redacted]""#),
        "{}",
        d.message()
    );
    assert_error_hygiene(&e);
}

#[test]
fn no_error_kind_shows_the_key() {
    let mut server = Server::new();
    let api_mock = server.mock("GET", LIST_PATH).with_status(401).create();
    let decode_mock = server
        .mock("GET", REPORT_PATH)
        .with_body("{\"challenge\": 1}")
        .create();
    let c = client(&server);
    let mut errors = vec![
        c.app(CLIENT_ID).production_tests().list().unwrap_err(),
        c.app(CLIENT_ID)
            .production_tests()
            .report(CHALLENGE_ID)
            .unwrap_err(),
        c.app("..").production_tests().list().unwrap_err(),
        c.app(CLIENT_ID)
            .production_tests()
            .create(&NewProductionTest::new(""))
            .unwrap_err(),
        HopaeClient::builder(KEY)
            .base_url("http://example.com")
            .build()
            .unwrap_err(),
        HopaeClient::builder(KEY)
            .environment(hopae::Environment::Production)
            .build()
            .unwrap_err(),
        HopaeClient::new(format!("{KEY} x")).unwrap_err(),
    ];
    // A port nobody listens on: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused = HopaeClient::builder(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(0)
        .build()
        .unwrap();
    errors.push(
        refused
            .app(CLIENT_ID)
            .production_tests()
            .list()
            .unwrap_err(),
    );

    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            Error::Api(_) => "api",
            Error::Decode(_) => "decode",
            Error::Transport(_) => "transport",
            Error::Config(_) => "config",
            Error::InvalidInput(_) => "input",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "api",
            "decode",
            "input",
            "input",
            "config",
            "config",
            "config",
            "transport"
        ]
    );
    for e in &errors {
        assert_error_hygiene(e);
    }
    api_mock.assert();
    decode_mock.assert();
}

#[test]
fn server_controlled_text_cannot_break_the_one_line_display() {
    let mut server = Server::new();
    let api_mock = server
        .mock("GET", LIST_PATH)
        .with_status(400)
        .with_body(
            json!({"error": {"code": "BAD\nFAKE: log line", "message": "m\r\nx"},
                   "request_id": "id\n2026-04-08 ERROR forged"})
            .to_string(),
        )
        .create();
    let decode_mock = server
        .mock("GET", "/apps/other/production-tests")
        .with_body(r#"[{"type": "challenge\nFORGED", "challenge": null}]"#)
        .create();
    let c = client(&server);
    let api = c.app(CLIENT_ID).production_tests().list().unwrap_err();
    assert_eq!(
        api.code(),
        Some("BAD\nFAKE: log line"),
        "accessors keep the value as sent"
    );
    let decode = c.app("other").production_tests().list().unwrap_err();
    assert_eq!(decode_error(&decode).index(), Some(0));
    assert_eq!(
        api.to_string(),
        r#"api error: status 400 BAD\nFAKE: log line: "m\r\nx" (request id id\n2026-04-08 ERROR forged)"#
    );
    assert!(
        decode
            .to_string()
            .starts_with(r"malformed list production tests response: item 0: at `type`: unknown variant `challenge\nFORGED`"),
        "{decode}"
    );
    for e in [api, decode] {
        assert_error_hygiene(&e);
    }
    api_mock.assert();
    decode_mock.assert();
}
