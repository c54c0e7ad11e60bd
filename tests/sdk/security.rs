//! Holes an adversarial review found in the first version, one test each (the comment
//! on each says what it catches): the API key leaking through server-sent strings or
//! build errors, plain http reaching non-loopback hosts, over-long input reported as a
//! network failure.

use crate::fault_server;
use crate::support as common;

use std::sync::{Arc, Mutex};

use common::{KEY, SECRET, assert_error_hygiene, fixture};
use fault_server::{Action, FaultServer, response};
use hopae::{Error, HopaeClient};

/// A client for a fault server, with the common test key and no retries.
fn client(server: &FaultServer) -> HopaeClient {
    HopaeClient::builder(KEY)
        .base_url(server.url())
        .max_retries(0)
        .build()
        .unwrap()
}

/// Asserts that neither `Display` nor `Debug` of `e` shows any part of the secret.
fn assert_no_key(e: &Error) {
    assert_error_hygiene(e);
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains("S3CR3T"), "{text}");
    }
}

// Caught on the old code: a 2xx answer whose body does not decode, with the key echoed
// in `X-Request-Id`, showed the key in `Display`, `Debug` and `request_id()`.
#[test]
fn a_request_id_echoing_the_key_is_redacted_on_the_decode_path() {
    let header = format!("x-request-id: {KEY}\r\n");
    for body in ["not json", "{\"challenge\": 1}", ""] {
        let server = FaultServer::start(vec![response(200, &header, body)]);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let client = HopaeClient::builder(KEY)
            .base_url(server.url())
            .on_response(move |r| log.lock().unwrap().push(r.request_id.map(str::to_owned)))
            .build()
            .unwrap();
        let e = client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{body:?}: {e:?}");
        assert_eq!(e.request_id(), Some("[redacted]"), "{body:?}");
        assert!(
            e.to_string().ends_with("(request id [redacted])"),
            "{body:?}: {e}"
        );
        assert!(format!("{e:?}").contains("[redacted]"), "{e:?}");
        assert_no_key(&e);
        // The hook sees the same redacted id.
        assert_eq!(*seen.lock().unwrap(), [Some("[redacted]".to_owned())]);
    }
}

// The same echo on the paths where the body is not decoded at all: an oversized body,
// a body cut short, and an error status.
#[test]
fn a_request_id_echoing_the_key_never_shows_on_other_paths() {
    let header = format!("x-request-id: {KEY}\r\nretry-after: {KEY}\r\n");
    let big = format!("[{}]", " ".repeat(4096));
    let truncated = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{header}content-length: 1000\r\n\r\n[{{\"type\""
    );
    let server = FaultServer::start(vec![
        response(200, &header, &big),
        Action::Raw(truncated.into_bytes()),
        response(503, &header, "busy"),
    ]);
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .max_response_size(1024)
        .max_retries(0)
        .build()
        .unwrap();
    let list = || {
        client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap_err()
    };

    let too_large = list();
    assert!(
        matches!(too_large, Error::ResponseTooLarge { status: 200, .. }),
        "{too_large:?}"
    );
    assert_no_key(&too_large);

    let cut_short = list();
    assert!(matches!(cut_short, Error::Transport(_)), "{cut_short:?}");
    assert_no_key(&cut_short);

    let api = list();
    assert_eq!(api.status(), Some(503));
    assert_eq!(api.request_id(), Some("[redacted]"));
    assert_eq!(
        api.retry_after(),
        None,
        "a Retry-After that is no wait is ignored"
    );
    assert_no_key(&api);
}

// Caught on the old code: the base URL was cut to 100 characters before the key was
// redacted, so an error showed the first part of a key that straddled the cut.
#[test]
fn a_base_url_error_never_shows_part_of_a_key_straddling_the_cut() {
    for pad in [70, 80, 85, 90, 95, 99] {
        for url in [
            format!("ftp://{}/{KEY}", "a".repeat(pad)),
            format!("http://example.com/{}{KEY}", "a".repeat(pad - 12)),
        ] {
            let e = HopaeClient::builder(KEY)
                .base_url(&url)
                .build()
                .unwrap_err();
            assert!(matches!(e, Error::Config(_)), "{e:?}");
            let shown = e.to_string();
            assert!(
                shown.starts_with("invalid configuration: base URL"),
                "{shown}"
            );
            // Any part of the secret: the cut may leave its first characters.
            for text in [shown.clone(), format!("{e:?}")] {
                assert!(!text.contains(&SECRET[..4]), "{text}");
            }
        }
    }
}

// Caught on the old code: a host with a trailing dot is not "localhost" to a string
// compare, but the resolver may send `localhost.` anywhere DNS says; plain http reached
// it. An empty label now fails the build, and nothing is sent.
#[test]
fn plain_http_with_a_trailing_dot_host_is_refused_and_sends_nothing() {
    let server = FaultServer::start(vec![response(200, "", "[]")]);
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let port = port.trim_end_matches("/connect/v1");
    for host in [
        "localhost.",
        "127.0.0.1.",
        "LOCALHOST.",
        "localhost..",
        ".localhost",
    ] {
        let url = format!("http://{host}:{port}/connect/v1");
        let e = HopaeClient::builder(KEY)
            .base_url(&url)
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m.kind() == hopae::ConfigErrorKind::BaseUrl && m.message().contains("empty label")),
            "{url}: {e:?}"
        );
        assert_no_key(&e);
    }
    assert_eq!(server.connections(), 0);
}

// Caught on the old code: keys with `"`, `\`, `<` or `&` were accepted, and their
// escaped forms (`\"` in Debug, `&lt;` in a page, `\u003c` in JSON) slipped past a
// search for the plain key.
#[test]
fn a_key_with_characters_that_escaping_changes_is_refused() {
    for (key, position) in [
        ("sk_workspace_test_a\"b", 20),
        ("sk_workspace_test_ab\\", 21),
        ("sk_workspace_test_<ab", 19),
        ("sk_workspace_test_a&b", 20),
        ("sk_workspace_test_a'b", 20),
    ] {
        let e = HopaeClient::new(key).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{key}: {e:?}");
        let shown = e.to_string();
        assert!(
            shown.ends_with(&format!("character {position} is not one")),
            "{shown}"
        );
        assert!(!shown.contains("workspace_test_a"), "{shown}");
        assert!(!format!("{e:?}").contains("workspace_test_a"), "{e:?}");
    }
}

// Caught on the old code for the page and the non-envelope JSON body: the excerpt was
// cut from the raw text, so a key behind HTML character references or JSON `\u`
// escapes showed its secret part. (The envelope's own fields were already decoded
// before redaction: tests/api_errors.rs.)
#[test]
fn an_escaped_echo_of_the_key_is_redacted_in_every_body_form() {
    // Only the first character escaped: the rest of the key, secret included, reads
    // plainly in the raw body. And every character escaped.
    let json_first = format!("\\u0073{}", &KEY[1..]);
    let json_all: String = KEY
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let html_first = format!("&#115;{}", &KEY[1..]);
    let html_all: String = KEY.chars().map(|c| format!("&#x{:x};", c as u32)).collect();
    let mut bodies = Vec::new();
    for escaped in [&json_first, &json_all] {
        // The envelope, with the key JSON-escaped in its message.
        bodies.push(format!(
            r#"{{"error":{{"code":"AUTH_INVALID_CREDENTIALS","message":"bad key {escaped}"}},"request_id":"r-1"}}"#
        ));
        // Other JSON.
        bodies.push(format!(r#"{{"detail": "bad key {escaped}"}}"#));
    }
    for escaped in [&html_first, &html_all, &KEY.to_owned()] {
        // A proxy's page.
        bodies.push(format!(
            "<html><body><p>Bearer {escaped} refused</p></body></html>"
        ));
    }
    for body in bodies {
        let server = FaultServer::start(vec![response(401, "", &body)]);
        let e = client(&server)
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap_err();
        assert_eq!(e.status(), Some(401));
        assert_no_key(&e);
        let api = common::api_error(&e);
        let shown = api.message().or(api.body_excerpt()).unwrap();
        assert!(shown.contains("[redacted]"), "{body}: {shown}");
        assert!(!shown.contains("S3CR3T"), "{shown}");
    }
}

// Caught on the old code: a 30,000-character client id went out in the URL, and the
// server's refusal came back as a network failure. It is refused before sending, with
// a short message.
#[test]
fn an_over_long_path_parameter_is_invalid_input_and_sends_nothing() {
    let mut server = mockito::Server::new();
    let never = server.mock("GET", mockito::Matcher::Any).expect(0).create();
    let never_post = server
        .mock("POST", mockito::Matcher::Any)
        .expect(0)
        .create();
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .build()
        .unwrap();
    let id = "F".repeat(30_000);
    let errors = [
        client.app(&id).production_tests().list().unwrap_err(),
        client
            .app("FK5b0KSM")
            .production_tests()
            .report(&id)
            .unwrap_err(),
        client
            .app(&id)
            .production_tests()
            .create(&hopae::production_tests::NewProductionTest::new("t"))
            .unwrap_err(),
        client
            .app("FK5b0KSM")
            .production_tests()
            .with_idempotency_key(&id)
            .create(&hopae::production_tests::NewProductionTest::new("t"))
            .unwrap_err(),
    ];
    for e in &errors {
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert_eq!(e.attempts(), 0);
        let shown = e.to_string();
        assert!(shown.len() < 300, "{} characters: {shown}", shown.len());
        assert!(!shown.contains("FFFFFFFFFF"), "{shown}");
        assert_no_key(e);
    }
    never.assert();
    never_post.assert();
}

// Caught on the old code: a percent-encoded dot in the host passed the checks and was
// only refused when a call was made. It is a configuration error at `build()`.
#[test]
fn a_percent_encoded_host_is_refused_at_build() {
    for url in [
        "https://api.hopae.com%2e/connect/v1",
        "https://api%2ehopae.com/connect/v1",
        "https://%61pi.hopae.com/connect/v1",
    ] {
        let e = HopaeClient::builder(KEY).base_url(url).build().unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{url}: {e:?}");
        assert!(e.to_string().len() < 300);
        assert_no_key(&e);
    }
}

// Every Display stays short, whatever the caller passed: a huge base URL, a huge
// request id to wait for, a huge user agent prefix.
#[test]
fn no_caller_string_makes_a_display_long() {
    let huge = "x".repeat(30_000);
    let mut errors = vec![
        HopaeClient::builder(KEY)
            .base_url(format!("https://{huge}.example/"))
            .build()
            .unwrap_err(),
        HopaeClient::builder(KEY)
            .base_url(format!("ftp://h.example/{huge}"))
            .build()
            .unwrap_err(),
        HopaeClient::builder(KEY)
            .user_agent_prefix(huge.clone())
            .build()
            .unwrap_err(),
        HopaeClient::new(format!("sk_workspace_test_{huge}")).unwrap_err(),
    ];
    let mut server = mockito::Server::new();
    let list = server
        .mock("GET", common::LIST_PATH)
        .with_body(fixture("list.json"))
        .expect(1)
        .create();
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .build()
        .unwrap();
    errors.push(
        client
            .app(common::CLIENT_ID)
            .production_tests()
            .wait_for_challenge(&huge, &Default::default())
            .unwrap_err(),
    );
    list.assert();
    for e in &errors {
        let shown = e.to_string();
        assert!(
            shown.chars().count() < 300,
            "{} characters: {shown}",
            shown.len()
        );
        assert_no_key(e);
    }
}
