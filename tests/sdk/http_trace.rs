//! The HTTP trace (`HOPAE_DEBUG=http`, `http_trace_to`) and `ResponseEvent`'s headers:
//! everything a developer needs to debug a call, and no secret of any kind.

use crate::support as common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{CLIENT_ID, KEY, SECRET};
use hopae::serde_json::json;
use hopae::{AppClient, HopaeClient};

/// Every secret the calls below send or receive; none may appear in the trace.
const SECRETS: &[&str] = &[
    SECRET,
    "cs_live_SECRETVALUE1",
    "whsec_SECRETVALUE2",
    "SECRETCOOKIE3",
    "whsec_SECRETREQUEST4",
    "eyJSECRETACCESS5",
    "eyJSECRETID6",
    "SECRETREFRESH7",
    "SECRETPASSWORD8",
    "SECRETAPPSECRET9",
    "SECRETBEARER10",
    "SECRETSHORT",
];

type Lines = Arc<Mutex<Vec<String>>>;

fn traced(lines: &Lines) -> impl Fn(&str) + Send + Sync + 'static {
    let lines = lines.clone();
    move |line: &str| lines.lock().unwrap().push(line.to_owned())
}

// Caught on the old code: there was no trace at all, and `ResponseEvent` had no headers.
#[test]
fn the_trace_shows_requests_and_responses_and_no_secret_of_any_kind() {
    let mut server = mockito::Server::new();
    let app = server
        .mock("GET", format!("/apps/{CLIENT_ID}").as_str())
        .with_status(200)
        .with_header("set-cookie", "session=SECRETCOOKIE3; HttpOnly")
        .with_header("x-request-id", &format!("req-{KEY}"))
        .with_header("x-trace", "plain-value")
        .with_body(
            json!({
                "clientId": CLIENT_ID,
                "clientSecret": "cs_live_SECRETVALUE1",
                "webhookConfig": {"url": "https://example.com/h", "secret": "whsec_SECRETVALUE2"},
            })
            .to_string(),
        )
        .create();
    let post = server
        .mock("POST", "/apps/FK5b0KSM/webhook")
        .with_status(201)
        .with_body(r#"{"ok":true}"#)
        .create();
    let tokens = server
        .mock("GET", "/tokens")
        .with_status(200)
        .with_body(
            json!({
                "access_token": "eyJSECRETACCESS5",
                "id_token": "eyJSECRETID6",
                "refresh_token": "SECRETREFRESH7",
                "code": "SECRETPASSWORD8",
                "token": "SECRETSHORT",
                "nested": [{"evidence": {"document": "SECRETBEARER10"}}],
                "error": {"code": "NOT_A_SECRET_CODE"},
            })
            .to_string(),
        )
        .create();
    let denied = server
        .mock("GET", "/denied")
        .with_status(401)
        .with_body(format!(
            r#"{{"detail":"bad key {}", "again": "{KEY}"}}"#,
            KEY.chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect::<String>()
        ))
        .create();

    let lines: Lines = Arc::default();
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = events.clone();
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .max_retries(0)
        .http_trace_to(traced(&lines))
        .on_response(move |e| {
            seen.lock()
                .unwrap()
                .push(format!("{:?} {:?}", e.request_headers, e.response_headers))
        })
        .build()
        .unwrap();
    client
        .request("GET", &format!("/apps/{CLIENT_ID}"))
        .send()
        .unwrap();
    client
        .request("POST", "/apps/FK5b0KSM/webhook")
        .json(&json!({"url": "https://example.com/h", "secret": "whsec_SECRETREQUEST4"}))
        .send()
        .unwrap();
    client.request("GET", "/tokens").send_json().unwrap();
    client.request("GET", "/denied").send().unwrap_err();
    app.assert();
    post.assert();
    tokens.assert();
    denied.assert();

    // The App API's Basic credentials.
    let basic = server.mock("GET", "/app-call").with_status(204).create();
    let app_client = AppClient::builder(CLIENT_ID, "SECRETAPPSECRET9")
        .base_url(server.url())
        .http_trace_to(traced(&lines))
        .build()
        .unwrap();
    app_client.request("GET", "/app-call").send().unwrap();
    basic.assert();

    // A call that gets no response.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    HopaeClient::builder(KEY)
        .base_url(dead_url)
        .max_retries(0)
        .connect_timeout(Duration::from_secs(5))
        .http_trace_to(traced(&lines))
        .build()
        .unwrap()
        .workspace()
        .unwrap_err();

    let trace = lines.lock().unwrap().join("\n");
    let events = events.lock().unwrap().join("\n");
    for secret in SECRETS {
        assert!(!trace.contains(secret), "{secret} in the trace:\n{trace}");
        assert!(
            !events.contains(secret),
            "{secret} in the events:\n{events}"
        );
    }
    // The Basic credentials, base64-encoded as sent, are not there either.
    assert!(!trace.contains("U0VDUkVUQVBQU0VDUkVUOQ"), "{trace}");
    for expected in [
        &format!("hopae: > GET {}/apps/FK5b0KSM (attempt 1)", server.url()),
        "hopae: > authorization: Bearer [redacted]",
        "hopae: > authorization: Basic [redacted]",
        "hopae: > user-agent: hopae/",
        "hopae: > idempotency-key: ",
        "hopae: > [body: ",
        "of application/json, not shown]",
        "hopae: < 200 OK in ",
        "hopae: < 201 Created in ",
        "hopae: < 401 Unauthorized in ",
        "hopae: < 204 No Content in ",
        "hopae: < set-cookie: [redacted]",
        "hopae: < x-request-id: req-[redacted]",
        "hopae: < x-trace: plain-value",
        r#""clientId":"FK5b0KSM""#,
        r#""clientSecret":"[redacted]""#,
        "bad key [redacted]",
        // The API's error code is no secret.
        "NOT_A_SECRET_CODE",
        "hopae: ! no response after ",
    ] {
        assert!(trace.contains(expected), "{expected} missing:\n{trace}");
    }
    assert!(
        events.contains(r#"("authorization", "Bearer [redacted]")"#),
        "{events}"
    );
    assert!(events.contains(r#"("x-trace", "plain-value")"#), "{events}");
    // Every line is one trace line.
    assert!(trace.lines().all(|l| l.starts_with("hopae: ")), "{trace}");
}

#[test]
fn the_body_excerpt_is_bounded() {
    let mut server = mockito::Server::new();
    let m = server
        .mock("GET", "/big")
        .with_body(format!(r#"{{"data":"{}"}}"#, "x".repeat(100_000)))
        .create();
    let lines: Lines = Arc::default();
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .http_trace_to(traced(&lines))
        .build()
        .unwrap();
    client.request("GET", "/big").send().unwrap();
    m.assert();
    let lines = lines.lock().unwrap();
    let body = lines
        .iter()
        .find(|l| l.contains("[body: 100011 bytes]"))
        .unwrap();
    assert!(body.chars().count() < 1100, "{}", body.len());
    assert!(body.ends_with('…'));
}
