//! Custom domains: each endpoint's request and response, the host checks, and
//! `wait_for_custom_domain`'s three outcomes (active, invalid, timed out).

use crate::support as common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{CLIENT_ID, KEY, assert_error_hygiene, client, fixture, with_common_headers};
use hopae::domains::{DomainStatus, RequiredAction};
use hopae::wait::WaitOptions;
use hopae::{Error, WaitError};
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::{Value, json};

const PATH: &str = "/apps/FK5b0KSM/custom-domain";
const VERIFY_PATH: &str = "/apps/FK5b0KSM/custom-domain/verify";

fn domain(status: &str, action: &str, message: Option<&str>) -> Value {
    json!({
        "webDomain": "login.shop.example", "oidcDomain": "oidc.shop.example",
        "status": status, "requiredAction": action, "statusMessage": message,
        "dnsRecords": [], "lastCheckedAt": "2026-04-08T10:00:00.000Z"
    })
}

/// A verify mock answering `hits` times with `body`: created in order, mockito serves
/// each until it has its hits, so consecutive calls build a sequence.
fn verify(server: &mut ServerGuard, body: &Value, hits: usize) -> Mock {
    common::bodyless(server, "POST", VERIFY_PATH)
        .with_header("content-type", "application/json")
        .with_body(body.to_string())
        .expect(hits)
        .create()
}

fn wait_error(result: Result<hopae::domains::CustomDomain, Error>) -> WaitError {
    match result {
        Err(Error::Wait(e)) => *e,
        other => panic!("expected a wait error, got {other:?}"),
    }
}

#[test]
fn get_returns_the_domain_with_its_records() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock("GET", PATH))
        .match_header("content-type", Matcher::Missing)
        .match_header("idempotency-key", Matcher::Missing)
        .with_body(fixture("domain.json"))
        .create();
    let d = client(&server).app(CLIENT_ID).custom_domain().unwrap();
    m.assert();
    assert_eq!(d.web_domain.as_deref(), Some("login.shop.example"));
    assert_eq!(d.status, DomainStatus::AwaitingDns);
    assert_eq!(d.required_action, RequiredAction::AddCname);
    assert_eq!(d.dns_records.len(), 2);
    assert_eq!(d.dns_records[1].record_type, "CNAME");
    assert_eq!(d.dns_records[1].value, "oidc.custom.hopae.com");
    assert!(d.dns_records[0].required);
    assert_eq!(d.last_checked_at, None);
}

#[test]
fn set_puts_both_hosts() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock("PUT", PATH))
        .match_header("content-type", "application/json")
        .match_header("idempotency-key", Matcher::Missing)
        .match_body(Matcher::Json(
            json!({"webDomain": "login.shop.example", "oidcDomain": "oidc.shop.example"}),
        ))
        .with_body(fixture("domain.json"))
        .create();
    let d = client(&server)
        .app(CLIENT_ID)
        .set_custom_domain("login.shop.example", "oidc.shop.example")
        .unwrap();
    m.assert();
    assert_eq!(d.oidc_domain.as_deref(), Some("oidc.shop.example"));
}

#[test]
fn delete_returns_the_unconfigured_domain() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock("DELETE", PATH))
        .match_header("content-type", Matcher::Missing)
        .match_header("idempotency-key", Matcher::Missing)
        .with_body(fixture("domain_unconfigured.json"))
        .create();
    let d = client(&server)
        .app(CLIENT_ID)
        .delete_custom_domain()
        .unwrap();
    m.assert();
    assert_eq!(d.status, DomainStatus::Unconfigured);
    assert_eq!(d.required_action, RequiredAction::None);
    assert_eq!(d.web_domain, None);
}

#[test]
fn verify_posts_no_body_and_keeps_unknown_statuses() {
    let mut server = Server::new();
    let m = verify(
        &mut server,
        &domain("propagating", "wait_longer", Some("TTL")),
        1,
    );
    let d = client(&server)
        .app(CLIENT_ID)
        .verify_custom_domain()
        .unwrap();
    m.assert();
    assert_eq!(d.status, DomainStatus::Other("propagating".into()));
    assert_eq!(
        d.required_action,
        RequiredAction::Other("wait_longer".into())
    );
    assert_eq!(d.status_message.as_deref(), Some("TTL"));
}

#[test]
fn invalid_hosts_are_refused_before_sending() {
    let mut server = Server::new();
    let never = common::expect_no_requests(&mut server);
    let c = client(&server);
    let app = c.app(CLIENT_ID);
    for (web, oidc, expected) in [
        (
            "https://login.shop.example",
            "oidc.shop.example",
            "`webDomain` must be a bare host name, without a scheme",
        ),
        (
            "login.shop.example",
            "oidc.shop.example/cb",
            "`oidcDomain` must be a bare host name, without a path",
        ),
        (
            "login.shop.example:443",
            "oidc.shop.example",
            "without a port",
        ),
        ("login.shop.example", "login.shop.example", "must differ"),
        (
            "login.shop.example",
            "oidc.other.example",
            "`oidcDomain` must be under the web domain's base domain `shop.example`, got `other.example`",
        ),
        ("", "oidc.shop.example", "`webDomain` must not be empty"),
        (
            "login\r\nx.shop.example",
            "oidc.shop.example",
            "may only contain",
        ),
    ] {
        let e = app.set_custom_domain(web, oidc).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert!(e.to_string().contains(expected), "{e} vs {expected}");
        assert_error_hygiene(&e);
    }
    let e = app
        .wait_for_custom_domain(&WaitOptions::new().interval(Duration::ZERO))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    never.iter().for_each(Mock::assert);
}

#[test]
fn wait_returns_the_domain_once_a_verify_answers_active() {
    let mut server = Server::new();
    let first = verify(&mut server, &domain("awaiting_dns", "add_cname", None), 1);
    let second = verify(&mut server, &domain("verifying", "waiting", None), 2);
    let last = verify(&mut server, &domain("active", "none", None), 1);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let options = WaitOptions::new()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(5))
        .on_poll(move |p| log.lock().unwrap().push((p.polls, p.status.clone())));
    let d = client(&server)
        .app(CLIENT_ID)
        .wait_for_custom_domain(&options)
        .unwrap();
    first.assert();
    second.assert();
    last.assert();
    assert_eq!(d.status, DomainStatus::Active);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (1, Some("awaiting_dns".to_owned())),
            (2, Some("verifying".to_owned())),
            (3, Some("verifying".to_owned())),
        ]
    );
}

#[test]
fn wait_ends_with_domain_invalid_carrying_message_and_action() {
    let mut server = Server::new();
    let first = verify(&mut server, &domain("verifying", "waiting", None), 1);
    let message = format!("CNAME of login.shop.example points elsewhere ({KEY})\nfix it");
    let last = verify(
        &mut server,
        &domain("invalid", "contact_support", Some(&message)),
        1,
    );
    let options = WaitOptions::new()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(5));
    let result = client(&server)
        .app(CLIENT_ID)
        .wait_for_custom_domain(&options);
    first.assert();
    last.assert();
    let e = wait_error(result);
    assert_eq!(
        e,
        WaitError::DomainInvalid {
            required_action: "contact_support".into(),
            status_message: Some(
                "CNAME of login.shop.example points elsewhere ([redacted])\nfix it".into()
            ),
        }
    );
    let shown = Error::Wait(Box::new(e));
    assert_error_hygiene(&shown);
    assert_eq!(
        shown.to_string(),
        r#"custom domain verification failed: status invalid, required action contact_support: "CNAME of login.shop.example points elsewhere ([redacted])\nfix it""#
    );
}

#[test]
fn wait_times_out_with_the_last_status_and_a_last_verify_at_the_deadline() {
    let mut server = Server::new();
    let pending = verify(&mut server, &domain("verifying", "waiting", None), 0)
        .expect_at_least(2)
        .expect_at_most(4);
    // Verifies at 0, then the last one at the deadline (250 ms), not after the whole
    // 1 s interval.
    let options = WaitOptions::new()
        .interval(Duration::from_secs(1))
        .timeout(Duration::from_millis(250));
    let started = Instant::now();
    let result = client(&server)
        .app(CLIENT_ID)
        .wait_for_custom_domain(&options);
    let took = started.elapsed();
    pending.assert();
    let e = wait_error(result);
    assert!(e.is_timed_out());
    assert_eq!(e.request_id(), None);
    match &e {
        WaitError::DomainTimedOut {
            waited,
            last_status,
        } => {
            assert!(*waited >= Duration::from_millis(250), "{waited:?}");
            assert_eq!(last_status.as_deref(), Some("verifying"));
        }
        other => panic!("{other:?}"),
    }
    // The last pause is cut to the deadline: no sleep runs a whole interval past it (a
    // wide margin below 1 s, for a loaded machine).
    assert!(took < Duration::from_millis(900), "{took:?}");
    assert!(
        e.to_string()
            .starts_with("custom domain was not active within "),
        "{e}"
    );
    assert!(e.to_string().ends_with(" (last status verifying)"), "{e}");
}

#[test]
fn a_failing_verify_ends_the_wait_with_its_own_error() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock("POST", VERIFY_PATH))
        .with_status(404)
        .with_body(common::envelope(
            "RESOURCE_NOT_FOUND",
            "No custom domain",
            json!({}),
        ))
        .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .wait_for_custom_domain(
            &WaitOptions::new()
                .interval(Duration::from_millis(10))
                .timeout(Duration::from_secs(1)),
        )
        .unwrap_err();
    m.assert();
    assert_eq!(e.code(), Some("RESOURCE_NOT_FOUND"));
}
