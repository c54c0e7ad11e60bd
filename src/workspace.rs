//! The workspace the API key belongs to: [`HopaeClient::workspace`] (`GET /workspace`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::client::HopaeClient;
use crate::decode::ts;
use crate::error::Error;
use crate::http::Call;

/// The workspace (the customer's Console organization) of the API key.
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
