//! [`HopaeClient`]: its constructors and the handles every endpoint hangs off.

use std::fmt;
use std::sync::Arc;

use crate::apps::{AppHandle, Apps};
use crate::config::{ClientBuilder, ResponseHook, Settings, shown_url};
use crate::error::{ConfigErrorKind, Error};
use crate::mapping;

/// A blocking client for the Hopae Connect Workspace API.
///
/// Cloning is cheap: clones share one configuration and one connection pool, so build
/// one client and pass clones (or references) to threads. Every call blocks the calling
/// thread until the response is read or the call fails; never call it from inside an
/// async runtime's worker thread (use `spawn_blocking` there).
///
/// Endpoints hang off handles that cost nothing to make: [`HopaeClient::apps`] for the
/// App collection, [`HopaeClient::app`] for one App and everything under it
/// (production tests, webhook settings, workflows, providers, custom domain), and
/// [`HopaeClient::workspace`].
///
/// # Example
///
/// ```no_run
/// use hopae::ProductionTestItem;
///
/// let client = hopae::HopaeClient::new("sk_workspace_test_...")?;
/// for item in client.app("FK5b0KSM").production_tests().list()? {
///     match item {
///         ProductionTestItem::Challenge(c) => println!("{} active={}", c.id, c.is_active),
///         ProductionTestItem::Request(r) => println!("{} {}", r.id, r.status),
///     }
/// }
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Clone)]
pub struct HopaeClient {
    pub(crate) inner: Arc<Inner>,
}

/// What every clone of a client shares.
pub(crate) struct Inner {
    pub(crate) agent: ureq::Agent,
    pub(crate) base_url: String,
    pub(crate) api_key: String,
    pub(crate) authorization: String,
    /// How calls reach the host when a proxy is configured, for error messages:
    /// `via proxy host:port`, or `directly (NO_PROXY exempts ...)`.
    pub(crate) proxy: Option<String>,
    pub(crate) settings: Settings,
    /// [`ClientBuilder::on_response`]'s callback.
    pub(crate) on_response: Option<Arc<ResponseHook>>,
}

impl fmt::Debug for HopaeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HopaeClient")
            .field(
                "base_url",
                &shown_url(&self.inner.base_url, &self.inner.api_key),
            )
            .field("api_key", &"[redacted]")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

impl HopaeClient {
    /// A client for the environment the key belongs to, with default settings.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the key is empty, malformed, or has neither the
    /// `sk_workspace_test_` nor the `sk_workspace_prod_` prefix (use
    /// [`HopaeClient::builder`] with a base URL for other keys).
    ///
    /// # Example
    ///
    /// ```
    /// let client = hopae::HopaeClient::new("sk_workspace_test_abc123")?;
    /// assert_eq!(client.base_url(), "https://sandbox.api.hopae.com/connect/v1");
    /// assert!(!format!("{client:?}").contains("abc123"));
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn new(api_key: impl Into<String>) -> Result<HopaeClient, Error> {
        HopaeClient::builder(api_key).build()
    }

    /// A client configured from the environment: the key from `HOPAE_API_KEY`, the base
    /// URL from `HOPAE_BASE_URL` when it is set and not empty, else from the key's prefix;
    /// the trusted roots from `SSL_CERT_FILE`/`SSL_CERT_DIR` when set. Same as `ClientBuilder::from_env()?.build()`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `HOPAE_API_KEY` is unset, empty or not valid Unicode, and
    /// for every reason [`ClientBuilder::build`] gives.
    pub fn from_env() -> Result<HopaeClient, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A builder for a client with non-default settings.
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(api_key.into())
    }

    /// The base URL endpoint paths are appended to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The App collection: list, page through, create and batch-create Apps.
    pub fn apps(&self) -> Apps<'_> {
        Apps { client: self }
    }

    /// One App, by its client id (e.g. `"FK5b0KSM"`), and everything under it. Making the
    /// handle sends nothing; an id that cannot be a path segment (empty, `.`, `..`, over
    /// 1,024 bytes) fails each call with [`Error::InvalidInput`].
    pub fn app(&self, client_id: &str) -> AppHandle<'_> {
        AppHandle::new(self, client_id)
    }

    /// A request to any endpoint under the base URL, for one this crate does not cover:
    /// the same funnel as every other call (the key, retries, an idempotency key on
    /// POST, deadlines, redaction and errors). `method` is GET, POST, PUT, PATCH or
    /// DELETE (any case); `path` starts with `/` and is appended to the base URL, so
    /// `"/apps"` is `{base_url}/apps`. Absolute URLs and `//...` are refused with
    /// [`Error::InvalidInput`] when sent: the key never leaves for another origin.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::new("sk_workspace_test_...")?;
    /// let workspace = client.request("GET", "/workspace").send_json()?;
    /// println!("{}", workspace["id"]);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn request(&self, method: &str, path: &str) -> crate::request::Request<'_> {
        crate::request::Request::new(self, method, path)
    }

    /// `text` with the API key replaced by `[redacted]`: for server-sourced strings that
    /// reach an error's `Display` from a successfully decoded body.
    pub(crate) fn redact(&self, text: &str) -> String {
        mapping::redact(text, &self.inner.api_key)
    }
}

impl ClientBuilder {
    /// A builder configured from the environment: the key from `HOPAE_API_KEY`, the base
    /// URL from `HOPAE_BASE_URL` when it is set and not empty, the trusted roots from
    /// `SSL_CERT_FILE`/`SSL_CERT_DIR` when either is set and not empty
    /// ([`ClientBuilder::root_certificates_from_env`]). Other settings can then be
    /// changed before [`ClientBuilder::build`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `HOPAE_API_KEY` is unset, empty or not valid Unicode, or
    /// `HOPAE_BASE_URL` is not valid Unicode.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::ClientBuilder::from_env()?
    ///     .timeout(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn from_env() -> Result<ClientBuilder, Error> {
        use std::env::{VarError, var};
        let key = match var("HOPAE_API_KEY") {
            Ok(key) if !key.is_empty() => key,
            Ok(_) | Err(VarError::NotPresent) => {
                return Err(Error::config(
                    ConfigErrorKind::ApiKeyMissing,
                    "HOPAE_API_KEY is not set",
                ));
            }
            Err(VarError::NotUnicode(_)) => {
                return Err(Error::config(
                    ConfigErrorKind::ApiKeyInvalid,
                    "HOPAE_API_KEY is not valid Unicode",
                ));
            }
        };
        let mut builder = HopaeClient::builder(key).root_certificates_from_env();
        match var("HOPAE_BASE_URL") {
            Ok(url) if !url.is_empty() => builder = builder.base_url(url),
            Ok(_) | Err(VarError::NotPresent) => {}
            Err(VarError::NotUnicode(_)) => {
                return Err(Error::config(
                    ConfigErrorKind::BaseUrl,
                    "HOPAE_BASE_URL is not valid Unicode",
                ));
            }
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_clone_send_sync() {
        fn assert<T: Clone + Send + Sync + 'static>() {}
        assert::<HopaeClient>();
        assert::<ClientBuilder>();
    }
}
