//! Workflows: list, get, create, update, delete, set-default and the node types.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::mock::state::{App, State, Workflow};

use super::{
    Ctx, Fail, Reply, app_index, body, conflict, created, invalid, joined, missing, not_found, ok,
    required, string,
};

pub(super) fn list_workflows(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    ok(s.apps[i].workflows.iter().map(Workflow::json).collect())
}

fn workflow_index(app: &App, id: &str) -> Result<usize, Fail> {
    app.workflows
        .iter()
        .position(|w| w.id == id)
        .ok_or_else(|| not_found("Workflow"))
}

pub(super) fn get_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let app = &s.apps[app_index(s, ctx)?];
    ok(app.workflows[workflow_index(app, &ctx.params[1])?].json())
}

/// The nodes of a workflow, checked: objects with a unique `id` and a `type`; `config`
/// an object of depth at most 5 with at most 50 keys per level; verification nodes name
/// only providers of the App; `entry` and every `next` name one of them. Linear in the
/// number of nodes (it runs under the state's lock).
fn check_nodes(app: &App, nodes: &Value, entry: &str) -> Result<Vec<Value>, Fail> {
    let Value::Array(nodes) = nodes else {
        return Err(invalid("nodes", "must be an array of nodes"));
    };
    if nodes.is_empty() {
        return Err(invalid("nodes", "must have at least one node"));
    }
    let mut ids: HashSet<String> = HashSet::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let prefix = format!("nodes[{i}]");
        let Value::Object(obj) = node else {
            return Err(invalid(&prefix, "must be an object"));
        };
        let id = required(obj, "id", &prefix)?;
        let kind = required(obj, "type", &prefix)?;
        if ids.contains(&id) {
            return Err(invalid(
                &joined(&prefix, "id"),
                format!("repeats the node id `{id}`"),
            ));
        }
        ids.insert(id);
        match obj.get("config") {
            None | Some(Value::Null) => {}
            Some(config @ Value::Object(_)) => {
                check_config(config, 1, &joined(&prefix, "config"))?;
                if kind == "verification" {
                    for provider in named_providers(config) {
                        if !app.providers.get(provider).is_some_and(|p| p.listed) {
                            return Err(invalid(
                                &joined(&prefix, "config"),
                                format!(
                                    "names the provider `{provider}`, which is not on this App"
                                ),
                            ));
                        }
                    }
                }
            }
            Some(_) => return Err(invalid(&joined(&prefix, "config"), "must be an object")),
        }
    }
    if !ids.contains(entry) {
        return Err(invalid(
            "entryNodeId",
            format!("names no node of `nodes` (`{entry}`)"),
        ));
    }
    for (i, node) in nodes.iter().enumerate() {
        check_next(&node["next"], &ids, &format!("nodes[{i}].next"))?;
    }
    Ok(nodes.clone())
}

/// A node's `next`: absent, a node id, or (for `if`) an array of routes whose own
/// `next` is a node id.
fn check_next(next: &Value, ids: &HashSet<String>, parameter: &str) -> Result<(), Fail> {
    let target = |value: &Value, parameter: &str| match value {
        Value::String(id) if ids.contains(id) => Ok(()),
        Value::String(id) => Err(invalid(
            parameter,
            format!("names `{id}`, which is not a node of the workflow"),
        )),
        _ => Err(invalid(parameter, "must be a node id")),
    };
    match next {
        Value::Null => Ok(()),
        Value::String(_) => target(next, parameter),
        Value::Array(routes) => routes
            .iter()
            .enumerate()
            .filter(|(_, route)| !route["next"].is_null())
            .try_for_each(|(j, route)| target(&route["next"], &format!("{parameter}[{j}].next"))),
        _ => Err(invalid(
            parameter,
            "must be a node id, or for an `if` node an array of routes",
        )),
    }
}

fn check_config(value: &Value, depth: usize, parameter: &str) -> Result<(), Fail> {
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Object(map) => {
            if map.len() > 50 {
                return Err(invalid(parameter, "has more than 50 keys on one level"));
            }
            Box::new(map.values())
        }
        Value::Array(items) => Box::new(items.iter()),
        _ => return Ok(()),
    };
    if depth > 5 {
        return Err(invalid(parameter, "is nested deeper than 5 levels"));
    }
    for child in children {
        check_config(child, depth + 1, parameter)?;
    }
    Ok(())
}

/// The providers a verification node's config names (`providers`, `providerIds`,
/// `provider` or `providerId`).
fn named_providers(config: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    for key in ["providers", "providerIds"] {
        if let Some(items) = config[key].as_array() {
            out.extend(items.iter().filter_map(Value::as_str));
        }
    }
    for key in ["provider", "providerId"] {
        if let Some(id) = config[key].as_str() {
            out.push(id);
        }
    }
    out
}

/// A workflow id derived from a name: lowercase letters and digits, dashes between.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "workflow".into()
    } else {
        out.into()
    }
}

pub(super) fn create_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let name = required(&obj, "name", "")?;
    let entry = required(&obj, "entryNodeId", "")?;
    let nodes = obj.get("nodes").ok_or_else(|| missing("nodes"))?;
    let app = &s.apps[i];
    let nodes = check_nodes(app, nodes, &entry)?;
    let id = match string(&obj, "workflowId", "")? {
        Some(id) => {
            let valid = !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid || id == "node-types" {
                return Err(invalid(
                    "workflowId",
                    "must be 1 to 64 letters, digits, `-` or `_` (and not `node-types`)",
                ));
            }
            id
        }
        None => slug(&name),
    };
    if app.workflows.iter().any(|w| w.id == id) {
        return Err(
            conflict(format!("A workflow with the id `{id}` already exists"))
                .parameter("workflowId"),
        );
    }
    if app.workflows.len() >= 100 {
        return Err(invalid("workflows", "an App has at most 100 workflows"));
    }
    let workflow = Workflow {
        id,
        name,
        entry_node_id: entry,
        nodes,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    let body = workflow.json();
    s.apps[i].workflows.push(workflow);
    created(body)
}

pub(super) fn update_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let app = &s.apps[i];
    let w = workflow_index(app, &ctx.params[1])?;
    let current = &app.workflows[w];
    let name = match string(&obj, "name", "")? {
        Some(n) if n.trim().is_empty() => return Err(invalid("name", "must not be empty")),
        other => other,
    };
    let entry = string(&obj, "entryNodeId", "")?.unwrap_or_else(|| current.entry_node_id.clone());
    let nodes = match obj.get("nodes") {
        Some(nodes) if !nodes.is_null() => nodes.clone(),
        _ => Value::Array(current.nodes.clone()),
    };
    let nodes = check_nodes(app, &nodes, &entry)?;
    let workflow = &mut s.apps[i].workflows[w];
    if let Some(name) = name {
        workflow.name = name;
    }
    workflow.entry_node_id = entry;
    workflow.nodes = nodes;
    workflow.updated_at = ctx.now;
    ok(workflow.json())
}

pub(super) fn delete_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let app = &mut s.apps[i];
    let w = workflow_index(app, &ctx.params[1])?;
    if app.workflows[w].id == app.default_workflow_id {
        return Err(invalid(
            "workflowId",
            "names the default workflow, which cannot be deleted (set another default first)",
        ));
    }
    app.workflows.remove(w);
    ok(json!({ "deleted": true }))
}

pub(super) fn set_default_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let app = &mut s.apps[i];
    let w = workflow_index(app, &ctx.params[1])?;
    app.default_workflow_id = app.workflows[w].id.clone();
    app.updated_at = ctx.now;
    ok(json!({ "success": true }))
}

pub(super) fn node_types(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    app_index(s, ctx)?;
    let field = |name: &str, kind: &str, required: bool, description: &str| json!({"name": name, "type": kind, "required": required, "description": description});
    let condition = [
        field(
            "field",
            "string",
            true,
            "The input to test: input.<dot.path>",
        ),
        json!({"name": "operator", "type": "enum", "required": true,
               "description": "How to compare",
               "enumValues": ["eq", "neq", "gt", "gte", "lt", "lte", "exists", "not_exists"]}),
        field("value", "string", false, "The value to compare with"),
    ];
    ok(json!([
        {"type": "request", "label": "Request", "description": "Where a verification starts",
         "fields": []},
        {"type": "verification", "label": "Verification",
         "description": "Verifies the user with one of the providers",
         "fields": [field("providers", "string[]", true, "The provider ids offered")]},
        {"type": "check-min-loa", "label": "Minimum LoA",
         "description": "Requires a level of assurance",
         "fields": [json!({"name": "minLoa", "type": "enum", "required": true,
                           "description": "The lowest level accepted",
                           "enumValues": ["low", "substantial", "high"]})]},
        {"type": "check-claim", "label": "Check claim", "description": "Requires a claim",
         "fields": [field("claim", "string", true, "The claim that must be present")]},
        {"type": "evaluate", "label": "Evaluate", "description": "Evaluates a condition",
         "fields": condition},
        {"type": "if", "label": "If", "description": "Routes on conditions",
         "fields": [field("routes", "object", true, "Conditions and the node each leads to")]},
        {"type": "response", "label": "Response", "description": "Ends the workflow",
         "fields": [field("claims", "string[]", false, "The claims returned")]},
    ]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_are_slugs_and_configs_are_bounded() {
        assert_eq!(slug("My  Flow!"), "my-flow");
        assert_eq!(slug("!!"), "workflow");
        let deep = json!({"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}});
        assert!(check_config(&deep, 1, "config").is_err());
        assert!(check_config(&deep["a"], 1, "config").is_ok());
    }

    #[test]
    fn a_graph_of_100_000_nodes_is_checked_with_its_faults_found() {
        let state = State::new(true, 2, 1);
        let app = &state.apps[0];
        let n = 100_000;
        let mut nodes: Vec<Value> = (0..n)
            .map(|i| json!({"id": format!("n{i}"), "type": "evaluate", "next": format!("n{}", (i + 1) % n)}))
            .collect();
        let checked = check_nodes(app, &Value::Array(nodes.clone()), "n0").map(|v| v.len());
        assert_eq!(checked.ok(), Some(n));
        nodes[n - 1]["next"] = json!("nowhere");
        let fail = check_nodes(app, &Value::Array(nodes.clone()), "n0").err();
        assert_eq!(
            fail.map(|f| f.message),
            Some(format!(
                "`nodes[{}].next` names `nowhere`, which is not a node of the workflow",
                n - 1
            ))
        );
        nodes[n - 1]["id"] = json!("n0");
        let fail = check_nodes(app, &Value::Array(nodes), "n0").err();
        assert_eq!(
            fail.map(|f| f.message),
            Some(format!("`nodes[{}].id` repeats the node id `n0`", n - 1))
        );
    }
}
