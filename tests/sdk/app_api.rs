//! The App API against mockito, as an outsider uses it: every operation in both schema
//! generations, every documented error shape, the wait's stop conditions, and no secret
//! in any `Debug`, `Display` or error.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hopae::time::OffsetDateTime;
use hopae::time::format_description::well_known::Rfc3339;
use hopae::verifications::{
    FlowType, NewVerification, NextAction, Verification, VerificationStatus,
};
use hopae::wait::WaitOptions;
use hopae::{AppClient, Error, WaitError};
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::{Value, json};

const CLIENT_ID: &str = "FK5b0KSM";
const CLIENT_SECRET: &str = "6f1c0a9e0123456789abcdef0123456789abcdef0123456789abcdef01234567";
/// `base64("FK5b0KSM:" + CLIENT_SECRET)`.
const BASIC: &str = "Basic Rks1YjBLU006NmYxYzBhOWUwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nw==";
const VER: &str = "ver_2hJ8xKq";

fn app(server: &ServerGuard) -> AppClient {
    AppClient::builder(CLIENT_ID, CLIENT_SECRET)
        .base_url(server.url())
        .timeout(Duration::from_secs(10))
        .max_retries(0)
        .build()
        .expect("a loopback app client builds")
}

/// A mock of `method path` that checks Basic authentication.
fn mock(server: &mut ServerGuard, method: &str, path: &str) -> Mock {
    server
        .mock(method, path)
        .match_header("authorization", BASIC)
        .match_header("accept", "application/json")
}

fn answer(m: Mock, status: usize, body: &str) -> Mock {
    m.with_status(status)
        .with_header("content-type", "application/json")
        .with_body(body)
        .create()
}

fn api_error(e: &Error) -> &hopae::ApiError {
    match e {
        Error::Api(api) => api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Neither `Display` nor `Debug` of `shown` holds the client secret, the Basic token or
/// any of `more`.
fn assert_hidden(shown: &str, more: &[&str]) {
    for secret in [CLIENT_SECRET, &BASIC[6..], "6f1c0a9e0123"]
        .iter()
        .chain(more)
    {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

// --- providers -----------------------------------------------------------------------

#[test]
fn providers_list_decodes_the_page_and_openapi_shapes_with_basic_auth() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/providers").match_query(Matcher::Missing),
        200,
        &json!([
            {"id": "bankidse", "name": "BankID", "logoUrl": "https://x/b.png", "countries": ["se"],
             "isActive": true, "needAction": false, "flowTypes": ["qr", "push"],
             "scopes": ["given_name", "family_name"], "loa": [2, 3]},
            {"id": "mitid", "name": "MitID", "description": "Denmark", "countries": ["dk"],
             "status": "activated", "logoUrl": null},
            {"id": "frejaid", "defaultLoa": 3, "type": 3, "supportedEnvironments": ["sandbox"],
             "displayStatus": "available", "futureField": {"x": 1}}
        ])
        .to_string(),
    );
    let providers = app(&server).providers().list().unwrap();
    m.assert();
    assert_eq!(providers.len(), 3);
    let p = &providers[0];
    let _: (&str, &[FlowType], &[u8]) = (&p.id, &p.flow_types, &p.loa);
    assert_eq!(p.flow_types, [FlowType::Qr, FlowType::Push]);
    assert_eq!(p.loa, [2, 3]);
    assert_eq!(providers[1].status.as_deref(), Some("activated"));
    assert_eq!(providers[2].default_loa, Some(3));
    assert_eq!(providers[2].extra["futureField"]["x"], 1);
}

#[test]
fn providers_status_filter_is_passed_through() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/providers").match_query(Matcher::UrlEncoded(
            "status".into(),
            "action_required".into(),
        )),
        200,
        "[]",
    );
    let list = app(&server)
        .providers()
        .list_with_status("action_required")
        .unwrap();
    m.assert();
    assert!(list.is_empty());
}

#[test]
fn provider_configuration_lists_user_data_fields() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/providers/idin/configuration"),
        200,
        &json!({"providerId": "idin", "flowTypes": ["redirect"], "lastUpdated": "2026-04-08T10:00:00Z",
                "requiredUserData": [{"field": "presetBank", "type": "select", "required": true,
                   "label": "Bank", "options": [{"value": "ABNANL2A", "label": "ABN AMRO"}]}],
                "optionalUserData": [{"field": "email", "type": "text", "required": false,
                   "label": "E-mail", "pattern": "^.+@.+$", "description": "optional"}]})
        .to_string(),
    );
    let config = app(&server).providers().configuration("idin").unwrap();
    m.assert();
    let f = &config.required_user_data[0];
    let _: (&str, bool, Option<&str>) = (&f.field, f.required, f.pattern.as_deref());
    assert_eq!((f.field.as_str(), f.required), ("presetBank", true));
    assert_eq!(f.options[0].value, "ABNANL2A");
    assert_eq!(
        config.optional_user_data[0].pattern.as_deref(),
        Some("^.+@.+$")
    );
    assert_eq!(config.flow_types, [FlowType::Redirect]);
}

#[test]
fn provider_id_cannot_change_the_path() {
    let server = Server::new();
    for bad in ["", "..", "."] {
        let e = app(&server).providers().configuration(bad).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{bad}: {e:?}");
    }
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/providers/a%2Fb%3Fc/configuration"),
        200,
        r#"{"providerId":"a/b?c","requiredUserData":[],"flowTypes":[]}"#,
    );
    app(&server).providers().configuration("a/b?c").unwrap();
    m.assert();
}

#[test]
fn verification_id_cannot_change_the_path() {
    let mut server = Server::new();
    let never = server.mock("GET", Matcher::Any).expect(0).create();
    let app = app(&server);
    for bad in ["", ".", ".."] {
        let handle = app.verification(bad);
        for e in [
            handle.get().unwrap_err(),
            handle.cancel().unwrap_err(),
            handle.userinfo().unwrap_err(),
            handle.evidence().unwrap_err(),
            handle.wait(&WaitOptions::new()).unwrap_err(),
        ] {
            assert!(matches!(e, Error::InvalidInput(_)), "{bad:?}: {e:?}");
        }
    }
    never.assert();
    let m = answer(
        mock(
            &mut server,
            "GET",
            "/verifications/a%2F..%2Fproviders/userinfo",
        ),
        200,
        r#"{"sub":"s"}"#,
    );
    app.verification("a/../providers").userinfo().unwrap();
    m.assert();
}

// --- create ---------------------------------------------------------------------------

const CURRENT_CREATED: &str = r#"{
  "verificationId": "ver_2hJ8xKq", "status": "initiated", "providerId": "smartid",
  "workflowId": "wf_default", "flowType": "push",
  "flowDetails": {"verificationCode": "4711", "maskedIdentifier": "PNOEE-***718"},
  "polling": {"recommendedInterval": 1000, "maxDuration": 300000},
  "expiresAt": "2026-04-08T10:05:00Z", "createdAt": "2026-04-08T10:00:00.000Z",
  "referenceId": "ORDER-1", "verification_model": "disclosure"
}"#;

const LEGACY_CREATED: &str = r#"{"verificationId": "0123456789abcdef0123456789abcdef", "status": "pending", "flowType": "qr"}"#;

#[test]
fn create_sends_only_the_fields_set_and_decodes_the_current_generation() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "POST", "/verifications")
            .match_header("content-type", "application/json")
            .match_header("idempotency-key", Matcher::Regex(r"^\S{1,255}$".into()))
            .match_body(Matcher::Json(json!({
                "providerId": "smartid",
                "userData": {"registrationId": "PNOEE-38001085718"},
                "requestedLoa": 3,
                "requestedClaims": ["given_name", "family_name", "birthdate"],
                "redirectUri": "https://shop.example/callback",
                "flowType": "push",
                "referenceId": "ORDER-1"
            }))),
        201,
        CURRENT_CREATED,
    );
    let new = NewVerification::new("smartid")
        .user_data("registrationId", "PNOEE-38001085718")
        .requested_loa(3)
        .requested_claims(["given_name", "family_name", "birthdate"])
        .redirect_uri("https://shop.example/callback")
        .flow_type(FlowType::Push)
        .reference_id("ORDER-1");
    let v = app(&server).verifications().create(&new).unwrap();
    m.assert();
    assert_eq!(v.id, VER);
    assert_eq!(v.status, VerificationStatus::Initiated);
    assert_eq!(v.next_action(), NextAction::ConfirmCode { code: "4711" });
    assert_eq!(v.recommended_interval(), Some(Duration::from_secs(1)));
    assert!(v.expires_at.is_some());
}

#[test]
fn create_decodes_the_legacy_generation() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "POST", "/verifications")
            .match_body(Matcher::Json(json!({"providerId": "bankidse"}))),
        201,
        LEGACY_CREATED,
    );
    let v = app(&server)
        .verifications()
        .create(&NewVerification::new("bankidse"))
        .unwrap();
    m.assert();
    assert_eq!(v.status, VerificationStatus::Pending);
    assert!(!v.status.is_terminal());
    assert_eq!(v.flow_type, Some(FlowType::Qr));
    assert_eq!(v.next_action(), NextAction::Wait);
}

#[test]
fn create_refuses_a_level_outside_1_to_5_before_sending() {
    let mut server = Server::new();
    let m = mock(&mut server, "POST", "/verifications")
        .expect(0)
        .create();
    for loa in [0, 6] {
        let e = app(&server)
            .verifications()
            .create(&NewVerification::new("smartid").requested_loa(loa))
            .unwrap_err();
        match &e {
            Error::InvalidInput(i) => assert_eq!(i.field(), Some("requestedLoa")),
            other => panic!("{other:?}"),
        }
        assert_eq!(e.attempts(), 0);
    }
    m.assert();
}

#[test]
fn create_with_idempotency_key_sends_the_key() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "POST", "/verifications")
            .match_header("idempotency-key", "order-1-verify"),
        201,
        CURRENT_CREATED,
    );
    app(&server)
        .verifications()
        .with_idempotency_key("order-1-verify")
        .create(&NewVerification::new("smartid"))
        .unwrap();
    m.assert();
    let never = mock(&mut server, "POST", "/verifications")
        .expect(0)
        .create();
    let e = app(&server)
        .verifications()
        .with_idempotency_key("two words")
        .create(&NewVerification::new("smartid"))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    never.assert();
}

#[test]
fn an_answered_create_is_never_sent_again() {
    // A second create would prompt the person a second time: a 503 is final for it,
    // while a GET with the same client is retried.
    let mut server = Server::new();
    let create = answer(mock(&mut server, "POST", "/verifications"), 503, "").expect(1);
    let retrying = AppClient::builder(CLIENT_ID, CLIENT_SECRET)
        .base_url(server.url())
        .max_retries(2)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap();
    let e = retrying
        .verifications()
        .create(&NewVerification::new("smartid"))
        .unwrap_err();
    create.assert();
    assert_eq!((e.status(), e.attempts()), (Some(503), 1));
    let get = mock(&mut server, "GET", "/verifications/ver_2hJ8xKq")
        .with_status(503)
        .expect(3)
        .create();
    let e = retrying.verification(VER).get().unwrap_err();
    get.assert();
    assert_eq!(e.attempts(), 3);
}

#[test]
fn create_422_loa_refusal_is_matchable_by_code() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "POST", "/verifications"),
        422,
        r#"{"code":"VALIDATION_UNPROCESSABLE","detail":"requestedLoa 5 is above what frejaid reaches",
            "context":{"parameter":"requestedLoa","value":5,"providerId":"frejaid"}}"#,
    );
    let e = app(&server)
        .verifications()
        .create(&NewVerification::new("frejaid").requested_loa(5))
        .unwrap_err();
    m.assert();
    assert_eq!(e.status(), Some(422));
    assert_eq!(e.code(), Some("VALIDATION_UNPROCESSABLE"));
    let api = api_error(&e);
    assert_eq!(
        api.message(),
        Some("requestedLoa 5 is above what frejaid reaches")
    );
    assert_eq!(api.details().unwrap()["parameter"], "requestedLoa");
    assert_eq!(e.attempts(), 1);
}

#[test]
fn dc_request_sends_user_data() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "POST", "/verifications/dc-request").match_body(Matcher::Json(json!({
            "verificationId": VER,
            "userData": {"docType": "org.iso.18013.5.1.mDL"}
        }))),
        200,
        r#"{"requestBase64":"eyJwcm90b2NvbCI6Im9wZW5pZDR2cCJ9","dcSessionId":"dc_5f1"}"#,
    );
    let dc = app(&server)
        .verifications()
        .dc_request(VER, &json!({"docType": "org.iso.18013.5.1.mDL"}))
        .unwrap();
    m.assert();
    assert_eq!(dc.request_base64, "eyJwcm90b2NvbCI6Im9wZW5pZDR2cCJ9");
    assert_eq!(dc.dc_session_id, "dc_5f1");
}

// --- one verification -----------------------------------------------------------------

#[test]
fn get_decodes_both_generations() {
    let mut server = Server::new();
    let current = answer(
        mock(&mut server, "GET", "/verifications/ver_2hJ8xKq"),
        200,
        r#"{"verificationId":"ver_2hJ8xKq","status":"awaiting_user_action","flowType":"qr",
            "flowDetails":{"qrData":"bankidse:///?token=abc","autoStartToken":"t"},
            "expiresAt":"2026-04-08T10:05:00.000Z","acr":"urn:hopae:loa:3","hopae_loa":3}"#,
    );
    let v = app(&server).verification(VER).get().unwrap();
    current.assert();
    assert_eq!(
        v.next_action(),
        NextAction::ShowQr {
            data: "bankidse:///?token=abc"
        }
    );
    assert_eq!(v.loa, Some(3));

    let legacy = answer(
        mock(
            &mut server,
            "GET",
            "/verifications/0123456789abcdef0123456789abcdef",
        ),
        200,
        r#"{"verificationId":"0123456789abcdef0123456789abcdef","status":"initiated","flowType":"redirect",
            "authorizationCode":"ac_should_not_show_123","verifiedAttributes":{"given_name":"Anna"}}"#,
    );
    let v = app(&server)
        .verification("0123456789abcdef0123456789abcdef")
        .get()
        .unwrap();
    legacy.assert();
    assert_eq!(v.flow_type, Some(FlowType::Redirect));
    assert_hidden(&format!("{v:?}"), &["ac_should_not_show"]);
}

#[test]
fn cancel_accepts_204_and_reports_400_for_a_terminal_session() {
    let mut server = Server::new();
    let ok = mock(&mut server, "DELETE", "/verifications/ver_2hJ8xKq")
        .with_status(204)
        .expect(1)
        .create();
    app(&server).verification(VER).cancel().unwrap();
    ok.assert();
    let mut server = Server::new();
    let refused = answer(
        mock(&mut server, "DELETE", "/verifications/ver_2hJ8xKq"),
        400,
        r#"{"title":"SESSION_INVALID_STATUS_TRANSITION","status":400,"detail":"already completed"}"#,
    );
    let e = app(&server).verification(VER).cancel().unwrap_err();
    refused.assert();
    assert_eq!(e.code(), Some("SESSION_INVALID_STATUS_TRANSITION"));
}

#[test]
fn userinfo_decodes_claims_and_hides_provenance() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/verifications/ver_2hJ8xKq/userinfo"),
        200,
        r#"{"sub":"pw_9f8e","acr":"urn:hopae:loa3","amr":"bankid","missingAttributes":["email"],
            "user":{"given_name":"Anna","family_name":"Svensson","birthdate":"1990-01-01","ssn":"199001011234"},
            "hopae_provenance":{"credentials":[{"type":"id_token","evidence":{"id_token":"eyJUPSTREAMTOKEN"}}]},
            "newClaim":[1,2]}"#,
    );
    let info = app(&server).verification(VER).userinfo().unwrap();
    m.assert();
    let _: (&str, Option<u8>, &[String]) = (&info.sub, info.loa(), &info.missing_claims);
    assert_eq!(info.loa(), Some(3));
    assert_eq!(info.amr, ["bankid"]);
    assert_eq!(info.missing_claims, ["email"]);
    assert_eq!(
        info.user.as_ref().and_then(|u| u.given_name.as_deref()),
        Some("Anna")
    );
    assert_eq!(info.extra["newClaim"][1], 2);
    assert_eq!(
        info.provenance.as_ref().unwrap().expose()["credentials"][0]["type"],
        "id_token"
    );
    assert_hidden(&format!("{info:?}"), &["eyJUPSTREAMTOKEN"]);
}

#[test]
fn userinfo_of_an_unfinished_session_is_verification_not_completed() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/verifications/ver_2hJ8xKq/userinfo"),
        400,
        r#"{"error":{"code":"verification_not_completed","message":"Verification is not completed",
            "details":{"status":"failed","verificationId":"ver_2hJ8xKq"}}}"#,
    );
    let e = app(&server).verification(VER).userinfo().unwrap_err();
    m.assert();
    assert_eq!(e.code(), Some("verification_not_completed"));
    assert_eq!(api_error(&e).details().unwrap()["status"], "failed");
    assert_eq!(e.request_id(), None);
}

#[test]
fn evidence_token_is_a_secret() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/verifications/ver_2hJ8xKq/evidence"),
        200,
        r#"{"token":{"id_token":"eyJhbGciOiJSUzI1NiJ9.UPSTREAM","access_token":"at_UPSTREAM_1"},
            "names":"id_token;access_token"}"#,
    );
    let evidence = app(&server).verification(VER).evidence().unwrap();
    m.assert();
    assert_eq!(evidence.names(), ["id_token", "access_token"]);
    assert_eq!(evidence.token.expose()["access_token"], "at_UPSTREAM_1");
    assert_hidden(&format!("{evidence:?}"), &["UPSTREAM", "eyJ"]);

    let m = answer(
        mock(&mut server, "GET", "/verifications/ver_other/evidence"),
        400,
        r#"{"error":{"code":"evidence_not_available","message":"No evidence for this verification"}}"#,
    );
    let e = app(&server)
        .verification("ver_other")
        .evidence()
        .unwrap_err();
    m.assert();
    assert_eq!(e.code(), Some("evidence_not_available"));
}

#[test]
fn an_evidence_body_that_does_not_decode_never_shows_its_token() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/verifications/ver_2hJ8xKq/evidence"),
        200,
        r#"{"token":{"id_token":"eyJUPSTREAMSECRET"},"names":5,"extra":{"evidence":"raw_evidence_1234"}}"#,
    );
    let e = app(&server).verification(VER).evidence().unwrap_err();
    m.assert();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    assert!(e.to_string().contains("names"), "{e}");
    assert_hidden(&format!("{e} {e:?}"), &["UPSTREAMSECRET", "raw_evidence"]);

    // A decode error that quotes a value the body also holds as provenance or evidence
    // shows neither.
    let m = answer(
        mock(&mut server, "GET", "/verifications/ver_2hJ8xKq/userinfo"),
        200,
        r#"{"sub":"s","hopae_loa":"raw_evidence_1234","provenance":{"credentials":[{"evidence":"raw_evidence_1234"}]}}"#,
    );
    let e = app(&server).verification(VER).userinfo().unwrap_err();
    m.assert();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    assert!(e.to_string().contains("hopae_loa"), "{e}");
    assert_hidden(&format!("{e} {e:?}"), &["raw_evidence"]);
}

#[test]
fn rfc7807_errors_decode_in_both_forms_with_the_request_id() {
    for body in [
        r#"{"title":"AUTH_INVALID_CREDENTIALS","status":401,"detail":"Invalid client credentials",
            "instance":"/connect/v1/verifications/ver_2hJ8xKq","timestamp":"2026-04-08T10:00:00Z",
            "context":{"clientId":"FK5b0KSM"},"doc_url":"https://docs.hopae.com/errors#auth"}"#,
        r#"{"type":"urn:org:hopae:problem-type:client/100001","title":"AUTH.INVALID_CREDENTIALS",
            "status":401,"code":100001,"detail":"Invalid client credentials"}"#,
    ] {
        let mut server = Server::new();
        let m = mock(&mut server, "GET", "/verifications/ver_2hJ8xKq")
            .with_status(401)
            .with_header("content-type", "application/problem+json")
            .with_header("x-request-id", "req-401")
            .with_body(body)
            .create();
        let e = app(&server).verification(VER).get().unwrap_err();
        m.assert();
        assert_eq!(e.code(), Some("AUTH_INVALID_CREDENTIALS"), "{body}");
        assert_eq!(api_error(&e).message(), Some("Invalid client credentials"));
        assert_eq!(e.request_id(), Some("req-401"));
        assert_hidden(&format!("{e} {e:?}"), &[]);
    }
}

#[test]
fn echoed_credentials_never_reach_an_error() {
    let mut server = Server::new();
    let m = answer(
        mock(&mut server, "GET", "/providers"),
        401,
        &json!({"title": "AUTH_INVALID_CREDENTIALS", "status": 401,
                "detail": format!("bad header {BASIC} for secret {CLIENT_SECRET}"),
                "context": {"authorization": BASIC}})
        .to_string(),
    );
    let e = app(&server).providers().list().unwrap_err();
    m.assert();
    assert_hidden(&format!("{e} {e:?}"), &[]);
    assert!(e.to_string().contains("[redacted]"), "{e}");
}

#[test]
fn clients_and_handles_never_show_the_secret() {
    let server = Server::new();
    let app = app(&server);
    assert_hidden(&format!("{app:?}"), &[]);
    assert_hidden(&format!("{:?}", app.verification(VER)), &[]);
    assert_hidden(&format!("{:?}", app.verifications()), &[]);
    assert_hidden(&format!("{:?}", app.providers()), &[]);
    let builder = AppClient::builder(CLIENT_ID, CLIENT_SECRET);
    assert_hidden(&format!("{builder:?}"), &[]);
}

// --- wait -----------------------------------------------------------------------------

fn session(status: &str, extra: Value) -> String {
    let mut v = json!({"verificationId": VER, "status": status});
    if let (Some(map), Value::Object(more)) = (v.as_object_mut(), extra) {
        map.extend(more);
    }
    v.to_string()
}

/// A GET of the session answered `hits` times with `body`; mockito serves mocks in
/// creation order until each has its hits, so consecutive calls build a sequence.
fn poll(server: &mut ServerGuard, body: String, hits: usize) -> Mock {
    mock(server, "GET", "/verifications/ver_2hJ8xKq")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(body)
        .expect(hits)
        .create()
}

fn created(extra: Value) -> Verification {
    serde_json::from_str(&session("initiated", extra)).unwrap()
}

fn wait_error(result: Result<Verification, Error>) -> WaitError {
    match result {
        Err(Error::Wait(e)) => *e,
        other => panic!("expected a wait error, got {other:?}"),
    }
}

#[test]
fn wait_returns_at_a_terminal_status_whatever_the_outcome() {
    for terminal in ["completed", "failed", "expired", "cancelled"] {
        let mut server = Server::new();
        let pending = poll(&mut server, session("awaiting_user_action", json!({})), 1);
        let done = poll(&mut server, session(terminal, json!({})), 1);
        let v = app(&server)
            .verification(VER)
            .wait(
                &WaitOptions::new()
                    .interval(Duration::from_millis(500))
                    .timeout(Duration::from_secs(20)),
            )
            .unwrap();
        pending.assert();
        done.assert();
        assert_eq!(v.status.as_str(), terminal);
        assert!(v.status.is_terminal());
    }
}

#[test]
fn wait_with_sees_every_poll_and_a_changed_qr_code() {
    let mut server = Server::new();
    let qr = |data: &str| {
        session(
            "awaiting_user_action",
            json!({"flowType": "qr", "flowDetails": {"qrData": data}}),
        )
    };
    let a = poll(&mut server, qr("bankidse:///?token=A"), 1);
    let b = poll(&mut server, qr("bankidse:///?token=B"), 1);
    let done = poll(&mut server, session("completed", json!({})), 1);
    let mut drawn: Vec<String> = Vec::new();
    let mut polls = 0;
    let seeded = created(json!({"polling": {"recommendedInterval": 500}}));
    let app = app(&server);
    let v = app
        .verification_from(&seeded)
        .wait_with(
            &WaitOptions::new().timeout(Duration::from_secs(20)),
            |seen: &Verification| {
                polls += 1;
                if let NextAction::ShowQr { data } = seen.next_action()
                    && drawn.last().map(String::as_str) != Some(data)
                {
                    drawn.push(data.to_owned());
                }
            },
        )
        .unwrap();
    a.assert();
    b.assert();
    done.assert();
    assert_eq!(v.status, VerificationStatus::Completed);
    assert_eq!(polls, 3);
    assert_eq!(drawn, ["bankidse:///?token=A", "bankidse:///?token=B"]);
}

#[test]
fn wait_honours_the_recommended_interval_of_the_create_response() {
    // A 60 s recommendation within a 1.5 s timeout: one poll at once and one at the
    // deadline, where the caller's 500 ms would have made four.
    let mut server = Server::new();
    let m = poll(&mut server, session("awaiting_user_action", json!({})), 2);
    let seeded = created(json!({"polling": {"recommendedInterval": 60000}}));
    let e = wait_error(
        app(&server).verification_from(&seeded).wait(
            &WaitOptions::new()
                .interval(Duration::from_millis(500))
                .timeout(Duration::from_millis(1500)),
        ),
    );
    m.assert();
    assert!(e.is_timed_out(), "{e}");
    match e {
        WaitError::VerificationTimedOut {
            polls,
            expired,
            last_status,
            ..
        } => {
            assert_eq!(polls, 2);
            assert!(!expired);
            assert_eq!(last_status.as_deref(), Some("awaiting_user_action"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wait_never_polls_faster_than_500_ms() {
    // A 1 ms recommendation (in a poll's answer) within a 1.2 s timeout: at most the
    // polls at 0, 0.5, 1.0 and 1.2 s.
    let mut server = Server::new();
    let m = mock(&mut server, "GET", "/verifications/ver_2hJ8xKq")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(session(
            "awaiting_user_action",
            json!({"polling": {"recommendedInterval": 1}}),
        ))
        .expect_at_least(2)
        .create();
    let counted = Arc::new(Mutex::new(0u32));
    let c = Arc::clone(&counted);
    let e = wait_error(
        app(&server).verification(VER).wait(
            &WaitOptions::new()
                .timeout(Duration::from_millis(1200))
                .on_poll(move |p| *c.lock().unwrap() = p.polls),
        ),
    );
    m.assert();
    let WaitError::VerificationTimedOut { polls, .. } = e else {
        panic!("{e:?}")
    };
    assert!((2..=4).contains(&polls), "{polls} polls");
    assert!(*counted.lock().unwrap() <= 4);
}

#[test]
fn wait_uses_two_seconds_when_nothing_sets_the_interval() {
    // Within a 1 s timeout, a 2 s default makes one poll at once and one at the
    // deadline; anything below 1 s would make more.
    let mut server = Server::new();
    let m = poll(&mut server, session("initiated", json!({})), 2);
    let e = wait_error(
        app(&server)
            .verification(VER)
            .wait(&WaitOptions::new().timeout(Duration::from_secs(1))),
    );
    m.assert();
    assert!(e.is_timed_out());
    assert!(e.to_string().starts_with("verification ver_2hJ8xKq"), "{e}");
}

#[test]
fn wait_past_expires_at_polls_once_more_then_times_out() {
    // Expired 10 s ago (past the 5 s grace): the one more poll is the first.
    let mut server = Server::new();
    let past = ts(OffsetDateTime::now_utc() - Duration::from_secs(10));
    let m = poll(
        &mut server,
        session("awaiting_user_action", json!({"expiresAt": past})),
        1,
    );
    let e = wait_error(
        app(&server)
            .verification(VER)
            .wait(&WaitOptions::new().timeout(Duration::from_secs(20))),
    );
    m.assert();
    match &e {
        WaitError::VerificationTimedOut { expired, polls, .. } => {
            assert!(*expired);
            assert_eq!(*polls, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("expir"), "{e}");
}

#[test]
fn wait_polls_at_expires_at_plus_grace_and_returns_a_terminal_answer() {
    // Expired 4 s ago: the grace ends in 1 s, well before the 60 s recommendation;
    // the poll then reports `expired`, which is a result.
    let mut server = Server::new();
    let at = ts(OffsetDateTime::now_utc() - Duration::from_millis(4000));
    let first = poll(
        &mut server,
        session("awaiting_user_action", json!({"expiresAt": at})),
        1,
    );
    let last = poll(&mut server, session("expired", json!({"expiresAt": at})), 1);
    let seeded = created(json!({"polling": {"recommendedInterval": 60000}}));
    let v = app(&server)
        .verification_from(&seeded)
        .wait(&WaitOptions::new().timeout(Duration::from_secs(30)))
        .unwrap();
    first.assert();
    last.assert();
    assert_eq!(v.status, VerificationStatus::Expired);
}

#[test]
fn wait_with_an_expiry_at_the_end_of_time_neither_panics_nor_stops_early() {
    let mut server = Server::new();
    let far = poll(
        &mut server,
        session(
            "awaiting_user_action",
            json!({"expiresAt": "9999-12-31T23:59:59Z"}),
        ),
        1,
    );
    let done = poll(&mut server, session("completed", json!({})), 1);
    let seeded = created(json!({"expiresAt": "9999-12-31T23:59:59.999Z"}));
    let v = app(&server)
        .verification_from(&seeded)
        .wait(
            &WaitOptions::new()
                .interval(Duration::from_millis(500))
                .timeout(Duration::from_secs(20)),
        )
        .unwrap();
    far.assert();
    done.assert();
    assert_eq!(v.status, VerificationStatus::Completed);
}

#[test]
fn wait_reads_a_404_after_the_session_was_seen_as_cancelled() {
    let mut server = Server::new();
    let seen = poll(
        &mut server,
        session("awaiting_user_action", json!({"providerId": "mitid"})),
        1,
    );
    let gone = answer(
        mock(&mut server, "GET", "/verifications/ver_2hJ8xKq"),
        404,
        r#"{"title":"SESSION_NOT_FOUND","status":404,"detail":"no such session"}"#,
    );
    let v = app(&server)
        .verification(VER)
        .wait(
            &WaitOptions::new()
                .interval(Duration::from_millis(500))
                .timeout(Duration::from_secs(20)),
        )
        .unwrap();
    seen.assert();
    gone.assert();
    assert_eq!(v.status, VerificationStatus::Cancelled);
    assert_eq!(v.provider_id.as_deref(), Some("mitid"));
}

#[test]
fn wait_on_an_unknown_session_is_the_api_error() {
    let mut server = Server::new();
    let gone = answer(
        mock(&mut server, "GET", "/verifications/ver_2hJ8xKq"),
        404,
        r#"{"title":"SESSION_NOT_FOUND","status":404,"detail":"no such session"}"#,
    );
    let e = app(&server)
        .verification(VER)
        .wait(&WaitOptions::new().timeout(Duration::from_secs(20)))
        .unwrap_err();
    gone.assert();
    assert_eq!(e.code(), Some("SESSION_NOT_FOUND"));
}
