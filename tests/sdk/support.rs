//! Helpers shared by the integration tests: clients pointed at a mockito server,
//! fixtures, the error envelope, and checks every error must pass.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::time::Duration;

use hopae::{Error, HopaeClient};
use mockito::{Matcher, Mock, ServerGuard};

/// The API key every test uses. Its secret part must never show up in an error.
pub const KEY: &str = "sk_workspace_test_S3CR3T0123456789abcdef";
/// The part of [`KEY`] after the public prefix.
pub const SECRET: &str = "S3CR3T0123456789abcdef";
/// A client id as the reference writes them.
pub const CLIENT_ID: &str = "FK5b0KSM";
/// The challenge id of the fixtures.
pub const CHALLENGE_ID: &str = "ch_9a1b2c3d-4e5f-6789-abcd-ef0123456789";
/// The list path of [`CLIENT_ID`].
pub const LIST_PATH: &str = "/apps/FK5b0KSM/production-tests";
/// The report path of [`CLIENT_ID`] and [`CHALLENGE_ID`].
pub const REPORT_PATH: &str =
    "/apps/FK5b0KSM/production-tests/ch_9a1b2c3d-4e5f-6789-abcd-ef0123456789/report";
/// A request id as the reference writes them.
pub const REQUEST_ID: &str = "228aaefb-3ce2-4dd0-a73b-b96f71c5779f";

/// A client for `server` that never retries.
pub fn client(server: &ServerGuard) -> HopaeClient {
    retrying_client(server, 0)
}

/// A client for `server` with `retries` retries and a backoff of a few milliseconds.
pub fn retrying_client(server: &ServerGuard, retries: u32) -> HopaeClient {
    HopaeClient::builder(KEY)
        .base_url(server.url())
        .timeout(Duration::from_secs(10))
        .max_retries(retries)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .expect("a loopback client builds")
}

/// The text of `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Hopae's error envelope.
pub fn envelope(code: &str, message: &str, details: serde_json::Value) -> String {
    serde_json::json!({
        "error": { "code": code, "message": message, "details": details },
        "request_id": REQUEST_ID,
    })
    .to_string()
}

/// Adds the headers every call must send: the bearer key, `accept: application/json`
/// and a `hopae/` user agent.
pub fn with_common_headers(mock: Mock) -> Mock {
    mock.match_header("authorization", format!("Bearer {KEY}").as_str())
        .match_header("accept", "application/json")
        .match_header("user-agent", Matcher::Regex(r"^hopae/\d+\.\d+\.\d+".into()))
}

/// Checks what must hold for every error: one line, no trailing period, and neither
/// `Display` nor `Debug` shows the API key.
pub fn assert_error_hygiene(e: &Error) {
    let display = e.to_string();
    let debug = format!("{e:?}");
    for text in [&display, &debug] {
        assert!(!text.contains(SECRET), "the key leaked: {text}");
    }
    assert!(
        !display.contains('\n') && !display.contains('\r'),
        "{display:?}"
    );
    assert!(!display.ends_with('.'), "{display:?}");
    assert!(
        display.starts_with(|c: char| !c.is_uppercase()),
        "not lowercase: {display:?}"
    );
}

/// The `ApiError` inside `e`, or a panic naming what `e` was instead.
pub fn api_error(e: &Error) -> &hopae::ApiError {
    match e {
        Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// The `DecodeError` inside `e`, or a panic naming what `e` was instead.
pub fn decode_error(e: &Error) -> &hopae::DecodeError {
    match e {
        Error::Decode(d) => d,
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

/// Mocks that match every request of every method the API uses, expected 0 times: for
/// checks that must refuse a call before anything is sent (`assert` each at the end).
pub fn expect_no_requests(server: &mut ServerGuard) -> Vec<Mock> {
    ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .map(|method| server.mock(method, Matcher::Any).expect(0).create())
        .collect()
}
