//! Apps: the collection ([`Apps`], from [`HopaeClient::apps`](crate::HopaeClient::apps)), one App
//! ([`AppHandle`], from [`HopaeClient::app`](crate::HopaeClient::app)), and their request and response types.
//!
//! | call | method and path |
//! |---|---|
//! | [`Apps::list`] | `GET /apps?limit=&offset=` |
//! | [`Apps::iter`] | `GET /apps?limit=100&offset=…`, page by page |
//! | [`Apps::create`] | `POST /apps` |
//! | [`Apps::batch_create`] | `POST /apps/batch` |
//! | [`AppHandle::get`] | `GET /apps/{client_id}` |
//! | [`AppHandle::update`] | `PATCH /apps/{client_id}` |
//! | [`AppHandle::delete`] | `DELETE /apps/{client_id}` |
//! | [`AppHandle::rotate_client_secret`] | `POST /apps/{client_id}/rotate-client-secret` |
//! | [`AppHandle::redirect_uris`] | `GET /apps/{client_id}/redirect-uris` |
//! | [`AppHandle::set_redirect_uris`] | `PUT /apps/{client_id}/redirect-uris` |
//!
//! What lives under an App has its own module: [`crate::webhooks`] (webhook settings),
//! [`crate::workflows`] ([`AppHandle::workflows`]), [`crate::providers`]
//! ([`AppHandle::providers`], [`AppHandle::provider`]), [`crate::domains`]
//! ([`AppHandle::custom_domain`] and its siblings) and [`crate::production_tests`].

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use time::OffsetDateTime;

use crate::decode::{self, DecodeResult, obj, ts};
use crate::error::{Error, InputErrorKind, PagingError, PagingErrorKind};
use crate::http::{Call, Idempotent, Transport};
use crate::secret::Secret;

pub use crate::http::AppHandle;
use crate::webhooks::{WebhookConfig, WebhookConfigUpdate};
use crate::workflows::Workflow;

/// The most Apps one page holds, as documented.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The most items one batch create takes, as documented.
pub const MAX_BATCH_ITEMS: usize = 100;
/// The most redirect URIs an App holds, as documented.
pub const MAX_REDIRECT_URIS: usize = 20;
/// The longest redirect URI accepted, in characters, as documented.
pub const MAX_REDIRECT_URI_CHARS: usize = 2048;

/// A page of a paginated list (`{data, total, limit, offset}`).
///
/// # Example
///
/// ```
/// let page: hopae::Page<serde_json::Value> =
///     serde_json::from_str(r#"{"data": [{"id": 1}], "total": 41, "limit": 20, "offset": 20}"#)?;
/// assert_eq!(page.data.len(), 1);
/// let next_offset = page.offset + page.data.len() as u64;
/// assert_eq!((next_offset, page.total), (21, 41));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    #[serde(deserialize_with = "obj::vec")]
    pub data: Vec<T>,
    /// How many items exist in all.
    pub total: u64,
    /// The page size the server applied.
    pub limit: u64,
    /// How many items precede this page.
    pub offset: u64,
}

impl<T: crate::json::FromJson> crate::json::FromJson for Page<T> {
    fn from_json(v: serde_json::Value, at: crate::json::At<'_>) -> Result<Self, crate::json::Bad> {
        let mut o = crate::json::Obj::new(v, at)?;
        let page = Page {
            data: o.req("data"),
            total: o.req("total"),
            limit: o.req("limit"),
            offset: o.req("offset"),
        };
        o.finish(page)
    }
}

/// An App: one OIDC client of the workspace, with its providers, workflows and
/// webhook settings.
///
/// `client_secret` is a [`Secret`]: `Debug` shows `Secret([redacted])`, and
/// [`Secret::expose`] gives the value.
///
/// # Example
///
/// ```
/// let app: hopae::apps::App = serde_json::from_str(r#"{
///     "clientId": "FK5b0KSM",
///     "name": "Shop",
///     "clientSecret": "cs_live_abc123xyz",
///     "redirectUris": ["https://shop.example/cb"],
///     "providers": {"passport": {"enabled": true}},
///     "defaultWorkflowId": "default",
///     "workflows": [],
///     "organizationId": "org_2b7c9d1e",
///     "createdAt": "2026-04-01T09:00:00.000Z",
///     "updatedAt": "2026-04-01T09:00:00.000Z"
/// }"#)?;
/// assert!(app.providers["passport"].enabled);
/// assert_eq!(app.webhook_config, None);
/// assert_eq!(app.client_secret.as_ref().map(|s| s.expose().as_str()), Some("cs_live_abc123xyz"));
/// let shown = format!("{app:?}");
/// assert!(shown.contains("client_secret: Some(Secret([redacted]))"));
/// assert!(!shown.contains("cs_live_abc123xyz"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct App {
    /// The App's client id (8 alphanumeric characters in every example): the id every
    /// `/apps/{client_id}/...` path takes.
    pub client_id: String,
    /// The display name.
    pub name: String,
    /// The logo, as a base64 `data:` URL, when one is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// The OIDC redirect URIs.
    pub redirect_uris: Vec<String>,
    /// The client secret. Hopae's documents disagree on whether reads return it, so it
    /// is optional; it is a secret either way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// The providers ever configured on the App, by provider id.
    pub providers: BTreeMap<String, ProviderSetting>,
    /// The workflow that runs when an authorize request names none.
    pub default_workflow_id: String,
    /// The App's workflows, the default included.
    pub workflows: Vec<Workflow>,
    /// The workspace (organization) the App belongs to (`org_...`).
    pub organization_id: String,
    /// Where and how Hopae delivers webhooks, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_config: Option<WebhookConfig>,
    /// Where users land after a successful verification, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_success_redirect_uri: Option<String>,
    /// Where users land after a failed verification, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_failure_redirect_uri: Option<String>,
    /// When the App was created.
    #[serde(with = "ts")]
    pub created_at: OffsetDateTime,
    /// When the App was last changed.
    #[serde(with = "ts")]
    pub updated_at: OffsetDateTime,
}

crate::json::from_json!(App {
    client_id: req("clientId"),
    name: req("name"),
    logo: opt("logo"),
    redirect_uris: req("redirectUris"),
    client_secret: opt("clientSecret"),
    providers: req("providers"),
    default_workflow_id: req("defaultWorkflowId"),
    workflows: req("workflows"),
    organization_id: req("organizationId"),
    webhook_config: opt("webhookConfig"),
    default_success_redirect_uri: opt("defaultSuccessRedirectUri"),
    default_failure_redirect_uri: opt("defaultFailureRedirectUri"),
    created_at: req("createdAt"),
    updated_at: req("updatedAt"),
});

/// One provider's setting on an App (`providers.{providerId}`).
///
/// # Example
///
/// ```
/// let mitid: hopae::apps::ProviderSetting =
///     serde_json::from_str(r#"{"enabled": false, "config": {"loa": "substantial"}}"#)?;
/// assert!(!mitid.enabled);
/// assert_eq!(mitid.config, Some(serde_json::json!({"loa": "substantial"})));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ProviderSetting {
    /// Whether the provider is enabled on the App.
    pub enabled: bool,
    /// Provider-specific configuration, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

crate::json::from_json!(ProviderSetting {
    enabled: req("enabled"),
    config: opt("config"),
});

/// The query of [`Apps::list`]: page size (`limit`, 1 to 100, default 20) and position
/// (`offset`, default 0). Both are always sent.
///
/// # Example
///
/// ```
/// use hopae::apps::ListApps;
///
/// assert_eq!((ListApps::new().limit, ListApps::new().offset), (20, 0));
/// let third_page = ListApps::new().limit(50).offset(100); // sent as ?limit=50&offset=100
/// assert_eq!((third_page.limit, third_page.offset), (50, 100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListApps {
    /// The page size, 1 to 100.
    pub limit: u32,
    /// How many Apps to skip.
    pub offset: u64,
}

crate::json::from_json!(ListApps {
    limit: req("limit"),
    offset: req("offset"),
});

impl ListApps {
    /// The first page of 20, the API's defaults.
    pub fn new() -> ListApps {
        ListApps {
            limit: 20,
            offset: 0,
        }
    }

    /// Sets the page size (1 to 100).
    pub fn limit(mut self, limit: u32) -> ListApps {
        self.limit = limit;
        self
    }

    /// Sets how many Apps to skip.
    pub fn offset(mut self, offset: u64) -> ListApps {
        self.offset = offset;
        self
    }
}

impl Default for ListApps {
    fn default() -> Self {
        ListApps::new()
    }
}

/// The body of [`Apps::create`]: a new App's name. Hopae creates a default workflow
/// (with the `passport` provider) with it.
///
/// # Example
///
/// ```
/// let app = hopae::apps::NewApp::new("Shop");
/// assert_eq!(serde_json::to_string(&app)?, r#"{"name":"Shop"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewApp {
    /// The App's display name (not empty).
    pub name: String,
}

crate::json::from_json!(NewApp { name: req("name") });

impl NewApp {
    /// A new App with this name.
    pub fn new(name: impl Into<String>) -> NewApp {
        NewApp { name: name.into() }
    }
}

/// The body of [`AppHandle::update`]: every field optional; only the fields set are sent.
///
/// `redirect_uris` replaces the whole list (an empty list clears it); `webhook_config`
/// is merged into the current settings; `logo("")` removes the logo. The client id and
/// secret cannot be changed here (use [`AppHandle::rotate_client_secret`]).
///
/// # Example
///
/// ```
/// let update = hopae::apps::AppUpdate::new().name("Shop 2").redirect_uris(["https://shop.example/cb"]);
/// assert_eq!(
///     serde_json::to_string(&update)?,
///     r#"{"name":"Shop 2","redirectUris":["https://shop.example/cb"]}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppUpdate {
    /// A new display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new logo (a base64 `data:` URL), or `""` to remove it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// The complete new list of redirect URIs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// Webhook settings to merge into the current ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_config: Option<WebhookConfigUpdate>,
    /// A new landing URI after a successful verification; `Some(None)` clears it (sent as
    /// `null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_success_redirect_uri: Option<Option<String>>,
    /// A new landing URI after a failed verification; `Some(None)` clears it (sent as
    /// `null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_failure_redirect_uri: Option<Option<String>>,
}

crate::json::from_json!(AppUpdate {
    name: opt("name"),
    logo: opt("logo"),
    redirect_uris: opt("redirectUris"),
    webhook_config: opt("webhookConfig"),
    default_success_redirect_uri: def_with("defaultSuccessRedirectUri", crate::json::nullable),
    default_failure_redirect_uri: def_with("defaultFailureRedirectUri", crate::json::nullable),
});

impl AppUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> AppUpdate {
        AppUpdate::default()
    }

    /// Sets a new display name.
    pub fn name(mut self, name: impl Into<String>) -> AppUpdate {
        self.name = Some(name.into());
        self
    }

    /// Sets a new logo (a base64 `data:` URL); `""` removes it.
    pub fn logo(mut self, logo: impl Into<String>) -> AppUpdate {
        self.logo = Some(logo.into());
        self
    }

    /// Removes the logo: sends `logo: ""`, as the API documents.
    pub fn clear_logo(mut self) -> AppUpdate {
        self.logo = Some(String::new());
        self
    }

    /// Replaces the redirect URIs (at most 20, none with a fragment).
    pub fn redirect_uris<I, S>(mut self, uris: I) -> AppUpdate
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redirect_uris = Some(uris.into_iter().map(Into::into).collect());
        self
    }

    /// Merges these webhook settings into the current ones.
    pub fn webhook_config(mut self, config: WebhookConfigUpdate) -> AppUpdate {
        self.webhook_config = Some(config);
        self
    }

    /// Sets the landing URI after a successful verification.
    pub fn default_success_redirect_uri(mut self, uri: impl Into<String>) -> AppUpdate {
        self.default_success_redirect_uri = Some(Some(uri.into()));
        self
    }

    /// Clears the landing URI after a successful verification: sends `null`.
    ///
    /// # Example
    ///
    /// ```
    /// let update = hopae::AppUpdate::new().clear_default_success_redirect_uri();
    /// assert_eq!(serde_json::to_string(&update)?, r#"{"defaultSuccessRedirectUri":null}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn clear_default_success_redirect_uri(mut self) -> AppUpdate {
        self.default_success_redirect_uri = Some(None);
        self
    }

    /// Sets the landing URI after a failed verification.
    pub fn default_failure_redirect_uri(mut self, uri: impl Into<String>) -> AppUpdate {
        self.default_failure_redirect_uri = Some(Some(uri.into()));
        self
    }

    /// Clears the landing URI after a failed verification: sends `null`.
    ///
    /// # Example
    ///
    /// ```
    /// let update = hopae::AppUpdate::new().clear_default_failure_redirect_uri();
    /// assert_eq!(serde_json::to_string(&update)?, r#"{"defaultFailureRedirectUri":null}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn clear_default_failure_redirect_uri(mut self) -> AppUpdate {
        self.default_failure_redirect_uri = Some(None);
        self
    }

    /// Checks the documented limits without sending anything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty name, more than 20 redirect URIs, or a
    /// redirect URI that is empty, longer than 2,048 characters or has a fragment.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::apps::AppUpdate;
    ///
    /// assert!(AppUpdate::new().redirect_uris(["https://shop.example/cb"]).validate().is_ok());
    /// let e = AppUpdate::new().redirect_uris(["https://shop.example/cb#top"]).validate().unwrap_err();
    /// assert_eq!(e.to_string(), "invalid input: `redirectUris[0]` must not have a fragment (`#...`)");
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(name) = &self.name {
            validate_name("name", name)?;
        }
        if let Some(uris) = &self.redirect_uris {
            validate_redirect_uris("redirectUris", uris)?;
        }
        Ok(())
    }
}

/// The body of [`Apps::batch_create`]: up to 100 Apps in one call.
///
/// # Example
///
/// ```
/// use hopae::apps::{BatchCreate, BatchItem};
///
/// let batch = BatchCreate::new([BatchItem::new("A"), BatchItem::new("B")]).continue_on_error(true);
/// assert_eq!(
///     serde_json::to_string(&batch)?,
///     r#"{"items":[{"name":"A"},{"name":"B"}],"continueOnError":true}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchCreate {
    /// The Apps to create, in order (1 to 100).
    pub items: Vec<BatchItem>,
    /// Whether a failed item lets the batch go on (the API's default is `false`: the
    /// first failure stops it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continue_on_error: Option<bool>,
}

crate::json::from_json!(BatchCreate {
    items: req("items"),
    continue_on_error: opt("continueOnError"),
});

impl BatchCreate {
    /// A batch of these items.
    pub fn new(items: impl IntoIterator<Item = BatchItem>) -> BatchCreate {
        BatchCreate {
            items: items.into_iter().collect(),
            continue_on_error: None,
        }
    }

    /// Lets the batch go on past a failed item.
    pub fn continue_on_error(mut self, continue_on_error: bool) -> BatchCreate {
        self.continue_on_error = Some(continue_on_error);
        self
    }

    /// Checks the documented limits without sending anything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for no items or more than 100, and for an item with an
    /// empty name, invalid redirect URIs or an invalid idempotency key, naming the item.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::apps::{BatchCreate, BatchItem};
    ///
    /// let batch = BatchCreate::new([BatchItem::new("A"), BatchItem::new("")]);
    /// let e = batch.validate().unwrap_err();
    /// assert_eq!(e.to_string(), "invalid input: `items[1].name` must not be empty");
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        if self.items.is_empty() || self.items.len() > MAX_BATCH_ITEMS {
            return Err(Error::invalid_input(format!(
                "a batch must have 1 to {MAX_BATCH_ITEMS} items, this one has {}",
                self.items.len()
            )));
        }
        for (i, item) in self.items.iter().enumerate() {
            validate_name(&format!("items[{i}].name"), &item.name)?;
            if let Some(uris) = &item.redirect_uris {
                validate_redirect_uris(&format!("items[{i}].redirectUris"), uris)?;
            }
            if let Some(key) = &item.idempotency_key {
                crate::http::validate_idempotency_key(key).map_err(|e| match e {
                    Error::InvalidInput(m) => Error::input(
                        InputErrorKind::IdempotencyKey,
                        format!("`items[{i}].idempotencyKey` {}", m.reason()),
                    ),
                    other => other,
                })?;
            }
        }
        Ok(())
    }
}

/// One App of a [`BatchCreate`].
///
/// # Example
///
/// ```
/// use hopae::apps::BatchItem;
/// use hopae::webhooks::WebhookConfigUpdate;
///
/// let item = BatchItem::new("B")
///     .redirect_uris(["https://b.example/cb"])
///     .webhook_config(WebhookConfigUpdate::new().url("https://b.example/hooks"))
///     .idempotency_key("import-b");
/// assert_eq!(
///     serde_json::to_string(&item)?,
///     concat!(
///         r#"{"name":"B","redirectUris":["https://b.example/cb"],"#,
///         r#""webhookConfig":{"url":"https://b.example/hooks"},"idempotencyKey":"import-b"}"#
///     )
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchItem {
    /// The App's name.
    pub name: String,
    /// Its redirect URIs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// Its webhook settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_config: Option<WebhookConfigUpdate>,
    /// A per-item idempotency key, echoed in the item's result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

crate::json::from_json!(BatchItem {
    name: req("name"),
    redirect_uris: opt("redirectUris"),
    webhook_config: opt("webhookConfig"),
    idempotency_key: opt("idempotencyKey"),
});

impl BatchItem {
    /// An App with this name.
    pub fn new(name: impl Into<String>) -> BatchItem {
        BatchItem {
            name: name.into(),
            redirect_uris: None,
            webhook_config: None,
            idempotency_key: None,
        }
    }

    /// Sets its redirect URIs.
    pub fn redirect_uris<I, S>(mut self, uris: I) -> BatchItem
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redirect_uris = Some(uris.into_iter().map(Into::into).collect());
        self
    }

    /// Sets its webhook settings.
    pub fn webhook_config(mut self, config: WebhookConfigUpdate) -> BatchItem {
        self.webhook_config = Some(config);
        self
    }

    /// Sets its idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> BatchItem {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// The answer of [`Apps::batch_create`]: one result per item that was attempted.
///
/// # Example
///
/// ```
/// use hopae::apps::{BatchItemResult, BatchResult};
///
/// let result: BatchResult = serde_json::from_str(r#"{
///     "results": [
///         {"code": "VALIDATION_INVALID_PARAMETER", "message": "Invalid name"},
///         {"error": {"code": "RESOURCE_CONFLICT", "message": "Name taken"}}
///     ],
///     "successCount": 0,
///     "errorCount": 2
/// }"#)?;
/// let codes: Vec<&str> = result
///     .results
///     .iter()
///     .filter_map(|r| match r {
///         BatchItemResult::Failed(e) => Some(e.code.as_str()),
///         _ => None,
///     })
///     .collect();
/// assert_eq!(codes, ["VALIDATION_INVALID_PARAMETER", "RESOURCE_CONFLICT"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchResult {
    /// One result per attempted item, in order.
    pub results: Vec<BatchItemResult>,
    /// How many Apps were created.
    pub success_count: u64,
    /// How many items failed.
    pub error_count: u64,
}

crate::json::from_json!(BatchResult {
    results: req("results"),
    success_count: req("successCount"),
    error_count: req("errorCount"),
});

/// The outcome of one batch item: the created App, or the API's error for it.
///
/// A failure is read from either shape Hopae sends: flat (`{"code", "message"}`) or
/// nested (`{"error": {"code", "message"}}`).
///
/// # Example
///
/// ```
/// use hopae::apps::BatchItemResult;
///
/// let created: BatchItemResult = serde_json::from_str(r#"{"idempotencyKey": "a", "app": {
///     "clientId": "FK5b0KSM",
///     "name": "Shop",
///     "clientSecret": "cs_live_abc123xyz",
///     "redirectUris": ["https://shop.example/cb"],
///     "providers": {"passport": {"enabled": true}},
///     "defaultWorkflowId": "default",
///     "workflows": [],
///     "organizationId": "org_2b7c9d1e",
///     "createdAt": "2026-04-01T09:00:00.000Z",
///     "updatedAt": "2026-04-01T09:00:00.000Z"
/// }}"#)?;
/// match created {
///     BatchItemResult::Created { app, idempotency_key } => {
///         assert_eq!(app.client_id, "FK5b0KSM");
///         assert_eq!(idempotency_key.as_deref(), Some("a"));
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum BatchItemResult {
    /// The App was created.
    Created {
        /// The new App (with its client secret).
        app: Box<App>,
        /// The item's idempotency key, as sent.
        #[serde(rename = "idempotencyKey")]
        idempotency_key: Option<String>,
    },
    /// The item failed; the envelope's `error` object for it.
    Failed(BatchError),
}

/// Why one batch item failed (the shape of the error envelope's `error`).
///
/// # Example
///
/// ```
/// let e: hopae::apps::BatchError = serde_json::from_str(
///     r#"{"code": "VALIDATION_INVALID_PARAMETER", "details": {"parameter": "name"}}"#,
/// )?;
/// assert_eq!(e.code, "VALIDATION_INVALID_PARAMETER");
/// assert_eq!(e.message, None);
/// assert_eq!(e.details.unwrap()["parameter"], "name");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BatchError {
    /// The stable error code, e.g. `VALIDATION_INVALID_PARAMETER`.
    pub code: String,
    /// The human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Optional details, e.g. `{"parameter": "name"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

crate::json::from_json!(BatchError {
    code: req("code"),
    message: opt("message"),
    details: opt("details"),
});

struct RawBatchItemResult {
    app: Option<Box<App>>,
    idempotency_key: Option<String>,
    code: Option<String>,
    message: Option<String>,
    details: Option<serde_json::Value>,
    /// Some deployments nest the failure as `{"error": {...}}`.
    error: Option<BatchError>,
}

crate::json::from_json!(RawBatchItemResult {
    app: opt("app"),
    idempotency_key: opt("idempotencyKey"),
    code: opt("code"),
    message: opt("message"),
    details: opt("details"),
    error: opt("error"),
});

crate::json::from_json_via!(BatchItemResult, RawBatchItemResult);

impl TryFrom<RawBatchItemResult> for BatchItemResult {
    type Error = String;
    fn try_from(raw: RawBatchItemResult) -> Result<Self, String> {
        match (raw.app, raw.code, raw.error) {
            (Some(app), _, _) => Ok(BatchItemResult::Created {
                app,
                idempotency_key: raw.idempotency_key,
            }),
            (None, Some(code), _) => Ok(BatchItemResult::Failed(BatchError {
                code,
                message: raw.message,
                details: raw.details,
            })),
            (None, None, Some(error)) => Ok(BatchItemResult::Failed(error)),
            (None, None, None) => {
                Err("a batch result has neither `app` nor an error `code`".to_owned())
            }
        }
    }
}

fn validate_name(field: &str, name: &str) -> Result<(), Error> {
    if name.trim().is_empty() {
        return Err(Error::invalid_input(format!("`{field}` must not be empty")));
    }
    Ok(())
}

/// The documented redirect URI limits that can be checked without the server.
pub(crate) fn validate_redirect_uris(field: &str, uris: &[String]) -> Result<(), Error> {
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(Error::invalid_input(format!(
            "`{field}` has {} URIs, at most {MAX_REDIRECT_URIS} are allowed",
            uris.len()
        )));
    }
    for (i, uri) in uris.iter().enumerate() {
        let n = uri.chars().count();
        if uri.trim().is_empty() {
            return Err(Error::invalid_input(format!(
                "`{field}[{i}]` must not be empty"
            )));
        }
        if n > MAX_REDIRECT_URI_CHARS {
            return Err(Error::invalid_input(format!(
                "`{field}[{i}]` has {n} characters, at most {MAX_REDIRECT_URI_CHARS} are allowed"
            )));
        }
        if uri.contains('#') {
            return Err(Error::invalid_input(format!(
                "`{field}[{i}]` must not have a fragment (`#...`)"
            )));
        }
    }
    Ok(())
}

/// The App collection of a workspace, from [`HopaeClient::apps`](crate::HopaeClient::apps).
///
/// # Example
///
/// ```no_run
/// let client = hopae::HopaeClient::from_env()?;
/// let apps = client.apps(); // sends nothing
/// let page = apps.list(&hopae::apps::ListApps::new())?;
/// println!("{} apps", page.total);
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Apps<'a> {
    pub(crate) transport: &'a Transport,
}

impl<'a> Apps<'a> {
    /// Lists one page of Apps. `limit` and `offset` are always sent.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when `limit` is 0 or over 100 (nothing is sent);
    /// - [`Error::Api`] for a non-2xx status (401 invalid key);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::apps::ListApps;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let page = client.apps().list(&ListApps::new().limit(50))?;
    /// println!("{} of {} apps", page.data.len(), page.total);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn list(&self, query: &ListApps) -> Result<Page<App>, Error> {
        if query.limit == 0 || query.limit > MAX_PAGE_SIZE {
            return Err(Error::invalid_input(format!(
                "`limit` must be 1 to {MAX_PAGE_SIZE}, got {}",
                query.limit
            )));
        }
        let call = Call::get("list apps", "/apps".into())
            .query("limit", query.limit)
            .query("offset", query.offset);
        self.transport.execute(call, decode::page)
    }

    /// Every App of the workspace, fetched 100 per page as the iteration goes.
    ///
    /// The iterator stops after `total` Apps, at an empty page or at a short page (one
    /// with fewer Apps than the page size the server reports in `limit`). A failed page
    /// is yielded once as an error, and then the iterator ends.
    ///
    /// Offset paging moves when Apps are created or deleted during the iteration, and
    /// the iterator makes up for it: an App already yielded is not yielded again (a
    /// create shifts later Apps forward), and when `total` drops between two pages (a
    /// delete, by this loop or anyone else, shifts later Apps back), the next page is
    /// read that many places earlier, so that no App is skipped; a page of only Apps
    /// already yielded after such a step back is read past. A page of only Apps already
    /// yielded where the iteration has not been before (a server repeating a page) ends
    /// the iteration with an [`Error::Paging`] instead of looping, and so do pages that
    /// keep bringing nothing new.
    ///
    /// Offset paging cannot promise more: when Apps are created and deleted between two
    /// pages in equal numbers, `total` does not move and an App can be skipped. To act
    /// on every App while changing the list (a bulk delete), collect the ids first and
    /// act after the iteration, as below, or repeat "list the first page, delete it"
    /// until the list is empty.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// for app in client.apps().iter() {
    ///     let app = app?;
    ///     println!("{} {}", app.client_id, app.name);
    /// }
    ///
    /// // A bulk delete: the ids first, then the deletes.
    /// let mut ids = Vec::new();
    /// for app in client.apps().iter() {
    ///     let app = app?;
    ///     if app.name.starts_with("tmp-") {
    ///         ids.push(app.client_id);
    ///     }
    /// }
    /// for id in &ids {
    ///     client.app(id).delete()?;
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn iter(&self) -> AppsIter<'a> {
        AppsIter {
            transport: self.transport,
            offset: 0,
            buffer: Vec::new().into_iter(),
            seen: HashSet::new(),
            done: false,
            last_total: None,
            furthest: 0,
            stale: 0,
        }
    }

    /// Creates an App. The answer carries its client secret.
    ///
    /// The call carries a generated `Idempotency-Key` that its retries reuse;
    /// [`Apps::with_idempotency_key`] sends yours.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] for an empty name;
    /// - [`Error::Api`] for a non-2xx status (400 `VALIDATION_*`, 409 idempotency
    ///   conflicts);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::apps::NewApp;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let app = client.apps().create(&NewApp::new("Shop"))?;
    /// // Store the secret now; `Debug` of the App shows it as `Secret([redacted])`.
    /// let secret: Option<hopae::Secret> = app.client_secret.clone();
    /// println!("created {} ({app:?})", app.client_id);
    /// # drop(secret);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn create(&self, app: &NewApp) -> Result<App, Error> {
        self.create_keyed(app, None)
    }

    fn create_keyed(&self, app: &NewApp, key: Option<&str>) -> Result<App, Error> {
        validate_name("name", &app.name)?;
        let call = Call::post("create app", "/apps".into()).json(app)?;
        self.transport.send(call.keyed(key))
    }

    /// This collection's POST calls ([`create`](Idempotent::create),
    /// [`batch_create`](Idempotent::batch_create)) with the caller's idempotency key:
    /// see [`Idempotent`].
    pub fn with_idempotency_key(&self, key: &str) -> Idempotent<Apps<'a>> {
        Idempotent::new(*self, key)
    }

    /// Creates up to 100 Apps in one call. Per-item failures are values in
    /// [`BatchResult::results`], not errors of the call.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when [`BatchCreate::validate`] fails;
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::apps::{BatchCreate, BatchItem, BatchItemResult};
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let batch = BatchCreate::new([BatchItem::new("A"), BatchItem::new("B")]).continue_on_error(true);
    /// let result = client.apps().batch_create(&batch)?;
    /// for (i, r) in result.results.iter().enumerate() {
    ///     match r {
    ///         BatchItemResult::Created { app, .. } => println!("{i}: created {}", app.client_id),
    ///         BatchItemResult::Failed(e) => println!("{i}: failed {}", e.code),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn batch_create(&self, batch: &BatchCreate) -> Result<BatchResult, Error> {
        self.batch_create_keyed(batch, None)
    }

    fn batch_create_keyed(
        &self,
        batch: &BatchCreate,
        key: Option<&str>,
    ) -> Result<BatchResult, Error> {
        batch.validate()?;
        let call = Call::post("batch create apps", "/apps/batch".into()).json(batch)?;
        self.transport.send(call.keyed(key))
    }
}

impl Idempotent<Apps<'_>> {
    /// [`Apps::create`] with this key: the same key and body replay the first answer.
    ///
    /// # Errors
    ///
    /// As [`Apps::create`], plus [`Error::InvalidInput`] for an invalid key.
    pub fn create(self, app: &NewApp) -> Result<App, Error> {
        self.handle.create_keyed(app, Some(self.key()?))
    }

    /// [`Apps::batch_create`] with this key for the batch call (each item may carry its
    /// own, [`BatchItem::idempotency_key`]).
    ///
    /// # Errors
    ///
    /// As [`Apps::batch_create`], plus [`Error::InvalidInput`] for an invalid key.
    pub fn batch_create(self, batch: &BatchCreate) -> Result<BatchResult, Error> {
        self.handle.batch_create_keyed(batch, Some(self.key()?))
    }
}

/// Every App of the workspace, page by page: see [`Apps::iter`].
///
/// # Example
///
/// ```no_run
/// let client = hopae::HopaeClient::from_env()?;
/// let names: Vec<String> = client
///     .apps()
///     .iter()
///     .map(|app| app.map(|a| a.name))
///     .collect::<Result<_, _>>()?; // the first error stops the collection
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Debug)]
pub struct AppsIter<'a> {
    transport: &'a Transport,
    offset: u64,
    buffer: std::vec::IntoIter<App>,
    seen: HashSet<String>,
    done: bool,
    /// The `total` of the last page: a drop means deletes shifted the list back.
    last_total: Option<u64>,
    /// The end of the furthest page read: a page that starts before it re-reads.
    furthest: u64,
    /// Pages in a row that brought no new App.
    stale: u64,
}

impl Iterator for AppsIter<'_> {
    type Item = Result<App, Error>;

    fn next(&mut self) -> Option<Result<App, Error>> {
        loop {
            if let Some(app) = self.buffer.next() {
                return Some(Ok(app));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch() {
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

impl AppsIter<'_> {
    /// Reads the page at `offset` into the buffer (only the Apps not yielded yet) and
    /// moves `offset` to the next page to read.
    fn fetch(&mut self) -> Result<(), Error> {
        let query = ListApps::new().limit(MAX_PAGE_SIZE).offset(self.offset);
        let apps = Apps {
            transport: self.transport,
        };
        let page = apps.list(&query)?;
        let len = page.data.len() as u64;
        // A page is short when it holds fewer Apps than the page size the server says it
        // applied (at most the 100 asked for): a server that caps pages lower still
        // gets paged through to `total`.
        let page_size = match page.limit {
            1..=100 => page.limit,
            _ => u64::from(MAX_PAGE_SIZE),
        };
        let dropped = self
            .last_total
            .map_or(0, |last| last.saturating_sub(page.total));
        self.last_total = Some(page.total);
        // Offsets shift forward when Apps are created meanwhile: an App seen on an
        // earlier page is not yielded twice.
        let fresh: Vec<App> = page
            .data
            .into_iter()
            .filter(|a| self.seen.insert(a.client_id.clone()))
            .collect();
        let end = self.offset.saturating_add(len);
        if dropped > 0 && self.offset > 0 {
            // Deletes moved the Apps not read yet back by up to `dropped` places: read
            // again from there; the seen set drops what comes twice.
            self.furthest = self.furthest.max(end);
            self.offset = self.offset.saturating_sub(dropped);
        } else {
            if len > 0 && fresh.is_empty() && self.offset >= self.furthest {
                return Err(paging_error(PagingErrorKind::RepeatedPage, self.offset, 0));
            }
            self.offset = end;
            self.furthest = self.furthest.max(end);
            self.done = len < page_size || end >= page.total;
        }
        self.stale = if fresh.is_empty() { self.stale + 1 } else { 0 };
        // Re-reading after a step back takes a few pages; a list that keeps moving
        // under the iteration longer than that is given up on rather than followed
        // forever.
        if !self.done && self.stale > 2 * self.furthest.div_ceil(page_size) + 2 {
            return Err(paging_error(
                PagingErrorKind::NoProgress,
                self.offset,
                self.stale,
            ));
        }
        self.buffer = fresh.into_iter();
        Ok(())
    }
}

/// The [`Error::Paging`] of a list of Apps that cannot be paged through.
fn paging_error(kind: PagingErrorKind, offset: u64, stale_pages: u64) -> Error {
    Error::Paging(Box::new(PagingError {
        operation: "list apps",
        kind,
        offset,
        stale_pages,
    }))
}

impl AppHandle<'_> {
    /// Fetches the App.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id cannot be a path segment;
    /// - [`Error::Api`] for a non-2xx status (404 `RESOURCE_NOT_FOUND`);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let app = client.app("FK5b0KSM").get()?;
    /// println!("{}: {:?}", app.name, app.redirect_uris);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn get(&self) -> Result<App, Error> {
        let call = Call::get("get app", self.path("")?);
        self.transport.execute(call, decode::object)
    }

    /// Changes the fields set in `update` and returns the App as stored.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when [`AppUpdate::validate`] fails;
    /// - otherwise as [`AppHandle::get`] (400 `VALIDATION_*` for values the server
    ///   refuses).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::apps::AppUpdate;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let update = AppUpdate::new().name("Shop 2").logo(""); // rename, remove the logo
    /// let app = client.app("FK5b0KSM").update(&update)?;
    /// assert_eq!(app.name, "Shop 2");
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn update(&self, update: &AppUpdate) -> Result<App, Error> {
        update.validate()?;
        let call = Call::patch("update app", self.path("")?).json(update)?;
        self.transport.execute(call, decode::object)
    }

    /// Deletes the App. Its client id answers 404 from then on.
    ///
    /// The answer's shape is undocumented ("App deleted successfully"): any 2xx body is
    /// success, except a JSON object whose `deleted` or `success` is `false`.
    ///
    /// # Errors
    ///
    /// As [`AppHandle::get`], plus [`Error::Api`] with the 2xx status when the answer
    /// reports `{"deleted": false}` (or `{"success": false}`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// client.app("FK5b0KSM").delete()?;
    /// let gone = client.app("FK5b0KSM").get().unwrap_err();
    /// assert_eq!(gone.code(), Some("RESOURCE_NOT_FOUND"));
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn delete(&self) -> Result<(), Error> {
        self.transport
            .send_unless_refused(Call::delete("delete app", self.path("")?))
    }

    /// Replaces the client secret and returns the new one; the old one stops working at
    /// once. Retries of this call reuse one idempotency key, so the API replays the same
    /// new secret rather than rotating twice.
    ///
    /// # Errors
    ///
    /// As [`AppHandle::get`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let secret = client.app("FK5b0KSM").rotate_client_secret()?;
    /// // Store `secret` where the OIDC client reads it; the old one no longer works.
    /// # drop(secret);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn rotate_client_secret(&self) -> Result<Secret, Error> {
        self.rotate_client_secret_keyed(None)
    }

    fn rotate_client_secret_keyed(&self, key: Option<&str>) -> Result<Secret, Error> {
        struct Rotated {
            client_secret: Secret,
        }

        crate::json::from_json!(Rotated {
            client_secret: req("clientSecret"),
        });
        let call = Call::post("rotate client secret", self.path("/rotate-client-secret")?);
        let rotated: Rotated = self.transport.send(call.keyed(key))?;
        Ok(rotated.client_secret)
    }

    /// The App's redirect URIs.
    ///
    /// # Errors
    ///
    /// As [`AppHandle::get`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// for uri in client.app("FK5b0KSM").redirect_uris()? {
    ///     println!("{uri}");
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn redirect_uris(&self) -> Result<Vec<String>, Error> {
        let call = Call::get("get redirect uris", self.path("/redirect-uris")?);
        self.transport.execute(call, decode_redirect_uris)
    }

    /// Replaces the App's redirect URIs (an empty list clears them) and returns them as
    /// stored: the server removes duplicates and lowercases hosts.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] for more than 20 URIs, or one that is empty, longer
    ///   than 2,048 characters or has a fragment;
    /// - otherwise as [`AppHandle::get`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let stored = client
    ///     .app("FK5b0KSM")
    ///     .set_redirect_uris(["https://Shop.example/cb", "http://localhost:3000/cb"])?;
    /// assert_eq!(stored[0], "https://shop.example/cb"); // hosts come back lowercased
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn set_redirect_uris<I, S>(&self, uris: I) -> Result<Vec<String>, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body {
            redirect_uris: Vec<String>,
        }
        let body = Body {
            redirect_uris: uris.into_iter().map(Into::into).collect(),
        };
        validate_redirect_uris("redirectUris", &body.redirect_uris)?;
        let call = Call::put("set redirect uris", self.path("/redirect-uris")?).json(&body)?;
        self.transport.execute(call, decode_redirect_uris)
    }
}

/// The redirect URIs of any of the documented answers: an App or `{redirectUris}` (read
/// from `redirectUris`), or the older `{redirect_uris, total}`.
fn decode_redirect_uris(body: &[u8]) -> DecodeResult<Vec<String>> {
    struct Uris {
        camel: Option<Vec<String>>,
        snake: Option<Vec<String>>,
    }

    crate::json::from_json!(Uris {
        camel: opt("redirectUris"),
        snake: opt("redirect_uris"),
    });
    let uris: Uris = decode::object(body)?;
    uris.camel.or(uris.snake).ok_or_else(|| {
        (
            None,
            "missing field `redirectUris` (nor `redirect_uris`)".to_owned(),
        )
    })
}

impl Idempotent<AppHandle<'_>> {
    /// [`AppHandle::rotate_client_secret`] with this key: a rotation retried with the
    /// same key answers the same new secret instead of rotating twice.
    ///
    /// # Errors
    ///
    /// As [`AppHandle::rotate_client_secret`], plus [`Error::InvalidInput`] for an
    /// invalid key.
    pub fn rotate_client_secret(self) -> Result<Secret, Error> {
        self.handle.rotate_client_secret_keyed(Some(self.key()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_checks() {
        let ok: Vec<String> = vec!["https://a.example/cb".into()];
        assert!(validate_redirect_uris("redirectUris", &ok).is_ok());
        let many: Vec<String> = (0..21).map(|i| format!("https://a.example/{i}")).collect();
        let e = validate_redirect_uris("redirectUris", &many).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: `redirectUris` has 21 URIs, at most 20 are allowed"
        );
        let e =
            validate_redirect_uris("redirectUris", &["https://a.example/#x".into()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: `redirectUris[0]` must not have a fragment (`#...`)"
        );
    }

    #[test]
    fn batch_checks_name_the_item() {
        let e = BatchCreate::new([]).validate().unwrap_err();
        assert!(e.to_string().contains("1 to 100 items"), "{e}");
        let e = BatchCreate::new((0..101).map(|i| BatchItem::new(format!("a{i}"))))
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("this one has 101"), "{e}");
        let e = BatchCreate::new([BatchItem::new("a"), BatchItem::new(" ")])
            .validate()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: `items[1].name` must not be empty"
        );
    }

    #[test]
    fn redirect_uris_answer_in_every_documented_shape() {
        let app = br#"{"redirectUris":["https://a/cb"],"clientId":"x"}"#;
        let old = br#"{"redirect_uris":["https://b/cb"],"total":1}"#;
        assert_eq!(decode_redirect_uris(app).unwrap(), ["https://a/cb"]);
        assert_eq!(decode_redirect_uris(old).unwrap(), ["https://b/cb"]);
        assert!(
            decode_redirect_uris(b"{}")
                .unwrap_err()
                .1
                .contains("redirectUris")
        );
    }
}
