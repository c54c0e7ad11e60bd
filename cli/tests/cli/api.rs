//! `hopae api <METHOD> <PATH>`: any endpoint, as `gh api` does.

use crate::common;

use common::*;
use mockito::Matcher;

#[test]
fn get_prints_the_body_as_sent() {
    let mut server = mockito::Server::new();
    let body = r#"{"id": "org_1",  "apps_count": 3, "createdAt": "x"}"#;
    let m = get(&mut server, "/workspace", 200, body);
    let r = run(&server, &["api", "GET", "/workspace"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}

#[test]
fn data_comes_from_a_file_stdin_or_the_argument() {
    let mut server = mockito::Server::new();
    let body = r#"{"name":"Demo","redirectUris":["https://example.com/cb"]}"#;
    let m = server
        .mock("POST", "/apps")
        .match_header("authorization", format!("Bearer {KEY}").as_str())
        .match_header("content-type", "application/json")
        .match_header("idempotency-key", Matcher::Any)
        .match_body(body)
        .with_status(201)
        .with_body(r#"{"clientId":"FK5b0KSM"}"#)
        .expect(3)
        .create();
    let dir = TempDir::new();
    let file = format!("@{}", dir.file("app.json", body.as_bytes()));
    run(&server, &["api", "POST", "/apps", "--data", &file]).assert_ok();
    run_stdin(
        &server,
        &["api", "post", "/apps", "--data", "-"],
        body.as_bytes(),
    )
    .assert_ok();
    let r = run(&server, &["api", "POST", "/apps", "--data", body]);
    r.assert_ok();
    assert_eq!(r.stdout, "{\"clientId\":\"FK5b0KSM\"}\n");
    m.assert();
    let r = run(&server, &["api", "POST", "/apps", "--data", "{not json"]);
    r.assert_error(2, "--data is not JSON");
}

#[test]
fn paginate_prints_one_array_of_every_page() {
    let mut server = mockito::Server::new();
    let p1 = server
        .mock("GET", "/apps")
        .match_query(Matcher::UrlEncoded("limit".into(), "2".into()))
        .with_body(r#"{"data":[{"clientId":"a"},{"clientId":"b"}],"total":5,"limit":2,"offset":0}"#)
        .expect(1)
        .create();
    let p2 = server
        .mock("GET", "/apps")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("limit".into(), "2".into()),
            Matcher::UrlEncoded("offset".into(), "2".into()),
        ]))
        .with_body(r#"{"data":[{"clientId":"c"},{"clientId":"d","clientSecret":"cs_SECRET_12345"}],"total":5,"limit":2,"offset":2}"#)
        .expect(1)
        .create();
    let p3 = server
        .mock("GET", "/apps")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("limit".into(), "2".into()),
            Matcher::UrlEncoded("offset".into(), "4".into()),
        ]))
        .with_body(r#"{"data":[{"clientId":"e"}],"total":5,"limit":2,"offset":4}"#)
        .expect(1)
        .create();
    // The first request is the path as typed; later pages replace limit and offset.
    let r = run(&server, &["api", "GET", "/apps?limit=2", "--paginate"]);
    p3.assert();
    p2.assert();
    p1.assert();
    r.assert_ok();
    let items = r.json();
    let ids: Vec<_> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["clientId"].clone())
        .collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    assert!(!r.stdout.contains("SECRET"), "{}", r.stdout);
    assert_eq!(items[3]["clientSecret"], "[redacted]");
    let r = run(&server, &["api", "POST", "/apps", "--paginate"]);
    r.assert_error(2, "--paginate follows the pages of a GET only");
}

#[test]
fn secret_fields_are_redacted_by_default() {
    let mut server = mockito::Server::new();
    let m = get(
        &mut server,
        "/apps/FK5b0KSM",
        200,
        r#"{"clientId":"FK5b0KSM","clientSecret":"cs_SECRET_12345","webhookConfig":{"secret":"whsec_SECRET_1"}}"#,
    );
    let r = run(&server, &["api", "GET", "/apps/FK5b0KSM"]);
    r.assert_ok();
    assert!(!r.stdout.contains("SECRET"), "{}", r.stdout);
    assert_eq!(r.json()["webhookConfig"]["secret"], "[redacted]");
    m.assert();
    // --show-secrets, the CLI's one reveal flag, prints the body as sent.
    let body = r#"{"clientId":"FK5b0KSM","clientSecret":"cs_SECRET_12345"}"#;
    let m = get(&mut server, "/apps/FK5b0KSM", 200, body);
    let r = run(&server, &["api", "GET", "/apps/FK5b0KSM", "--show-secrets"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}

#[test]
fn other_origins_are_refused_and_api_errors_keep_their_exit_code() {
    let mut server = mockito::Server::new();
    let none = no_requests(&mut server);
    for path in ["https://evil.example/apps", "//evil.example/apps", "apps"] {
        let r = run(&server, &["api", "GET", path]);
        r.assert_error(2, "the path must");
    }
    run(&server, &["api", "TRACE", "/apps"]).assert_error(2, "GET, POST, PUT, PATCH or DELETE");
    none.assert();
    let mut server = mockito::Server::new();
    let m = get(
        &mut server,
        "/nope",
        404,
        r#"{"error":{"code":"NOT_FOUND","message":"No route"}}"#,
    );
    run(&server, &["api", "GET", "/nope"]).assert_error(1, "NOT_FOUND");
    m.assert();
}

#[test]
fn api_paginate_against_the_fake_prints_every_app_once() {
    use hopae::mock::{Server, TEST_KEY};
    let server = Server::start().unwrap();
    let url = server.url().to_owned();
    let env = [("HOPAE_BASE_URL", url.as_str())];
    for i in 0..5 {
        let body = format!(r#"{{"name":"App {i}","redirectUris":["https://example.com/cb"]}}"#);
        let r = run_with(
            Some(TEST_KEY),
            &env,
            &["api", "POST", "/apps", "--data", &body],
        );
        r.assert_ok();
        // A new App's secret is shown this once: a POST's answer is printed as sent.
        let secret = r.json()["clientSecret"].as_str().unwrap().to_owned();
        assert_ne!(secret, "[redacted]");
        // Read back, it is redacted.
        let id = r.json()["clientId"].as_str().unwrap().to_owned();
        let got = run_with(
            Some(TEST_KEY),
            &env,
            &["api", "GET", &format!("/apps/{id}")],
        );
        got.assert_ok();
        assert!(!got.stdout.contains(&secret), "{}", got.stdout);
    }
    let r = run_with(
        Some(TEST_KEY),
        &env,
        &["api", "GET", "/apps?limit=2", "--paginate"],
    );
    r.assert_ok();
    let apps = r.json();
    let apps = apps.as_array().unwrap();
    let total = run_with(Some(TEST_KEY), &env, &["api", "GET", "/apps"]).json()["total"].clone();
    assert_eq!(apps.len() as u64, total.as_u64().unwrap());
    let mut ids: Vec<_> = apps
        .iter()
        .map(|a| a["clientId"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), apps.len(), "every app once");
}
