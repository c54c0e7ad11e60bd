//! The App endpoints: list, iter, create, batch create, get, update, delete, rotate the
//! client secret, redirect URIs. Each endpoint's request (method, path, query, exact
//! body, headers) and response; validation; secrets kept out of `Debug` and errors.

use crate::support as common;

use std::sync::{Arc, Mutex};

use common::*;
use hopae::Error;
use hopae::apps::{App, AppUpdate, BatchCreate, BatchItem, BatchItemResult, ListApps, NewApp};
use hopae::webhooks::WebhookConfigUpdate;
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::{Value, json};

/// The client secret of `fixtures/app.json`.
const CLIENT_SECRET: &str = "cs_live_Qm9vbVNlY3JldFZhbHVlMTIzNDU2";
/// A client secret that a rotation returns.
const ROTATED_SECRET: &str = "cs_live_Um90YXRlZFNlY3JldFZhbHVlNzc3";
/// The path of [`CLIENT_ID`].
const APP_PATH: &str = "/apps/FK5b0KSM";

/// A minimal App (only the fields the OpenAPI document requires, plus a secret).
fn app_value(i: usize) -> Value {
    json!({
        "name": format!("App {i}"),
        "redirectUris": [format!("https://app{i}.example/cb")],
        "clientId": format!("app{i:05}"),
        "clientSecret": format!("cs_live_secret_number_{i:05}"),
        "providers": {"passport": {"enabled": true}},
        "defaultWorkflowId": "default",
        "workflows": [],
        "organizationId": "org_2b7c9d1e",
        "createdAt": "2026-04-01T09:00:00.000Z",
        "updatedAt": "2026-04-01T09:00:00.000Z"
    })
}

/// A page body holding the Apps `ids`.
fn page(ids: std::ops::Range<usize>, total: usize, limit: usize, offset: usize) -> String {
    let data: Vec<Value> = ids.map(app_value).collect();
    json!({"data": data, "total": total, "limit": limit, "offset": offset}).to_string()
}

/// A mock of `GET /apps` with exactly this query.
fn list_mock(server: &mut ServerGuard, query: &str) -> Mock {
    bodyless(server, "GET", "/apps").match_query(Matcher::Exact(query.into()))
}

fn full_app() -> App {
    serde_json::from_str(&fixture("app.json")).unwrap()
}

/// Checks every field of `fixtures/app.json`.
fn assert_is_the_fixture_app(app: &App) {
    assert_eq!(app.client_id, CLIENT_ID);
    assert_eq!(app.name, "Shop");
    assert!(
        app.logo
            .as_deref()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert_eq!(
        app.redirect_uris,
        [
            "https://shop.example/callback",
            "http://localhost:3000/callback"
        ]
    );
    assert_eq!(
        app.client_secret.as_ref().map(|s| s.expose().as_str()),
        Some(CLIENT_SECRET)
    );
    assert_eq!(app.providers.len(), 2);
    assert!(app.providers["passport"].enabled);
    assert_eq!(app.providers["passport"].config, None);
    assert!(!app.providers["mitid"].enabled);
    assert_eq!(
        app.providers["mitid"].config,
        Some(json!({"loa": "substantial", "scopes": ["cpr"]}))
    );
    assert_eq!(app.default_workflow_id, "default");
    assert_eq!(app.workflows.len(), 1);
    let wf = &app.workflows[0];
    assert_eq!(
        (
            wf.workflow_id.as_str(),
            wf.name.as_str(),
            wf.entry_node_id.as_str()
        ),
        ("default", "Default", "request")
    );
    let types: Vec<&str> = wf.nodes.iter().map(|n| n.node_type.as_str()).collect();
    assert_eq!(types, ["request", "verification", "if", "response"]);
    assert_eq!(wf.nodes[0].next, Some(json!("verify")));
    assert_eq!(wf.nodes[1].config, Some(json!({"providers": ["passport"]})));
    assert!(wf.nodes[2].next.as_ref().unwrap().is_array());
    assert_eq!(wf.nodes[3].next, None);
    assert_eq!(wf.created_at.unwrap().unix_timestamp(), 1_775_034_000);
    assert_eq!(app.organization_id, "org_2b7c9d1e");
    let hook = app.webhook_config.as_ref().unwrap();
    assert_eq!(hook.url.as_deref(), Some("https://shop.example/hooks"));
    assert!(hook.enabled);
    assert_eq!((hook.retry_attempts, hook.timeout_seconds), (3, 10));
    assert_eq!(
        hook.secret.as_ref().map(|s| s.expose().as_str()),
        Some("whsec_****abc1")
    );
    assert_eq!(
        hook.events,
        ["verification.completed", "verification.failed"]
    );
    assert_eq!(
        app.default_success_redirect_uri.as_deref(),
        Some("https://shop.example/ok")
    );
    assert_eq!(
        app.default_failure_redirect_uri.as_deref(),
        Some("https://shop.example/failed")
    );
    assert_eq!(app.created_at.unix_timestamp(), 1_775_034_000); // 2026-04-01T09:00:00Z
    assert_eq!(app.updated_at.unix_timestamp(), 1_775_644_200); // 2026-04-08T10:30:00Z
}

/// A mock answering 404 `RESOURCE_NOT_FOUND` to `method path`.
fn not_found(server: &mut ServerGuard, method: &str, path: &str) -> Mock {
    server
        .mock(method, path)
        .with_status(404)
        .with_header("content-type", "application/json")
        .with_body(envelope(
            "RESOURCE_NOT_FOUND",
            "App not found",
            json!({"clientId": CLIENT_ID}),
        ))
        .expect(1)
        .create()
}

fn assert_not_found(e: &Error) {
    let api = api_error(e);
    assert_eq!(api.status(), 404);
    assert_eq!(e.code(), Some("RESOURCE_NOT_FOUND"));
    assert_eq!(api.message(), Some("App not found"));
    assert_eq!(e.request_id(), Some(REQUEST_ID));
    assert_eq!(e.attempts(), 1);
    assert_error_hygiene(e);
}

// ---------------------------------------------------------------- list

#[test]
fn list_sends_default_limit_and_offset_and_decodes_the_page() {
    let mut server = Server::new();
    let mock = list_mock(&mut server, "limit=20&offset=0")
        .with_header("content-type", "application/json")
        .with_body(fixture("apps_page.json"))
        .create();
    let page = client(&server).apps().list(&ListApps::new()).unwrap();
    mock.assert();
    assert_eq!((page.total, page.limit, page.offset), (4, 20, 0));
    assert_eq!(page.data.len(), 4);
    assert_is_the_fixture_app(&page.data[0]);
    let ids: Vec<&str> = page.data.iter().map(|a| a.client_id.as_str()).collect();
    assert_eq!(ids, [CLIENT_ID, "Gh7kLm2P", "Zx9Qw3Er", "Tt4Yu8Io"]);
    assert_eq!(page.data[1].client_secret, None, "optional on read");
    assert_eq!(page.data[1].logo, None);
    assert_eq!(page.data[1].webhook_config.as_ref().unwrap().url, None);
    assert_eq!(page.data[1].workflows[0].created_at, None);
    assert!(page.data[2].client_secret.is_some());
    assert_eq!(ListApps::default(), ListApps::new());
}

#[test]
fn list_sends_the_callers_limit_and_offset() {
    let mut server = Server::new();
    let c = client(&server);
    for (query, sent) in [
        (ListApps::new().limit(50).offset(100), "limit=50&offset=100"),
        (ListApps::new().limit(1), "limit=1&offset=0"),
        (ListApps::new().limit(100).offset(7), "limit=100&offset=7"),
        (
            ListApps::new().offset(u64::MAX),
            "limit=20&offset=18446744073709551615",
        ),
    ] {
        let mock = list_mock(&mut server, sent)
            .with_body(page(0..0, 0, 20, 0))
            .expect(1)
            .create();
        let page = c.apps().list(&query).unwrap();
        assert!(page.data.is_empty());
        mock.assert();
    }
}

#[test]
fn list_refuses_limit_0_and_over_100_without_a_request() {
    let mut server = Server::new();
    let mock = server.mock("GET", Matcher::Any).expect(0).create();
    let c = client(&server);
    for limit in [0, 101, u32::MAX] {
        let e = c.apps().list(&ListApps::new().limit(limit)).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("invalid input: `limit` must be 1 to 100, got {limit}")
        );
        assert_eq!(e.attempts(), 0);
        assert_error_hygiene(&e);
    }
    mock.assert();
}

#[test]
fn list_decode_error_names_the_nested_field_path_with_position() {
    let fixture = fixture("apps_page.json");
    // The fourth App's webhookConfig is the last one of the fixture.
    let at = fixture.rfind(r#""retryAttempts": 3"#).unwrap();
    let body = format!(
        "{}\"retryAttempts\": \"3\"{}",
        &fixture[..at],
        &fixture[at + r#""retryAttempts": 3"#.len()..]
    );
    let line_no = body[..at].lines().count();
    let line = body.lines().nth(line_no - 1).unwrap();
    let column = line.find(r#""3""#).unwrap() + 3;
    let mut server = Server::new();
    let mock = list_mock(&mut server, "limit=20&offset=0")
        .with_header("x-request-id", REQUEST_ID)
        .with_body(&body)
        .create();
    let e = client(&server).apps().list(&ListApps::new()).unwrap_err();
    mock.assert();
    let d = decode_error(&e);
    assert_eq!(d.operation(), "list apps");
    // Issue 16: every list names the item, and the field relative to it.
    assert_eq!(d.index(), Some(3));
    assert_eq!(
        d.message(),
        format!(
            "at `webhookConfig.retryAttempts`: invalid type: string \"3\", expected u32 at line {line_no} column {column}"
        )
    );
    assert_eq!(e.status(), Some(200));
    assert_eq!(e.request_id(), Some(REQUEST_ID));
    assert!(
        e.to_string().starts_with(
            "malformed list apps response: item 3: at `webhookConfig.retryAttempts`: "
        ),
        "{e}"
    );
    assert_error_hygiene(&e);
}

#[test]
fn list_decode_errors_for_required_fields_and_non_objects() {
    let missing = |field: &str| {
        let mut app = app_value(0);
        app.as_object_mut().unwrap().remove(field);
        json!({"data": [app_value(1), app], "total": 2, "limit": 20, "offset": 0}).to_string()
    };
    let cases = [
        (missing("providers"), "item 1: missing field `providers`"),
        (
            missing("defaultWorkflowId"),
            "item 1: missing field `defaultWorkflowId`",
        ),
        (missing("workflows"), "item 1: missing field `workflows`"),
        (
            missing("organizationId"),
            "item 1: missing field `organizationId`",
        ),
        (missing("updatedAt"), "item 1: missing field `updatedAt`"),
        (
            r#"{"data": [["app1"]], "total": 1, "limit": 20, "offset": 0}"#.to_owned(),
            "item 0: invalid type: sequence, expected a JSON object",
        ),
        (
            page(0..1, 1, 20, 0).replace(r#"{"enabled":true}"#, "[true]"),
            "item 0: at `providers.passport`: invalid type: sequence, expected a JSON object",
        ),
        (
            r#"{"data": [], "total": 0, "limit": 20}"#.to_owned(),
            "missing field `offset`",
        ),
    ];
    for (body, wanted) in cases {
        let mut server = Server::new();
        let mock = list_mock(&mut server, "limit=20&offset=0")
            .with_body(&body)
            .create();
        let e = client(&server).apps().list(&ListApps::new()).unwrap_err();
        mock.assert();
        let d = decode_error(&e);
        let shown = match d.index() {
            Some(i) => format!("item {i}: {}", d.message()),
            None => d.message().to_owned(),
        };
        assert!(shown.starts_with(wanted), "{shown} <> {wanted}");
        assert!(d.message().contains(" at line "), "{}", d.message());
        assert!(!e.to_string().contains("cs_live"), "{e}");
        assert_error_hygiene(&e);
    }
}

// ---------------------------------------------------------------- iter

#[test]
fn iter_asks_100_per_page_and_stops_at_total() {
    let mut server = Server::new();
    let first = list_mock(&mut server, "limit=100&offset=0")
        .with_body(page(0..100, 200, 100, 0))
        .expect(1)
        .create();
    let second = list_mock(&mut server, "limit=100&offset=100")
        .with_body(page(100..200, 200, 100, 100))
        .expect(1)
        .create();
    let third = server
        .mock("GET", "/apps")
        .match_query(Matcher::UrlEncoded("offset".into(), "200".into()))
        .expect(0)
        .create();
    let apps: Vec<App> = client(&server)
        .apps()
        .iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(apps.len(), 200);
    assert_eq!(apps[0].client_id, "app00000");
    assert_eq!(apps[199].client_id, "app00199");
    first.assert();
    second.assert();
    third.assert();
}

#[test]
fn iter_stops_at_an_empty_page() {
    let mut server = Server::new();
    // The server claims 1,000 Apps but has only 100.
    let first = list_mock(&mut server, "limit=100&offset=0")
        .with_body(page(0..100, 1000, 100, 0))
        .expect(1)
        .create();
    let empty = list_mock(&mut server, "limit=100&offset=100")
        .with_body(page(0..0, 1000, 100, 100))
        .expect(1)
        .create();
    let c = client(&server);
    let mut iter = c.apps().iter();
    assert_eq!(iter.by_ref().filter(Result::is_ok).count(), 100);
    assert!(iter.next().is_none());
    first.assert();
    empty.assert();
}

#[test]
fn iter_stops_at_a_short_page() {
    let mut server = Server::new();
    let first = list_mock(&mut server, "limit=100&offset=0")
        .with_body(page(0..100, 1000, 100, 0))
        .expect(1)
        .create();
    let short = list_mock(&mut server, "limit=100&offset=100")
        .with_body(page(100..130, 1000, 100, 100))
        .expect(1)
        .create();
    let after = server
        .mock("GET", "/apps")
        .match_query(Matcher::UrlEncoded("offset".into(), "130".into()))
        .expect(0)
        .create();
    let apps: Vec<App> = client(&server)
        .apps()
        .iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(apps.len(), 130);
    assert_eq!(apps[129].client_id, "app00129");
    first.assert();
    short.assert();
    after.assert();
}

#[test]
fn iter_pages_through_a_server_that_applies_a_smaller_limit() {
    let mut server = Server::new();
    let mocks = [
        list_mock(&mut server, "limit=100&offset=0").with_body(page(0..20, 45, 20, 0)),
        list_mock(&mut server, "limit=100&offset=20").with_body(page(20..40, 45, 20, 20)),
        list_mock(&mut server, "limit=100&offset=40").with_body(page(40..45, 45, 20, 40)),
    ]
    .map(|m| m.expect(1).create());
    let apps: Vec<App> = client(&server)
        .apps()
        .iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(apps.len(), 45);
    for m in mocks {
        m.assert();
    }
}

#[test]
fn iter_yields_a_failed_page_once_and_then_ends() {
    let mut server = Server::new();
    let first = list_mock(&mut server, "limit=100&offset=0")
        .with_body(page(0..100, 250, 100, 0))
        .expect(1)
        .create();
    let failing = list_mock(&mut server, "limit=100&offset=100")
        .with_status(500)
        .with_body(envelope(
            "SYSTEM_INTERNAL_ERROR",
            "Internal error",
            json!({}),
        ))
        .expect(1)
        .create();
    let rest = server
        .mock("GET", "/apps")
        .match_query(Matcher::UrlEncoded("offset".into(), "200".into()))
        .expect(0)
        .create();
    let c = client(&server);
    let mut iter = c.apps().iter();
    for i in 0..100 {
        let app = iter.next().unwrap().unwrap();
        assert_eq!(app.client_id, format!("app{i:05}"));
    }
    let e = iter.next().unwrap().unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.code(), Some("SYSTEM_INTERNAL_ERROR"));
    assert!(iter.next().is_none());
    assert!(iter.next().is_none(), "stays ended");
    first.assert();
    failing.assert();
    rest.assert();
}

#[test]
fn iter_ends_with_a_decode_error_on_a_server_that_repeats_the_page() {
    let mut server = Server::new();
    // A server that ignores `offset`: every request gets the same full page.
    let mock = bodyless(&mut server, "GET", "/apps")
        .match_query(Matcher::UrlEncoded("limit".into(), "100".into()))
        .with_body(page(0..100, 1_000_000, 100, 0))
        .expect(2)
        .create();
    let c = client(&server);
    let results: Vec<Result<App, Error>> = c.apps().iter().take(1000).collect();
    assert_eq!(results.len(), 101, "100 Apps, one error, then the end");
    assert!(results[..100].iter().all(Result::is_ok));
    let e = results[100].as_ref().unwrap_err();
    // Issue 16: a repeated page is what it is, not a made-up decode error.
    let Error::Paging(p) = e else { panic!("{e:?}") };
    assert_eq!(p.operation(), "list apps");
    assert_eq!(p.kind(), hopae::PagingErrorKind::RepeatedPage);
    assert_eq!(p.offset(), 100);
    assert_eq!(
        e.to_string(),
        "cannot page through list apps: the page at offset 100 repeats items already listed; stopping"
    );
    assert_eq!(e.status(), None);
    assert_error_hygiene(e);
    mock.assert();
}

#[test]
fn iter_does_not_yield_an_app_twice_when_offsets_shift() {
    let mut server = Server::new();
    let first = list_mock(&mut server, "limit=100&offset=0")
        .with_body(page(0..100, 151, 100, 0))
        .expect(1)
        .create();
    // One App was created meanwhile: the last App of page 1 comes again.
    let second = list_mock(&mut server, "limit=100&offset=100")
        .with_body(page(99..150, 151, 100, 100))
        .expect(1)
        .create();
    let ids: Vec<String> = client(&server)
        .apps()
        .iter()
        .map(|r| r.unwrap().client_id)
        .collect();
    assert_eq!(ids.len(), 150);
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 150);
    first.assert();
    second.assert();
}

#[test]
fn iter_on_an_empty_workspace_makes_one_request() {
    let mut server = Server::new();
    let mock = list_mock(&mut server, "limit=100&offset=0")
        .with_body(page(0..0, 0, 100, 0))
        .expect(1)
        .create();
    assert_eq!(client(&server).apps().iter().count(), 0);
    mock.assert();
}

// ---------------------------------------------------------------- create

#[test]
fn create_posts_the_name_with_a_generated_key_and_decodes_the_app() {
    let mut server = Server::new();
    let mock = json(&mut server, "POST", "/apps")
        .match_body(Matcher::Exact(r#"{"name":"Shop \"quoted\" é"}"#.into()))
        .with_status(201)
        .with_header("location", "/v1/apps/FK5b0KSM")
        .with_body(fixture("app.json"))
        .create();
    let app = client(&server)
        .apps()
        .create(&NewApp::new("Shop \"quoted\" é"))
        .unwrap();
    mock.assert();
    assert_is_the_fixture_app(&app);
}

#[test]
fn create_with_key_sends_the_callers_key() {
    let mut server = Server::new();
    let mock = json_keyed(&mut server, "POST", "/apps", "shop-app-1".into())
        .match_body(Matcher::Exact(r#"{"name":"Shop"}"#.into()))
        .with_status(201)
        .with_body(fixture("app.json"))
        .expect(1)
        .create();
    let app = client(&server)
        .apps()
        .with_idempotency_key("shop-app-1")
        .create(&NewApp::new("Shop"))
        .unwrap();
    mock.assert();
    assert_eq!(app.client_id, CLIENT_ID);
}

#[test]
fn create_generates_a_fresh_44_character_key_per_call() {
    let mut server = Server::new();
    let keys = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&keys);
    let mock = json(&mut server, "POST", "/apps")
        .match_request(move |req| {
            let key = req.header("idempotency-key");
            let key = key.first().and_then(|v| v.to_str().ok()).unwrap_or("");
            seen.lock().unwrap().push(key.to_owned());
            true
        })
        .with_status(201)
        .with_body(fixture("app.json"))
        .expect(2)
        .create();
    let c = client(&server);
    c.apps().create(&NewApp::new("Shop")).unwrap();
    c.apps().create(&NewApp::new("Shop")).unwrap();
    mock.assert();
    let keys = keys.lock().unwrap();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
    for key in keys.iter() {
        assert_eq!(key.len(), 44, "{key}");
        assert!(key.starts_with("hopae-"), "{key}");
    }
}

#[test]
fn create_refuses_empty_names_and_invalid_keys_without_a_request() {
    let mut server = Server::new();
    let mock = server.mock("POST", Matcher::Any).expect(0).create();
    let c = client(&server);
    for name in ["", "   "] {
        let e = c.apps().create(&NewApp::new(name)).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert_eq!(e.to_string(), "invalid input: `name` must not be empty");
        let e = c
            .apps()
            .with_idempotency_key("k")
            .create(&NewApp::new(name))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    }
    let long = "k".repeat(256);
    for (key, wanted) in [
        ("", "1 to 255 characters"),
        (long.as_str(), "got 256"),
        ("a b", "visible ASCII"),
        ("a\r\nx-evil: 1", "visible ASCII"),
        ("ключ", "visible ASCII"),
    ] {
        let e = c
            .apps()
            .with_idempotency_key(key)
            .create(&NewApp::new("Shop"))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert!(e.to_string().contains(wanted), "{e} lacks {wanted}");
        assert_eq!(e.attempts(), 0);
        assert_error_hygiene(&e);
    }
    mock.assert();
}

// ---------------------------------------------------------------- batch create

fn batch_answer() -> String {
    let app: Value = serde_json::from_str(&fixture("app.json")).unwrap();
    json!({
        "results": [
            {"app": app, "idempotencyKey": "item-a"},
            {"code": "VALIDATION_INVALID_PARAMETER", "message": "Invalid redirect URI",
             "details": {"parameter": "redirectUris"}},
            {"error": {"code": "RESOURCE_CONFLICT", "message": "Name taken"}}
        ],
        "successCount": 1,
        "errorCount": 2
    })
    .to_string()
}

#[test]
fn batch_create_posts_items_and_continue_on_error_and_decodes_mixed_results() {
    let mut server = Server::new();
    let sent = concat!(
        r#"{"items":[{"name":"A","idempotencyKey":"item-a"},"#,
        r#"{"name":"B","redirectUris":["https://b.example/cb"],"#,
        r#""webhookConfig":{"url":"https://b.example/h","events":["verification.completed"]}},"#,
        r#"{"name":"C"}],"continueOnError":true}"#
    );
    let mock = json(&mut server, "POST", "/apps/batch")
        .match_body(Matcher::Exact(sent.into()))
        .with_status(201)
        .with_body(batch_answer())
        .create();
    let batch = BatchCreate::new([
        BatchItem::new("A").idempotency_key("item-a"),
        BatchItem::new("B")
            .redirect_uris(["https://b.example/cb"])
            .webhook_config(
                WebhookConfigUpdate::new()
                    .url("https://b.example/h")
                    .events(["verification.completed"]),
            ),
        BatchItem::new("C"),
    ])
    .continue_on_error(true);
    let result = client(&server).apps().batch_create(&batch).unwrap();
    mock.assert();
    assert_eq!((result.success_count, result.error_count), (1, 2));
    assert_eq!(result.results.len(), 3);
    let BatchItemResult::Created {
        app,
        idempotency_key,
    } = &result.results[0]
    else {
        panic!("{:?}", result.results[0]);
    };
    assert_is_the_fixture_app(app);
    assert_eq!(idempotency_key.as_deref(), Some("item-a"));
    let BatchItemResult::Failed(flat) = &result.results[1] else {
        panic!("{:?}", result.results[1]);
    };
    assert_eq!(flat.code, "VALIDATION_INVALID_PARAMETER");
    assert_eq!(flat.message.as_deref(), Some("Invalid redirect URI"));
    assert_eq!(flat.details, Some(json!({"parameter": "redirectUris"})));
    let BatchItemResult::Failed(nested) = &result.results[2] else {
        panic!("{:?}", result.results[2]);
    };
    assert_eq!(nested.code, "RESOURCE_CONFLICT");
    assert_eq!(nested.message.as_deref(), Some("Name taken"));
    assert_eq!(nested.details, None);
}

#[test]
fn batch_create_without_continue_on_error_leaves_it_out() {
    let mut server = Server::new();
    let mock = json(&mut server, "POST", "/apps/batch")
        .match_body(Matcher::Exact(r#"{"items":[{"name":"A"}]}"#.into()))
        .with_status(201)
        .with_body(r#"{"results": [], "successCount": 0, "errorCount": 0}"#)
        .create();
    let result = client(&server)
        .apps()
        .batch_create(&BatchCreate::new([BatchItem::new("A")]))
        .unwrap();
    mock.assert();
    assert!(result.results.is_empty());
}

#[test]
fn batch_result_debug_hides_the_created_apps_secrets() {
    let result: hopae::apps::BatchResult = serde_json::from_str(&batch_answer()).unwrap();
    let shown = format!("{result:?}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(
        shown.contains("client_secret: Some(Secret([redacted]))"),
        "{shown}"
    );
    assert!(
        !shown.contains("abc1"),
        "the webhook secret preview: {shown}"
    );
    let pretty = format!("{result:#?}");
    assert!(!pretty.contains(CLIENT_SECRET), "{pretty}");
}

#[test]
fn batch_create_refuses_invalid_batches_naming_the_item_without_a_request() {
    let mut server = Server::new();
    let mock = server.mock("POST", Matcher::Any).expect(0).create();
    let c = client(&server);
    let cases = [
        (
            BatchCreate::new([]),
            "a batch must have 1 to 100 items, this one has 0",
        ),
        (
            BatchCreate::new((0..101).map(|i| BatchItem::new(format!("a{i}")))),
            "a batch must have 1 to 100 items, this one has 101",
        ),
        (
            BatchCreate::new([BatchItem::new("a"), BatchItem::new("b"), BatchItem::new("")]),
            "`items[2].name` must not be empty",
        ),
        (
            BatchCreate::new([BatchItem::new("a").redirect_uris(["https://a.example/#x"])]),
            "`items[0].redirectUris[0]` must not have a fragment (`#...`)",
        ),
        (
            BatchCreate::new([
                BatchItem::new("a"),
                BatchItem::new("b").idempotency_key("bad key"),
            ]),
            "`items[1].idempotencyKey` may only contain visible ASCII characters (no spaces)",
        ),
    ];
    for (batch, wanted) in cases {
        let e = c.apps().batch_create(&batch).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert_eq!(e.to_string(), format!("invalid input: {wanted}"));
        assert_eq!(e.attempts(), 0);
        assert_error_hygiene(&e);
    }
    // 100 items are fine (checked without sending).
    assert!(
        BatchCreate::new((0..100).map(|i| BatchItem::new(format!("a{i}"))))
            .validate()
            .is_ok()
    );
    mock.assert();
}

#[test]
fn batch_create_result_without_app_or_code_is_a_decode_error_naming_it() {
    let mut server = Server::new();
    let mock = json(&mut server, "POST", "/apps/batch")
        .with_status(201)
        .with_body(r#"{"results": [{"idempotencyKey": "x"}], "successCount": 0, "errorCount": 1}"#)
        .create();
    let e = client(&server)
        .apps()
        .batch_create(&BatchCreate::new([BatchItem::new("A")]))
        .unwrap_err();
    mock.assert();
    let d = decode_error(&e);
    assert_eq!(d.operation(), "batch create apps");
    assert!(
        d.message()
            .starts_with("at `results[0]`: a batch result has neither `app` nor an error `code`"),
        "{}",
        d.message()
    );
}

// ---------------------------------------------------------------- get, update, delete

#[test]
fn get_sends_a_get_and_decodes_the_app() {
    let mut server = Server::new();
    let mock = bodyless(&mut server, "GET", APP_PATH)
        .with_body(fixture("app.json"))
        .create();
    let app = client(&server).app(CLIENT_ID).get().unwrap();
    mock.assert();
    assert_is_the_fixture_app(&app);
    assert_eq!(app, full_app());
}

#[test]
fn get_update_and_delete_of_an_unknown_app_are_api_errors_with_the_code() {
    let mut server = Server::new();
    let mocks = [
        not_found(&mut server, "GET", APP_PATH),
        not_found(&mut server, "PATCH", APP_PATH),
        not_found(&mut server, "DELETE", APP_PATH),
    ];
    let c = client(&server);
    let app = c.app(CLIENT_ID);
    assert_not_found(&app.get().unwrap_err());
    assert_not_found(&app.update(&AppUpdate::new().name("x")).unwrap_err());
    assert_not_found(&app.delete().unwrap_err());
    for m in mocks {
        m.assert();
    }
}

#[test]
fn update_patches_exactly_the_fields_set_and_never_the_client_credentials() {
    let mut server = Server::new();
    let sent = concat!(
        r#"{"name":"Shop 2","logo":"","redirectUris":[],"#,
        r#""webhookConfig":{"enabled":false,"retryAttempts":5},"#,
        r#""defaultSuccessRedirectUri":"https://shop.example/ok","#,
        r#""defaultFailureRedirectUri":"https://shop.example/failed"}"#
    );
    let all = json(&mut server, "PATCH", APP_PATH)
        .match_body(Matcher::Exact(sent.into()))
        .with_body(fixture("app.json"))
        .expect(1)
        .create();
    let name_only = json(&mut server, "PATCH", APP_PATH)
        .match_body(Matcher::Exact(r#"{"name":"Shop 3"}"#.into()))
        .with_body(fixture("app.json"))
        .expect(1)
        .create();
    let c = client(&server);
    let update = AppUpdate::new()
        .name("Shop 2")
        .logo("")
        .redirect_uris(Vec::<String>::new())
        .webhook_config(WebhookConfigUpdate::new().enabled(false).retry_attempts(5))
        .default_success_redirect_uri("https://shop.example/ok")
        .default_failure_redirect_uri("https://shop.example/failed");
    let app = c.app(CLIENT_ID).update(&update).unwrap();
    assert_is_the_fixture_app(&app);
    c.app(CLIENT_ID)
        .update(&AppUpdate::new().name("Shop 3"))
        .unwrap();
    all.assert();
    name_only.assert();
    let body = serde_json::to_string(&update).unwrap();
    assert!(!body.contains("clientId") && !body.contains("clientSecret"));
}

#[test]
fn update_refuses_too_many_redirect_uris_and_fragments_without_a_request() {
    let mut server = Server::new();
    let mock = server.mock("PATCH", Matcher::Any).expect(0).create();
    let c = client(&server);
    let many: Vec<String> = (0..21).map(|i| format!("https://a.example/{i}")).collect();
    let long = format!("https://a.example/{}", "x".repeat(2048));
    let cases = [
        (
            AppUpdate::new().redirect_uris(many),
            "`redirectUris` has 21 URIs, at most 20 are allowed",
        ),
        (
            AppUpdate::new().redirect_uris(["https://a.example/cb", "https://a.example/cb#top"]),
            "`redirectUris[1]` must not have a fragment (`#...`)",
        ),
        (
            AppUpdate::new().redirect_uris([""]),
            "`redirectUris[0]` must not be empty",
        ),
        (
            AppUpdate::new().redirect_uris([long]),
            "`redirectUris[0]` has 2066 characters, at most 2048 are allowed",
        ),
        (AppUpdate::new().name(" "), "`name` must not be empty"),
    ];
    for (update, wanted) in cases {
        let e = c.app(CLIENT_ID).update(&update).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert_eq!(e.to_string(), format!("invalid input: {wanted}"));
        assert_eq!(e.attempts(), 0);
    }
    let twenty: Vec<String> = (0..20).map(|i| format!("https://a.example/{i}")).collect();
    assert!(AppUpdate::new().redirect_uris(twenty).validate().is_ok());
    mock.assert();
}

#[test]
fn delete_accepts_a_message_body_and_an_empty_body() {
    for body in [r#"{"message": "App deleted successfully"}"#, ""] {
        let mut server = Server::new();
        let mock = bodyless(&mut server, "DELETE", APP_PATH)
            .with_status(200)
            .with_body(body)
            .expect(1)
            .create();
        client(&server).app(CLIENT_ID).delete().unwrap();
        mock.assert();
    }
}

#[test]
fn delete_answered_deleted_false_is_an_api_error_never_ok() {
    for (body, field) in [
        (r#"{"deleted": false}"#, "deleted"),
        (r#"{"success": false, "message": "in use"}"#, "success"),
    ] {
        let mut server = Server::new();
        let mock = bodyless(&mut server, "DELETE", APP_PATH)
            .with_status(200)
            .with_body(body)
            .expect(1)
            .create();
        let e = client(&server).app(CLIENT_ID).delete().unwrap_err();
        mock.assert();
        let Error::Api(api) = &e else {
            panic!("expected Error::Api, got {e:?}")
        };
        assert_eq!(api.status(), 200);
        assert!(e.to_string().contains(field), "{e}");
    }
}

// ---------------------------------------------------------------- rotate client secret

#[test]
fn rotate_client_secret_posts_no_body_and_returns_the_secret() {
    let mut server = Server::new();
    let mock = bodyless(&mut server, "POST", "/apps/FK5b0KSM/rotate-client-secret")
        .with_status(201)
        .with_body(format!(r#"{{"clientSecret": "{ROTATED_SECRET}"}}"#))
        .create();
    let secret = client(&server)
        .app(CLIENT_ID)
        .rotate_client_secret()
        .unwrap();
    mock.assert();
    assert_eq!(secret.expose(), ROTATED_SECRET);
}

#[test]
fn client_secrets_never_appear_in_errors_or_debug() {
    let rotated = format!(r#"{{"clientSecret": "{ROTATED_SECRET}"}}"#);
    let app_with_new_secret = fixture("app.json").replace(CLIENT_SECRET, ROTATED_SECRET);
    let cases: Vec<(&str, &str, String)> = vec![
        // A malformed rotation answer that carries the new secret.
        (
            "POST",
            "/rotate-client-secret",
            format!("\"{ROTATED_SECRET}\""),
        ),
        ("POST", "/rotate-client-secret", format!("[{rotated}]")),
        (
            "POST",
            "/rotate-client-secret",
            format!(r#"{{"clientSecret": "{ROTATED_SECRET}", "clientSecret": "x"}}"#),
        ),
        (
            "POST",
            "/rotate-client-secret",
            format!("{rotated} trailing"),
        ),
        (
            "POST",
            "/rotate-client-secret",
            format!(r#"{{"clientSecret": 5, "other": {{"clientSecret": ["{ROTATED_SECRET}"]}}}}"#),
        ),
        // A later read whose App is malformed elsewhere, or in a way that quotes the
        // secret's value.
        (
            "GET",
            "",
            app_with_new_secret.replace(
                r#""updatedAt": "2026-04-08T10:30:00.000Z""#,
                r#""updatedAt": "yesterday""#,
            ),
        ),
        (
            "GET",
            "",
            // A string where a list belongs is quoted in the message.
            app_with_new_secret.replace(
                r#""redirectUris": ["#,
                &format!(r#""redirectUris": "{ROTATED_SECRET}", "x": ["#),
            ),
        ),
    ];
    for (method, suffix, body) in cases {
        let mut server = Server::new();
        let path = format!("{APP_PATH}{suffix}");
        let mock = server
            .mock(method, path.as_str())
            .with_status(if method == "POST" { 201 } else { 200 })
            .with_body(&body)
            .expect(1)
            .create();
        let app = client(&server);
        let app = app.app(CLIENT_ID);
        let e = match method {
            "POST" => app.rotate_client_secret().unwrap_err(),
            _ => app.get().unwrap_err(),
        };
        mock.assert();
        decode_error(&e);
        for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            assert!(!shown.contains(ROTATED_SECRET), "{body}\n=> {shown}");
        }
        assert_error_hygiene(&e);
    }
}

#[test]
fn app_debug_redacts_the_client_secret() {
    let app = full_app();
    let shown = format!("{app:?}");
    assert!(
        shown.contains("client_secret: Some(Secret([redacted]))"),
        "{shown}"
    );
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(!shown.contains("abc1"), "webhook secret preview: {shown}");
    // The field itself keeps the value, and serializes it.
    assert_eq!(
        app.client_secret.as_ref().map(|s| s.expose().as_str()),
        Some(CLIENT_SECRET)
    );
    let json = serde_json::to_value(&app).unwrap();
    assert_eq!(json["clientSecret"], CLIENT_SECRET);
    let back: App = serde_json::from_value(json).unwrap();
    assert_eq!(back, app);
    // A page and an iterator print their Apps the same way.
    let page: hopae::Page<App> = serde_json::from_str(&fixture("apps_page.json")).unwrap();
    assert!(!format!("{page:?}").contains("cs_live_"));
}

// ---------------------------------------------------------------- redirect URIs

#[test]
fn redirect_uris_get_returns_the_list() {
    let mut server = Server::new();
    let mock = bodyless(&mut server, "GET", "/apps/FK5b0KSM/redirect-uris")
        .with_body(r#"{"redirectUris": ["https://shop.example/cb", "http://localhost:3000/cb"]}"#)
        .create();
    let uris = client(&server).app(CLIENT_ID).redirect_uris().unwrap();
    mock.assert();
    assert_eq!(
        uris,
        ["https://shop.example/cb", "http://localhost:3000/cb"]
    );
}

#[test]
fn redirect_uris_put_accepts_every_documented_answer() {
    let answers = [
        ("an App", fixture("app.json")),
        (
            "the short shape",
            r#"{"redirectUris": ["https://shop.example/callback", "http://localhost:3000/callback"]}"#
                .to_owned(),
        ),
        (
            "the older shape",
            r#"{"redirect_uris": ["https://shop.example/callback", "http://localhost:3000/callback"], "total": 2}"#
                .to_owned(),
        ),
    ];
    for (what, answer) in answers {
        let mut server = Server::new();
        let mock = json(&mut server, "PUT", "/apps/FK5b0KSM/redirect-uris")
            .match_body(Matcher::Exact(
                r#"{"redirectUris":["https://Shop.example/callback","http://localhost:3000/callback","https://shop.example/callback"]}"#.into(),
            ))
            .with_body(answer)
            .expect(1)
            .create();
        let uris = client(&server)
            .app(CLIENT_ID)
            .set_redirect_uris([
                "https://Shop.example/callback",
                "http://localhost:3000/callback",
                "https://shop.example/callback",
            ])
            .unwrap();
        mock.assert();
        assert_eq!(
            uris,
            [
                "https://shop.example/callback",
                "http://localhost:3000/callback"
            ],
            "{what}"
        );
    }
}

#[test]
fn redirect_uris_put_of_an_empty_list_clears_them() {
    let mut server = Server::new();
    let mock = json(&mut server, "PUT", "/apps/FK5b0KSM/redirect-uris")
        .match_body(Matcher::Exact(r#"{"redirectUris":[]}"#.into()))
        .with_body(r#"{"redirectUris": []}"#)
        .create();
    let uris = client(&server)
        .app(CLIENT_ID)
        .set_redirect_uris(Vec::<String>::new())
        .unwrap();
    mock.assert();
    assert!(uris.is_empty());
}

#[test]
fn redirect_uris_answer_without_either_field_is_a_decode_error_naming_it() {
    for (method, body) in [("GET", r#"{"uris": []}"#), ("PUT", r#"{"total": 0}"#)] {
        let mut server = Server::new();
        let mock = server
            .mock(method, "/apps/FK5b0KSM/redirect-uris")
            .with_body(body)
            .create();
        let app = client(&server);
        let app = app.app(CLIENT_ID);
        let e = match method {
            "GET" => app.redirect_uris().unwrap_err(),
            _ => app.set_redirect_uris(["https://a.example/cb"]).unwrap_err(),
        };
        mock.assert();
        let d = decode_error(&e);
        assert!(d.message().contains("`redirectUris`"), "{}", d.message());
        assert_eq!(e.status(), Some(200));
        assert_error_hygiene(&e);
    }
}

#[test]
fn redirect_uris_put_refuses_invalid_lists_without_a_request() {
    let mut server = Server::new();
    let mock = server.mock("PUT", Matcher::Any).expect(0).create();
    let c = client(&server);
    let many: Vec<String> = (0..21).map(|i| format!("https://a.example/{i}")).collect();
    let e = c.app(CLIENT_ID).set_redirect_uris(many).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid input: `redirectUris` has 21 URIs, at most 20 are allowed"
    );
    let e = c
        .app(CLIENT_ID)
        .set_redirect_uris(["https://a.example/cb#x"])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid input: `redirectUris[0]` must not have a fragment (`#...`)"
    );
    assert_eq!(e.attempts(), 0);
    mock.assert();
}

// ---------------------------------------------------------------- path parameters

#[test]
fn every_app_endpoint_percent_encodes_the_client_id_into_one_segment() {
    let cases = [
        ("a/b", "/apps/a%2Fb"),
        ("x?y#z", "/apps/x%3Fy%23z"),
        ("%2F", "/apps/%252F"),
        ("../x", "/apps/..%2Fx"),
        ("...", "/apps/..."),
        ("a b", "/apps/a%20b"),
    ];
    let mut server = Server::new();
    let c = client(&server);
    for (id, base) in cases {
        let app = fixture("app.json");
        let mocks = [
            server.mock("GET", base).with_body(&app),
            server.mock("PATCH", base).with_body(&app),
            server.mock("DELETE", base),
            server
                .mock("POST", format!("{base}/rotate-client-secret").as_str())
                .with_status(201)
                .with_body(r#"{"clientSecret": "cs_live_x"}"#),
            server
                .mock("GET", format!("{base}/redirect-uris").as_str())
                .with_body(r#"{"redirectUris": []}"#),
            server
                .mock("PUT", format!("{base}/redirect-uris").as_str())
                .with_body(r#"{"redirectUris": []}"#),
        ]
        .map(|m| m.expect(1).create());
        let h = c.app(id);
        assert!(h.get().is_ok(), "{id:?}");
        assert!(h.update(&AppUpdate::new().name("n")).is_ok(), "{id:?}");
        assert!(h.delete().is_ok(), "{id:?}");
        assert!(h.rotate_client_secret().is_ok(), "{id:?}");
        assert!(h.redirect_uris().is_ok(), "{id:?}");
        assert!(h.set_redirect_uris(Vec::<String>::new()).is_ok(), "{id:?}");
        for m in mocks {
            m.assert();
        }
    }
}

#[test]
fn every_app_endpoint_refuses_empty_and_dot_client_ids_without_a_request() {
    let mut server = Server::new();
    let any = [
        server.mock("GET", Matcher::Any).expect(0).create(),
        server.mock("POST", Matcher::Any).expect(0).create(),
        server.mock("PUT", Matcher::Any).expect(0).create(),
        server.mock("PATCH", Matcher::Any).expect(0).create(),
        server.mock("DELETE", Matcher::Any).expect(0).create(),
    ];
    let c = client(&server);
    for id in ["", ".", ".."] {
        let h = c.app(id);
        let errors = [
            h.get().map(drop),
            h.update(&AppUpdate::new().name("n")).map(drop),
            h.delete(),
            h.rotate_client_secret().map(drop),
            h.redirect_uris().map(drop),
            h.set_redirect_uris(["https://a.example/cb"]).map(drop),
        ];
        for e in errors {
            let e = e.unwrap_err();
            assert!(matches!(e, Error::InvalidInput(_)), "{id:?}: {e:?}");
            assert!(
                e.to_string().starts_with("invalid input: `client_id`"),
                "{e}"
            );
            assert_eq!(e.attempts(), 0);
        }
    }
    for m in any {
        m.assert();
    }
}
