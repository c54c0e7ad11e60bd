//! Secrets out of terminals and CI logs (issue 17, item 2): `--json` redacts secret
//! fields unless `--show-secrets`, the outputs that show a new secret once never do.

use crate::common;

use common::{APP, KEY, Run, get, get_n, printed, run_with};
use mockito::{Server, ServerGuard};

const SECRET: &str = "cs_SECRET_abcd1234";

/// An app with a client secret, a webhook secret preview, a nested token and an
/// unknown field, spaced as a server might.
const APP_BODY: &str = r#"{ "clientId": "FK5b0KSM", "name": "Shop", "redirectUris": [],
  "clientSecret": "cs_SECRET_abcd1234",
  "providers": {}, "defaultWorkflowId": "wf", "workflows": [], "organizationId": "org_1",
  "webhookConfig": {"url": null, "enabled": false, "retryAttempts": 3, "timeoutSeconds": 10,
    "secret": "whsec_****abc1", "events": []},
  "createdAt": "2026-04-08T10:00:00.000Z", "updatedAt": "2026-04-08T11:00:00.000Z",
  "newField": {"access_token": "at_abcdefgh"} }"#;

fn run(server: &ServerGuard, args: &[&str]) -> Run {
    let url = server.url();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--base-url", &url]);
    run_with(Some(KEY), &[], &all)
}

#[test]
fn json_replaces_every_secret_field_and_keeps_every_other_byte() {
    let mut server = Server::new();
    let m = get(&mut server, "/apps/FK5b0KSM", 200, APP_BODY);
    let r = run(&server, &["apps", "get", APP, "--json"]);
    r.assert_ok();
    let expected = APP_BODY
        .replace(SECRET, "[redacted]")
        .replace("whsec_****abc1", "[redacted]")
        .replace("at_abcdefgh", "[redacted]");
    assert_eq!(r.stdout, printed(&expected));
    for secret in [SECRET, "abc1", "at_abcdefgh"] {
        assert!(!r.stdout.contains(secret), "{secret}: {}", r.stdout);
    }
    m.assert();
}

#[test]
fn show_secrets_prints_the_body_as_sent() {
    let mut server = Server::new();
    let m = get_n(&mut server, "/apps/FK5b0KSM", 200, APP_BODY, 2);
    for args in [
        &["apps", "get", APP, "--json", "--show-secrets"][..],
        &["--show-secrets", "apps", "get", APP, "--json"],
    ] {
        let r = run(&server, args);
        r.assert_ok();
        assert_eq!(r.stdout, printed(APP_BODY), "{args:?}");
    }
    m.assert();
}

#[test]
fn apps_create_json_shows_the_new_secret_without_show_secrets() {
    let mut server = Server::new();
    let m = server
        .mock("POST", "/apps")
        .with_status(201)
        .with_body(APP_BODY)
        .create();
    let r = run(&server, &["apps", "create", "--name", "Shop", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(APP_BODY));
    m.assert();
}

#[test]
fn rotate_secret_json_is_never_redacted() {
    let mut server = Server::new();
    let body = r#"{"clientSecret":"cs_NEW_9876zyx"}"#;
    let m = server
        .mock("POST", "/apps/FK5b0KSM/rotate-client-secret")
        .with_status(201)
        .with_body(body)
        .create();
    let r = run(&server, &["apps", "rotate-secret", APP, "--yes", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}

#[test]
fn help_says_what_json_redacts_and_how_to_reveal_it() {
    let r = run_with(None, &[], &["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("--show-secrets"), "{}", r.stdout);
    assert!(r.stdout.contains("[redacted]"), "{}", r.stdout);
}
