//! `hopae providers` against mockito: each command's request and output, `--json` as the
//! body the API sent, uploads (a multipart body with the files' names and types), the
//! per-provider map of `activate`, and the confirmation of `delete-document`.

use crate::common;

use common::{APP, TempDir, answer, no_requests, printed, run};
use mockito::{Matcher, Server};
use serde_json::json;

const STEPS_PATH: &str = "/apps/FK5b0KSM/providers/ftn/activation/steps";
const DOCUMENTS_PATH: &str = "/apps/FK5b0KSM/providers/ftn/activation/documents";

#[test]
fn list_prints_a_table_of_either_shape_and_json_is_the_body_as_sent() {
    let mut server = Server::new();
    let body = r#"{"providers":[
      {"providerId":"mitid","enabled":true,"state":"in_progress","currentStep":"activation-form","currentStepIndex":1,"stepCount":3},
      {"providerId":"bankidse","enabled":false,"state":"completed","currentStep":"activated","currentStepIndex":2,"stepCount":3,"newField":1}],
      "total":2}"#;
    let m = answer(&mut server, "GET", "/apps/FK5b0KSM/providers", 200, body, 2);
    let r = run(&server, &["providers", "list", APP]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
PROVIDER  ENABLED  STATE        STEP
mitid     yes      in_progress  2 of 3: activation-form
bankidse  no       completed    3 of 3: activated
"
    );
    let r = run(&server, &["providers", "list", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();

    let catalog = r#"[{"id":"mitid","name":"MitID","countries":["DK"],"status":"active"}]"#;
    let m = answer(
        &mut server,
        "GET",
        "/apps/FK5b0KSM/providers",
        200,
        catalog,
        1,
    );
    let r = run(&server, &["providers", "list", APP]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "PROVIDER  NAME   ENABLED  STATE   STEP\nmitid     MitID  -        active  -\n"
    );
    m.assert();
}

const STEPS: &str = r#"{"providerId":"ftn","state":"in_progress","currentStepIndex":1,"steps":[
  {"type":"enable","title":"Enable FTN"},
  {"type":"activation-form","title":"Company details","requiredFields":[
    {"label":"Company name","name":"companyName","value":"","type":"text","example":"Example Oy"}]},
  {"type":"upload","title":"Documents","documents":[{"label":"Signed agreement","templateUrl":"https://example.com/a.pdf"}],
   "uploaded":[{"documentId":"doc_1","fileName":"old.pdf","state":"rejected"}]},
  {"type":"activated","title":"Activated"}]}"#;

#[test]
fn steps_show_the_progress_and_what_each_step_asks_for() {
    let mut server = Server::new();
    let m = answer(&mut server, "GET", STEPS_PATH, 200, STEPS, 2);
    let r = run(&server, &["providers", "steps", APP, "ftn"]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
provider  ftn
state     in_progress
step      2 of 4: activation-form

#  TYPE             TITLE
1  enable           Enable FTN       done
2  activation-form  Company details  current
3  upload           Documents
4  activated        Activated

step 2, fields (hopae providers submit-form FK5b0KSM ftn --field NAME=VALUE ...):
NAME         LABEL         VALUE  EXAMPLE
companyName  Company name  -      Example Oy

step 3, documents (hopae providers upload FK5b0KSM ftn FILE ...):
DOCUMENT          OPTIONAL  TEMPLATE
Signed agreement  no        https://example.com/a.pdf

step 3, uploaded:
DOCUMENT  FILE     STATE
doc_1     old.pdf  rejected
"
    );
    let r = run(&server, &["providers", "steps", APP, "ftn", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(STEPS));
    m.assert();
}

#[test]
fn enable_and_disable_patch_the_activation() {
    let mut server = Server::new();
    let path = "/apps/FK5b0KSM/providers/mitid/activation";
    for (command, enabled, body) in [
        (
            "enable",
            true,
            r#"{"providerId":"mitid","enabled":true,"currentStep":"activation-form"}"#,
        ),
        (
            "disable",
            false,
            r#"{"providerId":"mitid","enabled":false}"#,
        ),
    ] {
        let m = server
            .mock("PATCH", path)
            .match_body(Matcher::Json(json!({ "enabled": enabled })))
            .with_status(200)
            .with_body(body)
            .expect(2)
            .create();
        let r = run(&server, &["providers", command, APP, "mitid"]);
        r.assert_ok();
        let expected = if enabled {
            "enabled provider mitid on app FK5b0KSM; current step: activation-form\n"
        } else {
            "disabled provider mitid on app FK5b0KSM\n"
        };
        assert_eq!(r.stdout, expected);
        let r = run(&server, &["providers", command, APP, "mitid", "--json"]);
        r.assert_ok();
        assert_eq!(r.stdout, printed(body));
        m.assert();
    }
}

#[test]
fn submit_form_sends_the_fields_as_data() {
    let mut server = Server::new();
    let body = r#"{"formId":"form_1","clientId":"FK5b0KSM","providerId":"ftn",
      "data":{"companyName":"Shop Oy","vat":"FI1=2"},"status":"submitted","createdAt":"2026-04-08T10:00:00.000Z"}"#;
    let m = server
        .mock("POST", "/apps/FK5b0KSM/providers/ftn/activation/form")
        .match_body(Matcher::Json(json!({
            "data": {"companyName": "Shop Oy", "vat": "FI1=2"},
            "saveToCompanyInfo": true,
        })))
        .with_status(201)
        .with_body(body)
        .expect(2)
        .create();
    let args = [
        "providers",
        "submit-form",
        APP,
        "ftn",
        "--field",
        "companyName=Shop Oy",
        "--field=vat=FI1=2",
        "--save-to-company-info",
    ];
    let r = run(&server, &args);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
form       form_1
app        FK5b0KSM
provider   ftn
status     submitted
fields     companyName, vat
submitted  2026-04-08 10:00 UTC
"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let r = run(&server, &json_args);
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}

#[test]
fn submit_form_and_activate_refuse_bad_fields_before_any_request() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    for (args, message) in [
        (
            &["providers", "submit-form", APP, "ftn"][..],
            "missing --field <NAME=VALUE>",
        ),
        (
            &["providers", "submit-form", APP, "ftn", "--field", "name"][..],
            "invalid value `name` for --field: expected NAME=VALUE, like companyName=Shop",
        ),
        (
            &[
                "providers",
                "submit-form",
                APP,
                "ftn",
                "--field",
                "a=1",
                "--field",
                "a=2",
            ][..],
            "--field a given more than once",
        ),
        (
            &["providers", "activate", APP][..],
            "nothing to activate: give --field PROVIDER.NAME=VALUE, --field-file PROVIDER.NAME=PATH or --provider ID",
        ),
        (
            &["providers", "activate", APP, "--field", "companyName=Shop"][..],
            "invalid value `companyName=Shop` for --field: expected PROVIDER.NAME=VALUE, like mitid.companyName=Shop",
        ),
    ] {
        run(&server, args).assert_error(2, message);
    }
    none.assert();
}

#[test]
fn upload_sends_each_file_with_its_name_and_guessed_type() {
    let mut server = Server::new();
    let body = r#"{"documents":[
      {"documentId":"doc_1","fileName":"contract.pdf","fileSize":9,"contentType":"application/pdf","uploadedAt":"2026-04-08T10:00:00.000Z","state":"pending"},
      {"documentId":"doc_2","fileName":"notes.txt","fileSize":6,"contentType":"text/plain","uploadedAt":"2026-04-08T10:00:00.000Z","state":"pending"}]}"#;
    let part = |name: &str, content_type: &str, content: &str| {
        Matcher::Regex(format!(
            "Content-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n{content}\r\n--"
        ))
    };
    let m = server
        .mock("POST", DOCUMENTS_PATH)
        .match_header(
            "content-type",
            Matcher::Regex("^multipart/form-data; boundary=.+$".into()),
        )
        .match_header("idempotency-key", Matcher::Regex(".+".into()))
        .match_body(Matcher::AllOf(vec![
            part("contract.pdf", "application/pdf", "%PDF-1.4 "),
            part("notes.txt", "text/plain", "hello\n"),
        ]))
        .with_status(201)
        .with_body(body)
        .expect(2)
        .create();
    let dir = TempDir::new();
    let pdf = dir.file("contract.pdf", b"%PDF-1.4 ");
    let txt = dir.file("notes.txt", b"hello\n");
    let r = run(&server, &["providers", "upload", APP, "ftn", &pdf, &txt]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
DOCUMENT  FILE          BYTES  TYPE             STATE
doc_1     contract.pdf  9      application/pdf  pending
doc_2     notes.txt     6      text/plain       pending

2 documents uploaded
"
    );
    let r = run(
        &server,
        &["providers", "upload", APP, "ftn", &pdf, &txt, "--json"],
    );
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}

#[test]
fn upload_content_type_option_overrides_the_guess() {
    let mut server = Server::new();
    let body = r#"{"documents":[{"documentId":"doc_1","fileName":"scan","fileSize":3,"contentType":"image/tiff","uploadedAt":"2026-04-08T10:00:00.000Z","state":"pending"}]}"#;
    let m = server
        .mock("POST", DOCUMENTS_PATH)
        .match_body(Matcher::Regex(
            "filename=\"scan\"\r\nContent-Type: image/tiff\r\n".into(),
        ))
        .with_status(201)
        .with_body(body)
        .create();
    let dir = TempDir::new();
    let scan = dir.file("scan", b"II*");
    let r = run(
        &server,
        &[
            "providers",
            "upload",
            APP,
            "ftn",
            &scan,
            "--content-type",
            "image/tiff",
        ],
    );
    r.assert_ok();
    assert!(
        r.stdout
            .contains("doc_1     scan  3      image/tiff  pending"),
        "{}",
        r.stdout
    );
    m.assert();
}

#[test]
fn upload_refuses_unreadable_empty_or_too_many_files_before_any_request() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    let dir = TempDir::new();
    let empty = dir.file("empty.pdf", b"");
    let ok = dir.file("ok.pdf", b"%PDF");
    let gone = dir.path().join("gone.pdf");
    let gone = gone.to_str().unwrap().to_owned();
    let eleven: Vec<&str> = std::iter::repeat_n(ok.as_str(), 11).collect();
    let mut too_many = vec!["providers", "upload", APP, "ftn"];
    too_many.extend(&eleven);
    let big = dir.file("big.pdf", &vec![b'x'; 10 * 1024 * 1024 + 1]);
    for (args, message) in [
        (
            vec!["providers", "upload", APP, "ftn", &ok, &empty],
            format!("file {empty} is empty"),
        ),
        (
            vec!["providers", "upload", APP, "ftn", &gone],
            format!("could not read file {gone}: no such file"),
        ),
        (
            vec!["providers", "upload", APP, "ftn", &big],
            format!("file {big} is larger than 10 MiB"),
        ),
        (
            too_many,
            "an upload takes at most 10 files, got 11".to_owned(),
        ),
        (
            vec!["providers", "upload", APP, "ftn", "-"],
            "upload reads files, not stdin".to_owned(),
        ),
        (
            vec!["providers", "upload", APP, "ftn"],
            "missing <FILE>".to_owned(),
        ),
        (
            vec![
                "providers",
                "upload",
                APP,
                "ftn",
                &ok,
                "--content-type",
                "application/pdf\r\nX-Evil: 1",
            ],
            format!("file {ok}: the content type must look like `application/pdf`"),
        ),
    ] {
        run(&server, &args).assert_error(2, &message);
    }
    none.assert();
}

#[test]
fn upload_to_a_provider_without_an_upload_step_exits_1() {
    let mut server = Server::new();
    let m = answer(
        &mut server,
        "POST",
        "/apps/FK5b0KSM/providers/mitid/activation/documents",
        400,
        r#"{"error":{"code":"VALIDATION_STEP_NOT_APPLICABLE","message":"MitID has no document upload step"}}"#,
        1,
    );
    let dir = TempDir::new();
    let pdf = dir.file("a.pdf", b"%PDF");
    run(&server, &["providers", "upload", APP, "mitid", &pdf])
        .assert_error(1, "VALIDATION_STEP_NOT_APPLICABLE");
    m.assert();
}

#[test]
fn delete_document_needs_yes_without_a_terminal_and_then_deletes() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    run(
        &server,
        &["providers", "delete-document", APP, "ftn", "doc_1"],
    )
    .assert_error(
        2,
        "pass --yes to delete document doc_1 of provider ftn on app FK5b0KSM (it cannot be undone",
    );
    none.assert();
    let mut server = Server::new();
    let m = answer(
        &mut server,
        "DELETE",
        "/apps/FK5b0KSM/providers/ftn/activation/documents/doc_1",
        200,
        r#"{"deleted":true}"#,
        2,
    );
    let r = run(
        &server,
        &["providers", "delete-document", APP, "ftn", "doc_1", "--yes"],
    );
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "deleted document doc_1 of provider ftn on app FK5b0KSM\n"
    );
    let r = run(
        &server,
        &[
            "providers",
            "delete-document",
            APP,
            "ftn",
            "doc_1",
            "--yes",
            "--json",
        ],
    );
    r.assert_ok();
    assert_eq!(r.stdout, "{\"deleted\":true}\n");
    m.assert();
}

#[test]
fn activate_sends_a_map_per_provider_and_lists_each_outcome() {
    let mut server = Server::new();
    let body = r#"{"mitid":{"id":"act_1","status":"activated","updatedAt":"2026-04-08T10:00:00.000Z"},
      "idin":{"error":"contract_activation_required","message":"Sign the contract","contact":"sales@hopae.com"},
      "passport":{"id":"act_2","status":"activation_requested"}}"#;
    let m = server
        .mock("POST", "/apps/FK5b0KSM/activation")
        .match_body(Matcher::Json(json!({"providers": {
            "mitid": {"companyName": "Shop", "acceptTerms": true},
            "idin": {"x": "false "},
            "passport": {},
        }})))
        .with_status(200)
        .with_body(body)
        .expect(2)
        .create();
    let args = [
        "providers",
        "activate",
        APP,
        "--field",
        "mitid.companyName=Shop",
        "--field",
        "mitid.acceptTerms=true",
        "--field",
        "idin.x=false ",
        "--provider",
        "passport",
    ];
    let r = run(&server, &args);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
PROVIDER  RESULT                                 ACTIVATION  DETAILS
idin      refused: contract_activation_required  -           Sign the contract (contact: sales@hopae.com)
mitid     activated                              act_1       -
passport  activation_requested                   act_2       -

2 accepted, 1 refused
"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let r = run(&server, &json_args);
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}
