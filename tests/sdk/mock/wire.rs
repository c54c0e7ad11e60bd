//! `hopae::mock` over the wire: the answers' raw shapes and headers through ureq,
//! validation, state, idempotency, auth, the production-test lifecycle, faults and
//! shutdown. `tests/mock_sdk.rs` drives every SDK operation against the fake.

use super::support as mock_support;

use std::net::TcpListener;
use std::time::Duration;

use hopae::apps::{AppUpdate, BatchCreate, BatchItem, BatchItemResult, ListApps, NewApp};
use hopae::mock::{PROD_KEY, SEED_APP, SEED_CHALLENGE, SEED_REQUEST, Server, TEST_KEY};
use hopae::production_tests::{NewProductionTest, RequestStatus};
use hopae::webhooks::WebhookConfigUpdate;
use hopae::{HopaeClient, ProductionTestItem};
use mock_support::{api, client, client_with, raw, send, wait};
use serde_json::{Value, json};

#[test]
fn every_read_decodes_against_the_seeded_workspace() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let ws = client.workspace().unwrap();
    assert!(ws.id.starts_with("org_"), "{}", ws.id);
    assert_eq!(ws.apps_count, 1);
    let raw_ws = raw(&server, "GET", "/workspace", None).body;
    assert_eq!(
        raw_ws["created_at"].as_i64(),
        Some(ws.created_at.unix_timestamp())
    );

    let page = client.apps().list(&ListApps::new()).unwrap();
    assert_eq!((page.total, page.limit, page.offset), (1, 20, 0));
    let app = client.app(SEED_APP).get().unwrap();
    assert_eq!(page.data, std::slice::from_ref(&app));
    assert_eq!(app.organization_id, ws.id);
    assert!(app.providers["mitid"].enabled);
    assert_eq!(app.default_workflow_id, "default");
    assert_eq!(
        client
            .apps()
            .iter()
            .map(|a| a.unwrap().client_id)
            .collect::<Vec<_>>(),
        [SEED_APP]
    );
    assert_eq!(
        client.app(SEED_APP).redirect_uris().unwrap(),
        app.redirect_uris
    );
    let config = client.app(SEED_APP).webhook_config().unwrap();
    assert_eq!(
        (
            config.enabled,
            config.retry_attempts,
            config.timeout_seconds
        ),
        (true, 3, 10)
    );

    let tests = client.app(SEED_APP).production_tests();
    let items = tests.list().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_challenge().unwrap().id, SEED_CHALLENGE);
    let request = items[1].as_request().unwrap();
    assert_eq!(
        (request.id.as_str(), &request.status),
        (SEED_REQUEST, &RequestStatus::Pending)
    );
    // The seeded request stays pending, however often it is listed.
    assert_eq!(tests.list().unwrap(), tests.list().unwrap());
    let report = tests.report(SEED_CHALLENGE).unwrap();
    assert_eq!(
        (report.stats.total_participations, report.stats.total_claims),
        (4, 2)
    );
    assert_eq!(report.stats.provider_breakdown[0].provider_id, "bankidse");
}

#[test]
fn an_empty_fake_has_no_apps_and_a_missing_app_is_a_404() {
    let server = Server::builder().empty().start().unwrap();
    let client = client(&server);
    assert_eq!(client.workspace().unwrap().apps_count, 0);
    let e = client.app(SEED_APP).production_tests().list().unwrap_err();
    assert_eq!(api(&e).0, 404);
    assert_eq!(api(&e).1, "RESOURCE_NOT_FOUND");
}

#[test]
fn apps_persist_across_calls_until_deleted() {
    let server = Server::builder().empty().start().unwrap();
    let client = client(&server);
    let created = client.apps().create(&NewApp::new("Shop")).unwrap();
    assert_eq!(created.client_id.len(), 8);
    assert!(created.client_id.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(
        created
            .client_secret
            .as_ref()
            .map(|s| s.expose().as_str())
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(created.workflows.len(), 1);
    assert_eq!(created.workflows[0].workflow_id, "default");
    assert!(created.providers["passport"].enabled);
    assert_eq!(created.created_at, created.updated_at);
    let app = client.app(&created.client_id);
    assert_eq!(app.get().unwrap(), created);

    let update = AppUpdate::new()
        .name("Shop 2")
        .logo("data:image/png;base64,iVBORw0KGgo=")
        .redirect_uris([
            "https://Shop.EXAMPLE/cb",
            "https://shop.example/cb",
            "http://localhost:3000/cb",
        ])
        .webhook_config(WebhookConfigUpdate::new().url("https://shop.example/hooks"))
        .default_success_redirect_uri("https://shop.example/ok");
    let updated = app.update(&update).unwrap();
    assert_eq!(updated.name, "Shop 2");
    assert_eq!(
        updated.redirect_uris,
        ["https://shop.example/cb", "http://localhost:3000/cb"]
    );
    assert!(updated.logo.is_some());
    let webhook = updated.webhook_config.clone().unwrap();
    assert_eq!(webhook.url.as_deref(), Some("https://shop.example/hooks"));
    assert_eq!(
        webhook.retry_attempts, 3,
        "a merge keeps the other settings"
    );
    // `logo: ""` removes the logo; what is not sent stays.
    let updated = app.update(&AppUpdate::new().logo("")).unwrap();
    assert_eq!(updated.logo, None);
    assert_eq!(updated.name, "Shop 2");
    assert_eq!(app.get().unwrap(), updated);

    let secret = app.rotate_client_secret().unwrap();
    assert_ne!(Some(&secret), created.client_secret.as_ref());
    assert_eq!(app.get().unwrap().client_secret, Some(secret));
    assert_eq!(
        app.set_redirect_uris(["https://A.example/x"]).unwrap(),
        ["https://a.example/x"]
    );
    assert_eq!(app.redirect_uris().unwrap(), ["https://a.example/x"]);
    assert_eq!(
        app.set_redirect_uris(Vec::<String>::new()).unwrap(),
        Vec::<String>::new()
    );

    assert_eq!(client.workspace().unwrap().apps_count, 1);
    app.delete().unwrap();
    let e = app.get().unwrap_err();
    assert_eq!(api(&e).0, 404);
    assert_eq!(api(&e).1, "RESOURCE_NOT_FOUND");
    assert_eq!(api(&app.delete().unwrap_err()).0, 404);
    assert_eq!(client.workspace().unwrap().apps_count, 0);
}

#[test]
fn app_list_pages_and_limit_is_at_most_100() {
    let server = Server::builder().empty().start().unwrap();
    let client = client(&server);
    let batch = BatchCreate::new((0..5).map(|i| BatchItem::new(format!("App {i}"))));
    let result = client.apps().batch_create(&batch).unwrap();
    assert_eq!((result.success_count, result.error_count), (5, 0));
    let page = client
        .apps()
        .list(&ListApps::new().limit(2).offset(3))
        .unwrap();
    assert_eq!((page.total, page.limit, page.offset), (5, 2, 3));
    let names: Vec<String> = page.data.into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["App 3", "App 4"]);
    assert_eq!(client.apps().iter().count(), 5);
    for query in ["limit=101&offset=0", "limit=0&offset=0", "limit=x&offset=0"] {
        let r = raw(&server, "GET", &format!("/apps?{query}"), None);
        assert_eq!(r.status, 400, "{query}");
        assert_eq!(
            r.error(),
            ("VALIDATION_INVALID_PARAMETER", "limit"),
            "{query}"
        );
    }
    let r = raw(&server, "GET", "/apps?limit=100&offset=-1", None);
    assert_eq!(r.error(), ("VALIDATION_INVALID_PARAMETER", "offset"));
}

#[test]
fn batch_create_stops_at_the_first_failure_unless_told_to_continue() {
    let server = Server::builder().empty().start().unwrap();
    let client = client(&server);
    let items = || {
        [
            BatchItem::new("A").idempotency_key("item-a"),
            BatchItem::new("B").redirect_uris(["http://shop.example/cb"]),
            BatchItem::new("C"),
        ]
    };
    let stopped = client
        .apps()
        .batch_create(&BatchCreate::new(items()))
        .unwrap();
    assert_eq!((stopped.success_count, stopped.error_count), (1, 1));
    assert_eq!(stopped.results.len(), 2);
    let BatchItemResult::Failed(error) = &stopped.results[1] else {
        panic!("{:?}", stopped.results[1]);
    };
    assert_eq!(error.code, "VALIDATION_INVALID_PARAMETER");
    assert_eq!(
        error.details.as_ref().unwrap()["parameter"],
        "items[1].redirectUris[0]"
    );
    let BatchItemResult::Created { app: first, .. } = &stopped.results[0] else {
        panic!("{:?}", stopped.results[0]);
    };

    let went_on = client
        .apps()
        .batch_create(&BatchCreate::new(items()).continue_on_error(true))
        .unwrap();
    assert_eq!((went_on.success_count, went_on.error_count), (2, 1));
    // The per-item key replays item A instead of creating it twice.
    let BatchItemResult::Created {
        app,
        idempotency_key,
    } = &went_on.results[0]
    else {
        panic!("{:?}", went_on.results[0]);
    };
    assert_eq!(app.client_id, first.client_id);
    assert_eq!(idempotency_key.as_deref(), Some("item-a"));
    assert_eq!(client.workspace().unwrap().apps_count, 2);

    let r = raw(&server, "POST", "/apps/batch", Some(json!({"items": []})));
    assert_eq!(r.error(), ("VALIDATION_INVALID_PARAMETER", "items"));
    let many: Vec<Value> = (0..101).map(|i| json!({"name": format!("a{i}")})).collect();
    let r = raw(&server, "POST", "/apps/batch", Some(json!({"items": many})));
    assert_eq!(r.error(), ("VALIDATION_INVALID_PARAMETER", "items"));
}

#[test]
fn app_validation_matches_the_documented_rules() {
    let server = Server::start().unwrap();
    let path = format!("/apps/{SEED_APP}");
    for (body, parameter) in [
        (json!({"clientId": "x"}), "clientId"),
        (json!({"clientSecret": "x"}), "clientSecret"),
        (json!({"name": ""}), "name"),
        (json!({"logo": "https://x.example/logo.png"}), "logo"),
        (
            json!({"webhookConfig": {"secret": "whsec_x"}}),
            "webhookConfig.secret",
        ),
        (
            json!({"webhookConfig": {"retryAttempts": "3"}}),
            "webhookConfig.retryAttempts",
        ),
    ] {
        let r = raw(&server, "PATCH", &path, Some(body.clone()));
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(
            r.error(),
            ("VALIDATION_INVALID_PARAMETER", parameter),
            "{body}"
        );
    }
    let r = raw(&server, "POST", "/apps", Some(json!({})));
    assert_eq!(r.error(), ("VALIDATION_MISSING_PARAMETER", "name"));
    let uris = format!("{path}/redirect-uris");
    let long = format!("https://a.example/{}", "x".repeat(2040));
    let many: Vec<String> = (0..21).map(|i| format!("https://a.example/{i}")).collect();
    for (list, parameter) in [
        (json!(["http://shop.example/cb"]), "redirectUris[0]"),
        (
            json!(["https://ok.example", "https://shop.example/#x"]),
            "redirectUris[1]",
        ),
        (json!([long]), "redirectUris[0]"),
        (json!(["https:///cb"]), "redirectUris[0]"),
        (json!(["shop.example/cb"]), "redirectUris[0]"),
        (json!(many), "redirectUris"),
    ] {
        let r = raw(&server, "PUT", &uris, Some(json!({"redirectUris": list})));
        assert_eq!(r.status, 400, "{list}");
        assert_eq!(
            r.error(),
            ("VALIDATION_INVALID_PARAMETER", parameter),
            "{list}"
        );
    }
    let r = raw(&server, "PUT", &uris, Some(json!({})));
    assert_eq!(r.error(), ("VALIDATION_MISSING_PARAMETER", "redirectUris"));
    // Nothing above changed the App.
    let app = client(&server).app(SEED_APP).get().unwrap();
    assert_eq!(app.redirect_uris, ["https://shop.example/callback"]);
    assert_eq!(app.name, "Demo Shop");
}

#[test]
fn webhook_settings_merge_and_the_secret_rotates() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let app = client.app(SEED_APP);
    let config = app
        .update_webhook_config(
            &WebhookConfigUpdate::new()
                .url("https://shop.example/hooks")
                .events(["verification.completed"]),
        )
        .unwrap();
    assert_eq!(config.url.as_deref(), Some("https://shop.example/hooks"));
    assert_eq!(config.events, ["verification.completed"]);
    assert!(config.enabled);
    let config = app
        .update_webhook_config(&WebhookConfigUpdate::new().enabled(false).timeout_seconds(5))
        .unwrap();
    assert_eq!(config.url.as_deref(), Some("https://shop.example/hooks"));
    assert_eq!((config.enabled, config.timeout_seconds), (false, 5));
    assert_eq!(app.webhook_config().unwrap(), config);

    let before = config.secret.unwrap();
    let rotated = app.rotate_webhook_secret().unwrap();
    let secret = rotated.expose();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 20,
        "{secret}"
    );
    let preview = app.webhook_config().unwrap().secret.unwrap();
    assert_ne!(preview, before);
    assert_eq!(
        preview.expose(),
        &format!("whsec_****{}", &secret[secret.len() - 4..])
    );
    assert_ne!(app.rotate_webhook_secret().unwrap(), rotated);
}

#[test]
fn a_created_test_is_scheduled_on_the_nth_list() {
    let server = Server::builder().schedule_after(2).start().unwrap();
    let client = client(&server);
    let tests = client.app(SEED_APP).production_tests();
    let test = NewProductionTest::new("Smart-ID test")
        .description("checks Smart-ID")
        .provider_ids(["smartid"])
        .max_stamps(5);
    let request = tests.create(&test).unwrap();
    assert!(request.id.starts_with("req_"), "{}", request.id);
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(request.challenge_id, None);
    assert_eq!(request.payload.max_stamp_claims, Some(5));
    assert_eq!(
        request.payload.provider_ids.as_deref(),
        Some(&["smartid".to_owned()][..])
    );

    let find = |items: &[ProductionTestItem]| {
        items
            .iter()
            .filter_map(ProductionTestItem::as_request)
            .find(|r| r.id == request.id)
            .cloned()
            .expect("the new request is listed")
    };
    let first = tests.list().unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(find(&first).status, RequestStatus::Pending);
    let second = tests.list().unwrap();
    let scheduled = find(&second);
    assert_eq!(scheduled.status, RequestStatus::Scheduled);
    let challenge_id = scheduled.challenge_id.expect("a challenge id");
    let challenge = second
        .iter()
        .filter_map(ProductionTestItem::as_challenge)
        .find(|c| c.id == challenge_id)
        .expect("the challenge is listed");
    assert!(challenge.id.starts_with("ch_"));
    assert_eq!(challenge.title, "Smart-ID test");
    assert_eq!(challenge.description.as_deref(), Some("checks Smart-ID"));
    assert_eq!(challenge.challenge_mode.as_str(), "stamp");
    assert!(challenge.is_active);
    assert_eq!(
        challenge.expires_at - challenge.created_at,
        time::Duration::days(7)
    );
    let report = tests.report(&challenge.id).unwrap();
    assert_eq!(&report.challenge, challenge);
    assert_eq!(
        (report.stats.total_participations, report.stats.total_claims),
        (0, 0)
    );
    // A request id is not a challenge id.
    assert_eq!(api(&tests.report(&request.id).unwrap_err()).0, 404);
    assert_eq!(
        tests.list().unwrap().len(),
        4,
        "scheduled once, not on every list"
    );
}

#[test]
fn wait_for_challenge_ends_when_the_fake_schedules_the_request() {
    let server = Server::builder().schedule_after(3).start().unwrap();
    let client = client(&server);
    let tests = client.app(SEED_APP).production_tests();
    let request = tests
        .with_idempotency_key("wait-test")
        .create(&NewProductionTest::new("MitID test"))
        .unwrap();
    assert_eq!(request.payload.provider_ids, None);
    let challenge = tests.wait_for_challenge(&request.id, &wait(50)).unwrap();
    assert_eq!(challenge.title, "MitID test");
    let lists = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/production-tests"))
        .count();
    assert_eq!(lists, 3);
    assert_eq!(tests.report(&challenge.id).unwrap().stats.total_claims, 0);
}

#[test]
fn production_test_validation_matches_the_documented_limits() {
    let server = Server::start().unwrap();
    let path = format!("/apps/{SEED_APP}/production-tests");
    for (body, code, parameter) in [
        (json!({}), "VALIDATION_MISSING_PARAMETER", "title"),
        (
            json!({"title": "  "}),
            "VALIDATION_MISSING_PARAMETER",
            "title",
        ),
        (json!({"title": 5}), "VALIDATION_INVALID_PARAMETER", "title"),
        (
            json!({"title": "x".repeat(201)}),
            "VALIDATION_INVALID_PARAMETER",
            "title",
        ),
        (
            json!({"title": "t", "description": "d".repeat(1001)}),
            "VALIDATION_INVALID_PARAMETER",
            "description",
        ),
        (
            json!({"title": "t", "maxStamps": 0}),
            "VALIDATION_INVALID_PARAMETER",
            "maxStamps",
        ),
        (
            json!({"title": "t", "maxStamps": 1.5}),
            "VALIDATION_INVALID_PARAMETER",
            "maxStamps",
        ),
        (
            json!({"title": "t", "targetPlatform": "web"}),
            "VALIDATION_INVALID_PARAMETER",
            "targetPlatform",
        ),
        (
            json!({"title": "t", "providerIds": []}),
            "VALIDATION_INVALID_PARAMETER",
            "providerIds",
        ),
        (
            json!({"title": "t", "providerIds": ["mitid", "bankidno"]}),
            "VALIDATION_INVALID_PARAMETER",
            "providerIds[1]",
        ),
        (
            json!({"title": "t", "allowDuplicateParticipation": "yes"}),
            "VALIDATION_INVALID_PARAMETER",
            "allowDuplicateParticipation",
        ),
    ] {
        let r = raw(&server, "POST", &path, Some(body.clone()));
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.error(), (code, parameter), "{body}");
    }
    let ok = json!({"title": "x".repeat(200), "description": "d".repeat(1000), "maxStamps": 1,
                    "targetPlatform": "ios", "allowDuplicateParticipation": true});
    let r = raw(&server, "POST", &path, Some(ok));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["payload"]["targetPlatform"], "ios");
    assert!(
        r.header("location")
            .is_some_and(|l| l.ends_with(r.body["id"].as_str().unwrap()))
    );

    // A new App has only `passport`, a chip reader: no eligible provider.
    let client = client(&server);
    let app = client.apps().create(&NewApp::new("New")).unwrap();
    let tests = client.app(&app.client_id).production_tests();
    let e = tests.create(&NewProductionTest::new("t")).unwrap_err();
    assert_eq!(api(&e).1, "VALIDATION_INVALID_PARAMETER");
    assert_eq!(api(&e).2.unwrap()["parameter"], "providerIds");
    let e = tests
        .create(&NewProductionTest::new("t").provider_ids(["passport"]))
        .unwrap_err();
    assert_eq!(api(&e).2.unwrap()["parameter"], "providerIds[0]");
}

#[test]
fn idempotency_replays_the_same_body_and_refuses_another() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let tests = client.app(SEED_APP).production_tests();
    let test = NewProductionTest::new("MitID test").provider_ids(["mitid"]);
    let first = tests
        .with_idempotency_key("order-42")
        .create(&test)
        .unwrap();
    let again = tests
        .with_idempotency_key("order-42")
        .create(&test)
        .unwrap();
    assert_eq!(again, first);
    let log = server.requests();
    assert_eq!(
        log.iter()
            .map(|r| (r.status, r.replayed))
            .collect::<Vec<_>>(),
        [(201, false), (201, true)]
    );
    assert_eq!(tests.list().unwrap().len(), 3, "created once");

    let other = NewProductionTest::new("Another test").provider_ids(["mitid"]);
    let e = tests
        .with_idempotency_key("order-42")
        .create(&other)
        .unwrap_err();
    assert_eq!((api(&e).0, api(&e).1), (409, "IDEMPOTENCY_KEY_CONFLICT"));

    let app = client
        .apps()
        .with_idempotency_key("app-1")
        .create(&NewApp::new("Keyed"))
        .unwrap();
    let replayed = client
        .apps()
        .with_idempotency_key("app-1")
        .create(&NewApp::new("Keyed"))
        .unwrap();
    assert_eq!(replayed.client_id, app.client_id);
    assert_eq!(client.workspace().unwrap().apps_count, 2);
    let e = client
        .apps()
        .with_idempotency_key("app-1")
        .create(&NewApp::new("Other"))
        .unwrap_err();
    assert_eq!(api(&e).1, "IDEMPOTENCY_KEY_CONFLICT");

    // Raw: the replay says so in a header, and a rotation is replayed, not repeated.
    let rotate = format!("/apps/{SEED_APP}/rotate-client-secret");
    let auth = format!("Bearer {TEST_KEY}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Idempotency-Key", "rot-1"),
    ];
    let a = send(&server, "POST", &rotate, &headers, None);
    let b = send(&server, "POST", &rotate, &headers, None);
    assert_eq!((a.status, b.status), (201, 201));
    assert_eq!(a.header("idempotency-replayed"), None);
    assert_eq!(b.header("idempotency-replayed"), Some("true"));
    assert_eq!(a.body, b.body);
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    let long = "k".repeat(256);
    let r = send(
        &server,
        "POST",
        &rotate,
        &[("Authorization", &auth), ("Idempotency-Key", &long)],
        None,
    );
    assert_eq!(
        r.error(),
        ("VALIDATION_INVALID_PARAMETER", "Idempotency-Key")
    );
}

#[test]
fn a_key_whose_first_request_still_runs_is_409_in_progress() {
    let server = Server::builder()
        .latency(Duration::from_millis(300))
        .start()
        .unwrap();
    let path = format!("/apps/{SEED_APP}/webhook-config/rotate-secret");
    let auth = format!("Bearer {TEST_KEY}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Idempotency-Key", "slow"),
    ];
    let (first, second) = std::thread::scope(|s| {
        let first = s.spawn(|| send(&server, "POST", &path, &headers, None));
        std::thread::sleep(Duration::from_millis(100));
        let second = send(&server, "POST", &path, &headers, None);
        (first.join().unwrap(), second)
    });
    // Whichever arrived first ran; the other found it still running.
    let (done, refused) = if first.status == 200 {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(refused.status, 409);
    assert_eq!(refused.error().0, "IDEMPOTENCY_REQUEST_IN_PROGRESS");
}

#[test]
fn keys_must_be_bearer_workspace_keys_of_the_fakes_environment() {
    let sandbox = Server::start().unwrap();
    for key in [PROD_KEY, "sk_workspace_test_", "sk_other_abc"] {
        let r = send(
            &sandbox,
            "GET",
            "/workspace",
            &[("Authorization", &format!("Bearer {key}"))],
            None,
        );
        assert_eq!(r.status, 401, "{key}");
        assert_eq!(r.error().0, "AUTH_INVALID_CREDENTIALS", "{key}");
    }
    for headers in [
        &[][..],
        &[("Authorization", "Basic Rks1YjBLU006c2VjcmV0")][..],
    ] {
        let r = send(&sandbox, "GET", "/workspace", headers, None);
        assert_eq!(r.status, 401);
        assert_eq!(r.body["request_id"].as_str(), r.header("x-request-id"));
    }
    let e = client_with(&sandbox, PROD_KEY, 0).workspace().unwrap_err();
    assert_eq!((api(&e).0, api(&e).1), (401, "AUTH_INVALID_CREDENTIALS"));
    assert!(
        client_with(&sandbox, "sk_workspace_test_other", 0)
            .workspace()
            .is_ok()
    );

    let production = Server::builder().production().start().unwrap();
    assert_eq!(production.api_key(), PROD_KEY);
    assert_eq!(
        api(&client_with(&production, TEST_KEY, 0)
            .workspace()
            .unwrap_err())
        .0,
        401
    );
    assert!(client_with(&production, PROD_KEY, 0).workspace().is_ok());
}

#[test]
fn every_answer_carries_a_request_id() {
    let server = Server::start().unwrap();
    let e = client(&server).app("nope").get().unwrap_err();
    let id = e.request_id().expect("a request id").to_owned();
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
    let ok = raw(&server, "GET", "/workspace", None);
    let ok_id = ok.header("x-request-id").unwrap().to_owned();
    let log = server.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].path.as_str(), log[0].status, &log[0].request_id),
        ("/apps/nope", 404, &id)
    );
    assert_eq!(log[1].request_id, ok_id);
    assert_ne!(id, ok_id);
}

#[test]
fn unknown_routes_are_404_and_other_methods_405_in_the_envelope() {
    let server = Server::start().unwrap();
    let r = raw(&server, "GET", "/nope", None);
    assert_eq!(r.status, 404);
    assert_eq!(r.error().0, "RESOURCE_NOT_FOUND");
    assert!(r.body["request_id"].is_string());
    let r = raw(
        &server,
        "PUT",
        &format!("/apps/{SEED_APP}"),
        Some(json!({})),
    );
    assert_eq!(r.status, 405);
    assert_eq!(r.error().0, "METHOD_NOT_ALLOWED");
    assert_eq!(r.header("allow"), Some("GET, PATCH, DELETE"));
    // Outside the base path.
    let url = server.url().replace("/connect/v1", "/other");
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build(),
    );
    let response = agent
        .get(&url)
        .header("Authorization", format!("Bearer {TEST_KEY}"))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let r = raw(
        &server,
        "POST",
        "/apps",
        Some(json!(["not", "an", "object"])),
    );
    assert_eq!(r.error(), ("VALIDATION_INVALID_PARAMETER", "body"));
}

#[test]
fn fail_next_is_absorbed_by_two_retries() {
    let server = Server::start().unwrap();
    server.fail_next(2);
    let items = client_with(&server, TEST_KEY, 2)
        .app(SEED_APP)
        .production_tests()
        .list()
        .unwrap();
    assert_eq!(items.len(), 2);
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[test]
fn a_fail_rate_of_one_fails_every_call_with_503_and_retry_after() {
    let server = Server::builder()
        .fail_rate(1.0)
        .retry_after(7)
        .start()
        .unwrap();
    let e = client(&server).workspace().unwrap_err();
    assert_eq!((api(&e).0, api(&e).1), (503, "SERVICE_UNAVAILABLE"));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    let r = raw(&server, "GET", "/workspace", None);
    assert_eq!(r.header("retry-after"), Some("7"));
    // With retries, the client gives up rather than wait longer than it allows.
    let e = HopaeClient::builder(TEST_KEY)
        .base_url(server.url())
        .max_retries(3)
        .max_retry_wait(Duration::from_secs(1))
        .build()
        .unwrap()
        .workspace()
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
}

#[test]
fn the_fail_rate_is_deterministic_for_a_seed() {
    let statuses = |seed| {
        let server = Server::builder().fail_rate(0.5).seed(seed).start().unwrap();
        (0..24)
            .map(|_| raw(&server, "GET", "/workspace", None).status)
            .collect::<Vec<_>>()
    };
    let first = statuses(9);
    assert_eq!(first, statuses(9));
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
}

#[test]
fn latency_delays_every_answer() {
    let server = Server::builder()
        .latency(Duration::from_millis(120))
        .start()
        .unwrap();
    let started = std::time::Instant::now();
    client(&server).workspace().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(120));
}

#[test]
fn dropping_the_server_frees_its_port() {
    let server = Server::start().unwrap();
    let addr = server.addr();
    client(&server).workspace().unwrap();
    assert!(TcpListener::bind(addr).is_err(), "taken while running");
    drop(server);
    drop(TcpListener::bind(addr).expect("free after drop"));
    let again = Server::builder().bind(addr.port()).start().unwrap();
    assert_eq!(again.addr(), addr);
    assert!(client(&again).workspace().is_ok());
}

#[test]
fn workflows_persist_and_follow_the_documented_rules() {
    let server = Server::start().unwrap();
    let base = format!("/apps/{SEED_APP}/workflows");
    let list = raw(&server, "GET", &base, None);
    let workflows: Vec<hopae::workflows::Workflow> = serde_json::from_value(list.body).unwrap();
    assert_eq!(workflows.len(), 1);
    assert_eq!(workflows[0].workflow_id, "default");

    let nodes = json!([
        {"id": "start", "type": "request", "next": "verify"},
        {"id": "verify", "type": "verification", "config": {"providers": ["mitid"]}, "next": "end"},
        {"id": "end", "type": "response"}
    ]);
    let body = json!({"name": "Nordic Flow", "entryNodeId": "start", "nodes": nodes});
    let r = raw(&server, "POST", &base, Some(body.clone()));
    assert_eq!(r.status, 201, "{}", r.body);
    let created: hopae::workflows::Workflow = serde_json::from_value(r.body).unwrap();
    assert_eq!(created.workflow_id, "nordic-flow");
    assert_eq!(created.nodes.len(), 3);
    let r = raw(&server, "POST", &base, Some(body));
    assert_eq!((r.status, r.error().0), (409, "RESOURCE_CONFLICT"));

    for (body, parameter) in [
        (
            json!({"name": "x", "entryNodeId": "a", "nodes": [{"id": "a", "type": "verification", "config": {"providers": ["idin"]}}]}),
            "nodes[0].config",
        ),
        (
            json!({"name": "x", "entryNodeId": "zz", "nodes": [{"id": "a", "type": "request"}]}),
            "entryNodeId",
        ),
        (
            json!({"name": "x", "entryNodeId": "a", "nodes": [{"id": "a", "type": "request"}, {"id": "a", "type": "response"}]}),
            "nodes[1].id",
        ),
        (
            json!({"name": "x", "entryNodeId": "a", "nodes": [{"id": "a", "type": "if", "config": {"a": {"b": {"c": {"d": {"e": {}}}}}}}]}),
            "nodes[0].config",
        ),
    ] {
        let r = raw(&server, "POST", &base, Some(body.clone()));
        assert_eq!(
            r.error(),
            ("VALIDATION_INVALID_PARAMETER", parameter),
            "{body}"
        );
    }
    let r = raw(
        &server,
        "POST",
        &base,
        Some(json!({"name": "x", "entryNodeId": "a"})),
    );
    assert_eq!(r.error(), ("VALIDATION_MISSING_PARAMETER", "nodes"));

    let one = format!("{base}/nordic-flow");
    let r = raw(&server, "PATCH", &one, Some(json!({"name": "Nordic"})));
    assert_eq!((r.status, r.body["name"].as_str()), (200, Some("Nordic")));
    assert_eq!(raw(&server, "GET", &one, None).body["name"], "Nordic");
    let r = raw(&server, "POST", &format!("{one}/set-default"), None);
    assert_eq!(r.body, json!({"success": true}));
    let app = client(&server).app(SEED_APP).get().unwrap();
    assert_eq!(app.default_workflow_id, "nordic-flow");
    let r = raw(&server, "DELETE", &one, None);
    assert_eq!(r.error(), ("VALIDATION_INVALID_PARAMETER", "workflowId"));
    let r = raw(&server, "DELETE", &format!("{base}/default"), None);
    assert_eq!(r.body, json!({"deleted": true}));
    assert_eq!(
        raw(&server, "GET", &format!("{base}/default"), None).status,
        404
    );
    let types = raw(&server, "GET", &format!("{base}/node-types"), None).body;
    let names: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["type"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "request",
            "verification",
            "check-min-loa",
            "check-claim",
            "evaluate",
            "if",
            "response"
        ]
    );
}

#[test]
fn provider_activation_walks_its_steps() {
    let server = Server::start().unwrap();
    let app = format!("/apps/{SEED_APP}");
    let list = raw(&server, "GET", &format!("{app}/providers"), None).body;
    assert_eq!(list["total"], 4, "bankidse, mitid, passport, smartid");
    assert_eq!(list["providers"][0]["providerId"], "bankidse");
    assert_eq!(list["providers"][0]["state"], "completed");

    let steps = raw(
        &server,
        "GET",
        &format!("{app}/providers/ftn/activation/steps"),
        None,
    )
    .body;
    assert_eq!(steps["state"], "not_started");
    let kinds: Vec<&str> = steps["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["type"].as_str())
        .collect();
    assert_eq!(kinds, ["enable", "activation-form", "upload", "activated"]);
    let r = raw(
        &server,
        "PATCH",
        &format!("{app}/providers/ftn/activation"),
        Some(json!({"enabled": true})),
    );
    assert_eq!(
        r.body,
        json!({"providerId": "ftn", "enabled": true, "currentStep": "activation-form"})
    );
    let r = raw(
        &server,
        "PATCH",
        &format!("{app}/providers/ftn/activation"),
        Some(json!({})),
    );
    assert_eq!(r.error(), ("VALIDATION_MISSING_PARAMETER", "enabled"));

    let form = format!("{app}/providers/ftn/activation/form");
    let data = json!({"companyName": "Shop AB", "registrationNumber": "556000-0000"});
    let r = raw(&server, "POST", &form, Some(json!({"data": data})));
    assert_eq!(
        r.error(),
        ("VALIDATION_MISSING_PARAMETER", "data.contactEmail")
    );
    let mut data = data;
    data["contactEmail"] = json!("ops@shop.example");
    let r = raw(&server, "POST", &form, Some(json!({"data": data})));
    assert_eq!(r.status, 201);
    assert_eq!(
        (r.body["status"].as_str(), r.body["providerId"].as_str()),
        (Some("submitted"), Some("ftn"))
    );
    let r = raw(&server, "POST", &form, Some(json!({"data": data})));
    assert_eq!((r.status, r.error().0), (409, "RESOURCE_CONFLICT"));

    let multipart = |provider: &str| {
        let body = b"--b0undary\r\nContent-Disposition: form-data; name=\"files\"; filename=\"agreement.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 signed\r\n--b0undary--\r\n".to_vec();
        let auth = format!("Bearer {TEST_KEY}");
        send(
            &server,
            "POST",
            &format!("{app}/providers/{provider}/activation/documents"),
            &[("Authorization", &auth)],
            Some(("multipart/form-data; boundary=b0undary", body)),
        )
    };
    let r = multipart("mitid");
    assert_eq!(r.error().0, "VALIDATION_STEP_NOT_APPLICABLE");
    let r = multipart("ftn");
    assert_eq!(r.status, 201, "{}", r.body);
    let document = &r.body["documents"][0];
    assert_eq!(
        (document["fileName"].as_str(), document["fileSize"].as_u64()),
        (Some("agreement.pdf"), Some(15))
    );
    assert_eq!(document["state"], "pending");
    let doc_id = document["documentId"].as_str().unwrap().to_owned();
    let steps = raw(
        &server,
        "GET",
        &format!("{app}/providers/ftn/activation/steps"),
        None,
    )
    .body;
    assert_eq!(
        (steps["state"].as_str(), steps["currentStepIndex"].as_u64()),
        (Some("completed"), Some(3))
    );
    assert_eq!(
        steps["steps"][2]["uploaded"][0]["documentId"],
        doc_id.as_str()
    );
    let r = raw(
        &server,
        "DELETE",
        &format!("{app}/providers/ftn/activation/documents/{doc_id}"),
        None,
    );
    assert_eq!(r.body, json!({"deleted": true}));
    let r = raw(
        &server,
        "DELETE",
        &format!("{app}/providers/ftn/activation/documents/{doc_id}"),
        None,
    );
    assert_eq!(r.status, 404);

    // Bulk: partial success is normal; an uploaded document is then processed for good.
    let r = multipart("ftn");
    let doc_id = r.body["documents"][0]["documentId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = raw(
        &server,
        "POST",
        &format!("{app}/activation"),
        Some(json!({"providers": {
        "bankidno": {"merchantName": "Shop"}, "ftn": {"accepted": true}, "idin": {}}})),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body["bankidno"]["status"], "activated");
    assert!(
        r.body["bankidno"]["id"]
            .as_str()
            .unwrap()
            .starts_with("act_")
    );
    assert_eq!(r.body["ftn"]["status"], "activation_requested");
    assert_eq!(r.body["idin"]["error"], "contract_activation_required");
    let r = raw(
        &server,
        "DELETE",
        &format!("{app}/providers/ftn/activation/documents/{doc_id}"),
        None,
    );
    assert_eq!((r.status, r.error().0), (409, "RESOURCE_CONFLICT"));
    // bankidno is now enabled, so a production test may name it.
    let client = client(&server);
    let tests = client.app(SEED_APP).production_tests();
    assert!(
        tests
            .create(&NewProductionTest::new("NO").provider_ids(["bankidno"]))
            .is_ok()
    );
    assert_eq!(
        raw(
            &server,
            "GET",
            &format!("{app}/providers/nope/activation/steps"),
            None
        )
        .status,
        404
    );
}

#[test]
fn a_custom_domain_advances_with_each_verify() {
    let server = Server::start().unwrap();
    let path = format!("/apps/{SEED_APP}/custom-domain");
    let r = raw(&server, "GET", &path, None);
    assert_eq!(
        (r.body["status"].as_str(), r.body["requiredAction"].as_str()),
        (Some("unconfigured"), Some("none"))
    );
    let r = raw(&server, "POST", &format!("{path}/verify"), None);
    assert_eq!(r.error().0, "VALIDATION_STEP_NOT_APPLICABLE");
    for (body, parameter) in [
        (
            json!({"webDomain": "https://login.shop.example", "oidcDomain": "auth.shop.example"}),
            "webDomain",
        ),
        (
            json!({"webDomain": "login.shop.example", "oidcDomain": "login.shop.example"}),
            "oidcDomain",
        ),
        (
            json!({"webDomain": "login.shop.example", "oidcDomain": "auth.other.example"}),
            "oidcDomain",
        ),
    ] {
        let r = raw(&server, "PUT", &path, Some(body.clone()));
        assert_eq!(
            r.error(),
            ("VALIDATION_INVALID_PARAMETER", parameter),
            "{body}"
        );
    }
    let r = raw(
        &server,
        "PUT",
        &path,
        Some(json!({"webDomain": "Login.Shop.example"})),
    );
    assert_eq!(r.error(), ("VALIDATION_MISSING_PARAMETER", "oidcDomain"));
    let body = json!({"webDomain": "Login.Shop.example", "oidcDomain": "auth.shop.example"});
    let r = raw(&server, "PUT", &path, Some(body.clone()));
    assert_eq!(r.status, 200);
    assert_eq!(
        (r.body["status"].as_str(), r.body["requiredAction"].as_str()),
        (Some("awaiting_dns"), Some("add_cname"))
    );
    assert_eq!(r.body["webDomain"], "login.shop.example");
    let records = r.body["dnsRecords"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(
        (records[0]["type"].as_str(), records[0]["name"].as_str()),
        (Some("CNAME"), Some("login"))
    );
    let r = raw(&server, "PUT", &path, Some(body));
    assert_eq!(r.error(), ("VALIDATION_INVALID_PARAMETER", "webDomain"));
    for status in ["verifying", "active", "active"] {
        let r = raw(&server, "POST", &format!("{path}/verify"), None);
        assert_eq!(r.body["status"], status);
        assert!(r.body["lastCheckedAt"].is_string());
    }
    assert_eq!(raw(&server, "GET", &path, None).body["status"], "active");
    let r = raw(&server, "DELETE", &path, None);
    assert_eq!(r.body["status"], "unconfigured");
    assert_eq!(
        raw(&server, "GET", &path, None).body["status"],
        "unconfigured"
    );
}
