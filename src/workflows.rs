//! Workflows: the graphs of nodes an App runs for a verification.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::decode::ts;

/// A workflow: named nodes, run from `entry_node_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<OffsetDateTime>,
    /// When the workflow was last changed, if sent.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<OffsetDateTime>,
}

/// One node of a workflow. `next` and `config` stay raw JSON: their shape depends on the
/// node type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Node {
    /// The node id, unique in its workflow.
    pub id: String,
    /// The node type (`request`, `verification`, `if`, `response`, ...); an open set.
    #[serde(rename = "type")]
    pub node_type: String,
    /// The next node: an id, or for `if` an array of routes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<serde_json::Value>,
    /// The node's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

impl Node {
    /// A node with this id and type, without `next` or `config`.
    pub fn new(id: impl Into<String>, node_type: impl Into<String>) -> Node {
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

    /// Sets the node's configuration.
    pub fn config(mut self, config: serde_json::Value) -> Node {
        self.config = Some(config);
        self
    }
}
