//! `hopae workflows`: list, get, create, update, delete, set-default and node-types.
//!
//! `create` and `update` read the workflow as JSON from a file (or stdin), check it
//! (valid JSON, known keys, the library's graph rules) and send it.

use hopae::workflows::{NewWorkflow, NodeType, Workflow, WorkflowUpdate};
use hopae::{Error, HopaeClient};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::confirm::{Typed, confirm};
use crate::failure::Failure;
use crate::options::{AppArg, Global, check_id, read_input};
use crate::output::{clean, fields, json_text, plural, shorten, table, timestamp, timestamp_or};
use crate::raw;
use crate::show::{show, show_deleted};

/// The arguments of `hopae workflows`.
#[derive(clap::Args, Debug)]
pub(crate) struct Group {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// List an app's workflows, the default included
    List(AppArg),
    /// Show a workflow and its nodes
    Get(WorkflowArg),
    /// Create a workflow from a JSON file
    #[command(after_help = CREATE_NOTES)]
    Create(Create),
    /// Change a workflow's name, entry node or nodes from a JSON file
    #[command(after_help = UPDATE_NOTES)]
    Update(Update),
    /// Delete a workflow (not the app's default)
    #[command(after_help = DELETE_NOTES)]
    Delete(Delete),
    /// Make a workflow the one an app runs when an authorize request names none
    SetDefault(WorkflowArg),
    /// List the node types a workflow can use, with their configuration fields
    NodeTypes(AppArg),
}

const CREATE_NOTES: &str = "\
FILE holds one JSON object: \"name\", \"entryNodeId\" and \"nodes\", and optionally
\"workflowId\" (else Hopae derives the id from the name). A node is {\"id\", \"type\",
\"next\", \"config\"}; `hopae workflows node-types APP` lists the types and their config
fields. \"createdAt\" and \"updatedAt\" are ignored, so that the output of
`hopae workflows get --json` can be edited and sent back; any other key is refused.

For example:
  {\"name\": \"KYC\", \"entryNodeId\": \"start\", \"nodes\": [
    {\"id\": \"start\", \"type\": \"request\", \"next\": \"verify\"},
    {\"id\": \"verify\", \"type\": \"verification\", \"config\": {\"providers\": [\"mitid\"]},
     \"next\": \"done\"},
    {\"id\": \"done\", \"type\": \"response\"}]}

The file (at most 1 MiB) is checked before anything is sent: valid JSON (an error names
its line and column), known keys, at least one node, unique node ids, an entry node and
`next` ids that name nodes.";

const UPDATE_NOTES: &str = "\
FILE holds one JSON object with the fields to change: \"name\", \"entryNodeId\", \"nodes\"
(\"nodes\" replaces every node). \"createdAt\", \"updatedAt\" and a \"workflowId\" equal to
WORKFLOW are ignored, so that the output of `hopae workflows get --json` can be edited and
sent back; any other key is refused. The file is checked as for `create`.";

const DELETE_NOTES: &str = "\
The app's default workflow cannot be deleted: make another one the default first
(`hopae workflows set-default`).

This cannot be undone. On a terminal the command asks you to type the workflow id to
confirm; elsewhere (a script, a CI job) it needs --yes.";

#[derive(clap::Args, Debug)]
struct WorkflowArg {
    /// The app's client id
    app: String,
    /// The workflow's id
    workflow: String,
}

#[derive(clap::Args, Debug)]
struct Create {
    /// The app's client id
    app: String,

    /// The workflow as JSON: a file, or - for stdin
    #[arg(long, value_name = "FILE")]
    file: String,
}

#[derive(clap::Args, Debug)]
struct Update {
    /// The app's client id
    app: String,
    /// The workflow's id
    workflow: String,

    /// The fields to change as JSON: a file, or - for stdin
    #[arg(long, value_name = "FILE")]
    file: String,
}

#[derive(clap::Args, Debug)]
struct Delete {
    /// The app's client id
    app: String,
    /// The workflow's id
    workflow: String,

    /// Confirm without being asked (required when there is no terminal)
    #[arg(long)]
    yes: bool,
}

/// The largest workflow file read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The keys of a file for `create`.
const CREATE_KEYS: &[&str] = &["name", "entryNodeId", "nodes", "workflowId"];
/// The keys of a file for `update`.
const UPDATE_KEYS: &[&str] = &["name", "entryNodeId", "nodes"];
/// Keys that `get --json` prints and that cannot be sent: ignored.
const READ_ONLY_KEYS: &[&str] = &["createdAt", "updatedAt"];
/// The keys of a node.
const NODE_KEYS: &[&str] = &["id", "type", "next", "config"];

/// Runs a `workflows` command. With `--json`, the output is the API's body as sent.
pub(crate) fn run(group: Group, global: &Global) -> Result<(), Failure> {
    match group.command {
        Command::List(a) => {
            check_id("<APP>", &a.app)?;
            // The list does not say which workflow is the default; the app does (read
            // first, so that --json still prints the list's body).
            let call = |c: &HopaeClient| -> Result<_, hopae::Error> {
                let default = c.app(&a.app).get()?.default_workflow_id;
                Ok((c.app(&a.app).workflows().list()?, default))
            };
            show(global, call, |(workflows, default)| {
                list_text(&a.app, workflows, default)
            })
        }
        Command::Get(a) => {
            a.check()?;
            let call = |c: &HopaeClient| c.app(&a.app).workflows().get(&a.workflow);
            show(global, call, workflow_text)
        }
        Command::Create(a) => {
            check_id("<APP>", &a.app)?;
            let workflow = new_workflow(&a.file)?;
            let call = |c: &HopaeClient| c.app(&a.app).workflows().create(&workflow);
            show(global, call, workflow_text)
        }
        Command::Update(a) => {
            check_id("<APP>", &a.app)?;
            check_id("<WORKFLOW>", &a.workflow)?;
            let update = workflow_update(&a.file, &a.workflow)?;
            let call = |c: &HopaeClient| c.app(&a.app).workflows().update(&a.workflow, &update);
            show(global, call, workflow_text)
        }
        Command::Delete(a) => {
            check_id("<APP>", &a.app)?;
            check_id("<WORKFLOW>", &a.workflow)?;
            let what = format!("workflow {} of app {}", clean(&a.workflow), clean(&a.app));
            let ask = || {
                confirm(
                    a.yes,
                    &format!("delete {what}"),
                    "verifications can no longer run it",
                    Typed {
                        noun: "workflow id",
                        id: &a.workflow,
                    },
                )
            };
            let call = |c: &HopaeClient| c.app(&a.app).workflows().delete(&a.workflow);
            let done = format!("deleted {what}\n");
            show_deleted(global, ask, call, raw::document, &done)
        }
        Command::SetDefault(a) => {
            a.check()?;
            let call = |c: &HopaeClient| c.app(&a.app).workflows().set_default(&a.workflow);
            show(global, call, |()| {
                format!(
                    "workflow {} is now the default of app {}\n",
                    clean(&a.workflow),
                    clean(&a.app)
                )
            })
        }
        Command::NodeTypes(a) => {
            check_id("<APP>", &a.app)?;
            let call = |c: &HopaeClient| c.app(&a.app).workflows().node_types();
            show(global, call, |types| node_types_text(types))
        }
    }
}

impl WorkflowArg {
    fn check(&self) -> Result<(), Failure> {
        check_id("<APP>", &self.app)?;
        check_id("<WORKFLOW>", &self.workflow)
    }
}

/// The body of `create`, read from `path` and checked.
fn new_workflow(path: &str) -> Result<NewWorkflow, Failure> {
    let bytes = read_input("--file", path, MAX_FILE_BYTES)?;
    let (workflow, _) = parse::<NewWorkflow>(path, &bytes, CREATE_KEYS)?;
    workflow.validate().map_err(|e| invalid_file(path, e))?;
    Ok(workflow)
}

/// The body of `update`, read from `path` and checked.
fn workflow_update(path: &str, workflow_id: &str) -> Result<WorkflowUpdate, Failure> {
    let bytes = read_input("--file", path, MAX_FILE_BYTES)?;
    let mut keys = UPDATE_KEYS.to_vec();
    keys.push("workflowId");
    let (update, map) = parse::<WorkflowUpdate>(path, &bytes, &keys)?;
    match map.get("workflowId") {
        None => {}
        Some(Value::String(id)) if id == workflow_id => {}
        Some(other) => {
            return Err(not_a_workflow(
                path,
                format!(
                    "its workflowId {} is not <WORKFLOW> `{}`: a workflow's id cannot be changed",
                    json_text(other),
                    clean(workflow_id)
                ),
            ));
        }
    }
    if update == WorkflowUpdate::new() {
        return Err(not_a_workflow(
            path,
            "nothing to change: it sets none of name, entryNodeId and nodes".into(),
        ));
    }
    update.validate().map_err(|e| invalid_file(path, e))?;
    Ok(update)
}

fn not_a_workflow(path: &str, why: String) -> Failure {
    Failure::usage(format!(
        "--file {} is not a valid workflow: {why}",
        clean(path)
    ))
}

/// A library check that failed, named after the file.
fn invalid_file(path: &str, e: Error) -> Failure {
    match e {
        Error::InvalidInput(m) => not_a_workflow(path, m.message().to_owned()),
        other => other.into(),
    }
}

/// Parses a workflow file: JSON syntax and types with serde_json's line and column, and
/// no key outside `keys` (plus the read-only ones) at the top or outside [`NODE_KEYS`]
/// in a node, since the library would drop it without a word.
fn parse<T: DeserializeOwned>(
    path: &str,
    bytes: &[u8],
    keys: &[&str],
) -> Result<(T, Map<String, Value>), Failure> {
    let bad = |why: String| not_a_workflow(path, why);
    let map: Map<String, Value> = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    let list = |keys: &[&str]| keys.join(", ");
    if let Some(key) = map
        .keys()
        .find(|k| !keys.contains(&k.as_str()) && !READ_ONLY_KEYS.contains(&k.as_str()))
    {
        return Err(bad(format!(
            "unknown key `{}` (expected {})",
            clean(key),
            list(keys)
        )));
    }
    if let Some(Value::Array(nodes)) = map.get("nodes") {
        for (i, node) in nodes.iter().enumerate() {
            let Value::Object(node) = node else { continue };
            if let Some(key) = node.keys().find(|k| !NODE_KEYS.contains(&k.as_str())) {
                return Err(bad(format!(
                    "`nodes[{i}]` has the unknown key `{}` (expected {})",
                    clean(key),
                    list(NODE_KEYS)
                )));
            }
        }
    }
    let typed = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    Ok((typed, map))
}

fn list_text(app: &str, workflows: &[Workflow], default: &str) -> String {
    if workflows.is_empty() {
        return format!("no workflows for app {}\n", clean(app));
    }
    let rows: Vec<Vec<String>> = workflows
        .iter()
        .map(|w| {
            vec![
                if w.workflow_id == default {
                    format!("{} (default)", clean(&w.workflow_id))
                } else {
                    clean(&w.workflow_id)
                },
                shorten(&clean(&w.name), 40),
                clean(&w.entry_node_id),
                w.nodes.len().to_string(),
                w.updated_at.map_or("-".to_owned(), timestamp),
            ]
        })
        .collect();
    table(&["ID", "NAME", "ENTRY", "NODES", "UPDATED (UTC)"], &rows)
}

/// A workflow: its fields, then its nodes as a table.
fn workflow_text(w: &Workflow) -> String {
    let mut out = fields(&[
        ("workflow", clean(&w.workflow_id)),
        ("name", clean(&w.name)),
        ("entry", clean(&w.entry_node_id)),
        ("nodes", w.nodes.len().to_string()),
        ("created", timestamp_or(w.created_at, "-")),
        ("updated", timestamp_or(w.updated_at, "-")),
    ]);
    if !w.nodes.is_empty() {
        let rows: Vec<Vec<String>> = w
            .nodes
            .iter()
            .map(|n| {
                let or_dash = |v: &Option<Value>| {
                    v.as_ref()
                        .map_or("-".to_owned(), |v| shorten(&json_text(v), 60))
                };
                vec![
                    clean(&n.id),
                    clean(n.node_type.as_str()),
                    or_dash(&n.next),
                    or_dash(&n.config),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&table(&["NODE", "TYPE", "NEXT", "CONFIG"], &rows));
    }
    out
}

fn node_types_text(types: &[NodeType]) -> String {
    if types.is_empty() {
        return "no node types\n".to_owned();
    }
    let rows: Vec<Vec<String>> = types
        .iter()
        .map(|t| {
            let fields: Vec<String> = t
                .fields
                .iter()
                .map(|f| {
                    format!(
                        "{}{}: {}",
                        clean(&f.name),
                        if f.required { "*" } else { "" },
                        clean(f.field_type.as_str())
                    )
                })
                .collect();
            vec![
                clean(t.node_type.as_str()),
                clean(&t.label),
                if fields.is_empty() {
                    "-".to_owned()
                } else {
                    fields.join(", ")
                },
                t.description
                    .as_deref()
                    .map_or("-".to_owned(), |d| shorten(&clean(d), 50)),
            ]
        })
        .collect();
    format!(
        "{}\n{}; * marks a required field\n",
        table(&["TYPE", "LABEL", "CONFIG FIELDS", "DESCRIPTION"], &rows),
        plural(types.len(), "node type", "node types")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(text: &str) -> Result<NewWorkflow, Failure> {
        let (w, _) = parse::<NewWorkflow>("wf.json", text.as_bytes(), CREATE_KEYS)?;
        w.validate().map_err(|e| invalid_file("wf.json", e))?;
        Ok(w)
    }

    const FLOW: &str = r#"{"name": "KYC", "entryNodeId": "start", "nodes": [
        {"id": "start", "type": "request", "next": "done"},
        {"id": "done", "type": "response"}]}"#;

    #[test]
    fn a_workflow_file_becomes_the_body() {
        let w = create(FLOW).unwrap();
        assert_eq!((w.name.as_str(), w.nodes.len()), ("KYC", 2));
        assert_eq!(w.workflow_id, None);
        // What `get --json` prints goes back in.
        let got = r#"{"workflowId": "kyc", "name": "KYC", "entryNodeId": "a",
            "nodes": [{"id": "a", "type": "request"}],
            "createdAt": "2026-04-08T10:00:00.000Z", "updatedAt": null}"#;
        assert_eq!(create(got).unwrap().workflow_id.as_deref(), Some("kyc"));
    }

    #[test]
    fn a_bad_workflow_file_is_a_usage_error_naming_where() {
        for (text, message) in [
            (
                "{\"name\": \"KYC\",\n  \"nodes\": [}",
                "--file wf.json is not a valid workflow: expected value at line 2 column 13",
            ),
            (
                "[]",
                "--file wf.json is not a valid workflow: invalid type: sequence, expected a map at line 1 column 0",
            ),
            (
                r#"{"name": "KYC", "entryNodeID": "a", "nodes": []}"#,
                "--file wf.json is not a valid workflow: unknown key `entryNodeID` (expected name, entryNodeId, nodes, workflowId)",
            ),
            (
                r#"{"name": "KYC", "entryNodeId": "a", "nodes": [{"id": "a", "type": "request", "nxt": "b"}]}"#,
                "--file wf.json is not a valid workflow: `nodes[0]` has the unknown key `nxt` (expected id, type, next, config)",
            ),
            (
                "{\"name\": \"KYC\",\n \"nodes\": []\n}",
                "--file wf.json is not a valid workflow: missing field `entryNodeId` at line 3 column 1",
            ),
            (
                r#"{"name": 7, "entryNodeId": "a", "nodes": []}"#,
                "--file wf.json is not a valid workflow: at `name`: invalid type: integer `7`, expected a string at line 1 column 44",
            ),
            (
                r#"{"name": "KYC", "entryNodeId": "a", "nodes": []}"#,
                "--file wf.json is not a valid workflow: a workflow must have at least one node",
            ),
            (
                r#"{"name": "KYC", "entryNodeId": "a", "nodes": [{"id": "a", "type": "request", "next": "b"}]}"#,
                "--file wf.json is not a valid workflow: node `a`: `next` names `b`, which is not a node of the workflow",
            ),
        ] {
            let f = create(text).unwrap_err();
            assert_eq!((f.code, f.message.as_str()), (2, message), "{text}");
        }
    }

    fn update(text: &str) -> Result<WorkflowUpdate, Failure> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("hopae-cli-wf-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wf.json");
        std::fs::write(&file, text).unwrap();
        let result = workflow_update(file.to_str().unwrap(), "kyc");
        std::fs::remove_dir_all(&dir).unwrap();
        result.map_err(|f| Failure::usage(f.message.replace(file.to_str().unwrap(), "wf.json")))
    }

    #[test]
    fn an_update_file_sets_some_fields_and_keeps_its_id() {
        assert_eq!(
            update(r#"{"name": "KYC 2", "workflowId": "kyc"}"#).unwrap(),
            WorkflowUpdate::new().name("KYC 2")
        );
        assert_eq!(
            update(r#"{"workflowId": "other", "name": "x"}"#)
                .unwrap_err()
                .message,
            "--file wf.json is not a valid workflow: its workflowId other is not <WORKFLOW> `kyc`: a workflow's id cannot be changed"
        );
        assert_eq!(
            update(r#"{"createdAt": "2026-04-08T10:00:00.000Z"}"#)
                .unwrap_err()
                .message,
            "--file wf.json is not a valid workflow: nothing to change: it sets none of name, entryNodeId and nodes"
        );
        assert_eq!(
            update(r#"{"name": " "}"#).unwrap_err().message,
            "--file wf.json is not a valid workflow: `name` must not be empty"
        );
    }
}
