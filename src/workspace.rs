//! The workspace the API key belongs to: [`HopaeClient::workspace`](crate::HopaeClient::workspace)
//! (`GET /workspace`).

use serde::Serialize;
use time::OffsetDateTime;

use crate::decode::ts;
use crate::error::Error;
use crate::http::{Call, Transport};

/// The workspace (the customer's Console organization) of the API key.
///
/// Hopae sends the creation time twice, as an RFC 3339 `createdAt` and as Unix seconds in
/// `created_at`; [`Workspace::created_at`] is read from `createdAt`.
///
/// # Example
///
/// ```
/// let ws: hopae::workspace::Workspace = serde_json::from_str(r#"{
///     "id": "org_2b7c9d1e", "apps_count": 3,
///     "createdAt": "2026-01-15T08:30:00.000Z", "created_at": 1768465800
/// }"#)?;
/// assert_eq!(ws.apps_count, 3);
/// assert_eq!(ws.created_at.unix_timestamp(), 1_768_465_800);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Workspace {
    /// The workspace id (`org_...`).
    pub id: String,
    /// How many Apps the workspace has.
    pub apps_count: u64,
    /// When the workspace was created. (Hopae also sends the same instant as Unix
    /// seconds in `created_at`.)
    #[serde(rename = "createdAt", with = "ts")]
    pub created_at: OffsetDateTime,
}

crate::json::from_json!(Workspace {
    id: req("id"),
    apps_count: req("apps_count"),
    created_at: req("createdAt"),
});

/// `GET /workspace`.
pub(crate) fn get(transport: &Transport) -> Result<Workspace, Error> {
    transport.send(Call::get("get workspace", "/workspace".into()))
}
