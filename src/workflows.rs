//! Workflows: the graphs of nodes an App runs for a verification ([`Workflows`], from
//! [`AppHandle::workflows`]).
//!
//! | call | method and path |
//! |---|---|
//! | [`Workflows::list`] | `GET /apps/{client_id}/workflows` |
//! | [`Workflows::get`] | `GET /apps/{client_id}/workflows/{workflow_id}` |
//! | [`Workflows::create`] | `POST /apps/{client_id}/workflows` |
//! | [`Workflows::update`] | `PATCH /apps/{client_id}/workflows/{workflow_id}` |
//! | [`Workflows::delete`] | `DELETE /apps/{client_id}/workflows/{workflow_id}` |
//! | [`Workflows::set_default`] | `POST /apps/{client_id}/workflows/{workflow_id}/set-default` |
//! | [`Workflows::node_types`] | `GET /apps/{client_id}/workflows/node-types` |
//!
//! A node's `next` and `config` stay raw JSON ([`serde_json::Value`]): their shapes
//! depend on the node type. Node types and field types are open sets ([`NodeKind`],
//! [`FieldKind`]): values this crate does not know are kept as sent.
//!
//! A delete answered `{"deleted": false}` or a set-default answered `{"success": false}`
//! is an [`Error::Api`] carrying the 2xx status (see there), never `Ok`.

use std::collections::HashSet;

use serde::Serialize;
use time::OffsetDateTime;

use crate::decode::ts;
use crate::error::Error;
use crate::http::{AppHandle, Call, Idempotent, segment};
use crate::open_enum::open_enum;

open_enum! {
    /// What a workflow node does (its `type`).
    NodeKind {
        /// Starts the workflow from the authorize request.
        Request = "request",
        /// Runs a verification with one of the configured providers.
        Verification = "verification",
        /// Checks the level of assurance reached so far.
        CheckMinLoa = "check-min-loa",
        /// Checks a claim of the verified identity.
        CheckClaim = "check-claim",
        /// Evaluates conditions on the input.
        Evaluate = "evaluate",
        /// Branches on conditions: its `next` is an array of routes.
        If = "if",
        /// Ends the workflow with the response.
        Response = "response",
    }
}

open_enum! {
    /// The type of a node configuration field ([`NodeTypeField::field_type`]).
    FieldKind {
        /// A string.
        String = "string",
        /// A number.
        Number = "number",
        /// A boolean.
        Boolean = "boolean",
        /// One of [`NodeTypeField::enum_values`].
        Enum = "enum",
        /// A JSON object.
        Object = "object",
        /// An array of strings.
        StringArray = "string[]",
    }
}

/// A workflow: named nodes, run from `entry_node_id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Workflow {
    /// The workflow id.
    pub workflow_id: String,
    /// The display name.
    pub name: String,
    /// The id of the node the workflow starts at.
    pub entry_node_id: String,
    /// The nodes.
    pub nodes: Vec<Node>,
    /// When the workflow was created, if sent.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<OffsetDateTime>,
    /// When the workflow was last changed, if sent.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<OffsetDateTime>,
}

crate::json::from_json!(Workflow {
    workflow_id: req("workflowId"),
    name: req("name"),
    entry_node_id: req("entryNodeId"),
    nodes: req("nodes"),
    created_at: opt("createdAt"),
    updated_at: opt("updatedAt"),
});

/// One node of a workflow. `next` and `config` stay raw JSON: their shape depends on the
/// node type.
///
/// # Example
///
/// ```
/// use hopae::workflows::{Node, NodeKind};
///
/// let node = Node::new("verify", "verification")
///     .config(serde_json::json!({"providers": ["mitid"]}))
///     .next("done");
/// assert_eq!(node.node_type, NodeKind::Verification);
/// assert_eq!(
///     serde_json::to_string(&node)?,
///     r#"{"id":"verify","type":"verification","next":"done","config":{"providers":["mitid"]}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Node {
    /// The node id, unique in its workflow.
    pub id: String,
    /// The node type (`request`, `verification`, `if`, `response`, ...); an open set.
    #[serde(rename = "type")]
    pub node_type: NodeKind,
    /// The next node: an id, or for `if` an array of routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<serde_json::Value>,
    /// The node's configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

crate::json::from_json!(Node {
    id: req("id"),
    node_type: req("type"),
    next: opt("next"),
    config: opt("config"),
});

impl Node {
    /// A node with this id and type, without `next` or `config`.
    pub fn new(id: impl Into<String>, node_type: impl Into<NodeKind>) -> Node {
        Node {
            id: id.into(),
            node_type: node_type.into(),
            next: None,
            config: None,
        }
    }

    /// Sets `next` to one node id.
    pub fn next(mut self, node_id: impl Into<String>) -> Node {
        self.next = Some(serde_json::Value::String(node_id.into()));
        self
    }

    /// Sets `next` to raw JSON: the routes of an `if` node, e.g.
    /// `[{"condition": {...}, "next": "a"}, {"default": true, "next": "b"}]`.
    pub fn next_routes(mut self, routes: serde_json::Value) -> Node {
        self.next = Some(routes);
        self
    }

    /// Sets the node's configuration.
    pub fn config(mut self, config: serde_json::Value) -> Node {
        self.config = Some(config);
        self
    }
}

/// The body of [`Workflows::create`]: a name, the entry node and the nodes, and
/// optionally the workflow id (else the server derives it from the name).
///
/// # Example
///
/// ```
/// use hopae::workflows::{NewWorkflow, Node};
///
/// let flow = NewWorkflow::new("KYC", "start", [
///     Node::new("start", "request").next("done"),
///     Node::new("done", "response"),
/// ]);
/// assert!(flow.validate().is_ok());
/// let broken = NewWorkflow::new("KYC", "start", [Node::new("start", "request").next("nowhere")]);
/// assert_eq!(
///     broken.validate().unwrap_err().to_string(),
///     "invalid input: node `start`: `next` names `nowhere`, which is not a node of the workflow"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewWorkflow {
    /// The workflow id to use; `None` lets the server derive it from the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// The display name (not empty).
    pub name: String,
    /// The id of the node the workflow starts at: one of `nodes`.
    pub entry_node_id: String,
    /// The nodes (at least one, ids unique).
    pub nodes: Vec<Node>,
}

crate::json::from_json!(NewWorkflow {
    workflow_id: opt("workflowId"),
    name: req("name"),
    entry_node_id: req("entryNodeId"),
    nodes: req("nodes"),
});

impl NewWorkflow {
    /// A workflow with this name, entry node and nodes.
    pub fn new(
        name: impl Into<String>,
        entry_node_id: impl Into<String>,
        nodes: impl IntoIterator<Item = Node>,
    ) -> NewWorkflow {
        NewWorkflow {
            workflow_id: None,
            name: name.into(),
            entry_node_id: entry_node_id.into(),
            nodes: nodes.into_iter().collect(),
        }
    }

    /// Chooses the workflow id (else the server derives it from the name).
    pub fn workflow_id(mut self, workflow_id: impl Into<String>) -> NewWorkflow {
        self.workflow_id = Some(workflow_id.into());
        self
    }

    /// Checks what can be checked without the server.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty name or workflow id, no nodes, a node with an
    /// empty id, two nodes with one id, an `entryNodeId` that names no node, or a node
    /// whose `next` is a string naming no node (the routes of an `if` node are left to
    /// the server). The message names the node.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(id) = &self.workflow_id
            && id.trim().is_empty()
        {
            return Err(Error::invalid_input("`workflowId` must not be empty"));
        }
        validate_name(&self.name)?;
        validate_graph(&self.nodes, Some(&self.entry_node_id))
    }
}

/// The body of [`Workflows::update`]: every field optional; only the fields set are sent.
/// `nodes` replaces all the nodes.
///
/// # Example
///
/// ```
/// let update = hopae::workflows::WorkflowUpdate::new().name("KYC v2");
/// assert_eq!(serde_json::to_string(&update)?, r#"{"name":"KYC v2"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkflowUpdate {
    /// A new display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new entry node id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_node_id: Option<String>,
    /// The complete new list of nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<Node>>,
}

crate::json::from_json!(WorkflowUpdate {
    name: opt("name"),
    entry_node_id: opt("entryNodeId"),
    nodes: opt("nodes"),
});

impl WorkflowUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> WorkflowUpdate {
        WorkflowUpdate::default()
    }

    /// Sets a new display name.
    pub fn name(mut self, name: impl Into<String>) -> WorkflowUpdate {
        self.name = Some(name.into());
        self
    }

    /// Sets a new entry node id.
    pub fn entry_node_id(mut self, node_id: impl Into<String>) -> WorkflowUpdate {
        self.entry_node_id = Some(node_id.into());
        self
    }

    /// Replaces all the nodes.
    pub fn nodes(mut self, nodes: impl IntoIterator<Item = Node>) -> WorkflowUpdate {
        self.nodes = Some(nodes.into_iter().collect());
        self
    }

    /// Checks what can be checked without the server: the rules of
    /// [`NewWorkflow::validate`] for the fields that are set. An `entryNodeId` set
    /// without `nodes` refers to the stored nodes and is left to the server.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`], naming the node, as [`NewWorkflow::validate`].
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(name) = &self.name {
            validate_name(name)?;
        }
        if let Some(entry) = &self.entry_node_id
            && entry.is_empty()
        {
            return Err(Error::invalid_input("`entryNodeId` must not be empty"));
        }
        match &self.nodes {
            Some(nodes) => validate_graph(nodes, self.entry_node_id.as_deref()),
            None => Ok(()),
        }
    }
}

fn validate_name(name: &str) -> Result<(), Error> {
    if name.trim().is_empty() {
        return Err(Error::invalid_input("`name` must not be empty"));
    }
    Ok(())
}

/// The graph rules: nodes, unique non-empty ids, an entry that is a node, string `next`s
/// that are nodes.
fn validate_graph(nodes: &[Node], entry: Option<&str>) -> Result<(), Error> {
    if nodes.is_empty() {
        return Err(Error::invalid_input(
            "a workflow must have at least one node",
        ));
    }
    let mut ids = HashSet::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        if node.id.is_empty() {
            return Err(Error::input_at(
                format!("nodes[{i}].id"),
                format!("`nodes[{i}]`: `id` must not be empty"),
            ));
        }
        if !ids.insert(node.id.as_str()) {
            return Err(Error::input_at(
                format!("nodes[{i}].id"),
                format!("node `{}`: two nodes have this id", node.id),
            ));
        }
    }
    if let Some(entry) = entry
        && !ids.contains(entry)
    {
        return Err(Error::invalid_input(format!(
            "`entryNodeId` `{entry}` names no node of the workflow"
        )));
    }
    for (i, node) in nodes.iter().enumerate() {
        if let Some(serde_json::Value::String(next)) = &node.next
            && !ids.contains(next.as_str())
        {
            return Err(Error::input_at(
                format!("nodes[{i}].next"),
                format!(
                    "node `{}`: `next` names `{next}`, which is not a node of the workflow",
                    node.id
                ),
            ));
        }
    }
    Ok(())
}

/// A node type the workflow editor offers, with the configuration fields it takes (from
/// [`Workflows::node_types`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NodeType {
    /// The node type, as [`Node::node_type`] takes it.
    #[serde(rename = "type")]
    pub node_type: NodeKind,
    /// A short display name.
    pub label: String,
    /// What the node does.
    pub description: Option<String>,
    /// The fields of the node's `config`.
    pub fields: Vec<NodeTypeField>,
}

crate::json::from_json!(NodeType {
    node_type: req("type"),
    label: req("label"),
    description: opt("description"),
    fields: def_with("fields", crate::json::null_as_empty),
});

/// One configuration field of a [`NodeType`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NodeTypeField {
    /// The key in the node's `config`.
    pub name: String,
    /// The value's type (`string`, `number`, `boolean`, `enum`, `object`, `string[]`).
    #[serde(rename = "type")]
    pub field_type: FieldKind,
    /// Whether the field must be set.
    pub required: bool,
    /// What the field means.
    pub description: Option<String>,
    /// The allowed values of an `enum` field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<serde_json::Value>>,
}

crate::json::from_json!(NodeTypeField {
    name: req("name"),
    field_type: req("type"),
    required: def("required"),
    description: opt("description"),
    enum_values: opt("enumValues"),
});

/// The workflows of one App, from [`AppHandle::workflows`]. Making it sends nothing.
#[derive(Debug, Clone)]
pub struct Workflows<'a> {
    app: AppHandle<'a>,
}

impl<'a> AppHandle<'a> {
    /// The App's workflows: list, get, create, update, delete, set the default, and the
    /// node types the editor offers.
    pub fn workflows(&self) -> Workflows<'a> {
        Workflows { app: self.clone() }
    }
}

impl<'a> Workflows<'a> {
    /// The workflow POSTs (create, set the default) with the caller's idempotency key: see [`Idempotent`].
    pub fn with_idempotency_key(&self, key: &str) -> Idempotent<Workflows<'a>> {
        Idempotent::new(self.clone(), key)
    }

    /// `/apps/{client_id}/workflows/{workflow_id}` followed by `suffix`.
    fn path(&self, workflow_id: &str, suffix: &str) -> Result<String, Error> {
        let id = segment("workflow_id", workflow_id)?;
        self.app.path(&format!("/workflows/{id}{suffix}"))
    }

    /// Lists the App's workflows, the default included.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id cannot be a path segment;
    /// - [`Error::Api`] for a non-2xx status (404 unknown App);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// for flow in client.app("FK5b0KSM").workflows().list()? {
    ///     println!("{} {} ({} nodes)", flow.workflow_id, flow.name, flow.nodes.len());
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn list(&self) -> Result<Vec<Workflow>, Error> {
        let call = Call::get("list workflows", self.app.path("/workflows")?);
        self.app.transport.send_list(call)
    }

    /// Fetches one workflow.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id or `workflow_id` cannot be a path
    ///   segment;
    /// - [`Error::Api`] for a non-2xx status (404 unknown workflow);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let flow = client.app("FK5b0KSM").workflows().get("wf_6ec9b183")?;
    /// println!("{} starts at {}", flow.name, flow.entry_node_id);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn get(&self, workflow_id: &str) -> Result<Workflow, Error> {
        let call = Call::get("get workflow", self.path(workflow_id, "")?);
        self.app.transport.send(call)
    }

    /// Creates a workflow and returns it as stored.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when [`NewWorkflow::validate`] fails (nothing is sent);
    /// - [`Error::Api`] for a non-2xx status: 400 when a verification node names a
    ///   provider that is not on the App or the App has 100 workflows, 409 when the
    ///   workflow id exists;
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::workflows::{NewWorkflow, Node};
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let flow = client.app("FK5b0KSM").workflows().create(&NewWorkflow::new("KYC", "start", [
    ///     Node::new("start", "request").next("verify"),
    ///     Node::new("verify", "verification")
    ///         .config(serde_json::json!({"providers": ["mitid"]}))
    ///         .next("done"),
    ///     Node::new("done", "response"),
    /// ]))?;
    /// println!("created {}", flow.workflow_id);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn create(&self, workflow: &NewWorkflow) -> Result<Workflow, Error> {
        self.create_keyed(workflow, None)
    }

    fn create_keyed(&self, workflow: &NewWorkflow, key: Option<&str>) -> Result<Workflow, Error> {
        workflow.validate()?;
        let call = Call::post("create workflow", self.app.path("/workflows")?).json(workflow)?;
        self.app.transport.send(call.keyed(key))
    }

    /// Changes the fields set in `update` and returns the workflow as stored.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when [`WorkflowUpdate::validate`] fails or
    ///   `workflow_id` cannot be a path segment (nothing is sent);
    /// - otherwise as [`Workflows::get`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::workflows::WorkflowUpdate;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let flow = client
    ///     .app("FK5b0KSM")
    ///     .workflows()
    ///     .update("wf_6ec9b183", &WorkflowUpdate::new().name("KYC v2"))?;
    /// println!("renamed to {}", flow.name);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn update(&self, workflow_id: &str, update: &WorkflowUpdate) -> Result<Workflow, Error> {
        update.validate()?;
        let call = Call::patch("update workflow", self.path(workflow_id, "")?).json(update)?;
        self.app.transport.send(call)
    }

    /// Deletes a workflow.
    ///
    /// # Errors
    ///
    /// - [`Error::Api`] with status 400 for the App's default workflow, and with the
    ///   2xx status when the answer is `{"deleted": false}`;
    /// - otherwise as [`Workflows::get`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// client.app("FK5b0KSM").workflows().delete("wf_6ec9b183")?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn delete(&self, workflow_id: &str) -> Result<(), Error> {
        let call = Call::delete("delete workflow", self.path(workflow_id, "")?);
        self.app.transport.send_confirmed(call, "deleted")
    }

    /// Makes a workflow the App's default: the one an OIDC authorize runs when it names
    /// no `workflow_id`.
    ///
    /// # Errors
    ///
    /// - [`Error::Api`] with the 2xx status when the answer is `{"success": false}`;
    /// - otherwise as [`Workflows::get`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// client.app("FK5b0KSM").workflows().set_default("wf_6ec9b183")?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn set_default(&self, workflow_id: &str) -> Result<(), Error> {
        self.set_default_keyed(workflow_id, None)
    }

    fn set_default_keyed(&self, workflow_id: &str, key: Option<&str>) -> Result<(), Error> {
        let call = Call::post(
            "set default workflow",
            self.path(workflow_id, "/set-default")?,
        );
        self.app
            .transport
            .send_confirmed(call.keyed(key), "success")
    }

    /// The node types a workflow can use, with their configuration fields.
    ///
    /// # Errors
    ///
    /// As [`Workflows::list`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// for t in client.app("FK5b0KSM").workflows().node_types()? {
    ///     println!("{:?}: {} ({} fields)", t.node_type, t.label, t.fields.len());
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn node_types(&self) -> Result<Vec<NodeType>, Error> {
        let call = Call::get(
            "list workflow node types",
            self.app.path("/workflows/node-types")?,
        );
        self.app.transport.send_list(call)
    }
}

impl Idempotent<Workflows<'_>> {
    /// [`Workflows::create`] with this key.
    ///
    /// # Errors
    ///
    /// As [`Workflows::create`], plus [`Error::InvalidInput`] for an invalid key.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::workflows::{NewWorkflow, Node};
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let flow = NewWorkflow::new("KYC", "start", [Node::new("start", "request")]);
    /// // Sent again with the same key, the API answers with the same workflow.
    /// let created = client
    ///     .app("FK5b0KSM")
    ///     .workflows()
    ///     .with_idempotency_key("kyc-workflow-1")
    ///     .create(&flow)?;
    /// println!("created {}", created.workflow_id);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn create(self, workflow: &NewWorkflow) -> Result<Workflow, Error> {
        self.handle.create_keyed(workflow, Some(self.key()?))
    }

    /// [`Workflows::set_default`] with this key.
    ///
    /// # Errors
    ///
    /// As [`Workflows::set_default`], plus [`Error::InvalidInput`] for an invalid key.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// client
    ///     .app("FK5b0KSM")
    ///     .workflows()
    ///     .with_idempotency_key("default-wf_6ec9b183")
    ///     .set_default("wf_6ec9b183")?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn set_default(self, workflow_id: &str) -> Result<(), Error> {
        self.handle
            .set_default_keyed(workflow_id, Some(self.key()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(nodes: Vec<Node>) -> NewWorkflow {
        NewWorkflow::new("KYC", "start", nodes)
    }

    fn msg(r: Result<(), Error>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn graph_errors_name_the_field_not_the_node_id() {
        let field = |r: Result<(), Error>| match r {
            Err(Error::InvalidInput(e)) => e.field().map(str::to_owned),
            other => panic!("{other:?}"),
        };
        let dup = flow(vec![
            Node::new("start", "request"),
            Node::new("start", "response"),
        ]);
        assert_eq!(field(dup.validate()).as_deref(), Some("nodes[1].id"));
        let next = flow(vec![Node::new("start", "request").next("nowhere")]);
        assert_eq!(field(next.validate()).as_deref(), Some("nodes[0].next"));
        let entry = NewWorkflow::new("KYC", "missing", [Node::new("start", "request")]);
        assert_eq!(field(entry.validate()).as_deref(), Some("entryNodeId"));
    }

    #[test]
    fn a_graph_of_100_000_nodes_is_checked_in_one_pass() {
        let n = 100_000;
        let mut nodes: Vec<Node> = (0..n)
            .map(|i| Node::new(format!("n{i}"), "evaluate").next(format!("n{}", (i + 1) % n)))
            .collect();
        assert!(
            NewWorkflow::new("big", "n0", nodes.clone())
                .validate()
                .is_ok()
        );
        nodes[n - 1].id = "n0".into();
        let e = NewWorkflow::new("big", "n0", nodes).validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: node `n0`: two nodes have this id"
        );
    }

    #[test]
    fn graph_checks_name_the_node() {
        assert!(
            flow(vec![
                Node::new("start", "request").next("done"),
                Node::new("done", "response")
            ])
            .validate()
            .is_ok()
        );
        assert_eq!(
            msg(NewWorkflow::new(" ", "start", [Node::new("start", "request")]).validate()),
            "invalid input: `name` must not be empty"
        );
        assert_eq!(
            msg(flow(vec![]).validate()),
            "invalid input: a workflow must have at least one node"
        );
        assert_eq!(
            msg(flow(vec![Node::new("other", "request")]).validate()),
            "invalid input: `entryNodeId` `start` names no node of the workflow"
        );
        assert_eq!(
            msg(flow(vec![
                Node::new("start", "request"),
                Node::new("start", "response")
            ])
            .validate()),
            "invalid input: node `start`: two nodes have this id"
        );
        assert_eq!(
            msg(flow(vec![Node::new("start", "request").next("gone")]).validate()),
            "invalid input: node `start`: `next` names `gone`, which is not a node of the workflow"
        );
        // The routes of an `if` node are the server's to check.
        let routes = serde_json::json!([{"next": "gone"}]);
        assert!(
            flow(vec![Node::new("start", "if").next_routes(routes)])
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn updates_check_only_what_is_set() {
        assert!(WorkflowUpdate::new().validate().is_ok());
        assert!(WorkflowUpdate::new().entry_node_id("x").validate().is_ok());
        assert_eq!(
            msg(WorkflowUpdate::new().nodes([]).validate()),
            "invalid input: a workflow must have at least one node"
        );
        assert_eq!(
            msg(WorkflowUpdate::new()
                .entry_node_id("x")
                .nodes([Node::new("a", "request")])
                .validate()),
            "invalid input: `entryNodeId` `x` names no node of the workflow"
        );
    }

    #[test]
    fn node_kinds_keep_unknown_values() {
        let node: Node = serde_json::from_str(r#"{"id":"a","type":"face-match"}"#).unwrap();
        assert_eq!(node.node_type, NodeKind::Other("face-match".into()));
        assert_eq!(
            serde_json::to_string(&node).unwrap(),
            r#"{"id":"a","type":"face-match"}"#
        );
        assert_eq!(NodeKind::from("check-min-loa"), NodeKind::CheckMinLoa);
    }
}
