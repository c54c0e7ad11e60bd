//! The App API end to end from the library against `hopae::mock`: an App created through
//! the Workspace API verifies at once with its secret, a session moves to `completed`
//! after the fake's polls, a QR flow's changing payload reaches `wait_with`, the test
//! controls end sessions in every way, and the App API's error shapes arrive as
//! matchable `ApiError`s.

use std::collections::BTreeSet;
use std::time::Duration;

use hopae::apps::NewApp;
use hopae::mock::{Completion, SEED_APP, SEED_CLIENT_SECRET, Server};
use hopae::verifications::{FlowType, NewVerification, NextAction, VerificationStatus};
use hopae::wait::WaitOptions;
use hopae::{AppClient, Error, HopaeClient};

fn fake(complete_after: u32) -> Server {
    Server::builder()
        .complete_after(complete_after)
        .poll_interval(Duration::from_millis(500))
        .start()
        .unwrap()
}

fn app_client(server: &Server, id: &str, secret: &str) -> AppClient {
    AppClient::builder(id, secret)
        .base_url(server.url())
        .max_retries(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn seed(server: &Server) -> AppClient {
    app_client(server, SEED_APP, SEED_CLIENT_SECRET)
}

fn smartid() -> NewVerification {
    NewVerification::new("smartid").user_data("registrationId", "PNOEE-38001085718")
}

fn wait() -> WaitOptions {
    WaitOptions::new().timeout(Duration::from_secs(20))
}

/// `(status, code)` of an API error.
fn api(e: &Error) -> (u16, &str) {
    match e {
        Error::Api(api) => (api.status(), api.code().unwrap_or("")),
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[test]
fn a_push_session_completes_after_the_fakes_polls_and_gives_its_claims() {
    let server = fake(3);
    let app = seed(&server);
    let new = smartid()
        .requested_loa(3)
        .requested_claims(["given_name", "family_name", "email"])
        .reference_id("ORDER-1");
    let created = app.verifications().create(&new).unwrap();
    assert_eq!(created.status, VerificationStatus::Initiated);
    assert_eq!(created.flow_type, Some(FlowType::Push));
    let NextAction::ConfirmCode { code } = created.next_action() else {
        panic!("a push flow shows a code: {:?}", created.next_action());
    };
    assert_eq!(code.len(), 4);

    let mut seen = Vec::new();
    let done = app
        .verification_from(&created)
        .wait_with(&wait(), |v| seen.push(v.status.clone()))
        .unwrap();
    assert_eq!(done.status, VerificationStatus::Completed);
    assert_eq!(done.loa, Some(3));
    assert_eq!(
        seen,
        [
            VerificationStatus::AwaitingUserAction,
            VerificationStatus::AwaitingUserAction,
            VerificationStatus::Completed
        ]
    );

    let handle = app.verification(&created.id);
    let info = handle.userinfo().unwrap();
    assert_eq!(info.loa(), Some(3));
    assert_eq!(info.missing_claims, ["email"]);
    assert_eq!(info.provider_id.as_deref(), Some("smartid"));
    let user = info.user.as_ref().unwrap();
    assert_eq!(user.given_name.as_deref(), Some("Jaak-Kristjan"));
    assert_eq!(user.family_name.as_deref(), Some("Jõeorg"));
    assert!(
        !format!("{info:?}").contains("eyJ"),
        "provenance tokens stay hidden"
    );
    let evidence = handle.evidence().unwrap();
    assert_eq!(evidence.names(), ["id_token", "access_token"]);
    assert!(!format!("{evidence:?}").contains("eyJ"));
}

#[test]
fn a_qr_sessions_changing_payload_reaches_wait_with() {
    let server = fake(4);
    let app = seed(&server);
    let created = app
        .verifications()
        .create(&NewVerification::new("bankidse"))
        .unwrap();
    let mut payloads = BTreeSet::new();
    let done = app
        .verification_from(&created)
        .wait_with(&wait(), |v| {
            if let NextAction::ShowQr { data } = v.next_action() {
                payloads.insert(data.to_owned());
            }
        })
        .unwrap();
    assert_eq!(done.status, VerificationStatus::Completed);
    assert_eq!(done.next_action(), NextAction::Done);
    assert_eq!(payloads.len(), 3, "{payloads:?}");
    assert!(
        payloads
            .iter()
            .all(|p| p.starts_with("bankidse:///?token="))
    );
}

#[test]
fn test_controls_end_sessions_and_the_wait_returns_each_outcome() {
    let server = fake(0);
    let app = seed(&server);
    let start = |new: &NewVerification| app.verifications().create(new).unwrap();

    let a = start(&smartid());
    server
        .complete_verification(&a.id, &Completion::new().claim("given_name", "Mari").loa(2))
        .unwrap();
    let done = app.verification(&a.id).wait(&wait()).unwrap();
    assert_eq!(
        (done.status, done.loa),
        (VerificationStatus::Completed, Some(2))
    );
    let info = app.verification(&a.id).userinfo().unwrap();
    assert_eq!(info.user.unwrap().given_name.as_deref(), Some("Mari"));

    let b = start(&NewVerification::new("bankidse"));
    server
        .fail_verification(&b.id, "USER_DECLINED", "The person declined")
        .unwrap();
    let failed = app.verification_from(&b).wait(&wait()).unwrap();
    assert_eq!(failed.status, VerificationStatus::Failed);
    let error = failed.error.unwrap();
    assert_eq!(error.code.as_deref(), Some("USER_DECLINED"));
    let e = app.verification(&b.id).userinfo().unwrap_err();
    assert_eq!(api(&e), (400, "verification_not_completed"));
    let e = app.verification(&b.id).evidence().unwrap_err();
    assert_eq!(api(&e), (400, "evidence_not_available"));

    let c = start(&NewVerification::new("bankidse"));
    server.expire_verification(&c.id).unwrap();
    let expired = app.verification_from(&c).wait(&wait()).unwrap();
    assert_eq!(expired.status, VerificationStatus::Expired);

    let d = start(&NewVerification::new("mitid"));
    assert!(matches!(d.next_action(), NextAction::OpenUrl { .. }));
    app.verification(&d.id).cancel().unwrap();
    let cancelled = app.verification_from(&d).wait(&wait()).unwrap();
    assert_eq!(cancelled.status, VerificationStatus::Cancelled);
    let e = app.verification(&d.id).cancel().unwrap_err();
    assert_eq!(api(&e), (400, "SESSION_INVALID_STATUS_TRANSITION"));

    // The level reached below the requested one fails the session.
    let e = start(&smartid().requested_loa(3));
    server
        .complete_verification(&e.id, &Completion::new().loa(2))
        .unwrap();
    let failed = app.verification(&e.id).get().unwrap();
    assert_eq!(failed.status, VerificationStatus::Failed);
}

#[test]
fn the_app_apis_error_shapes_are_matchable_by_code() {
    let server = fake(0);
    let app = seed(&server);
    // Shape D.
    let e = app
        .verifications()
        .create(&smartid().requested_loa(4))
        .unwrap_err();
    assert_eq!(api(&e), (422, "VALIDATION_UNPROCESSABLE"));
    let Error::Api(refusal) = &e else {
        unreachable!()
    };
    assert_eq!(refusal.details().unwrap()["providerId"], "smartid");
    // Shape B.
    let e = app
        .verifications()
        .create(&NewVerification::new("smartid"))
        .unwrap_err();
    assert_eq!(api(&e), (400, "VALIDATION_MISSING_USER_DATA"));
    let e = app.providers().configuration("nope").unwrap_err();
    assert_eq!(api(&e), (404, "PROVIDER_NOT_FOUND"));
    let e = app.verification("ver_unknown").get().unwrap_err();
    assert_eq!(api(&e), (404, "SESSION_NOT_FOUND"));
    let e = app
        .verifications()
        .create(&NewVerification::new("idin").user_data("presetBank", "INGBNL2A"))
        .unwrap_err();
    assert_eq!(api(&e), (403, "PROVIDER_NOT_ENABLED"));
    let wrong = app_client(&server, SEED_APP, "wrongsecret");
    let e = wrong.providers().list().unwrap_err();
    assert_eq!(api(&e), (401, "AUTH_INVALID_CREDENTIALS"));
    assert!(!format!("{e} {e:?}").contains("wrongsecret"));
    // Shape C (no request id in the body; the header's is kept).
    let live = app.verifications().create(&smartid()).unwrap();
    let e = app.verification(&live.id).userinfo().unwrap_err();
    assert_eq!(api(&e), (400, "verification_not_completed"));
}

#[test]
fn an_app_created_through_the_workspace_api_verifies_with_its_secret_at_once() {
    let server = fake(1);
    let workspace = HopaeClient::builder(server.api_key())
        .base_url(server.url())
        .build()
        .unwrap();
    let created = workspace.apps().create(&NewApp::new("Kiosk")).unwrap();
    let secret = created
        .client_secret
        .clone()
        .expect("shown once, at creation");
    let kiosk = app_client(&server, &created.client_id, secret.expose());
    let providers = kiosk.providers().list().unwrap();
    let active: Vec<&str> = providers
        .iter()
        .filter(|p| p.is_active == Some(true))
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(active, ["passport"], "a new App has passport only");
    let config = kiosk.providers().configuration("smartid").unwrap();
    assert_eq!(config.required_user_data[0].field, "registrationId");
    let v = kiosk
        .verifications()
        .create(&NewVerification::new("passport"))
        .unwrap();
    let done = kiosk.verification_from(&v).wait(&wait()).unwrap();
    assert_eq!(done.status, VerificationStatus::Completed);
    // A session belongs to its App.
    let e = seed(&server).verification(&v.id).get().unwrap_err();
    assert_eq!(api(&e), (404, "SESSION_NOT_FOUND"));
    // dc-request serves a dc flow.
    let dc = kiosk
        .verifications()
        .create(&NewVerification::new("passport").flow_type(FlowType::Dc))
        .unwrap();
    let request = kiosk
        .verifications()
        .dc_request(
            &dc.id,
            &serde_json::json!({"docType": "org.iso.18013.5.1.mDL"}),
        )
        .unwrap();
    assert!(request.dc_session_id.starts_with("dcs_"));
    assert!(!request.request_base64.is_empty());
}
