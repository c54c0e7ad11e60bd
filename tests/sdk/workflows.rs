//! `app.workflows()`: every endpoint's request and response, the pre-send checks, and
//! the rule that `{"deleted": false}` / `{"success": false}` is an error.

use crate::support as common;

use common::{CLIENT_ID, assert_error_hygiene, client, fixture};
use hopae::Error;
use hopae::workflows::{FieldKind, NewWorkflow, Node, NodeKind, WorkflowUpdate};
use mockito::{Matcher, Mock, Server};
use serde_json::json;

const WF: &str = "wf_6ec9b183";

fn json_body(m: Mock, body: serde_json::Value) -> Mock {
    m.match_header("content-type", "application/json")
        .match_body(Matcher::Json(body))
}

fn no_body(m: Mock) -> Mock {
    m.match_header("content-type", Matcher::Missing)
        .match_body(Matcher::Exact(String::new()))
}

fn answer(m: Mock, status: usize, body: &str) -> Mock {
    m.with_status(status)
        .with_header("content-type", "application/json")
        .with_header("x-request-id", "req-wf-1")
        .with_body(body)
        .create()
}

fn path(suffix: &str) -> String {
    format!("/apps/{CLIENT_ID}/workflows{suffix}")
}

#[test]
fn list_returns_every_workflow() {
    let mut server = Server::new();
    let m = answer(
        no_body(common::call(&mut server, "GET", &path(""))),
        200,
        &fixture("workflows.json"),
    );
    let flows = client(&server).app(CLIENT_ID).workflows().list().unwrap();
    m.assert();
    assert_eq!(flows.len(), 2);
    assert_eq!(flows[0].workflow_id, "default");
    assert_eq!(
        flows[0].nodes[1].config,
        Some(json!({"providers": ["passport"]}))
    );
    assert_eq!(flows[1].created_at, None);
}

#[test]
fn get_keeps_next_and_config_raw_and_unknown_node_types() {
    let mut server = Server::new();
    let m = answer(
        no_body(common::call(&mut server, "GET", &path("/wf_6ec9b183"))),
        200,
        &fixture("workflow.json"),
    );
    let flow = client(&server).app(CLIENT_ID).workflows().get(WF).unwrap();
    m.assert();
    assert_eq!(flow.entry_node_id, "start");
    assert_eq!(flow.nodes[2].node_type, NodeKind::If);
    assert_eq!(flow.nodes[2].next.as_ref().unwrap()[1]["default"], true);
    assert_eq!(
        flow.nodes[4].node_type,
        NodeKind::Other("face-match".into())
    );
    assert_eq!(flow.nodes[4].node_type.as_str(), "face-match");
    assert_eq!(
        flow.updated_at.unwrap().unix_timestamp(),
        1_775_723_400,
        "2026-04-09T08:30:00Z"
    );
}

#[test]
fn get_encodes_the_workflow_id_as_one_segment() {
    let mut server = Server::new();
    let m = answer(
        common::call(&mut server, "GET", &path("/a%2Fb%3Fc")),
        200,
        &fixture("workflow.json"),
    );
    client(&server)
        .app(CLIENT_ID)
        .workflows()
        .get("a/b?c")
        .unwrap();
    m.assert();
}

#[test]
fn create_posts_the_graph_and_returns_the_stored_workflow() {
    let mut server = Server::new();
    let m = answer(
        json_body(
            common::call(&mut server, "POST", &path("")),
            json!({
                "workflowId": WF,
                "name": "KYC",
                "entryNodeId": "start",
                "nodes": [
                    {"id": "start", "type": "request", "next": "verify"},
                    {"id": "verify", "type": "verification", "config": {"providers": ["mitid"]}, "next": "done"},
                    {"id": "done", "type": "response"}
                ]
            }),
        ),
        201,
        &fixture("workflow.json"),
    );
    let made = client(&server)
        .app(CLIENT_ID)
        .workflows()
        .create(
            &NewWorkflow::new(
                "KYC",
                "start",
                [
                    Node::new("start", "request").next("verify"),
                    Node::new("verify", "verification")
                        .config(json!({"providers": ["mitid"]}))
                        .next("done"),
                    Node::new("done", "response"),
                ],
            )
            .workflow_id(WF),
        )
        .unwrap();
    m.assert();
    assert_eq!(made.workflow_id, WF);
}

#[test]
fn update_patches_only_the_fields_set() {
    let mut server = Server::new();
    let m = answer(
        json_body(
            common::call(&mut server, "PATCH", &path("/wf_6ec9b183")),
            json!({"name": "KYC v2"}),
        ),
        200,
        &fixture("workflow.json"),
    );
    let renamed = client(&server)
        .app(CLIENT_ID)
        .workflows()
        .update(WF, &WorkflowUpdate::new().name("KYC v2"))
        .unwrap();
    m.assert();
    assert_eq!(renamed.workflow_id, WF);
}

#[test]
fn update_with_nodes_sends_the_whole_list() {
    let mut server = Server::new();
    let m = answer(
        json_body(
            common::call(&mut server, "PATCH", &path("/wf_6ec9b183")),
            json!({"entryNodeId": "a", "nodes": [{"id": "a", "type": "response"}]}),
        ),
        200,
        &fixture("workflow.json"),
    );
    client(&server)
        .app(CLIENT_ID)
        .workflows()
        .update(
            WF,
            &WorkflowUpdate::new()
                .entry_node_id("a")
                .nodes([Node::new("a", "response")]),
        )
        .unwrap();
    m.assert();
}

#[test]
fn delete_succeeds_on_deleted_true() {
    let mut server = Server::new();
    let m = answer(
        no_body(common::call(&mut server, "DELETE", &path("/wf_6ec9b183"))),
        200,
        r#"{"deleted": true}"#,
    );
    client(&server)
        .app(CLIENT_ID)
        .workflows()
        .delete(WF)
        .unwrap();
    m.assert();
}

#[test]
fn delete_answered_deleted_false_is_an_api_error_with_the_200() {
    let mut server = Server::new();
    let m = answer(
        common::call(&mut server, "DELETE", &path("/wf_6ec9b183")),
        200,
        r#"{"deleted": false}"#,
    );
    let e = client(&server)
        .app(CLIENT_ID)
        .workflows()
        .delete(WF)
        .unwrap_err();
    m.assert();
    assert_error_hygiene(&e);
    let api = common::api_error(&e);
    assert_eq!(api.status(), 200);
    assert_eq!(api.code(), None);
    assert_eq!(api.body_excerpt(), Some(r#"{"deleted": false}"#));
    assert_eq!(e.request_id(), Some("req-wf-1"));
    assert_eq!(e.attempts(), 1);
    assert_eq!(
        e.to_string(),
        r#"api error: status 200 but the answer reports failure: {"deleted": false} (request id req-wf-1)"#
    );
}

#[test]
fn delete_answer_without_deleted_is_a_decode_error() {
    let mut server = Server::new();
    let m = answer(
        common::call(&mut server, "DELETE", &path("/wf_6ec9b183")),
        200,
        r#"{"deleted": "yes"}"#,
    );
    let e = client(&server)
        .app(CLIENT_ID)
        .workflows()
        .delete(WF)
        .unwrap_err();
    m.assert();
    let d = common::decode_error(&e);
    assert_eq!(d.operation(), "delete workflow");
    assert_eq!(
        d.message(),
        "at `deleted`: expected a boolean, got a string"
    );
}

#[test]
fn delete_of_the_default_workflow_is_the_servers_400() {
    let mut server = Server::new();
    let m = answer(
        common::call(&mut server, "DELETE", &path("/default")),
        400,
        &common::envelope(
            "VALIDATION_INVALID_PARAMETER",
            "Cannot delete the default workflow",
            json!({}),
        ),
    );
    let e = client(&server)
        .app(CLIENT_ID)
        .workflows()
        .delete("default")
        .unwrap_err();
    m.assert();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.code(), Some("VALIDATION_INVALID_PARAMETER"));
}

#[test]
fn set_default_posts_no_body_and_succeeds_on_success_true() {
    let mut server = Server::new();
    let m = answer(
        no_body(common::call(
            &mut server,
            "POST",
            &path("/wf_6ec9b183/set-default"),
        ))
        .match_header("content-length", "0"),
        200,
        r#"{"success": true}"#,
    );
    client(&server)
        .app(CLIENT_ID)
        .workflows()
        .set_default(WF)
        .unwrap();
    m.assert();
}

#[test]
fn set_default_answered_success_false_is_an_error() {
    let mut server = Server::new();
    let m = answer(
        common::call(&mut server, "POST", &path("/wf_6ec9b183/set-default")),
        200,
        r#"{"success":false}"#,
    );
    let e = client(&server)
        .app(CLIENT_ID)
        .workflows()
        .set_default(WF)
        .unwrap_err();
    m.assert();
    assert_error_hygiene(&e);
    assert!(matches!(&e, Error::Api(a) if a.status() == 200), "{e:?}");
    assert!(
        e.to_string()
            .contains(r#"reports failure: {"success":false}"#),
        "{e}"
    );
}

#[test]
fn node_types_keep_unknown_types_and_field_types() {
    let mut server = Server::new();
    let m = answer(
        no_body(common::call(&mut server, "GET", &path("/node-types"))),
        200,
        &fixture("node_types.json"),
    );
    let kinds = client(&server)
        .app(CLIENT_ID)
        .workflows()
        .node_types()
        .unwrap();
    m.assert();
    assert_eq!(kinds.len(), 3);
    assert_eq!(kinds[0].node_type, NodeKind::Verification);
    assert_eq!(kinds[0].fields[0].field_type, FieldKind::StringArray);
    assert!(kinds[0].fields[0].required);
    assert_eq!(
        kinds[0].fields[1].enum_values,
        Some(vec![json!("first"), json!("choice")])
    );
    assert_eq!(kinds[1].node_type, NodeKind::CheckMinLoa);
    assert_eq!(kinds[2].node_type, NodeKind::Other("liveness".into()));
    assert_eq!(
        kinds[2].fields[0].field_type,
        FieldKind::Other("percentage".into())
    );
}

#[test]
fn a_list_item_that_is_not_an_object_is_a_decode_error() {
    let mut server = Server::new();
    let m = answer(
        common::call(&mut server, "GET", &path("")),
        200,
        r#"[["default", "Default", "start", []]]"#,
    );
    let e = client(&server)
        .app(CLIENT_ID)
        .workflows()
        .list()
        .unwrap_err();
    m.assert();
    assert!(
        common::decode_error(&e)
            .message()
            .contains("expected a JSON object"),
        "{e}"
    );
}

/// Every pre-send check, with a server that must see nothing.
#[test]
fn invalid_workflows_are_refused_before_sending() {
    let mut server = Server::new();
    let never = common::expect_no_requests(&mut server);
    let c = client(&server);
    let flows = c.app(CLIENT_ID).workflows();
    let nodes = || {
        vec![
            Node::new("start", "request").next("done"),
            Node::new("done", "response"),
        ]
    };
    let cases: Vec<(Result<hopae::workflows::Workflow, Error>, &str)> = vec![
        (
            flows.create(&NewWorkflow::new("", "start", nodes())),
            "`name` must not be empty",
        ),
        (
            flows.create(&NewWorkflow::new("KYC", "start", [])),
            "a workflow must have at least one node",
        ),
        (
            flows.create(&NewWorkflow::new("KYC", "begin", nodes())),
            "`entryNodeId` `begin` names no node of the workflow",
        ),
        (
            flows.create(&NewWorkflow::new(
                "KYC",
                "start",
                [
                    Node::new("start", "request"),
                    Node::new("start", "response"),
                ],
            )),
            "node `start`: two nodes have this id",
        ),
        (
            flows.create(&NewWorkflow::new(
                "KYC",
                "start",
                [Node::new("start", "request").next("verify")],
            )),
            "node `start`: `next` names `verify`, which is not a node of the workflow",
        ),
        (
            flows.update(WF, &WorkflowUpdate::new().name(" ")),
            "`name` must not be empty",
        ),
        (
            flows.update(
                WF,
                &WorkflowUpdate::new().nodes([Node::new("a", "request").next("b")]),
            ),
            "node `a`: `next` names `b`",
        ),
        (
            flows.update("..", &WorkflowUpdate::new().name("x")),
            "`workflow_id` must not be `.` or `..`",
        ),
        (flows.get(""), "`workflow_id` must not be empty"),
    ];
    for (result, expected) in cases {
        let e = result.unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
        assert!(e.to_string().contains(expected), "{e} vs {expected}");
        assert_eq!(e.attempts(), 0);
    }
    for e in [
        flows.delete("").unwrap_err(),
        flows.set_default("..").unwrap_err(),
        c.app("").workflows().list().unwrap_err(),
    ] {
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    }
    never.iter().for_each(Mock::assert);
}
