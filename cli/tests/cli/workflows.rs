//! `hopae workflows` against mockito: each command's request and output, `--json` as the
//! body the API sent, workflow files (their errors name the line and column), and the
//! confirmation of `delete`.

use crate::common;

use common::{APP, TempDir, answer, no_requests, printed, run, run_stdin};
use mockito::{Matcher, Server};
use serde_json::json;

const LIST_PATH: &str = "/apps/FK5b0KSM/workflows";
const KYC_PATH: &str = "/apps/FK5b0KSM/workflows/kyc";

/// A workflow as a newer API might send it: a field this crate does not know, an `if`
/// node whose `next` is an array of routes.
const KYC: &str = r#"{"workflowId":"kyc","name":"KYC","entryNodeId":"start",
 "nodes":[{"id":"start","type":"request","next":"verify"},
  {"id":"verify","type":"verification","config":{"providers":["mitid"]},"next":"route"},
  {"id":"route","type":"if","next":[{"condition":{"field":"input.age","operator":"gte","value":18},"next":"done"}]},
  {"id":"done","type":"response"}],
 "createdAt":"2026-04-08T10:00:00.000Z","updatedAt":"2026-04-08T11:00:00.000Z","newField":1}"#;

const DEFAULT: &str = r#"{"workflowId":"default","name":"Default","entryNodeId":"request",
 "nodes":[{"id":"request","type":"request"}]}"#;

const KYC_TEXT: &str = "\
workflow  kyc
name      KYC
entry     start
nodes     4
created   2026-04-08 10:00 UTC
updated   2026-04-08 11:00 UTC

NODE    TYPE          NEXT                                                          CONFIG
start   request       verify                                                        -
verify  verification  route                                                         {\"providers\":[\"mitid\"]}
route   if            [{\"condition\":{\"field\":\"input.age\",\"operator\":\"gte\",\"value\"…  -
done    response      -                                                             -
";

/// The workflow file of the create tests, and the body it must become.
const FILE: &str = r#"{
  "name": "KYC",
  "entryNodeId": "start",
  "nodes": [
    {"id": "start", "type": "request", "next": "done"},
    {"id": "done", "type": "response", "config": {"claims": ["name"]}}
  ]
}"#;

/// The app, read by `workflows list` for its default workflow's id.
const APP_BODY: &str = r#"{"clientId":"FK5b0KSM","name":"Shop","redirectUris":[],
  "providers":{},"defaultWorkflowId":"default","workflows":[],"organizationId":"org_1",
  "createdAt":"2026-04-01T09:00:00.000Z","updatedAt":"2026-04-01T09:00:00.000Z"}"#;

#[test]
fn list_prints_a_table_marking_the_default_and_json_is_the_body_as_sent() {
    let mut server = Server::new();
    let body = format!("[{KYC},\n{DEFAULT}]");
    let app = answer(&mut server, "GET", "/apps/FK5b0KSM", 200, APP_BODY, 2);
    let m = answer(&mut server, "GET", LIST_PATH, 200, &body, 2);
    let r = run(&server, &["workflows", "list", APP]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
ID                 NAME     ENTRY    NODES  UPDATED (UTC)
kyc                KYC      start    4      2026-04-08 11:00
default (default)  Default  request  1      -
"
    );
    let r = run(&server, &["workflows", "list", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(&body));
    app.assert();
    m.assert();
}

#[test]
fn list_of_no_workflows_says_so() {
    let mut server = Server::new();
    let app = answer(&mut server, "GET", "/apps/FK5b0KSM", 200, APP_BODY, 1);
    let m = answer(&mut server, "GET", LIST_PATH, 200, "[]", 1);
    let r = run(&server, &["workflows", "list", APP]);
    r.assert_ok();
    assert_eq!(r.stdout, "no workflows for app FK5b0KSM\n");
    app.assert();
    m.assert();
}

#[test]
fn get_prints_the_workflow_and_its_nodes() {
    let mut server = Server::new();
    let m = answer(&mut server, "GET", KYC_PATH, 200, KYC, 2);
    let r = run(&server, &["workflows", "get", APP, "kyc"]);
    r.assert_ok();
    assert_eq!(r.stdout, KYC_TEXT);
    let r = run(&server, &["workflows", "get", APP, "kyc", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(KYC));
    m.assert();
}

#[test]
fn get_of_an_unknown_workflow_exits_1() {
    let mut server = Server::new();
    let m = answer(
        &mut server,
        "GET",
        "/apps/FK5b0KSM/workflows/nope",
        404,
        r#"{"error":{"code":"RESOURCE_NOT_FOUND","message":"Workflow not found"},"request_id":"r-9"}"#,
        1,
    );
    run(&server, &["workflows", "get", APP, "nope"]).assert_error(1, "RESOURCE_NOT_FOUND");
    m.assert();
}

#[test]
fn create_sends_the_file_as_the_body_with_an_idempotency_key() {
    let mut server = Server::new();
    let expected = json!({"name": "KYC", "entryNodeId": "start", "nodes": [
        {"id": "start", "type": "request", "next": "done"},
        {"id": "done", "type": "response", "config": {"claims": ["name"]}}]});
    let m = server
        .mock("POST", LIST_PATH)
        .match_header("content-type", "application/json")
        .match_header("idempotency-key", Matcher::Regex(".+".into()))
        .match_body(Matcher::Json(expected))
        .with_status(201)
        .with_body(KYC)
        .expect(3)
        .create();
    let dir = TempDir::new();
    let file = dir.file("kyc.json", FILE.as_bytes());
    let r = run(&server, &["workflows", "create", APP, "--file", &file]);
    r.assert_ok();
    assert_eq!(r.stdout, KYC_TEXT);
    let r = run(
        &server,
        &["workflows", "create", APP, "--file", &file, "--json"],
    );
    r.assert_ok();
    assert_eq!(r.stdout, printed(KYC));
    // `-` reads stdin.
    let r = run_stdin(
        &server,
        &["workflows", "create", APP, "--file", "-"],
        FILE.as_bytes(),
    );
    r.assert_ok();
    assert_eq!(r.stdout, KYC_TEXT);
    m.assert();
}

#[test]
fn create_takes_back_what_get_json_printed() {
    let mut server = Server::new();
    let get = answer(&mut server, "GET", KYC_PATH, 200, KYC, 1);
    let got = run(&server, &["workflows", "get", APP, "kyc", "--json"]);
    got.assert_ok();
    let dir = TempDir::new();
    let file = dir.file("kyc.json", got.stdout.as_bytes());
    // The read-only timestamps are not sent; the id is.
    let sent: serde_json::Value = serde_json::from_str(KYC).unwrap();
    let create = server
        .mock("POST", LIST_PATH)
        .match_body(Matcher::Json(json!({
            "workflowId": "kyc", "name": "KYC", "entryNodeId": "start", "nodes": sent["nodes"],
        })))
        .with_status(201)
        .with_body(KYC)
        .create();
    // The unknown `newField` of the answer is refused, not dropped in silence.
    let r = run(&server, &["workflows", "create", APP, "--file", &file]);
    r.assert_error(2, "unknown key `newField`");
    let mut value = got.json();
    value.as_object_mut().unwrap().remove("newField");
    let file = dir.file("kyc2.json", value.to_string().as_bytes());
    run(&server, &["workflows", "create", APP, "--file", &file]).assert_ok();
    get.assert();
    create.assert();
}

#[test]
fn a_bad_workflow_file_exits_2_naming_the_line_and_column_before_any_request() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    let dir = TempDir::new();
    let syntax = dir.file("syntax.json", b"{\n  \"name\": \"KYC\",\n  \"nodes\": [}\n");
    let r = run(&server, &["workflows", "create", APP, "--file", &syntax]);
    r.assert_error(
        2,
        &format!("--file {syntax} is not a valid workflow: expected value at line 3 column 13"),
    );
    let missing = dir.file("missing.json", b"{\"name\": \"KYC\",\n \"nodes\": []\n}");
    run(&server, &["workflows", "create", APP, "--file", &missing])
        .assert_error(2, "missing field `entryNodeId` at line 3 column 1");
    let graph = dir.file(
        "graph.json",
        br#"{"name": "KYC", "entryNodeId": "a", "nodes": [{"id": "a", "type": "request", "next": "b"}]}"#,
    );
    run(&server, &["workflows", "create", APP, "--file", &graph]).assert_error(
        2,
        "is not a valid workflow: node `a`: `next` names `b`, which is not a node of the workflow",
    );
    let r = run_stdin(
        &server,
        &["workflows", "update", APP, "kyc", "--file", "-"],
        b"{\"name\": \"KYC\" \"nodes\": []}",
    );
    r.assert_error(
        2,
        "--file - is not a valid workflow: expected `,` or `}` at line 1 column 16",
    );
    let gone = dir.path().join("gone.json");
    let gone = gone.to_str().unwrap();
    run(&server, &["workflows", "create", APP, "--file", gone])
        .assert_error(2, &format!("could not read --file {gone}: no such file"));
    let big = dir.file("big.json", &vec![b' '; 1024 * 1024 + 1]);
    run(&server, &["workflows", "create", APP, "--file", &big])
        .assert_error(2, "is larger than 1 MiB");
    none.assert();
}

#[test]
fn update_sends_only_the_fields_the_file_sets() {
    let mut server = Server::new();
    let m = server
        .mock("PATCH", KYC_PATH)
        .match_body(Matcher::Json(json!({"name": "KYC 2"})))
        .with_status(200)
        .with_body(KYC)
        .expect(2)
        .create();
    let r = run_stdin(
        &server,
        &["workflows", "update", APP, "kyc", "--file", "-"],
        br#"{"name": "KYC 2", "workflowId": "kyc"}"#,
    );
    r.assert_ok();
    assert_eq!(r.stdout, KYC_TEXT);
    let r = run_stdin(
        &server,
        &["workflows", "update", APP, "kyc", "--file", "-", "--json"],
        br#"{"name": "KYC 2"}"#,
    );
    r.assert_ok();
    assert_eq!(r.stdout, printed(KYC));
    m.assert();
}

#[test]
fn delete_needs_yes_without_a_terminal_and_then_deletes() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    run(&server, &["workflows", "delete", APP, "kyc"]).assert_error(
        2,
        "pass --yes to delete workflow kyc of app FK5b0KSM (it cannot be undone, and there is no terminal to ask)",
    );
    none.assert();
    let mut server = Server::new();
    let body = r#"{"deleted":true,"newField":1}"#;
    let m = answer(&mut server, "DELETE", KYC_PATH, 200, body, 2);
    let r = run(&server, &["workflows", "delete", APP, "kyc", "--yes"]);
    r.assert_ok();
    assert_eq!(r.stdout, "deleted workflow kyc of app FK5b0KSM\n");
    let r = run(
        &server,
        &["workflows", "delete", APP, "kyc", "--yes", "--json"],
    );
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}

#[test]
fn delete_answered_false_or_refused_exits_1() {
    let mut server = Server::new();
    let m = answer(
        &mut server,
        "DELETE",
        KYC_PATH,
        200,
        r#"{"deleted":false}"#,
        1,
    );
    run(&server, &["workflows", "delete", APP, "kyc", "--yes"])
        .assert_error(1, r#"{"deleted":false}"#);
    m.assert();
    let m = answer(
        &mut server,
        "DELETE",
        "/apps/FK5b0KSM/workflows/default",
        400,
        r#"{"error":{"code":"VALIDATION_INVALID_PARAMETER","message":"the default workflow cannot be deleted"}}"#,
        1,
    );
    run(&server, &["workflows", "delete", APP, "default", "--yes"])
        .assert_error(1, "the default workflow cannot be deleted");
    m.assert();
}

#[test]
fn set_default_posts_without_a_body_and_reports_false_as_an_error() {
    let mut server = Server::new();
    let path = "/apps/FK5b0KSM/workflows/kyc/set-default";
    let m = server
        .mock("POST", path)
        .match_body("")
        .with_status(200)
        .with_body(r#"{"success":true}"#)
        .expect(2)
        .create();
    let r = run(&server, &["workflows", "set-default", APP, "kyc"]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "workflow kyc is now the default of app FK5b0KSM\n"
    );
    let r = run(&server, &["workflows", "set-default", APP, "kyc", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, "{\"success\":true}\n");
    m.assert();
    let m = answer(&mut server, "POST", path, 200, r#"{"success":false}"#, 1);
    run(&server, &["workflows", "set-default", APP, "kyc"]).assert_error(1, "success");
    m.assert();
}

#[test]
fn node_types_prints_each_type_with_its_fields() {
    let mut server = Server::new();
    let body = r#"[{"type":"verification","label":"Verification","description":"Verifies the user",
      "fields":[{"name":"providers","type":"string[]","required":true},
                {"name":"mode","type":"enum","required":false,"enumValues":["a","b"]}]},
     {"type":"face-match","label":"Face match","fields":[]}]"#;
    let m = answer(
        &mut server,
        "GET",
        "/apps/FK5b0KSM/workflows/node-types",
        200,
        body,
        2,
    );
    let r = run(&server, &["workflows", "node-types", APP]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
TYPE          LABEL         CONFIG FIELDS                     DESCRIPTION
verification  Verification  providers*: string[], mode: enum  Verifies the user
face-match    Face match    -                                 -

2 node types; * marks a required field
"
    );
    let r = run(&server, &["workflows", "node-types", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}
