//! Resilient transport: retries, Retry-After, idempotency keys, deadlines, size caps,
//! redirects. Faults mockito cannot produce come from the std fault server.

use crate::fault_server;
use crate::support;
mod response_body;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fault_server::{Action, FaultServer, keep_alive_response, response};
use hopae::production_tests::NewProductionTest;
use hopae::{ClientBuilder, Error, HopaeClient, TransportErrorKind};

const KEY: &str = "sk_workspace_test_transport_SECRET";
const LIST: &str = include_str!("../../fixtures/list.json");
const CREATED: &str = include_str!("../../fixtures/created.json");
const LIST_PATH: &str = "/connect/v1/apps/FK5b0KSM/production-tests";

/// A client with test-sized waits: tiny backoff, short deadlines.
fn builder(url: &str) -> ClientBuilder {
    HopaeClient::builder(KEY)
        .base_url(url)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .timeout(Duration::from_secs(5))
}

fn mock_url(server: &mockito::Server) -> String {
    format!("{}/connect/v1", server.url())
}

fn envelope(code: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"m","details":{{}}}},"request_id":"rid-1"}}"#)
}

/// A list mock answering 200 with the fixture, `hits` times.
fn ok_list(server: &mut mockito::Server, hits: usize) -> mockito::Mock {
    server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_body(LIST)
        .expect(hits)
        .create()
}

/// A list mock answering `status` with a `Retry-After` header, `hits` times.
fn busy(
    server: &mut mockito::Server,
    status: usize,
    retry_after: &str,
    hits: usize,
) -> mockito::Mock {
    server
        .mock("GET", LIST_PATH)
        .with_status(status)
        .with_header("retry-after", retry_after)
        .expect(hits)
        .create()
}

#[test]
fn retry_429_then_200_succeeds_on_second_attempt() {
    let mut server = mockito::Server::new();
    let busy = busy(&mut server, 429, "0", 1);
    // mockito answers with the oldest matching mock until it has had its expected
    // hits, then with the newest: one 429, then 200s.
    let ok = ok_list(&mut server, 1);
    let client = builder(&mock_url(&server)).build().unwrap();
    let items = client.app("FK5b0KSM").production_tests().list().unwrap();
    assert_eq!(items.len(), 2);
    busy.assert();
    ok.assert();
}

#[test]
fn retry_on_503_forever_gives_up_after_max_retries_plus_one_attempts() {
    let mut server = mockito::Server::new();
    let m = server
        .mock("GET", LIST_PATH)
        .with_status(503)
        .with_body(envelope("SYSTEM_INTERNAL_ERROR"))
        .expect(4)
        .create();
    let client = builder(&mock_url(&server)).max_retries(3).build().unwrap();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), 4);
    assert_eq!(err.code(), Some("SYSTEM_INTERNAL_ERROR"));
    assert!(err.to_string().ends_with("(after 4 attempts)"), "{err}");
    m.assert();
}

#[test]
fn every_retryable_status_is_retried_and_others_are_not() {
    let mut server = mockito::Server::new();
    let client = builder(&mock_url(&server)).max_retries(1).build().unwrap();
    for (status, code, attempts) in [
        (429, "X", 2),
        (500, "SYSTEM_INTERNAL_ERROR", 2),
        (502, "X", 2),
        (503, "X", 2),
        (504, "X", 2),
        (409, "IDEMPOTENCY_REQUEST_IN_PROGRESS", 2),
        (409, "IDEMPOTENCY_KEY_CONFLICT", 1),
        (409, "RESOURCE_CONFLICT", 1),
        (400, "VALIDATION_INVALID_PARAMETER", 1),
        (401, "AUTH_INVALID_CREDENTIALS", 1),
        (403, "AUTH_FORBIDDEN", 1),
        (404, "RESOURCE_NOT_FOUND", 1),
        (501, "X", 1),
    ] {
        let m = server
            .mock("GET", LIST_PATH)
            .with_status(status)
            .with_body(envelope(code))
            .expect(attempts)
            .create();
        let err = client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap_err();
        assert_eq!(err.status(), Some(status as u16));
        assert_eq!(err.attempts(), attempts as u32, "{status} {code}");
        m.assert();
        m.remove();
    }
}

#[test]
fn retry_after_seconds_is_slept() {
    let mut server = mockito::Server::new();
    let busy = busy(&mut server, 503, "1", 1);
    let ok = ok_list(&mut server, 1);
    let client = builder(&mock_url(&server)).max_retries(1).build().unwrap();
    let started = Instant::now();
    client.app("FK5b0KSM").production_tests().list().unwrap();
    // The backoff alone would be at most 5 ms: the second attempt waited for the server.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    busy.assert();
    ok.assert();
}

#[test]
fn retry_after_http_date_in_the_past_retries_at_once() {
    let mut server = mockito::Server::new();
    let busy = busy(&mut server, 429, "Wed, 21 Oct 2015 07:28:00 GMT", 2);
    let client = builder(&mock_url(&server)).max_retries(1).build().unwrap();
    let started = Instant::now();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(err.attempts(), 2);
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    busy.assert();
}

#[test]
fn retry_after_longer_than_max_wait_fails_at_once_with_the_wait() {
    let mut server = mockito::Server::new();
    let busy = busy(&mut server, 429, "120", 1);
    let client = builder(&mock_url(&server))
        .max_retry_wait(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.attempts(), 1);
    assert!(err.to_string().contains("retry after 120s"), "{err}");
    busy.assert();
}

#[test]
fn connection_closed_before_response_is_retried_until_success() {
    let server = FaultServer::start(vec![Action::Close, Action::Close, response(200, "", LIST)]);
    let client = builder(&server.url()).build().unwrap();
    let items = client.app("FK5b0KSM").production_tests().list().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(server.connections(), 3);
}

#[test]
fn connection_closed_forever_fails_as_transport_error_after_all_attempts() {
    let server = FaultServer::start(vec![Action::Close]);
    let client = builder(&server.url()).max_retries(2).build().unwrap();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::ConnectionClosed);
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.connections(), 3);
    assert!(
        err.to_string().starts_with(&format!(
            "connection closed: GET {}/apps/FK5b0KSM/production-tests",
            client.base_url()
        )),
        "{err}"
    );
    // The cause is kept as the source, where it can be downcast.
    let source = std::error::Error::source(&err).expect("a transport error has a source");
    assert!(
        source.downcast_ref::<std::io::Error>().is_some()
            || source.downcast_ref::<ureq::Error>().is_some(),
        "{source:?}"
    );
}

#[test]
fn connection_refused_is_retried_and_reported() {
    // Bind and drop a listener: its port is (almost certainly) closed now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .max_retries(1)
        .build()
        .unwrap();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Connect),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 2);
    assert!(!err.is_timeout());
}

#[test]
fn create_retries_reuse_the_idempotency_key_and_exact_body() {
    // A POST is retried on a retryable status (a complete answer), never once the
    // connection broke after the request was written (see the tests below).
    let server = FaultServer::start(vec![
        response(503, "", &envelope("SYSTEM_INTERNAL_ERROR")),
        response(429, "retry-after: 0\r\n", &envelope("RATE_LIMITED")),
        response(
            201,
            "location: /connect/v1/apps/FK5b0KSM/production-tests\r\n",
            CREATED,
        ),
    ]);
    let client = builder(&server.url()).build().unwrap();
    let test = NewProductionTest::new("MitID Production Test")
        .provider_ids(["mitid"])
        .max_stamps(3);
    let created = client
        .app("FK5b0KSM")
        .production_tests()
        .create(&test)
        .unwrap();
    assert_eq!(created.id, "req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let keys: Vec<String> = requests
        .iter()
        .map(|r| fault_server::header(r, "idempotency-key").expect("idempotency-key sent"))
        .collect();
    assert!(
        keys[0].len() <= 255 && keys[0].starts_with("hopae-"),
        "{}",
        keys[0]
    );
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
    let bodies: Vec<&[u8]> = requests.iter().map(|r| fault_server::body(r)).collect();
    assert_eq!(
        bodies[0],
        br#"{"title":"MitID Production Test","providerIds":["mitid"],"maxStamps":3}"#
    );
    assert!(bodies.iter().all(|b| b == &bodies[0]));
}

#[test]
fn separate_creates_get_different_generated_keys_and_caller_keys_are_sent_as_given() {
    let server = FaultServer::start(vec![response(201, "", CREATED)]);
    let client = builder(&server.url()).build().unwrap();
    let test = NewProductionTest::new("t");
    client
        .app("FK5b0KSM")
        .production_tests()
        .create(&test)
        .unwrap();
    client
        .app("FK5b0KSM")
        .production_tests()
        .create(&test)
        .unwrap();
    client
        .app("FK5b0KSM")
        .production_tests()
        .with_idempotency_key("nightly-2026-11-26")
        .create(&test)
        .unwrap();
    let keys: Vec<String> = server
        .requests()
        .iter()
        .map(|r| fault_server::header(r, "idempotency-key").unwrap())
        .collect();
    assert_eq!(keys.len(), 3);
    assert_ne!(keys[0], keys[1]);
    assert_eq!(keys[2], "nightly-2026-11-26");
}

#[test]
fn invalid_idempotency_keys_are_refused_before_sending() {
    let server = FaultServer::start(vec![response(201, "", CREATED)]);
    let client = builder(&server.url()).build().unwrap();
    let test = NewProductionTest::new("t");
    for key in ["", "a b", "line\nbreak", &"k".repeat(256)] {
        let err = client
            .app("FK5b0KSM")
            .production_tests()
            .with_idempotency_key(key)
            .create(&test)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{key:?}: {err:?}");
        assert_eq!(err.attempts(), 0);
    }
    assert_eq!(server.connections(), 0);
}

#[test]
fn a_server_that_never_answers_times_out_without_retry() {
    let server = FaultServer::start(vec![Action::Hang]);
    let client = builder(&server.url())
        .timeout(Duration::from_millis(300))
        .max_retries(2)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 1, "a timed-out attempt is not retried");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.to_string()
            .contains("no complete response within 300ms"),
        "{err}"
    );
}

#[test]
fn a_dripping_body_cannot_hold_the_call_past_the_deadline() {
    let server = FaultServer::start(vec![Action::Drip {
        len: 1000,
        every: Duration::from_millis(20),
    }]);
    let client = builder(&server.url())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    // Without a whole-attempt deadline this would take 1000 x 20 ms = 20 s.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_timeout(), "{err:?}");
}

#[test]
fn a_truncated_body_is_a_transport_error_and_not_retried() {
    let server = FaultServer::start(vec![Action::Truncate {
        announced: 1000,
        sent: 10,
    }]);
    let client = builder(&server.url()).build().unwrap();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(matches!(&err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.connections(), 1);
}

#[test]
fn an_endless_body_stops_at_the_size_cap() {
    let server = FaultServer::start(vec![Action::Endless { max: 256 << 20 }]);
    let client = builder(&server.url())
        .max_response_size(1 << 20)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                status: 200,
                limit: 1048576,
                attempts: 1
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(
        err.to_string(),
        "response too large: status 200 body exceeds the limit of 1048576 bytes"
    );
}

#[test]
fn a_declared_oversized_body_is_refused() {
    let body = format!("[{}]", " ".repeat(3000));
    let server = FaultServer::start(vec![response(200, "", &body)]);
    let client = builder(&server.url())
        .max_response_size(2048)
        .build()
        .unwrap();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 2048, .. }),
        "{err:?}"
    );
    // A body exactly at the cap is accepted.
    let server = FaultServer::start(vec![response(200, "", LIST)]);
    let client = builder(&server.url())
        .max_response_size(LIST.len() as u64)
        .build()
        .unwrap();
    assert_eq!(
        client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn an_oversized_error_body_still_reports_the_status() {
    let body = "x".repeat(5000);
    let server = FaultServer::start(vec![response(500, "", &body)]);
    let client = builder(&server.url())
        .max_response_size(1000)
        .max_retries(0)
        .build()
        .unwrap();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(matches!(err, Error::Api(_)));
}

#[test]
fn redirects_are_reported_and_never_followed() {
    let mut target = mockito::Server::new();
    let never = target.mock("GET", mockito::Matcher::Any).expect(0).create();
    let mut server = mockito::Server::new();
    for status in [301, 302, 307, 308] {
        let m = server
            .mock("GET", LIST_PATH)
            .with_status(status)
            .with_header("location", &format!("{}/steal", target.url()))
            .expect(1)
            .create();
        let client = builder(&mock_url(&server)).build().unwrap();
        let err = client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap_err();
        assert_eq!(err.status(), Some(status as u16));
        assert!(err.to_string().contains("redirect not followed"), "{err}");
        m.assert();
        m.remove();
    }
    never.assert();
}

#[test]
fn the_key_never_appears_in_errors_of_any_kind() {
    let server = FaultServer::start(vec![
        Action::Close,
        response(401, "", &envelope("AUTH_INVALID_CREDENTIALS")),
        response(200, "", r#"[{"type":"nope"}]"#),
        Action::Hang,
    ]);
    let client = builder(&server.url())
        .max_retries(0)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    for _ in 0..4 {
        let err = client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("SECRET"), "{text}");
            assert!(!text.contains(KEY), "{text}");
        }
    }
    assert!(!format!("{client:?}").contains("SECRET"));
    // The key does travel where it belongs: in the Authorization header.
    let auth = fault_server::header(&server.requests()[0], "authorization").unwrap();
    assert_eq!(auth, format!("Bearer {KEY}"));
}

#[test]
fn plain_http_to_a_remote_host_is_refused_at_build_time() {
    for url in [
        "http://api.hopae.com/connect/v1",
        "http://192.168.1.10/connect/v1",
        "http://localhost.evil.example/",
    ] {
        let err = HopaeClient::builder(KEY).base_url(url).build().unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.kind() == hopae::ConfigErrorKind::BaseUrl && m.message().contains("must use https")),
            "{url}: {err}"
        );
    }
}

#[test]
fn header_injection_through_the_key_is_refused() {
    let err = HopaeClient::builder("sk_workspace_test_a\r\nX-Evil: 1")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert!(!err.to_string().contains("X-Evil"));
}

// Relies on Linux dropping SYNs to a listener whose accept queue is full.
#[cfg(target_os = "linux")]
#[test]
fn connect_timeout_bounds_connecting_and_is_retried() {
    // A listener that never accepts: once its accept queue is full, the kernel drops new
    // SYNs and connecting hangs. Fill the queue (bounded), then let the client connect.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    let full = (0..2000).any(|_| {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => {
                held.push(s);
                false
            }
            Err(_) => true,
        }
    });
    assert!(
        full,
        "could not fill the accept queue of a loopback listener"
    );
    let client = builder(&format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(300))
        .timeout(Duration::from_secs(10))
        .max_retries(1)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        err.attempts(),
        2,
        "nothing was sent, so a connect timeout is retried"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.to_string().contains("could not connect within 300ms"),
        "{err}"
    );
}

/// Creates a production test on App `FK5b0KSM`.
fn create_test(client: &HopaeClient) -> Result<hopae::production_tests::ChallengeRequest, Error> {
    client
        .app("FK5b0KSM")
        .production_tests()
        .create(&NewProductionTest::new("t"))
}

// Caught on the old code: each of these got 3 identical POSTs. ureq 3 reports all three
// the same way (`UnexpectedEof`, "peer disconnected"), so the client cannot tell "closed
// before any byte of the answer" from "closed in the middle of it": once a POST may have
// been written, its outcome is unknown and the call ends after that one attempt.
#[test]
fn a_post_is_never_resent_once_its_request_may_have_been_written() {
    for (what, action) in [
        ("closed without answering", Action::Close),
        ("partial status line", Action::Raw(b"HTTP/1.1 20".to_vec())),
        (
            "partial headers",
            Action::Raw(b"HTTP/1.1 201 Created\r\nContent-Le".to_vec()),
        ),
    ] {
        let server = FaultServer::start(vec![action, response(201, "", CREATED)]);
        let client = builder(&server.url()).max_retries(2).build().unwrap();
        let err = create_test(&client).unwrap_err();
        let Error::Transport(t) = &err else {
            panic!("{what}: expected a transport error, got {err:?}")
        };
        assert_eq!(t.kind(), TransportErrorKind::ConnectionClosed, "{what}");
        assert_eq!(err.attempts(), 1, "{what}");
        assert_eq!(
            server.requests().len(),
            1,
            "{what}: the POST was sent again"
        );
        assert!(
            err.to_string()
                .starts_with("connection closed: POST http://"),
            "{what}: {err}"
        );
        // The key the POST carried, to send it again without creating twice.
        let key = err.idempotency_key().expect("a POST has a key");
        assert!(key.starts_with("hopae-"), "{what}: {key}");
        let sent = String::from_utf8_lossy(&server.requests()[0]).to_lowercase();
        assert!(
            sent.contains(&format!("idempotency-key: {}", key.to_lowercase())),
            "{what}: {sent}"
        );
    }
    // A GET carries none.
    let server = FaultServer::start(vec![Action::Close]);
    let client = builder(&server.url()).max_retries(0).build().unwrap();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert_eq!(err.idempotency_key(), None);
}

// The other side of the rule above: a GET that met the same faults is retried.
#[test]
fn a_get_is_retried_after_a_partial_answer() {
    let server = FaultServer::start(vec![
        Action::Raw(b"HTTP/1.1 20".to_vec()),
        Action::Raw(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec()),
        response(200, "", LIST),
    ]);
    let client = builder(&server.url()).max_retries(2).build().unwrap();
    let items = client.app("FK5b0KSM").production_tests().list().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(server.requests().len(), 3);
}

// A POST whose connection was refused was never sent: it is retried like any call.
#[test]
fn a_post_is_retried_when_it_could_not_connect() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .max_retries(2)
        .build()
        .unwrap();
    let err = create_test(&client).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Connect),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 3);
}

// ureq checks a pooled connection before reusing it (a non-blocking read: end of stream
// or stray bytes discard it), so a server closing idle keep-alive connections between
// two POSTs costs a new connection, not a failed call. Each create is sent once, with
// its own key.
#[test]
fn a_post_after_the_server_closed_the_idle_connection_succeeds_on_a_new_one() {
    let server = FaultServer::start(vec![Action::KeepAlive {
        response: keep_alive_response(201, CREATED),
        idle: Duration::from_millis(50),
    }]);
    let client = builder(&server.url()).build().unwrap();
    create_test(&client).unwrap();
    // Reused while the server keeps it open.
    create_test(&client).unwrap();
    assert_eq!(server.connections(), 1);
    // The server closes it after 50 ms idle; the next POST must not fail on it.
    std::thread::sleep(Duration::from_millis(200));
    create_test(&client).unwrap();
    assert_eq!(server.connections(), 2);
    let keys: Vec<String> = server
        .requests()
        .iter()
        .map(|r| fault_server::header(r, "idempotency-key").unwrap())
        .collect();
    assert_eq!(keys.len(), 3, "each create sent exactly once");
    assert!(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);
}

// Caught on the old code: with `max_retry_wait(Duration::MAX)`, a 503 with this header
// panicked (`overflow when adding duration to instant`) or slept forever. Now the
// setting is at most 24 h, and a longer server wait ends the call at once.
#[test]
fn a_huge_retry_after_returns_at_once_with_the_wait() {
    let err = HopaeClient::builder(KEY)
        .max_retry_wait(Duration::MAX)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");

    let mut server = mockito::Server::new();
    let busy = busy(&mut server, 503, "99999999999999999999", 1);
    let client = builder(&mock_url(&server))
        .max_retry_wait(Duration::from_secs(24 * 60 * 60))
        .max_retries(3)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(u64::MAX)));
    busy.assert();
}

/// Accepts connections on 127.0.0.1, reads what arrives (a TLS ClientHello), answers
/// `answer` (nothing: just closes); returns the port and the count of connections.
fn plain_tcp_server(answer: &'static [u8]) -> (u16, Arc<AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        // Bounded: a test makes at most a few connections.
        for stream in listener.incoming().take(5) {
            let Ok(mut stream) = stream else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let mut hello = [0u8; 4096];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(answer);
        }
    });
    (port, count)
}

// Caught on the old code: an https base URL on a plain-http port was reported as
// "connection closed" and retried (or, when the server answered, as a bare "network
// error"). It is a TLS failure, said as such, and not retried: another attempt meets
// the same server.
#[test]
fn an_https_url_on_a_plain_http_port_is_a_tls_failure_not_retried() {
    for (what, answer) in [
        (
            "answers 400",
            &b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"[..],
        ),
        ("closes", &b""[..]),
    ] {
        let (port, connections) = plain_tcp_server(answer);
        let client = builder(&format!("https://127.0.0.1:{port}/connect/v1"))
            .max_retries(2)
            .build()
            .unwrap();
        let err = client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap_err();
        let Error::Transport(t) = &err else {
            panic!("{what}: expected a transport error, got {err:?}")
        };
        assert_eq!(t.kind(), TransportErrorKind::Tls, "{what}: {err}");
        assert_eq!(err.attempts(), 1, "{what}");
        assert_eq!(connections.load(Ordering::SeqCst), 1, "{what}");
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!(
                "tls failure: GET https://127.0.0.1:{port}/connect/v1/apps/FK5b0KSM/production-tests: "
            )),
            "{what}: {shown}"
        );
        assert!(shown.contains("did not speak TLS"), "{what}: {shown}");
        assert!(std::error::Error::source(&err).is_some(), "{what}");
    }
}

/// Runs `threads` x `calls` list calls on one client against a keep-alive server and
/// returns how many connections the server accepted.
fn connections_for(
    threads: usize,
    calls: usize,
    builder: ClientBuilder,
    server: &FaultServer,
) -> usize {
    let client = builder.build().unwrap();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let client = &client;
            scope.spawn(move || {
                for _ in 0..calls {
                    let items = client.app("FK5b0KSM").production_tests().list().unwrap();
                    assert_eq!(items.len(), 2);
                }
            });
        }
    });
    assert_eq!(server.requests().len(), threads * calls);
    server.connections()
}

fn keep_alive_server() -> FaultServer {
    FaultServer::start(vec![Action::KeepAlive {
        response: keep_alive_response(200, LIST),
        idle: Duration::from_secs(5),
    }])
}

// Caught on the old code: the pool kept 3 idle connections per host, so threads sharing
// a client closed and reopened connections all the time (~765 over 4,000 calls from 16
// threads; 58 for these 400 calls with a pool of 3). With the default pool of 16, 8
// threads need at most one connection each, plus a few opened while another was being
// returned.
#[test]
fn threads_sharing_a_client_reuse_its_connections() {
    let server = keep_alive_server();
    let opened = connections_for(8, 50, builder(&server.url()), &server);
    assert!(opened <= 16, "{opened} connections for 400 calls");
}

#[test]
fn max_idle_connections_zero_opens_one_connection_per_call() {
    let server = keep_alive_server();
    let opened = connections_for(
        8,
        50,
        builder(&server.url()).max_idle_connections(0),
        &server,
    );
    assert_eq!(opened, 400);
}

// ------------------------------------------------- idempotency conflicts (409 codes)

/// A production-test create against mockito: the funnel's POST with its key.
fn post_mock(server: &mut mockito::ServerGuard) -> mockito::Mock {
    support::json_keyed(server, "POST", support::LIST_PATH, mockito::Matcher::Any)
}

#[test]
fn a_post_idempotency_key_conflict_is_not_retried() {
    let mut server = mockito::Server::new();
    let mock = post_mock(&mut server)
        .with_status(409)
        .with_body(support::envelope(
            "IDEMPOTENCY_KEY_CONFLICT",
            "Idempotency key reused with a different body",
            serde_json::json!({}),
        ))
        .expect(1)
        .create();
    let e = support::retrying_client(&server, 3)
        .app(support::CLIENT_ID)
        .production_tests()
        .with_idempotency_key("key-1")
        .create(&NewProductionTest::new("t"))
        .unwrap_err();
    mock.assert();
    assert_eq!(e.status(), Some(409));
    assert_eq!(e.code(), Some("IDEMPOTENCY_KEY_CONFLICT"));
    assert_eq!(e.attempts(), 1);
    support::assert_error_hygiene(&e);
}

#[test]
fn a_post_request_in_progress_is_retried_then_succeeds() {
    let mut server = mockito::Server::new();
    // mockito answers with the first matching mock that still expects hits.
    let busy = post_mock(&mut server)
        .match_header("idempotency-key", "key-2")
        .with_status(409)
        .with_body(support::envelope(
            "IDEMPOTENCY_REQUEST_IN_PROGRESS",
            "In progress",
            serde_json::json!({}),
        ))
        .expect(1)
        .create();
    let replay = post_mock(&mut server)
        .match_header("idempotency-key", "key-2")
        .with_status(201)
        .with_header("idempotency-replayed", "true")
        .with_body(support::fixture("created.json"))
        .expect(1)
        .create();
    let request = support::retrying_client(&server, 2)
        .app(support::CLIENT_ID)
        .production_tests()
        .with_idempotency_key("key-2")
        .create(&NewProductionTest::new("t"))
        .unwrap();
    busy.assert();
    replay.assert();
    assert_eq!(
        request.status,
        hopae::production_tests::RequestStatus::Pending
    );
}
