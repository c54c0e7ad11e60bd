//! `hopae::mock` against the SDK, as an outsider uses them together: every SDK operation
//! of the crate doc's table sent to the fake and decoded with the SDK's strict types,
//! with what one call changes seen by the next; every documented limit refused alike by
//! the SDK (before sending) and by the fake (400 `VALIDATION_*` naming the parameter);
//! idempotent replays and conflicts on every POST route; stamp claims up to
//! `maxStamps`.

use super::support as mock_support;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use hopae::apps::{AppUpdate, BatchCreate, BatchItem, BatchItemResult, ListApps, NewApp};
use hopae::domains::{DomainStatus, RequiredAction};
use hopae::mock::{SEED_APP, SEED_CHALLENGE, Server};
use hopae::production_tests::{NewProductionTest, RequestStatus};
use hopae::providers::{
    ActivationForm, ActivationState, ActivationStatus, BulkActivation, Document, DocumentState,
    FormStatus, MAX_DOCUMENT_BYTES, StepType,
};
use hopae::webhooks::WebhookConfigUpdate;
use hopae::workflows::{NewWorkflow, Node, NodeKind, WorkflowUpdate};
use hopae::{Error, HopaeClient, ProductionTestItem};
use mock_support::{Raw, api, client, raw, send, wait};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// Every operation of the fake: method and path under the base URL (`{}` is a
/// parameter), literal segments before parameters as in the fake's routing table.
const OPERATIONS: &[(&str, &str)] = &[
    ("GET", "/workspace"),
    ("GET", "/apps"),
    ("POST", "/apps"),
    ("POST", "/apps/batch"),
    ("GET", "/apps/{}"),
    ("PATCH", "/apps/{}"),
    ("DELETE", "/apps/{}"),
    ("POST", "/apps/{}/rotate-client-secret"),
    ("GET", "/apps/{}/redirect-uris"),
    ("PUT", "/apps/{}/redirect-uris"),
    ("GET", "/apps/{}/webhook-config"),
    ("PATCH", "/apps/{}/webhook-config"),
    ("POST", "/apps/{}/webhook-config/rotate-secret"),
    ("GET", "/apps/{}/production-tests"),
    ("POST", "/apps/{}/production-tests"),
    ("GET", "/apps/{}/production-tests/{}/report"),
    ("GET", "/apps/{}/workflows/node-types"),
    ("GET", "/apps/{}/workflows"),
    ("POST", "/apps/{}/workflows"),
    ("GET", "/apps/{}/workflows/{}"),
    ("PATCH", "/apps/{}/workflows/{}"),
    ("DELETE", "/apps/{}/workflows/{}"),
    ("POST", "/apps/{}/workflows/{}/set-default"),
    ("GET", "/apps/{}/providers"),
    ("GET", "/apps/{}/providers/{}/activation/steps"),
    ("PATCH", "/apps/{}/providers/{}/activation"),
    ("POST", "/apps/{}/providers/{}/activation/form"),
    ("POST", "/apps/{}/providers/{}/activation/documents"),
    ("DELETE", "/apps/{}/providers/{}/activation/documents/{}"),
    ("POST", "/apps/{}/activation"),
    ("GET", "/apps/{}/custom-domain"),
    ("PUT", "/apps/{}/custom-domain"),
    ("DELETE", "/apps/{}/custom-domain"),
    ("POST", "/apps/{}/custom-domain/verify"),
];

/// The operation of `OPERATIONS` a logged call was.
fn operation(method: &str, path: &str) -> Option<(&'static str, &'static str)> {
    let segments: Vec<&str> = path.split('/').collect();
    OPERATIONS.iter().copied().find(|(m, pattern)| {
        let parts: Vec<&str> = pattern.split('/').collect();
        *m == method
            && parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(p, s)| *p == *s || (*p == "{}" && !s.is_empty()))
    })
}

/// The form the fake's activation steps ask for, filled in from their examples.
fn filled_form(client: &HopaeClient, client_id: &str, provider: &str) -> ActivationForm {
    let steps = client
        .app(client_id)
        .provider(provider)
        .activation_steps()
        .unwrap();
    let step = steps
        .steps
        .iter()
        .find(|s| s.step_type == StepType::ActivationForm)
        .expect("an activation-form step");
    assert!(!step.required_fields.is_empty());
    step.required_fields
        .iter()
        .fold(ActivationForm::new(), |form, field| {
            let value = field.example.clone().unwrap_or_else(|| json!("x"));
            form.field(field.name.clone(), value)
        })
}

fn pdf(name: &str) -> Document {
    Document::new(name, "application/pdf", b"%PDF-1.7 signed".to_vec())
}

/// Every SDK call of the crate doc's table, in an order where each one can see what the
/// ones before it did, against one fake; then the fake's log shows that every one of
/// its 34 operations was reached by the SDK, and never answered with a 5xx.
#[test]
fn every_sdk_operation_decodes_and_sees_the_state_the_previous_ones_left() {
    let server = Server::builder().schedule_after(2).start().unwrap();
    let client = client(&server);
    let now = OffsetDateTime::now_utc;

    // ---- workspace and Apps ----
    let workspace = client.workspace().unwrap();
    assert_eq!(workspace.apps_count, 1, "the seeded App");
    let created = client.apps().create(&NewApp::new("Shop")).unwrap();
    assert_eq!(created.organization_id, workspace.id);
    assert_eq!(created.default_workflow_id, "default");
    let keyed = client
        .apps()
        .with_idempotency_key("tour-app")
        .create(&NewApp::new("Keyed"))
        .unwrap();
    let replayed = client
        .apps()
        .with_idempotency_key("tour-app")
        .create(&NewApp::new("Keyed"))
        .unwrap();
    assert_eq!(replayed, keyed);
    assert!(server.requests().last().unwrap().replayed);
    let batch = client
        .apps()
        .batch_create(&BatchCreate::new([
            BatchItem::new("Batch A").redirect_uris(["https://a.example/cb"]),
            BatchItem::new("Batch B").webhook_config(
                WebhookConfigUpdate::new()
                    .url("https://b.example/hooks")
                    .events(["verification.completed"]),
            ),
        ]))
        .unwrap();
    assert_eq!((batch.success_count, batch.error_count), (2, 0));
    let batch_ids: Vec<String> = batch
        .results
        .iter()
        .map(|r| match r {
            BatchItemResult::Created { app, .. } => app.client_id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(client.workspace().unwrap().apps_count, 5);
    let page = client.apps().list(&ListApps::new().limit(2)).unwrap();
    assert_eq!(
        (page.total, page.limit, page.offset, page.data.len()),
        (5, 2, 0, 2)
    );
    let query = server.requests().last().unwrap().query.clone();
    assert_eq!(
        query.as_deref(),
        Some("limit=2&offset=0"),
        "both always sent"
    );
    let all: Vec<String> = client.apps().iter().map(|a| a.unwrap().client_id).collect();
    let expected = [SEED_APP, &created.client_id, &keyed.client_id];
    assert_eq!(all[..3], expected);
    assert_eq!(all[3..], batch_ids[..]);
    let b = client.app(&batch_ids[1]).webhook_config().unwrap();
    assert_eq!(b.url.as_deref(), Some("https://b.example/hooks"));

    let app = client.app(&created.client_id);
    assert_eq!(app.get().unwrap(), created);
    let updated = app
        .update(
            &AppUpdate::new()
                .name("Shop 2")
                .redirect_uris(["https://Shop.example/cb", "https://shop.example/cb"])
                .default_failure_redirect_uri("https://shop.example/failed"),
        )
        .unwrap();
    assert_eq!(updated.name, "Shop 2");
    assert_eq!(updated.redirect_uris, ["https://shop.example/cb"]);
    assert!(updated.updated_at >= created.updated_at);
    assert_eq!(app.get().unwrap(), updated);
    let secret = app.rotate_client_secret().unwrap();
    assert_ne!(Some(&secret), created.client_secret.as_ref());
    assert_eq!(app.get().unwrap().client_secret.as_ref(), Some(&secret));
    assert_eq!(app.redirect_uris().unwrap(), ["https://shop.example/cb"]);
    let stored = app
        .set_redirect_uris(["https://shop.example/cb", "http://localhost:3000/cb"])
        .unwrap();
    assert_eq!(app.redirect_uris().unwrap(), stored);
    assert_eq!(app.get().unwrap().redirect_uris, stored);

    // ---- webhook settings ----
    let config = app.webhook_config().unwrap();
    assert_eq!(
        (config.url.as_deref(), config.enabled, config.retry_attempts),
        (None, true, 3)
    );
    let config = app
        .update_webhook_config(
            &WebhookConfigUpdate::new()
                .url("https://shop.example/hooks")
                .timeout_seconds(5),
        )
        .unwrap();
    assert_eq!(config.url.as_deref(), Some("https://shop.example/hooks"));
    assert_eq!((config.timeout_seconds, config.retry_attempts), (5, 3));
    assert_eq!(app.webhook_config().unwrap(), config);
    assert_eq!(app.get().unwrap().webhook_config, Some(config.clone()));
    let first = app.rotate_webhook_secret().unwrap();
    let second = app.rotate_webhook_secret().unwrap();
    let (first, second) = (first.expose(), second.expose());
    assert!(first.starts_with("whsec_") && second.starts_with("whsec_"));
    assert_ne!(first, second, "a rotation makes a new secret");
    let preview = app.webhook_config().unwrap().secret.unwrap();
    assert_eq!(
        preview.expose(),
        &format!("whsec_****{}", &second[second.len() - 4..])
    );

    // ---- workflows ----
    let flows = app.workflows();
    let listed = flows.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed, updated.workflows);
    let nordic = flows
        .create(&NewWorkflow::new(
            "Nordic",
            "start",
            [
                Node::new("start", "request").next("verify"),
                Node::new("verify", "verification")
                    .config(json!({"providers": ["passport"]}))
                    .next("done"),
                Node::new("done", "response"),
            ],
        ))
        .unwrap();
    assert_eq!(nordic.workflow_id, "nordic");
    assert_eq!(nordic.nodes[1].node_type, NodeKind::Verification);
    assert!(flows.list().unwrap().contains(&nordic));
    assert_eq!(flows.get("nordic").unwrap(), nordic);
    let renamed = flows
        .update("nordic", &WorkflowUpdate::new().name("Nordic v2"))
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), &renamed.nodes),
        ("Nordic v2", &nordic.nodes)
    );
    assert_eq!(flows.get("nordic").unwrap(), renamed);
    flows.set_default("nordic").unwrap();
    assert_eq!(app.get().unwrap().default_workflow_id, "nordic");
    let e = flows.delete("nordic").unwrap_err();
    assert_eq!(
        (api(&e).0, api(&e).1),
        (400, "VALIDATION_INVALID_PARAMETER")
    );
    flows.delete("default").unwrap();
    let e = flows.get("default").unwrap_err();
    assert_eq!((api(&e).0, api(&e).1), (404, "RESOURCE_NOT_FOUND"));
    assert_eq!(flows.list().unwrap(), std::slice::from_ref(&renamed));
    assert_eq!(app.get().unwrap().workflows, [renamed]);
    let kinds: Vec<NodeKind> = flows
        .node_types()
        .unwrap()
        .into_iter()
        .map(|t| t.node_type)
        .collect();
    assert!(kinds.contains(&NodeKind::Verification) && kinds.contains(&NodeKind::If));
    assert!(!kinds.iter().any(|k| matches!(k, NodeKind::Other(_))));

    // ---- providers and activation ----
    let providers = app.providers();
    let listed = providers.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].provider_id.as_str(), listed[0].enabled),
        ("passport", Some(true))
    );
    let mitid = app.provider("mitid");
    let steps = mitid.activation_steps().unwrap();
    assert_eq!(
        (steps.state.clone(), steps.current_step_index),
        (ActivationState::NotStarted, 0)
    );
    let toggle = mitid.set_enabled(true).unwrap();
    assert!(toggle.enabled);
    let listed = providers.list().unwrap();
    let entry = listed.iter().find(|p| p.provider_id == "mitid").unwrap();
    assert_eq!(
        entry.enabled,
        Some(true),
        "an enabled provider is listed so"
    );
    assert_eq!(entry.state, Some(ActivationState::InProgress));
    assert!(app.get().unwrap().providers["mitid"].enabled);
    // Disabled, it stays listed (the list holds the providers ever enabled).
    assert!(!mitid.set_enabled(false).unwrap().enabled);
    let listed = providers.list().unwrap();
    let entry = listed.iter().find(|p| p.provider_id == "mitid").unwrap();
    assert_eq!(entry.enabled, Some(false));
    assert!(!app.get().unwrap().providers["mitid"].enabled);
    mitid.set_enabled(true).unwrap();
    let form = filled_form(&client, &created.client_id, "mitid");
    let receipt = mitid.submit_activation_form(&form).unwrap();
    assert_eq!(
        (receipt.status, receipt.provider_id.as_str()),
        (FormStatus::Submitted, "mitid")
    );
    assert_eq!(receipt.client_id, created.client_id);
    assert_eq!(
        mitid.activation_steps().unwrap().state,
        ActivationState::Completed
    );

    let ftn = app.provider("ftn");
    ftn.set_enabled(true).unwrap();
    ftn.submit_activation_form(&filled_form(&client, &created.client_id, "ftn"))
        .unwrap();
    let uploaded = ftn.upload_documents(&[pdf("agreement.pdf")]).unwrap();
    assert_eq!(uploaded.len(), 1);
    assert_eq!(
        (uploaded[0].file_name.as_str(), uploaded[0].file_size),
        ("agreement.pdf", 15)
    );
    assert_eq!(uploaded[0].state, DocumentState::Pending);
    let steps = ftn.activation_steps().unwrap();
    let upload = steps
        .steps
        .iter()
        .find(|s| s.step_type == StepType::Upload)
        .unwrap();
    assert_eq!(
        upload.uploaded[0]["documentId"],
        uploaded[0].document_id.as_str()
    );
    ftn.delete_document(&uploaded[0].document_id).unwrap();
    let e = ftn.delete_document(&uploaded[0].document_id).unwrap_err();
    assert_eq!((api(&e).0, api(&e).1), (404, "RESOURCE_NOT_FOUND"));
    let kept = ftn.upload_documents(&[pdf("signed.pdf")]).unwrap();
    let result = providers
        .activate(
            &BulkActivation::new()
                .field("bankidno", "merchantName", "Shop")
                .field("ftn", "accepted", true)
                .provider("idin"),
        )
        .unwrap();
    let accepted: Vec<(&str, ActivationStatus)> = result
        .accepted()
        .map(|(id, r)| (id, r.status.clone()))
        .collect();
    assert_eq!(
        accepted,
        [
            ("bankidno", ActivationStatus::Activated),
            ("ftn", ActivationStatus::ActivationRequested)
        ]
    );
    let refused: Vec<(&str, &str)> = result
        .refused()
        .map(|(id, r)| (id, r.error.as_str()))
        .collect();
    assert_eq!(refused, [("idin", "contract_activation_required")]);
    let e = ftn.delete_document(&kept[0].document_id).unwrap_err();
    assert_eq!((api(&e).0, api(&e).1), (409, "RESOURCE_CONFLICT"));
    let listed = providers.list().unwrap();
    let bankidno = listed.iter().find(|p| p.provider_id == "bankidno").unwrap();
    assert_eq!(
        (bankidno.enabled, bankidno.state.clone()),
        (Some(true), Some(ActivationState::Completed))
    );
    assert!(!listed.iter().any(|p| p.provider_id == "idin"));

    // ---- custom domain ----
    let domain = app.custom_domain().unwrap();
    assert_eq!(
        (domain.status, domain.web_domain),
        (DomainStatus::Unconfigured, None)
    );
    let domain = app
        .set_custom_domain("login.shop.example", "oidc.shop.example")
        .unwrap();
    assert_eq!(
        (domain.status.clone(), domain.required_action.clone()),
        (DomainStatus::AwaitingDns, RequiredAction::AddCname)
    );
    assert_eq!(domain.dns_records.len(), 2);
    assert_eq!(app.custom_domain().unwrap(), domain);
    let verifying = app.verify_custom_domain().unwrap();
    assert_eq!(verifying.status, DomainStatus::Verifying);
    assert!(verifying.last_checked_at.is_some());
    let active = app.wait_for_custom_domain(&wait(20)).unwrap();
    assert_eq!(active.status, DomainStatus::Active);
    assert_eq!(app.custom_domain().unwrap(), active);
    let deleted = app.delete_custom_domain().unwrap();
    assert_eq!(deleted.status, DomainStatus::Unconfigured);
    assert_eq!(
        app.custom_domain().unwrap().status,
        DomainStatus::Unconfigured
    );

    // ---- production tests (mitid and bankidno are enabled by now) ----
    let tests = app.production_tests();
    assert_eq!(tests.list().unwrap(), []);
    let test = NewProductionTest::new("MitID")
        .provider_ids(["mitid"])
        .max_stamps(2);
    let request = tests.create(&test).unwrap();
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(request.client_id, created.client_id);
    let keyed = tests
        .with_idempotency_key("tour-test")
        .create(&NewProductionTest::new("NO").provider_ids(["bankidno"]))
        .unwrap();
    let again = tests
        .with_idempotency_key("tour-test")
        .create(&NewProductionTest::new("NO").provider_ids(["bankidno"]))
        .unwrap();
    assert_eq!(again, keyed);
    let pending: Vec<String> = tests
        .list()
        .unwrap()
        .iter()
        .filter_map(ProductionTestItem::as_request)
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(
        pending,
        [request.id.clone(), keyed.id.clone()],
        "both listed, once each"
    );
    let challenge = tests.wait_for_challenge(&request.id, &wait(20)).unwrap();
    assert_eq!(challenge.title, "MitID");
    let report = tests.report(&challenge.id).unwrap();
    assert_eq!(report.challenge, challenge);
    assert_eq!(report.stats.total_claims, 0);
    assert!(!report.is_finished_at(now()));
    assert_eq!(server.claim(&challenge.id, "mitid"), Some(1));
    assert_eq!(server.claim(&challenge.id, "mitid"), Some(2));
    let report = tests.report(&challenge.id).unwrap();
    assert!(report.is_finished_at(now()));
    let e = tests.report(&request.id).unwrap_err();
    assert_eq!((api(&e).0, api(&e).1), (404, "RESOURCE_NOT_FOUND"));

    // ---- the App goes, and everything under it with it ----
    app.delete().unwrap();
    let e = app.get().unwrap_err();
    assert_eq!((api(&e).0, api(&e).1), (404, "RESOURCE_NOT_FOUND"));
    assert_eq!(api(&app.workflows().list().unwrap_err()).0, 404);
    assert_eq!(api(&tests.list().unwrap_err()).0, 404);
    assert_eq!(client.workspace().unwrap().apps_count, 4);

    // Every operation of the fake was reached through the SDK, none failed on its side.
    let log = server.requests();
    let mut unreached: Vec<_> = OPERATIONS.to_vec();
    for call in &log {
        let op = operation(&call.method, &call.path)
            .unwrap_or_else(|| panic!("{} {} is no operation", call.method, call.path));
        unreached.retain(|o| *o != op);
        assert!(call.status < 500, "{call:?}");
    }
    assert_eq!(unreached, [], "operations the SDK never called");
}

/// The SDK refuses `call` before sending anything: an [`Error::InvalidInput`], and the
/// fake's log does not grow. Returns the message.
fn refused_before_sending<T: Debug>(
    server: &Server,
    call: impl FnOnce() -> Result<T, Error>,
) -> String {
    let before = server.requests().len();
    let e = call().expect_err("the SDK refuses the input");
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    assert_eq!(server.requests().len(), before, "sent anyway: {e}");
    e.to_string()
}

/// The fake refuses the same input: 400 with `code` and `details.parameter`.
#[track_caller]
fn fake_refuses(answer: Raw, code: &str, parameter: &str) {
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error(), (code, parameter), "{}", answer.body);
}

/// The SDK sent it and the fake answered 400 with `code` and `details.parameter`.
#[track_caller]
fn api_refuses<T: Debug>(result: Result<T, Error>, code: &str, parameter: &str) {
    let e = result.expect_err("the fake refuses the input");
    let (status, got, details) = api(&e);
    assert_eq!((status, got), (400, code), "{e}");
    assert_eq!(details.unwrap()["parameter"], parameter, "{e}");
}

const INVALID: &str = "VALIDATION_INVALID_PARAMETER";
const MISSING: &str = "VALIDATION_MISSING_PARAMETER";

/// A `multipart/form-data` body of `n` small PDF parts named `files`.
fn multipart(n: usize) -> (&'static str, Vec<u8>) {
    let files: Vec<Vec<u8>> = (0..n).map(|i| format!("%PDF-{i}").into_bytes()).collect();
    multipart_of(&files)
}

/// A `multipart/form-data` body with one `files` part per file.
fn multipart_of(files: &[Vec<u8>]) -> (&'static str, Vec<u8>) {
    let mut body = Vec::new();
    for (i, file) in files.iter().enumerate() {
        body.extend_from_slice(
            format!(
                "--b0undary\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{i}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--b0undary--\r\n");
    ("multipart/form-data; boundary=b0undary", body)
}

#[test]
fn production_test_limits_are_refused_alike_by_the_sdk_and_the_fake() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let tests = client.app(SEED_APP).production_tests();
    let path = format!("/apps/{SEED_APP}/production-tests");
    let post = |body: Value| raw(&server, "POST", &path, Some(body));

    let m = refused_before_sending(&server, || {
        tests.create(&NewProductionTest::new("x".repeat(201)))
    });
    assert!(m.contains("`title` has 201 characters"), "{m}");
    fake_refuses(post(json!({"title": "x".repeat(201)})), INVALID, "title");
    let m = refused_before_sending(&server, || {
        tests.create(&NewProductionTest::new("t").description("d".repeat(1001)))
    });
    assert!(m.contains("`description`"), "{m}");
    fake_refuses(
        post(json!({"title": "t", "description": "d".repeat(1001)})),
        INVALID,
        "description",
    );
    let m = refused_before_sending(&server, || {
        tests.create(&NewProductionTest::new("t").max_stamps(0))
    });
    assert!(m.contains("`maxStamps`"), "{m}");
    fake_refuses(
        post(json!({"title": "t", "maxStamps": 0})),
        INVALID,
        "maxStamps",
    );
    let m = refused_before_sending(&server, || {
        tests.create(&NewProductionTest::new("t").provider_ids(Vec::<String>::new()))
    });
    assert!(m.contains("`providerIds`"), "{m}");
    fake_refuses(
        post(json!({"title": "t", "providerIds": []})),
        INVALID,
        "providerIds",
    );
    refused_before_sending(&server, || tests.create(&NewProductionTest::new(" ")));
    fake_refuses(post(json!({"title": " "})), MISSING, "title");

    // At the limits, both accept.
    let at_limits = NewProductionTest::new("x".repeat(200))
        .description("d".repeat(1000))
        .max_stamps(1)
        .provider_ids(["mitid"]);
    let request = tests.create(&at_limits).unwrap();
    assert_eq!(request.payload.max_stamp_claims, Some(1));
    // What only the server knows: which providers the App has.
    api_refuses(
        tests.create(&NewProductionTest::new("t").provider_ids(["mitid", "itsme"])),
        INVALID,
        "providerIds[1]",
    );
}

#[test]
fn app_limits_are_refused_alike_by_the_sdk_and_the_fake() {
    let server = Server::builder().empty().start().unwrap();
    let client = client(&server);
    let shop = client.apps().create(&NewApp::new("Shop")).unwrap();
    let app = client.app(&shop.client_id);
    let path = format!("/apps/{}", shop.client_id);

    // limit > 100
    let m = refused_before_sending(&server, || client.apps().list(&ListApps::new().limit(101)));
    assert!(m.contains("`limit` must be 1 to 100"), "{m}");
    fake_refuses(
        raw(&server, "GET", "/apps?limit=101&offset=0", None),
        INVALID,
        "limit",
    );
    refused_before_sending(&server, || client.apps().list(&ListApps::new().limit(0)));
    fake_refuses(
        raw(&server, "GET", "/apps?limit=0&offset=0", None),
        INVALID,
        "limit",
    );
    assert_eq!(
        client
            .apps()
            .list(&ListApps::new().limit(100))
            .unwrap()
            .limit,
        100
    );

    // More than 20 redirect URIs, a fragment, more than 2,048 characters.
    let uris =
        |n: usize| -> Vec<String> { (0..n).map(|i| format!("https://a.example/{i}")).collect() };
    let m = refused_before_sending(&server, || app.set_redirect_uris(uris(21)));
    assert!(m.contains("has 21 URIs"), "{m}");
    refused_before_sending(&server, || {
        app.update(&AppUpdate::new().redirect_uris(uris(21)))
    });
    let put = |list: Value| {
        raw(
            &server,
            "PUT",
            &format!("{path}/redirect-uris"),
            Some(json!({ "redirectUris": list })),
        )
    };
    fake_refuses(put(json!(uris(21))), INVALID, "redirectUris");
    fake_refuses(
        raw(
            &server,
            "PATCH",
            &path,
            Some(json!({"redirectUris": uris(21)})),
        ),
        INVALID,
        "redirectUris",
    );
    assert_eq!(app.set_redirect_uris(uris(20)).unwrap().len(), 20);
    let m = refused_before_sending(&server, || {
        app.set_redirect_uris(["https://a.example/#top"])
    });
    assert!(m.contains("fragment"), "{m}");
    fake_refuses(
        put(json!(["https://a.example/#top"])),
        INVALID,
        "redirectUris[0]",
    );
    let long = format!("https://a.example/{}", "x".repeat(2031));
    refused_before_sending(&server, || app.set_redirect_uris([long.clone()]));
    fake_refuses(put(json!([long])), INVALID, "redirectUris[0]");
    assert_eq!(
        app.redirect_uris().unwrap(),
        uris(20),
        "nothing above changed them"
    );
    let longest = format!("https://a.example/{}", "x".repeat(2030));
    assert_eq!(longest.chars().count(), 2048);
    assert_eq!(app.set_redirect_uris([longest.clone()]).unwrap(), [longest]);

    // More than 100 batch items, none.
    let items = |n: usize| (0..n).map(|i| BatchItem::new(format!("App {i}")));
    let m = refused_before_sending(&server, || {
        client.apps().batch_create(&BatchCreate::new(items(101)))
    });
    assert!(m.contains("1 to 100 items"), "{m}");
    let raw_items: Vec<Value> = (0..101).map(|i| json!({"name": format!("a{i}")})).collect();
    fake_refuses(
        raw(
            &server,
            "POST",
            "/apps/batch",
            Some(json!({"items": raw_items})),
        ),
        INVALID,
        "items",
    );
    refused_before_sending(&server, || {
        client.apps().batch_create(&BatchCreate::new(items(0)))
    });
    fake_refuses(
        raw(&server, "POST", "/apps/batch", Some(json!({"items": []}))),
        INVALID,
        "items",
    );
    let hundred = client
        .apps()
        .batch_create(&BatchCreate::new(items(100)))
        .unwrap();
    assert_eq!(hundred.success_count, 100);

    // Empty names, wherever a name goes.
    refused_before_sending(&server, || client.apps().create(&NewApp::new(" ")));
    fake_refuses(
        raw(&server, "POST", "/apps", Some(json!({"name": " "}))),
        MISSING,
        "name",
    );
    refused_before_sending(&server, || app.update(&AppUpdate::new().name("")));
    fake_refuses(
        raw(&server, "PATCH", &path, Some(json!({"name": ""}))),
        INVALID,
        "name",
    );
    let m = refused_before_sending(&server, || {
        client
            .apps()
            .batch_create(&BatchCreate::new([BatchItem::new("A"), BatchItem::new("")]))
    });
    assert!(m.contains("`items[1].name`"), "{m}");
    let r = raw(
        &server,
        "POST",
        "/apps/batch",
        Some(json!({"items": [{"name": "A"}, {"name": ""}], "continueOnError": true})),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.body["results"][1]["code"], MISSING);
    assert_eq!(
        r.body["results"][1]["details"]["parameter"],
        "items[1].name"
    );

    // The client id and secret cannot be sent in an update: AppUpdate has no such field.
    for key in ["clientId", "clientSecret"] {
        fake_refuses(
            raw(&server, "PATCH", &path, Some(json!({ key: "x" }))),
            INVALID,
            key,
        );
    }
    assert_eq!(app.get().unwrap().client_id, shop.client_id);
}

#[test]
fn workflow_graph_rules_are_refused_alike_by_the_sdk_and_the_fake() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let flows = client.app(SEED_APP).workflows();
    let path = format!("/apps/{SEED_APP}/workflows");
    let post = |body: Value| raw(&server, "POST", &path, Some(body));

    // A `next` naming no node.
    let m = refused_before_sending(&server, || {
        flows.create(&NewWorkflow::new(
            "F",
            "a",
            [Node::new("a", "request").next("gone")],
        ))
    });
    assert!(m.contains("`next` names `gone`"), "{m}");
    fake_refuses(
        post(
            json!({"name": "F", "entryNodeId": "a", "nodes": [{"id": "a", "type": "request", "next": "gone"}]}),
        ),
        INVALID,
        "nodes[0].next",
    );
    // Two nodes with one id.
    let m = refused_before_sending(&server, || {
        flows.create(&NewWorkflow::new(
            "F",
            "a",
            [Node::new("a", "request"), Node::new("a", "response")],
        ))
    });
    assert!(m.contains("two nodes have this id"), "{m}");
    fake_refuses(
        post(
            json!({"name": "F", "entryNodeId": "a", "nodes": [{"id": "a", "type": "request"}, {"id": "a", "type": "response"}]}),
        ),
        INVALID,
        "nodes[1].id",
    );
    // An entry node that is no node.
    let m = refused_before_sending(&server, || {
        flows.create(&NewWorkflow::new("F", "zz", [Node::new("a", "request")]))
    });
    assert!(m.contains("`entryNodeId` `zz`"), "{m}");
    fake_refuses(
        post(json!({"name": "F", "entryNodeId": "zz", "nodes": [{"id": "a", "type": "request"}]})),
        INVALID,
        "entryNodeId",
    );
    // No nodes, no name.
    refused_before_sending(&server, || flows.create(&NewWorkflow::new("F", "a", [])));
    fake_refuses(
        post(json!({"name": "F", "entryNodeId": "a", "nodes": []})),
        INVALID,
        "nodes",
    );
    refused_before_sending(&server, || {
        flows.create(&NewWorkflow::new(" ", "a", [Node::new("a", "request")]))
    });
    fake_refuses(
        post(json!({"name": " ", "entryNodeId": "a", "nodes": [{"id": "a", "type": "request"}]})),
        MISSING,
        "name",
    );
    // The same rules on update.
    refused_before_sending(&server, || {
        flows.update(
            "default",
            &WorkflowUpdate::new().nodes([Node::new("request", "request").next("gone")]),
        )
    });
    fake_refuses(
        raw(
            &server,
            "PATCH",
            &format!("{path}/default"),
            Some(json!({"nodes": [{"id": "request", "type": "request", "next": "gone"}]})),
        ),
        INVALID,
        "nodes[0].next",
    );

    // What the SDK leaves to the server: the routes of an `if` node, an entry node id
    // checked against the stored nodes, providers of the App.
    let routes = json!([{"condition": {"field": "input.age", "operator": "gte", "value": 18}, "next": "done"},
                        {"default": true, "next": "gone"}]);
    api_refuses(
        flows.create(&NewWorkflow::new(
            "F",
            "a",
            [
                Node::new("a", "if").next_routes(routes),
                Node::new("done", "response"),
            ],
        )),
        INVALID,
        "nodes[0].next[1].next",
    );
    api_refuses(
        flows.update("default", &WorkflowUpdate::new().entry_node_id("gone")),
        INVALID,
        "entryNodeId",
    );
    api_refuses(
        flows.create(&NewWorkflow::new(
            "F",
            "a",
            [Node::new("a", "verification").config(json!({"providers": ["itsme"]}))],
        )),
        INVALID,
        "nodes[0].config",
    );
    // A config nested deeper than 5 levels, or with more than 50 keys on one.
    let deep = json!({"a": {"b": {"c": {"d": {"e": {}}}}}});
    let wide: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
    for config in [deep, Value::Object(wide)] {
        api_refuses(
            flows.create(&NewWorkflow::new(
                "F",
                "a",
                [Node::new("a", "evaluate").config(config)],
            )),
            INVALID,
            "nodes[0].config",
        );
    }
    // And what both accept.
    let routes = json!([{"condition": {"field": "input.age", "operator": "gte", "value": 18}, "next": "done"},
                        {"default": true, "next": "a"}]);
    let flow = flows
        .create(&NewWorkflow::new(
            "Branching",
            "a",
            [
                Node::new("a", "if").next_routes(routes),
                Node::new("done", "response"),
            ],
        ))
        .unwrap();
    assert_eq!(flow.workflow_id, "branching");
    assert_eq!(
        flows.list().unwrap().len(),
        2,
        "only the valid workflow was stored"
    );

    // At most 100 workflows per App: a limit only the server can check.
    let one = |name: String| NewWorkflow::new(name, "a", [Node::new("a", "request")]);
    for i in 2..100 {
        flows.create(&one(format!("Flow {i}"))).unwrap();
    }
    assert_eq!(flows.list().unwrap().len(), 100);
    api_refuses(
        flows.create(&one("One too many".into())),
        INVALID,
        "workflows",
    );
}

#[test]
fn activation_limits_are_refused_alike_by_the_sdk_and_the_fake() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let app = client.app(SEED_APP);
    let base = format!("/apps/{SEED_APP}/providers");

    // A missing form field: only the server knows the fields.
    let form = filled_form(&client, SEED_APP, "ftn");
    let mut partial = form.clone();
    partial.data.remove("contactEmail");
    api_refuses(
        app.provider("ftn").submit_activation_form(&partial),
        MISSING,
        "data.contactEmail",
    );
    fake_refuses(
        raw(
            &server,
            "POST",
            &format!("{base}/ftn/activation/form"),
            Some(json!({"data": {"companyName": "Shop AB"}})),
        ),
        MISSING,
        "data.registrationNumber",
    );
    refused_before_sending(&server, || {
        app.provider("ftn")
            .submit_activation_form(&ActivationForm::new())
    });
    app.provider("ftn").submit_activation_form(&form).unwrap();
    // A form alone does not put a provider on the App: the list holds the providers
    // ever enabled.
    let listed = app.providers().list().unwrap();
    assert!(!listed.iter().any(|p| p.provider_id == "ftn"), "{listed:?}");
    assert!(!app.get().unwrap().providers.contains_key("ftn"));

    // An upload for a provider without an upload step.
    let e = app
        .provider("mitid")
        .upload_documents(&[pdf("a.pdf")])
        .unwrap_err();
    assert_eq!(api(&e).1, "VALIDATION_STEP_NOT_APPLICABLE");
    assert_eq!(api(&e).2.unwrap()["parameter"], "providerId");
    let auth = format!("Bearer {}", server.api_key());
    let upload = |provider: &str, n: usize| {
        send(
            &server,
            "POST",
            &format!("{base}/{provider}/activation/documents"),
            &[("Authorization", &auth)],
            Some(multipart(n)),
        )
    };
    fake_refuses(
        upload("mitid", 1),
        "VALIDATION_STEP_NOT_APPLICABLE",
        "providerId",
    );

    // More than 10 documents.
    let eleven: Vec<Document> = (0..11).map(|i| pdf(&format!("{i}.pdf"))).collect();
    let m = refused_before_sending(&server, || app.provider("ftn").upload_documents(&eleven));
    assert!(m.contains("1 to 10 documents, got 11"), "{m}");
    fake_refuses(upload("ftn", 11), INVALID, "files");
    let ten = app.provider("ftn").upload_documents(&eleven[..10]).unwrap();
    assert_eq!(ten.len(), 10);
    refused_before_sending(&server, || app.provider("ftn").upload_documents(&[]));
    fake_refuses(upload("ftn", 0), MISSING, "files");
    // A document over 10 MB.
    let over = vec![b'x'; MAX_DOCUMENT_BYTES + 1];
    let m = refused_before_sending(&server, || {
        app.provider("ftn").upload_documents(&[
            pdf("a.pdf"),
            Document::new("big.pdf", "application/pdf", over.clone()),
        ])
    });
    assert!(
        m.contains("`documents[1]`: the file has 10485761 bytes"),
        "{m}"
    );
    let r = send(
        &server,
        "POST",
        &format!("{base}/ftn/activation/documents"),
        &[("Authorization", &auth)],
        Some(multipart_of(&[b"%PDF".to_vec(), over])),
    );
    fake_refuses(r, INVALID, "files[1]");
    let steps = app.provider("ftn").activation_steps().unwrap();
    let uploaded = steps
        .steps
        .iter()
        .find(|s| s.step_type == StepType::Upload)
        .map(|s| s.uploaded.len());
    assert_eq!(uploaded, Some(10), "only the accepted upload was stored");

    // A bulk activation with no provider, or a value that is no string or boolean.
    refused_before_sending(&server, || app.providers().activate(&BulkActivation::new()));
    fake_refuses(
        raw(
            &server,
            "POST",
            &format!("/apps/{SEED_APP}/activation"),
            Some(json!({})),
        ),
        MISSING,
        "providers",
    );
    refused_before_sending(&server, || {
        app.providers()
            .activate(&BulkActivation::new().field("mitid", "n", 3))
    });
    fake_refuses(
        raw(
            &server,
            "POST",
            &format!("/apps/{SEED_APP}/activation"),
            Some(json!({"providers": {"mitid": {"n": 3}}})),
        ),
        INVALID,
        "providers.mitid.n",
    );
}

#[test]
fn custom_domain_rules_are_refused_alike_by_the_sdk_and_the_fake() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let app = client.app(SEED_APP);
    let path = format!("/apps/{SEED_APP}/custom-domain");
    let put = |web: &str, oidc: &str| {
        raw(
            &server,
            "PUT",
            &path,
            Some(json!({"webDomain": web, "oidcDomain": oidc})),
        )
    };
    for (web, oidc, why, parameter) in [
        (
            "login.shop.example",
            "LOGIN.shop.example",
            "must differ",
            "oidcDomain",
        ),
        (
            "login.shop.example",
            "oidc.other.example",
            "base domain",
            "oidcDomain",
        ),
        (
            "https://login.shop.example",
            "oidc.shop.example",
            "scheme",
            "webDomain",
        ),
        (
            "login.shop.example",
            "oidc.shop.example:8443",
            "port",
            "oidcDomain",
        ),
        (
            "login.shop.example/cb",
            "oidc.shop.example",
            "path",
            "webDomain",
        ),
        ("10.0.0.1", "10.0.0.2", "IP address", "webDomain"),
        ("localhost", "oidc.localhost", "two labels", "webDomain"),
    ] {
        let m = refused_before_sending(&server, || app.set_custom_domain(web, oidc));
        assert!(m.contains(why), "{web} {oidc}: {m}");
        fake_refuses(put(web, oidc), INVALID, parameter);
    }
    assert_eq!(
        app.custom_domain().unwrap().status,
        DomainStatus::Unconfigured,
        "nothing above was stored"
    );
    let set = app
        .set_custom_domain("Login.Shop.example", "oidc.shop.example")
        .unwrap();
    assert_eq!(set.web_domain.as_deref(), Some("login.shop.example"));
    // One pair per App: only the server knows one is set.
    api_refuses(
        app.set_custom_domain("a.shop.example", "b.shop.example"),
        INVALID,
        "webDomain",
    );
}

/// The domain's status on each verify of a wait, as the wait's progress callback sees it.
#[test]
fn wait_for_custom_domain_verifies_until_active() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let app = client.app(SEED_APP);
    app.set_custom_domain("login.shop.example", "oidc.shop.example")
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let options = wait(20).on_poll(move |p| log.lock().unwrap().push(p.status.clone()));
    let domain = app.wait_for_custom_domain(&options).unwrap();
    assert_eq!(domain.status, DomainStatus::Active);
    assert_eq!(*seen.lock().unwrap(), [Some("verifying".to_owned())]);
    let verifies = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/custom-domain/verify"))
        .count();
    assert_eq!(verifies, 2, "awaiting_dns -> verifying -> active");
}

/// One POST sent twice with one key, then the key with another request.
struct Replay<'a> {
    key: &'a str,
    path: String,
    body: Option<(&'static str, Vec<u8>)>,
    /// Another request with the same key: another path or body.
    other_path: String,
    other_body: Option<(&'static str, Vec<u8>)>,
}

fn json_body(value: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", value.to_string().into_bytes()))
}

/// Sends `replay`: the first answer is a success, the second the same answer with
/// `Idempotency-Replayed: true`, the other request a 409 `IDEMPOTENCY_KEY_CONFLICT`.
/// Returns the first answer.
fn replays_then_conflicts(server: &Server, replay: Replay<'_>) -> Raw {
    let auth = format!("Bearer {}", server.api_key());
    let headers = [
        ("Authorization", auth.as_str()),
        ("Idempotency-Key", replay.key),
    ];
    let first = send(server, "POST", &replay.path, &headers, replay.body.clone());
    assert!(
        (200..300).contains(&first.status),
        "{}: {}",
        replay.path,
        first.body
    );
    assert_eq!(first.header("idempotency-replayed"), None);
    let second = send(server, "POST", &replay.path, &headers, replay.body);
    assert_eq!(
        (second.status, &second.body),
        (first.status, &first.body),
        "{}",
        replay.path
    );
    assert_eq!(second.header("idempotency-replayed"), Some("true"));
    let other = send(
        server,
        "POST",
        &replay.other_path,
        &headers,
        replay.other_body,
    );
    assert_eq!(other.status, 409, "{}: {}", replay.other_path, other.body);
    assert_eq!(other.error().0, "IDEMPOTENCY_KEY_CONFLICT");
    first
}

#[test]
fn every_new_post_route_replays_a_key_and_refuses_it_for_another_request() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let app = format!("/apps/{SEED_APP}");
    let other_app = client
        .apps()
        .create(&NewApp::new("Other"))
        .unwrap()
        .client_id;

    // Workflow create: the replay is not a 409 "exists".
    let flow = |name: &str| {
        json_body(
            json!({"name": name, "entryNodeId": "a", "nodes": [{"id": "a", "type": "request"}]}),
        )
    };
    let first = replays_then_conflicts(
        &server,
        Replay {
            key: "wf-1",
            path: format!("{app}/workflows"),
            body: flow("Keyed"),
            other_path: format!("{app}/workflows"),
            other_body: flow("Another"),
        },
    );
    assert_eq!(
        (first.status, &first.body["workflowId"]),
        (201, &json!("keyed"))
    );
    let flows = client.app(SEED_APP).workflows();
    let ids: Vec<String> = flows
        .list()
        .unwrap()
        .into_iter()
        .map(|w| w.workflow_id)
        .collect();
    assert_eq!(
        ids,
        ["default", "keyed"],
        "created once, the conflict created nothing"
    );

    // Set-default: another workflow with the same key is another request.
    replays_then_conflicts(
        &server,
        Replay {
            key: "default-1",
            path: format!("{app}/workflows/keyed/set-default"),
            body: None,
            other_path: format!("{app}/workflows/default/set-default"),
            other_body: None,
        },
    );
    assert_eq!(
        client.app(SEED_APP).get().unwrap().default_workflow_id,
        "keyed"
    );

    // Form submit: the replay is not a 409 "already submitted".
    let form = |company: &str| {
        json_body(
            json!({"data": {"companyName": company, "registrationNumber": "556000-0000",
                                  "contactEmail": "ops@shop.example"}}),
        )
    };
    let first = replays_then_conflicts(
        &server,
        Replay {
            key: "form-1",
            path: format!("{app}/providers/ftn/activation/form"),
            body: form("Shop AB"),
            other_path: format!("{app}/providers/ftn/activation/form"),
            other_body: form("Other AB"),
        },
    );
    assert_eq!(first.status, 201);
    let e = client
        .app(SEED_APP)
        .provider("ftn")
        .submit_activation_form(&filled_form(&client, SEED_APP, "ftn"))
        .unwrap_err();
    assert_eq!(
        api(&e).1,
        "RESOURCE_CONFLICT",
        "a new key is a new submission"
    );

    // Upload: the replay stores nothing more.
    let first = replays_then_conflicts(
        &server,
        Replay {
            key: "upload-1",
            path: format!("{app}/providers/ftn/activation/documents"),
            body: Some(multipart(1)),
            other_path: format!("{app}/providers/ftn/activation/documents"),
            other_body: Some(multipart(2)),
        },
    );
    assert_eq!(first.body["documents"].as_array().map(Vec::len), Some(1));
    let steps = client
        .app(SEED_APP)
        .provider("ftn")
        .activation_steps()
        .unwrap();
    let uploaded: usize = steps.steps.iter().map(|s| s.uploaded.len()).sum();
    assert_eq!(uploaded, 1);

    // Bulk activation: the replay is the first activation, with its id.
    let first = replays_then_conflicts(
        &server,
        Replay {
            key: "bulk-1",
            path: format!("{app}/activation"),
            body: json_body(json!({"providers": {"bankidno": {}}})),
            other_path: format!("{app}/activation"),
            other_body: json_body(json!({"providers": {"itsme": {}}})),
        },
    );
    assert_eq!(first.body["bankidno"]["status"], "activated");
    let listed = client.app(SEED_APP).providers().list().unwrap();
    assert!(listed.iter().any(|p| p.provider_id == "bankidno"));
    assert!(!listed.iter().any(|p| p.provider_id == "itsme"));

    // Verify: the replay does not advance the status again; the same key on another
    // App's verify is another request.
    client
        .app(SEED_APP)
        .set_custom_domain("login.shop.example", "oidc.shop.example")
        .unwrap();
    client
        .app(&other_app)
        .set_custom_domain("login.other.example", "oidc.other.example")
        .unwrap();
    let first = replays_then_conflicts(
        &server,
        Replay {
            key: "verify-1",
            path: format!("{app}/custom-domain/verify"),
            body: None,
            other_path: format!("/apps/{other_app}/custom-domain/verify"),
            other_body: None,
        },
    );
    assert_eq!(first.body["status"], "verifying");
    assert_eq!(
        client.app(SEED_APP).custom_domain().unwrap().status,
        DomainStatus::Verifying,
        "advanced once"
    );
    assert_eq!(
        client.app(&other_app).custom_domain().unwrap().status,
        DomainStatus::AwaitingDns
    );
    let replays = server.requests().iter().filter(|r| r.replayed).count();
    assert_eq!(replays, 6);
}

#[test]
fn claims_fill_the_report_until_max_stamps_completes_the_challenge() {
    let server = Server::builder().schedule_after(1).start().unwrap();
    let client = client(&server);
    let tests = client.app(SEED_APP).production_tests();
    let request = tests
        .create(
            &NewProductionTest::new("Nordic")
                .provider_ids(["mitid", "bankidse"])
                .max_stamps(3),
        )
        .unwrap();
    assert_eq!(
        server.claim(&request.id, "mitid"),
        None,
        "a request is no challenge"
    );
    let challenge = tests.wait_for_challenge(&request.id, &wait(20)).unwrap();
    let now = OffsetDateTime::now_utc();
    let before = tests.report(&challenge.id).unwrap();
    assert!(!before.is_finished_at(now));

    assert_eq!(
        server.claim(&challenge.id, "smartid"),
        None,
        "not a provider of the test"
    );
    assert_eq!(server.claim("ch_nope", "mitid"), None);
    assert_eq!(server.claim(&challenge.id, "mitid"), Some(1));
    assert_eq!(server.claim(&challenge.id, "bankidse"), Some(2));
    let report = tests.report(&challenge.id).unwrap();
    assert_eq!(
        (report.stats.total_participations, report.stats.total_claims),
        (2, 2)
    );
    let breakdown: Vec<(&str, &str, u64)> = report
        .stats
        .provider_breakdown
        .iter()
        .map(|p| {
            (
                p.provider_id.as_str(),
                p.provider_name.as_str(),
                p.claim_count,
            )
        })
        .collect();
    assert_eq!(
        breakdown,
        [("mitid", "MitID", 1), ("bankidse", "BankID SE", 1)]
    );
    assert!(report.challenge.is_active);
    assert!(!report.is_finished_at(now), "2 of 3 claims");

    assert_eq!(server.claim(&challenge.id, "mitid"), Some(3));
    let report = tests.report(&challenge.id).unwrap();
    assert_eq!(report.stats.total_claims, 3);
    assert_eq!(report.stats.provider_breakdown[0].claim_count, 2);
    assert!(!report.challenge.is_active);
    let completed = report.challenge.completed_at.expect("completedAt is set");
    assert!(completed >= challenge.created_at);
    assert!(report.is_finished_at(now), "finished by its own signals");
    // The list shows the same challenge; a completed challenge takes no more claims.
    let listed = tests.list().unwrap();
    let listed = listed
        .iter()
        .filter_map(ProductionTestItem::as_challenge)
        .find(|c| c.id == challenge.id)
        .unwrap();
    assert_eq!(listed, &report.challenge);
    assert_eq!(server.claim(&challenge.id, "mitid"), None);
    assert_eq!(tests.report(&challenge.id).unwrap(), report);

    // The seeded challenge is at 2 of 3, through bankidse only.
    assert_eq!(server.claim(SEED_CHALLENGE, "mitid"), None);
    assert_eq!(server.claim(SEED_CHALLENGE, "bankidse"), Some(3));
    let seed = tests.report(SEED_CHALLENGE).unwrap();
    assert!(!seed.challenge.is_active && seed.challenge.completed_at.is_some());
}
