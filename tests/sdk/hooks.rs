//! `ClientBuilder::on_response` and `ClientBuilder::user_agent_prefix`.

use crate::support as common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{KEY, LIST_PATH, fixture};
use hopae::{Error, HopaeClient};
use mockito::Matcher;

#[test]
fn on_response_sees_every_attempt_with_its_body() {
    let mut server = mockito::Server::new();
    let busy = server
        .mock("GET", LIST_PATH)
        .with_status(503)
        .with_header("x-request-id", "rid-1")
        .with_body("busy")
        .expect(1)
        .create();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(2))
        .on_response(move |r| {
            log.lock().unwrap().push((
                r.operation.to_owned(),
                r.method.to_owned(),
                r.path.to_owned(),
                r.status,
                r.request_id.map(str::to_owned),
                r.attempt,
                String::from_utf8_lossy(r.body).into_owned(),
            ))
        })
        .build()
        .unwrap();
    let tests = client.app("FK5b0KSM").production_tests();
    // The first attempt gets the 503; once that mock is used up, the 200 answers.
    let ok = server
        .mock("GET", LIST_PATH)
        .with_body(fixture("list.json"))
        .expect(1)
        .create();
    let items = tests.list().unwrap();
    assert_eq!(items.len(), 2);
    busy.assert();
    ok.assert();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0],
        (
            "list production tests".to_owned(),
            "GET".to_owned(),
            LIST_PATH.to_owned(),
            503,
            Some("rid-1".to_owned()),
            1,
            "busy".to_owned()
        )
    );
    assert_eq!((seen[1].3, seen[1].5), (200, 2));
    assert_eq!(seen[1].6, fixture("list.json"), "the body exactly as sent");
}

#[test]
fn on_response_event_debug_shows_the_body_length_not_the_body() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/apps/FK5b0KSM/rotate-client-secret")
        .with_status(201)
        .with_body(r#"{"clientSecret":"cs_TOPSECRET"}"#)
        .create();
    let shown = Arc::new(Mutex::new(String::new()));
    let log = Arc::clone(&shown);
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .on_response(move |r| *log.lock().unwrap() = format!("{r:?}"))
        .build()
        .unwrap();
    client.app("FK5b0KSM").rotate_client_secret().unwrap();
    mock.assert();
    let shown = shown.lock().unwrap();
    assert!(shown.contains("body: [31 bytes]"), "{shown}");
    assert!(!shown.contains("TOPSECRET"), "{shown}");
}

#[test]
fn on_response_path_carries_the_query() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/apps")
        .match_query(Matcher::Any)
        .with_body(r#"{"data":[],"total":0,"limit":20,"offset":0}"#)
        .create();
    let paths = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&paths);
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .on_response(move |r| log.lock().unwrap().push(r.path.to_owned()))
        .build()
        .unwrap();
    client.apps().list(&hopae::apps::ListApps::new()).unwrap();
    mock.assert();
    assert_eq!(*paths.lock().unwrap(), ["/apps?limit=20&offset=0"]);
}

#[test]
fn user_agent_prefix_comes_before_the_crate_name() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .match_header(
            "user-agent",
            Matcher::Regex(r"^my-tool/1\.2 hopae/\d+\.\d+\.\d+ \(rust; ureq\)$".into()),
        )
        .with_body("[]")
        .create();
    let client = HopaeClient::builder(KEY)
        .base_url(server.url())
        .user_agent_prefix("my-tool/1.2")
        .build()
        .unwrap();
    client.app("FK5b0KSM").production_tests().list().unwrap();
    mock.assert();
    for bad in ["", "  ", "a\r\nX-Evil: 1", "é"] {
        let e = HopaeClient::builder(KEY)
            .user_agent_prefix(bad)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{bad:?}: {e:?}");
    }
}
