//! `HopaeClient::request`: any endpoint through the same funnel (key, retries,
//! idempotency key, redaction, errors), and never to another origin.

use crate::support as common;

use common::*;
use hopae::serde_json::json;
use hopae::{Error, HopaeClient, InputErrorKind};
use mockito::Matcher;

#[test]
fn a_get_goes_through_the_funnel_with_the_key_and_a_query() {
    let mut server = mockito::Server::new();
    let m = with_common_headers(server.mock("GET", "/apps"))
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("limit".into(), "5".into()),
            Matcher::UrlEncoded("q".into(), "a b&c".into()),
        ]))
        .with_status(200)
        .with_header("x-request-id", REQUEST_ID)
        .with_body(r#"{"data":[],"total":0,"limit":5,"offset":0}"#)
        .create();
    let client = client(&server);
    let r = client
        .request("get", "/apps")
        .query("limit", 5)
        .query("q", "a b&c")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.request_id(), Some(REQUEST_ID));
    assert_eq!(r.json().unwrap()["limit"], 5);
    assert!(format!("{r:?}").contains("bytes"));
    m.assert();
}

#[test]
fn a_post_sends_json_and_one_idempotency_key_across_retries() {
    let mut server = mockito::Server::new();
    let body = json!({"name": "Demo", "redirectUris": ["https://example.com/cb"]});
    let busy = with_common_headers(server.mock("POST", "/apps"))
        .match_header("content-type", "application/json")
        .match_header("idempotency-key", "my-key-1")
        .match_body(Matcher::Json(body.clone()))
        .with_status(503)
        .expect(1)
        .create();
    let client = retrying_client(&server, 1);
    let r = client
        .request("POST", "/apps")
        .json(&body)
        .idempotency_key("my-key-1");
    let done = with_common_headers(server.mock("POST", "/apps"))
        .match_header("idempotency-key", "my-key-1")
        .with_status(201)
        .with_body(r#"{"clientId":"FK5b0KSM"}"#)
        .expect(1)
        .create();
    let created = r.send_json().unwrap();
    assert_eq!(created["clientId"], "FK5b0KSM");
    busy.assert();
    done.assert();
}

#[test]
fn errors_are_the_funnels_with_the_key_redacted() {
    let mut server = mockito::Server::new();
    let m = server
        .mock("DELETE", "/apps/x")
        .with_status(404)
        .with_body(envelope(
            "APP_NOT_FOUND",
            &format!("no app for {KEY}"),
            json!(null),
        ))
        .create();
    let e = client(&server)
        .request("DELETE", "/apps/x")
        .send()
        .unwrap_err();
    assert_error_hygiene(&e);
    assert_eq!(e.code(), Some("APP_NOT_FOUND"));
    assert_eq!(api_error(&e).status(), 404);
    m.assert();
    // A 2xx body that is not JSON: send() returns it, send_json() is a Decode error.
    let m = server
        .mock("GET", "/text")
        .with_status(200)
        .with_body(format!("hi {KEY}"))
        .expect(2)
        .create();
    let c = client(&server);
    assert_eq!(
        c.request("GET", "/text").send().unwrap().body(),
        format!("hi {KEY}").as_bytes()
    );
    let e = c.request("GET", "/text").send_json().unwrap_err();
    decode_error(&e);
    assert_error_hygiene(&e);
    m.assert();
}

#[test]
fn absolute_urls_and_other_origins_are_refused_before_sending() {
    let mut server = mockito::Server::new();
    let none = expect_no_requests(&mut server);
    let c = client(&server);
    for (method, path) in [
        ("GET", "https://evil.example/apps"),
        ("GET", "//evil.example/apps"),
        ("GET", "apps"),
        ("GET", "/apps/../../admin"),
        ("GET", "/apps\r\nHost: evil"),
        ("HEAD", "/apps"),
        ("CONNECT", "/apps"),
    ] {
        let e = c.request(method, path).send().unwrap_err();
        match &e {
            Error::InvalidInput(i) => assert_eq!(i.kind(), InputErrorKind::Request, "{path}"),
            other => panic!("{method} {path}: {other:?}"),
        }
        assert_eq!(e.attempts(), 0);
    }
    let e = c
        .request("POST", "/apps")
        .body("text/plain\r\nX: y", "x")
        .send()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    none.into_iter().for_each(|m| m.assert());
}

#[test]
fn the_escape_hatch_works_end_to_end_against_the_fake() {
    let server = hopae::mock::Server::start().unwrap();
    let client = HopaeClient::builder(server.api_key())
        .base_url(server.url())
        .build()
        .unwrap();
    let created = client
        .request("POST", "/apps")
        .json(&json!({"name": "Escape hatch", "redirectUris": ["https://example.com/cb"]}))
        .send()
        .unwrap();
    assert!((200..300).contains(&created.status()), "{created:?}");
    let id = created.json().unwrap()["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let app = client
        .request("GET", &format!("/apps/{id}"))
        .send_json()
        .unwrap();
    assert_eq!(app["name"], "Escape hatch");
    // What the typed call returns, the raw call returns too.
    let typed = client
        .apps()
        .list(&hopae::apps::ListApps::new().limit(100))
        .unwrap();
    let raw = client
        .request("GET", "/apps")
        .query("limit", 100)
        .send_json()
        .unwrap();
    assert_eq!(raw["total"], typed.total);
    let e = client.request("GET", "/apps/nope").send().unwrap_err();
    assert_eq!(e.status(), Some(404));
}
