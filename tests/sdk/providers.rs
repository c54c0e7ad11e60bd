//! Providers and activation: both shapes of the list, each activation endpoint's
//! request and response, the multipart upload checked part by part (and byte-identical
//! when retried), bulk activation's partial success, and every pre-send check.

use crate::support as common;

use std::sync::{Arc, Mutex};

use common::{
    CLIENT_ID, assert_error_hygiene, client, fixture, retrying_client, with_common_headers,
};
use hopae::Error;
use hopae::providers::{
    ActivationForm, ActivationOutcome, ActivationState, ActivationStatus, BulkActivation, Document,
    DocumentState, FormStatus, MAX_DOCUMENT_BYTES, StepType,
};
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::json;

const MITID: &str = "/apps/FK5b0KSM/providers/mitid";

fn get(server: &mut ServerGuard, path: &str, body: &str) -> Mock {
    common::bodyless(server, "GET", path)
        .with_header("content-type", "application/json")
        .with_body(body)
        .create()
}

#[test]
fn list_reads_the_openapi_shape() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        "/apps/FK5b0KSM/providers",
        &fixture("providers_openapi.json"),
    );
    let list = client(&server).app(CLIENT_ID).providers().list().unwrap();
    m.assert();
    let ids: Vec<&str> = list.iter().map(|p| p.provider_id.as_str()).collect();
    assert_eq!(ids, ["mitid", "passport", "ftn"]);
    assert_eq!(list[0].enabled, Some(true));
    assert_eq!(list[0].state, Some(ActivationState::InProgress));
    assert_eq!(list[0].current_step, Some(json!("activation-form")));
    assert_eq!(
        (list[0].current_step_index, list[0].step_count),
        (Some(1), Some(3))
    );
    assert_eq!(
        list[2].state,
        Some(ActivationState::Other("paused_by_hopae".into()))
    );
    assert_eq!(
        list[0].name, None,
        "catalog fields are absent in this shape"
    );
}

#[test]
fn list_reads_the_bare_catalog_array() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        "/apps/FK5b0KSM/providers",
        &fixture("providers_catalog.json"),
    );
    let list = client(&server).app(CLIENT_ID).providers().list().unwrap();
    m.assert();
    assert_eq!(list.len(), 2);
    let mitid = &list[0];
    assert_eq!(mitid.provider_id, "mitid");
    assert_eq!(mitid.name.as_deref(), Some("MitID"));
    assert_eq!(mitid.countries.as_deref(), Some(&["DK".to_owned()][..]));
    assert_eq!(mitid.provider_type.as_deref(), Some("national_eid"));
    assert_eq!(mitid.loa, Some(json!("substantial")));
    assert_eq!(mitid.need_action, Some(true));
    assert_eq!(mitid.status.as_deref(), Some("activation_requested"));
    assert_eq!(mitid.activation.as_ref().unwrap()["id"], "act_9f2");
    assert_eq!(
        mitid.enabled, None,
        "activation fields are absent in this shape"
    );
    assert_eq!(list[1].provider_id, "passport");
    assert_eq!(list[1].loa, Some(json!(3)));
}

#[test]
fn a_list_entry_without_an_id_is_a_decode_error_naming_it() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        "/apps/FK5b0KSM/providers",
        r#"{"providers":[{"providerId":"a"},{"enabled":true}],"total":2}"#,
    );
    let e = client(&server)
        .app(CLIENT_ID)
        .providers()
        .list()
        .unwrap_err();
    m.assert();
    let d = common::decode_error(&e);
    assert!(
        d.message()
            .starts_with("at `providers[1]`: missing field `providerId`"),
        "{}",
        d.message()
    );
}

#[test]
fn activation_steps_decode_every_step_kind() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        &format!("{MITID}/activation/steps"),
        &fixture("activation_steps.json"),
    );
    let steps = client(&server)
        .app(CLIENT_ID)
        .provider("mitid")
        .activation_steps()
        .unwrap();
    m.assert();
    assert_eq!(steps.provider_id, "mitid");
    assert_eq!(steps.current_step_index, 1);
    assert_eq!(steps.steps[1].step_type, StepType::ActivationForm);
    let fields = &steps.steps[1].required_fields;
    assert_eq!(fields[0].name, "companyName");
    assert_eq!(fields[0].help_text.as_deref(), Some("As registered"));
    assert_eq!(fields[1].value, Some(json!(false)));
    assert_eq!(steps.steps[2].step_type, StepType::Upload);
    assert_eq!(steps.steps[2].documents[1].optional, Some(true));
    assert_eq!(steps.steps[2].documents[1].template_url, None);
    assert_eq!(
        steps.steps[3].step_type,
        StepType::Other("broker-review".into())
    );
    assert!(steps.steps[3].required_fields.is_empty());
}

#[test]
fn provider_ids_are_encoded_as_one_segment() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        "/apps/FK5b0KSM/providers/a%2F..%3Fb/activation/steps",
        &fixture("activation_steps.json"),
    );
    client(&server)
        .app(CLIENT_ID)
        .provider("a/..?b")
        .activation_steps()
        .unwrap();
    m.assert();
}

#[test]
fn set_enabled_patches_enabled() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock("PATCH", &*format!("{MITID}/activation")))
        .match_header("content-type", "application/json")
        .match_header("idempotency-key", Matcher::Missing)
        .match_body(Matcher::Json(json!({"enabled": true})))
        .with_body(r#"{"providerId":"mitid","enabled":true,"currentStep":"activation-form"}"#)
        .create();
    let toggled = client(&server)
        .app(CLIENT_ID)
        .provider("mitid")
        .set_enabled(true)
        .unwrap();
    m.assert();
    assert!(toggled.enabled);
    assert_eq!(toggled.provider_id, "mitid");
    assert_eq!(toggled.current_step, Some(json!("activation-form")));
}

#[test]
fn submit_activation_form_posts_data_and_the_company_flag() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock("POST", &*format!("{MITID}/activation/form")))
        .match_header("content-type", "application/json")
        .match_header(
            "idempotency-key",
            Matcher::Regex(common::GENERATED_KEY.into()),
        )
        .match_body(Matcher::Json(json!({
            "data": {"companyName": "Shop AB", "acceptTerms": true},
            "saveToCompanyInfo": true
        })))
        .with_status(201)
        .with_body(fixture("activation_form.json"))
        .create();
    let receipt = client(&server)
        .app(CLIENT_ID)
        .provider("mitid")
        .submit_activation_form(
            &ActivationForm::new()
                .field("companyName", "Shop AB")
                .field("acceptTerms", true)
                .save_to_company_info(true),
        )
        .unwrap();
    m.assert();
    assert_eq!(receipt.form_id, "form_51c0");
    assert_eq!(receipt.status, FormStatus::Submitted);
    assert_eq!(receipt.data.expose()["companyName"], "Shop AB");
}

#[test]
fn a_form_without_the_company_flag_omits_it() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock("POST", &*format!("{MITID}/activation/form")))
        .match_body(Matcher::Json(json!({"data": {"companyName": "Shop AB"}})))
        .with_status(201)
        .with_body(fixture("activation_form.json"))
        .create();
    client(&server)
        .app(CLIENT_ID)
        .provider("mitid")
        .submit_activation_form(&ActivationForm::new().field("companyName", "Shop AB"))
        .unwrap();
    m.assert();
}

/// One part of a `multipart/form-data` body: its header lines and its bytes.
#[derive(Debug)]
struct Part {
    headers: Vec<String>,
    data: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Parses a multipart body strictly (RFC 2046): the boundary from the content type,
/// a delimiter line before each part, headers up to a blank line, the close delimiter
/// at the very end.
fn parse_multipart(content_type: &str, body: &[u8]) -> Vec<Part> {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("content type {content_type:?}"));
    assert!(!boundary.is_empty() && boundary.len() <= 70, "{boundary}");
    let delimiter = format!("--{boundary}\r\n");
    let between = format!("\r\n--{boundary}");
    assert!(
        body.starts_with(delimiter.as_bytes()),
        "no opening delimiter"
    );
    let mut parts = Vec::new();
    let mut at = delimiter.len();
    loop {
        let head_end = find(body, b"\r\n\r\n", at).expect("a blank line after the headers");
        let headers = String::from_utf8(body[at..head_end].to_vec())
            .unwrap()
            .split("\r\n")
            .map(str::to_owned)
            .collect();
        let data_start = head_end + 4;
        let end = find(body, between.as_bytes(), data_start).expect("a delimiter after a part");
        parts.push(Part {
            headers,
            data: body[data_start..end].to_vec(),
        });
        let rest = &body[end + between.len()..];
        if rest == b"--\r\n" {
            return parts;
        }
        assert!(rest.starts_with(b"\r\n"), "delimiter not followed by CRLF");
        at = end + between.len() + 2;
    }
}

/// What one upload attempt sent.
#[derive(Debug, Clone, PartialEq)]
struct Sent {
    content_type: String,
    idempotency_key: String,
    body: Vec<u8>,
}

/// An upload mock answering `status` with `body`, recording each request it answers.
fn upload_mock(
    server: &mut ServerGuard,
    status: usize,
    body: String,
    sent: &Arc<Mutex<Vec<Sent>>>,
) -> Mock {
    let log = sent.clone();
    with_common_headers(server.mock("POST", &*format!("{MITID}/activation/documents")))
        .match_header(
            "content-type",
            Matcher::Regex(r"^multipart/form-data; boundary=hopae-[0-9a-f]{32}$".into()),
        )
        .match_header(
            "idempotency-key",
            Matcher::Regex(common::GENERATED_KEY.into()),
        )
        .with_status(status)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |req| {
            let header = |name: &str| {
                req.header(name)
                    .first()
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default()
            };
            log.lock().unwrap().push(Sent {
                content_type: header("content-type"),
                idempotency_key: header("idempotency-key"),
                body: req.body().unwrap().clone(),
            });
            body.clone().into_bytes()
        })
        .create()
}

fn documents() -> Vec<Document> {
    // Bytes a naive body builder could break: CRLFs, a fake delimiter, every byte value.
    let pdf = b"%PDF-1.7\r\n--\r\n\r\n%%EOF".to_vec();
    let png: Vec<u8> = (0..=255).collect();
    vec![
        Document::new("contract.pdf", "application/pdf", pdf),
        Document::new("extrait-ø.png", "image/png", png),
    ]
}

#[test]
fn upload_sends_one_files_part_per_document() {
    let mut server = Server::new();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let m = upload_mock(&mut server, 201, fixture("uploaded_documents.json"), &sent);
    let docs = documents();
    let uploaded = client(&server)
        .app(CLIENT_ID)
        .provider("mitid")
        .upload_documents(&docs)
        .unwrap();
    m.assert();
    assert_eq!(uploaded.len(), 2);
    assert_eq!(uploaded[0].document_id, "doc_7a1");
    assert_eq!(uploaded[0].file_size, 14);
    assert_eq!(uploaded[0].state, DocumentState::Pending);
    assert_eq!(uploaded[1].state, DocumentState::Processed);

    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 1);
    let parts = parse_multipart(&sent[0].content_type, &sent[0].body);
    assert_eq!(parts.len(), 2);
    assert_eq!(
        parts[0].headers,
        [
            r#"Content-Disposition: form-data; name="files"; filename="contract.pdf""#,
            "Content-Type: application/pdf",
        ]
    );
    assert_eq!(parts[0].data, docs[0].bytes);
    assert_eq!(
        parts[1].headers,
        [
            r#"Content-Disposition: form-data; name="files"; filename="extrait-ø.png""#,
            "Content-Type: image/png",
        ]
    );
    assert_eq!(parts[1].data, docs[1].bytes);
}

#[test]
fn a_retried_upload_sends_the_same_bytes_and_key() {
    let mut server = Server::new();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let unavailable = upload_mock(
        &mut server,
        503,
        common::envelope("SERVICE_UNAVAILABLE", "try again", json!({})),
        &sent,
    )
    .expect(1);
    let created = upload_mock(&mut server, 201, fixture("uploaded_documents.json"), &sent);
    let uploaded = retrying_client(&server, 2)
        .app(CLIENT_ID)
        .provider("mitid")
        .upload_documents(&documents())
        .unwrap();
    unavailable.assert();
    created.assert();
    assert_eq!(uploaded.len(), 2);
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], sent[1], "the retry differs from the first attempt");
    assert_eq!(
        parse_multipart(&sent[1].content_type, &sent[1].body).len(),
        2
    );
}

#[test]
fn two_uploads_use_different_boundaries() {
    let mut server = Server::new();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let m = upload_mock(&mut server, 201, fixture("uploaded_documents.json"), &sent).expect(2);
    let c = client(&server);
    for _ in 0..2 {
        c.app(CLIENT_ID)
            .provider("mitid")
            .upload_documents(&documents())
            .unwrap();
    }
    m.assert();
    let sent = sent.lock().unwrap();
    assert_ne!(sent[0].content_type, sent[1].content_type);
    assert_ne!(sent[0].idempotency_key, sent[1].idempotency_key);
}

#[test]
fn an_upload_refused_by_the_server_is_its_api_error() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock(
        "POST",
        "/apps/FK5b0KSM/providers/mitid/activation/documents",
    ))
    .with_status(400)
    .with_body(common::envelope(
        "VALIDATION_STEP_NOT_APPLICABLE",
        "mitid has no upload step",
        json!({}),
    ))
    .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .provider("mitid")
        .upload_documents(&documents())
        .unwrap_err();
    m.assert();
    assert_eq!(e.code(), Some("VALIDATION_STEP_NOT_APPLICABLE"));
}

#[test]
fn delete_document_succeeds_on_deleted_true() {
    let mut server = Server::new();
    let m = with_common_headers(
        server.mock("DELETE", &*format!("{MITID}/activation/documents/doc_7a1")),
    )
    .match_header("content-type", Matcher::Missing)
    .match_header("idempotency-key", Matcher::Missing)
    .with_body(r#"{"deleted":true}"#)
    .create();
    client(&server)
        .app(CLIENT_ID)
        .provider("mitid")
        .delete_document("doc_7a1")
        .unwrap();
    m.assert();
}

#[test]
fn delete_document_answered_deleted_false_is_an_error() {
    let mut server = Server::new();
    let m = with_common_headers(
        server.mock("DELETE", &*format!("{MITID}/activation/documents/doc_7a1")),
    )
    .with_body(r#"{"deleted":false}"#)
    .create();
    let e = client(&server)
        .app(CLIENT_ID)
        .provider("mitid")
        .delete_document("doc_7a1")
        .unwrap_err();
    m.assert();
    assert_error_hygiene(&e);
    assert_eq!(e.status(), Some(200));
    assert!(matches!(e, Error::Api(_)), "{e:?}");
    assert!(e.to_string().contains("reports failure"), "{e}");
}

#[test]
fn bulk_activation_keeps_refused_providers_as_values() {
    let mut server = Server::new();
    let m = with_common_headers(server.mock("POST", "/apps/FK5b0KSM/activation"))
        .match_header("content-type", "application/json")
        .match_header(
            "idempotency-key",
            Matcher::Regex(common::GENERATED_KEY.into()),
        )
        .match_body(Matcher::Json(json!({"providers": {
            "passport": {},
            "idin": {"kvkNumber": "12345678"},
            "mitid": {"companyName": "Shop AB", "acceptTerms": true}
        }})))
        .with_body(fixture("bulk_activation.json"))
        .create();
    let result = client(&server)
        .app(CLIENT_ID)
        .providers()
        .activate(
            &BulkActivation::new()
                .provider("passport")
                .field("idin", "kvkNumber", "12345678")
                .field("mitid", "companyName", "Shop AB")
                .field("mitid", "acceptTerms", true),
        )
        .unwrap();
    m.assert();
    let accepted: Vec<(&str, &ActivationStatus)> =
        result.accepted().map(|(id, r)| (id, &r.status)).collect();
    assert_eq!(
        accepted,
        [
            ("idin", &ActivationStatus::ActivationRequested),
            ("passport", &ActivationStatus::Activated)
        ]
    );
    match &result.results["mitid"] {
        ActivationOutcome::Refused(r) => {
            assert_eq!(r.error, "contract_activation_required");
            assert_eq!(
                r.message.as_deref(),
                Some("MitID needs a signed broker contract")
            );
            assert_eq!(r.contact, Some(json!("sales@hopae.com")));
        }
        other => panic!("{other:?}"),
    }
}

/// Every pre-send check, with a server that must see nothing.
#[test]
fn invalid_inputs_are_refused_before_sending() {
    let mut server = Server::new();
    let never = common::expect_no_requests(&mut server);
    let c = client(&server);
    let mitid = c.app(CLIENT_ID).provider("mitid");
    let pdf = |name: &str, ct: &str, bytes: Vec<u8>| Document::new(name, ct, bytes);
    let ok = || pdf("a.pdf", "application/pdf", b"%PDF".to_vec());
    let uploads: Vec<(Vec<Document>, &str)> = vec![
        (vec![], "an upload takes 1 to 10 documents, got 0"),
        (vec![ok(); 11], "an upload takes 1 to 10 documents, got 11"),
        (
            vec![
                ok(),
                pdf(
                    "big.pdf",
                    "application/pdf",
                    vec![b'x'; MAX_DOCUMENT_BYTES + 1],
                ),
            ],
            "`documents[1]`: the file has 10485761 bytes, at most 10485760 (10 MB) are allowed",
        ),
        (
            vec![pdf("a\".pdf", "application/pdf", b"x".to_vec())],
            "`documents[0]`: the file name must not contain",
        ),
        (
            vec![pdf(
                "a.pdf\r\nContent-Type: text/html",
                "application/pdf",
                b"x".to_vec(),
            )],
            "`documents[0]`: the file name must not contain",
        ),
        (
            vec![pdf("a.pdf", "application/pdf\r\nX-Evil: 1", b"x".to_vec())],
            "`documents[0]`: the content type must look like `application/pdf`",
        ),
        (
            vec![pdf("a.pdf", "application/pdf", Vec::new())],
            "`documents[0]`: the file is empty",
        ),
        (
            vec![pdf(" ", "application/pdf", b"x".to_vec())],
            "`documents[0]`: the file name must not be empty",
        ),
    ];
    for (docs, expected) in uploads {
        let e = mitid.upload_documents(&docs).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert!(e.to_string().contains(expected), "{e} vs {expected}");
        assert_error_hygiene(&e);
    }
    let others = [
        (
            mitid
                .submit_activation_form(&ActivationForm::new())
                .unwrap_err(),
            "an activation form must have at least one field",
        ),
        (
            mitid
                .submit_activation_form(&ActivationForm::new().field("", "x"))
                .unwrap_err(),
            "field name must not be empty",
        ),
        (
            c.app(CLIENT_ID)
                .providers()
                .activate(&BulkActivation::new())
                .unwrap_err(),
            "a bulk activation must name at least one provider",
        ),
        (
            c.app(CLIENT_ID)
                .providers()
                .activate(&BulkActivation::new().field("mitid", "n", json!([1])))
                .unwrap_err(),
            "provider `mitid`: field `n` must be a string or a boolean",
        ),
        (
            c.app(CLIENT_ID)
                .provider("..")
                .activation_steps()
                .unwrap_err(),
            "`provider_id` must not be `.` or `..`",
        ),
        (
            c.app(CLIENT_ID).provider("").set_enabled(true).unwrap_err(),
            "`provider_id` must not be empty",
        ),
        (
            mitid.delete_document("").unwrap_err(),
            "`document_id` must not be empty",
        ),
        (
            c.app(".").providers().list().unwrap_err(),
            "`client_id` must not be `.` or `..`",
        ),
    ];
    for (e, expected) in others {
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert!(e.to_string().contains(expected), "{e} vs {expected}");
    }
    never.iter().for_each(Mock::assert);
}
