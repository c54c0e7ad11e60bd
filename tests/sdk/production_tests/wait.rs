//! `client.app(id).production_tests().wait_for_challenge(..)` against mockito list sequences.

use crate::fault_server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hopae::wait::{WaitDetail, WaitOptions};
use hopae::{Error, HopaeClient, WaitError};
use mockito::{Mock, Server, ServerGuard};
use serde_json::{Value, json};

const APP: &str = "FK5b0KSM";
const REQ: &str = "req_7f3a9c1e";
const LIST_PATH: &str = "/apps/FK5b0KSM/production-tests";

fn client(server: &ServerGuard) -> HopaeClient {
    HopaeClient::builder("sk_workspace_test_wait")
        .base_url(server.url())
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

fn fast() -> WaitOptions {
    WaitOptions::new()
        .interval(Duration::from_millis(5))
        .timeout(Duration::from_secs(5))
}

fn challenge(id: &str, title: &str, created: &str) -> Value {
    json!({"type": "challenge", "request": null, "challenge": {
        "id": id, "title": title, "description": null,
        "expiresAt": "2026-04-15T23:59:59.000Z", "createdAt": created,
        "completedAt": null, "isActive": true, "challengeMode": "stamp",
        "sponsor": null, "sources": null}})
}

fn request(status: &str, challenge_id: Option<&str>) -> Value {
    request_with_id(REQ, status, challenge_id)
}

fn request_with_id(id: &str, status: &str, challenge_id: Option<&str>) -> Value {
    json!({"type": "request", "challenge": null, "request": {
        "id": id, "clientId": APP, "status": status,
        "payload": {"title": "MitID Production Test", "providerIds": ["mitid"],
                    "maxStampClaims": 3, "targetPlatform": null},
        "challengeId": challenge_id, "createdAt": "2026-04-08T10:00:00.000Z"}})
}

/// A list mock answered `hits` times with `items`; mockito serves mocks in creation
/// order until each has its hits, so consecutive calls build a sequence.
fn list(server: &mut ServerGuard, items: Value, hits: usize) -> Mock {
    server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(items.to_string())
        .expect(hits)
        .create()
}

fn wait_error(result: Result<hopae::production_tests::Challenge, Error>) -> WaitError {
    match result {
        Err(Error::Wait(e)) => *e,
        other => panic!("expected a wait error, got {other:?}"),
    }
}

#[test]
fn wait_returns_challenge_named_by_challenge_id_after_pending_polls() {
    let mut server = Server::new();
    let pending = list(
        &mut server,
        json!([
            challenge("ch_old", "BankID", "2026-04-01T00:00:00.000Z"),
            request("pending", None)
        ]),
        2,
    );
    let scheduled = list(
        &mut server,
        json!([
            challenge("ch_old", "BankID", "2026-04-01T00:00:00.000Z"),
            request("scheduled", Some("ch_new")),
            challenge(
                "ch_new",
                "MitID Production Test",
                "2026-04-08T10:05:00.000Z"
            ),
        ]),
        1,
    );
    let c = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &fast())
        .unwrap();
    assert_eq!(c.id, "ch_new");
    assert_eq!(c.title, "MitID Production Test");
    pending.assert();
    scheduled.assert();
}

#[test]
fn wait_keeps_polling_while_challenge_id_is_set_but_its_challenge_is_not_listed() {
    let mut server = Server::new();
    let early = list(
        &mut server,
        json!([request("scheduled", Some("ch_new"))]),
        2,
    );
    let listed = list(
        &mut server,
        json!([
            request("scheduled", Some("ch_new")),
            challenge("ch_new", "Renamed by Hopae", "2026-04-08T10:05:00.000Z"),
        ]),
        1,
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let options = fast().on_poll(move |p| {
        let WaitDetail::ProductionTest { challenge_id } = &p.detail else {
            panic!("{p:?}")
        };
        log.lock().unwrap().push((p.polls, challenge_id.clone()))
    });
    let c = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &options)
        .unwrap();
    // The challengeId decides, whatever the title.
    assert_eq!(c.id, "ch_new");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (1, Some("ch_new".to_owned())),
            (2, Some("ch_new".to_owned()))
        ]
    );
    early.assert();
    listed.assert();
}

#[test]
fn wait_reports_each_unresolved_poll_to_the_callback() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let unknown_status = list(&mut server, json!([request("queued", None)]), 1);
    let done = list(
        &mut server,
        json!([
            request("scheduled", Some("ch_new")),
            challenge(
                "ch_new",
                "MitID Production Test",
                "2026-04-08T10:05:00.000Z"
            )
        ]),
        1,
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let options = fast().on_poll(move |p| {
        assert!(p.elapsed < Duration::from_secs(5));
        log.lock().unwrap().push((p.polls, p.status.clone()));
    });
    let c = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &options)
        .unwrap();
    assert_eq!(c.id, "ch_new");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (1, Some("pending".to_owned())),
            (2, Some("queued".to_owned()))
        ]
    );
    pending.assert();
    unknown_status.assert();
    done.assert();
}

#[test]
fn wait_ends_with_request_failed_when_status_is_failed() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let failed = list(&mut server, json!([request("failed", None)]), 1);
    let e = wait_error(
        client(&server)
            .app(APP)
            .production_tests()
            .wait_for_challenge(REQ, &fast()),
    );
    assert_eq!(
        e,
        WaitError::RequestFailed {
            request_id: REQ.into()
        }
    );
    pending.assert();
    failed.assert();
}

#[test]
fn wait_ends_with_unknown_request_when_first_poll_does_not_list_it() {
    let mut server = Server::new();
    let other = list(
        &mut server,
        json!([request_with_id("req_other", "pending", None)]),
        1,
    );
    let e = wait_error(
        client(&server)
            .app(APP)
            .production_tests()
            .wait_for_challenge(REQ, &fast()),
    );
    assert_eq!(
        e,
        WaitError::UnknownRequest {
            request_id: REQ.into()
        }
    );
    assert_eq!(e.request_id(), Some(REQ));
    other.assert();
}

#[test]
fn wait_matches_one_challenge_by_title_and_time_after_request_disappears() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let gone = list(
        &mut server,
        json!([
            // Same title but created before the request: not a candidate.
            challenge(
                "ch_before",
                "MitID Production Test",
                "2026-04-08T09:59:59.999Z"
            ),
            challenge(
                "ch_other",
                "Smart-ID Production Test",
                "2026-04-08T10:01:00.000Z"
            ),
            // Created at the request's very millisecond: a candidate.
            challenge(
                "ch_new",
                "MitID Production Test",
                "2026-04-08T10:00:00.000Z"
            ),
        ]),
        1,
    );
    let c = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &fast())
        .unwrap();
    assert_eq!(c.id, "ch_new");
    pending.assert();
    gone.assert();
}

#[test]
fn wait_prefers_last_seen_challenge_id_after_request_disappears() {
    let mut server = Server::new();
    let scheduled = list(&mut server, json!([request("scheduled", Some("ch_b"))]), 1);
    let gone = list(
        &mut server,
        json!([
            challenge("ch_a", "MitID Production Test", "2026-04-08T10:01:00.000Z"),
            challenge("ch_b", "MitID Production Test", "2026-04-08T10:02:00.000Z"),
        ]),
        1,
    );
    let c = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &fast())
        .unwrap();
    assert_eq!(c.id, "ch_b");
    scheduled.assert();
    gone.assert();
}

#[test]
fn wait_ends_ambiguous_when_several_challenges_match_a_disappeared_request() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let gone = list(
        &mut server,
        json!([
            challenge("ch_a", "MitID Production Test", "2026-04-08T10:01:00.000Z"),
            challenge("ch_b", "MitID Production Test", "2026-04-08T10:02:00.000Z"),
        ]),
        1,
    );
    let e = wait_error(
        client(&server)
            .app(APP)
            .production_tests()
            .wait_for_challenge(REQ, &fast()),
    );
    assert_eq!(
        e,
        WaitError::Ambiguous {
            request_id: REQ.into(),
            candidates: vec!["ch_a".into(), "ch_b".into()]
        }
    );
    pending.assert();
    gone.assert();
}

#[test]
fn wait_keeps_polling_when_disappeared_request_has_no_matching_challenge_yet() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let empty = list(&mut server, json!([]), 2);
    let later = list(
        &mut server,
        json!([challenge(
            "ch_new",
            "MitID Production Test",
            "2026-04-08T10:03:00.000Z"
        )]),
        1,
    );
    let c = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &fast())
        .unwrap();
    assert_eq!(c.id, "ch_new");
    pending.assert();
    empty.assert();
    later.assert();
}

#[test]
fn wait_times_out_with_last_status() {
    let mut server = Server::new();
    let pending = server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_body(json!([request("pending", None)]).to_string())
        .expect_at_least(2)
        .create();
    let options = WaitOptions::new()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_millis(60));
    let started = Instant::now();
    let e = wait_error(
        client(&server)
            .app(APP)
            .production_tests()
            .wait_for_challenge(REQ, &options),
    );
    match &e {
        WaitError::TimedOut {
            request_id,
            waited,
            last_status,
            polls,
        } => {
            assert_eq!(request_id, REQ);
            assert!(*polls >= 2, "{polls}");
            assert!(*waited >= Duration::from_millis(60), "{waited:?}");
            assert_eq!(last_status.as_deref(), Some("pending"));
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(e.to_string().ends_with("(last status pending)"), "{e}");
    pending.assert();
}

#[test]
fn wait_times_out_with_no_status_when_request_stays_gone() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let empty = server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_body("[]")
        .expect_at_least(1)
        .create();
    let options = WaitOptions::new()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_millis(40));
    let e = wait_error(
        client(&server)
            .app(APP)
            .production_tests()
            .wait_for_challenge(REQ, &options),
    );
    assert!(
        matches!(
            e,
            WaitError::TimedOut {
                last_status: None,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().ends_with("(no longer listed)"), "{e}");
    pending.assert();
    empty.assert();
}

#[test]
fn wait_never_sleeps_past_timeout_and_checks_once_more_at_the_deadline() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let at_deadline = list(
        &mut server,
        json!([
            request("scheduled", Some("ch_new")),
            challenge(
                "ch_new",
                "MitID Production Test",
                "2026-04-08T10:05:00.000Z"
            )
        ]),
        1,
    );
    // An interval far longer than the timeout: the wait must sleep only until the
    // deadline, then poll a last time, and that poll resolves.
    // The wait runs on its own thread so that a regression (sleeping the whole hour)
    // fails this test after 10 s instead of hanging it.
    let options = WaitOptions::new()
        .interval(Duration::from_secs(3600))
        .timeout(Duration::from_millis(100));
    let client = client(&server);
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let started = Instant::now();
        let c = client
            .app(APP)
            .production_tests()
            .wait_for_challenge(REQ, &options);
        let _ = done.send((c, started.elapsed()));
    });
    let (c, elapsed) = result
        .recv_timeout(Duration::from_secs(10))
        .expect("the wait ends within 10 s, not after its 1 h interval");
    assert_eq!(c.unwrap().id, "ch_new");
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
    pending.assert();
    at_deadline.assert();
}

#[test]
fn wait_with_zero_timeout_polls_exactly_once() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let options = WaitOptions::new().timeout(Duration::ZERO);
    let e = wait_error(
        client(&server)
            .app(APP)
            .production_tests()
            .wait_for_challenge(REQ, &options),
    );
    assert!(matches!(e, WaitError::TimedOut { .. }), "{e:?}");
    pending.assert();
}

#[test]
fn wait_rejects_zero_interval_and_empty_request_id_without_calling() {
    let mut server = Server::new();
    let none = server.mock("GET", LIST_PATH).expect(0).create();
    let c = client(&server);
    let e = c
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &WaitOptions::new().interval(Duration::ZERO))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "invalid input: the wait interval must be greater than zero"
    );
    let e = c
        .app(APP)
        .production_tests()
        .wait_for_challenge("", &fast())
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    none.assert();
}

#[test]
fn wait_propagates_api_error_of_a_poll_as_is() {
    let mut server = Server::new();
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let not_found = server
        .mock("GET", LIST_PATH)
        .with_status(404)
        .with_body(r#"{"error":{"code":"RESOURCE_NOT_FOUND","message":"App not found"},"request_id":"rid-1"}"#)
        .expect(1)
        .create();
    let e = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &fast())
        .unwrap_err();
    assert!(matches!(e, Error::Api(_)), "{e:?}");
    assert_eq!(e.code(), Some("RESOURCE_NOT_FOUND"));
    assert_eq!(e.request_id(), Some("rid-1"));
    pending.assert();
    not_found.assert();
}

#[test]
fn wait_propagates_decode_error_of_a_poll_as_is() {
    let mut server = Server::new();
    let bad = list(&mut server, json!([{"type": "request"}]), 1);
    let e = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &fast())
        .unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    bad.assert();
}

#[test]
fn wait_fallback_skips_challenges_listed_while_the_request_was_pending() {
    // Same title, created after the request, but already listed while the request was
    // still pending: it cannot be this request's challenge.
    let mut server = Server::new();
    let same_title = "MitID Production Test";
    let pending = list(
        &mut server,
        json!([
            challenge("ch_earlier", same_title, "2026-04-08T10:01:00.000Z"),
            request("pending", None)
        ]),
        1,
    );
    let gone = list(
        &mut server,
        json!([
            challenge("ch_earlier", same_title, "2026-04-08T10:01:00.000Z"),
            challenge("ch_ours", same_title, "2026-04-08T10:05:00.000Z")
        ]),
        1,
    );
    let c = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &fast())
        .unwrap();
    assert_eq!(c.id, "ch_ours");
    pending.assert();
    gone.assert();
}

#[test]
fn wait_fallback_skips_challenges_another_request_names_as_its_own() {
    let mut server = Server::new();
    let same_title = "MitID Production Test";
    let pending = list(&mut server, json!([request("pending", None)]), 1);
    let gone = list(
        &mut server,
        json!([
            challenge("ch_b", same_title, "2026-04-08T10:06:00.000Z"),
            request_with_id("req_b", "scheduled", Some("ch_b")),
            challenge("ch_ours", same_title, "2026-04-08T10:05:00.000Z")
        ]),
        1,
    );
    let c = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &fast())
        .unwrap();
    assert_eq!(c.id, "ch_ours");
    pending.assert();
    gone.assert();
}

#[test]
fn wait_timeout_bounds_a_poll_that_never_answers() {
    // A server that accepts and never answers; the client's own timeout is long.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = std::thread::spawn(move || {
        let conn = listener.accept();
        std::thread::sleep(Duration::from_secs(3));
        drop(conn);
    });
    let client = HopaeClient::builder("sk_workspace_test_wait")
        .base_url(format!("http://{addr}"))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .app(APP)
        .production_tests()
        .wait_for_challenge(
            REQ,
            &WaitOptions::new()
                .interval(Duration::from_millis(50))
                .timeout(Duration::from_millis(200)),
        )
        .unwrap_err();
    // 200 ms of wait plus the last poll's 2 s grace, far below the client's 20 s.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    match err {
        Error::Wait(e) => assert!(
            matches!(
                *e,
                WaitError::TimedOut {
                    last_status: None,
                    ..
                }
            ),
            "{e:?}"
        ),
        other => panic!("expected a wait timeout, got {other:?}"),
    }
    hold.join().unwrap();
}

#[test]
fn wait_error_display_is_one_bounded_line() {
    let e = WaitError::Ambiguous {
        request_id: "req\n1".into(),
        candidates: (0..1000).map(|i| format!("ch_{i}")).collect(),
    };
    let shown = e.to_string();
    assert_eq!(
        shown,
        "production test request req\\n1 is no longer listed and 1000 challenges match its \
         title and creation time: ch_0, ch_1, ch_2, ch_3, ch_4 and 995 more"
    );
    let e = WaitError::TimedOut {
        request_id: "req_1".into(),
        waited: Duration::from_secs(90),
        last_status: Some("\u{1b}[2J".into()),
        polls: 3,
    };
    assert_eq!(
        e.to_string(),
        "production test request req_1 was not scheduled within 1m 30s (last status \\u{1b}[2J)"
    );
}

// Caught on the old code: a request whose status echoed the key showed it in the
// timeout error (`(last status sk_workspace_test_...)`) and in the progress callback.
#[test]
fn a_status_echoing_the_key_is_redacted_in_the_timeout_and_the_progress() {
    const KEY: &str = "sk_workspace_test_wait";
    let mut server = Server::new();
    let echo = server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_body(json!([request(KEY, Some(&format!("ch_{KEY}")))]).to_string())
        .expect_at_least(1)
        .create();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let options = WaitOptions::new()
        .interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(100))
        .on_poll(move |p| log.lock().unwrap().push(format!("{p:?}")));
    let e = client(&server)
        .app(APP)
        .production_tests()
        .wait_for_challenge(REQ, &options)
        .unwrap_err();
    echo.assert();
    let Error::Wait(w) = &e else {
        panic!("expected a wait error, got {e:?}")
    };
    assert!(
        matches!(&**w, WaitError::TimedOut { last_status: Some(s), .. } if s == "[redacted]"),
        "{w:?}"
    );
    assert!(e.to_string().ends_with("(last status [redacted])"), "{e}");
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains(KEY), "{text}");
    }
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    for progress in seen.iter() {
        assert!(!progress.contains(KEY), "{progress}");
        assert!(progress.contains("[redacted]"), "{progress}");
    }
}

// Caught on the old code: with `max_retry_wait(Duration::MAX)` a 503 with this header
// panicked (`overflow when adding duration to instant`) inside the wait. The setting
// is now at most 24 h; a server wait longer than it, or one that would end past the
// wait's deadline, ends the poll (and the wait) at once with the server's answer.
#[test]
fn a_retry_after_beyond_the_wait_ends_it_at_once_with_the_answer() {
    for retry_after in ["99999999999999999999", "3600"] {
        let mut server = Server::new();
        let busy = server
            .mock("GET", LIST_PATH)
            .with_status(503)
            .with_header("retry-after", retry_after)
            .expect(1)
            .create();
        let client = HopaeClient::builder("sk_workspace_test_wait")
            .base_url(server.url())
            .max_retry_wait(Duration::from_secs(24 * 60 * 60))
            .max_retries(3)
            .build()
            .unwrap();
        let started = Instant::now();
        let e = client
            .app(APP)
            .production_tests()
            .wait_for_challenge(
                REQ,
                &WaitOptions::new()
                    .interval(Duration::from_millis(20))
                    .timeout(Duration::from_millis(100)),
            )
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1), "{retry_after}");
        assert_eq!(e.status(), Some(503), "{retry_after}: {e:?}");
        assert_eq!(e.attempts(), 1);
        assert!(
            e.retry_after()
                .is_some_and(|w| w >= Duration::from_secs(3600))
        );
        busy.assert();
    }
}

// Caught on the old code: a wait whose first poll never completed said "(no longer
// listed)", as if the request had been seen and had disappeared.
#[test]
fn a_wait_whose_first_poll_never_completes_says_so() {
    let server = fault_server::FaultServer::start(vec![fault_server::Action::Hang]);
    let client = HopaeClient::builder("sk_workspace_test_wait")
        .base_url(server.url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = wait_error(
        client.app(APP).production_tests().wait_for_challenge(
            REQ,
            &WaitOptions::new()
                .interval(Duration::from_millis(20))
                .timeout(Duration::from_millis(100)),
        ),
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(
            e,
            WaitError::TimedOut {
                last_status: None,
                polls: 0,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().ends_with("(no poll completed)"), "{e}");
    assert_eq!(server.connections(), 1);
}
