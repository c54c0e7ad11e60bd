//! An App's webhook settings: read, update (answered as settings or as an App), rotate
//! the signing secret. Each endpoint's request and response; validation; secrets.

use crate::support as common;

use common::*;
use hopae::Error;
use hopae::webhooks::{WebhookConfig, WebhookConfigUpdate};
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::json;

const CONFIG_PATH: &str = "/apps/FK5b0KSM/webhook-config";
const ROTATE_PATH: &str = "/apps/FK5b0KSM/webhook-config/rotate-secret";
const NEW_SECRET: &str = "whsec_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

const CONFIG: &str = r#"{
  "url": "https://shop.example/hooks",
  "enabled": true,
  "retryAttempts": 3,
  "timeoutSeconds": 10,
  "secret": "whsec_****abc1",
  "events": ["verification.completed", "verification.session.timed_out"]
}"#;

fn get_mock(server: &mut ServerGuard) -> Mock {
    bodyless(server, "GET", CONFIG_PATH)
}

fn patch_mock(server: &mut ServerGuard, body: &str) -> Mock {
    json(server, "PATCH", CONFIG_PATH).match_body(Matcher::Exact(body.into()))
}

fn rotate_mock(server: &mut ServerGuard) -> Mock {
    bodyless(server, "POST", ROTATE_PATH)
}

fn assert_is_the_config(c: &WebhookConfig) {
    assert_eq!(c.url.as_deref(), Some("https://shop.example/hooks"));
    assert!(c.enabled);
    assert_eq!((c.retry_attempts, c.timeout_seconds), (3, 10));
    assert_eq!(
        c.secret.as_ref().map(|s| s.expose().as_str()),
        Some("whsec_****abc1")
    );
    assert_eq!(
        c.events,
        ["verification.completed", "verification.session.timed_out"]
    );
}

#[test]
fn get_sends_a_get_and_decodes_the_settings() {
    let mut server = Server::new();
    let mock = get_mock(&mut server).with_body(CONFIG).create();
    let config = client(&server).app(CLIENT_ID).webhook_config().unwrap();
    mock.assert();
    assert_is_the_config(&config);
}

#[test]
fn get_decodes_settings_without_url_or_secret() {
    let mut server = Server::new();
    let mock = get_mock(&mut server)
        .with_body(r#"{"url": null, "enabled": false, "retryAttempts": 0, "timeoutSeconds": 30, "events": []}"#)
        .create();
    let config = client(&server).app(CLIENT_ID).webhook_config().unwrap();
    mock.assert();
    assert_eq!(config.url, None);
    assert_eq!(config.secret, None);
    assert!(!config.enabled);
    assert!(config.events.is_empty());
}

#[test]
fn get_decode_error_names_the_field() {
    for (body, wanted) in [
        (
            CONFIG.replace(r#""retryAttempts": 3"#, r#""retryAttempts": "3""#),
            r#"at `retryAttempts`: invalid type: string "3", expected u32 at line 4 column"#,
        ),
        (
            CONFIG.replace(r#""enabled": true,"#, ""),
            "missing field `enabled` at line",
        ),
        (
            r#"[true, 3, 10, []]"#.to_owned(),
            "invalid type: sequence, expected a JSON object",
        ),
    ] {
        let mut server = Server::new();
        let mock = server.mock("GET", CONFIG_PATH).with_body(&body).create();
        let e = client(&server).app(CLIENT_ID).webhook_config().unwrap_err();
        mock.assert();
        let d = decode_error(&e);
        assert_eq!(d.operation(), "get webhook config");
        assert!(d.message().starts_with(wanted), "{}", d.message());
        assert_error_hygiene(&e);
    }
}

#[test]
fn update_patches_exactly_the_fields_set() {
    let mut server = Server::new();
    let all = patch_mock(
        &mut server,
        concat!(
            r#"{"url":"https://shop.example/hooks","enabled":true,"retryAttempts":3,"#,
            r#""timeoutSeconds":10,"events":["verification.completed","verification.session.timed_out"]}"#
        ),
    )
    .with_body(CONFIG)
    .expect(1)
    .create();
    let one = patch_mock(&mut server, r#"{"enabled":false}"#)
        .with_body(CONFIG)
        .expect(1)
        .create();
    let clear = patch_mock(&mut server, r#"{"events":[]}"#)
        .with_body(CONFIG)
        .expect(1)
        .create();
    let c = client(&server);
    let app = c.app(CLIENT_ID);
    let config = app
        .update_webhook_config(
            &WebhookConfigUpdate::new()
                .url("https://shop.example/hooks")
                .enabled(true)
                .retry_attempts(3)
                .timeout_seconds(10)
                .events(["verification.completed", "verification.session.timed_out"]),
        )
        .unwrap();
    assert_is_the_config(&config);
    app.update_webhook_config(&WebhookConfigUpdate::new().enabled(false))
        .unwrap();
    app.update_webhook_config(&WebhookConfigUpdate::new().events(Vec::<String>::new()))
        .unwrap();
    all.assert();
    one.assert();
    clear.assert();
}

#[test]
fn update_answered_with_an_app_returns_its_settings() {
    let mut server = Server::new();
    let mock = patch_mock(&mut server, r#"{"enabled":false}"#)
        .with_body(fixture("app.json"))
        .create();
    let config = client(&server)
        .app(CLIENT_ID)
        .update_webhook_config(&WebhookConfigUpdate::new().enabled(false))
        .unwrap();
    mock.assert();
    assert_eq!(config.url.as_deref(), Some("https://shop.example/hooks"));
    assert_eq!(
        config.secret.as_ref().map(|s| s.expose().as_str()),
        Some("whsec_****abc1")
    );
    assert_eq!(
        config.events,
        ["verification.completed", "verification.failed"]
    );
}

#[test]
fn update_answered_with_an_app_without_settings_is_a_decode_error() {
    for (body, wanted) in [
        (
            r#"{"clientId": "FK5b0KSM", "name": "Shop"}"#.to_owned(),
            "the answer is an App without `webhookConfig`",
        ),
        (
            r#"{"clientId": "FK5b0KSM", "webhookConfig": null}"#.to_owned(),
            "the answer is an App without `webhookConfig`",
        ),
        (
            fixture("app.json").replace(r#""timeoutSeconds": 10"#, r#""timeoutSeconds": -1"#),
            "at `webhookConfig.timeoutSeconds`: invalid value: integer `-1`, expected u32",
        ),
        (
            r#"{"enabled": true}"#.to_owned(),
            "missing field `retryAttempts`",
        ),
    ] {
        let mut server = Server::new();
        let mock = server.mock("PATCH", CONFIG_PATH).with_body(&body).create();
        let e = client(&server)
            .app(CLIENT_ID)
            .update_webhook_config(&WebhookConfigUpdate::new().enabled(true))
            .unwrap_err();
        mock.assert();
        let d = decode_error(&e);
        assert_eq!(d.operation(), "update webhook config");
        assert!(d.message().starts_with(wanted), "{}", d.message());
        assert!(!e.to_string().contains("cs_live_"), "{e}");
        assert_error_hygiene(&e);
    }
}

#[test]
fn update_refuses_an_empty_update_and_an_empty_url_without_a_request() {
    let mut server = Server::new();
    let mock = server.mock("PATCH", Matcher::Any).expect(0).create();
    let c = client(&server);
    for (update, wanted) in [
        (
            WebhookConfigUpdate::new(),
            "invalid input: the webhook config update sets nothing",
        ),
        (
            WebhookConfigUpdate::new().url(" "),
            "invalid input: `url` must not be empty",
        ),
    ] {
        let e = c.app(CLIENT_ID).update_webhook_config(&update).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert_eq!(e.to_string(), wanted);
        assert_eq!(e.attempts(), 0);
    }
    assert!(WebhookConfigUpdate::new().is_empty());
    assert!(
        !WebhookConfigUpdate::new()
            .events(Vec::<String>::new())
            .is_empty()
    );
    mock.assert();
}

#[test]
fn rotate_secret_posts_no_body_and_returns_the_new_secret() {
    let mut server = Server::new();
    let mock = rotate_mock(&mut server)
        .with_status(200)
        .with_body(format!(r#"{{"secret": "{NEW_SECRET}"}}"#))
        .create();
    let secret = client(&server)
        .app(CLIENT_ID)
        .rotate_webhook_secret()
        .unwrap();
    mock.assert();
    assert_eq!(secret.expose(), NEW_SECRET);
    assert!(secret.expose().starts_with("whsec_"));
}

#[test]
fn rotate_secret_never_shows_the_secret_in_an_error() {
    for body in [
        format!(r#""{NEW_SECRET}""#),
        format!(r#"{{"secret": "{NEW_SECRET}", "rotatedAt": 1, "secret": "x"}}"#),
        format!(r#"{{"secret": "{NEW_SECRET}"}} trailing"#),
        format!(r#"{{"preview": "{NEW_SECRET}"}}"#),
    ] {
        let mut server = Server::new();
        let mock = server.mock("POST", ROTATE_PATH).with_body(&body).create();
        let e = client(&server)
            .app(CLIENT_ID)
            .rotate_webhook_secret()
            .unwrap_err();
        mock.assert();
        decode_error(&e);
        for shown in [e.to_string(), format!("{e:?}")] {
            assert!(!shown.contains(NEW_SECRET), "{body} => {shown}");
        }
    }
}

#[test]
fn webhook_endpoints_of_an_unknown_app_are_api_errors() {
    let mut server = Server::new();
    let body = envelope("RESOURCE_NOT_FOUND", "App not found", json!({}));
    let mocks = [
        server.mock("GET", CONFIG_PATH),
        server.mock("PATCH", CONFIG_PATH),
        server.mock("POST", ROTATE_PATH),
    ]
    .map(|m| m.with_status(404).with_body(&body).expect(1).create());
    let c = client(&server);
    let app = c.app(CLIENT_ID);
    let errors = [
        app.webhook_config().map(drop),
        app.update_webhook_config(&WebhookConfigUpdate::new().enabled(true))
            .map(drop),
        app.rotate_webhook_secret().map(drop),
    ];
    for e in errors {
        let e = e.unwrap_err();
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("RESOURCE_NOT_FOUND"));
        assert_error_hygiene(&e);
    }
    for m in mocks {
        m.assert();
    }
}

#[test]
fn webhook_endpoints_percent_encode_the_client_id() {
    let mut server = Server::new();
    let mocks = [
        server
            .mock("GET", "/apps/a%2Fb%3F/webhook-config")
            .with_body(CONFIG),
        server
            .mock("PATCH", "/apps/a%2Fb%3F/webhook-config")
            .with_body(CONFIG),
        server
            .mock("POST", "/apps/a%2Fb%3F/webhook-config/rotate-secret")
            .with_body(format!(r#"{{"secret": "{NEW_SECRET}"}}"#)),
    ]
    .map(|m| m.expect(1).create());
    let refused = server.mock("GET", Matcher::Any).expect(0).create();
    let c = client(&server);
    let app = c.app("a/b?");
    app.webhook_config().unwrap();
    app.update_webhook_config(&WebhookConfigUpdate::new().enabled(true))
        .unwrap();
    app.rotate_webhook_secret().unwrap();
    for id in ["", ".", ".."] {
        let e = c.app(id).webhook_config().unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        let e = c.app(id).rotate_webhook_secret().unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    }
    for m in mocks {
        m.assert();
    }
    refused.assert();
}

#[test]
fn webhook_config_debug_hides_the_secret_preview() {
    let config: WebhookConfig = serde_json::from_str(CONFIG).unwrap();
    let shown = format!("{config:?}");
    assert!(
        shown.contains("secret: Some(Secret([redacted]))"),
        "{shown}"
    );
    assert!(!shown.contains("whsec_"), "{shown}");
    assert!(!shown.contains("abc1"), "{shown}");
    assert!(shown.contains("https://shop.example/hooks"), "{shown}");
    // The field keeps the preview, and serializes it.
    assert_eq!(
        serde_json::to_value(&config).unwrap()["secret"],
        "whsec_****abc1"
    );
}
