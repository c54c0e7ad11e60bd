//! The workspace the API key belongs to: [`HopaeClient::workspace`] (`GET /workspace`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::client::HopaeClient;
use crate::decode::ts;
use crate::error::Error;
use crate::http::Call;

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

impl HopaeClient {
    /// The workspace the API key belongs to.
    ///
    /// # Errors
    ///
    /// - [`Error::Api`] for a non-2xx status (401 invalid key);
    /// - [`Error::Transport`], [`Error::Decode`], [`Error::ResponseTooLarge`] as for
    ///   every call.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let ws = client.workspace()?;
    /// println!("{} has {} apps", ws.id, ws.apps_count);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn workspace(&self) -> Result<Workspace, Error> {
        self.send(Call::get("get workspace", "/workspace".into()))
    }
}
